"""The reviewer dashboard: how many claims come in, how they are decided, how fast.

Everything is a plain SQL aggregate over ``redemption`` and its audit trail
``redemptionevent`` (a decision is an event whose ``to_status`` is approved,
needs_info or rejected); only the median is taken in Python.  Rows come back
as lists of dicts, ready for charts.
"""

from __future__ import annotations

import statistics
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa
from sqlmodel import Session

from rxapp.models import (
    Promotion,
    Redemption,
    RedemptionEvent,
    RedemptionStatus,
    RegisteredProduct,
    Store,
)
from rxapp.services import access, clock

S = RedemptionStatus
DECISIONS = (S.approved, S.needs_info, S.rejected)
_R = Redemption.__table__
_E = RedemptionEvent.__table__
_P = RegisteredProduct.__table__
_PROMO = Promotion.__table__
_ST = Store.__table__


def _start(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=timezone.utc)


def _day(column, dialect: str):
    """The UTC calendar day of a timestamp column, as SQL."""
    if dialect == "sqlite":
        return sa.func.substr(column, 1, 10)  # stored as "YYYY-MM-DD HH:MM:SS…" in UTC
    return sa.cast(sa.func.timezone("UTC", column), sa.Date)


def _iso(value) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def dashboard(*, session: Session, actor_id: int, days: int = 30, today: date | None = None) -> dict:
    """Claims and decisions over the last ``days`` days up to ``today`` (default ``clock.today``).

    Keys:
    ``per_day`` — one row per day: submitted, approved, needs_info, rejected
    (decisions made that day); ``reasons_by_promotion`` / ``_by_region`` /
    ``_by_store`` — needs-info and rejection reasons with counts;
    ``median_hours_to_decision`` — submission to first decision, for claims
    first decided in the window (None when none); ``first_pass`` — claims
    finally decided (approved/rejected) in the window, how many were approved
    without ever being asked for information, and the rate (None when none);
    ``open`` and ``overdue`` — claims under review now.  Raises ``Forbidden``
    unless ``actor_id`` is a reviewer.
    """
    access.check_reviewer(session=session, user_id=actor_id)
    days = max(1, min(int(days), 366))
    today = today or clock.today(session)
    first = today - timedelta(days=days - 1)
    lo, hi = _start(first), _start(today + timedelta(days=1))
    conn = session.connection()
    dialect = conn.dialect.name

    per_day = {
        _iso(first + timedelta(days=i)): {"day": _iso(first + timedelta(days=i)), "submitted": 0, **{s.value: 0 for s in DECISIONS}}
        for i in range(days)
    }
    sub_day = _day(_R.c.submitted_at, dialect)
    for day, n in conn.execute(
        sa.select(sub_day, sa.func.count()).where(_R.c.submitted_at >= lo, _R.c.submitted_at < hi).group_by(sub_day)
    ):
        per_day[_iso(day)]["submitted"] = n
    ev_day = _day(_E.c.created_at, dialect)
    in_window = (_E.c.created_at >= lo, _E.c.created_at < hi)
    for day, status, n in conn.execute(
        sa.select(ev_day, _E.c.to_status, sa.func.count())
        .where(_E.c.to_status.in_(DECISIONS), *in_window)
        .group_by(ev_day, _E.c.to_status)
    ):
        per_day[_iso(day)][S(status).value] = n

    def reasons(*group):
        stmt = (
            sa.select(_E.c.to_status, _E.c.reason, *group, sa.func.count().label("n"))
            .select_from(
                _E.join(_R, _R.c.id == _E.c.redemption_id)
                .join(_PROMO, _PROMO.c.id == _R.c.promotion_id)
                .join(_P, _P.c.id == _R.c.product_id)
                .join(_ST, _ST.c.id == _P.c.store_id)
            )
            .where(_E.c.to_status.in_((S.needs_info, S.rejected)), *in_window)
            .group_by(_E.c.to_status, _E.c.reason, *group)
            .order_by(sa.desc("n"), _E.c.reason)
        )
        out = []
        for row in conn.execute(stmt):
            d = dict(row._mapping)
            d["outcome"] = S(d.pop("to_status")).value
            d["count"] = d.pop("n")
            out.append(d)
        return out

    first_decision = sa.func.min(sa.case((_E.c.to_status.in_(DECISIONS), _E.c.created_at)))
    created = sa.func.min(sa.case((_E.c.from_status.is_(None), _E.c.created_at)))
    hours = []
    for submitted, created_at, decided in conn.execute(
        sa.select(_R.c.submitted_at, created, first_decision)
        .select_from(_R.join(_E, _E.c.redemption_id == _R.c.id))
        .group_by(_R.c.id, _R.c.submitted_at)
        .having(first_decision >= lo, first_decision < hi)
    ):
        # A resubmission may move submitted_at; the claim's creation event does not move.
        start = min(submitted, created_at) if created_at else submitted
        hours.append(max(0.0, (decided - start).total_seconds() / 3600))

    final_decision = sa.func.max(sa.case((_E.c.to_status.in_((S.approved, S.rejected)), _E.c.created_at)))
    asked = sa.func.count(sa.case((_E.c.to_status == S.needs_info, 1)))
    decided = first_pass = 0
    for status, asked_n in conn.execute(
        sa.select(_R.c.status, asked)
        .select_from(_R.join(_E, _E.c.redemption_id == _R.c.id))
        .where(_R.c.status.in_((S.approved, S.rejected)))
        .group_by(_R.c.id, _R.c.status)
        .having(final_decision >= lo, final_decision < hi)
    ):
        decided += 1
        first_pass += S(status) == S.approved and asked_n == 0

    open_now, overdue = conn.execute(
        sa.select(sa.func.count(), sa.func.count(sa.case((_R.c.due_on < today, 1)))).where(_R.c.status == S.under_review)
    ).one()
    return {
        "days": days,
        "from": first,
        "to": today,
        "per_day": list(per_day.values()),
        "reasons_by_promotion": reasons(_PROMO.c.name.label("promotion")),
        "reasons_by_region": reasons(_P.c.region_code),
        "reasons_by_store": reasons(_ST.c.name.label("store"), _ST.c.region_code.label("store_region")),
        "median_hours_to_decision": round(statistics.median(hours), 1) if hours else None,
        "first_pass": {
            "decided": decided,
            "approved_first_pass": first_pass,
            "rate": round(first_pass / decided, 3) if decided else None,
        },
        "open": open_now,
        "overdue": overdue,
    }


CHART_SERIES = ("submitted", *(s.value for s in DECISIONS))


def chart_periods(per_day: list[dict], days: int) -> tuple[str, list[dict]]:
    """``per_day`` grouped so that a chart's bars stay readable: ("day", one row a day) up to 31 days,
    ("week", weeks starting on the window's first day) up to 92, else ("month", calendar months).

    Each row: ``label`` (MM-DD of the day or the week's first day, YYYY-MM of a month) and the
    summed submitted, approved, needs_info and rejected.
    """
    unit = "day" if days <= 31 else "week" if days <= 92 else "month"
    grouped: dict[str, dict] = {}
    for i, row in enumerate(per_day):
        day = str(row["day"])
        if unit == "day":
            label = day[5:]
        elif unit == "week":
            label = str(per_day[i - i % 7]["day"])[5:]
        else:
            label = day[:7]
        into = grouped.setdefault(label, {"label": label, **{k: 0 for k in CHART_SERIES}})
        for k in CHART_SERIES:
            into[k] += int(row.get(k, 0))
    return unit, list(grouped.values())
