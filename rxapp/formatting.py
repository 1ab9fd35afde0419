"""How dates and times are written on screen and in exports, in one place (UTC, ISO-like)."""

from __future__ import annotations

from datetime import date, datetime


def when(value) -> str:
    """A moment as "2021-12-15 09:30 UTC"; a plain date as "2021-12-15"; nothing as ""."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def day(value) -> str:
    """A date (or the date of a moment) as "2021-12-15"; nothing as ""."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
