"""The fast track: a claim every rule and check passes and no risk signal flags is approved at once.

Each promotion has a policy (``Promotion.auto_decide``, ``auto_daily_cap``, ``audit_sample_percent``),
off until a reviewer turns it on (``update_policy``, audited as a ``PolicyChange``).  When a claim has
been submitted (and its pictures read), ``decide`` looks at it:

* its risk signals (``risk_signals``) are kept with it, for the reviewer and the queue, whatever happens;
* with the policy on, every eligibility rule passing, every evidence check passing (both pictures read)
  and no signal, and fewer than the daily cap approved automatically today, it is approved through the
  one status machine (``claims.decide``) by the named system actor (``system_actor``), with an audit row
  listing what passed: the same code, email and Redeem Success as a reviewer's approval;
* ``audit_sample_percent`` of those approvals (chosen by the claim's id, so the same claim always gets
  the same answer) also wait in the audit queue, where a reviewer confirms or flags them (``audit``).

A claim sent again (Redeem Again) after a reviewer asked for documents keeps fresh signals but is
never approved automatically: the reviewer who asked decides.  Everything else waits for a reviewer,
its signals explained.  No Reflex here; the caller runs
``decide_when_read`` off the event loop (the pictures' reading is seconds of CPU).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, time, timezone

import sqlalchemy as sa
from sqlmodel import Session, select

from rxapp import db
from rxapp.i18n import _
from rxapp.models import PolicyChange, Promotion, Redemption, RedemptionEvent, RedemptionStatus, User, utcnow
from rxapp.services import access, claim_review, claims, evidence_check, risk_signals
from rxapp.services.errors import Conflict, FieldErrors, NotFound
from rxapp.services.system_actor import system_actor

log = logging.getLogger(__name__)

MAX_CAP = 100_000
AUDIT_SAMPLED, AUDIT_CONFIRMED, AUDIT_FLAGGED = "sampled", "confirmed", "flagged"


@dataclass(frozen=True)
class Policy:
    enabled: bool
    daily_cap: int
    sample_percent: int

    def to_json(self) -> str:
        return json.dumps({"enabled": self.enabled, "daily_cap": self.daily_cap,
                           "sample_percent": self.sample_percent})


@dataclass(frozen=True)
class Outcome:
    """What ``decide`` did: ``approved`` (and ``sampled`` for the audit) or why the claim waits."""

    claim_id: int
    approved: bool = False
    sampled: bool = False
    signals: list[risk_signals.Signal] = field(default_factory=list)
    waits_because: str = ""  # off, asked, rules, checks, unread, signals, cap, decided


def policy_of(promotion: Promotion) -> Policy:
    return Policy(bool(promotion.auto_decide), int(promotion.auto_daily_cap), int(promotion.audit_sample_percent))


def sampled(claim_id: int, percent: int) -> bool:
    """Whether claim ``claim_id`` is in a ``percent`` % audit sample: the same answer every time."""
    digest = hashlib.sha256(f"audit-sample:{claim_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < max(0, min(100, percent))


# --------------------------------------------------------------------------- the policy


def update_policy(
    *, session: Session, actor_id: int, promotion_id: int, enabled: bool, daily_cap, sample_percent
) -> Policy:
    """A reviewer sets a promotion's policy; the change is audited (who, when, before → after).

    Raises ``Forbidden`` (not a reviewer), ``NotFound``, ``FieldErrors`` (``daily_cap``,
    ``sample_percent``: whole numbers, 0 – 100 000 and 0 – 100).
    """
    actor = access.require_reviewer(session=session, user_id=actor_id)
    promotion = session.get(Promotion, promotion_id) if isinstance(promotion_id, int) else None
    if promotion is None:
        raise NotFound(_("This promotion does not exist."))
    errors = {}
    cap = _whole(daily_cap, 0, MAX_CAP)
    if cap is None:
        errors["daily_cap"] = _("Enter a whole number from 0 to {most}.").format(most=MAX_CAP)
    percent = _whole(sample_percent, 0, 100)
    if percent is None:
        errors["sample_percent"] = _("Enter a whole number from 0 to 100.")
    if errors:
        raise FieldErrors(errors)
    before, after = policy_of(promotion), Policy(bool(enabled), cap, percent)
    if before != after:
        promotion.auto_decide, promotion.auto_daily_cap, promotion.audit_sample_percent = (
            after.enabled, after.daily_cap, after.sample_percent)
        session.add(promotion)
        session.add(PolicyChange(promotion_id=promotion.id, actor_id=actor.id, before=before.to_json(),
                                 after=after.to_json()))
        session.flush()
    return after


def _whole(value, low: int, high: int) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value.isdigit() or len(value) > 7:
            return None
        value = int(value)
    return value if isinstance(value, int) and low <= value <= high else None


def policy_history(*, session: Session, actor_id: int, promotion_id: int) -> list[dict]:
    """The promotion's policy changes, newest first: who, when, before, after."""
    access.check_reviewer(session=session, user_id=actor_id)
    rows = session.exec(
        select(PolicyChange, User.email).join(User, User.id == PolicyChange.actor_id)
        .where(PolicyChange.promotion_id == promotion_id).order_by(PolicyChange.id.desc())
    ).all()
    return [{"actor_email": email, "at": c.created_at, "before": json.loads(c.before), "after": json.loads(c.after)}
            for c, email in rows]


