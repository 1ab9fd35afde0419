"""The claim queue as a CSV file: header, spreadsheet-safe cells, streamed in chunks.

One job: turn queue rows (``services.review_queue``) into CSV lines, and sign
and read the short-lived link the console hands out for it.  The acting
user's reviewer role is checked by the queue before the first line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date

from sqlmodel import Session

from rxapp.models import RedemptionStatus
from rxapp.services import access, clock, queue_filter, review_queue, signing
from rxapp.services.errors import Forbidden
from rxapp.services.review_queue import QueueFilter

EXPORT_CHUNK = 1000

EXPORT_HEADER = [
    "claim_id",
    "submitted_on",
    "due_on",
    "overdue",
    "status",
    "promotion_name",
    "product_name",
    "serial",
    "customer_email",
    "region_code",
    "store_name",
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe_cell(value) -> str:
    """A cell a spreadsheet will not run: text starting like a formula gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = value.isoformat() if isinstance(value, date) else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def _csv_line(cells: list) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow([_safe_cell(c) for c in cells])
    return buf.getvalue()


def export_csv(
    *, session: Session, actor_id: int, flt: QueueFilter | None = None, today: date | None = None
) -> Iterator[str]:
    """The filtered queue as CSV lines (header first), streamed.

    Pages through the keyset in chunks of ``EXPORT_CHUNK`` rows, so memory
    stays flat however many claims match.  Cells are CSV-quoted, and cells
    that a spreadsheet would take for a formula (= + - @) start with a ``'``.
    Raises ``Forbidden`` (at once, not at the first line) unless ``actor_id``
    is a reviewer.
    """
    rows = review_queue.rows_in_chunks(
        session=session, actor_id=actor_id, flt=flt, today=today or clock.today(session), chunk=EXPORT_CHUNK
    )
    return _lines(rows)


def _lines(rows: Iterator[dict]) -> Iterator[str]:
    yield _csv_line(EXPORT_HEADER)
    for row in rows:
        yield _csv_line([row[c] for c in EXPORT_HEADER])


# --------------------------------------------------------------------------- the export link

LINK_PURPOSE = "export"
LINK_TTL_SECONDS = 300
# Every key of the queue's filter (the Risk filter and the order too): the CSV is the queue the reviewer sees.
_FILTER_KEYS = queue_filter.KEYS
_STATUSES = {s.value for s in RedemptionStatus} | {"all"}


def link_token(*, actor_id: int, flt: dict) -> str:
    """A short-lived signed token naming the reviewer and the queue filter (the CSV link's ``t``)."""
    return signing.sign(LINK_PURPOSE, {"u": int(actor_id), "f": {k: str(flt.get(k, "")) for k in _FILTER_KEYS}},
                        LINK_TTL_SECONDS)


def read_link_token(*, session: Session, token: str) -> tuple[int, dict[str, str]]:
    """(reviewer id, filter) of a valid, unexpired link of a user who is a reviewer now.

    Raises ``Forbidden`` for anything else (bad signature, expired, malformed, role lost).
    """
    try:
        payload = signing.verify(LINK_PURPOSE, token)
    except signing.BadSignature:
        raise Forbidden("bad link") from None
    user_id, data = payload.get("u"), payload.get("f")
    if not isinstance(user_id, int) or isinstance(user_id, bool) or not isinstance(data, dict):
        raise Forbidden("bad link")
    flt = {k: data.get(k, "") for k in _FILTER_KEYS}
    if not all(isinstance(v, str) for v in flt.values()) or (flt["status"] or "under_review") not in _STATUSES:
        raise Forbidden("bad link")
    access.check_reviewer(session=session, user_id=user_id)
    return user_id, flt
