"""Promotions & Codes: the promotions with their stock, the promotion form, and code pool imports."""

from __future__ import annotations

import reflex as rx

from rxapp import vocabulary
from rxapp.components.forms import field, field_error, notice, select_field, textarea_field
from rxapp.components.i18n import T, Tf
from rxapp.i18n import N_
from rxapp.components.layout import grid_of, heading_card
from rxapp.components.shell import ACCENT, member_page
from rxapp.components.table import data_table, table
from rxapp.models import PrizeType
from rxapp.pages.console.risk import policy_panel
from rxapp.state.console.promotions import PromotionsAdminState as P

PRIZE_TYPES = [
    [PrizeType.digital_code.value, Tf("{prize_type} (code pool)", prize_type=T(vocabulary.PRIZE_TYPE[PrizeType.digital_code]))],
    [PrizeType.physical.value, Tf("{prize_type} (stock)", prize_type=T(vocabulary.PRIZE_TYPE[PrizeType.physical]))],
]


def _field(label: str, name: str, *, type: str = "text", required: bool = False, hint="",
           max_length: int = 120) -> rx.Component:
    """``label``: marked with ``N_`` where written (``field`` translates it)."""
    return field(label, name, P.errors, type=type, required=required, hint=hint, max_length=max_length,
                 default_value=P.form[name].to(str), id_prefix="p", compact=True)


def _area(label: str, name: str) -> rx.Component:
    return textarea_field(label, name, P.errors, rows=2, max_length=1000, default_value=P.form[name].to(str),
                          id_prefix="p", compact=True)


def _checks(legend, prefix: str, options, chosen, error_key: str, *, scroll: bool = False) -> rx.Component:
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
        gap="4px 14px", wrap="wrap", max_height="150px" if scroll else "none",
        overflow_y="auto" if scroll else "visible", padding="6px",
        border="1px solid #eee" if scroll else "none", border_radius="4px",
    )
    return rx.el.fieldset(
        rx.el.legend(legend, style={"font_weight": "600", "font_size": "0.9rem", "margin_bottom": "4px"}),
        box,
        field_error(P.errors, error_key, f"p-{error_key}"),
        style={"border": "none", "padding": "0", "margin": "0", "min_width": "0"},
    )


def _promotion_form() -> rx.Component:
    return rx.card(
        rx.heading(rx.cond(P.editing == "new", T("New promotion"), T("Edit promotion")), size="4", as_="h2",
                   margin_bottom="8px"),
        rx.form(
            grid_of({"initial": "1", "sm": "2", "md": "4"},
                _field(N_("Promotion name"), "name", required=True),
                _field(N_("Prize name"), "prize_name", required=True),
                _field(N_("First day"), "starts_on", type="date", required=True),
                _field(N_("Last day"), "ends_on", type="date", required=True),
                select_field("Prize type", "prize_type", PRIZE_TYPES, P.errors, required=True, placeholder=None,
                             default_value=P.form["prize_type"].to(str), id_prefix="p", compact=True),
                _field(N_("Physical stock"), "physical_stock", hint=T("Physical prizes only; digital prizes count codes."),
                       max_length=9),
                _field(N_("Per-customer limit"), "per_customer_limit", required=True, max_length=4),
                _field(N_("Due days"), "due_working_days", required=True, hint=T("Working days to decide a claim."),
                       max_length=3),
                width="100%",
            ),
            _checks(T("Eligible categories"), "cat-", P.category_options, P.form_categories, "category_ids"),
            _checks(T("Eligible models (optional: when any is ticked, only those qualify)"), "model-",
                    P.model_options, P.form_models, "model_ids", scroll=True),
            _checks(T("Regions (none ticked: every region)"), "reg-", P.region_options, P.form_regions,
                    "region_codes", scroll=True),
            rx.el.label(
                rx.el.input(type="checkbox", name="requires_partner_store", value="on",
                            default_checked=P.form_partner,
                            style={"accent_color": ACCENT, "width": "16px", "height": "16px"}),
                T("Only purchases from partner stores of the customer's region qualify"),
                style={"display": "flex", "gap": "8px", "align_items": "center", "font_weight": "600",
                       "font_size": "0.9rem"},
            ),
            grid_of({"initial": "1", "sm": "2"},
                _area(N_("Description"), "description"),
                _area(N_("Prize instructions"), "prize_instructions"),
                width="100%",
            ),
            rx.cond(
                P.warnings.length() > 0,
                rx.callout.root(
                    rx.callout.icon(rx.icon("triangle-alert")),
                    rx.box(
                        rx.text(T("This change affects claims customers already made:"), weight="bold", size="2"),
                        rx.el.ul(rx.foreach(P.warnings, lambda w: rx.el.li(w, style={"font_size": "0.88rem"}))),
                        rx.button(T("Save anyway"), type="button", on_click=P.save_anyway, color_scheme="orange", high_contrast=True,
                                  size="2", margin_top="6px"),
                    ),
                    color_scheme="orange", role="alert",
                ),
            ),
            rx.hstack(
                rx.button(T("Save promotion"), type="submit", size="2"),
                rx.button(T("Cancel"), type="button", variant="outline", size="2", on_click=P.close_form),
                spacing="2",
            ),
            on_submit=P.save, reset_on_submit=False, display="flex", flex_direction="column", gap="12px",
            aria_label=T("Promotion"),
        ),
        key=P.form_key.to(str), margin_bottom="16px",
    )


