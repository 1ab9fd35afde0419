"""How dates and times are written on screen and in exports, in one place (UTC; ISO-like in English and
in exports, ``shown_when`` in the reader's language on screens)."""

from __future__ import annotations

from datetime import date, datetime

from rxapp import i18n


def when(value) -> str:
    """A moment as "2021-12-15 09:30 UTC"; a plain date as "2021-12-15"; nothing as ""."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def shown_when(value) -> str:
    """``when`` as people read it in the current language (``rxapp.i18n``): "2021-12-15 09:30 UTC" in
    English, "15.12.2021 09:30 UTC", "2021年12月15日 09:30 UTC".  Screens only: exports keep ``when``."""
    if isinstance(value, datetime) and i18n.current.get() != i18n.SOURCE:
        return f"{i18n.format_date(value.date())} {value:%H:%M} UTC"
    if isinstance(value, date) and not isinstance(value, datetime):
        return i18n.format_date(value)
    return when(value)


def day(value) -> str:
    """A date (or the date of a moment) as "2021-12-15"; nothing as ""."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
