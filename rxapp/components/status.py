"""Claim status: the seed's wording with a coloured badge beside it."""

import reflex as rx

from rxapp.components.i18n import T
from rxapp.i18n import N_

BADGE = {
    "under_review": (N_("Under review"), "amber"),
    "needs_info": (N_("Action needed"), "orange"),
    "approved": (N_("Success"), "green"),
    "rejected": (N_("Rejected"), "gray"),
}


def status_badge(status) -> rx.Component:
    return rx.match(
        status,
        *[(key, rx.badge(T(label), color_scheme=color, variant="soft", size="1", high_contrast=True)) for key, (label, color) in BADGE.items()],
        rx.badge(status, size="1"),
    )


# The console's badge: the reviewer's word for the status, coloured by the status.
REVIEW_COLORS = (("under_review", "amber"), ("needs_info", "blue"), ("approved", "green"), ("rejected", "red"))


def review_status_badge(status, label) -> rx.Component:
    return rx.badge(label, color_scheme=rx.match(status, *REVIEW_COLORS, "gray"), variant="soft", size="2",
                    high_contrast=True)


def status_cell(status, text) -> rx.Component:
    return rx.hstack(status_badge(status), rx.text(text, size="2"), spacing="2", align="center", wrap="wrap")


def copy_code(code) -> rx.Component:
    """A prize code with a copy button."""
    return rx.hstack(
        rx.code(code, size="3", variant="outline"),
        rx.button(rx.icon("copy", size=14, aria_hidden="true"), T("Copy"), size="1", variant="soft",
                  on_click=[rx.set_clipboard(code), rx.toast.success(T("Code copied"))],
                  aria_label=T("Copy code")),
        spacing="2", align="center",
    )
