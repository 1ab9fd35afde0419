"""Promotions: All Promotions, Redeem confirm / Redeem Again, the success message,
Redeem History (live) and a claim's timeline."""

import reflex as rx

from rxapp import routes
from rxapp.components.evidence import checklist
from rxapp.components.forms import captcha_field, checkbox_field, field, textarea_field
from rxapp.components.i18n import T, Tf
from rxapp.components.layout import grid_of, heading_card, row
from rxapp.components.shell import ACCENT, member_page
from rxapp.components.status import copy_code, status_cell
from rxapp.components.table import data_table
from rxapp.components.upload import upload_field
from rxapp.i18n import N_
from rxapp.state.promotions import ClaimState, PromotionsState, RedeemHistoryState, RedeemState

# The seed's "Example of Uploaded Documents" (drawn by scripts/make_example_documents.py).
EXAMPLE_DOCUMENTS = "/examples/uploaded-documents.png"
EXAMPLE_ALT = N_("Example of uploaded documents: an invoice that shows the store name, the purchase date and the "
               "model name, and a photo of the S/N sticker on the product itself with its S/N and CHK code")

SUCCESS_MESSAGE = N_(
    "Your request has been successfully sent. Application is under process, please keep in mind that all "
    "applications are checked by our staff and might take up to 7 ~ 14 working days."
)


def tabs(current: str) -> rx.Component:
    def tab(label: str, route: str) -> rx.Component:
        active = route == current
        return rx.link(
            T(label),
            href=route, padding=rx.breakpoints(initial="8px 9px", sm="8px 14px"),
            border_bottom=f"3px solid {ACCENT}" if active else "3px solid transparent",
            weight="bold" if active else "regular", color="#111", underline="none",
            aria_current="page" if active else "false",
        )

    return rx.flex(
        tab(N_("All Promotions"), routes.PROMOTIONS),
        tab(N_("Redeem History"), routes.REDEEM_HISTORY),
        tab(N_("FAQ"), routes.FAQ),
        gap="4px", wrap="nowrap", overflow_x="auto", white_space="nowrap", border_bottom="1px solid #e5e5e5",
        margin_bottom="18px", role="navigation", aria_label=T("Promotions"),
    )


# --------------------------------------------------------------------------- All Promotions


def _offer(promo, offer) -> rx.Component:
    return rx.box(
        row(
            rx.vstack(
                rx.text(offer.product_name, weight="bold", size="2"),
                rx.text(Tf("{category} · S/N {serial} · bought {date}", category=offer.category,
                           serial=offer.serial, date=offer.purchase_date), size="1", color="#555"),
                spacing="0",
            ),
            rx.spacer(),
            rx.cond(
                offer.claim_status != "",
                rx.hstack(
                    status_cell(offer.claim_status, offer.claim_status_text),
                    rx.link(T("Details"), href=routes.CLAIM + "?id=" + offer.claim_id, size="2"),
                    spacing="3", align="center",
                ),
                rx.cond(
                    offer.eligible,
                    rx.link(
                        rx.button(T("Redeem ›"), size="2"),
                        href=routes.REDEEM + "?product=" + offer.product_id + "&promotion=" + promo.id,
                        aria_label=Tf("Redeem {promotion} for {product}", promotion=promo.name,
                                      product=offer.product_name),
                    ),
                    rx.badge(T("Not eligible"), color_scheme="gray", variant="soft", high_contrast=True),
                ),
            ),
        ),
        rx.cond(
            (~offer.eligible) & (offer.claim_status == ""),
            rx.el.ul(
                rx.foreach(offer.reasons, lambda r: rx.el.li(r, style={"font_size": "0.85rem", "color": "#8a4b00"})),
                style={"margin": "6px 0 0 18px", "padding": "0"},
                aria_label=Tf("Why {product} is not eligible", product=offer.product_name),
            ),
        ),
        padding="10px 12px", border_top="1px solid #eee",
    )


