"""The registration wizard's draft: per account, in the database, checked when read back."""

from __future__ import annotations

from datetime import timedelta

from rxapp.models import FileKind, RegistrationDraft, utcnow
from rxapp.services import registration_drafts
from tests.factories.rows import make_file, make_user

TYPED = {"step": 4, "category_id": "3", "serial": "LN5322E829623", "chk": "303", "region": "US",
         "store_id": "12", "purchase_date": "2026-11-20", "channel": "online"}


def test_a_draft_is_kept_per_account_and_replaced_by_the_next_save(session):
    ada, bob = make_user(session), make_user(session)
    invoice = make_file(session, ada, FileKind.invoice)
    assert registration_drafts.load(session=session, user_id=ada.id) == {}
    registration_drafts.save(session=session, user_id=ada.id,
                             data={**TYPED, "invoice_file_id": invoice.id, "invoice_name": "invoice.png"})
    session.commit()
    draft = registration_drafts.load(session=session, user_id=ada.id)
    assert draft == {**TYPED, "invoice_file_id": invoice.id, "invoice_name": "invoice.png"}
    assert registration_drafts.load(session=session, user_id=bob.id) == {}
    registration_drafts.save(session=session, user_id=ada.id, data={**TYPED, "step": 2})
    assert registration_drafts.load(session=session, user_id=ada.id)["step"] == 2
    registration_drafts.discard(session=session, user_id=ada.id)
    assert registration_drafts.load(session=session, user_id=ada.id) == {}


def test_a_draft_keeps_only_the_owners_permanent_invoice_and_plain_values(session):
    ada, bob = make_user(session), make_user(session)
    bobs = make_file(session, bob, FileKind.invoice)
    photo = make_file(session, ada, FileKind.serial_photo)
    temporary = make_file(session, ada, FileKind.invoice)
    temporary.expires_at = utcnow() + timedelta(hours=1)  # a too-wide upload waiting for "Resize for me"
    session.add(temporary)
    session.flush()
    for file_id in (bobs.id, photo.id, temporary.id, 999999, "1", True):
        registration_drafts.save(session=session, user_id=ada.id,
                                 data={**TYPED, "invoice_file_id": file_id, "invoice_name": "x.png"})
        draft = registration_drafts.load(session=session, user_id=ada.id)
        assert (draft["invoice_file_id"], draft["invoice_name"]) == (None, ""), file_id
    registration_drafts.save(session=session, user_id=ada.id,
                             data={"step": 9, "serial": "A" * 500, "chk": 123, "channel": None, "junk": "x"})
    draft = registration_drafts.load(session=session, user_id=ada.id)
    assert draft["step"] == 1 and draft["serial"] == "A" * 40 and draft["chk"] == "" and "junk" not in draft


def test_an_old_draft_is_forgotten(session):
    ada = make_user(session)
    registration_drafts.save(session=session, user_id=ada.id, data=TYPED)
    row = session.get(RegistrationDraft, ada.id)
    row.updated_at = utcnow() - registration_drafts.MAX_AGE - timedelta(minutes=1)
    session.add(row)
    session.flush()
    assert registration_drafts.load(session=session, user_id=ada.id) == {}
    assert session.get(RegistrationDraft, ada.id) is None
