"""Races, for real: threads with their own sessions released together by a
barrier, on one SQLite file and (with RXAPP_TEST_DATABASE_URL) on PostgreSQL.

Each writer uses ``db.write_session`` as the app does.  The assertions are on
outcomes only (who won, what the others were told, what the database holds),
never on timing.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from rxapp import db
from rxapp.models import (
    EmailMessage,
    FileKind,
    PromotionCode,
    Redemption,
    RedemptionEvent,
    RedemptionStatus,
    Role,
)
from rxapp.services import claims as claim_service
from rxapp.services import clock, codes
from rxapp.services.errors import Conflict, ServiceError
from tests.factories import rows as f


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request):
    if request.param == "sqlite":
        yield request.getfixturevalue("db_url")
        db._engines.pop(request.getfixturevalue("db_url"), None)
    else:
        pg = request.getfixturevalue("pg_url")
        yield pg
        db.get_engine(pg).dispose()


def run_together(n: int, work) -> list:
    """Run ``work(i)`` in ``n`` threads released at once; returns each result or exception."""
    barrier = threading.Barrier(n)

    def one(i):
        barrier.wait()
        try:
            return work(i)
        except Exception as exc:  # noqa: BLE001 - the outcome is what we assert on
            return exc

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))


def outcome(result) -> str:
    if isinstance(result, ServiceError):
        return f"{type(result).__name__}: {result.message}"
    if isinstance(result, Exception):
        return f"CRASH {type(result).__name__}: {result}"
    return "ok"


def _setup(url, build):
    with db.session_scope(url) as s:
        return build(s)


@pytest.mark.parametrize("opener", ["write_session", "session_scope"])
def test_twenty_simultaneous_submissions_make_one_claim(url, opener):
    """Also with a plain ``session_scope`` (deferred transactions on SQLite): still
    one claim and 19 "already redeemed", never "database is locked"."""
    def build(s):
        data = f.claimable(s, codes=5)
        return {k: data[k].id for k in ("user", "product", "promotion", "photo")}

    ids = _setup(url, build)

    def work(_):
        with getattr(db, opener)(url) as s:
            return claim_service.submit(
                session=s, user_id=ids["user"], product_id=ids["product"], promotion_id=ids["promotion"],
                recipient=f.RECIPIENT, serial_photo_file_id=ids["photo"],
            ).id

    results = run_together(20, work)
    outcomes = Counter(outcome(r) for r in results)
    assert outcomes == {"ok": 1, f"Conflict: {claim_service.ALREADY_REDEEMED}": 19}, outcomes
    with Session(db.get_engine(url)) as s:
        (claim,) = s.exec(select(Redemption)).all()
        assert len(s.exec(select(RedemptionEvent)).all()) == 1
        assert len(s.exec(select(EmailMessage).where(EmailMessage.kind == "claim_received")).all()) == 1
        held = s.exec(select(PromotionCode).where(PromotionCode.redemption_id.is_not(None))).all()
        assert [c.redemption_id for c in held] == [claim.id]


@pytest.mark.parametrize("opener", ["write_session", "session_scope"])
def test_two_reviewers_deciding_at_once_one_wins_the_other_is_told(url, opener):
    def build(s):
        data = f.claimable(s, codes=2)
        claim = claim_service.submit(
            session=s, user_id=data["user"].id, product_id=data["product"].id, promotion_id=data["promotion"].id,
            recipient=f.RECIPIENT, serial_photo_file_id=data["photo"].id,
        )
        a = f.make_user(s, email="anna@msi.test", role=Role.reviewer)
        b = f.make_user(s, email="bob@msi.test", role=Role.reviewer)
        return claim.id, a.id, b.id

    claim_id, anna, bob = _setup(url, build)
    moves = [(anna, "approve", ""), (bob, "reject", "The invoice is unreadable.")]

    def work(i):
        reviewer, decision, reason = moves[i]
        with getattr(db, opener)(url) as s:
            claim_service.decide(session=s, claim_id=claim_id, reviewer_id=reviewer, decision=decision, reason=reason,
                      expected_version=1)
            return decision

    results = run_together(2, work)
    winners = [r for r in results if r in ("approve", "reject")]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1 and len(losers) == 1, [outcome(r) for r in results]
    told = losers[0].message
    if winners[0] == "approve":
        assert told.startswith("Already decided by anna@msi.test at ") and ": Redeem Success." in told
    else:
        assert told.startswith("Already decided by bob@msi.test at ")
        assert ": Rejected: The invoice is unreadable." in told
    with Session(db.get_engine(url)) as s:
        claim = s.get(Redemption, claim_id)
        assert claim.version == 2
        assert claim.status == (RedemptionStatus.approved if winners[0] == "approve" else RedemptionStatus.rejected)
        assert len(s.exec(select(RedemptionEvent).where(RedemptionEvent.redemption_id == claim_id)).all()) == 2
        assert len(s.exec(select(EmailMessage).where(EmailMessage.redemption_id == claim_id)).all()) == 2


def _customers(s, n: int, codes: int):
    """``n`` customers with an eligible product each, one promotion with ``codes`` codes."""
    category = f.make_category(s)
    model = f.make_model(s, category)
    store = f.make_store(s, "FR")
    promotion = f.make_promotion(s, categories=[category], codes=codes)
    clock.set_demo_date(s, promotion.starts_on.replace(day=10))
    people = []
    for _ in range(n):
        user = f.make_user(s)
        product = f.make_product(s, user, model=model, store=store)
        photo = f.make_file(s, user, FileKind.serial_photo)
        people.append((user.id, product.id, photo.id))
    reviewers = [f.make_user(s, role=Role.reviewer).id for _ in range(2)]
    return promotion.id, people, reviewers


def _issued(url, promotion_id):
    with Session(db.get_engine(url)) as s:
        return s.exec(
            select(PromotionCode.code, PromotionCode.redemption_id).where(
                PromotionCode.promotion_id == promotion_id, PromotionCode.issued_at.is_not(None)
            )
        ).all()


def test_200_submissions_race_for_100_codes_then_200_approvals_issue_exactly_100(url):
    promotion_id, people, reviewers = _setup(url, lambda s: _customers(s, 200, 100))

    def submit(i):
        user_id, product_id, photo_id = people[i]
        with db.write_session(url) as s:
            return claim_service.submit(
                session=s, user_id=user_id, product_id=product_id, promotion_id=promotion_id,
                recipient=f.RECIPIENT, serial_photo_file_id=photo_id,
            ).id

    results = run_together(200, submit)
    claims = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, claim_service.NotEligible)]
    assert len(claims) == 100 and len(refused) == 100, Counter(outcome(r) for r in results if not isinstance(r, int))
    assert all([x.rule for x in r.reasons] == ["stock"] and "Out of stock" in r.message for r in refused)

    # Every claim is approved by two reviewers at once: 200 approvals.
    def approve(i):
        with db.write_session(url) as s:
            claim_service.decide(session=s, claim_id=claims[i // 2], reviewer_id=reviewers[i % 2], decision="approve")
            return "ok"

    results = run_together(200, approve)
    outcomes = Counter(outcome(r).split(" at ")[0] for r in results)
    assert outcomes["ok"] == 100 and sum(outcomes.values()) == 200
    assert all(o.startswith("Conflict: Already decided by") for o in outcomes if o != "ok"), outcomes
    issued = _issued(url, promotion_id)
    assert len(issued) == 100
    assert len({code for code, _ in issued}) == 100 and {claim for _, claim in issued} == set(claims)


def test_200_approvals_of_claims_without_reserved_codes_never_issue_a_code_twice(url):
    """Claims that hold no code (e.g. imported from an older system) reserve at approval:
    200 of them approved at once over 100 codes → 100 approved, 100 told the pool is empty."""

    def build(s):
        promotion_id, people, reviewers = _customers(s, 200, 100)
        claim_ids = []
        for user_id, product_id, photo_id in people:
            # Submitted through the service (which reserves a code), then the code goes back to
            # the pool: a claim under review that holds no code.
            claim = claim_service.submit(
                session=s, user_id=user_id, product_id=product_id, promotion_id=promotion_id,
                recipient=f.RECIPIENT, serial_photo_file_id=photo_id,
            )
            codes.release(session=s, redemption_id=claim.id)
            claim_ids.append(claim.id)
        return promotion_id, claim_ids, reviewers[0]

    promotion_id, claim_ids, reviewer = _setup(url, build)

    def approve(i):
        with db.write_session(url) as s:
            claim_service.decide(session=s, claim_id=claim_ids[i], reviewer_id=reviewer, decision="approve")
            return "ok"

    results = run_together(200, approve)
    outcomes = Counter(outcome(r).split("“")[0] for r in results)
    assert outcomes == {"ok": 100, "Conflict: The code pool of ": 100}, outcomes
    issued = _issued(url, promotion_id)
    assert len(issued) == 100 and len({code for code, _ in issued}) == 100
    with Session(db.get_engine(url)) as s:
        approved = s.exec(
            select(sa.func.count()).select_from(Redemption).where(Redemption.status == RedemptionStatus.approved)
        ).one()
        assert approved == 100
