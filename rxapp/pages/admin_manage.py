"""Reviewer console, management pages: Promotions & Codes, Insights, Users & Roles."""

from __future__ import annotations

import reflex as rx

from rxapp import routes
from rxapp.components.forms import error_line, field_label
from rxapp.components.shell import ACCENT, member_page
from rxapp.pages.admin import SELECT_STYLE, _notice
from rxapp.state.admin_manage import InsightsState as I
from rxapp.state.admin_manage import PromotionsAdminState as P
from rxapp.state.admin_manage import UsersState as U

CHART_COLORS = {"Submitted": "#6b7280", "Approved": "#1a7f37", "Needs info": "#2563eb", "Rejected": "#c8102e"}


def _err(name: str, fid: str) -> rx.Component:
    return error_line(rx.cond(P.errors.contains(name), P.errors[name].to(str), ""), fid)


def _field(label: str, name: str, *, type: str = "text", required: bool = False, hint: str = "",
           width: str = "100%", max_length: int = 120) -> rx.Component:
    fid = f"p-{name}"
    return rx.box(
        field_label(label, fid, required),
        rx.input(id=fid, name=name, type=type, default_value=P.form[name].to(str), max_length=max_length,
                 size="2", width=width, aria_describedby=f"{fid}-error",
                 aria_invalid=rx.cond(P.errors.contains(name), "true", "false")),
        rx.text(hint, size="1", color="#666") if hint else rx.fragment(),
        _err(name, fid),
        width="100%",
    )


def _area(label: str, name: str) -> rx.Component:
    fid = f"p-{name}"
    return rx.box(
        field_label(label, fid),
        rx.text_area(id=fid, name=name, default_value=P.form[name].to(str), rows="2", max_length=1000,
                     width="100%", aria_describedby=f"{fid}-error"),
        _err(name, fid),
        width="100%",
    )


def _checks(legend: str, prefix: str, options, chosen, error_key: str, *, scroll: bool = False) -> rx.Component:
    box = rx.flex(
        rx.foreach(
            options,
            lambda o: rx.el.label(
                rx.el.input(type="checkbox", name=prefix + o[0], value="on", default_checked=chosen.contains(o[0]),
                            style={"accent_color": ACCENT, "width": "15px", "height": "15px"}),
                o[1],
                style={"display": "flex", "gap": "6px", "align_items": "center", "font_size": "0.88rem",
                       "min_width": "190px"},
            ),
        ),
        gap="4px 14px",
        wrap="wrap",
        max_height="150px" if scroll else "none",
        overflow_y="auto" if scroll else "visible",
        padding="6px",
        border="1px solid #eee" if scroll else "none",
        border_radius="4px",
    )
    return rx.el.fieldset(
        rx.el.legend(legend, style={"font_weight": "600", "font_size": "0.9rem", "margin_bottom": "4px"}),
        box,
        error_line(rx.cond(P.errors.contains(error_key), P.errors[error_key].to(str), ""), f"p-{error_key}"),
        style={"border": "none", "padding": "0", "margin": "0", "min_width": "0"},
    )


