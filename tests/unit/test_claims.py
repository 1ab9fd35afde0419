"""The claim status machine: submit, decide, resubmit, shipping, history, timeline."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from rxapp.models import (
    EmailMessage,
    FileKind,
    MissingDocument,
    PrizeType,
    Promotion,
    PromotionCode,
    Redemption,
    RedemptionEvent,
    RedemptionStatus,
    Role,
    ShippingStatus,
    StoredFile,
)
from rxapp import vocabulary
from rxapp.services import claim_history, claims, clock, codes, recipients
from rxapp.services.errors import Conflict, FieldErrors, Forbidden, NotFound
from tests.factories import rows as f

INVOICE_REASON = "Please provide the invoice with your product name on it, thanks."


@pytest.fixture()
def world(session):
    data = f.claimable(session, codes=3)
    data["reviewer"] = f.make_user(session, email="reviewer@msi.test", role=Role.reviewer)
    session.commit()
    return data


def submit(session, data, **over):
    kwargs = dict(
        session=session, user_id=data["user"].id, product_id=data["product"].id,
        promotion_id=data["promotion"].id, recipient=f.RECIPIENT, serial_photo_file_id=data["photo"].id,
    )
    kwargs.update(over)
    return claims.submit(**kwargs)


def decide(session, data, claim, decision, **kw):
    return claims.decide(session=session, claim_id=claim.id, reviewer_id=data["reviewer"].id, decision=decision, **kw)


def events(session, claim):
    return session.exec(
        select(RedemptionEvent).where(RedemptionEvent.redemption_id == claim.id).order_by(RedemptionEvent.id)
    ).all()


def emails_of(session, claim):
    return session.exec(select(EmailMessage).where(EmailMessage.redemption_id == claim.id).order_by(EmailMessage.id)).all()


def held_code(session, claim):
    return session.exec(select(PromotionCode).where(PromotionCode.redemption_id == claim.id)).first()


# --------------------------------------------------------------------------- submit


def test_submit_writes_claim_code_audit_and_email_in_one_go(session, world):
    claim = submit(session, world)
    session.commit()
    assert claim.status == RedemptionStatus.under_review and claim.version == 1
    assert claim.phone == "+33612345678"
    assert claim.address == "12 rue de la Roquette\nBâtiment B"
    assert claim.address_key == "75011 12 rue de la roquette batiment b"
    assert claim.invoice_file_id == world["product"].invoice_file_id
    # 14 working days from Friday 2021-12-10 (the demo date)
    assert claim.due_on == date(2021, 12, 30)
    assert held_code(session, claim) is not None
    (event,) = events(session, claim)
    assert (event.from_status, event.to_status, event.actor_id) == (None, RedemptionStatus.under_review, world["user"].id)
    (mail,) = emails_of(session, claim)
    assert mail.kind == "claim_received" and mail.to_email == world["user"].email
    assert mail.subject == "[No Reply] MSI Redeem Notice - Received"
    assert "2021-12-30" in mail.body_text


def test_submit_with_a_replacement_invoice(session, world):
    invoice = f.make_file(session, world["user"], FileKind.invoice)
    claim = submit(session, world, invoice_file_id=invoice.id)
    assert claim.invoice_file_id == invoice.id


def test_submit_reports_every_bad_field(session, world):
    bad = {"first_name": " ", "last_name": "", "zipcode": "75 011 !", "address": " \n \n", "contact_number": "12"}
    with pytest.raises(FieldErrors) as exc:
        submit(session, world, recipient=bad, serial_photo_file_id=None)
    assert set(exc.value.errors) == {"first_name", "last_name", "zipcode", "address", "contact_number", "serial_photo"}
    assert "France" in exc.value.errors["contact_number"] and "+33" in exc.value.errors["contact_number"]
    assert session.exec(select(Redemption)).all() == []


@settings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(phone=st.text(alphabet="+0123456789 -()", min_size=0, max_size=20))
def test_contact_numbers_are_valid_e164_or_refused(session, phone):
    f.make_region(session, "FR")
    try:
        clean = recipients.validate_recipient(session=session, data={**f.RECIPIENT, "contact_number": phone}, region_code="FR")
    except FieldErrors as exc:
        assert set(exc.errors) == {"contact_number"}
    else:
        import phonenumbers

        assert clean.phone.startswith("+") and phonenumbers.is_valid_number(phonenumbers.parse(clean.phone))


def test_submit_refuses_other_peoples_product_and_files(session, world):
    stranger = f.make_user(session)
    with pytest.raises(NotFound):
        submit(session, world, user_id=stranger.id)
    their_photo = f.make_file(session, stranger, FileKind.serial_photo)
    with pytest.raises(NotFound):
        submit(session, world, serial_photo_file_id=their_photo.id)
    their_invoice = f.make_file(session, stranger, FileKind.invoice)
    with pytest.raises(NotFound):
        submit(session, world, invoice_file_id=their_invoice.id)
    # an invoice given as S/N photo is refused too
    with pytest.raises(NotFound):
        submit(session, world, serial_photo_file_id=world["product"].invoice_file_id)


def test_submit_not_eligible_lists_the_reasons(session, world):
    product = f.make_product(session, world["user"], model=world["model"], purchase_date=date(2021, 11, 20))
    with pytest.raises(claims.NotEligible) as exc:
        submit(session, world, product_id=product.id)
    assert [r.rule for r in exc.value.reasons] == ["purchase_date"]
    assert "before the promotion period" in exc.value.message


def test_second_submission_is_already_redeemed(session, world):
    submit(session, world)
    session.commit()
    with pytest.raises(Conflict, match="^This product has already been redeemed for this promotion.$"):
        submit(session, world)


def test_the_last_code_goes_to_one_claim_only(session, world):
    promo = f.make_promotion(session, categories=[world["category"]], codes=1)
    submit(session, world, promotion_id=promo.id)
    other = f.make_user(session)
    product = f.make_product(session, other, model=world["model"])
    photo = f.make_file(session, other, FileKind.serial_photo)
    with pytest.raises(claims.NotEligible) as exc:
        claims.submit(session=session, user_id=other.id, product_id=product.id, promotion_id=promo.id,
                  recipient=f.RECIPIENT, serial_photo_file_id=photo.id)
    assert [r.rule for r in exc.value.reasons] == ["stock"]


# --------------------------------------------------------------------------- decide


def test_approve_issues_the_reserved_code_and_sends_it(session, world):
    claim = submit(session, world)
    reserved = held_code(session, claim).code
    session.commit()
    decided = decide(session, world, claim, "approve", expected_version=1)
    session.commit()
    assert decided.status == RedemptionStatus.approved and decided.version == 2 and decided.decided_at
    code = held_code(session, claim)
    assert code.code == reserved and code.issued_at is not None
    ev = events(session, claim)[-1]
    assert (ev.from_status, ev.to_status, ev.actor_id) == (
        RedemptionStatus.under_review, RedemptionStatus.approved, world["reviewer"].id,
    )
    assert json.loads(ev.snapshot)["version"] == 1
    mail = emails_of(session, claim)[-1]
    assert mail.subject == "[No Reply] MSI Redeem Notice - Success"
    assert f"Your Steam code activation code is {reserved}" in mail.body_text
    assert "Activate a Product on Steam" in mail.body_text


def test_approve_physical_prize_starts_shipping(session, world):
    promo = f.make_promotion(session, categories=[world["category"]], prize_type=PrizeType.physical,
                             prize_name="MSI backpack", physical_stock=10)
    claim = submit(session, world, promotion_id=promo.id)
    decide(session, world, claim, "approve")
    assert claim.shipping_status == ShippingStatus.preparing and held_code(session, claim) is None
    mail = emails_of(session, claim)[-1]
    assert "12 rue de la Roquette" in mail.body_text and "+33612345678" in mail.body_text
    claims.ship(session=session, claim_id=claim.id, reviewer_id=world["reviewer"].id,
                status=ShippingStatus.shipped, tracking_number="1Z999", expected_version=claim.version)
    assert claim.shipping_status == ShippingStatus.shipped and claim.tracking_number == "1Z999"
    assert events(session, claim)[-1].reason == "Shipping: shipped (tracking 1Z999)"
    with pytest.raises(Conflict, match="only move forward"):
        claims.ship(session=session, claim_id=claim.id, reviewer_id=world["reviewer"].id, status="preparing",
                    expected_version=claim.version)
    row = claim_history.history(session=session, user_id=world["user"].id)[0]
    assert row["shipping_status"] == "shipped" and row["tracking_number"] == "1Z999" and row["code"] == ""


def test_set_shipping_only_for_approved_physical_claims(session, world):
    claim = submit(session, world)
    with pytest.raises(Conflict):
        claims.ship(session=session, claim_id=claim.id, reviewer_id=world["reviewer"].id, status="shipped",
                    tracking_number="1Z999", expected_version=claim.version)
    with pytest.raises(Forbidden):
        claims.ship(session=session, claim_id=claim.id, reviewer_id=world["user"].id, status="shipped",
                    tracking_number="1Z999", expected_version=claim.version)


def test_reject_releases_the_code_and_is_final(session, world):
    claim = submit(session, world)
    decide(session, world, claim, "reject", reason="The invoice is not from a partner store.")
    assert held_code(session, claim) is None
    assert codes.stock(session=session, promotion_id=world["promotion"].id)["available"] == 3
    mail = emails_of(session, claim)[-1]
    assert mail.subject.endswith("Rejected") and "Reason : The invoice is not from a partner store." in mail.body_text
    for decision in ("approve", "needs_info", "reject"):
        with pytest.raises(Conflict, match="Already decided by reviewer@msi.test at .*: Rejected: The invoice"):
            decide(session, world, claim, decision, reason="x", missing_document="invoice")


def test_needs_info_requires_reason_and_document(session, world):
    claim = submit(session, world)
    with pytest.raises(FieldErrors) as exc:
        decide(session, world, claim, "needs_info")
    assert set(exc.value.errors) == {"reason", "missing_document"}
    with pytest.raises(FieldErrors) as exc:
        decide(session, world, claim, "reject", reason="  ")
    assert set(exc.value.errors) == {"reason"}
    with pytest.raises(FieldErrors):
        decide(session, world, claim, "maybe")
    assert claim.status == RedemptionStatus.under_review and events(session, claim)[-1].to_status == RedemptionStatus.under_review


def test_only_reviewers_decide(session, world):
    claim = submit(session, world)
    with pytest.raises(Forbidden):
        claims.decide(session=session, claim_id=claim.id, reviewer_id=world["user"].id, decision="approve")
    with pytest.raises(NotFound):
        claims.decide(session=session, claim_id=99999, reviewer_id=world["reviewer"].id, decision="approve")


def test_stale_version_is_told_who_decided_and_how(session, world):
    claim = submit(session, world)
    session.commit()
    decide(session, world, claim, "needs_info", reason=INVOICE_REASON, missing_document=MissingDocument.invoice,
           expected_version=1)
    session.commit()
    with pytest.raises(Conflict) as exc:
        decide(session, world, claim, "approve", expected_version=1)
    assert exc.value.message.startswith("Already decided by reviewer@msi.test at ")
    assert f"Needs info: {INVOICE_REASON}" in exc.value.message


def test_needs_info_email_names_the_reason_and_links_history(session, world):
    claim = submit(session, world)
    decide(session, world, claim, "needs_info", reason=INVOICE_REASON, missing_document="invoice")
    mail = emails_of(session, claim)[-1]
    assert mail.subject == "[No Reply] MSI Redeem Notice - Documents needed"
    assert f"Reason : {INVOICE_REASON}" in mail.body_text
    assert "/promotions/history" in mail.body_text and "Redeem Again" in mail.body_text
    assert held_code(session, claim) is not None  # the code waits for the customer


# --------------------------------------------------------------------------- resubmit


def _ask_for_invoice(session, world):
    claim = submit(session, world)
    decide(session, world, claim, "needs_info", reason=INVOICE_REASON, missing_document="invoice")
    return claim


def test_redeem_again_replaces_the_asked_document_and_keeps_the_other_on_file(session, world):
    claim = _ask_for_invoice(session, world)
    session.commit()
    old_photo = claim.serial_photo_file_id
    new_invoice = f.make_file(session, world["user"], FileKind.invoice)
    recipient = {**f.RECIPIENT, "address": "3 avenue Foch"}
    again = claims.resubmit(session=session, user_id=world["user"].id, claim_id=claim.id, recipient=recipient,
                        invoice_file_id=new_invoice.id, serial_photo_file_id=None)
    session.commit()
    assert again.status == RedemptionStatus.under_review and again.version == 3
    assert again.invoice_file_id == new_invoice.id
    assert again.serial_photo_file_id == old_photo  # not asked for, none given: the one on file is used
    assert again.address == "3 avenue Foch" and again.reason == "" and again.missing_document is None
    assert again.due_on == date(2021, 12, 30)  # the original promise is kept
    ev = events(session, claim)[-1]
    assert (ev.from_status, ev.to_status, ev.actor_id) == (
        RedemptionStatus.needs_info, RedemptionStatus.under_review, world["user"].id,
    )
    before = json.loads(ev.snapshot)
    assert before["address"] == f.RECIPIENT["address"] and before["invoice_file_id"] == world["product"].invoice_file_id
    assert emails_of(session, claim)[-1].kind == "claim_received"
    # the reviewer can decide again
    decide(session, world, again, "approve", expected_version=3)


def test_redeem_again_requires_only_the_asked_document_the_other_may_be_replaced(session, world):
    claim = submit(session, world)
    decide(session, world, claim, "needs_info", reason="Please send a photo of the S/N sticker.",
           missing_document="serial_photo")
    invoice_on_file = claim.invoice_file_id
    with pytest.raises(FieldErrors) as exc:
        claims.resubmit(session=session, user_id=world["user"].id, claim_id=claim.id, recipient=f.RECIPIENT,
                        invoice_file_id=None, serial_photo_file_id=None)
    assert list(exc.value.errors) == ["serial_photo"]  # the invoice, not asked for, is not required
    photo = f.make_file(session, world["user"], FileKind.serial_photo)
    better_invoice = f.make_file(session, world["user"], FileKind.invoice)
    again = claims.resubmit(session=session, user_id=world["user"].id, claim_id=claim.id, recipient=f.RECIPIENT,
                            invoice_file_id=better_invoice.id, serial_photo_file_id=photo.id)
    assert again.serial_photo_file_id == photo.id
    assert again.invoice_file_id == better_invoice.id != invoice_on_file  # a new one given is used


def test_the_page_and_the_service_share_one_rule_of_what_is_required():
    from rxapp.services.redeem_context import documents_needed

    assert documents_needed(None, again=False) == {"invoice": "optional", "serial_photo": "required"}
    assert documents_needed("invoice", again=True) == {"invoice": "required", "serial_photo": "optional"}
    assert documents_needed("serial_photo", again=True) == {"invoice": "optional", "serial_photo": "required"}
    for other in ("recipient", "other", None):
        assert documents_needed(other, again=True) == {"invoice": "optional", "serial_photo": "optional"}


def test_redeem_again_requires_the_missing_invoice(session, world):
    claim = _ask_for_invoice(session, world)
    with pytest.raises(FieldErrors) as exc:
        claims.resubmit(session=session, user_id=world["user"].id, claim_id=claim.id, recipient=f.RECIPIENT,
                    invoice_file_id=None, serial_photo_file_id=None)
    assert exc.value.errors == {"invoice": f"Please upload a new invoice: {INVOICE_REASON}"}
    seen = session.get(StoredFile, world["product"].invoice_file_id)
    same_picture = f.make_file(session, world["user"], FileKind.invoice, sha256=seen.sha256)
    with pytest.raises(FieldErrors, match="same picture"):
        claims.resubmit(session=session, user_id=world["user"].id, claim_id=claim.id, recipient=f.RECIPIENT,
                    invoice_file_id=same_picture.id, serial_photo_file_id=None)


def test_redeem_again_for_recipient_data_needs_no_file(session, world):
    claim = submit(session, world)
    decide(session, world, claim, "needs_info", reason="Your phone number does not answer.", missing_document="recipient")
    again = claims.resubmit(session=session, user_id=world["user"].id, claim_id=claim.id,
                        recipient={**f.RECIPIENT, "contact_number": "+33 6 98 76 54 32"},
                        invoice_file_id=None, serial_photo_file_id=None)
    assert again.phone == "+33698765432" and again.status == RedemptionStatus.under_review


def test_redeem_again_only_by_the_owner_and_only_from_needs_info(session, world):
    claim = submit(session, world)
    new_invoice = f.make_file(session, world["user"], FileKind.invoice)
    with pytest.raises(Conflict, match="not waiting for documents"):
        claims.resubmit(session=session, user_id=world["user"].id, claim_id=claim.id, recipient=f.RECIPIENT,
                    invoice_file_id=new_invoice.id, serial_photo_file_id=None)
    decide(session, world, claim, "needs_info", reason=INVOICE_REASON, missing_document="invoice")
    stranger = f.make_user(session)
    with pytest.raises(NotFound):
        claims.resubmit(session=session, user_id=stranger.id, claim_id=claim.id, recipient=f.RECIPIENT,
                    invoice_file_id=new_invoice.id, serial_photo_file_id=None)
    with pytest.raises(Conflict, match="waits for the customer"):
        decide(session, world, claim, "approve")


# --------------------------------------------------------------------------- history & timeline


def test_status_text_uses_the_seed_wording():
    assert vocabulary.customer_status_text("under_review") == "Redeem qualification under reviewing"
    assert vocabulary.customer_status_text(RedemptionStatus.approved) == "Redeem Success"
    assert vocabulary.customer_status_text("needs_info", INVOICE_REASON) == INVOICE_REASON
    assert vocabulary.customer_status_text("rejected", "Fake invoice.") == "Rejected: Fake invoice."


def test_history_follows_the_seed_story(session, world):
    claim = submit(session, world)
    (row,) = claim_history.history(session=session, user_id=world["user"].id)
    assert row["status_text"] == "Redeem qualification under reviewing" and not row["can_redeem_again"]
    assert row["promotion_name"] == world["promotion"].name and row["product_name"] == world["model"].name
    assert row["code"] == "" and row["due_on"] == "2021-12-30"
    decide(session, world, claim, "needs_info", reason=INVOICE_REASON, missing_document="invoice")
    (row,) = claim_history.history(session=session, user_id=world["user"].id)
    assert row["status_text"] == INVOICE_REASON and row["can_redeem_again"] and row["missing_document"] == "invoice"
    claims.resubmit(session=session, user_id=world["user"].id, claim_id=claim.id, recipient=f.RECIPIENT,
                invoice_file_id=f.make_file(session, world["user"]).id, serial_photo_file_id=None)
    decide(session, world, claim, "approve")
    (row,) = claim_history.history(session=session, user_id=world["user"].id)
    assert row["status_text"] == "Redeem Success" and row["code"] == held_code(session, claim).code
    # other customers see nothing of it
    assert claim_history.history(session=session, user_id=f.make_user(session).id) == []


def test_timeline_shows_every_state_to_the_owner_only(session, world):
    claim = _ask_for_invoice(session, world)
    claims.resubmit(session=session, user_id=world["user"].id, claim_id=claim.id, recipient=f.RECIPIENT,
                invoice_file_id=f.make_file(session, world["user"]).id, serial_photo_file_id=None)
    decide(session, world, claim, "approve")
    t = claim_history.customer_timeline(session=session, user_id=world["user"].id, claim_id=claim.id)
    assert [e["label"] for e in t["events"]] == [
        "Claim submitted", "Documents requested", "Sent again (Redeem Again)", "Redeem Success",
    ]
    assert [e["actor"] for e in t["events"]] == ["You", "Reviewer", "You", "Reviewer"]
    assert t["events"][1]["reason"] == INVOICE_REASON
    assert t["due_on"] == "2021-12-30" and t["code"] and "snapshot" not in t["events"][0]
    promotion = session.get(Promotion, claim.promotion_id)
    assert t["how_to_activate"] == promotion.prize_instructions
    with pytest.raises(NotFound):
        claim_history.customer_timeline(session=session, user_id=f.make_user(session).id, claim_id=claim.id)
    staff = claim_history.reviewer_timeline(session=session, actor_id=world["reviewer"].id, claim_id=claim.id)
    assert staff["events"][1]["actor"] == "reviewer@msi.test"
    assert staff["events"][2]["snapshot"]["status"] == "needs_info"


def test_illegal_transitions_are_refused(session, world):
    claim = submit(session, world)
    decide(session, world, claim, "approve")
    for decision in ("approve", "reject", "needs_info"):
        with pytest.raises(Conflict, match="Already decided by reviewer@msi.test"):
            decide(session, world, claim, decision, reason="r", missing_document="invoice")
    with pytest.raises(Conflict):
        claims.resubmit(session=session, user_id=world["user"].id, claim_id=claim.id, recipient=f.RECIPIENT,
                    invoice_file_id=None, serial_photo_file_id=None)
    assert [e.to_status for e in events(session, claim)] == [RedemptionStatus.under_review, RedemptionStatus.approved]


def test_due_date_follows_the_demo_date(session, world):
    clock.set_demo_date(session, date(2021, 12, 24))  # a Friday
    claim = submit(session, world)
    assert claim.due_on == date(2022, 1, 13)


def test_the_redeem_date_follows_the_demo_date_too(session, world):
    """Issue 14, finding 14: the dates on screen agree (Redeem Date, due date, the promotion's period)."""
    clock.set_demo_date(session, date(2021, 12, 24))
    claim = submit(session, world)
    assert claim.submitted_at.date() == date(2021, 12, 24)
    row = claim_history.history(session=session, user_id=world["user"].id)[0]
    assert row["redeem_date"] == "2021-12-24"
    clock.set_demo_date(session, None)
    assert clock.business_now(session).date() == clock.now().date()


def test_shipping_text_is_the_customers_wording():
    assert vocabulary.customer_shipping_text(None) == ""
    assert vocabulary.customer_shipping_text("preparing") == "Preparing your prize"
    assert vocabulary.customer_shipping_text(ShippingStatus.shipped, "1Z999") == "Shipped · tracking 1Z999"
    assert vocabulary.customer_shipping_text("lost in space") == ""
