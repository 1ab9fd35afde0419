"""The page of an unknown address: inside the shell, with the ways back."""

import reflex as rx

from rxapp import routes
from rxapp.components.i18n import T
from rxapp.components.shell import public_page
from rxapp.state.session import SessionState


def not_found() -> rx.Component:
    return public_page(
        "Page not found",
        rx.card(
            rx.vstack(
                rx.text(T("We could not find the page at this address. It may have moved, or the link may be "
                          "mistyped."), size="3"),
                rx.hstack(
                    rx.link(rx.button(T("Go to the home page ›")), href=routes.HOME),
                    rx.cond(
                        SessionState.signed_in,
                        rx.link(rx.button(T("Account Overview"), variant="soft"), href=routes.ACCOUNT_OVERVIEW),
                        rx.link(rx.button(T("Log in"), variant="soft"), href=routes.LOGIN),
                    ),
                    rx.link(rx.button(T("Promotions"), variant="soft"), href=routes.PROMOTIONS),
                    spacing="3",
                    wrap="wrap",
                ),
                spacing="4",
            ),
            padding="22px",
        ),
    )
