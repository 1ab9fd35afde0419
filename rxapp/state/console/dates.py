"""Dates and moments as the console shows them: in the reviewer's language (issue 16).

English keeps the app's ISO-like writing (``formatting.when``: "2021-12-15", "2021-12-15 09:30 UTC");
German and Chinese get their own dates (29.11.2026, 2026年11月29日) with the same UTC time of day.
Dates a machine reads (date inputs, CSV, URLs) stay ISO and do not come here.
"""

from __future__ import annotations

from datetime import date, datetime

from rxapp import formatting, i18n


def shown(value) -> str:
    """A date or a moment (or its ISO text, as SQLite returns a day) in the current event's language."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10]) if len(value) == 10 else datetime.fromisoformat(value)
        except ValueError:
            return value
    if i18n.current.get() == i18n.SOURCE:
        return formatting.when(value)
    if isinstance(value, datetime):
        return f"{i18n.format_date(value.date())} {value:%H:%M} UTC"
    if isinstance(value, date):
        return i18n.format_date(value)
    return str(value)
