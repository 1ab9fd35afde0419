"""services.access, and every service that depends on who acts: a customer is refused."""

from __future__ import annotations

from datetime import date

import pytest

from rxapp.models import RedemptionStatus, Role
from rxapp.services import (
    access,
    claim_export,
    claim_history,
    claim_review,
    claims,
    codes,
    decision_policy,
    insights,
    pending_approvals,
    promotions_admin,
    reason_templates,
    review_queue,
)
from rxapp.services.errors import Forbidden
from tests.factories.rows import _user, _reviewer

def test_only_reviewers_and_admins_pass(session):
    customer = _user(session)
    assert access.require_reviewer(session=session, user_id=_reviewer(session).id).role == Role.reviewer
    assert access.require_reviewer(session=session, user_id=_user(session, role=Role.admin).id).role == Role.admin
    for uid in (customer.id, None, 0, 999_999):
        with pytest.raises(Forbidden):
            access.require_reviewer(session=session, user_id=uid)


def test_check_reviewer_reads_the_role_as_stored_now(session):
    """The reads' check (one statement, no ORM row) agrees with ``require_reviewer``, and sees a role
    changed earlier in the same transaction, not yet flushed."""
    reviewer, admin, customer = _reviewer(session), _user(session, role=Role.admin), _user(session)
    access.check_reviewer(session=session, user_id=reviewer.id)
    access.check_reviewer(session=session, user_id=admin.id)
    assert access.role_of(session, customer.id) is Role.customer and access.role_of(session, 999_999) is None
    with pytest.raises(Forbidden):
        access.check_reviewer(session=session, user_id=customer.id)
    reviewer.role = Role.customer  # demoted, unflushed
    with pytest.raises(Forbidden):
        access.check_reviewer(session=session, user_id=reviewer.id)
    customer.role = Role.reviewer
    access.check_reviewer(session=session, user_id=customer.id)


JUNK_IDS = [None, 0, -1, True, False, "1", "abc", 1.5, [], {}, 2**70, 999_999]


@pytest.mark.parametrize("junk", JUNK_IDS, ids=repr)
def test_access_refuses_junk_ids(session, junk):
    _reviewer(session)  # a reviewer exists: junk must not find them
    _user(session, role=Role.admin)
    for check in (access.require_user, access.require_reviewer, access.check_reviewer, access.require_admin):
        with pytest.raises(Forbidden):
            check(session=session, user_id=junk)


def test_require_admin_refuses_a_reviewer_and_require_user_takes_anyone(session):
    customer, reviewer, admin = _user(session), _reviewer(session), _user(session, role=Role.admin)
    with pytest.raises(Forbidden):
        access.require_admin(session=session, user_id=reviewer.id)
    assert access.require_admin(session=session, user_id=admin.id) is admin
    assert access.require_user(session=session, user_id=customer.id) is customer
    assert not access.is_reviewer(customer) and access.is_reviewer(reviewer) and access.is_reviewer(admin)
    assert not access.is_reviewer(None)


# Each guarded service, called as an actor: it must check the role itself.
GUARDED = {
    "review_queue.queue_page": lambda s, uid: review_queue.queue_page(session=s, actor_id=uid),
    "review_queue.counts": lambda s, uid: review_queue.counts(session=s, actor_id=uid),
    "review_queue.rows_in_chunks": lambda s, uid: review_queue.rows_in_chunks(
        session=s, actor_id=uid, today=date(2024, 5, 1)
    ),
    "review_queue.promotion_choices": lambda s, uid: review_queue.promotion_choices(session=s, actor_id=uid),
    "claim_export.export_csv": lambda s, uid: claim_export.export_csv(session=s, actor_id=uid),
    "claim_review.claim_detail": lambda s, uid: claim_review.claim_detail(session=s, actor_id=uid, claim_id=1),
    "claim_review.linked_claims": lambda s, uid: claim_review.linked_claims(session=s, actor_id=uid, claim_id=1),
    "claim_history.reviewer_timeline": lambda s, uid: claim_history.reviewer_timeline(
        session=s, actor_id=uid, claim_id=1
    ),
    "reason_templates.list_templates": lambda s, uid: reason_templates.list_templates(session=s, actor_id=uid),
    "reason_templates.create_template": lambda s, uid: reason_templates.create_template(
        session=s, actor_id=uid, text="Please send the invoice.", missing_document="invoice"
    ),
    "reason_templates.update_template": lambda s, uid: reason_templates.update_template(
        session=s, actor_id=uid, template_id=1, text="x", missing_document="invoice"
    ),
    "reason_templates.delete_template": lambda s, uid: reason_templates.delete_template(
        session=s, actor_id=uid, template_id=1
    ),
    "codes.import_csv": lambda s, uid: codes.import_csv(session=s, actor_id=uid, promotion_id=1, text="AAAA1111"),
    "insights.dashboard": lambda s, uid: insights.dashboard(session=s, actor_id=uid),
    "decision_policy.policies": lambda s, uid: decision_policy.policies(session=s, actor_id=uid),
    "promotions_admin.create_promotion": lambda s, uid: promotions_admin.create_promotion(
        session=s, actor_id=uid, form={}
    ),
    "promotions_admin.update_promotion": lambda s, uid: promotions_admin.update_promotion(
        session=s, actor_id=uid, promotion_id=1, form={}
    ),
    "claims.decide": lambda s, uid: claims.decide(session=s, claim_id=1, reviewer_id=uid, decision="approve"),
    "claims.ship": lambda s, uid: claims.ship(
        session=s, claim_id=1, reviewer_id=uid, status="delivered", expected_version=1
    ),
    "review_queue.hidden_matches": lambda s, uid: review_queue.hidden_matches(
        session=s, actor_id=uid, flt=review_queue.QueueFilter(search="ada@")
    ),
    "pending_approvals.approve_later": lambda s, uid: pending_approvals.approve_later(
        session=s, claim_id=1, reviewer_id=uid, expected_version=1
    ),
    "pending_approvals.undo": lambda s, uid: pending_approvals.undo(session=s, claim_id=1, reviewer_id=uid),
    "pending_approvals.pending": lambda s, uid: pending_approvals.pending(session=s, claim_id=1, actor_id=uid),
}


@pytest.mark.parametrize("name", sorted(GUARDED))
def test_a_customer_is_refused_by_every_guarded_service(session, name):
    customer = _user(session)
    with pytest.raises(Forbidden):
        GUARDED[name](session, customer.id)


@pytest.mark.parametrize("name", sorted(GUARDED))
def test_an_unknown_actor_is_refused_by_every_guarded_service(session, name):
    with pytest.raises(Forbidden):
        GUARDED[name](session, 999_999)


def test_a_reviewer_passes_the_read_side(session):
    rid = _reviewer(session).id
    assert review_queue.queue_page(session=session, actor_id=rid).rows == []
    assert review_queue.counts(session=session, actor_id=rid)[RedemptionStatus.under_review] == 0
    assert review_queue.promotion_choices(session=session, actor_id=rid) == []
    assert reason_templates.list_templates(session=session, actor_id=rid) == []
    assert len(list(claim_export.export_csv(session=session, actor_id=rid))) == 1  # the header
