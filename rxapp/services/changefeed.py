"""The shared change feed of claims: the audit trail itself.

Every status change writes a ``RedemptionEvent`` row in the same transaction
(see ``redemptions``), so "what changed since event N" is one indexed query
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
