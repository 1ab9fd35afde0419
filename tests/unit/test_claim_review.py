"""One claim for the reviewer (services.claim_review): facts, links, eligibility, audit trail."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from rxapp.models import (
    EmailMessage,
    EmailStatus,
    FileKind,
    ProductCategory,
    SerialAttempt,
    SerialAttemptKind,
)
from rxapp.services import claim_review, clock, promotions_admin
from rxapp.services.errors import Forbidden, NotFound
from tests.factories.rows import (
    S,
    _claim,
    _file,
    _model,
    _product,
    _promotion,
    _reviewer,
    _rid,
    _user,
    make_serial,
)

# --------------------------------------------------------------------------- claim detail


def test_claim_detail_gathers_facts_links_timeline_and_emails(session):
    reviewer = _reviewer(session)
    ada, eve, mallory = _user(session, email="ada@example.com"), _user(session, email="eve@example.com"), _user(
        session, email="mallory@example.com"
    )
    invoice = _file(session, ada, sha="a" * 64)
    photo = _file(session, ada, FileKind.serial_photo)
    serial_rec = make_serial(session, _model(session), serial="ZZ9999")
    # Eve registered the same unit before (released since) and claimed with it.
    eve_old = _product(session, eve, serial_rec=serial_rec)
    eve_claim = _claim(session, eve_old, _promotion(session), status=S.rejected, address="elsewhere")
    eve_old.is_active = False
    session.add(eve_old)
    session.flush()
    product = _product(session, ada, serial_rec=serial_rec, invoice=invoice)
    promo = _promotion(session, name="Christmas Deals")
    # Submitted, then asked for the invoice (the timeline: two audit rows the transitions wrote).
    claim = _claim(session, product, promo, invoice=invoice, photo=photo, address="1, Rue de la Paix",
                   status=S.needs_info, reason="Please provide the invoice with your product name on it, thanks.",
                   reviewer_id=reviewer.id)
    # Mallory reuses Ada's invoice image (same bytes, another file) on another product.
    mallory_inv = _file(session, mallory, sha="a" * 64)
    mallory_product = _product(session, mallory, invoice=mallory_inv)
    # Bob-at-the-same-address claims too.
    same_addr = _claim(session, _product(session, eve), promo, address="1 rue de la paix")
    session.add(SerialAttempt(serial="ZZ9999", user_id=mallory.id, kind=SerialAttemptKind.already_registered))
    session.add(SerialAttempt(serial="ZZ9999", user_id=mallory.id, kind=SerialAttemptKind.chk_wrong))
    # The outbox as this test shows it: one received-mail that failed three times (in place of
    # the mails the transitions queued).
    for queued in session.exec(select(EmailMessage).where(EmailMessage.redemption_id == claim.id)).all():
        session.delete(queued)
    session.add(
        EmailMessage(
            to_email="ada@example.com", user_id=ada.id, redemption_id=claim.id, kind="claim_received",
            subject="We received your claim", body_text="...", message_id="<m1@x>", status=EmailStatus.failed,
            attempts=3, last_error="550 mailbox full",
        )
    )
    session.commit()

    d = claim_review.claim_detail(session=session, actor_id=reviewer.id, claim_id=claim.id)
    assert d["claim"]["claim_id"] == claim.id and d["claim"]["promotion_name"] == "Christmas Deals"
    reg = d["registration"]
    assert (reg["serial"], reg["chk"], reg["region_code"], reg["channel"]) == ("ZZ9999", "123", "FR", "retail")
    assert reg["purchase_date"] == date(2024, 3, 1) and reg["model"].startswith("Model ")
    assert d["customer"] == {"user_id": ada.id, "name": "Ada Lovelace", "email": "ada@example.com", "phone": "+33123456789",
                             "language": ""}  # the language the customer reads ("" until chosen)
    assert d["recipient"]["address"] == "1, Rue de la Paix"
    assert d["files"]["invoice"]["sha256"] == "a" * 64
    assert d["files"]["serial_photo"]["file_id"] == photo.id
    assert d["files"]["serial_photo"]["content_type"] == "image/png"

    links = {(link["kind"], link["claim_id"], link["product_id"]) for link in d["linked"]}
    assert links == {
        (claim_review.KIND_SAME_SERIAL, eve_claim.id, eve_old.id),
        (claim_review.KIND_SAME_INVOICE, None, mallory_product.id),
        (claim_review.KIND_SAME_ADDRESS, same_addr.id, same_addr.product_id),
        (claim_review.KIND_SERIAL_ATTEMPT, None, None),
    }
    by_kind = {link["kind"]: link for link in d["linked"]}
    assert by_kind[claim_review.KIND_SAME_SERIAL]["user_email"] == "eve@example.com"
    assert by_kind[claim_review.KIND_SAME_SERIAL]["status"] == "rejected"
    assert by_kind[claim_review.KIND_SERIAL_ATTEMPT]["user_email"] == "mallory@example.com"

    assert [(e["actor_email"], e["from_status"], e["to_status"]) for e in d["timeline"]] == [
        ("ada@example.com", None, "under_review"),
        (reviewer.email, "under_review", "needs_info"),
    ]
    assert d["timeline"][1]["reason"].startswith("Please provide the invoice")
    assert d["emails"] == [
        {
            "kind": "claim_received", "to": "ada@example.com", "subject": "We received your claim",
            "status": "failed", "attempts": 3, "sent_at": None, "last_error": "550 mailbox full",
        }
    ]


def test_a_claim_without_neighbours_has_no_links(session):
    ada = _user(session)
    claim = _claim(session, _product(session, ada), _promotion(session))
    _claim(session, _product(session, ada), _promotion(session), address="somewhere else")
    assert claim_review.linked_claims(session=session, actor_id=_rid(session), claim_id=claim.id) == []


def test_claim_detail_recomputes_eligibility(session):
    reviewer = _reviewer(session)
    ada = _user(session)
    model = _model(session)
    category = session.get(ProductCategory, model.category_id)
    invoice = _file(session, ada)
    product = _product(session, ada, model=model, invoice=invoice, region="DE")
    promo = _promotion(session, categories=[category], regions=("FR", "DE"), starts_on=date(2020, 1, 1), ends_on=date(2030, 1, 1))
    claim = _claim(session, product, promo, invoice=invoice)
    # The promotion left DE after the claim came in (an edit confirmed over the live claim).
    promotions_admin.update_promotion(session=session, actor_id=reviewer.id, promotion_id=promo.id,
                                      form={"region_codes": ["FR"]}, confirm=True)
    session.commit()
    elig = claim_review.claim_detail(session=session, actor_id=reviewer.id, claim_id=claim.id)["eligibility"]
    pytest.importorskip("rxapp.services.eligibility")
    failed = {c["rule"] for c in elig["checks"] if not c["ok"]}
    assert elig["eligible"] is False and failed == {"region"}
    assert "not_claimed" not in {c["rule"] for c in elig["checks"]}
    # Reviewed after the promotion ended: what counts is that the claim came in while it ran.
    promo.ends_on = date(2024, 6, 30)
    session.add(promo)
    clock.set_demo_date(session, date(2024, 8, 1))
    session.commit()
    checks = {c["rule"]: c for c in claim_review.claim_detail(session=session, actor_id=reviewer.id, claim_id=claim.id)["eligibility"]["checks"]}
    assert checks["running"]["ok"] and "Submitted on 2024-04-10" in checks["running"]["message"]


def test_claim_detail_is_for_reviewers_of_existing_claims(session):
    ada = _user(session)
    claim = _claim(session, _product(session, ada), _promotion(session))
    with pytest.raises(Forbidden):
        claim_review.claim_detail(session=session, actor_id=ada.id, claim_id=claim.id)
    with pytest.raises(NotFound):
        claim_review.claim_detail(session=session, actor_id=_reviewer(session).id, claim_id=claim.id + 100)
