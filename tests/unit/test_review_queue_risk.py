"""The reviewer's queue riskiest first (services.review_queue, issue 18): the claims with the most risk
signals first, then oldest due; keyset pages forwards and back; cursors of the other order ignored."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rxapp.services import queue_filter, review_queue
from rxapp.services.queue_filter import QueueFilter
from tests.factories.rows import S, _claim, _product, _promotion, _rid, _user
from tests.unit.test_review_queue import _walk


def _page(session, flt, **kw):
    return review_queue.queue_page(session=session, actor_id=_rid(session), flt=flt, **kw)


def _made(session, claims):
    """Claims from (status, day, risk): the list of (status, risk, due_on, id)."""
    user, promo = _user(session), _promotion(session)
    made = []
    for status, day, risk in claims:
        c = _claim(session, _product(session, user), promo, status=status, due_on=date(2024, 5, 1) + timedelta(days=day))
        c.risk_score = risk
        session.add(c)
        made.append((status, risk, c.due_on, c.id))
    session.flush()
    return made


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    claims=st.lists(st.tuples(st.sampled_from([S.under_review, S.under_review, S.needs_info, S.approved]),
                              st.integers(0, 4), st.integers(0, 3)), max_size=25),
    limit=st.integers(1, 6),
)
def test_riskiest_first_pages_visit_every_claim_once_forwards_and_back(session, claims, limit):
    session.rollback()
    made = _made(session, claims)
    for flt, status in ((QueueFilter(), S.under_review), (QueueFilter(status=S.needs_info, order="risk"), S.needs_info)):
        assert flt.riskiest_first
        ids, pages = _walk(session, flt, limit)
        # Most risk signals first, then oldest due, then claim number: no claim lost or repeated.
        # Most risk signals first, then oldest due, then claim number: no claim lost or repeated.
        assert ids == [i for _, _, i in sorted((-r, d, i) for st_, r, d, i in made if st_ == status)]
        assert all(len(p.rows) == limit for p in pages[:-1]) and all(len(p.rows) <= limit for p in pages)
        # Back from every page (across the risk boundaries) lands on the page before it.
        for prev, page in zip(pages, pages[1:]):
            back = _page(session, flt, before=page.prev_cursor, limit=limit)
            assert [r["claim_id"] for r in back.rows] == [r["claim_id"] for r in prev.rows]
            assert back.next_cursor == prev.next_cursor
        assert pages[0].prev_cursor is None
    # Due first still reads oldest due first, whatever the risk.
    ids, _ = _walk(session, QueueFilter(order="due"), limit)
    assert ids == [i for _, i in sorted((d, i) for st_, _r, d, i in made if st_ == S.under_review)]
    session.rollback()


def test_a_claim_with_signals_comes_before_an_older_one_without(session):
    (_, _, _, old), (_, _, _, risky), (_, _, _, riskier) = _made(
        session, [(S.under_review, 0, 0), (S.under_review, 4, 1), (S.under_review, 9, 2)])
    assert [r["claim_id"] for r in _page(session, QueueFilter()).rows] == [riskier, risky, old]
    assert [r["risk_score"] for r in _page(session, QueueFilter()).rows] == [2, 1, 0]
    assert [r["claim_id"] for r in _page(session, QueueFilter(order="due")).rows] == [old, risky, riskier]
    # Every status at once has no index by risk: it stays oldest due first (and says so).
    every = QueueFilter(status=None, order="risk")
    assert not every.riskiest_first and every.shown_order == "due"
    assert [r["claim_id"] for r in _page(session, every).rows] == [old, risky, riskier]
    # j / k on a claim follow the same order.
    assert review_queue.neighbours(session=session, actor_id=_rid(session), flt=QueueFilter(),
                                   claim_id=risky) == (riskier, old)
    assert review_queue.neighbours(session=session, actor_id=_rid(session), flt=QueueFilter(order="due"),
                                   claim_id=risky) == (old, riskier)
    assert review_queue.neighbours(session=session, actor_id=_rid(session), flt=QueueFilter(),
                                   claim_id=10**9) == (None, None)
    session.rollback()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(junk=st.one_of(st.text(max_size=80), st.binary(max_size=40).map(lambda b: b.hex()),
                      st.builds(review_queue.encode_cursor, st.dates(), st.integers(1, 10**6)),
                      st.builds(lambda r, d: review_queue.encode_risk_cursor(r, date(2024, 1, 1), d)[:-1] + "!",
                                st.integers(0, 9), st.integers(1, 99))))
def test_a_junk_or_old_cursor_starts_riskiest_first_from_the_beginning(session, junk):
    session.rollback()
    (_, _, _, plain), (_, _, _, risky) = _made(session, [(S.under_review, 0, 0), (S.under_review, 5, 2)])
    assert review_queue.decode_risk_cursor(junk) is None
    for where in ("after", "before"):
        page = _page(session, QueueFilter(), limit=1, **{where: junk})
        assert [r["claim_id"] for r in page.rows] == [risky] and page.prev_cursor is None
    session.rollback()


def test_each_order_ignores_the_others_cursors(session):
    (_, _, _, plain), (_, _, _, risky) = _made(session, [(S.under_review, 0, 0), (S.under_review, 5, 2)])
    risk_cursor = _page(session, QueueFilter(), limit=1).next_cursor
    due_cursor = _page(session, QueueFilter(order="due"), limit=1).next_cursor
    assert review_queue.decode_risk_cursor(risk_cursor) is not None and review_queue.decode_cursor(risk_cursor) is None
    assert [r["claim_id"] for r in _page(session, QueueFilter(order="due"), after=risk_cursor).rows] == [plain, risky]
    assert [r["claim_id"] for r in _page(session, QueueFilter(), after=due_cursor).rows] == [risky, plain]


@given(risk=st.integers(0, 10**9 - 1), day=st.dates(date(1970, 1, 1), date(9999, 12, 31)), cid=st.integers(1, 10**18 - 1))
def test_risk_cursors_round_trip(risk, day, cid):
    assert review_queue.decode_risk_cursor(review_queue.encode_risk_cursor(risk, day, cid)) == (risk, day, cid)


def test_the_order_is_a_filter_choice_with_a_default_per_status():
    assert queue_filter.from_dict({}).riskiest_first
    assert queue_filter.from_dict({"status": "under_review", "order": "due"}).shown_order == "due"
    assert queue_filter.from_dict({"status": "needs_info"}).shown_order == "due"
    assert queue_filter.from_dict({"status": "needs_info", "order": "risk"}).riskiest_first
    assert queue_filter.from_dict({"order": "sideways"}).riskiest_first  # junk: the default
    assert not queue_filter.from_dict({"risk": "audit", "order": "risk"}).riskiest_first
    assert queue_filter.clean_form({"order": "due"})["order"] == "due"
    with pytest.raises(queue_filter.FieldErrors) as refused:
        queue_filter.clean_form({"order": "sideways"})
    assert "order" in refused.value.errors


@pytest.mark.sqlite_only  # reads SQLite's query plan
@pytest.mark.parametrize("flt", [QueueFilter(), QueueFilter(status=S.needs_info, order="risk"),
                                 QueueFilter(promotion_id=1, region_code="FR", checks="failed")])
def test_a_deep_riskiest_first_page_walks_the_risk_index(session, flt):
    _made(session, [(S.under_review, d % 5, d % 3) for d in range(12)])
    index = "ix_redemption_promotion_risk_queue" if flt.promotion_id else "ix_redemption_risk_queue"
    first = " | ".join(review_queue.queue_plan(session=session, flt=flt))
    assert f"USING INDEX {index} " in first and "TEMP B-TREE" not in first, first
    deep = review_queue.encode_risk_cursor(1, date(2024, 5, 2), 5)
    plan = review_queue.queue_plan(session=session, flt=flt, after=deep)
    walks = [line for line in plan if f"USING INDEX {index} " in line]
    # Both halves (the rest of risk 1, the risks below it) are index range walks, no scan of the table;
    # only the two halves' rows (at most two pages) are merged in order.
    assert len(walks) == 2 and all(line.startswith("SEARCH redemption USING INDEX") for line in walks), plan
    assert any("risk_score=?" in line for line in walks) and any("risk_score<?" in line for line in walks), plan
    assert not any(line.startswith("SCAN redemption") for line in plan), plan
