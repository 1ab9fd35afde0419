"""Insights: open and overdue claims, time to decision, first-pass rate, and where claims stall."""

from __future__ import annotations

import reflex as rx

from rxapp.components.forms import select_field
from rxapp.components.i18n import T, Tf
from rxapp.components.layout import grid_of, heading_card, row
from rxapp.components.shell import member_page
from rxapp.components.table import cells_row, data_table
from rxapp.state.console.insights import APPROVED, NEEDS_INFO, REJECTED
from rxapp.state.console.insights import InsightsState as I

CHART_COLORS = {"Submitted": "#6b7280", APPROVED: "#1a7f37", NEEDS_INFO: "#2563eb", REJECTED: "#c8102e"}
PERIODS = [["7", T("Last 7 days")], ["30", T("Last 30 days")], ["90", T("Last 90 days")],
           ["365", T("Last 365 days")]]


def _kpi(label, value, detail=None) -> rx.Component:
    return rx.card(
        rx.text(label, size="1", color="#555"),
        rx.text(value, size="6", weight="bold"),
        rx.text(detail, size="1", color="#555") if detail is not None else rx.fragment(),
    )


def _legend(*series: str) -> rx.Component:
    return rx.flex(
        *[rx.flex(rx.box(width="10px", height="10px", background=CHART_COLORS[name], border_radius="2px"),
                  rx.text(T(name), size="1"), gap="5px", align="center") for name in series],
        gap="14px", wrap="wrap", margin_bottom="10px", aria_hidden="true",
    )


def _bar_list(title, rows, empty) -> rx.Component:
    """Needs info and rejections per promotion, region or store: one labelled bar per name.

    Plain HTML, not a chart: each name sits on its own line above its bar (wrapping on a narrow screen)
    and both counts are written out, so the list reads the same on a 390 px phone as on a desktop (a
    chart's label column took half a phone's width), with a screen reader too, and without hovering.
    """
    def item(r) -> rx.Component:
        return rx.el.li(
            rx.flex(
                rx.text(r["name"], size="2", weight="medium", style={"overflow_wrap": "anywhere"}),
                rx.text(r["summary"], size="1", color="#555", white_space="nowrap"),
                justify="between", align="baseline", wrap="wrap", gap="2px 10px",
            ),
            rx.flex(
                rx.box(width=r["needs_info_width"], background=CHART_COLORS[NEEDS_INFO]),
                rx.box(width=r["rejected_width"], background=CHART_COLORS[REJECTED]),
                height="12px", margin_top="4px", border_radius="3px", overflow="hidden", background="#f1f3f5",
                aria_hidden="true", class_name="mc-bar",
            ),
            style={"list_style": "none", "margin_bottom": "12px"},
        )

    return heading_card(title,
        rx.cond(
            rows.length() > 0,
            rx.fragment(_legend(NEEDS_INFO, REJECTED),
                        rx.el.ul(rx.foreach(rows, item), aria_label=title, style={"padding": "0", "margin": "0"})),
            rx.text(empty, size="2", color="#555"),
        ),
        width="100%", min_width="0", size="3", gap="6px",
    )


