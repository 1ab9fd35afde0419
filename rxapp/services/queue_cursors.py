"""The queue's opaque cursors: the key of a queue row in the order the queue is read in.

Oldest due first, a row's key is ``(due_on, id)``; riskiest first it is ``(risk_score, due_on, id)``
(``queue_filter.QueueFilter.riskiest_first``).  A cursor is that key in base64; decoding never raises:
a missing, malformed or other order's cursor is None (the queue then starts from the beginning).
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import date

_DUE_RE = re.compile(r"(\d{4}-\d{2}-\d{2})\.(\d{1,18})")
_RISK_RE = re.compile(r"r(\d{1,9})\.(\d{4}-\d{2}-\d{2})\.(\d{1,18})")


def _pack(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _unpack(cursor) -> str | None:
    if not cursor or not isinstance(cursor, str) or len(cursor) > 64:
        return None
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None


def encode_cursor(due_on: date, claim_id: int) -> str:
    """The opaque position of a queue row read oldest due first (its ``(due_on, id)`` key)."""
    return _pack(f"{due_on.isoformat()}.{int(claim_id)}")


def decode_cursor(cursor: str | None) -> tuple[date, int] | None:
    """The ``(due_on, id)`` key inside a cursor, or None for a missing or malformed one (never raises)."""
    m = _DUE_RE.fullmatch(_unpack(cursor) or "")
    if not m:
        return None
    try:
        return date.fromisoformat(m.group(1)), int(m.group(2))
    except ValueError:
        return None


def encode_risk_cursor(risk_score: int, due_on: date, claim_id: int) -> str:
    """The opaque position of a queue row read riskiest first (its ``(risk_score, due_on, id)`` key)."""
    return _pack(f"r{max(0, int(risk_score))}.{due_on.isoformat()}.{int(claim_id)}")


def decode_risk_cursor(cursor: str | None) -> tuple[int, date, int] | None:
    """The ``(risk_score, due_on, id)`` key inside a cursor, or None for a missing, malformed or
    oldest-due-first one (never raises)."""
    m = _RISK_RE.fullmatch(_unpack(cursor) or "")
    if not m:
        return None
    try:
        return int(m.group(1)), date.fromisoformat(m.group(2)), int(m.group(3))
    except ValueError:
        return None


def cursor_of(riskiest_first: bool, row) -> str:
    """The cursor of a page row (a result row with ``risk_score``, ``due_on`` and ``id``) in the queue's order."""
    if riskiest_first:
        return encode_risk_cursor(row.risk_score or 0, row.due_on, row.id)
    return encode_cursor(row.due_on, row.id)


def decode(riskiest_first: bool, cursor: str | None) -> tuple | None:
    """The key inside a cursor for the queue's order (None: start from the beginning)."""
    return decode_risk_cursor(cursor) if riskiest_first else decode_cursor(cursor)