def _promotion_form() -> rx.Component:
    return rx.card(
        rx.heading(rx.cond(P.editing == "new", "New promotion", "Edit promotion"), size="4", as_="h2",
                   margin_bottom="8px"),
        rx.form(
            rx.grid(
                _field("Promotion name", "name", required=True),
                _field("Prize name", "prize_name", required=True),
                _field("First day", "starts_on", type="date", required=True),
                _field("Last day", "ends_on", type="date", required=True),
                rx.box(
                    field_label("Prize type", "p-prize_type", True),
                    rx.el.select(
                        rx.el.option("Digital code (code pool)", value="digital_code"),
                        rx.el.option("Physical prize (stock)", value="physical"),
                        id="p-prize_type", name="prize_type", default_value=P.form["prize_type"].to(str),
                        style=SELECT_STYLE,
                    ),
                    _err("prize_type", "p-prize_type"),
                ),
                _field("Physical stock", "physical_stock", hint="Physical prizes only; digital prizes count codes.",
                       max_length=9),
                _field("Per-customer limit", "per_customer_limit", required=True, max_length=4),
                _field("Due days", "due_working_days", required=True, hint="Working days to decide a claim.",
                       max_length=3),
                columns=rx.breakpoints(initial="1", sm="2", md="4"),
                spacing="3",
                width="100%",
            ),
            _checks("Eligible categories", "cat-", P.category_options, P.form_categories, "category_ids"),
            _checks("Eligible models (optional: when any is ticked, only those qualify)", "model-",
                    P.model_options, P.form_models, "model_ids", scroll=True),
            _checks("Regions (none ticked: every region)", "reg-", P.region_options, P.form_regions,
                    "region_codes", scroll=True),
            rx.el.label(
                rx.el.input(type="checkbox", name="requires_partner_store", value="on",
                            default_checked=P.form_partner,
                            style={"accent_color": ACCENT, "width": "16px", "height": "16px"}),
                "Only purchases from partner stores of the customer's region qualify",
                style={"display": "flex", "gap": "8px", "align_items": "center", "font_weight": "600",
                       "font_size": "0.9rem"},
            ),
            rx.grid(
                _area("Description", "description"),
                _area("Prize instructions", "prize_instructions"),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="3",
                width="100%",
            ),
            rx.cond(
                P.warnings.length() > 0,
                rx.callout.root(
                    rx.callout.icon(rx.icon("triangle-alert")),
                    rx.box(
                        rx.text("This change affects claims customers already made:", weight="bold", size="2"),
                        rx.el.ul(rx.foreach(P.warnings, lambda w: rx.el.li(w, style={"font_size": "0.88rem"}))),
                        rx.button("Save anyway", type="button", on_click=P.save_anyway, color_scheme="orange", high_contrast=True,
                                  size="2", margin_top="6px"),
                    ),
                    color_scheme="orange",
                    role="alert",
                ),
            ),
            rx.hstack(
                rx.button("Save promotion", type="submit", size="2"),
                rx.button("Cancel", type="button", variant="outline", size="2", on_click=P.close_form),
                spacing="2",
            ),
            on_submit=P.save,
            reset_on_submit=False,
            display="flex",
            flex_direction="column",
            gap="12px",
            aria_label="Promotion",
        ),
        key=P.form_key.to(str),
        margin_bottom="16px",
    )


def _stock_cell(r) -> rx.Component:
    return rx.table.cell(
        rx.text(r["available"], " available", weight="bold", size="2", white_space="nowrap"),
        rx.text(r["total"], " total · ", r["reserved"], " reserved · ", r["issued"], " issued", size="1",
                color="#555", white_space="nowrap"),
        rx.cond(r["low"] == "yes", rx.badge("Low stock", color_scheme="red", variant="solid", size="1")),
    )


def _promotion_table() -> rx.Component:
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in (
                "Promotion", "Period", "Categories", "Prize", "Stock", "Claims", "")])),
            rx.table.body(
                rx.foreach(
                    P.rows,
                    lambda r: rx.table.row(
                        rx.table.cell(rx.text(r["name"], weight="bold", size="2"),
                                      rx.text(r["regions"], size="1", color="#555")),
                        rx.table.cell(rx.text(r["period"], white_space="nowrap", size="2")),
                        rx.table.cell(rx.text(r["categories"], size="2"), rx.text(r["models"], size="1",
                                                                                   color="#555")),
                        rx.table.cell(rx.text(r["prize"], size="2"), rx.text(r["prize_type"], size="1",
                                                                              color="#555")),
                        _stock_cell(r),
                        rx.table.cell(rx.text(r["claims"], size="1")),
                        rx.table.cell(rx.button("Edit", size="1", variant="outline", type="button",
                                                on_click=P.edit_promotion(r["id"]),
                                                aria_label="Edit " + r["name"])),
                    ),
                )
            ),
            size="1",
            variant="surface",
            width="100%",
        ),
        overflow_x="auto",
        width="100%",
        margin_bottom="18px",
    )


