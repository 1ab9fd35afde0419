"""Product Registration (Step 1 → 4) and My Products."""

import reflex as rx

from rxapp import routes
from rxapp.components.evidence import checklist
from rxapp.components.forms import captcha_field, error_line, field_label, hint_line, required_mark
from rxapp.components.i18n import T, Tf
from rxapp.components.layout import grid_of, row
from rxapp.components.shell import ACCENT, member_page
from rxapp.components.stepper import stepper
from rxapp.components.table import data_table
from rxapp.components.upload import upload_field
from rxapp import vocabulary
from rxapp.i18n import N_
from rxapp.state.registration import MyProductsState, RegistrationState as R

STEPS = [N_("Category"), N_("Serial Number"), N_("CHK code"), N_("Purchase details")]


def _label(text, html_for: str, required: bool = True) -> rx.Component:
    """``text``: marked by the caller (``T`` / ``N_``); shown in the tab's language."""
    return field_label(text, html_for, required)


def _err(name: str, fid: str) -> rx.Component:
    return error_line(rx.cond(R.errors.contains(name), R.errors[name].to(str), ""), fid)


def _sticker_help() -> rx.Component:
    return rx.cond(
        R.category_id != "",
        rx.card(
            row(
                # A category loaded by the operator may have no picture (load-catalog): then only the text.
                rx.cond(
                    R.category["sticker_image"].to(str) != "",
                    rx.image(src=R.category["sticker_image"], alt=Tf("{category} S/N sticker location", category=R.category["name"].to(str)),
                             width="320px", max_width="100%", border_radius="4px"),
                ),
                rx.vstack(
                    rx.heading(T("How to Identify Product Serial Number?"), size="3", as_="h2"),
                    rx.text(R.category["sticker_text"], size="2"),
                    rx.text(T("Format:"), " ", rx.code(R.category["serial_format"]), " · ", T("e.g."), " ",
                            rx.code(R.category["example"]), size="2"),
                    spacing="2",
                ),
                spacing="4", align=None,
            ),
            margin_y="12px",
        ),
    )


def step_category() -> rx.Component:
    return rx.box(
        rx.el.fieldset(
            rx.el.legend(T("Choose the category of your product"), style={"font_weight": "600", "margin_bottom": "8px"}),
            rx.flex(
                rx.foreach(
                    R.categories,
                    lambda c: rx.el.label(
                        # Uncontrolled (default_checked): the click shows at once; the
                        # step re-mounts from the state when the customer comes back.
                        rx.el.input(type="radio", name="category", value=c["id"],
                                    default_checked=R.category_id == c["id"],
                                    on_change=R.choose_category(c["id"]),
                                    style={"accent_color": ACCENT}),
                        rx.text(c["name"], weight="medium"),
                        style={"display": "flex", "gap": "8px", "align_items": "center",
                               "border": "1px solid #ddd", "border_radius": "6px", "padding": "10px 14px",
                               "cursor": "pointer", "min_width": "150px"},
                    ),
                ),
                gap="10px", wrap="wrap",
                # A restored draft (a reload) re-mounts the radios with its choice.
                key="cats-" + R.restored.to(str),
            ),
            style={"border": "none", "padding": "0"},
        ),
        _err("category", "reg-category"),
        _sticker_help(),
    )


def _hint() -> rx.Component:
    """One message next to the field: the live hint while typing, or (after Next) the same words as the error."""
    color = rx.match(R.hint_status, ("found", "#1a7f37"), ("typing", "#555"), ("empty", "#555"), "#b35c00")
    return rx.box(
        rx.cond(
            (R.hint_message != "") & ~R.errors.contains("serial"),
            rx.text(R.hint_message, id="reg-serial-hint", size="2", color=color, aria_live="polite"),
        ),
        _err("serial", "reg-serial"),
        rx.cond(
            R.suggestion != "",
            rx.button(rx.text(Tf("Use {serial}", serial=R.suggestion)), on_click=R.use_suggestion, size="1", variant="soft",
                      margin_top="6px", type="button"),
        ),
        rx.cond(
            R.switch_category != "",
            rx.button(Tf("Switch to {category}", category=R.switch_category), on_click=R.switch_to_category, size="2",
                      variant="soft", margin_top="6px", type="button"),
        ),
        margin_top="6px",
    )


