"""The front door: what the member center does, in the seed's three steps."""

import reflex as rx

from rxapp import routes
from rxapp.components.shell import ACCENT, public_page
from rxapp.state.session import SessionState


def _step(number: str, title: str, text: str, href: str, label: str) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(number, weight="bold", color=ACCENT, size="2", letter_spacing="0.1em"),
            rx.heading(title, size="4", as_="h2"),
            rx.text(text, size="2", color="#555"),
            rx.spacer(),
            rx.link(label, href=href, weight="bold", color=ACCENT),
            spacing="2", height="100%",
        ),
        flex="1", min_width="220px",
    )


def index() -> rx.Component:
    return public_page(
        "Member Center",
        rx.text(
            "Register the products you bought, redeem the promotions that come with them, and follow "
            "every claim until your prize arrives.",
            size="4", color="#444", margin_bottom="20px",
        ),
        rx.flex(
            _step("STEP 1", "Register your product",
                  "Enter the serial number and CHK code from the sticker, your store and purchase date, "
                  "and upload the invoice.", routes.PRODUCT_REGISTRATION, "Register a product ›"),
            _step("STEP 2", "Redeem a promotion",
                  "See which promotions your products qualify for — and if one does not, exactly why.",
                  routes.PROMOTIONS, "All Promotions ›"),
            _step("STEP 3", "Follow your claim",
                  "Redeem History updates live when a reviewer decides. Codes appear right there.",
                  routes.REDEEM_HISTORY, "Redeem History ›"),
            gap="16px", wrap="wrap", margin_bottom="24px",
        ),
        rx.cond(
            SessionState.signed_in,
            rx.link(rx.button("Go to Account Overview ›", size="3"), href=routes.ACCOUNT_OVERVIEW),
            rx.hstack(
                rx.link(rx.button("Sign Up ›", size="3"), href=routes.SIGNUP),
                rx.link(rx.button("Log in", size="3", variant="outline"), href=routes.LOGIN),
                spacing="3",
            ),
        ),
        width="1000px",
    )