def _promo_card(promo) -> rx.Component:
    return rx.card(
        row(
            rx.vstack(
                rx.heading(promo.name, size="5", as_="h2"),
                rx.text(promo.period, weight="bold", color=ACCENT, size="2"),
                rx.text(promo.categories, size="2"),
                spacing="1",
            ),
            rx.spacer(),
            rx.vstack(
                rx.badge(promo.prize_type, variant="outline", high_contrast=True),
                rx.text(promo.prize, weight="bold", size="2"),
                rx.cond(promo.stock != "", rx.text(promo.stock, size="1", color="#555")),
                align="end", spacing="1",
            ),
            align=None,
        ),
        rx.cond(promo.description != "", rx.text(promo.description, size="2", color="#444", margin_top="6px")),
        rx.text(Tf("Regions: {regions}", regions=promo.regions), size="1", color="#666", margin_top="4px"),
        rx.box(
            rx.cond(
                promo.offers.length() > 0,
                rx.fragment(
                    # Products that can redeem, or already did: always in view.
                    rx.foreach(promo.offers, lambda o: rx.cond(o.eligible | (o.claim_status != ""),
                                                               _offer(promo, o))),
                    rx.cond(
                        promo.blocked > 0,
                        rx.el.details(
                            rx.el.summary(
                                rx.text(promo.blocked_text, as_="span", size="2", weight="medium"),
                                style={"cursor": "pointer", "padding": "8px 12px", "color": "#8a4b00"},
                            ),
                            rx.foreach(promo.offers, lambda o: rx.cond(~o.eligible & (o.claim_status == ""),
                                                                       _offer(promo, o))),
                            open=promo.eligible_count == 0, style={"border_top": "1px solid #eee"},
                        ),
                    ),
                ),
                rx.text(T("You have no registered product yet."), size="2", color="#555", padding="10px 12px"),
            ),
            margin_top="10px",
        ),
        margin_bottom="16px", width="100%",
    )


def all_promotions() -> rx.Component:
    return member_page(
        "Promotions",
        tabs(routes.PROMOTIONS),
        rx.cond(
            PromotionsState.promotions.length() == 0,
            rx.callout(T("There is no running promotion right now. Registered products keep their place: "
                         "come back when the next promotion starts."), icon="info"),
        ),
        rx.foreach(PromotionsState.promotions, _promo_card),
        row(
            rx.link(T("Register another product ›"), href=routes.PRODUCT_REGISTRATION, size="2"),
            rx.link(T("Why is my product not eligible? (FAQ)"), href=routes.FAQ, size="2"),
            spacing="5", align=None,
        ),
    )


# --------------------------------------------------------------------------- Redeem confirm


def _fact(label: str, value) -> rx.Component:
    return rx.box(rx.text(T(label), size="1", color="#666"), rx.text(value, weight="bold", size="2"))


def _document(upload_id: str, key: str, label: str, handler, hint, file_name, message, ok, thumb, too_wide,
              need, on_file, on_file_alt: str) -> rx.Component:
    """A claim document's upload field (``key`` in the errors and for the resize).

    ``need`` is the state's "required"/"optional" (``redeem_context.documents_needed``): the * and the
    hint follow it; a document on file shows its thumbnail until a new one replaces it.
    """
    S = RedeemState
    rejected = S.refuse_photo if key == "serial_photo" else S.refuse_invoice
    return upload_field(upload_id, T(label), handler, rejected, required=need == "required", hint=hint,
                        busy=S.uploading, file_name=file_name,
                        message=rx.cond(S.errors.contains(key), S.errors[key].to(str), message),
                        message_is_error=~ok | S.errors.contains(key), thumb_url=thumb,
                        thumb_alt=rx.cond(on_file, T(on_file_alt), Tf("{label} preview", label=T(label))),
                        extra=rx.cond(too_wide, rx.button(T("Resize for me"), type="button", size="2",
                                                          on_click=S.resize(key))))