def _facts() -> rx.Component:
    return rx.cond(
        R.product_name != "",
        rx.grid(
            *[
                rx.box(rx.text(label, size="1", color="#666"), rx.text(value, weight="bold", size="2"))
                for label, value in ((T("Product Type"), R.product_type), (T("Product Name"), R.product_name),
                                     (T("Model"), R.model), (T("Serial Number"), R.serial))
            ],
            columns=rx.breakpoints(initial="2", md="4"), spacing="3", padding="12px",
            border="1px solid #e3f1e6", background="#f5fbf6", border_radius="6px", margin_y="10px",
        ),
    )


def step_serial() -> rx.Component:
    return rx.box(
        _label(T("Serial Number"), "reg-serial"),
        rx.input(id="reg-serial", value=R.serial, on_change=R.set_serial, debounce_timeout=250,
                 max_length=40, size="3", auto_complete="off", spell_check=False,
                 aria_describedby="reg-serial-hint reg-serial-error", style={"text_transform": "uppercase"}),
        hint_line(T('Please pay attention to the differences between "0" and "O", "1" and "l".')),
        _hint(),
        _facts(),
        _sticker_help(),
    )


def step_chk() -> rx.Component:
    return rx.box(
        _facts(),
        _label(T("CHK"), "reg-chk"),
        rx.input(id="reg-chk", value=R.chk, on_change=R.set_chk, max_length=3, size="3", width="120px",
                 input_mode="numeric", auto_complete="off", aria_describedby="reg-chk-error"),
        hint_line(T("Find the Serial Number sticker on the product and type the 3-digit CHK code printed on it.")),
        _err("chk", "reg-chk"),
        _sticker_help(),
    )


def _select(fid: str, label, value, options, on_change, error_key: str) -> rx.Component:
    return rx.box(
        _label(label, fid),
        rx.el.select(
            rx.el.option(T("Select"), value=""),
            rx.foreach(options, lambda o: rx.el.option(o[1], value=o[0])),
            id=fid, name=error_key, value=value, on_change=on_change, aria_describedby=f"{fid}-error",
            style={"width": "100%", "height": "40px", "border": "1px solid #c8c8cf", "border_radius": "4px",
                   "padding": "0 10px", "background": "white", "font_size": "1rem"},
        ),
        _err(error_key, fid),
        margin_bottom="12px",
    )


def invoice_checklist() -> rx.Component:
    return checklist(R.invoice_checking, R.invoice_checks, R.invoice_check_note,
                     replace_hint="choose another file above to replace the invoice")  # a key: evidence._ADVICE


def step_purchase() -> rx.Component:
    return rx.form(
        _facts(),
        grid_of({"initial": "1", "sm": "2"},
            _select("reg-region", T("Region / Location"), R.region, R.regions, R.set_region, "region"),
            _select("reg-store", T("Store Name"), R.store_id, R.stores, R.set_store, "store"),
            spacing="4", width="100%",
        ),
        rx.box(
            _label(T("Purchase Date"), "reg-date"),
            rx.input(id="reg-date", name="purchase_date", type="date", value=R.purchase_date, on_change=R.set_purchase_date,
                     max=R.max_date, size="3", width="220px", aria_describedby="reg-date-error"),
            _err("purchase_date", "reg-date"),
            margin_bottom="12px",
        ),
        rx.el.fieldset(
            rx.el.legend(T("Where did you purchase the product"), required_mark(),
                         style={"font_weight": "600", "font_size": "0.9rem", "margin_bottom": "6px"}),
            row(
                *[
                    rx.el.label(
                        rx.el.input(type="radio", name="channel", value=value, default_checked=R.channel == value,
                                    on_change=R.set_channel(value), style={"accent_color": ACCENT}),
                        T(label),  # the vocabulary's marked label
                        style={"display": "flex", "gap": "6px", "align_items": "center", "cursor": "pointer"},
                    )
                    for value, label in vocabulary.options(vocabulary.CHANNEL)
                ],
                spacing="5", align=None,
            ),
            _err("channel", "reg-channel"),
            style={"border": "none", "padding": "0", "margin_bottom": "12px"},
            # Choosing a store sets its channel on the server: the radios re-mount with it.
            key="channel-" + R.channel,
        ),
        upload_field(
            "invoice",
            T("Invoice Upload"),
            R.upload_invoice,
            R.refuse_invoice,
            hint=T("The image should include the model name, invoice date, and invoice number."),
            thumb_alt=T("Invoice Upload preview"),
            busy=R.uploading, file_name=R.invoice_name,
            message=rx.cond(R.errors.contains("invoice"), R.errors["invoice"].to(str), R.invoice_message),
            message_is_error=~R.invoice_ok, thumb_url=R.invoice_thumb,
            extra=rx.cond(R.invoice_too_wide,
                          rx.button(T("Resize for me"), on_click=R.resize_invoice, type="button", size="2",
                                    margin_top="6px")),
        ),
        invoice_checklist(),
        captcha_field(R.captcha_question, R.errors, R.reformat_captcha, pow=R.captcha_pow, id_prefix="reg",
                      round=R.captcha_round),
        rx.cond(R.errors.contains("form"), rx.callout(R.errors["form"].to(str), color_scheme="red", icon="info")),
        rx.hstack(
            rx.button(T("Back"), on_click=R.back, type="button", variant="outline", size="3"),
            rx.button(T("Next"), type="submit", size="3"),
            spacing="3",
        ),
        rx.cond(~R.invoice_ok,
                rx.text(T("★ Don't forget to upload the invoice!"), size="2", color=ACCENT, margin_top="10px")),
        on_submit=R.submit, reset_on_submit=False,
    )


