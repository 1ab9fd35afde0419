"""Dashboard aggregates over claims and their audit trail."""

from __future__ import annotations

import statistics
from datetime import date, datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from rxapp.models import RedemptionEvent, RedemptionStatus
from rxapp.services import clock, insights
from tests.factories import flows
from tests.factories.rows import _claim, _product, _promotion, _reviewer, _rid, _store, _user

S = RedemptionStatus
TODAY = date(2024, 5, 31)
INVOICE = "Please provide the invoice with your product name on it, thanks."


def _at(day: int, hour: int = 9) -> datetime:
    """A time on May ``day`` 2024 (UTC)."""
    return datetime(2024, 5, day, hour, tzinfo=timezone.utc)


def _history(session, claim, reviewer, *steps):
    """Move the claim through (status, time, reason) steps with the services' transitions
    (a reviewer's decision, or the owner's resubmission for under_review), then date its
    audit rows: the submission at claim.submitted_at, each step at its time."""
    for status, _when, reason in steps:
        flows.advance(session, claim, status, reason=reason, reviewer_id=reviewer.id)
    events = session.exec(
        select(RedemptionEvent).where(RedemptionEvent.redemption_id == claim.id).order_by(RedemptionEvent.id)
    ).all()
    assert len(events) == len(steps) + 1
    for event, when in zip(events, [claim.submitted_at] + [when for _, when, _ in steps]):
        event.created_at = when
        session.add(event)
    session.flush()


def test_dashboard_counts_days_reasons_speed_and_first_pass(session):
    reviewer = _reviewer(session)
    ada = _user(session)
    promo, other = _promotion(session, name="Christmas Deals"), _promotion(session, name="Spring Bundle")
    berlin = _store(session, "DE", name="Berlin Store")

    # Approved first time: 10 h.
    a = _claim(session, _product(session, ada), promo, submitted=_at(20, 8))
    _history(session, a, reviewer, (S.approved, _at(20, 18), ""))
    # Asked for the invoice (2 h), resubmitted, approved: not first pass.
    b = _claim(session, _product(session, ada, region="DE", store=berlin), promo, submitted=_at(21, 8))
    _history(session, b, reviewer, (S.needs_info, _at(21, 10), INVOICE), (S.under_review, _at(22, 9), ""), (S.approved, _at(23, 9), ""))
    # Rejected after 30 h.
    c = _claim(session, _product(session, ada), other, submitted=_at(21, 0))
    _history(session, c, reviewer, (S.rejected, _at(22, 6), "Serial does not exist."))
    # Still open, overdue; and one submitted before the window, decided in it (48 h).
    _claim(session, _product(session, ada), other, submitted=_at(30, 12), due_on=date(2024, 5, 30))
    d = _claim(session, _product(session, ada, region="DE", store=berlin), other, submitted=datetime(2024, 4, 30, 9, tzinfo=timezone.utc))
    _history(session, d, reviewer, (S.needs_info, _at(2, 9), INVOICE))
    session.commit()

    dash = insights.dashboard(session=session, actor_id=_rid(session), days=30, today=TODAY)
    assert dash["from"] == date(2024, 5, 2) and len(dash["per_day"]) == 30
    by_day = {r["day"]: r for r in dash["per_day"]}
    assert by_day["2024-05-21"] == {"day": "2024-05-21", "submitted": 2, "approved": 0, "needs_info": 1, "rejected": 0}
    assert by_day["2024-05-22"]["rejected"] == 1 and by_day["2024-05-23"]["approved"] == 1
    assert by_day["2024-05-02"]["needs_info"] == 1 and by_day["2024-05-02"]["submitted"] == 0
    assert sum(r["submitted"] for r in dash["per_day"]) == 4

    assert dash["reasons_by_promotion"] == [
        {"outcome": "needs_info", "reason": INVOICE, "promotion": "Christmas Deals", "count": 1},
        {"outcome": "needs_info", "reason": INVOICE, "promotion": "Spring Bundle", "count": 1},
        {"outcome": "rejected", "reason": "Serial does not exist.", "promotion": "Spring Bundle", "count": 1},
    ]
    assert dash["reasons_by_region"][0] == {"outcome": "needs_info", "reason": INVOICE, "region_code": "DE", "count": 2}
    assert {"outcome": "needs_info", "reason": INVOICE, "store": "Berlin Store", "store_region": "DE", "count": 2} in dash["reasons_by_store"]

    assert dash["median_hours_to_decision"] == statistics.median([10, 2, 30, 48])
    assert dash["first_pass"] == {"decided": 3, "approved_first_pass": 1, "rate": round(1 / 3, 3)}
    assert (dash["open"], dash["overdue"]) == (1, 1)

    # A shorter window leaves the older decisions out.
    short = insights.dashboard(session=session, actor_id=_rid(session), days=11, today=TODAY)  # from May 21
    assert short["median_hours_to_decision"] == statistics.median([2, 30])
    assert short["first_pass"] == {"decided": 2, "approved_first_pass": 0, "rate": 0.0}
    tiny = insights.dashboard(session=session, actor_id=_rid(session), days=1, today=TODAY)
    assert tiny["median_hours_to_decision"] is None and tiny["first_pass"]["rate"] is None


