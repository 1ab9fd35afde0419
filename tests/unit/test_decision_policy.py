"""The fast track: risk signals explained, and the decision policy approving only clean claims."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta, timezone

import pytest
from PIL import Image, ImageDraw
from sqlmodel import select

from rxapp.models import (
    EmailMessage, EvidenceReading, FileKind, PolicyChange, Promotion, PromotionCode, Redemption, RedemptionEvent,
    RedemptionStatus, Role, Store, User, utcnow,
)
from rxapp.services import claim_history, decision_policy, image_marks, risk_signals, system_actor
from rxapp.services.errors import Conflict, FieldErrors, Forbidden
from rxapp.services.ocr_reader import Barcode, Reading, TextLine
from tests.factories import flows, rows


def _line(text: str, y: int) -> TextLine:
    return TextLine(text, (40, y, 40 + 14 * len(text), y + 30))


def _read(session, file_id: int, reading: Reading, *, phash: str = "", edited: str = "") -> None:
    """What ``evidence_check.read_file`` keeps for a file, for a picture the test describes."""
    f = session.get(rows.StoredFile, file_id)
    session.add(EvidenceReading(file_id=file_id, owner_id=f.owner_id, data=json.dumps(reading.to_dict())))
    f.phash, f.edited_with = phash or f"{file_id:064x}", edited
    session.add(f)
    session.flush()


def _world(session, *, auto: bool = True, registered_days_ago: int = 30):
    """A claimable product whose invoice and S/N photo read what was registered."""
    w = rows.claimable(session)
    product, model = w["product"], w["model"]
    product.registered_at = utcnow() - timedelta(days=registered_days_ago)
    session.add(product)
    w["promotion"].auto_decide = auto
    session.add(w["promotion"])
    store = session.get(Store, product.store_id)
    serial = session.get(rows.SerialRecord, product.serial_id).serial
    invoice = Reading(1000, 1400, [_line(store.name, 60), _line("Date: 05/12/2021", 100),
                                   _line(f"MSI {model.name}", 140)], [])
    _read(session, product.invoice_file_id, invoice)
    _read(session, w["photo"].id, Reading(800, 600, [], [Barcode("Code128", serial, (10, 10, 300, 90))]))
    return w


def _submit(session, w, **kw):
    claim = flows.claim(session, w["product"], w["promotion"], photo=w["photo"], **kw)
    return decision_policy.decide(session=session, claim_id=claim.id), claim


def test_a_clean_claim_is_approved_by_the_system_through_the_status_machine(session):
    w = _world(session)
    outcome, claim = _submit(session, w)
    assert outcome.approved and not outcome.signals
    session.refresh(claim)
    assert claim.status == RedemptionStatus.approved and claim.decided_automatically
    code = session.exec(select(PromotionCode).where(PromotionCode.redemption_id == claim.id)).one()
    assert code.issued_at is not None
    event = session.exec(select(RedemptionEvent).where(RedemptionEvent.redemption_id == claim.id)
                         .order_by(RedemptionEvent.id.desc())).first()
    actor = session.get(User, event.actor_id)
    assert actor.email == system_actor.SYSTEM_EMAIL and actor.first_name == system_actor.SYSTEM_NAME
    assert actor.role == Role.reviewer
    assert "eligibility rules passed" in event.reason and "model" in event.reason and "serial" in event.reason
    kinds = [m.kind for m in session.exec(select(EmailMessage).where(EmailMessage.redemption_id == claim.id))]
    assert len(kinds) == 2  # received, then the success email with the code
    # Both timelines name the decider for what it is, never "Reviewer" or an address.
    mine = claim_history.customer_timeline(session=session, user_id=claim.user_id, claim_id=claim.id)
    assert mine["events"][-1]["actor"] == "Automatic decision"
    reviewer = rows._reviewer(session)
    theirs = claim_history.reviewer_timeline(session=session, actor_id=reviewer.id, claim_id=claim.id)
    assert theirs["events"][-1]["actor"] == "Automatic decision"


def test_with_the_policy_off_the_claim_waits_with_its_signals(session):
    w = _world(session, auto=False)
    outcome, claim = _submit(session, w)
    assert not outcome.approved and outcome.waits_because == "off"
    assert session.get(Redemption, claim.id).status == RedemptionStatus.under_review


def test_a_claim_sent_again_after_a_reviewer_asked_waits_for_the_reviewer_with_fresh_signals(session):
    w = _world(session)
    claim = flows.claim(session, w["product"], w["promotion"], photo=w["photo"], resubmitted=True)
    # The documents sent again read as cleanly as the first ones: only the reviewer's question holds it.
    for new, old in ((claim.invoice_file_id, w["product"].invoice_file_id), (claim.serial_photo_file_id, w["photo"].id)):
        kept = session.exec(select(EvidenceReading).where(EvidenceReading.file_id == old)).one()
        _read(session, new, Reading.from_dict(json.loads(kept.data)))
    outcome = decision_policy.decide(session=session, claim_id=claim.id)
    assert not outcome.approved and outcome.waits_because == "asked"
    session.refresh(claim)
    assert claim.status == RedemptionStatus.under_review and not claim.decided_automatically


def test_a_reused_invoice_on_another_account_waits_and_says_which_claim(session):
    w = _world(session)
    _, first = _submit(session, w)
    other = rows.make_user(session)
    product2 = rows.make_product(session, other, model=w["model"], store=session.get(Store, w["product"].store_id))
    product2.invoice_file_id = w["product"].invoice_file_id
    product2.registered_at = utcnow() - timedelta(days=3)
    session.add(product2)
    photo2 = rows.make_file(session, other, FileKind.serial_photo)
    serial2 = session.get(rows.SerialRecord, product2.serial_id).serial
    _read(session, photo2.id, Reading(800, 600, [], [Barcode("Code128", serial2, (1, 1, 9, 9))]))
    claim2 = flows.claim(session, product2, w["promotion"], photo=photo2, address="9 Other Road",
                         recipient={"contact_number": "+33198765432"})
    outcome = decision_policy.decide(session=session, claim_id=claim2.id)
    assert not outcome.approved and outcome.waits_because == "signals"
    assert [s.key for s in outcome.signals] == ["same_invoice"]
    assert f"#{first.id}" in outcome.signals[0].sentence
    kept = session.get(Redemption, claim2.id)
    assert kept.risk_score == 1 and "same_invoice" in kept.risk_signals


def test_a_near_duplicate_picture_is_a_signal(session):
    w = _world(session)
    _submit(session, w)
    base = session.get(rows.StoredFile, w["product"].invoice_file_id).phash
    near = f"{int(base, 16) ^ 0b1011:064x}"  # 3 bits apart
    other = rows.make_user(session)
    product2 = rows.make_product(session, other, model=w["model"], store=session.get(Store, w["product"].store_id))
    session.get(rows.StoredFile, product2.invoice_file_id).phash = near
    found = risk_signals.signals(session=session, claim_id=flows.claim(
        session, product2, w["promotion"], address="2 Far Lane").id)
    assert "similar_invoice" in [s.key for s in found]


@pytest.mark.parametrize("setup, key", [
    ("edited", "edited_image"), ("fresh", "fresh_serial"), ("barcode", "barcode_mismatch"),
    ("model", "invoice_check"),
])
def test_each_signal_stops_the_fast_track_with_a_sentence(session, setup, key):
    w = _world(session, registered_days_ago=0 if setup == "fresh" else 30)
    if setup == "fresh":
        w["product"].registered_at = utcnow() - timedelta(minutes=3)
    if setup == "edited":
        session.get(rows.StoredFile, w["product"].invoice_file_id).edited_with = "Adobe Photoshop 25.0"
    if setup in ("barcode", "model"):
        fid = w["photo"].id if setup == "barcode" else w["product"].invoice_file_id
        row = session.exec(select(EvidenceReading).where(EvidenceReading.file_id == fid)).one()
        row.data = row.data.replace(session.get(rows.SerialRecord, w["product"].serial_id).serial, "ZZZZ99999999") \
            if setup == "barcode" else row.data.replace(w["model"].name, "Unrelated Toaster")
        session.add(row)
    session.flush()
    outcome, claim = _submit(session, w, submitted=datetime(2021, 12, 10, 9, tzinfo=timezone.utc))
    outcome = decision_policy.decide(session=session, claim_id=claim.id)
    assert not outcome.approved
    sentences = {s.key: s.sentence for s in outcome.signals}
    assert key in sentences and sentences[key].endswith((".", ")")) and len(sentences[key]) > 20


def test_one_address_and_phone_across_accounts_and_a_burst_to_one_address(session):
    w = _world(session)
    _submit(session, w, address="5 Shared Street")
    store = session.get(Store, w["product"].store_id)
    for _ in range(2):
        product = rows.make_product(session, rows.make_user(session), model=w["model"], store=store)
        claim = flows.claim(session, product, w["promotion"], address="5 shared street!",
                            submitted=datetime(2021, 12, 10, 10, tzinfo=timezone.utc))
    found = {s.key: s.sentence for s in risk_signals.signals(session=session, claim_id=claim.id)}
    assert "2 other account" in found["shared_address"] and "shared_phone" in found
    assert found["burst_address"].startswith("3 claims")


def test_the_daily_cap_holds_back_the_rest(session):
    w = _world(session)
    w["promotion"].auto_daily_cap = 0
    session.add(w["promotion"])
    outcome, _ = _submit(session, w)
    assert not outcome.approved and outcome.waits_because == "cap"


def test_the_audit_sample_is_deterministic_and_near_its_rate():
    picks = [decision_policy.sampled(i, 10) for i in range(1, 2001)]
    assert picks == [decision_policy.sampled(i, 10) for i in range(1, 2001)]
    assert 150 <= sum(picks) <= 250
    assert not any(decision_policy.sampled(i, 0) for i in range(100))
    assert all(decision_policy.sampled(i, 100) for i in range(100))


def test_a_sampled_approval_is_confirmed_or_flagged_once_by_a_reviewer(session):
    w = _world(session)
    w["promotion"].audit_sample_percent = 100
    session.add(w["promotion"])
    outcome, claim = _submit(session, w)
    assert outcome.approved and outcome.sampled
    reviewer = rows._reviewer(session)
    with pytest.raises(FieldErrors):
        decision_policy.audit(session=session, actor_id=reviewer.id, claim_id=claim.id, verdict="flag")
    with pytest.raises(Forbidden):
        decision_policy.audit(session=session, actor_id=claim.user_id, claim_id=claim.id, verdict="confirm")
    done = decision_policy.audit(session=session, actor_id=reviewer.id, claim_id=claim.id, verdict="confirm")
    assert done.audit_state == "confirmed" and done.audited_by == reviewer.id
    with pytest.raises(Conflict):
        decision_policy.audit(session=session, actor_id=reviewer.id, claim_id=claim.id, verdict="flag", note="x")


def test_policy_changes_are_checked_and_audited(session):
    w = _world(session, auto=False)
    reviewer = rows._reviewer(session)
    with pytest.raises(Forbidden):
        decision_policy.update_policy(session=session, actor_id=w["user"].id, promotion_id=w["promotion"].id,
                                      enabled=True, daily_cap=5, sample_percent=10)
    with pytest.raises(FieldErrors) as bad:
        decision_policy.update_policy(session=session, actor_id=reviewer.id, promotion_id=w["promotion"].id,
                                      enabled=True, daily_cap="many", sample_percent="150")
    assert set(bad.value.errors) == {"daily_cap", "sample_percent"}
    decision_policy.update_policy(session=session, actor_id=reviewer.id, promotion_id=w["promotion"].id,
                                  enabled=True, daily_cap="5", sample_percent="20")
    change = session.exec(select(PolicyChange)).one()
    assert json.loads(change.before)["enabled"] is False and json.loads(change.after) == {
        "enabled": True, "daily_cap": 5, "sample_percent": 20}
    history = decision_policy.policy_history(session=session, actor_id=reviewer.id, promotion_id=w["promotion"].id)
    assert history[0]["actor_email"] == reviewer.email


def test_the_policy_list_shows_every_promotion_with_its_latest_change(session):
    w = _world(session, auto=False)
    reviewer, admin = rows._reviewer(session), rows._user(session, role=Role.admin)
    with pytest.raises(Forbidden):
        decision_policy.policies(session=session, actor_id=w["user"].id)
    (before,) = [p for p in decision_policy.policies(session=session, actor_id=reviewer.id)
                 if p["id"] == w["promotion"].id]
    assert before["enabled"] is False and before["last"] is None
    for actor, cap in ((reviewer, "5"), (admin, "7")):
        decision_policy.update_policy(session=session, actor_id=actor.id, promotion_id=w["promotion"].id,
                                      enabled=True, daily_cap=cap, sample_percent="20")
    listed = decision_policy.policies(session=session, actor_id=reviewer.id)
    (after,) = [p for p in listed if p["id"] == w["promotion"].id]
    assert after["enabled"] is True and after["daily_cap"] == 7 and after["sample_percent"] == 20
    assert after["last"]["actor_email"] == admin.email  # the newest change, not the first
    assert len(listed) == len(session.exec(select(Promotion)).all())


def _invoice_png(seed: int) -> Image.Image:
    import random
    rng = random.Random(seed)
    im = Image.new("RGB", (1000, 1300), "white")
    draw = ImageDraw.Draw(im)
    for i in range(22):
        draw.text((120 + rng.randint(0, 30), 120 + 45 * i), f"Item {i} {'X' * rng.randint(3, 20)} {rng.randint(1, 999)}.00",
                  fill="black")
    return im


def _bytes(im: Image.Image, fmt: str = "JPEG", **kw) -> bytes:
    buf = io.BytesIO()
    im.convert("RGB").save(buf, fmt, **kw)
    return buf.getvalue()


def test_the_perceptual_hash_survives_resaving_scaling_and_light_cropping_but_tells_invoices_apart():
    im = _invoice_png(1)
    base = image_marks.perceptual_hash(_bytes(im, "PNG"))
    w, h = im.size
    copies = [_bytes(im, quality=60), _bytes(im.resize((w // 2, h // 2))),
              _bytes(im.crop((int(w * .04), int(h * .04), w - int(w * .04), h - int(h * .04))))]
    assert all(image_marks.distance(base, image_marks.perceptual_hash(c)) <= image_marks.NEAR for c in copies)
    others = [image_marks.perceptual_hash(_bytes(_invoice_png(s), "PNG")) for s in range(2, 6)]
    assert all(image_marks.distance(base, o) > image_marks.NEAR for o in others)


def test_an_editor_in_the_metadata_is_named_and_a_camera_is_not():
    im = _invoice_png(1)
    exif = Image.Exif()
    exif[0x0131] = "Adobe Photoshop 25.0 (Windows)"
    assert image_marks.editing_software(_bytes(im, exif=exif)) == "Adobe Photoshop 25.0 (Windows)"
    exif[0x0131] = "HDR+ 1.0.540104767zd"
    assert image_marks.editing_software(_bytes(im, exif=exif)) == ""
    assert image_marks.editing_software(b"not a picture") == ""


def test_one_shops_layout_with_other_numbers_is_not_a_copy(session):
    """Invoices of one shop share a layout, so their hashes lie close: a copy must also say the same numbers."""
    w = _world(session)
    _submit(session, w)
    mine = session.get(rows.StoredFile, w["product"].invoice_file_id)
    other = rows.make_user(session)
    product2 = rows.make_product(session, other, model=w["model"], store=session.get(Store, w["product"].store_id))
    product2.registered_at = utcnow() - timedelta(days=3)
    session.add(product2)
    store = session.get(Store, w["product"].store_id).name
    _read(session, product2.invoice_file_id, Reading(1000, 1400, [
        _line(store, 60), _line("Date: 07/12/2021", 100), _line("Invoice INV-99812 Order 5512-77", 140)], []),
        phash=mine.phash)
    claim2 = flows.claim(session, product2, w["promotion"], address="2 Far Lane",
                         recipient={"contact_number": "+33198765400"})
    assert "similar_invoice" not in [s.key for s in risk_signals.signals(session=session, claim_id=claim2.id)]


def test_the_queue_filters_claims_by_risk_and_the_audit_sample(session):
    from rxapp.services import queue_filter, review_queue

    w = _world(session)
    w["promotion"].audit_sample_percent = 100
    session.add(w["promotion"])
    _, approved = _submit(session, w)
    reviewer = rows._reviewer(session)

    def ids(**flt):
        page = review_queue.queue_page(session=session, actor_id=reviewer.id, flt=queue_filter.from_dict(flt))
        return [r["claim_id"] for r in page.rows]

    assert ids(status="all", risk="audit") == [approved.id]
    assert ids(status="under_review", risk="audit") == [approved.id]
    assert ids(status="all", risk="signals") == []
    assert ids(status="all", risk="none") == [approved.id]
    with pytest.raises(FieldErrors):
        queue_filter.clean_form({"risk": "maybe"})


def test_insights_count_automatic_and_manual_decisions_the_audit_and_the_signals(session):
    from rxapp.services import fast_track_insights

    w = _world(session)
    w["promotion"].audit_sample_percent = 100
    session.add(w["promotion"])
    _, approved = _submit(session, w)
    other = rows.make_user(session)
    product2 = rows.make_product(session, other, model=w["model"], store=session.get(Store, w["product"].store_id))
    product2.invoice_file_id = w["product"].invoice_file_id
    session.add(product2)
    waiting = flows.claim(session, product2, w["promotion"], address="9 Other Road",
                          recipient={"contact_number": "+33198765432"})
    decision_policy.decide(session=session, claim_id=waiting.id)
    reviewer = rows._reviewer(session)
    flows.advance(session, waiting, RedemptionStatus.rejected, reviewer_id=reviewer.id)
    got = fast_track_insights.summary(session=session, actor_id=reviewer.id, days=30,
                                      today=utcnow().date())
    assert (got["automatic"], got["manual"]) == (1, 1)
    assert got["audit"] == {"sampled": 1, "confirmed": 0, "flagged": 0}
    with pytest.raises(Forbidden):
        fast_track_insights.summary(session=session, actor_id=w["user"].id)


def test_insights_list_signals_most_frequent_first_and_a_tie_by_name(session):
    """Two signals counted as often come out in the same order on every worker (they came from a set)."""
    from rxapp.services import fast_track_insights

    w = _world(session)
    _, row = _submit(session, w)
    row.risk_score = 3
    row.risk_signals = risk_signals.to_json([risk_signals.Signal(k, k) for k in ("shared_phone", "edited_image",
                                                                               "burst_account")])
    session.add(row)
    session.flush()
    reviewer = rows._reviewer(session)
    got = fast_track_insights.summary(session=session, actor_id=reviewer.id, days=30,
                                      today=row.submitted_at.date())
    assert [key for key, _ in got["signals"]] == ["burst_account", "edited_image", "shared_phone"]