def registration() -> rx.Component:
    return member_page(
        "Product Registration",
        stepper(R.step, STEPS),
        rx.card(
            rx.match(
                R.step,
                (1, step_category()),
                (2, step_serial()),
                (3, step_chk()),
                step_purchase(),
            ),
            rx.cond(
                R.step < 4,
                rx.hstack(
                    rx.cond(R.step > 1, rx.button(T("Back"), on_click=R.back, variant="outline", size="3")),
                    rx.button(T("Next"), on_click=R.next_step, size="3"),
                    spacing="3", margin_top="14px",
                ),
            ),
            padding="20px",
        ),
    )


def _product_row(r) -> rx.Component:
    return rx.table.row(
        rx.table.cell(r["category"]),
        rx.table.cell(rx.text(r["product_name"], weight="bold"), rx.text(r["serial"], size="1", color="#555")),
        rx.table.cell(r["purchase_date"]),
        rx.table.cell(
            rx.text(Tf("until {date}", date=r["warranty_end"]), size="2"),
            rx.badge(r["warranty_text"], color_scheme=rx.cond(r["expired"] != "", "gray", "green"),
                     high_contrast=True, margin_left="6px"),
        ),
        rx.table.cell(
            rx.cond(
                MyProductsState.replacing == r["id"],
                upload_field("replace-invoice", T("New purchase proof"), MyProductsState.upload_replacement,
                             MyProductsState.refuse_replacement,
                             message=MyProductsState.replace_message,
                             thumb_alt=T("New purchase proof preview"),
                             extra=rx.hstack(
                                 rx.cond(MyProductsState.replace_too_wide,
                                         rx.button(T("Resize for me"), size="1", type="button",
                                                   on_click=MyProductsState.resize_replacement)),
                                 rx.button(T("Cancel"), size="1", variant="outline", type="button",
                                           on_click=MyProductsState.cancel_replace),
                                 spacing="2", margin_top="6px")),
                rx.hstack(
                    rx.cond(r["has_invoice"] != "",
                            rx.badge(T("on file"), color_scheme="green", high_contrast=True),
                            rx.badge(T("missing"), color_scheme="amber", high_contrast=True)),
                    rx.button(T("Replace"), size="1", variant="outline",
                              on_click=MyProductsState.start_replace(r["id"]),
                              aria_label=Tf("Replace purchase proof of {product}", product=r["product_name"])),
                    spacing="2", align="center",
                ),
            )
        ),
    )


def my_products() -> rx.Component:
    M = MyProductsState
    return member_page(
        "My Products",
        rx.cond(M.message != "", rx.text(M.message, role="status", color="green", size="2", margin_bottom="8px")),
        rx.cond(M.checked_product_name != "",
                rx.box(rx.text(Tf("New purchase proof of {product}", product=M.checked_product_name), size="2",
                               color="#555"),
                       checklist(M.invoice_checking, M.invoice_checks, M.invoice_check_note,
                                 element_id="replace-checklist",
                                 replace_hint="press Replace again to upload another file"))),  # evidence._ADVICE
        data_table(("Category", "Product Name / Serial Number", "Purchase Date", "Warranty Period", "Purchase proof"),
                   M.rows, _product_row, variant="surface"),
        rx.cond(M.rows.length() == 0,
                rx.text(T("No products yet. Register the product you bought to see its warranty and promotions."),
                        color="#555", margin_top="12px")),
        rx.link(rx.button(T("Register New Product ›"), size="3"), href=routes.PRODUCT_REGISTRATION, margin_top="16px",
                display="inline-block"),
    )
