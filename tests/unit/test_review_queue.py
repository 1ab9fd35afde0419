"""The reviewer's queue (services.review_queue): keyset pages, filters, counts, plans."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rxapp.services import clock, review_queue
from tests.factories.rows import (
    S,
    _claim,
    _model,
    _product,
    _promotion,
    _rid,
    _store,
    _user,
)


# --------------------------------------------------------------------------- queue


def _walk(session, flt, limit):
    """Every page from the first, following next_cursor; returns (ids, pages)."""
    ids, pages, after = [], [], None
    for _ in range(1000):  # a cursor that never advances fails instead of hanging
        page = review_queue.queue_page(session=session, actor_id=_rid(session), flt=flt, after=after, limit=limit)
        pages.append(page)
        ids += [r["claim_id"] for r in page.rows]
        if page.next_cursor is None:
            return ids, pages
        after = page.next_cursor
    raise AssertionError("the queue never reached its last page")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    claims=st.lists(st.tuples(st.sampled_from(list(S)), st.integers(0, 6)), min_size=0, max_size=25),
    limit=st.integers(1, 7),
)
def test_keyset_pages_visit_every_open_claim_once_oldest_due_first(session, claims, limit):
    session.rollback()
    user = _user(session)
    promo = _promotion(session)
    expected = []
    for status, day in claims:
        c = _claim(session, _product(session, user), promo, status=status, due_on=date(2024, 5, 1) + timedelta(days=day))
        if status == S.under_review:
            expected.append((c.due_on, c.id))
    ids, pages = _walk(session, review_queue.QueueFilter(), limit)
    assert ids == [cid for _, cid in sorted(expected)]
    assert all(len(p.rows) <= limit for p in pages)
    assert all(len(p.rows) == limit for p in pages[:-1])
    # Going back from any page lands on the page before it.
    for prev, page in zip(pages, pages[1:]):
        back = review_queue.queue_page(session=session, actor_id=_rid(session), flt=review_queue.QueueFilter(), before=page.prev_cursor, limit=limit)
        assert [r["claim_id"] for r in back.rows] == [r["claim_id"] for r in prev.rows]
    # Every status at once, same order rule.
    all_ids, _ = _walk(session, review_queue.QueueFilter(status=None), limit)
    session.rollback()
    assert len(all_ids) == len(claims)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(junk=st.one_of(st.text(max_size=80), st.binary(max_size=40).map(lambda b: b.hex())))
def test_a_junk_cursor_starts_from_the_beginning(session, junk):
    session.rollback()
    user = _user(session)
    promo = _promotion(session)
    first = _claim(session, _product(session, user), promo, due_on=date(2024, 1, 1))
    _claim(session, _product(session, user), promo, due_on=date(2024, 1, 2))
    if review_queue.decode_cursor(junk) is None:
        page = review_queue.queue_page(session=session, actor_id=_rid(session), after=junk, limit=1)
        assert page.rows[0]["claim_id"] == first.id
    session.rollback()


@given(day=st.dates(date(1970, 1, 1), date(9999, 12, 31)), cid=st.integers(1, 10**18 - 1))
def test_cursors_round_trip(day, cid):
    assert review_queue.decode_cursor(review_queue.encode_cursor(day, cid)) == (day, cid)


def test_rows_carry_what_the_queue_shows(session):
    user = _user(session, email="ada@example.com")
    store = _store(session, "DE", name="Media Markt Berlin")
    model = _model(session, name="Optix MPG341CQR")
    product = _product(session, user, serial="K1234567890", model=model, region="DE", store=store)
    promo = _promotion(session, name="Christmas Deals", regions=("DE",))
    clock.set_demo_date(session, date(2024, 5, 2))
    late = _claim(session, product, promo, due_on=date(2024, 5, 1))
    (row,) = review_queue.queue_page(session=session, actor_id=_rid(session)).rows
    assert row == {
        "claim_id": late.id,
        "submitted_on": date(2024, 4, 10),
        "due_on": date(2024, 5, 1),
        "overdue": True,
        "status": "under_review",
        "promotion_name": "Christmas Deals",
        "product_name": "Optix MPG341CQR",
        "serial": "K1234567890",
        "customer_email": "ada@example.com",
        "region_code": "DE",
        "store_name": "Media Markt Berlin",
        "version": late.version,
        "risk_score": 0,  # the risk signals kept when it was sent (the fast track's, none here)
    }
    clock.set_demo_date(session, date(2024, 5, 1))
    assert review_queue.queue_page(session=session, actor_id=_rid(session)).rows[0]["overdue"] is False
    assert review_queue.queue_page(session=session, actor_id=_rid(session), today=date(2024, 6, 1)).rows[0]["overdue"] is True


@pytest.fixture()
def world(session):
    """Claims spread over two promotions, two regions, dates and statuses."""
    ada = _user(session, email="ada.lovelace@example.com")
    bob = _user(session, email="bob@example.org")
    p1, p2 = _promotion(session, name="Christmas Deals"), _promotion(session, name="Spring Bundle")
    de_store = _store(session, "DE")
    claims = {
        "ada_fr_p1": _claim(session, _product(session, ada, serial="AB12CD34"), p1, due_on=date(2024, 5, 3)),
        "ada_de_p2": _claim(
            session, _product(session, ada, region="DE", store=de_store), p2, due_on=date(2024, 5, 1),
            submitted=datetime(2024, 3, 1, 23, 59, tzinfo=timezone.utc),
        ),
        "bob_fr_p1": _claim(session, _product(session, bob), p1, due_on=date(2024, 5, 2)),
        "bob_fr_p2_ok": _claim(session, _product(session, bob), p2, status=S.approved),
        "bob_de_p1_info": _claim(session, _product(session, bob, region="DE", store=de_store), p1, status=S.needs_info),
    }
    session.commit()
    return {"promos": (p1, p2), "claims": claims}


def _ids(session, **kw):
    flt = review_queue.QueueFilter(**kw)
    return {r["claim_id"] for r in review_queue.queue_page(session=session, actor_id=_rid(session), flt=flt, limit=500).rows}


def test_filters_narrow_the_queue(session, world):
    c = {k: v.id for k, v in world["claims"].items()}
    p1, p2 = world["promos"]
    assert _ids(session) == {c["ada_fr_p1"], c["ada_de_p2"], c["bob_fr_p1"]}
    assert _ids(session, promotion_id=p1.id) == {c["ada_fr_p1"], c["bob_fr_p1"]}
    assert _ids(session, region_code="de") == {c["ada_de_p2"]}
    assert _ids(session, status=S.needs_info) == {c["bob_de_p1_info"]}
    assert _ids(session, status=None, region_code="DE") == {c["ada_de_p2"], c["bob_de_p1_info"]}
    assert _ids(session, status=None, promotion_id=p2.id) == {c["ada_de_p2"], c["bob_fr_p2_ok"]}
    # Submitted dates are whole days, both ends included.
    assert _ids(session, submitted_to=date(2024, 3, 1)) == {c["ada_de_p2"]}
    assert _ids(session, submitted_from=date(2024, 3, 2)) == {c["ada_fr_p1"], c["bob_fr_p1"]}
    assert _ids(session, submitted_from=date(2024, 3, 1), submitted_to=date(2024, 3, 1)) == {c["ada_de_p2"]}


def test_search_by_serial_email_or_claim_number(session, world):
    c = {k: v.id for k, v in world["claims"].items()}
    assert _ids(session, search=" ab12 cd34 ") == {c["ada_fr_p1"]}
    assert _ids(session, search="AB12CD3") == set()  # serials match exactly
    assert _ids(session, search="ADA.Lovelace@Example.com") == {c["ada_fr_p1"], c["ada_de_p2"]}
    assert _ids(session, search="ada.") == {c["ada_fr_p1"], c["ada_de_p2"]}
    assert _ids(session, search="bob@example.org", status=None) == {
        c["bob_fr_p1"], c["bob_fr_p2_ok"], c["bob_de_p1_info"]
    }
    assert _ids(session, search="example") == set()  # a prefix, not a substring
    assert _ids(session, search=f"#{c['bob_fr_p1']}") == {c["bob_fr_p1"]}
    assert _ids(session, search=str(c["ada_de_p2"])) == {c["ada_de_p2"]}
    assert _ids(session, search=f"#{c['bob_fr_p2_ok']}") == set()  # approved: not in the open queue
    assert _ids(session, search="no such thing at all") == set()
    assert _ids(session, search="%") == set()
    assert _ids(session, search="bo") == set()  # too short to be an email prefix


@pytest.mark.sqlite_only  # reads SQLite's query plan
@pytest.mark.parametrize("search", ["ada@", "AB12CD34", "#12"])
def test_a_search_drives_the_page_from_matching_ids_not_the_whole_queue(session, world, search):
    for flt in (review_queue.QueueFilter(search=search), review_queue.QueueFilter(search=search, promotion_id=1)):
        plan = review_queue.queue_plan(session=session, flt=flt)
        assert plan[0] == "SEARCH redemption USING INTEGER PRIMARY KEY (rowid=?)", plan


def test_counts_per_status_ignore_the_status_filter(session, world):
    p1, _ = world["promos"]
    assert review_queue.counts(session=session, actor_id=_rid(session)) == {S.under_review: 3, S.needs_info: 1, S.approved: 1, S.rejected: 0}
    assert review_queue.counts(session=session, actor_id=_rid(session), flt=review_queue.QueueFilter(status=S.approved, promotion_id=p1.id)) == {
        S.under_review: 2, S.needs_info: 1, S.approved: 0, S.rejected: 0
    }
    assert review_queue.counts(session=session, actor_id=_rid(session), flt=review_queue.QueueFilter(region_code="DE"))[S.needs_info] == 1
    assert review_queue.counts(session=session, actor_id=_rid(session), flt=review_queue.QueueFilter(search="bob@"))[S.under_review] == 1


def test_a_search_says_which_filters_hide_its_matches(session, world):
    """Finding 11: bob has an open claim, an approved one and one waiting for documents (in DE)."""
    p1, p2 = world["promos"]
    hidden = review_queue.hidden_matches(
        session=session, actor_id=_rid(session), flt=review_queue.QueueFilter(search="bob@example.org"))
    assert hidden.by_status == {S.approved: 1, S.needs_info: 1} and hidden.by_other_filters == 0 and hidden.any
    # Every status: nothing hidden.
    assert not review_queue.hidden_matches(
        session=session, actor_id=_rid(session), flt=review_queue.QueueFilter(status=None, search="bob@")).any
    # Promotion 2 and region FR leave out bob's two promotion-1 claims (one open, one in DE).
    flt = review_queue.QueueFilter(status=S.approved, promotion_id=p2.id, search="bob@")
    hidden = review_queue.hidden_matches(session=session, actor_id=_rid(session), flt=flt)
    assert hidden.by_status == {} and hidden.by_other_filters == 2 and hidden.other_filters == ("Promotion",)
    flt = review_queue.QueueFilter(status=S.under_review, region_code="FR", search="bob@")
    hidden = review_queue.hidden_matches(session=session, actor_id=_rid(session), flt=flt)
    assert hidden.by_status == {S.approved: 1}
    assert hidden.by_other_filters == 1 and hidden.other_filters == ("Region / Location",)
    # No search, nothing to explain (the status tabs carry the counts).
    assert not review_queue.hidden_matches(session=session, actor_id=_rid(session), flt=review_queue.QueueFilter()).any


@pytest.mark.parametrize(
    "flt",
    [  # oldest due first (riskiest first: tests/unit/test_review_queue_risk.py)
        review_queue.QueueFilter(order="due"),
        review_queue.QueueFilter(status=S.needs_info),
        review_queue.QueueFilter(status=S.under_review, promotion_id=1, region_code="FR", order="due"),
        review_queue.QueueFilter(status=None),
    ],
)
@pytest.mark.sqlite_only  # reads SQLite's query plan
@pytest.mark.parametrize("deep", [False, True])
def test_pages_walk_an_index_without_sorting(session, world, flt, deep):
    after = review_queue.encode_cursor(date(2024, 5, 1), 1) if deep else None
    plan = " | ".join(review_queue.queue_plan(session=session, flt=flt, after=after))
    assert "TEMP B-TREE" not in plan, plan
    assert any(ix in plan for ix in ("ix_redemption_queue", "ix_redemption_promotion_queue", "ix_redemption_due")), plan
    assert "SCAN redemption " not in plan.replace("SCAN redemption USING INDEX ix_redemption_due", ""), plan


# --------------------------------------------------------------------------- the evidence checks' filter


def test_the_evidence_checks_filter_pages_by_keyset_and_counts_alike(session):
    """ "all checks passed" / "a check failed": the verdict kept with each claim (``evidence_summary``),
    filtered in the page's SQL, so keyset pages visit each matching claim once, oldest due first."""
    from rxapp.services import queue_filter

    user = _user(session)
    promo = _promotion(session)
    verdicts = ["failed", "passed", "", "failed", "failed", "passed", "failed", ""]
    made = []
    for day, verdict in enumerate(verdicts):
        c = _claim(session, _product(session, user), promo, due_on=date(2024, 6, 1) + timedelta(days=day))
        c.evidence_summary = verdict
        session.add(c)
        made.append((c.id, verdict))
    session.flush()
    # "unchecked": the claims no check has read yet (from before the pre-check, demo ones) are not lost
    for choice, verdict in (("failed", "failed"), ("passed", "passed"), ("unchecked", "")):
        flt = queue_filter.from_dict({"status": "under_review", "checks": choice})
        assert flt.checks == choice
        ids, pages = _walk(session, flt, 2)
        assert ids == [cid for cid, v in made if v == verdict]
        assert all(len(p.rows) <= 2 for p in pages)
        per_status = review_queue.counts(session=session, actor_id=_rid(session), flt=flt)
        assert per_status[S.under_review] == len(ids)
    # Without the filter every claim shows; junk is dropped, a bad form value is a message on the field.
    assert len(_walk(session, queue_filter.from_dict({"checks": "maybe"}), 50)[0]) == len(verdicts)
    assert queue_filter.clean_form({"checks": "failed"})["checks"] == "failed"
    assert queue_filter.clean_form({"checks": "unchecked"})["checks"] == "unchecked"
    with pytest.raises(queue_filter.FieldErrors) as refused:
        queue_filter.clean_form({"checks": "maybe"})
    assert "checks" in refused.value.errors
    session.rollback()
