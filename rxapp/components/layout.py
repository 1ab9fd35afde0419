"""Small layout pieces shared by pages: a card with a heading, a row of buttons, a form in a card."""

from __future__ import annotations

import reflex as rx

from rxapp.components.forms import submit_button


def heading_card(title, *children: rx.Component, size: str = "4", as_: str = "h2", gap: str = "10px",
                 **card_props) -> rx.Component:
    """A card that starts with a heading (``gap`` below it) followed by ``children``."""
    return rx.card(rx.heading(title, size=size, as_=as_, margin_bottom=gap), *children, **card_props)


def section(title: str, *children: rx.Component) -> rx.Component:
    """A full-width card section with an h2 heading (the demo kit and forms' blocks)."""
    return heading_card(title, *children, width="100%", padding="18px")


def button_row(*buttons: rx.Component, spacing: str = "3", **props) -> rx.Component:
    """Buttons (or links) side by side, centred vertically."""
    return rx.hstack(*buttons, spacing=spacing, align="center", **props)


def saved_row(label: str, saved, saved_text: str) -> rx.Component:
    """A submit button and, once ``saved`` is true, a green status line."""
    return button_row(submit_button(label), rx.cond(saved, rx.text(saved_text, color="green", role="status")))


def form_card(*children: rx.Component, max_width: str | None = "560px", padding: str = "22px",
              **form_props) -> rx.Component:
    """A form (``form_props``: its on_submit, key, …) inside a padded card (no max width when None)."""
    card_props = {"padding": padding} if max_width is None else {"max_width": max_width, "padding": padding}
    return rx.card(rx.form(*children, **form_props), **card_props)
