"""Approve, with a few seconds to take it back: the undo window before a prize code is issued.

A reviewer's *Approve* does not decide the claim at once.  It writes a
``PendingApproval`` row (one per claim, the database's primary key) due
``UNDO_SECONDS`` later; until then *Undo* deletes it and nothing happened: no
status change, no code issued, no email.  When the window ends the approval
is committed through the one status machine (``claims.decide``, over the
version the reviewer saw), in one transaction with the row's removal.

The row lives in the database, not in the reviewer's tab, so an approval
made in a tab that is then closed (or navigated away, or whose worker
restarts) is still committed: ``settle`` is called by the reviewer's tab when
its countdown ends, by the app's settler task every second
(``state/background.py``) and by the claim page when it is opened — whichever
comes first takes the row (a conditional ``DELETE``); the others find nothing.

A claim decided by someone else inside the window (another reviewer's
rejection) is not approved blind: ``claims.decide`` refuses the stale version,
the pending row goes, and ``settle`` says why.

Bulk approve (the queue's *Approve selected*) is the same rule for several
claims at once: ``approve_batch_later`` puts each through ``approve_later``
with one shared window, ``undo_batch`` takes the batch back, and each claim is
committed by ``settle`` like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from rxapp.i18n import _
from rxapp.models import PendingApproval, PromotionCode, Redemption, RedemptionStatus, User, utcnow
from rxapp.services import access, claim_events, claims
from rxapp.services.errors import Conflict, ServiceError

UNDO_SECONDS = 5.0


@dataclass(frozen=True)
class Pending:
    """An approval waiting out its window, as a page shows it."""

    claim_id: int
    reviewer_id: int
    reviewer_email: str
    due_at: datetime

    def seconds_left(self, now: datetime | None = None) -> float:
        return max(0.0, (self.due_at - (now or utcnow())).total_seconds())


@dataclass(frozen=True)
class Settled:
    """What ``settle`` did with one pending approval: ``approved`` or not, and why not."""

    claim_id: int
    approved: bool
    code: str | None = None
    problem: str = ""


def _as_pending(session: Session, row: PendingApproval) -> Pending:
    reviewer = session.get(User, row.reviewer_id)
    return Pending(claim_id=row.redemption_id, reviewer_id=row.reviewer_id,
                   reviewer_email=reviewer.email if reviewer else "", due_at=row.due_at)


def approve_later(
    *, session: Session, claim_id: int, reviewer_id: int, expected_version: int, now: datetime | None = None
) -> Pending:
    """Approve ``claim_id`` when the undo window ends (``UNDO_SECONDS`` from ``now``).

    Checks now what ``claims.decide`` would check then: a reviewer, a claim
    under review, at the version the reviewer saw.  Raises ``Forbidden``,
    ``NotFound`` and ``Conflict`` (decided or changed meanwhile, or already
    approved by someone and waiting out its own window).
    """
    access.check_reviewer(session=session, user_id=reviewer_id)
    claim = claims.load_claim(session, claim_id)
    if claim.version != expected_version:
        raise Conflict(claim_events.changed_message(session=session, claim=claim))
    if claim.status == RedemptionStatus.needs_info:
        raise Conflict(_("This claim waits for the customer's documents: it can be decided once they resubmit."))
    if claim.status != RedemptionStatus.under_review:
        raise Conflict(claim_events.changed_message(session=session, claim=claim))
    existing = session.get(PendingApproval, claim_id)
    if existing is not None:
        raise Conflict(_already_pending(_as_pending(session, existing), now))
    row = PendingApproval(redemption_id=claim_id, reviewer_id=reviewer_id, expected_version=expected_version,
                          due_at=(now or utcnow()) + timedelta(seconds=UNDO_SECONDS))
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        # Another reviewer's Approve of the same claim committed first.
        raise Conflict(_("Another reviewer approved this claim a moment ago. Reload it to see it.")) from None
    return _as_pending(session, row)


@dataclass(frozen=True)
class BatchItem:
    """One claim of a bulk approve: waiting out the batch's window (``pending``), or why not (``problem``)."""

    claim_id: int
    pending: Pending | None = None
    problem: str = ""


def approve_batch_later(
    *, session: Session, versions: dict[int, int], reviewer_id: int, now: datetime | None = None
) -> list[BatchItem]:
    """Bulk approve: each claim of ``versions`` (claim id -> the version the reviewer saw) through
    ``approve_later``, all with one undo window (due ``UNDO_SECONDS`` from ``now``).

    Each claim is taken or refused on its own (a savepoint each): a claim decided or
    changed meanwhile is reported with the reason and does not hold back the others.
    Raises ``Forbidden`` unless ``reviewer_id`` is a reviewer.
    """
    access.check_reviewer(session=session, user_id=reviewer_id)
    now = now or utcnow()
    done: list[BatchItem] = []
    for claim_id, version in versions.items():
        try:
            with session.begin_nested():
                waiting = approve_later(session=session, claim_id=claim_id, reviewer_id=reviewer_id,
                                        expected_version=version, now=now)
        except ServiceError as exc:
            done.append(BatchItem(claim_id=claim_id, problem=exc.message or _("Not approved.")))
            continue
        done.append(BatchItem(claim_id=claim_id, pending=waiting))
    return done