def _codes_card() -> rx.Component:
    return rx.card(
        rx.heading("Upload a code pool (CSV)", size="4", as_="h2", margin_bottom="4px"),
        rx.text("One code per line (a first line “code” is skipped). Every line is checked; if any line is wrong, "
                "nothing is imported and each problem is listed with its line number.", size="2", color="#555"),
        rx.box(
            field_label("Promotion for the codes", "codes-promotion", True),
            rx.el.select(
                rx.el.option("Choose a promotion…", value=""),
                rx.foreach(P.code_promotions, lambda o: rx.el.option(o[1], value=o[0])),
                id="codes-promotion", value=P.codes_promotion, on_change=P.choose_codes_promotion,
                style=SELECT_STYLE,
            ),
            margin_y="10px",
            max_width="420px",
        ),
        rx.grid(
            rx.form(
                field_label("Paste codes", "codes-text"),
                rx.text_area(id="codes-text", name="codes", rows="6", width="100%", font_family="monospace",
                             placeholder="code\nGAME-AAAA-BBBB\nGAME-CCCC-DDDD"),
                rx.button("Import pasted codes", type="submit", size="2", margin_top="6px"),
                on_submit=P.import_pasted,
                reset_on_submit=False,
                key=P.codes_key.to(str),
                aria_label="Paste codes",
            ),
            rx.box(
                rx.el.label(
                    rx.text("Or choose a .csv file (at most 1 MB)", weight="bold", size="2", margin_bottom="4px"),
                    rx.upload.root(
                        rx.hstack(
                            rx.icon("upload", size=18, color=ACCENT, aria_hidden="true"),
                            rx.text("Choose a .csv file or drop it here", size="2"),
                            spacing="2",
                            align="center",
                        ),
                        id="codes-csv",
                        accept={"text/csv": [".csv"], "text/plain": [".txt"]},
                        multiple=False,
                        max_files=1,
                        on_drop=P.import_file(rx.upload_files(upload_id="codes-csv")),
                        border="1px dashed #bbb",
                        border_radius="6px",
                        padding="16px",
                        cursor="pointer",
                        background="#fafafa",
                    ),
                    display="block",
                ),
            ),
            columns=rx.breakpoints(initial="1", sm="2"),
            spacing="4",
            width="100%",
        ),
        rx.cond(
            P.codes_message != "",
            rx.callout(P.codes_message, icon=rx.cond(P.codes_ok, "check", "circle-alert"),
                       color_scheme=rx.cond(P.codes_ok, "green", "red"), size="1", margin_top="10px",
                       role="status", id="codes-result"),
        ),
        rx.cond(
            P.codes_report.length() > 0,
            rx.box(
                rx.table.root(
                    rx.table.header(rx.table.row(rx.table.column_header_cell("Line"),
                                                 rx.table.column_header_cell("Code"),
                                                 rx.table.column_header_cell("Problem"))),
                    rx.table.body(rx.foreach(P.codes_report, lambda p: rx.table.row(
                        rx.table.cell(p["line"]), rx.table.cell(rx.code(p["code"])), rx.table.cell(p["message"])))),
                    size="1",
                    width="100%",
                ),
                max_height="320px",
                overflow="auto",
                margin_top="8px",
            ),
        ),
    )


def promotions() -> rx.Component:
    return member_page(
        "Promotions & Codes",
        _notice(P.message),
        rx.hstack(
            rx.button(rx.icon("plus", size=16, aria_hidden="true"), "New promotion", on_click=P.new_promotion,
                      size="2", type="button"),
            margin_bottom="12px",
        ),
        rx.cond(P.editing != "", _promotion_form()),
        _promotion_table(),
        _codes_card(),
    )


# =========================================================================== insights


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
    return rx.card(
        rx.heading(title, size="3", as_="h2", margin_bottom="6px"),
        rx.recharts.bar_chart(
            *bars,
            *axes,
            rx.recharts.cartesian_grid(stroke_dasharray="3 3"),
            rx.recharts.legend(),
            rx.recharts.graphing_tooltip(),
            data=data,
            layout=layout,
            width="100%",
            height=280,
        ),
        width="100%",
        min_width="0",
    )