def redeem() -> rx.Component:
    S = RedeemState
    errors = S.errors
    r = S.recipient
    invoice_hint = rx.cond(
        S.invoice_need == "required",
        T("The reviewer asked for a new invoice: please upload it. It must show the channel name, purchase date "
          "and model name."),
        rx.cond(S.invoice_on_file,
                T("Your invoice on file is used unless you upload a new one. It must show the channel name, "
                  "purchase date and model name."),
                T("Upload the invoice or another purchase proof. It must show the channel name, purchase date "
                  "and model name.")))
    photo_hint = rx.cond(
        S.again & (S.photo_need == "required"),
        T("The reviewer asked for a new S/N photo. A photo of the S/N sticker on the product itself, not on the "
          "package."),
        rx.cond(S.photo_on_file, T("Your S/N photo on file is used unless you upload a new one."),
                T("A photo of the S/N sticker on the product itself, not on the package.")))
    facts = heading_card(T("Redeem Products"),
        grid_of({"initial": "2", "md": "4"},
            _fact(N_("Promotion"), S.ctx["promotion_name"]),
            _fact(N_("Product Type"), S.ctx["product_type"]),
            _fact(N_("Product Name"), S.ctx["product_name"]),
            _fact(N_("Serial Number"), S.ctx["serial"]),
            _fact(N_("Purchase Date"), S.ctx["purchase_date"]),
            _fact(N_("Purchased Region / Location"), S.ctx["region"]),
            _fact(N_("Store"), S.ctx["store"]),
            _fact(N_("Prize"), S.ctx["prize_name"]),
        ),
        margin_bottom="14px",
    )
    documents = heading_card(T("Documents"),
        grid_of({"initial": "1", "md": "2"},
            rx.box(_document("invoice", "invoice", N_("Proof of purchase"), S.upload_invoice, invoice_hint,
                             S.new_invoice_name, S.invoice_message, S.invoice_ok, S.invoice_thumb,
                             S.invoice_too_wide, S.invoice_need, S.invoice_on_file, N_("Invoice on file")),
                   checklist(S.invoice_checking, S.invoice_checks, S.invoice_check_note,
                             element_id="redeem-invoice-checklist",
                             replace_hint="upload another file above to replace the invoice")),
            rx.box(_document("serial-photo", "serial_photo", N_("Product Barcode / S/N photo"), S.upload_photo,
                             photo_hint, S.photo_name, S.photo_message, S.photo_ok, S.photo_thumb,
                             S.photo_too_wide, S.photo_need, S.photo_on_file, N_("S/N photo on file")),
                   checklist(S.photo_checking, S.photo_checks, S.photo_check_note, noun="S/N photo",
                             element_id="redeem-photo-checklist",
                             replace_hint="upload another photo above to replace it",
                             blocked=S.serial_conflict != "")),
            spacing="4",
        ),
        rx.text(T("Please make sure you have uploaded 2 items: 1. Invoice / purchase proof (channel name, purchase "
                  "date, purchased model name); 2. the S/N number on the product, not on the package."),
                size="1", color="#555"),
        margin_bottom="14px",
    )
    example = heading_card(T("Example of Uploaded Documents"),
        rx.image(src=EXAMPLE_DOCUMENTS, alt=T(EXAMPLE_ALT), width="100%", max_width="640px", height="auto",
                 border_radius="4px"),
        size="3", margin_bottom="14px",
    )
    recipient = heading_card(T("Recipient Information"),
        rx.form(
            grid_of({"initial": "1", "sm": "2"},
                field("First Name", "first_name", errors, required=True, default_value=r["first_name"],
                      autocomplete="given-name", max_length=80, id_prefix="rd"),
                field("Last Name", "last_name", errors, required=True, default_value=r["last_name"],
                      autocomplete="family-name", max_length=80, id_prefix="rd"),
                spacing="4",
            ),
            field("Zipcode", "zipcode", errors, required=True, default_value=r["zipcode"],
                  autocomplete="postal-code", max_length=20, id_prefix="rd"),
            textarea_field("Address", "address", errors, required=True, rows=4, default_value=r["address"],
                           id_prefix="rd", hint=T("Street, city, state — one per line.")),
            field("Contact Number", "contact_number", errors, type="tel", required=True,
                  default_value=r["contact_number"], autocomplete="tel", max_length=30, id_prefix="rd"),
            textarea_field("Note", "note", errors, rows=2, default_value=r["note"], id_prefix="rd",
                           max_length=1000),
            rx.cond(S.serial_conflict != "",
                     rx.box(
                         rx.callout(S.serial_conflict, icon="triangle-alert", color_scheme="amber", size="1",
                                    id="serial-conflict", margin_bottom="8px"),
                         checkbox_field(Tf("I confirm the serial number {serial} is right", serial=S.ctx["serial"]),
                                        "confirm_serial", errors, default_checked=S.serial_confirmed,
                                        id_prefix="rd"),
                     )),
            captcha_field(S.captcha_question, errors, S.reformat_captcha, pow=S.captcha_pow, id_prefix="rd",
                          round=S.captcha_round),
            rx.cond(errors.contains("form"),
                    rx.callout(errors["form"].to(str), icon="triangle-alert", color_scheme="red", role="alert",
                               margin_bottom="10px")),
            rx.hstack(
                rx.button(T("Redeem"), type="submit", size="3"),
                rx.link(rx.button(T("Cancel"), type="button", variant="outline", size="3"), href=routes.PROMOTIONS),
                spacing="3",
            ),
            on_submit=S.submit, key=S.form_key,
        ),
    )
    return member_page(
        # The seed's titles: "Promotion Redeem Confirm", and "Promotion Redeem Ask again" for Redeem Again.
        rx.cond(S.again, T("Promotion Redeem Ask again"), T("Promotion Redeem Confirm")),
        rx.cond(
            S.not_found != "",
            rx.callout(S.not_found, icon="info", color_scheme="amber"),
            rx.box(
                rx.cond(
                    S.again,
                    rx.callout(rx.text(rx.text.strong(T("Reason:")), " ", S.ctx["reason"]), icon="mail-warning",
                               color_scheme="orange", margin_bottom="14px",
                               title=T("Redeem Again")),
                ),
                rx.cond(
                    ~S.eligible,
                    rx.callout(
                        rx.vstack(rx.text(T("This product cannot be redeemed for this promotion:"), weight="bold"),
                                  rx.foreach(S.reasons, lambda x: rx.text("• ", x)), spacing="1"),
                        icon="info", color_scheme="amber", margin_bottom="14px",
                    ),
                ),
                facts,
                documents,
                example,
                recipient,
            ),
        ),
    )


