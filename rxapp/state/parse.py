"""The one parser of client values: whatever a browser sends, a bounded plain value comes out.

Handlers receive payloads from any client: a form may be a list, a text a
100 kB string or a number, an id a float or ``True``.  Every state reads its
payloads through these functions, which never raise and never return
anything larger than asked for; the rules themselves (required fields,
formats, ownership) stay in the services.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

# Ids fit PostgreSQL's 32-bit integer columns; a larger number is no id of ours.
ID_MAX = 2**31 - 1
_TRUE = ("on", "true")


def form(value) -> Mapping:
    """A form payload as a mapping (anything else is an empty form)."""
    return value if isinstance(value, Mapping) else {}


def text(value, limit: int = 200, *, strip: bool = False) -> str:
    """A string of at most ``limit`` characters ("" for anything that is not a string).

    Passwords are read with ``strip=False`` (the default): their spaces count.
    """
    if not isinstance(value, str):
        return ""
    return (value.strip() if strip else value)[:limit]


def field(data, key: str, limit: int = 200, *, strip: bool = False) -> str:
    """``text`` of one field of a form payload."""
    return text(form(data).get(key, ""), limit, strip=strip)


def fields(data, keys: Iterable[str], limit: int = 200, *, strip: bool = False) -> dict[str, str]:
    """``field`` of several keys at once, as a plain dict."""
    return {k: field(data, k, limit, strip=strip) for k in keys}


def flag(data, key: str) -> bool:
    """A checkbox of a form payload: ticked only when the browser says "on"."""
    return _ticked(form(data).get(key))


def _ticked(value) -> bool:
    return value is True or (isinstance(value, str) and value in _TRUE)


def positive_id(value) -> int | None:
    """A database id from the client ("12", 12 or "#12"), or None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value <= ID_MAX else None
    if isinstance(value, str):
        digits = value.strip().lstrip("#").strip()
        if digits.isascii() and digits.isdigit() and len(digits) <= 10:
            number = int(digits)
            return number if 0 < number <= ID_MAX else None
    return None


def iso_date(value) -> date | None:
    """A ``YYYY-MM-DD`` date from the client, or None."""
    if not isinstance(value, str) or not value or len(value) > 10:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def choice(value, allowed: Iterable[str], default: str = "") -> str:
    """``value`` when it is one of ``allowed``, else ``default``."""
    return value if isinstance(value, str) and value in set(allowed) else default


def checked_keys(data, prefix: str, limit: int, *, key_limit: int = 40) -> list[str]:
    """The names after ``prefix`` of the ticked checkboxes of a form (``cat-3`` → "3"), at most ``limit``."""
    out: list[str] = []
    for key, value in list(form(data).items())[:5000]:
        if isinstance(key, str) and key.startswith(prefix) and _ticked(value):
            name = key[len(prefix):][:key_limit]
            if name and name not in out:
                out.append(name)
                if len(out) >= limit:
                    break
    return out