def policies(*, session: Session, actor_id: int) -> list[dict]:
    """Every promotion's policy, newest promotion first, with its last change (None: never changed):
    id, name, enabled, daily_cap, sample_percent, last ({"actor_email", "at"} or None)."""
    access.check_reviewer(session=session, user_id=actor_id)
    latest = (select(PolicyChange.promotion_id, sa.func.max(PolicyChange.id).label("id"))
              .group_by(PolicyChange.promotion_id).subquery())
    last = {pid: {"actor_email": email, "at": at} for pid, email, at in session.exec(
        select(PolicyChange.promotion_id, User.email, PolicyChange.created_at)
        .join(latest, latest.c.id == PolicyChange.id).join(User, User.id == PolicyChange.actor_id))}
    return [{"id": p.id, "name": p.name, "enabled": bool(p.auto_decide), "daily_cap": p.auto_daily_cap,
             "sample_percent": p.audit_sample_percent, "last": last.get(p.id)}
            for p in session.exec(select(Promotion).order_by(Promotion.starts_on.desc(), Promotion.id))]


# --------------------------------------------------------------------------- deciding


def _approved_today(session: Session, promotion_id: int) -> int:
    start = datetime.combine(utcnow().date(), time.min, tzinfo=timezone.utc)
    return session.exec(select(sa.func.count()).select_from(Redemption).where(
        Redemption.promotion_id == promotion_id, Redemption.decided_automatically,
        Redemption.decided_at >= start)).one()


def _asked_for_documents(session: Session, claim_id: int) -> bool:
    return session.exec(select(RedemptionEvent.id).where(
        RedemptionEvent.redemption_id == claim_id, RedemptionEvent.to_status == RedemptionStatus.needs_info)
    ).first() is not None


