"""The reviewers' reason templates (services.reason_templates): CRUD with validation, reviewers only."""

from __future__ import annotations


import pytest

from rxapp.models import (
    MissingDocument,
)
from rxapp.services import reason_templates
from rxapp.services.errors import FieldErrors, Forbidden, NotFound
from tests.factories.rows import (
    _reviewer,
    _user,
)


# --------------------------------------------------------------------------- templates


def test_reason_templates_crud_with_validation(session):
    rid = _reviewer(session).id
    t = reason_templates.create_template(
        session=session, actor_id=rid,
        text="  Please provide the invoice with your   product name on it, thanks. ",
        missing_document="invoice",
    )
    assert t.text == "Please provide the invoice with your product name on it, thanks."
    reason_templates.create_template(session=session, actor_id=rid, text="Serial does not exist.", missing_document=MissingDocument.other, is_rejection=True)
    assert [x["text"] for x in reason_templates.list_templates(session=session, actor_id=rid)] == [
        t.text, "Serial does not exist."
    ]
    with pytest.raises(FieldErrors) as e:
        reason_templates.create_template(session=session, actor_id=rid, text=t.text.upper(), missing_document="nope")
    assert set(e.value.errors) == {"text", "missing_document"}
    with pytest.raises(FieldErrors) as e:
        reason_templates.create_template(session=session, actor_id=rid, text="   ", missing_document="invoice")
    assert "write the reason" in e.value.errors["text"]
    with pytest.raises(FieldErrors) as e:
        reason_templates.create_template(session=session, actor_id=rid, text="x" * 501, missing_document="invoice")
    assert "501" in e.value.errors["text"]

    # Saving a template unchanged is not a duplicate of itself.
    reason_templates.update_template(session=session, actor_id=rid, template_id=t.id, text=t.text, missing_document="serial_photo")
    assert session.get(type(t), t.id).missing_document == MissingDocument.serial_photo
    reason_templates.delete_template(session=session, actor_id=rid, template_id=t.id)
    assert len(reason_templates.list_templates(session=session, actor_id=rid)) == 1
    with pytest.raises(NotFound):
        reason_templates.delete_template(session=session, actor_id=rid, template_id=t.id)


def test_customers_cannot_touch_templates(session):
    customer = _user(session).id
    t = reason_templates.create_template(session=session, actor_id=_reviewer(session).id, text="A", missing_document="other")
    calls = [
        lambda: reason_templates.list_templates(session=session, actor_id=customer),
        lambda: reason_templates.create_template(session=session, actor_id=customer, text="B", missing_document="other"),
        lambda: reason_templates.update_template(session=session, actor_id=customer, template_id=t.id, text="C", missing_document="other"),
        lambda: reason_templates.delete_template(session=session, actor_id=customer, template_id=t.id),
    ]
    for call in calls:
        with pytest.raises(Forbidden):
            call()
    assert session.get(type(t), t.id).text == "A"


# --------------------------------------------------------------------------- languages (issue 16)


def test_templates_in_the_customer_s_language_come_first_and_name_their_language(session):
    rid = _reviewer(session).id
    en = reason_templates.create_template(session=session, actor_id=rid, text="Please send the invoice.",
                                          missing_document="invoice")
    de = reason_templates.create_template(session=session, actor_id=rid, text="Bitte senden Sie die Rechnung.",
                                          missing_document="invoice", language="de")
    zh = reason_templates.create_template(session=session, actor_id=rid, text="請上傳發票。",
                                          missing_document="invoice", language="zh_tw")
    rej = reason_templates.create_template(session=session, actor_id=rid, text="Zu spät gekauft.",
                                           missing_document="other", is_rejection=True, language="de")
    assert (en.language, de.language, zh.language) == ("en", "de", "zh-TW")

    def order(lang):
        return [t["template_id"] for t in reason_templates.list_templates(
            session=session, actor_id=rid, customer_language=lang)]

    # Needs-info ones stay before rejections; within each, the customer's language first.
    assert order("de") == [de.id, en.id, zh.id, rej.id]
    assert order("zh-TW") == [zh.id, de.id, en.id, rej.id]
    assert order("") == order("fr") == [en.id, de.id, zh.id, rej.id]  # English when unset
    assert order(None) == [de.id, en.id, zh.id, rej.id]  # no customer: by text only
    rows = {t["template_id"]: t for t in reason_templates.list_templates(
        session=session, actor_id=rid, customer_language="de")}
    assert rows[de.id]["first"] and not rows[en.id]["first"] and rows[rej.id]["first"]
    # Marked with the language (its own name); the English ones as they are.  The text is never translated.
    assert rows[de.id]["label"] == "Deutsch · Bitte senden Sie die Rechnung."
    assert rows[zh.id]["label"] == "繁體中文 · 請上傳發票。"
    assert rows[en.id]["label"] == "Please send the invoice." and rows[de.id]["text"] == de.text


def test_a_template_s_language_is_checked_and_kept_when_not_given(session):
    from rxapp import i18n

    rid = _reviewer(session).id
    with pytest.raises(FieldErrors) as e:
        reason_templates.create_template(session=session, actor_id=rid, text="A", missing_document="other",
                                         language="klingon")
    assert set(e.value.errors) == {"language"} and "en, zh-TW, de" in e.value.errors["language"]
    t = reason_templates.create_template(session=session, actor_id=rid, text="A", missing_document="other",
                                         language="de")
    reason_templates.update_template(session=session, actor_id=rid, template_id=t.id, text="B",
                                     missing_document="other")
    assert t.language == "de"
    reason_templates.update_template(session=session, actor_id=rid, template_id=t.id, text="B",
                                     missing_document="other", language="zh-TW")
    assert t.language == "zh-TW"
    # The reviewer's messages in the reviewer's language.
    with i18n.using("de"), pytest.raises(FieldErrors) as e:
        reason_templates.create_template(session=session, actor_id=rid, text=" ", missing_document="other")
    assert e.value.errors["text"] == i18n.gettext("Please write the reason the customer will read.", "de")
    assert e.value.errors["text"] != "Please write the reason the customer will read."
