"""A claim's audit events: the snapshot and row every transition writes, and
the sentence telling a reviewer who changed a claim under them.

One job: the claim's audit trail, on the write side (``services.claims``
calls it inside each transition's transaction).
"""

from __future__ import annotations

import json
import logging

from sqlmodel import Session, select

from rxapp import i18n
from rxapp import feedwake  # noqa: F401 - its commit hooks wake the live pollers of every worker
from rxapp.models import Redemption, RedemptionEvent, RedemptionStatus, User
from rxapp.services import clock
from rxapp.services.recipients import claim_recipient
from rxapp.vocabulary import customer_status_text, status_label


log = logging.getLogger(__name__)


def snapshot(claim: Redemption) -> str:
    """What the claim holds now, as JSON: kept on the event of the change that replaces it."""
    return json.dumps(
        {
            "version": claim.version,
            "status": claim.status.value,
            **claim_recipient(claim),
            "invoice_file_id": claim.invoice_file_id,
            "serial_photo_file_id": claim.serial_photo_file_id,
            "reason": claim.reason,
            "missing_document": claim.missing_document.value if claim.missing_document else None,
            "shipping_status": claim.shipping_status.value if claim.shipping_status else None,
            "tracking_number": claim.tracking_number,
        },
        sort_keys=True,
    )


def record(
    *, session: Session, claim: Redemption, actor_id, from_status, to_status, reason="", snapshot=""
) -> RedemptionEvent:
    """Add the audit row of one transition (who, from → to, reason, the snapshot before)."""
    event = RedemptionEvent(
        redemption_id=claim.id,
        actor_id=actor_id,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        snapshot=snapshot,
    )
    session.add(event)
    log.info("claim %s %s -> %s by user %s%s", claim.id, getattr(from_status, "value", from_status),
             getattr(to_status, "value", to_status), actor_id if actor_id is not None else "system",
             f" ({reason[:80]})" if reason else "", extra={"claim_id": claim.id})
    return event


def _last_event(session: Session, claim: Redemption) -> RedemptionEvent | None:
    return session.exec(
        select(RedemptionEvent)
        .where(RedemptionEvent.redemption_id == claim.id)
        .order_by(RedemptionEvent.created_at.desc(), RedemptionEvent.id.desc())
    ).first()


def _who_and_when(session: Session, event: RedemptionEvent) -> dict[str, str]:
    """Who wrote an event (the reviewer's email) and when (14:05, 2026-11-29 as the language writes it),
    as the placeholders of the sentences below."""
    actor = session.get(User, event.actor_id) if event.actor_id else None
    at = event.created_at.astimezone(clock.now().tzinfo)
    return {"who": actor.email if actor else i18n.gettext("another reviewer"), "time": f"{at:%H:%M}",
            "date": i18n.format_date(at.date())}


def changed_message(*, session: Session, claim: Redemption) -> str:
    """Tell a reviewer who changed the claim under them, when, and how."""
    last = _last_event(session, claim)
    if last is None:
        return i18n.gettext("This claim changed since you opened it. Reload it to see its current state.")
    told = _who_and_when(session, last)
    if last.actor_id == claim.user_id:
        return i18n.gettext("The customer resubmitted this claim at {time} UTC on {date}. Reload it to see the new "
                            "documents.").format(**told)
    if last.to_status == RedemptionStatus.needs_info:
        decision = f"{status_label(last.to_status)}: {last.reason}"
    else:
        decision = customer_status_text(last.to_status, last.reason)
    return i18n.gettext("Already decided by {who} at {time} UTC on {date}: {decision}. Reload the claim to see "
                        "it.").format(decision=decision, **told)


def shipping_changed_message(*, session: Session, claim: Redemption) -> str:
    """Tell a reviewer who moved the parcel under them (or, failing that, who changed the claim)."""
    last = _last_event(session, claim)
    if last is None or last.from_status != last.to_status:
        return changed_message(session=session, claim=claim)
    return i18n.gettext("Already updated by {who} at {time} UTC on {date}: {change}. The page now shows the "
                        "current state.").format(change=last.reason or i18n.gettext("shipping changed"),
                                                 **_who_and_when(session, last))