def decide(*, session: Session, claim_id: int) -> Outcome:
    """Look at a submitted claim: keep its signals, and approve it when the policy lets it (module doc)."""
    claim = claims.load_claim(session, claim_id)
    if claim.status != RedemptionStatus.under_review:
        return Outcome(claim_id, waits_because="decided")
    evidence = evidence_check.claim_checks(session=session, claim_id=claim_id)
    found = risk_signals.keep(session=session, claim_id=claim_id, evidence=evidence)
    promotion = session.get(Promotion, claim.promotion_id)
    if not promotion.auto_decide:
        return Outcome(claim_id, signals=found, waits_because="off")
    if _asked_for_documents(session, claim_id):
        # Sent again after a reviewer asked for documents: that reviewer's question, that reviewer's answer.
        return Outcome(claim_id, signals=found, waits_because="asked")
    rules = claim_review.claim_eligibility(session=session, claim=claim)
    if not rules["eligible"]:
        return Outcome(claim_id, signals=found, waits_because="rules")
    if evidence["unread"] or evidence["invoice"] is None or evidence["serial_photo"] is None:
        return Outcome(claim_id, signals=found, waits_because="unread")
    checks = [c for part in (evidence["invoice"], evidence["serial_photo"]) for c in (part["checks"] or [])]
    if evidence["summary"] != "passed":
        return Outcome(claim_id, signals=found, waits_because="checks")
    if found:
        return Outcome(claim_id, signals=found, waits_because="signals")
    if session.get_bind().dialect.name == "postgresql":
        # The cap counts approvals of this promotion: one automatic decision of it at a time.
        session.execute(sa.select(Promotion.id).where(Promotion.id == promotion.id).with_for_update())
    if _approved_today(session, promotion.id) >= promotion.auto_daily_cap:
        return Outcome(claim_id, signals=found, waits_because="cap")
    reason = ("Automatic decision: eligibility rules passed (" + ", ".join(c["rule"] for c in rules["checks"])
              + "); evidence checks passed (" + ", ".join(c.key for c in checks) + "); no risk signal.")[:500]
    try:
        claims.decide(session=session, claim_id=claim_id, reviewer_id=system_actor(session).id,
                      decision="approve", reason=reason, expected_version=claim.version)
    except Conflict:
        return Outcome(claim_id, signals=found, waits_because="decided")
    audit = sampled(claim_id, promotion.audit_sample_percent)
    session.execute(sa.update(Redemption).where(Redemption.id == claim_id).values(
        decided_automatically=True, audit_state=AUDIT_SAMPLED if audit else ""))
    session.flush()
    return Outcome(claim_id, approved=True, sampled=audit)


def decide_when_read(*, claim_id: int, url: str | None = None) -> Outcome:
    """Read the claim's pictures not read yet, then ``decide`` (in a transaction of its own).

    Slow (the reading is OCR): for a worker thread (``state.offload``), never the event loop.
    """
    with db.session_scope(url) as session:
        evidence = evidence_check.claim_checks(session=session, claim_id=claim_id)
    for file_id in evidence["unread"]:
        evidence_check.read_file(file_id=file_id, url=url)
    with db.write_session(url) as session:  # reads, then writes: SQLite's write lock up front
        return decide(session=session, claim_id=claim_id)


# --------------------------------------------------------------------------- the audit sample


def audit(*, session: Session, actor_id: int, claim_id: int, verdict: str, note: str = "") -> Redemption:
    """A reviewer confirms (``"confirm"``) or flags (``"flag"``, with a note) an automatic approval
    of the audit sample.  Raises ``Forbidden``, ``NotFound``, ``FieldErrors`` (``note``) and
    ``Conflict`` when the claim is not waiting for its audit."""
    actor = access.require_reviewer(session=session, user_id=actor_id)
    note = (note or "").strip() if isinstance(note, str) else ""
    if verdict not in ("confirm", "flag"):
        raise FieldErrors({"verdict": _("Choose confirm or flag.")})
    if verdict == "flag" and not note:
        raise FieldErrors({"note": _("Say what is wrong with this approval.")})
    if len(note) > 500:
        raise FieldErrors({"note": _("A note can be at most 500 characters.")})
    claim = claims.load_claim(session, claim_id)
    state = AUDIT_CONFIRMED if verdict == "confirm" else AUDIT_FLAGGED
    done = session.execute(sa.update(Redemption).where(
        Redemption.id == claim_id, Redemption.audit_state == AUDIT_SAMPLED).values(
        audit_state=state, audited_by=actor.id, audited_at=utcnow(), audit_note=note))
    if done.rowcount != 1:
        raise Conflict(_("This approval is not waiting for an audit (another reviewer may have audited it)."))
    session.refresh(claim)
    return claim
