"""Insights: open and overdue claims, time to decision, first-pass rate, and where claims stall."""

from __future__ import annotations

import reflex as rx

from rxapp.components.forms import select_field
from rxapp.components.layout import grid_of, heading_card, row
from rxapp.components.shell import member_page
from rxapp.components.table import cells_row, table
from rxapp.state.console.insights import APPROVED, NEEDS_INFO, REJECTED
from rxapp.state.console.insights import InsightsState as I

CHART_COLORS = {"Submitted": "#6b7280", APPROVED: "#1a7f37", NEEDS_INFO: "#2563eb", REJECTED: "#c8102e"}
PERIODS = [["7", "Last 7 days"], ["30", "Last 30 days"], ["90", "Last 90 days"], ["365", "Last 365 days"]]


def _kpi(label: str, value, detail=None) -> rx.Component:
    return rx.card(
        rx.text(label, size="1", color="#555"),
        rx.text(value, size="6", weight="bold"),
        rx.text(detail, size="1", color="#555") if detail is not None else rx.fragment(),
    )


def _bar_chart(title: str, data, x_key: str, series: list[str], *, stacked: bool = True,
               layout: str = "horizontal") -> rx.Component:
    bars = [rx.recharts.bar(data_key=s, fill=CHART_COLORS[s], stack_id="a" if stacked else None, name=s,
                             is_animation_active=False)
            for s in series]
    if layout == "vertical":
        axes = [rx.recharts.x_axis(type_="number", allow_decimals=False),
                rx.recharts.y_axis(data_key=x_key, type_="category", width=150, font_size=11)]
    else:
        axes = [rx.recharts.x_axis(data_key=x_key, font_size=11), rx.recharts.y_axis(allow_decimals=False)]
    return heading_card(title,
        rx.recharts.bar_chart(
            *bars,
            *axes,
            rx.recharts.cartesian_grid(stroke_dasharray="3 3"),
            rx.recharts.legend(),
            rx.recharts.graphing_tooltip(),
            data=data, layout=layout, width="100%", height=280,
        ),
        width="100%", min_width="0", size="3", gap="6px",
    )


def _claims_chart() -> rx.Component:
    """Claims per day (week, month for long windows): decisions as one stacked bar, submissions as a line.

    One bar per period keeps the bars wide enough to read on a phone too; both axes say what they count.
    """
    decided = [rx.recharts.bar(data_key=s, fill=CHART_COLORS[s], stack_id="decided", name=s,
                               is_animation_active=False, max_bar_size=48)
               for s in (APPROVED, NEEDS_INFO, REJECTED)]
    return heading_card("Claims per " + I.per_unit.lower() + ": submitted and decided",
        rx.recharts.composed_chart(
            rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
            *decided,
            rx.recharts.line(data_key="Submitted", stroke=CHART_COLORS["Submitted"], stroke_width=2,
                             name="Submitted", dot={"r": 2}, is_animation_active=False, type_="linear"),
            rx.recharts.x_axis(data_key="label", font_size=11, min_tick_gap=8,
                               label={"value": I.per_unit, "position": "insideBottom", "offset": -12,
                                      "fontSize": 12, "fill": "#444"}),
            rx.recharts.y_axis(allow_decimals=False, width=44, font_size=11,
                               label={"value": "Claims", "angle": -90, "position": "insideLeft", "offset": 8,
                                      "fontSize": 12, "fill": "#444", "style": {"textAnchor": "middle"}}),
            rx.recharts.legend(vertical_align="top", icon_size=10, wrapper_style={"fontSize": 12,
                                                                                  "paddingBottom": 6}),
            rx.recharts.graphing_tooltip(),
            data=I.per_day, bar_category_gap="18%", width="100%", height=300,
            margin={"top": 4, "right": 8, "bottom": 18, "left": 4},
        ),
        width="100%", min_width="0", size="3", gap="6px", id="claims-per-day",
    )


def insights() -> rx.Component:
    return member_page(
        "Insights",
        row(
            rx.text("Window: ", I.kpis["window"], size="2", color="#555"),
            rx.spacer(),
            rx.box(
                select_field("Period", "days", PERIODS, None, field_id="ins-days", placeholder=None, compact=True,
                             value=I.days.to(str), on_change=I.set_days),
                width="170px",
            ),
            spacing="2", margin_bottom="12px",
        ),
        grid_of({"initial": "2", "md": "4"},
            _kpi("Open claims", I.kpis["open"]),
            _kpi("Overdue", I.kpis["overdue"]),
            _kpi("Median time to decision", I.kpis["median"]),
            _kpi("First-pass approval rate", I.kpis["first_pass"], I.kpis["first_pass_detail"]),
            margin_bottom="14px",
        ),
        rx.vstack(
            _claims_chart(),
            grid_of({"initial": "1", "md": "2"},
                _bar_chart("Needs info and rejections by promotion", I.by_promotion, "name",
                           [NEEDS_INFO, REJECTED], layout="vertical"),
                _bar_chart("By region", I.by_region, "name", [NEEDS_INFO, REJECTED], layout="vertical"),
                width="100%",
            ),
            _bar_chart("By store", I.by_store, "name", [NEEDS_INFO, REJECTED], layout="vertical"),
            heading_card("Most frequent reasons",
                table(("Outcome", "Reason", "Claims"), I.top_reasons,
                      lambda r: cells_row(r["outcome"], r["reason"], r["count"]), size="1"),
                width="100%", size="3", gap="6px",
            ),
            spacing="3", width="100%",
        ),
    )
