"""The front door: what the member center does, in the seed's three steps."""

import reflex as rx

from rxapp import routes
from rxapp.components.i18n import T, tr
from rxapp.components.shell import ACCENT, public_page
from rxapp.i18n import N_
from rxapp.state.session import SessionState


def _step(number: str, title: str, text: str, href: str, label: str) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(tr(number), weight="bold", color=ACCENT, size="2", letter_spacing="0.1em"),
            rx.heading(tr(title), size="4", as_="h2"),
            rx.text(tr(text), size="2", color="#555"),
            rx.spacer(),
            rx.link(tr(label), href=href, weight="bold", color=ACCENT),
            spacing="2", height="100%",
        ),
        flex="1", min_width="220px",
    )


def index() -> rx.Component:
    return public_page(
        "Member Center",
        rx.text(
            T("Register the products you bought, redeem the promotions that come with them, and follow "
              "every claim until your prize arrives."),
            size="4", color="#444", margin_bottom="20px",
        ),
        rx.flex(
            _step(N_("STEP 1"), N_("Register your product"),
                  N_("Enter the serial number and CHK code from the sticker, your store and purchase date, "
                     "and upload the invoice."), routes.PRODUCT_REGISTRATION, N_("Register a product ›")),
            _step(N_("STEP 2"), N_("Redeem a promotion"),
                  N_("See which promotions your products qualify for — and if one does not, exactly why."),
                  routes.PROMOTIONS, N_("All Promotions ›")),
            _step(N_("STEP 3"), N_("Follow your claim"),
                  N_("Redeem History updates live when a reviewer decides. Codes appear right there."),
                  routes.REDEEM_HISTORY, N_("Redeem History ›")),
            gap="16px", wrap="wrap", margin_bottom="24px",
        ),
        rx.cond(
            SessionState.signed_in,
            rx.link(rx.button(T("Go to Account Overview ›"), size="3"), href=routes.ACCOUNT_OVERVIEW),
            rx.hstack(
                rx.link(rx.button(T("Sign Up ›"), size="3"), href=routes.SIGNUP),
                rx.link(rx.button(T("Log in"), size="3", variant="outline"), href=routes.LOGIN),
                spacing="3",
            ),
        ),
        width="1000px",
    )
