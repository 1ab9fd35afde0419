"""Shipping (services.claims.ship): forward only, over the version the reviewer saw, audited, live."""

from __future__ import annotations

import pytest
from sqlmodel import select

from rxapp.models import PrizeType, RedemptionEvent, RedemptionStatus, Role, ShippingStatus
from rxapp.services import changefeed, claim_history, claims
from rxapp.services.errors import Conflict, FieldErrors, Forbidden
from tests.factories import rows as f


@pytest.fixture()
def approved(session):
    data = f.claimable(session, codes=3)
    reviewer = f.make_user(session, email="reviewer@msi.test", role=Role.reviewer)
    other = f.make_user(session, email="other-reviewer@msi.test", role=Role.reviewer)
    promo = f.make_promotion(session, categories=[data["category"]], prize_type=PrizeType.physical,
                             prize_name="MSI backpack", physical_stock=10)
    claim = claims.submit(session=session, user_id=data["user"].id, product_id=data["product"].id,
                      promotion_id=promo.id, recipient=f.RECIPIENT, serial_photo_file_id=data["photo"].id)
    claims.decide(session=session, claim_id=claim.id, reviewer_id=reviewer.id, decision="approve")
    session.commit()
    return {"claim": claim, "reviewer": reviewer, "other": other, "user": data["user"]}


def advance(session, w, status, tracking="", *, version=None, who="reviewer"):
    return claims.ship(session=session, claim_id=w["claim"].id, reviewer_id=w[who].id, status=status,
                       tracking_number=tracking,
                       expected_version=w["claim"].version if version is None else version)


def test_shipped_then_delivered_each_audited_and_seen_by_the_live_feed(session, approved):
    claim = approved["claim"]
    assert claim.shipping_status == ShippingStatus.preparing
    start = changefeed.latest_event_id(session=session)
    advance(session, approved, "shipped", " 1Z999AA10123456784 ")
    assert claim.shipping_status == ShippingStatus.shipped and claim.tracking_number == "1Z999AA10123456784"
    assert claim.status == RedemptionStatus.approved
    change = changefeed.changes_since(session=session, after_id=start)
    assert [(c.claim_id, c.user_id) for c in change] == [(claim.id, approved["user"].id)]
    advance(session, approved, ShippingStatus.delivered)
    assert claim.shipping_status == ShippingStatus.delivered and claim.tracking_number == "1Z999AA10123456784"
    trail = select(RedemptionEvent).where(RedemptionEvent.redemption_id == claim.id).order_by(RedemptionEvent.id)
    reasons = [e.reason for e in session.exec(trail)]
    assert reasons[-2:] == ["Shipping: shipped (tracking 1Z999AA10123456784)",
                            "Shipping: delivered (tracking 1Z999AA10123456784)"]
    row = claim_history.history(session=session, user_id=approved["user"].id)[0]
    assert row["shipping_status"] == "delivered" and row["tracking_number"] == "1Z999AA10123456784"


def test_shipped_needs_a_tracking_number_and_bad_input_changes_nothing(session, approved):
    claim = approved["claim"]
    version = claim.version
    with pytest.raises(FieldErrors) as exc:
        advance(session, approved, "shipped", "   ")
    assert "tracking number" in exc.value.errors["tracking_number"]
    with pytest.raises(FieldErrors) as exc:
        advance(session, approved, "shipped", "1Z\x00")
    assert "tracking_number" in exc.value.errors
    with pytest.raises(FieldErrors) as exc:
        advance(session, approved, "lost")
    assert "status" in exc.value.errors
    session.rollback()
    session.refresh(claim)
    assert claim.version == version and claim.shipping_status == ShippingStatus.preparing


def test_only_reviewers(session, approved):
    with pytest.raises(Forbidden):
        advance(session, approved, "shipped", "1Z", who="user")


def test_a_stale_page_is_told_who_moved_the_parcel(session, approved):
    seen = approved["claim"].version
    advance(session, approved, "shipped", "1Z111", who="other")
    session.commit()
    with pytest.raises(Conflict, match=r"Already updated by other-reviewer@msi\.test at .*Shipping: shipped"):
        advance(session, approved, "delivered", version=seen)
    with pytest.raises(Conflict, match="only move forward"):
        advance(session, approved, "preparing")
