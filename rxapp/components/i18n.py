"""The pages' words in the tab's language, the top bar's language switch, and the page's ``lang``.

``T("Serial Number")`` is the text in the tab's language: the catalog's entry
from ``SessionState.texts`` (only the chosen language's entries are sent, none
for English), the English source when the catalog has none.  The shared
components (``field``, ``select_field``, page titles, the menu) pass their
labels through ``tr``, so a page writes ``field("Email", …)`` and the label is
translated; ``babel.cfg`` tells ``pybabel extract`` which arguments those are.
"""

from __future__ import annotations

import json

import reflex as rx
from reflex.constants import MemoizationDisposition, MemoizationMode
from reflex_base.vars.base import VarData

from rxapp import i18n
from rxapp.state.session import SessionState


def T(message: str) -> rx.Var:  # noqa: N802 - gettext's short name, the one translators' tools look for
    """``message`` in the tab's language."""
    return SessionState.texts.get(message, message).to(str)


def Tf(message: str, **values) -> rx.Var:  # noqa: N802 - as ``T``
    """``message`` in the tab's language with its ``{name}`` placeholders filled from ``values`` (vars or
    text): the translator moves the placeholder where the language wants it."""
    text = T(message)
    expr = str(text)
    data = [text._get_all_var_data()]
    for name, value in values.items():
        value = value if isinstance(value, rx.Var) else rx.Var.create(str(value))
        data.append(value._get_all_var_data())
        expr = f"({expr}).replaceAll({json.dumps('{' + name + '}')}, String({value!s}))"
    return rx.Var(expr, _var_type=str, _var_data=VarData.merge(*data)).to(str)


def tr(text):
    """A component's text argument in the tab's language: plain text is translated, a var passes as is."""
    return T(text) if isinstance(text, str) and text.strip() else text


_SELECT_STYLE = {
    "background": "#111", "color": "#ddd", "border": "1px solid #555", "border_radius": "4px",
    "font_size": "0.85rem", "height": "30px", "padding": "0 6px",
}
_LIGHT_SELECT_STYLE = {**_SELECT_STYLE, "background": "white", "color": "#111", "border": "1px solid #c8c8cf"}


def language_switch(id_suffix: str = "top", *, dark: bool = True) -> rx.Component:
    """A select of the languages, each in its own name; choosing one changes the words, not what was typed.

    ``dark``: for the top bar; the phone's menu drawer has a light one."""
    fid = f"language-{id_suffix}"
    return rx.hstack(
        rx.el.label(rx.icon("globe", size=16, aria_hidden="true"),
                    rx.el.span(T("Language"), class_name="sr-only"), html_for=fid,
                    style={"color": "#ddd" if dark else "#333", "display": "flex", "align_items": "center"}),
        rx.el.select(
            *[rx.el.option(name, value=code, lang=code) for code, name in i18n.LANGUAGES.items()],
            id=fid, value=SessionState.lang, on_change=SessionState.choose_language,
            style=_SELECT_STYLE if dark else _LIGHT_SELECT_STYLE,
        ),
        spacing="1", align="center",
    )


class DocumentLanguage(rx.Fragment):
    """Keeps ``<html lang>`` on the tab's language (screen readers, hyphenation, Lighthouse).

    A component of its own (always memoized): left unmemoized, its hook went into the page's
    component, which then read the whole ``SessionState`` and re-rendered the entire page on any
    change of it (each of a load's deltas: the path, the session token, the texts)."""

    _memoization_mode = MemoizationMode(disposition=MemoizationDisposition.ALWAYS, recursive=False)

    def add_hooks(self) -> list:
        lang = SessionState.lang
        return [
            rx.Var(
                f"useEffect(() => {{ if ({lang!s}) document.documentElement.lang = {lang!s}; }}, [{lang!s}])",
                _var_data=VarData.merge(lang._get_all_var_data(), VarData(imports={"react": ["useEffect"]})),
            )
        ]


def document_language() -> rx.Component:
    return DocumentLanguage.create()
