"""Demo claims: the demo customer has a claim in every status, made through the real services.

``demo_claims.seed_claims`` runs after ``demo_seed.seed`` (demo reset and
``rxapp.cli seed-if-empty``).  These tests look at what a presenter and a
reviewer will see: statuses, codes, shipping, private files, audit rows,
outbox emails, linked claims in the queue, and a reset that stays fast.
"""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa
from PIL import Image
from sqlmodel import Session, select

from rxapp import cli, db, settings
from rxapp.models import (
    EmailMessage,
    FileKind,
    PrizeType,
    Promotion,
    Redemption,
    RedemptionEvent,
    RedemptionStatus,
    RegisteredProduct,
    ShippingStatus,
    StoredFile,
    User,
)
from rxapp.services import clock, demo_claims, demo_kit, demo_seed, eligibility, file_folder, file_store, images, products, review_queue
from rxapp.services import claim_history, claim_review

CUSTOMER = demo_seed.DEMO_USERS[0].email
NEWCOMER = demo_seed.DEMO_USERS[1].email
REVIEWER = demo_seed.DEMO_USERS[2].email


@pytest.fixture(autouse=True)
def demo(monkeypatch, tmp_path):
    monkeypatch.setenv("RXAPP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RXAPP_DEMO", "1")
    settings.reset()
    yield
    settings.reset()


@pytest.fixture()
def seeded(engine):
    seconds = demo_kit.reset(engine=engine)
    print(f"\ndemo reset with claims: {seconds:.3f} s")
    with Session(engine, expire_on_commit=False) as s:
        yield s


def user(s: Session, email: str) -> User:
    return s.exec(select(User).where(User.email == email)).one()


def claims_of(s: Session, email: str) -> list[Redemption]:
    uid = user(s, email).id
    return s.exec(select(Redemption).where(Redemption.user_id == uid).order_by(Redemption.id)).all()


def test_the_demo_customer_has_a_claim_in_every_status(seeded):
    s = seeded
    claims = claims_of(s, CUSTOMER)
    assert {c.status for c in claims} == set(RedemptionStatus)
    rows = {r["claim_id"]: r for r in claim_history.history(session=s, user_id=user(s, CUSTOMER).id)}
    promos = {p.id: p for p in s.exec(select(Promotion)).all()}

    approved = [c for c in claims if c.status == RedemptionStatus.approved]
    digital = [c for c in approved if promos[c.promotion_id].prize_type == PrizeType.digital_code]
    physical = [c for c in approved if promos[c.promotion_id].prize_type == PrizeType.physical]
    assert digital and all(rows[c.id]["code"] for c in digital)  # a code to show and copy
    shipping = (ShippingStatus.preparing, ShippingStatus.shipped)
    assert physical and all(c.shipping_status in shipping for c in physical)
    assert any(c.shipping_status == ShippingStatus.shipped and c.tracking_number for c in physical)

    (asked,) = [c for c in claims if c.status == RedemptionStatus.needs_info]
    assert asked.reason == "Please provide the invoice with your product name on it, thanks."
    assert rows[asked.id]["can_redeem_again"] is True and asked.missing_document.value == "invoice"
    (rejected,) = [c for c in claims if c.status == RedemptionStatus.rejected]
    assert rejected.reason and rows[rejected.id]["status_text"].startswith("Rejected: ")
    assert any(c.status == RedemptionStatus.under_review for c in claims)

    # Most claims belong to promotions running today; the 2021 one is history.
    today = clock.today(s)
    running = [c for c in claims
               if promos[c.promotion_id].starts_on <= today <= promos[c.promotion_id].ends_on]
    assert len(running) >= 4
    assert all(c.submitted_at.date() <= today for c in claims)


def test_every_claim_has_private_invoice_and_sn_photo_files(seeded):
    s = seeded
    public = file_folder._public_dirs()
    root = settings.get().files_dir.resolve()
    for claim in s.exec(select(Redemption)).all():
        for file_id, kind in ((claim.invoice_file_id, FileKind.invoice),
                              (claim.serial_photo_file_id, FileKind.serial_photo)):
            stored = s.get(StoredFile, file_id)
            assert stored is not None and stored.kind == kind
            assert stored.owner_id == claim.user_id and stored.expires_at is None  # permanent, the owner's
            assert stored.width <= images.MAX_WIDTH
            path = file_folder.private_path(stored.storage_key).resolve()
            assert path.is_relative_to(root) and not any(path.is_relative_to(p) for p in public)
            with Image.open(io.BytesIO(path.read_bytes())) as im:
                assert im.width == stored.width
            assert file_store.can_view(session=s, user_id=claim.user_id, file_id=stored.id)
            assert file_store.can_view(session=s, user_id=user(s, REVIEWER).id, file_id=stored.id)
            assert not file_store.can_view(session=s, user_id=user(s, NEWCOMER).id, file_id=stored.id)