def insights() -> rx.Component:
    return member_page(
        "Insights",
        rx.hstack(
            rx.text("Window: ", I.kpis["window"], size="2", color="#555"),
            rx.spacer(),
            field_label("Period", "ins-days"),
            rx.el.select(
                rx.el.option("Last 7 days", value="7"),
                rx.el.option("Last 30 days", value="30"),
                rx.el.option("Last 90 days", value="90"),
                rx.el.option("Last 365 days", value="365"),
                id="ins-days", value=I.days.to(str), on_change=I.set_days,
                style={**SELECT_STYLE, "width": "160px"},
            ),
            align="center",
            spacing="2",
            margin_bottom="12px",
            wrap="wrap",
        ),
        rx.grid(
            _kpi("Open claims", I.kpis["open"]),
            _kpi("Overdue", I.kpis["overdue"]),
            _kpi("Median time to decision", I.kpis["median"]),
            _kpi("First-pass approval rate", I.kpis["first_pass"], I.kpis["first_pass_detail"]),
            columns=rx.breakpoints(initial="2", md="4"),
            spacing="3",
            margin_bottom="14px",
        ),
        rx.vstack(
            _bar_chart("Claims per day: submitted and decided", I.per_day, "day",
                       ["Submitted", "Approved", "Needs info", "Rejected"], stacked=False),
            rx.grid(
                _bar_chart("Needs info and rejections by promotion", I.by_promotion, "name",
                           ["Needs info", "Rejected"], layout="vertical"),
                _bar_chart("By region", I.by_region, "name", ["Needs info", "Rejected"], layout="vertical"),
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="3",
                width="100%",
            ),
            _bar_chart("By store", I.by_store, "name", ["Needs info", "Rejected"], layout="vertical"),
            rx.card(
                rx.heading("Most frequent reasons", size="3", as_="h2", margin_bottom="6px"),
                rx.table.root(
                    rx.table.header(rx.table.row(rx.table.column_header_cell("Outcome"),
                                                 rx.table.column_header_cell("Reason"),
                                                 rx.table.column_header_cell("Claims"))),
                    rx.table.body(rx.foreach(I.top_reasons, lambda r: rx.table.row(
                        rx.table.cell(r["outcome"]), rx.table.cell(r["reason"]), rx.table.cell(r["count"])))),
                    size="1",
                    width="100%",
                ),
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
    )


# =========================================================================== users & roles


def users() -> rx.Component:
    table = rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in ("Email", "Name", "Role", "")])),
            rx.table.body(
                rx.foreach(
                    U.rows,
                    lambda u: rx.table.row(
                        rx.table.cell(u["email"]),
                        rx.table.cell(u["name"]),
                        rx.table.cell(rx.badge(u["role"], variant="soft", high_contrast=True, color_scheme=rx.match(
                            u["role"], ("admin", "purple"), ("reviewer", "blue"), "gray"))),
                        rx.table.cell(
                            rx.cond(
                                u["is_admin"] == "yes",
                                rx.text("Administrator", size="1", color="#555"),
                                rx.cond(
                                    u["is_reviewer"] == "yes",
                                    rx.button("Remove reviewer", size="1", variant="outline", color_scheme="red",
                                              type="button", on_click=U.remove_reviewer(u["id"]),
                                              aria_label="Remove reviewer role from " + u["email"]),
                                    rx.button("Make reviewer", size="1", type="button",
                                              on_click=U.grant_reviewer(u["id"]),
                                              aria_label="Make " + u["email"] + " a reviewer"),
                                ),
                            )
                        ),
                    ),
                )
            ),
            size="1",
            width="100%",
        ),
        overflow_x="auto",
    )
    return member_page(
        "Users & Roles",
        rx.cond(
            U.allowed,
            rx.box(
                rx.form(
                    rx.hstack(
                        rx.box(
                            field_label("Search by email", "users-query"),
                            rx.input(id="users-query", name="query", default_value=U.query, max_length=254,
                                     size="2", width="280px", placeholder="e.g. @example.com"),
                        ),
                        rx.button("Search", type="submit", size="2"),
                        align="end",
                        spacing="2",
                        wrap="wrap",
                    ),
                    on_submit=U.search,
                    reset_on_submit=False,
                    margin_bottom="12px",
                ),
                rx.text("With an empty search, the current reviewers and administrators are listed.", size="1",
                        color="#555", margin_bottom="8px"),
                _notice(U.message),
                table,
            ),
            rx.callout("Only administrators can grant or remove the reviewer role.", icon="lock",
                       color_scheme="gray"),
        ),
    )


def add_pages(app, member, reviewer) -> None:
    reviewer(routes.ADMIN_PROMOTIONS, promotions, "Promotions & Codes", P.load)
    reviewer(routes.ADMIN_INSIGHTS, insights, "Insights", I.load)
    reviewer(routes.ADMIN_USERS, users, "Users & Roles", U.load)