def redeem_done() -> rx.Component:
    return member_page(
        "Message",
        rx.card(
            rx.vstack(
                rx.text(T("Dear Customer,")),
                rx.text(T(SUCCESS_MESSAGE)),
                rx.text(T("Thank you for your patience.")),
                rx.text(T("If you didn't receive our email in your inbox, please kindly check in the Spam, Junk, "
                          "Trash, Deleted Items, or Archive folder.")),
                rx.text(T("Redeem History shows the decision the moment it is made — no need to reload."),
                        color="#1a7f37", size="2"),
                rx.hstack(
                    rx.link(rx.button(T("Back to Promotion"), variant="outline"), href=routes.PROMOTIONS),
                    rx.link(rx.button(T("Redeem History")), href=routes.REDEEM_HISTORY),
                    spacing="3",
                ),
                spacing="3",
            ),
            max_width="720px", role="status",
        ),
    )


# --------------------------------------------------------------------------- Redeem History


def _history_row(row) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.redeem_date, white_space="nowrap"),
        rx.table.cell(row.promotion_name),
        rx.table.cell(rx.text(row.product_name, weight="bold", size="2"), rx.text(row.serial, size="1", color="#555")),
        rx.table.cell(_status_block(row)),
        aria_label=Tf("Claim {id}", id=row.claim_id),
    )


