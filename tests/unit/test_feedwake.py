"""The live pollers are woken by commits that change a claim, and only by those.

In-process wakers on SQLite; on the real PostgreSQL, ``LISTEN`` hears a
decision committed on another connection (never a rolled-back one); with
Redis beside SQLite, the publish after the commit reaches a subscriber.
"""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest
from sqlmodel import Session

from rxapp import db, feedwake, settings
from rxapp.models import Role
from rxapp.services import claims as claim_service
from tests.factories import rows as f

REDIS_URL = os.environ.get("RXAPP_TEST_REDIS_URL", "")


def _submit(s: Session) -> int:
    data = f.claimable(s, codes=1)
    claim = claim_service.submit(
        session=s, user_id=data["user"].id, product_id=data["product"].id,
        promotion_id=data["promotion"].id, recipient=f.RECIPIENT, serial_photo_file_id=data["photo"].id,
    )
    return claim.id


@pytest.fixture()
def wakes():
    calls: list[int] = []
    remove = feedwake.add_waker(lambda: calls.append(1))
    yield calls
    remove()


def test_a_committed_claim_change_wakes_the_pollers_once(session, wakes):
    _submit(session)
    assert wakes == []  # not before the commit: the poller would read nothing
    session.commit()
    assert wakes == [1]


def test_a_rolled_back_claim_change_wakes_nobody(session, wakes):
    _submit(session)
    session.flush()
    session.rollback()
    session.commit()
    assert wakes == []


def test_a_commit_without_a_claim_change_wakes_nobody(session, wakes):
    f.make_user(session)
    session.commit()
    assert wakes == []


def test_a_failing_waker_does_not_fail_the_commit(session, wakes):
    remove = feedwake.add_waker(lambda: 1 / 0)
    try:
        claim_id = _submit(session)
        session.commit()
    finally:
        remove()
    assert wakes == [1] and claim_id


async def _listen_until(condition, act, timeout: float = 10.0) -> int:
    """Run ``feedwake.listen`` until it connected, ``act()`` (in a thread), then count wakes."""
    woken = asyncio.Event()
    up = asyncio.Event()
    count = 0

    def wake():
        nonlocal count
        count += 1
        woken.set()

    stop = asyncio.Event()
    task = asyncio.create_task(feedwake.listen(wake, lambda ok: up.set() if ok else None, stop))
    try:
        await asyncio.wait_for(up.wait(), timeout)
        await asyncio.sleep(0.05)
        woken.clear()
        count = 0
        await asyncio.to_thread(act)
        if condition:
            await asyncio.wait_for(woken.wait(), timeout)
        else:
            await asyncio.sleep(1.0)
        return count
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout)


@pytest.fixture()
def configured(monkeypatch):
    def use(database_url: str, redis_url: str | None = None):
        monkeypatch.setenv("DATABASE_URL", database_url)
        if redis_url:
            monkeypatch.setenv("REDIS_URL", redis_url)
        else:
            monkeypatch.delenv("REDIS_URL", raising=False)
        settings.reset()

    yield use
    monkeypatch.undo()
    settings.reset()
    feedwake._redis = None


@pytest.fixture()
def pg_claim(pg_url, configured):
    """(engine, reviewer id, claim id) on PostgreSQL, the app configured for it."""
    configured(pg_url)
    engine = db.get_engine(pg_url)
    with Session(engine, expire_on_commit=False) as s:
        reviewer = f.make_user(s, role=Role.reviewer)
        claim_id = _submit(s)
        s.commit()
    return engine, reviewer.id, claim_id


@pytest.mark.postgres
def test_postgres_listen_hears_a_decision_committed_on_another_connection(pg_claim):
    engine, reviewer_id, claim_id = pg_claim

    def decide():
        with Session(engine) as s:
            claim_service.decide(session=s, claim_id=claim_id, reviewer_id=reviewer_id, decision="approve")
            s.commit()

    assert asyncio.run(_listen_until(True, decide)) >= 1


@pytest.mark.postgres
def test_postgres_listen_hears_nothing_of_a_rolled_back_decision(pg_claim):
    engine, reviewer_id, claim_id = pg_claim

    def decide_then_roll_back():
        with Session(engine) as s:
            claim_service.decide(session=s, claim_id=claim_id, reviewer_id=reviewer_id, decision="approve")
            s.flush()  # the notify is queued inside the transaction…
            s.rollback()  # …and dropped with it

    assert asyncio.run(_listen_until(False, decide_then_roll_back)) == 0


def test_redis_beside_sqlite_carries_the_wake_up_to_other_workers(tmp_path, configured):
    if not REDIS_URL:
        pytest.skip("RXAPP_TEST_REDIS_URL is not set")
    # A channel of this test's own, so parallel runs on one Redis do not hear each other.
    channel = f"{feedwake.CHANNEL}-{uuid.uuid4().hex[:8]}"
    db_url = f"sqlite:///{tmp_path / 'feed.db'}"  # SQLite on purpose, in either test pass
    db.migrate(db_url)
    configured(db_url, REDIS_URL)
    engine = db.get_engine(db_url)
    original = feedwake.CHANNEL
    feedwake.CHANNEL = channel
    try:
        def submit():
            with Session(engine, expire_on_commit=False) as s:
                _submit(s)
                s.commit()

        assert asyncio.run(_listen_until(True, submit)) >= 1
    finally:
        feedwake.CHANNEL = original


def test_without_a_shared_signal_nothing_is_listened_to(tmp_path, configured):
    configured(f"sqlite:///{tmp_path / 'feed.db'}")
    assert feedwake.remote_source() is None