def test_empty_database_gives_zero_rows_and_uses_the_demo_date(session):
    clock.set_demo_date(session, date(2021, 12, 1))
    dash = insights.dashboard(session=session, actor_id=_rid(session), days=7)
    assert dash["to"] == date(2021, 12, 1)
    assert [r["day"] for r in dash["per_day"]][-1] == "2021-12-01"
    assert all(r["submitted"] == 0 for r in dash["per_day"])
    assert dash["reasons_by_store"] == [] and dash["open"] == 0


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 200), st.booleans(), st.sampled_from([S.approved, S.rejected])), min_size=1, max_size=8))
def test_median_and_first_pass_match_a_plain_count(session, decisions):
    session.rollback()
    reviewer = _reviewer(session)
    ada = _user(session)
    promo = _promotion(session)
    hours, approved_fp = [], 0
    for wait, asked, final in decisions:
        start = _at(1, 0)
        claim = _claim(session, _product(session, ada), promo, submitted=start)
        steps = []
        if asked:
            steps += [(S.needs_info, start + timedelta(hours=wait), "Need invoice"), (S.under_review, start + timedelta(hours=wait + 1), "")]
        steps.append((final, start + timedelta(hours=wait + 2), ""))
        _history(session, claim, reviewer, *steps)
        hours.append(wait if asked else wait + 2)
        approved_fp += final == S.approved and not asked
    dash = insights.dashboard(session=session, actor_id=_rid(session), days=60, today=date(2024, 6, 15))
    session.rollback()
    assert dash["median_hours_to_decision"] == round(statistics.median(hours), 1)
    assert dash["first_pass"]["decided"] == len(decisions)
    assert dash["first_pass"]["approved_first_pass"] == approved_fp


def _days(n: int, start: date = date(2024, 1, 1)) -> list[dict]:
    return [{"day": (start + timedelta(days=i)).isoformat(), "submitted": 1, "approved": i % 2,
             "needs_info": 0, "rejected": 1 if i % 10 == 0 else 0} for i in range(n)]


def test_the_claims_chart_groups_long_windows_so_bars_stay_readable():
    unit, rows = insights.chart_periods(_days(30), 30)
    assert unit == "day" and len(rows) == 30 and rows[0]["label"] == "01-01"
    unit, rows = insights.chart_periods(_days(90), 90)
    assert unit == "week" and len(rows) == 13 and [r["label"] for r in rows[:2]] == ["01-01", "01-08"]
    assert [r["submitted"] for r in rows] == [7] * 12 + [6]
    unit, rows = insights.chart_periods(_days(365), 365)
    assert unit == "month" and len(rows) == 12 and rows[1] == {
        "label": "2024-02", "submitted": 29, "approved": sum(i % 2 for i in range(31, 60)), "needs_info": 0,
        "rejected": sum(1 for i in range(31, 60) if i % 10 == 0),
    }
    # Nothing is lost in grouping.
    for n in (7, 30, 90, 365):
        _, rows = insights.chart_periods(_days(n), n)
        for k in insights.CHART_SERIES:
            assert sum(r[k] for r in rows) == sum(d[k] for d in _days(n))