def _status_block(row) -> rx.Component:
    return rx.vstack(
        status_cell(row.status, row.status_text),
        rx.cond(row.can_redeem_again,
                rx.link(rx.button(T("Redeem Again"), size="1"), href=routes.REDEEM + "?claim=" + row.claim_id)),
        rx.cond(row.code != "", copy_code(row.code)),
        rx.cond(row.shipping != "", rx.text(row.shipping, size="1", color="#555")),
        rx.cond(row.status == "under_review", rx.text(Tf("Decision due by {date}", date=row.due_on), size="1",
                                                      color="#555")),
        rx.link(T("Details"), href=routes.CLAIM + "?id=" + row.claim_id, size="1"),
        spacing="1", align="start",
    )


def redeem_history() -> rx.Component:
    H = RedeemHistoryState
    return member_page(
        "Promotions",
        tabs(routes.REDEEM_HISTORY),
        data_table(("Redeem Date", "Promotion Name", "Product Name / Serial Number", "Status"), H.rows, _history_row,
                   variant="surface", overflow_x=None, aria_live="polite"),
        rx.cond(H.rows.length() == 0,
                rx.text(T("No redemption yet. Eligible products show a Redeem button under each promotion."),
                        color="#555", margin_top="12px")),
        rx.text(T("This table updates by itself when a reviewer decides."), " ",
                rx.link(T("Questions? See the FAQ."), href=routes.FAQ, underline="always"), size="1", color="#666",
                margin_top="10px"),
    )


# --------------------------------------------------------------------------- claim timeline


def claim() -> rx.Component:
    C = ClaimState
    c = C.claim
    return member_page(
        "Claim details",
        tabs(routes.REDEEM_HISTORY),
        rx.cond(
            C.not_found != "",
            rx.callout(C.not_found, icon="info", color_scheme="amber"),
            rx.vstack(
                rx.card(
                    row(
                        rx.vstack(
                            rx.heading(c["promotion_name"], size="5", as_="h2"),
                            rx.text(Tf("{product} · S/N {serial}", product=c["product_name"], serial=c["serial"]),
                                    size="2", color="#555"),
                            spacing="1",
                        ),
                        rx.spacer(),
                        status_cell(c["status"], c["status_text"]),
                        align=None,
                    ),
                    rx.cond(c["status"] == "under_review",
                            rx.text(Tf("A decision is due by {date} (14 working days from submission).",
                                       date=c["due_on"]), size="2", margin_top="8px")),
                    rx.cond(c["code"] != "", rx.box(rx.text(T("Your code"), size="1", color="#555"),
                                                    copy_code(c["code"]),
                                                    rx.cond(c["how_to_activate"] != "",
                                                            rx.text(Tf("How to activate: {text}",
                                                                       text=c["how_to_activate"]),
                                                                    size="2", margin_top="6px")),
                                                    margin_top="8px")),
                    rx.cond(c["shipping_text"] != "", rx.text(
                        rx.cond(c["tracking_number"] != "",
                                Tf("Shipping: {state} · tracking {number}", state=c["shipping_text"],
                                   number=c["tracking_number"]),
                                Tf("Shipping: {state}", state=c["shipping_text"])),
                        size="2", margin_top="8px")),
                    rx.cond(c["can_redeem_again"] == "True",
                            rx.link(rx.button(T("Redeem Again"), margin_top="10px"),
                                    href=routes.REDEEM + "?claim=" + c["claim_id"])),
                    width="100%",
                ),
                rx.heading(T("Timeline"), size="4", as_="h2"),
                rx.el.ol(
                    rx.foreach(
                        C.events,
                        lambda e: rx.el.li(
                            rx.hstack(
                                rx.box(width="10px", height="10px", border_radius="50%", background=ACCENT,
                                       margin_top="6px"),
                                rx.vstack(
                                    rx.text(e["label"], weight="bold", size="2"),
                                    rx.text(e["date"], " · ", e["actor"], size="1", color="#555"),
                                    rx.cond(e["reason"] != "", rx.text(e["reason"], size="2")),
                                    spacing="0",
                                ),
                                spacing="3", align="start",
                            ),
                            style={"margin_bottom": "12px", "list_style": "none"},
                        ),
                    ),
                    style={"padding": "0", "margin": "0"}, aria_label=T("Timeline"),
                ),
                spacing="3", align="stretch",
            ),
        ),
    )
