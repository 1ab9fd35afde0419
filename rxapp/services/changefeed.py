"""The shared change feed of claims: the audit trail itself.

Every status change writes a ``RedemptionEvent`` row in the same transaction
(see ``claims``), so "what changed since event N" is one indexed query
that every worker (on every host) can ask of the shared database.  Each worker
runs one poller over it and pushes the changes to the browsers connected to
that worker: one query per worker per interval, however many viewers are open.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, select

from rxapp.models import Redemption, RedemptionEvent


@dataclass(frozen=True)
class Change:
    event_id: int
    claim_id: int
    user_id: int


def latest_event_id(*, session: Session) -> int:
    """The newest event id (0 when there is none): where a new poller starts."""
    return int(session.exec(select(sa.func.coalesce(sa.func.max(RedemptionEvent.id), 0))).one())


def went_back(*, session: Session, after_id: int) -> bool:
    """True when the feed's newest id is below ``after_id``: the data was reset (the Demo Kit's reset,
    a restored backup) and new events reuse old ids, which a cursor past them would never deliver."""
    return latest_event_id(session=session) < after_id


def changes_since(*, session: Session, after_id: int, limit: int = 1000) -> list[Change]:
    """Events after ``after_id``, oldest first, with the claim's owner."""
    rows = session.exec(
        select(RedemptionEvent.id, RedemptionEvent.redemption_id, Redemption.user_id)
        .join(Redemption, Redemption.id == RedemptionEvent.redemption_id)
        .where(RedemptionEvent.id > after_id)
        .order_by(RedemptionEvent.id)
        .limit(limit)
    ).all()
    return [Change(int(e), int(c), int(u)) for e, c, u in rows]


# Longest a transaction may hold an event id it has not committed yet before the
# feed stops waiting for it (a rolled-back transaction leaves its id unused forever).
GAP_GRACE_SECONDS = 10.0


class FeedCursor:
    """A poller's place in the feed that does not skip events committed out of id order.

    On PostgreSQL an id comes from a sequence when the row is inserted, not
    when its transaction commits: a decision can take id 10 and commit after
    another decision took id 11 and committed.  A cursor that just remembered
    "the newest id seen" (11) would never deliver 10.  This one keeps a safe
    mark (every id up to it was delivered or given up), re-reads above it,
    and delivers each event once; an id still missing ``grace`` seconds after
    a newer one was seen is taken as rolled back and skipped.  (SQLite has
    one writer at a time, so its ids commit in order and no gap lasts.)
    """

    def __init__(self, start: int, grace: float = GAP_GRACE_SECONDS):
        self.safe = start
        self.grace = grace
        self._seen: set[int] = set()  # delivered ids above ``safe``
        self._gap_since: float | None = None

    @property
    def after_id(self) -> int:
        """Read the feed after this id (``changes_since(after_id=…)``)."""
        return self.safe

    @property
    def waiting(self) -> bool:
        """True while an id below a delivered one is still missing."""
        return bool(self._seen)

    def take(self, changes: list[Change], now: float) -> list[Change]:
        """The changes not delivered yet (oldest first), and move the safe mark on."""
        fresh = [c for c in changes if c.event_id > self.safe and c.event_id not in self._seen]
        self._seen.update(c.event_id for c in fresh)
        self._advance()
        if not self._seen:
            self._gap_since = None
        elif self._gap_since is None:
            self._gap_since = now
        elif now - self._gap_since >= self.grace:
            # The missing ids never committed: skip to the oldest delivered one.
            self.safe = min(self._seen) - 1
            self._advance()
            self._gap_since = now if self._seen else None
        return fresh

    def _advance(self) -> None:
        while self.safe + 1 in self._seen:
            self.safe += 1
            self._seen.discard(self.safe)
