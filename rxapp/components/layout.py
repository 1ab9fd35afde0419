"""Small layout pieces shared by pages: a card with a heading, a row of buttons, a form in a card."""

from __future__ import annotations

import reflex as rx

from rxapp.components.forms import submit_button
from rxapp.components.i18n import tr


def heading_card(title, *children: rx.Component, size: str = "4", as_: str = "h2", gap: str = "10px",
                 **card_props) -> rx.Component:
    """A card that starts with a heading (``gap`` below it) followed by ``children``."""
    return rx.card(rx.heading(title, size=size, as_=as_, margin_bottom=gap), *children, **card_props)


def section(title: str, *children: rx.Component) -> rx.Component:
    """A full-width card section with an h2 heading (the demo kit and forms' blocks)."""
    return heading_card(title, *children, width="100%", padding="18px")


def _given(props: dict) -> dict:
    """``props`` without the ones set to None (None drops a default)."""
    return {k: v for k, v in props.items() if v is not None}


def row(*children, spacing: str | None = "3", align: str | None = "center", wrap: str | None = "wrap",
        **props) -> rx.Component:
    """The app's standard row: children side by side, centred, wrapping on a narrow screen.

    Any default can be overridden, or dropped with None (``wrap=None``: no wrapping)."""
    return rx.hstack(*children, **_given({"spacing": spacing, "align": align, "wrap": wrap, **props}))


def stack(*children, spacing: str | None = "3", width: str | None = "100%", **props) -> rx.Component:
    """The app's standard column: children one below the other, full width."""
    return rx.vstack(*children, **_given({"spacing": spacing, "width": width, **props}))


def grid_of(columns, *children, spacing: str | None = "3", **props) -> rx.Component:
    """A responsive grid; ``columns``: a dict of breakpoints (``{"initial": "1", "sm": "2"}``) or a value."""
    cols = rx.breakpoints(**columns) if isinstance(columns, dict) else columns
    return rx.grid(*children, **_given({"columns": cols, "spacing": spacing, **props}))


def button_row(*buttons: rx.Component, spacing: str = "3", **props) -> rx.Component:
    """Buttons (or links) side by side, centred vertically (a ``row`` that does not wrap)."""
    return row(*buttons, spacing=spacing, wrap=props.pop("wrap", None), **props)


def saved_row(label: str, saved, saved_text: str) -> rx.Component:
    """A submit button and, once ``saved`` is true, a green status line (both texts translated)."""
    return button_row(submit_button(label),
                      rx.cond(saved, rx.text(tr(saved_text), color="green", role="status")))


def form_card(*children: rx.Component, max_width: str | None = "560px", padding: str = "22px",
              **form_props) -> rx.Component:
    """A form (``form_props``: its on_submit, key, …) inside a padded card (no max width when None)."""
    card_props = {"padding": padding} if max_width is None else {"max_width": max_width, "padding": padding}
    return rx.card(rx.form(*children, **form_props), **card_props)