def test_the_demo_customers_products_all_have_invoices(seeded):
    rows = products.my_products(session=seeded, user_id=user(seeded, CUSTOMER).id)
    assert len(rows) >= 5 and all(r["has_invoice"] for r in rows)


def test_audit_rows_and_outbox_emails_exist_for_every_claim(seeded):
    s = seeded
    reviewer_id = user(s, REVIEWER).id
    for claim in s.exec(select(Redemption)).all():
        events = s.exec(
            select(RedemptionEvent).where(RedemptionEvent.redemption_id == claim.id)
            .order_by(RedemptionEvent.created_at, RedemptionEvent.id)
        ).all()
        assert events[0].from_status is None and events[0].actor_id == claim.user_id
        assert events[-1].to_status == claim.status
        if claim.status != RedemptionStatus.under_review:
            assert any(e.actor_id == reviewer_id for e in events)  # decided by the demo reviewer
        mails = s.exec(select(EmailMessage).where(EmailMessage.redemption_id == claim.id)).all()
        kinds = [m.kind for m in mails]
        expected = {"under_review": [], "needs_info": ["needs_info"], "approved": ["success"],
                    "rejected": ["rejected"]}
        assert kinds == ["claim_received", *expected[claim.status.value]]
        assert claim.submitted_at <= events[-1].created_at or len(events) == 1


def test_the_reviewer_queue_has_other_customers_with_linked_claims(seeded):
    s = seeded
    queue = review_queue.counts(session=s, actor_id=user(s, REVIEWER).id)
    assert queue[RedemptionStatus.under_review] >= 3
    others = [c for c in s.exec(select(Redemption)).all() if c.user_id != user(s, CUSTOMER).id]
    waiting = [c for c in others if c.status == RedemptionStatus.under_review]
    assert len(waiting) >= 2
    links = {r["kind"] for c in waiting for r in claim_review.linked_claims(session=s, actor_id=user(s, REVIEWER).id, claim_id=c.id)}
    assert {claim_review.KIND_SAME_INVOICE, claim_review.KIND_SAME_ADDRESS} <= links
    # The Christmas Deal 2021 exists as approved history on another account.
    xmas = s.exec(select(Promotion).where(Promotion.slug == "christmas-deal-2021")).one()
    assert any(c.promotion_id == xmas.id and c.status == RedemptionStatus.approved for c in others)


def test_the_newcomer_stays_empty_and_the_christmas_deal_stays_free_for_the_demo_customer(seeded):
    s = seeded
    newcomer = user(s, NEWCOMER)
    assert s.exec(select(RegisteredProduct).where(RegisteredProduct.user_id == newcomer.id)).all() == []
    assert claims_of(s, NEWCOMER) == []
    assert s.exec(select(EmailMessage).where(EmailMessage.to_email == NEWCOMER)).all() == []
    # The presenter redeems the Christmas Deal live with the demo date in December 2021.
    customer = user(s, CUSTOMER)
    xmas = s.exec(select(Promotion).where(Promotion.slug == "christmas-deal-2021")).one()
    monitor_2021 = s.exec(
        select(RegisteredProduct).where(RegisteredProduct.user_id == customer.id,
                                        RegisteredProduct.purchase_date == date(2021, 12, 6))
    ).one()
    result = eligibility.check(session=s, product_id=monitor_2021.id, promotion_id=xmas.id,
                               user_id=customer.id, as_of=date(2021, 12, 15))
    assert result.eligible, [r.message for r in result.reasons]


def test_seed_claims_runs_once_and_reset_puts_the_same_story_back(engine, seeded):
    s = seeded
    assert demo_claims.seed_claims(session=s) == {"skipped": True}
    before = [(c.id, c.status, c.reason, c.submitted_at) for c in s.exec(select(Redemption)).all()]
    s.commit()  # a reader left open would hold PostgreSQL's TRUNCATE back
    seconds = demo_kit.reset(engine=engine)
    print(f"\nsecond demo reset with claims: {seconds:.3f} s")
    s.expire_all()
    after = [(c.id, c.status, c.reason, c.submitted_at) for c in s.exec(select(Redemption)).all()]
    assert after == before
    assert demo_kit.get_demo_date(session=s) is None  # the seed's own demo dates leave no trace


def test_seed_claims_with_an_explicit_today(session):
    today = date(2025, 3, 14)
    demo_seed.seed(session=session, today=today)
    result = demo_claims.seed_claims(session=session, today=today)
    session.commit()
    assert result["skipped"] is False and set(result["statuses"]) == {s.value for s in RedemptionStatus}
    assert clock.demo_date(session) is None
    latest = session.execute(sa.select(sa.func.max(Redemption.submitted_at))).scalar_one()
    assert latest.date() <= today


def test_cli_seed_if_empty_loads_the_claims_too(engine, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", str(engine.url))
    settings.reset()
    cli.seed_if_empty()
    assert "demo data loaded" in capsys.readouterr().out
    with db.session_scope(str(engine.url)) as s:
        statuses = {c.status for c in s.exec(select(Redemption)).all()}
    assert statuses == set(RedemptionStatus)
