"""Form pieces: a labelled field with its own error line, selects, checkboxes, captcha.

Inputs are uncontrolled inside ``rx.form``: what the user typed stays in the
page when the server answers with errors (nothing is lost).  Each field's
error comes from an ``errors`` dict var keyed by the field's name.
"""

from __future__ import annotations

import reflex as rx

from rxapp.components.captcha_pow import proof_input
from rxapp.components.i18n import T, tr
from rxapp.i18n import N_
from rxapp.components.shell import ACCENT


def required_mark() -> rx.Component:
    """The red asterisk; outside the <label>, so the label's text is exactly the field's name."""
    return rx.el.span(" *", style={"color": ACCENT, "font_weight": "600"}, aria_hidden="true")


def field_label(text, html_for: str, required: bool = False) -> rx.Component:
    return rx.el.div(
        rx.el.label(tr(text), html_for=html_for, style={"font_weight": "600", "font_size": "0.9rem"}),
        required_mark() if required else rx.fragment(),
        style={"margin_bottom": "4px"},
    )


_label = field_label


def error_line(message, field_id: str) -> rx.Component:
    return rx.cond(
        message != "",
        rx.text(message, id=f"{field_id}-error", color="#c0101c", size="2", margin_top="4px", role="alert"),
    )


def hint_line(text) -> rx.Component:
    return rx.text(tr(text), size="1", color="#666", margin_top="3px")


def field_error(errors, name: str, field_id: str, key: str | None = None) -> rx.Component:
    """The error line of one field: ``errors[key or name]`` when the dict var has it."""
    if errors is None:
        return rx.fragment()
    key = key or name
    return error_line(rx.cond(errors.contains(key), errors[key].to(str), ""), field_id)


def _field_box(label, fid: str, required: bool, control: rx.Component, errors, name: str,
               error_key: str | None, hint: str = "", compact: bool = False) -> rx.Component:
    """A field's label, its control, its hint and its error line, stacked."""
    return rx.box(
        _label(label, fid, required),
        control,
        hint_line(hint) if isinstance(hint, rx.Var) or hint else rx.fragment(),
        field_error(errors, name, fid, error_key),
        width="100%", margin_bottom="0" if compact else "12px",
    )


def field(
    label: str,
    name: str,
    errors,
    *,
    type: str = "text",
    required: bool = False,
    hint: str = "",
    autocomplete: str = "off",
    default_value=None,
    max_length: int = 200,
    id_prefix: str = "f",
    compact: bool = False,
    field_id: str | None = None,
    error_key: str | None = None,
    **input_props,
) -> rx.Component:
    """A labelled input with its hint and its own error line under it.

    ``compact``: the console's denser size, for forms laid out in a grid;
    ``field_id``/``error_key`` when the element id or the error's key differ from the name.
    """
    fid = field_id or f"{id_prefix}-{name}"
    props = dict(
        id=fid, name=name, type=type, aria_required="true" if required else "false",
        auto_complete=autocomplete, max_length=max_length, aria_describedby=f"{fid}-error",
        size="2" if compact else "3", width="100%",
    )
    if errors is not None:
        props["aria_invalid"] = rx.cond(errors.contains(error_key or name), "true", "false")
    if default_value is not None:
        props["default_value"] = default_value
    props.update(input_props)
    return _field_box(label, fid, required, rx.input(**props), errors, name, error_key, hint, compact)


def textarea_field(label: str, name: str, errors, *, required: bool = False, rows: int = 4,
                   default_value=None, id_prefix: str = "f", max_length: int = 500, hint: str = "",
                   field_id: str | None = None, error_key: str | None = None, compact: bool = False,
                   **area_props) -> rx.Component:
    """A labelled text area; ``field_id``/``error_key`` when the id or the error's key differ from the name."""
    fid = field_id or f"{id_prefix}-{name}"
    props = dict(id=fid, name=name, rows=str(rows), max_length=max_length, width="100%",
                 aria_describedby=f"{fid}-error")
    if default_value is not None:
        props["default_value"] = default_value
    props.update(area_props)
    return _field_box(label, fid, required, rx.text_area(**props), errors, name, error_key, hint, compact)


SELECT_STYLE = {
    "width": "100%",
    "height": "40px",
    "border": "1px solid #c8c8cf",
    "border_radius": "4px",
    "padding": "0 10px",
    "background": "white",
    "font_size": "1rem",
}
# The console's denser select (forms in a grid, filters).
COMPACT_SELECT_STYLE = {**SELECT_STYLE, "height": "36px", "padding": "0 8px", "font_size": "0.95rem"}