def _stock_cell(r) -> rx.Component:
    return rx.table.cell(
        # The parts add up to the pool: available + reserved (claims waiting) + issued = of N.
        rx.text(
            rx.text.strong(Tf("{n} available", n=r["available"])), " · ",
            rx.cond(r["digital"] == "yes",
                    Tf("{reserved} reserved · {issued} issued · of {total}", reserved=r["reserved"],
                       issued=r["issued"], total=r["total"]),
                    Tf("{claimed} claimed · of {total}", claimed=r["reserved"], total=r["total"])),
            size="2", title=rx.cond(r["digital"] == "yes",
                                    T("Reserved: held for claims under review; issued: sent to approved claims."),
                                    T("Claimed: claims not rejected.")),
        ),
        rx.cond(r["low"] == "yes", rx.badge(T("Low stock"), color_scheme="red", variant="solid", size="1")),
    )


def _promotion_row(r) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(r["name"], weight="bold", size="2"),
                      rx.text(r["regions"], size="1", color="#555")),
        rx.table.cell(rx.text(r["period"], white_space="nowrap", size="2")),
        rx.table.cell(rx.text(r["categories"], size="2"), rx.text(r["models"], size="1",
                                                                   color="#555")),
        rx.table.cell(rx.text(r["prize"], size="2"), rx.text(r["prize_type"], size="1",
                                                              color="#555")),
        _stock_cell(r),
        rx.table.cell(rx.text(r["claims"], size="1")),
        rx.table.cell(rx.button(T("Edit"), size="1", variant="outline", type="button",
                                on_click=P.edit_promotion(r["id"]),
                                aria_label=Tf("Edit {name}", name=r["name"]))),
    )


def _promotion_table() -> rx.Component:
    return data_table(("Promotion", "Period", "Categories", "Prize", "Stock", "Claims", ""), P.rows, _promotion_row,
                      size="1", variant="surface", width="100%", margin_bottom="18px")


def _codes_card() -> rx.Component:
    return heading_card(T("Upload a code pool (CSV)"),
        rx.text(T("One code per line (a first line “code” is skipped). Every line is checked; if any line is wrong, "
                  "nothing is imported and each problem is listed with its line number."), size="2", color="#555"),
        rx.box(
            select_field("Promotion for the codes", "promotion", P.code_promotions, None, required=True,
                         field_id="codes-promotion", placeholder=N_("Choose a promotion…"), compact=True,
                         value=P.codes_promotion, on_change=P.choose_codes_promotion),
            margin_y="10px", max_width="420px",
        ),
        grid_of({"initial": "1", "sm": "2"},
            rx.form(
                textarea_field("Paste codes", "codes", None, rows=6, field_id="codes-text", max_length=1_100_000,
                               font_family="monospace", placeholder=T("code\nGAME-AAAA-BBBB\nGAME-CCCC-DDDD"),
                               compact=True),
                rx.button(T("Import pasted codes"), type="submit", size="2", margin_top="6px"),
                on_submit=P.import_pasted, reset_on_submit=False, key=P.codes_key.to(str),
                aria_label=T("Paste codes"),
            ),
            rx.box(
                rx.el.label(
                    rx.text(T("Or choose a .csv file (at most 1 MB)"), weight="bold", size="2", margin_bottom="4px"),
                    rx.upload.root(
                        rx.hstack(
                            rx.icon("upload", size=18, color=ACCENT, aria_hidden="true"),
                            rx.text(T("Choose a .csv file or drop it here"), size="2"),
                            spacing="2", align="center",
                        ),
                        id="codes-csv", accept={"text/csv": [".csv"], "text/plain": [".txt"]}, multiple=False,
                        max_files=1, on_drop=P.import_file(rx.upload_files(upload_id="codes-csv")),
                        border="1px dashed #bbb", border_radius="6px", padding="16px", cursor="pointer",
                        background="#fafafa",
                    ),
                    display="block",
                ),
            ),
            spacing="4", width="100%",
        ),
        rx.cond(
            P.codes_message != "",
            rx.callout.root(  # two fixed icons: an icon named by a var loads every icon
                rx.callout.icon(rx.cond(P.codes_ok, rx.icon("check"), rx.icon("circle-alert"))),
                rx.callout.text(P.codes_message),
                color_scheme=rx.cond(P.codes_ok, "green", "red"), size="1", margin_top="10px",
                role="status", id="codes-result"),
        ),
        rx.cond(
            P.codes_report.length() > 0,
            rx.box(
                table(("Line", "Code", "Problem"), P.codes_report,
                      lambda p: rx.table.row(rx.table.cell(p["line"]), rx.table.cell(rx.code(p["code"])),
                                             rx.table.cell(p["message"])),
                      size="1"),
                max_height="320px", overflow="auto", margin_top="8px",
            ),
        ),
        gap="4px",
    )


def promotions() -> rx.Component:
    return member_page(
        "Promotions & Codes",
        notice(P.message),
        rx.hstack(
            rx.button(rx.icon("plus", size=16, aria_hidden="true"), T("New promotion"), on_click=P.new_promotion,
                      size="2", type="button"),
            margin_bottom="12px",
        ),
        rx.cond(P.editing != "", _promotion_form()),
        _promotion_table(),
        _codes_card(),
        policy_panel(),
    )
