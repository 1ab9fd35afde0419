"""Claims as read models: the customer's Redeem History and a claim's timeline.

One job: read claims for display.  ``history`` and ``customer_timeline``
show one customer their own claims (the seed's wording, from
``rxapp.vocabulary``); ``reviewer_timeline`` shows any claim to a reviewer
and checks the role itself (``services.access``).
"""

from __future__ import annotations

import json

from sqlmodel import Session, select

from rxapp import i18n
from rxapp.models import (
    PrizeType,
    ProductModel,
    Promotion,
    PromotionCode,
    Redemption,
    RedemptionEvent,
    RedemptionStatus,
    RegisteredProduct,
    SerialRecord,
    User,
)
from rxapp.services import access
from rxapp.services.errors import NotFound
from rxapp.services.system_actor import SYSTEM_EMAIL, SYSTEM_NAME
from rxapp.vocabulary import STATUS_FOR_CUSTOMER, customer_status_text, status_label


def _claim_rows(session: Session):
    return (
        select(Redemption, Promotion.name, Promotion.prize_type, Promotion.prize_name, ProductModel.name, SerialRecord.serial)
        .join(Promotion, Promotion.id == Redemption.promotion_id)
        .join(RegisteredProduct, RegisteredProduct.id == Redemption.product_id)
        .join(SerialRecord, SerialRecord.id == RegisteredProduct.serial_id)
        .join(ProductModel, ProductModel.id == SerialRecord.model_id)
    )


def _issued_codes(session: Session, claim_ids: list[int]) -> dict[int, str]:
    if not claim_ids:
        return {}
    rows = session.exec(
        select(PromotionCode.redemption_id, PromotionCode.code).where(
            PromotionCode.redemption_id.in_(claim_ids), PromotionCode.issued_at.is_not(None)
        )
    ).all()
    return dict(rows)


def _row(claim: Redemption, promo_name, prize_type, prize_name, model_name, serial, code: str | None) -> dict:
    show_code = claim.status == RedemptionStatus.approved and prize_type == PrizeType.digital_code
    return {
        "claim_id": claim.id,
        "redeem_date": claim.submitted_at.date().isoformat(),
        "promotion_id": claim.promotion_id,
        "promotion_name": promo_name,
        "product_id": claim.product_id,
        "product_name": model_name,
        "serial": serial,
        "status": claim.status.value,
        "status_text": customer_status_text(claim.status, claim.reason),
        "reason": claim.reason,
        "missing_document": claim.missing_document.value if claim.missing_document else "",
        "can_redeem_again": claim.status == RedemptionStatus.needs_info,
        "prize_type": prize_type.value,
        "prize_name": prize_name,
        "code": (code or "") if show_code else "",
        "shipping_status": claim.shipping_status.value if claim.shipping_status else "",
        "tracking_number": claim.tracking_number,
        "due_on": claim.due_on.isoformat(),
        "version": claim.version,
    }


def history(*, session: Session, user_id: int) -> list[dict]:
    """Redeem History rows of one customer, newest first (two queries).

    Each row: claim_id, redeem_date, promotion_name, product_name, serial,
    status, status_text (the seed's wording), reason, can_redeem_again,
    missing_document, code (approved digital claims only), shipping_status,
    tracking_number, due_on, version.
    """
    rows = session.exec(
        _claim_rows(session)
        .where(Redemption.user_id == user_id)
        .order_by(Redemption.submitted_at.desc(), Redemption.id.desc())
    ).all()
    issued = _issued_codes(session, [r[0].id for r in rows])
    return [_row(*r, code=issued.get(r[0].id)) for r in rows]




def customer_timeline(*, session: Session, user_id: int, claim_id: int) -> dict:
    """One of the customer's claims with its history of states (dates, actors
    as "You" / "Reviewer", reasons), due date, code and shipping state.

    Raises ``NotFound`` when the claim is not the user's.
    """
    found = session.exec(_claim_rows(session).where(Redemption.id == claim_id)).first()
    if found is None or found[0].user_id != user_id:
        raise NotFound(i18n.gettext("We could not find this claim in your account."))
    return _timeline(session, found, for_reviewer=False)


def reviewer_timeline(*, session: Session, actor_id: int, claim_id: int) -> dict:
    """``customer_timeline`` as a reviewer reads it: actors by email, the
    snapshots of earlier versions, and the code reserved for the claim.

    Raises ``Forbidden`` unless ``actor_id`` is a reviewer, ``NotFound`` for
    an unknown claim.
    """
    access.check_reviewer(session=session, user_id=actor_id)
    found = session.exec(_claim_rows(session).where(Redemption.id == claim_id)).first()
    if found is None:
        raise NotFound(f"Claim #{claim_id} does not exist.")
    return _timeline(session, found, for_reviewer=True)


def _timeline(session: Session, found, *, for_reviewer: bool) -> dict:
    claim = found[0]
    code = _issued_codes(session, [claim.id]).get(claim.id)
    data = _row(*found, code=code)
    if for_reviewer:
        held = session.exec(select(PromotionCode).where(PromotionCode.redemption_id == claim.id)).first()
        data["reserved_code"] = held.code if held else ""
    events = session.exec(
        select(RedemptionEvent, User.email)
        .outerjoin(User, User.id == RedemptionEvent.actor_id)
        .where(RedemptionEvent.redemption_id == claim.id)
        .order_by(RedemptionEvent.created_at, RedemptionEvent.id)
    ).all()
    items = []
    for event, email in events:
        if email == SYSTEM_EMAIL:
            actor = i18n.gettext(SYSTEM_NAME)
        elif for_reviewer:
            actor = email or "system"
        elif event.actor_id == claim.user_id:
            actor = i18n.gettext("You")
        else:
            actor = i18n.gettext("Reviewer") if email else i18n.gettext("System")
        item = {
            "at": event.created_at.isoformat(),
            "date": event.created_at.date().isoformat(),
            "from_status": event.from_status.value if event.from_status else "",
            "to_status": event.to_status.value,
            "label": _event_label(event),
            "actor": actor,
            "reason": event.reason,
        }
        if for_reviewer:
            item["snapshot"] = json.loads(event.snapshot) if event.snapshot else {}
        items.append(item)
    # How to use the prize, next to the code the customer just got.
    data["how_to_activate"] = (session.get(Promotion, claim.promotion_id).prize_instructions or "") if data["code"] else ""
    data["submitted_at"] = claim.submitted_at.isoformat()
    data["decided_at"] = claim.decided_at.isoformat() if claim.decided_at else ""
    data["events"] = items
    return data


def _event_label(event: RedemptionEvent) -> str:
    """The event's title in the current language (a recorded note as it was written)."""
    if event.from_status is None:
        return i18n.gettext("Claim submitted")
    if event.from_status == RedemptionStatus.needs_info:
        return i18n.gettext("Sent again (Redeem Again)")
    if event.from_status == event.to_status:
        return event.reason or i18n.gettext("Updated")
    if event.to_status == RedemptionStatus.needs_info:
        return i18n.gettext("Documents requested")
    if event.to_status == RedemptionStatus.approved:
        return i18n.gettext(STATUS_FOR_CUSTOMER[RedemptionStatus.approved])
    return status_label(event.to_status)


