"""Reason templates: the ready-made Needs info and Reject reasons reviewers pick from."""

from __future__ import annotations

import reflex as rx

from rxapp import db, i18n, vocabulary
from rxapp.i18n import _
from rxapp.services import reason_templates
from rxapp.services.errors import NotFound
from rxapp.state import forms, parse
from rxapp.state.console import claim_rows
from rxapp.state.session import Viewer, caller, reviewer


def _template_fields(form) -> dict:
    """The template form's fields, as the service takes them."""
    return {"text": parse.field(form, "text", 600, strip=True),
            "missing_document": parse.field(form, "missing_document", 20, strip=True),
            "is_rejection": parse.flag(form, "is_rejection"),
            "language": parse.field(form, "language", 10, strip=True)}


class TemplatesState(rx.State):
    rows: list[dict[str, str]] = []
    document_options: list[list[str]] = vocabulary.options(vocabulary.DOCUMENT)
    # The languages a template may be written in, each in its own name.
    language_options: list[list[str]] = [[code, name] for code, name in i18n.LANGUAGES.items()]
    errors: dict[str, str] = {}
    edit_errors: dict[str, str] = {}
    editing: str = ""
    message: str = ""
    form_key: int = 0

    def _reload(self, viewer: Viewer) -> None:
        rows = db.run(reason_templates.list_templates, actor_id=viewer.user_id)
        self.rows = [
            {
                "id": str(t["template_id"]),
                "text": t["text"],
                "missing_document": t["missing_document"],
                "document_label": vocabulary.document_label(t["missing_document"]),
                "kind": _("Rejection") if t["is_rejection"] else _("Needs info"),
                "is_rejection": "yes" if t["is_rejection"] else "",
                "language": t["language"],
                "language_name": i18n.LANGUAGES[t["language"]],
            }
            for t in rows
        ]
        self.document_options = claim_rows.document_options()

    @reviewer
    async def load(self):
        viewer = caller()
        self.errors, self.edit_errors, self.editing, self.message = {}, {}, "", ""
        self._reload(viewer)

    @reviewer
    async def add(self, form: dict):
        viewer = caller()
        if not forms.saved(self, lambda: db.run(reason_templates.create_template, actor_id=viewer.user_id,
                                                **_template_fields(form))):
            return
        self.message = _("Template added.")
        self.form_key += 1
        self._reload(viewer)

    @reviewer
    async def start_edit(self, template_id: str):
        tid = parse.positive_id(template_id)
        self.editing = str(tid) if tid else ""
        self.edit_errors = {}
        self.message = ""

    @reviewer
    async def cancel_edit(self):
        self.editing, self.edit_errors = "", {}

    @reviewer
    async def save_edit(self, form: dict):
        viewer = caller()
        tid = parse.positive_id(self.editing)
        if tid is None:
            return
        try:
            if not forms.saved(self, lambda: db.run(reason_templates.update_template, actor_id=viewer.user_id,
                                                    template_id=tid, **_template_fields(form)),
                               errors="edit_errors"):
                return
            self.message = _("Template saved.")
        except NotFound as exc:
            self.message = exc.message
        self.editing, self.edit_errors = "", {}
        self._reload(viewer)

    @reviewer
    async def delete(self, template_id: str):
        viewer = caller()
        tid = parse.positive_id(template_id)
        if tid is None:
            return
        try:
            db.run(reason_templates.delete_template, actor_id=viewer.user_id, template_id=tid)
            self.message = _("Template deleted.")
        except NotFound as exc:
            self.message = exc.message
        self.editing = ""
        self._reload(viewer)
