"""The console in the reviewer's language, the reasons as typed (issue 16, part 5), through the real handlers.

A reviewer of their own (made here, so switching its language changes no other test's account) decides
claims of customers who read German or nothing in particular; the demo seed's German and zh-TW templates
are there.
"""

from __future__ import annotations

from rxapp.state.console.claim import ClaimState
from rxapp.state.console.templates import TemplatesState
from tests.factories.flows import create_claim, session_token_for
from tests.state.test_account_state import fresh_email, make_account


def _set(email: str, **values) -> None:
    from sqlmodel import select

    from rxapp import db
    from rxapp.models import User

    with db.session_scope() as s:
        user = s.exec(select(User).where(User.email == email)).one()
        for key, value in values.items():
            setattr(user, key, value)
        s.add(user)


def _reviewer_tab(new_client, lang: str | None = None):
    from rxapp.models import Role
    from rxapp.state.session import SessionState

    email = fresh_email()
    make_account(email)
    _set(email, role=Role.reviewer)
    token, _ = session_token_for(email)
    tab = new_client(path="/admin/templates")
    tab._store_token(token)
    tab.open("/admin/templates")
    if lang:
        tab.call(SessionState.choose_language, path="/admin/templates", lang=lang)
    return tab


def test_the_customer_s_language_comes_first_on_the_claim_and_is_named(new_client):
    from rxapp import i18n

    german = create_claim(email_prefix="lang-de")
    _set(german["email"], language="de")
    plain = create_claim(email_prefix="lang-none")
    tab = _reviewer_tab(new_client)

    tab.call(ClaimState.load, path=f"/admin/claim?id={german['id']}")
    state = tab.get(ClaimState)
    assert state.claim["reads"] == "Deutsch"
    first_id, first_label = state.needs_info_templates[0]
    assert first_label.startswith("Deutsch · Bitte laden Sie die Rechnung hoch")
    assert any(label.startswith("繁體中文 · ") for _, label in state.needs_info_templates[1:])
    # Picking it fills the reason with the text as written (no language mark, never translated).
    tab.call(ClaimState.pick_template, path=f"/admin/claim?id={german['id']}", template_id=first_id)
    assert tab.get(ClaimState)._drafts[str(german["id"])]["ni"] == first_label.removeprefix("Deutsch · ")

    tab.call(ClaimState.load, path=f"/admin/claim?id={plain['id']}")
    state = tab.get(ClaimState)
    assert state.claim["reads"] == i18n.LANGUAGES["en"]  # unset: English
    english = [label for _, label in state.needs_info_templates if " · " not in label]
    assert [label for _, label in state.needs_info_templates][:len(english)] == english  # English first


def test_a_template_s_language_is_edited_on_the_templates_page_in_the_reviewer_s_language(new_client):
    from rxapp import i18n

    tab = _reviewer_tab(new_client, lang="de")
    page = "/admin/templates"
    tab.call(TemplatesState.load, path=page)
    assert ["invoice", i18n.gettext("Invoice", "de")] in tab.get(TemplatesState).document_options
    text = f"Bitte senden Sie ein schärferes Foto. {fresh_email()}"
    tab.call(TemplatesState.add, path=page, form={"text": text, "missing_document": "serial_photo",
                                                  "language": "de"})
    state = tab.get(TemplatesState)
    assert state.message == i18n.gettext("Template added.", "de") != "Template added."
    row = next(r for r in state.rows if r["text"] == text)
    assert (row["language"], row["language_name"], row["kind"]) == ("de", "Deutsch", i18n.gettext("Needs info", "de"))

    tab.call(TemplatesState.start_edit, path=page, template_id=row["id"])
    tab.call(TemplatesState.save_edit, path=page, form={"text": text, "missing_document": "serial_photo",
                                                        "language": "tlh"})
    errors = tab.get(TemplatesState).edit_errors
    assert errors["language"] == i18n.gettext(
        "Please choose the language the reason is written in ({choices}).", "de").format(choices="en, zh-TW, de")
    tab.call(TemplatesState.save_edit, path=page, form={"text": text, "missing_document": "serial_photo",
                                                        "language": "zh-TW"})
    row = next(r for r in tab.get(TemplatesState).rows if r["text"] == text)
    assert row["language"] == "zh-TW"
    tab.call(TemplatesState.delete, path=page, template_id=row["id"])
    assert tab.get(TemplatesState).message == i18n.gettext("Template deleted.", "de")


def test_the_console_speaks_the_reviewer_s_language_and_dates_follow_it(new_client):
    import re

    from rxapp import i18n
    from rxapp.state.console.queue import QueueState

    claim = create_claim(email_prefix="lang-console")
    tab = _reviewer_tab(new_client, lang="de")
    tab.call(QueueState.load, path="/admin")
    queue = tab.get(QueueState)
    assert queue.counts[0]["label"] == "Alle"
    assert all(re.fullmatch(r"\d{2}\.\d{2}\.\d{4}", row["due_on"]) for row in queue.rows)  # 29.11.2026
    tab.call(QueueState.apply_filters, path="/admin", form={"status": "all", "from": "gestern"})
    assert tab.get(QueueState).errors["from"] == i18n.gettext("Please enter a date like 2021-12-01.", "de")

    tab.call(ClaimState.load, path=f"/admin/claim?id={claim['id']}")
    state = tab.get(ClaimState)
    assert state.facts[0][0] == "Kunde" and state.recipient[0][0] == i18n.gettext("Name", "de")
    assert re.fullmatch(r"\d{2}\.\d{2}\.\d{4}", state.claim["due_on"])
    assert ["invoice", "Rechnung"] in state.document_options
    # A decision's message in German; the reason itself reaches the customer as typed.
    tab.call(ClaimState.needs_info, path=f"/admin/claim?id={claim['id']}",
             form={"reason": "Please send the invoice, thanks.", "missing_document": "invoice"})
    state = tab.get(ClaimState)
    assert state.message == i18n.gettext("Asked the customer for information.", "de") != \
        "Asked the customer for information."
    assert state.claim["reason"] == "Please send the invoice, thanks."
