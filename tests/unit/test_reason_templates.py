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