def _claims_chart() -> rx.Component:
    """Claims per day (week, month for long windows): decisions as one stacked bar, submissions as a line.

    One bar per period keeps the bars wide enough to read on a phone too; both axes say what they count.
    """
    decided = [rx.recharts.bar(data_key=s, fill=CHART_COLORS[s], stack_id="decided", name=T(s),
                               is_animation_active=False, max_bar_size=48)
               for s in (APPROVED, NEEDS_INFO, REJECTED)]
    return heading_card(I.chart_title,
        rx.recharts.composed_chart(
            rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
            *decided,
            rx.recharts.line(data_key="Submitted", stroke=CHART_COLORS["Submitted"], stroke_width=2,
                             name=T("Submitted"), dot={"r": 2}, is_animation_active=False, type_="linear"),
            rx.recharts.x_axis(data_key="label", font_size=11, min_tick_gap=8,
                               label={"value": I.per_unit, "position": "insideBottom", "offset": -12,
                                      "fontSize": 12, "fill": "#444"}),
            rx.recharts.y_axis(allow_decimals=False, width=44, font_size=11,
                               label={"value": T("Claims"), "angle": -90, "position": "insideLeft", "offset": 8,
                                      "fontSize": 12, "fill": "#444", "style": {"textAnchor": "middle"}}),
            rx.recharts.legend(vertical_align="top", icon_size=10, wrapper_style={"fontSize": 12,
                                                                                  "paddingBottom": 6}),
            rx.recharts.graphing_tooltip(),
            data=I.per_day, bar_category_gap="18%", width="100%", height=300,
            margin={"top": 4, "right": 8, "bottom": 18, "left": 4},
        ),
        width="100%", min_width="0", size="3", gap="6px", id="claims-per-day",
    )


def _fast_track() -> rx.Component:
    """Automatic against manual decisions, the audit sample's outcomes, signals by frequency."""
    return heading_card(T("Automatic decisions"),
        grid_of({"initial": "2", "md": "5"},
            _kpi(T("Decided automatically"), I.fast["automatic"]),
            _kpi(T("Decided by a reviewer"), I.fast["manual"]),
            _kpi(T("Audit: to check"), I.fast["sampled"]),
            _kpi(T("Audit: confirmed"), I.fast["confirmed"]),
            _kpi(T("Audit: flagged"), I.fast["flagged"]),
            margin_bottom="8px",
        ),
        rx.cond(
            I.signal_counts.length() > 0,
            data_table(("Risk signal", "Claims"), I.signal_counts,
                       lambda r: cells_row(r["signal"], r["count"]), size="1", width="100%"),
            rx.text(T("No risk signal in this window."), size="2", color="#555"),
        ),
        width="100%", min_width="0", size="3", gap="6px", id="fast-track-insights",
    )


def insights() -> rx.Component:
    return member_page(
        "Insights",
        row(
            rx.text(Tf("Window: {window}", window=I.kpis["window"]), size="2", color="#555"),
            rx.spacer(),
            rx.box(
                select_field("Period", "days", PERIODS, None, field_id="ins-days", placeholder=None, compact=True,
                             value=I.days.to(str), on_change=I.set_days),
                width="170px",
            ),
            spacing="2", margin_bottom="12px",
        ),
        grid_of({"initial": "2", "md": "4"},
            _kpi(T("Open claims"), I.kpis["open"]),
            _kpi(T("Overdue"), I.kpis["overdue"]),
            _kpi(T("Median time to decision"), I.kpis["median"]),
            _kpi(T("First-pass approval rate"), I.kpis["first_pass"], I.kpis["first_pass_detail"]),
            margin_bottom="14px",
        ),
        rx.vstack(
            _claims_chart(),
            grid_of({"initial": "1", "md": "2"},
                _bar_list(T("Needs info and rejections by promotion"), I.by_promotion,
                          T("No needs-info requests or rejections by promotion in this window.")),
                _bar_list(T("By region"), I.by_region,
                          T("No needs-info requests or rejections by region in this window.")),
                width="100%",
            ),
            _bar_list(T("By store"), I.by_store, T("No needs-info requests or rejections by store in this window.")),
            _fast_track(),
            heading_card(T("Most frequent reasons"),
                rx.cond(
                    I.top_reasons.length() > 0,
                    # Stacks into one card per reason on a phone (``data_table``): the reasons are long.
                    data_table(("Outcome", "Reason", "Claims"), I.top_reasons,
                               lambda r: cells_row(r["outcome"], r["reason"], r["count"]), size="1", width="100%"),
                    rx.text(T("No needs-info requests or rejections in this window."), size="2", color="#555"),
                ),
                width="100%", min_width="0", size="3", gap="6px",
            ),
            spacing="3", width="100%",
        ),
    )
