"""The change feed and its cursor: every event delivered once, even when ids commit out of order."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session

from rxapp import db
from rxapp.models import Role
from rxapp.services import changefeed
from rxapp.services import claims as claim_service
from rxapp.services.changefeed import Change, FeedCursor
from tests.factories import rows as f


def ch(*ids: int) -> list[Change]:
    return [Change(event_id=i, claim_id=i, user_id=100 + i) for i in ids]


def ids(changes: list[Change]) -> list[int]:
    return [c.event_id for c in changes]


def test_in_order_events_are_delivered_once_and_the_mark_follows():
    cursor = FeedCursor(5)
    assert ids(cursor.take(ch(6, 7), now=0)) == [6, 7]
    assert cursor.after_id == 7 and not cursor.waiting
    assert cursor.take(ch(), now=1) == []


def test_an_id_committed_after_a_newer_one_is_still_delivered():
    cursor = FeedCursor(9)
    # 10 is inserted but not committed yet; 11 commits first.
    assert ids(cursor.take(ch(11), now=0)) == [11]
    assert cursor.after_id == 9 and cursor.waiting  # keeps reading from 9
    assert ids(cursor.take(ch(11), now=1)) == []  # 11 is not sent twice
    assert ids(cursor.take(ch(10, 11, 12), now=2)) == [10, 12]
    assert cursor.after_id == 12 and not cursor.waiting


def test_a_gap_that_never_fills_is_given_up_after_the_grace():
    cursor = FeedCursor(0, grace=10)
    assert ids(cursor.take(ch(1, 3), now=0)) == [1, 3]
    assert cursor.after_id == 1
    assert ids(cursor.take(ch(3, 4), now=5)) == [4]
    assert cursor.after_id == 1  # still waiting for 2
    assert ids(cursor.take(ch(3, 4), now=10)) == []
    assert cursor.after_id == 4 and not cursor.waiting  # 2 was rolled back


def test_a_later_gap_gets_its_own_grace():
    cursor = FeedCursor(0, grace=10)
    cursor.take(ch(2), now=0)
    cursor.take(ch(2), now=10)  # 1 given up
    assert cursor.after_id == 2
    cursor.take(ch(4), now=15)
    cursor.take(ch(4), now=20)
    assert cursor.after_id == 2 and cursor.waiting  # 3 is only 5 s late
    assert ids(cursor.take(ch(3, 4), now=21)) == [3]
    assert cursor.after_id == 4


@given(st.permutations(list(range(1, 16))), st.lists(st.integers(1, 4), min_size=15, max_size=15))
def test_any_commit_order_delivers_each_event_exactly_once(commit_order, batch_sizes):
    """Ids 1..15 commit in any order; each poll sees every committed id above the cursor's mark."""
    cursor = FeedCursor(0, grace=float("inf"))
    committed: set[int] = set()
    delivered: list[int] = []
    pending = list(commit_order)
    now = 0.0
    for size in batch_sizes:
        committed.update(pending[:size])
        pending = pending[size:]
        now += 1
        visible = ch(*sorted(i for i in committed if i > cursor.after_id))
        delivered += ids(cursor.take(visible, now))
    visible = ch(*sorted(i for i in committed if i > cursor.after_id))
    delivered += ids(cursor.take(visible, now + 1))
    assert sorted(delivered) == list(range(1, 16))
    assert cursor.after_id == 15 and not cursor.waiting


def test_changes_since_lists_events_with_their_claims_owner(session):
    data = f.claimable(session, codes=3)
    start = changefeed.latest_event_id(session=session)
    claim = claim_service.submit(
        session=session, user_id=data["user"].id, product_id=data["product"].id,
        promotion_id=data["promotion"].id, recipient=f.RECIPIENT, serial_photo_file_id=data["photo"].id,
    )
    session.commit()
    changes = changefeed.changes_since(session=session, after_id=start)
    assert [(c.claim_id, c.user_id) for c in changes] == [(claim.id, data["user"].id)]
    assert changefeed.latest_event_id(session=session) == changes[-1].event_id


@pytest.mark.postgres
def test_postgres_decision_committed_after_a_newer_one_is_delivered(pg_url):
    """The real case: two reviewers' decisions, the older id commits last."""
    engine = db.get_engine(pg_url)
    with Session(engine, expire_on_commit=False) as s:
        reviewer = f.make_user(s, role=Role.reviewer)
        claims = []
        for _ in range(2):
            data = f.claimable(s, codes=1)
            claims.append(claim_service.submit(
                session=s, user_id=data["user"].id, product_id=data["product"].id,
                promotion_id=data["promotion"].id, recipient=f.RECIPIENT,
                serial_photo_file_id=data["photo"].id,
            ).id)
        s.commit()
        cursor = FeedCursor(changefeed.latest_event_id(session=s))
    with Session(engine) as slow, Session(engine) as fast, Session(engine) as reader:
        claim_service.decide(session=slow, claim_id=claims[0], reviewer_id=reviewer.id, decision="approve")
        slow.flush()  # takes the older event id, not committed yet
        claim_service.decide(session=fast, claim_id=claims[1], reviewer_id=reviewer.id, decision="approve")
        fast.commit()
        first = cursor.take(changefeed.changes_since(session=reader, after_id=cursor.after_id), now=0)
        reader.rollback()
        slow.commit()
        second = cursor.take(changefeed.changes_since(session=reader, after_id=cursor.after_id), now=1)
    assert [c.claim_id for c in first] == [claims[1]]
    assert [c.claim_id for c in second] == [claims[0]]
    assert not cursor.waiting


def test_a_reset_that_reuses_old_ids_is_noticed(session):
    """After the Demo Kit's reset the event ids start again from 1: a cursor past them must start over
    (it delivered nothing after a reset: the demo's live decisions stopped arriving)."""
    data = f.claimable(session, codes=3)
    claim_service.submit(
        session=session, user_id=data["user"].id, product_id=data["product"].id,
        promotion_id=data["promotion"].id, recipient=f.RECIPIENT, serial_photo_file_id=data["photo"].id,
    )
    session.commit()
    latest = changefeed.latest_event_id(session=session)
    assert not changefeed.went_back(session=session, after_id=latest)
    assert changefeed.went_back(session=session, after_id=latest + 500)
