"""What time it is for the rules.

Eligibility and due dates ask ``today(session)``, and a claim's Redeem Date
``business_now(session)``: in demo mode a presenter can move "today" (the
``demo_date`` setting) so 2021 promotions show as running.
Security clocks (sessions, throttling, captcha, signed links) always use the
real time, ``now()``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session

from rxapp import db
from rxapp.models import AppSetting, utcnow

DEMO_DATE_KEY = "demo_date"


def now() -> datetime:
    """The real time (aware UTC)."""
    return utcnow()


# Built once: most pages and events ask for the business date.
_DEMO_DATE = sa.select(AppSetting.value).where(AppSetting.key == DEMO_DATE_KEY)


def demo_date(session: Session) -> date | None:
    value = db.execute(session, _DEMO_DATE).scalar()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def set_demo_date(session: Session, value: date | None) -> None:
    row = session.get(AppSetting, DEMO_DATE_KEY) or AppSetting(key=DEMO_DATE_KEY)
    row.value = value.isoformat() if value else ""
    session.add(row)
    session.flush()


def today(session: Session | None = None) -> date:
    """The business date: the demo date when one is set, else today (UTC)."""
    if session is not None:
        d = demo_date(session)
        if d is not None:
            return d
    return now().date()


def business_now(session: Session) -> datetime:
    """The moment a customer acts, as the rules see it: the demo date at the real time of day when a demo
    date is set (so a claim's Redeem Date agrees with its due date and the promotion's period), else now."""
    real = now()
    day = demo_date(session)
    return real if day is None else datetime.combine(day, real.timetz())


def add_working_days(start: date, days: int) -> date:
    """``start`` plus ``days`` working days (Monday to Friday)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current
