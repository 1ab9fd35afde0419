"""Approve with an undo window (services.pending_approvals): nothing happens until the window ends."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from rxapp.models import EmailMessage, PendingApproval, PromotionCode, Redemption, RedemptionStatus, Role, utcnow
from rxapp.services import claims, pending_approvals
from rxapp.services.errors import Conflict, Forbidden
from tests.factories import flows
from tests.factories import rows as f


@pytest.fixture()
def world(session):
    data = f.claimable(session, codes=3)
    data["reviewer"] = f.make_user(session, email="reviewer@msi.test", role=Role.reviewer)
    data["other"] = f.make_user(session, email="other@msi.test", role=Role.reviewer)
    session.commit()
    data["claim"] = flows.claim(session, data["product"], data["promotion"])
    session.commit()
    return data


def _code(session, claim_id):
    return session.exec(select(PromotionCode).where(PromotionCode.redemption_id == claim_id)).one()


def _emails(session, claim_id):
    return session.exec(select(EmailMessage.kind).where(EmailMessage.redemption_id == claim_id)).all()


def test_approve_later_changes_nothing_until_the_window_ends(session, world):
    claim, now = world["claim"], utcnow()
    mails = len(_emails(session, claim.id))
    p = pending_approvals.approve_later(session=session, claim_id=claim.id, reviewer_id=world["reviewer"].id,
                                        expected_version=claim.version, now=now)
    session.commit()
    assert p.reviewer_email == "reviewer@msi.test" and p.seconds_left(now) == pending_approvals.UNDO_SECONDS
    assert session.get(Redemption, claim.id).status == RedemptionStatus.under_review
    assert _code(session, claim.id).issued_at is None and len(_emails(session, claim.id)) == mails
    # Not yet due: settle does nothing.
    assert pending_approvals.settle(session=session, claim_id=claim.id, now=now) is None
    assert pending_approvals.due(session=session, now=now) == []
    later = now + timedelta(seconds=pending_approvals.UNDO_SECONDS)
    assert pending_approvals.due(session=session, now=later) == [claim.id]
    done = pending_approvals.settle(session=session, claim_id=claim.id, now=later)
    session.commit()
    assert done.approved and done.code == _code(session, claim.id).code
    assert session.get(Redemption, claim.id).status == RedemptionStatus.approved
    assert _code(session, claim.id).issued_at is not None
    assert session.get(PendingApproval, claim.id) is None
    # Only one caller commits it: a second settle finds nothing.
    assert pending_approvals.settle(session=session, claim_id=claim.id, now=later) is None


def test_undo_inside_the_window_leaves_the_claim_as_it_was(session, world):
    claim = world["claim"]
    pending_approvals.approve_later(session=session, claim_id=claim.id, reviewer_id=world["reviewer"].id,
                                    expected_version=claim.version)
    assert pending_approvals.undo(session=session, claim_id=claim.id, reviewer_id=world["reviewer"].id) is True
    session.commit()
    assert pending_approvals.pending(session=session, claim_id=claim.id, actor_id=world["reviewer"].id) is None
    assert pending_approvals.settle(session=session, claim_id=claim.id, now=utcnow() + timedelta(hours=1)) is None
    assert session.get(Redemption, claim.id).status == RedemptionStatus.under_review
    assert _code(session, claim.id).issued_at is None
    # Too late: nothing to undo.
    assert pending_approvals.undo(session=session, claim_id=claim.id, reviewer_id=world["reviewer"].id) is False


def test_one_pending_approval_per_claim_and_a_stale_version_is_refused(session, world):
    claim = world["claim"]
    pending_approvals.approve_later(session=session, claim_id=claim.id, reviewer_id=world["reviewer"].id,
                                    expected_version=claim.version)
    with pytest.raises(Conflict, match="reviewer@msi.test approved this claim a moment ago"):
        pending_approvals.approve_later(session=session, claim_id=claim.id, reviewer_id=world["other"].id,
                                        expected_version=claim.version)
    with pytest.raises(Conflict):
        pending_approvals.approve_later(session=session, claim_id=claim.id, reviewer_id=world["other"].id,
                                        expected_version=claim.version - 1)


def test_a_claim_decided_inside_the_window_is_not_approved_blind(session, world):
    claim = world["claim"]
    pending_approvals.approve_later(session=session, claim_id=claim.id, reviewer_id=world["reviewer"].id,
                                    expected_version=claim.version)
    session.commit()
    claims.decide(session=session, claim_id=claim.id, reviewer_id=world["other"].id, decision="reject",
                  reason="The invoice looks edited.")
    session.commit()
    done = pending_approvals.settle(session=session, claim_id=claim.id,
                                    now=utcnow() + timedelta(seconds=pending_approvals.UNDO_SECONDS))
    session.commit()
    assert done is not None and not done.approved and "Already decided by other@msi.test" in done.problem
    assert session.get(Redemption, claim.id).status == RedemptionStatus.rejected
    assert session.get(PendingApproval, claim.id) is None  # dropped, not retried for ever


def test_only_reviewers_approve_or_undo(session, world):
    claim, customer = world["claim"], world["user"]
    with pytest.raises(Forbidden):
        pending_approvals.approve_later(session=session, claim_id=claim.id, reviewer_id=customer.id,
                                        expected_version=claim.version)
    with pytest.raises(Forbidden):
        pending_approvals.undo(session=session, claim_id=claim.id, reviewer_id=customer.id)
    with pytest.raises(Forbidden):
        pending_approvals.pending(session=session, claim_id=claim.id, actor_id=customer.id)


def test_a_bulk_approve_shares_one_window_refuses_each_stale_claim_on_its_own_and_undoes_as_one(session, world):
    first = world["claim"]

    def another_claim():
        product = f.make_product(session, f.make_user(session), model=world["model"])
        session.commit()
        return flows.claim(session, product, world["promotion"])

    second, stale = another_claim(), another_claim()
    session.commit()
    claims.decide(session=session, claim_id=stale.id, reviewer_id=world["other"].id, decision="reject",
                  reason="The invoice looks edited.")
    session.commit()
    now, reviewer = utcnow(), world["reviewer"].id
    versions = {first.id: first.version, second.id: second.version, stale.id: stale.version - 1}
    items = pending_approvals.approve_batch_later(session=session, versions=versions, reviewer_id=reviewer, now=now)
    session.commit()
    got = {it.claim_id: it for it in items}
    assert got[first.id].pending.due_at == got[second.id].pending.due_at
    assert got[first.id].pending.seconds_left(now) == pending_approvals.UNDO_SECONDS
    assert got[stale.id].pending is None and "Already decided by other@msi.test" in got[stale.id].problem
    # Nothing decided yet; one undo takes the batch back (another reviewer's undo of it takes nothing).
    assert session.get(Redemption, first.id).status == RedemptionStatus.under_review
    assert _code(session, first.id).issued_at is None
    assert pending_approvals.undo_batch(session=session, claim_ids=[first.id, second.id],
                                        reviewer_id=world["other"].id) == []
    assert pending_approvals.undo_batch(session=session, claim_ids=[first.id, second.id, stale.id],
                                        reviewer_id=reviewer) == [first.id, second.id]
    session.commit()
    assert pending_approvals.outcome(session=session, claim_id=first.id).problem.startswith(
        "The approval was taken back")
    assert pending_approvals.settle(session=session, claim_id=first.id, now=now + timedelta(hours=1)) is None

    # Approved again and left to its window: settled like a single approval.
    pending_approvals.approve_batch_later(session=session, versions={first.id: first.version}, reviewer_id=reviewer,
                                          now=now)
    session.commit()
    assert pending_approvals.outcome(session=session, claim_id=first.id) is None  # still waiting
    done = pending_approvals.settle(session=session, claim_id=first.id,
                                    now=now + timedelta(seconds=pending_approvals.UNDO_SECONDS))
    session.commit()
    assert done.approved and session.get(Redemption, first.id).status == RedemptionStatus.approved
    assert pending_approvals.outcome(session=session, claim_id=first.id) == pending_approvals.Settled(
        claim_id=first.id, approved=True, code=_code(session, first.id).code)
    # Too late to undo.
    assert pending_approvals.undo_batch(session=session, claim_ids=[first.id], reviewer_id=reviewer) == []


def test_only_reviewers_approve_or_undo_a_batch(session, world):
    claim, customer = world["claim"], world["user"]
    with pytest.raises(Forbidden):
        pending_approvals.approve_batch_later(session=session, versions={claim.id: claim.version},
                                              reviewer_id=customer.id)
    with pytest.raises(Forbidden):
        pending_approvals.undo_batch(session=session, claim_ids=[claim.id], reviewer_id=customer.id)