def _already_pending(p: Pending, now: datetime | None) -> str:
    message = (_("{reviewer} approved this claim a moment ago: it is committed in {seconds} s unless they undo it.")
               if p.reviewer_email else
               _("A reviewer approved this claim a moment ago: it is committed in {seconds} s unless they undo it."))
    return message.format(reviewer=p.reviewer_email, seconds=f"{p.seconds_left(now):.0f}")


def undo(*, session: Session, claim_id: int, reviewer_id: int) -> bool:
    """Take back the pending approval of ``claim_id``: True when there was one (nothing was committed).

    False when the window had already ended (the approval stands) or there was
    none.  Raises ``Forbidden`` unless ``reviewer_id`` is a reviewer.
    """
    access.check_reviewer(session=session, user_id=reviewer_id)
    table = PendingApproval.__table__
    done = session.execute(sa.delete(table).where(table.c.redemption_id == claim_id))
    return done.rowcount == 1


def undo_batch(*, session: Session, claim_ids: list[int], reviewer_id: int) -> list[int]:
    """Take back the pending approvals ``reviewer_id`` made of ``claim_ids`` (a bulk approve's Undo).

    Returns the claims taken back (nothing was committed for them); the others
    had already been committed (or were not waiting).  Raises ``Forbidden``
    unless ``reviewer_id`` is a reviewer.
    """
    access.check_reviewer(session=session, user_id=reviewer_id)
    table = PendingApproval.__table__
    taken = []
    for claim_id in dict.fromkeys(claim_ids):
        done = session.execute(sa.delete(table).where(table.c.redemption_id == claim_id,
                                                      table.c.reviewer_id == reviewer_id))
        if done.rowcount == 1:
            taken.append(claim_id)
    return taken


def pending(*, session: Session, claim_id: int, actor_id: int) -> Pending | None:
    """The approval of ``claim_id`` waiting out its window, if any.  Raises ``Forbidden`` for non-reviewers."""
    access.check_reviewer(session=session, user_id=actor_id)
    row = session.get(PendingApproval, claim_id)
    return _as_pending(session, row) if row is not None else None


def due(*, session: Session, now: datetime | None = None, limit: int = 100) -> list[int]:
    """The claims whose approval window has ended (oldest first), for the settler."""
    table = PendingApproval.__table__
    rows = session.execute(
        sa.select(table.c.redemption_id).where(table.c.due_at <= (now or utcnow()))
        .order_by(table.c.due_at).limit(limit)
    )
    return [cid for (cid,) in rows]


def settle(*, session: Session, claim_id: int, now: datetime | None = None) -> Settled | None:
    """Commit the approval of ``claim_id`` if its window has ended; None when there is nothing (yet) to do.

    The row is taken with a conditional DELETE (only one caller gets it),
    then the claim is approved through ``claims.decide`` over the version the
    reviewer saw, in the caller's transaction.  When the claim was decided or
    changed meanwhile the approval is dropped (the row stays deleted) and the
    result says why.
    """
    table = PendingApproval.__table__
    row = session.execute(
        sa.select(table.c.reviewer_id, table.c.expected_version)
        .where(table.c.redemption_id == claim_id, table.c.due_at <= (now or utcnow()))
    ).first()
    if row is None:
        return None
    taken = session.execute(
        sa.delete(table).where(table.c.redemption_id == claim_id, table.c.due_at <= (now or utcnow()))
    )
    if taken.rowcount != 1:
        return None
    try:
        with session.begin_nested():
            decided = claims.decide(session=session, claim_id=claim_id, reviewer_id=row.reviewer_id,
                                    decision="approve", expected_version=row.expected_version)
    except ServiceError as exc:
        return Settled(claim_id=claim_id, approved=False, problem=exc.message or _("The claim changed meanwhile."))
    return Settled(claim_id=claim_id, approved=True, code=_issued_code(session, decided.id))


def _issued_code(session: Session, claim_id: int) -> str | None:
    return session.exec(
        select(PromotionCode.code).where(PromotionCode.redemption_id == claim_id,
                                         PromotionCode.issued_at.is_not(None))
    ).first()


def outcome(*, session: Session, claim_id: int) -> Settled | None:
    """How an approval ended, for a page that did not commit it itself (the settler task or another tab
    came first): None while it still waits out its window.

    Not approved: ``problem`` says what the claim is now (decided by someone else, or still under
    review because the approval was undone).
    """
    if session.get(PendingApproval, claim_id) is not None:
        return None
    claim = claims.load_claim(session, claim_id)
    if claim.status == RedemptionStatus.approved:
        return Settled(claim_id=claim_id, approved=True, code=_issued_code(session, claim_id))
    if claim.status == RedemptionStatus.under_review:
        return Settled(claim_id=claim_id, approved=False,
                       problem=_("The approval was taken back: the claim is still under review."))
    return Settled(claim_id=claim_id, approved=False,
                   problem=claim_events.changed_message(session=session, claim=claim))
