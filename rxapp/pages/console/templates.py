"""Reason templates: ready-made Needs info and Reject reasons, added, edited and deleted in place."""

from __future__ import annotations

import reflex as rx

from rxapp.components.forms import notice, select_field, textarea_field
from rxapp.components.i18n import T, Tf
from rxapp.i18n import N_
from rxapp.components.layout import heading_card
from rxapp.components.shell import ACCENT, member_page
from rxapp.state.console.templates import TemplatesState as S


def _template_form(errors, *, text="", doc="", lang="en", rejection=False, submit: rx.Var, on_submit,
                   prefix: str, on_cancel=None) -> rx.Component:
    return rx.form(
        textarea_field("Reason text", "text", errors, required=True, rows=2, default_value=text,
                       id_prefix=prefix, compact=True),
        rx.flex(
            rx.box(
                select_field("Missing document", "missing_document", S.document_options, errors,
                             field_id=f"{prefix}-doc", default_value=doc, placeholder=N_("Choose…"), compact=True),
                min_width="200px",
            ),
            rx.box(
                select_field("Template language", "language", S.language_options, errors,
                             field_id=f"{prefix}-lang", default_value=lang, placeholder=None, compact=True),
                min_width="140px",
            ),
            rx.el.label(
                rx.el.input(type="checkbox", name="is_rejection", value="on", default_checked=rejection,
                            style={"accent_color": ACCENT, "width": "16px", "height": "16px"}),
                T("Used for rejections"),
                style={"display": "flex", "gap": "6px", "align_items": "center", "font_size": "0.9rem",
                       "margin_top": "20px"},
            ),
            rx.button(submit, type="submit", size="2", margin_top="20px"),
            on_cancel if on_cancel is not None else rx.fragment(),
            gap="12px", wrap="wrap", align="start", margin_top="6px",
        ),
        on_submit=on_submit, reset_on_submit=False, width="100%",
    )


def _template_row(t) -> rx.Component:
    view = rx.flex(
        rx.box(
            rx.text(t["text"], size="2", weight="medium"),
            rx.text(Tf("{kind} · missing: {document} · {language}", kind=t["kind"], document=t["document_label"],
                       language=t["language_name"]), size="1", color="#666"),
            flex="1", min_width="0",
        ),
        rx.button(T("Edit"), size="1", variant="outline", on_click=S.start_edit(t["id"]), type="button",
                  aria_label=Tf("Edit template: {text}", text=t["text"])),
        rx.button(T("Delete"), size="1", variant="outline", color_scheme="red", on_click=S.delete(t["id"]),
                  type="button", aria_label=Tf("Delete template: {text}", text=t["text"])),
        gap="8px", align="center",
    )
    edit = _template_form(
        S.edit_errors, text=t["text"], doc=t["missing_document"], lang=t["language"],
        rejection=t["is_rejection"] == "yes", submit=T("Save"), on_submit=S.save_edit, prefix="edit",
        on_cancel=rx.button(T("Cancel"), size="2", variant="outline", type="button", on_click=S.cancel_edit,
                            margin_top="20px"),
    )
    return rx.box(rx.cond(S.editing == t["id"], edit, view), padding="10px 0", border_bottom="1px solid #eee")


def templates() -> rx.Component:
    return member_page(
        "Reason Templates",
        rx.text(T("Ready-made reasons for Needs info and Reject decisions. The customer reads them as written."),
                " ", T("A claim's page offers the templates in the customer's language first."),
                size="2", color="#555", margin_bottom="10px"),
        notice(S.message),
        heading_card(T("Add a template"),
            rx.box(_template_form(S.errors, submit=T("Add template"), on_submit=S.add, prefix="new"),
                   key=S.form_key.to(str)),
            margin_bottom="14px", size="3", gap="6px",
        ),
        rx.box(rx.foreach(S.rows, _template_row)),
    )
