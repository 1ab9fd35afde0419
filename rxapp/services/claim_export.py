"""The claim queue as a CSV file: header, spreadsheet-safe cells, streamed in chunks.

One job: turn queue rows (``services.review_queue``) into CSV lines.  The
acting user's reviewer role is checked by the queue before the first line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date

from sqlmodel import Session

from rxapp.services import clock, review_queue
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