def select_field(label: str, name: str, options, errors, *, required: bool = False,
                 placeholder: str | None = N_("Select"), id_prefix: str = "f", default_value=None,
                 on_change=None, field_id: str | None = None, error_key: str | None = None,
                 compact: bool = False, **select_props) -> rx.Component:
    """A native select (labelled, keyboard friendly). ``options``: [value, label] pairs (a list or a var).

    ``placeholder=None``: no empty first option.  ``field_id``/``error_key`` when they differ from the name.
    """
    fid = field_id or f"{id_prefix}-{name}"
    props = dict(id=fid, name=name, aria_describedby=f"{fid}-error")
    if default_value is not None:
        props["default_value"] = default_value
    if on_change is not None:
        props["on_change"] = on_change
    props.update(select_props)
    option = (lambda o: rx.el.option(o[1], value=o[0]))
    control = rx.el.select(
        rx.el.option(tr(placeholder), value="") if placeholder is not None else rx.fragment(),
        rx.foreach(options, option) if isinstance(options, rx.Var) else rx.fragment(*[option(o) for o in options]),
        style=COMPACT_SELECT_STYLE if compact else SELECT_STYLE,
        **props,
    )
    return _field_box(label, fid, required, control, errors, name, error_key, compact=compact)


def checkbox_field(label, name: str, errors=None, *, required: bool = False, description=None,
                   default_checked: bool | None = None, id_prefix: str = "f") -> rx.Component:
    fid = f"{id_prefix}-{name}"
    props = dict(id=fid, name=name, type="checkbox", value="on",
                 style={"width": "18px", "height": "18px", "accent_color": ACCENT, "margin_top": "2px",
                        "flex_shrink": "0"})
    if default_checked is not None:
        props["default_checked"] = default_checked
    return rx.box(
        rx.hstack(
            rx.el.input(**props),
            # Label and its * in one box, so the mark follows the text when it wraps.
            rx.box(
                rx.el.label(tr(label), html_for=fid, style={"font_weight": "600", "font_size": "0.92rem"}),
                required_mark() if required else rx.fragment(),
            ),
            spacing="2", align="start",
        ),
        rx.box(tr(description), padding_left="26px", font_size="0.85rem", color="#555")
        if description is not None else rx.fragment(),
        field_error(errors, name, fid),
        margin_bottom="12px",
    )


def captcha_field(question, errors, on_reformat, *, pow, id_prefix: str = "f", round=None) -> rx.Component:
    """The seed's arithmetic captcha: "24 + 2 =", an answer box and a Reformat button.

    The input is keyed by the question (and by ``round``, the mixin's
    ``captcha_round``, when given), so a new question starts with an empty box.
    ``pow`` is the mixin's ``captcha_pow``: the browser solves it into the
    hidden ``captcha_proof`` field (``captcha_pow.proof_input``).
    """
    fid = f"{id_prefix}-captcha"
    key = question if round is None else question + round.to(str)
    return rx.box(
        _label("Captcha", fid, True),
        rx.hstack(
            rx.text(question, weight="bold", size="4", font_family="monospace", min_width="90px",
                    id=f"{fid}-question", aria_live="polite"),
            rx.input(id=fid, name="captcha", key=key, type="text", input_mode="numeric",
                     auto_complete="off", max_length=6, width="110px", size="3",
                     aria_describedby=f"{fid}-question {fid}-error"),
            proof_input(pow),
            rx.button(T("Reformat"), type="button", variant="outline", on_click=on_reformat, size="2",
                      aria_label=T("Reformat (draw a new question)")),
            spacing="3", align="center",
        ),
        field_error(errors, "captcha", fid),
        margin_bottom="14px",
    )


def submit_button(label: str, *, loading=False, **props) -> rx.Component:
    return rx.button(tr(label), type="submit", size="3", loading=loading, **props)


def notice(message, kind="ok") -> rx.Component:
    """A handler's one-line result above a form: ok (green), error (red) or conflict (orange)."""
    return rx.cond(
        message != "",
        rx.callout.root(
            # Fixed icons chosen by kind: one icon named by a var would make the page load Lucide's whole
            # icon table (see rxapp/frontend_build.py).
            rx.callout.icon(rx.match(kind, ("conflict", rx.icon("triangle-alert")),
                                     ("error", rx.icon("circle-alert")), rx.icon("info"))),
            rx.callout.text(message),
            color_scheme=rx.match(kind, ("conflict", "orange"), ("error", "red"), "green"), size="1",
            role="status", margin_bottom="12px",
        ),
    )
