"""Claims and their status machine (DESIGN.md §3), as one service.

    submit ──► under_review ──► approved   (digital: code issued; physical: preparing → shipped → delivered)
                    │    ▲ ──► rejected   (final; the reserved code goes back to the pool)
                    ▼    │
               needs_info ── resubmit ("Redeem Again")

Every transition happens in the caller's transaction together with its audit
row (``RedemptionEvent``: who, when, from → to, reason, a JSON snapshot of what
the claim held before) and its outbox email.  Nothing here commits; on any
``ServiceError`` the caller rolls back (``db.session_scope``/``write_session``
do).  On SQLite, writers should use ``db.write_session`` so that concurrent
writers queue instead of failing.

Concurrency guards, all held by the database:

* one claim per (product, promotion): a unique constraint;
* two reviewers deciding one claim: a conditional ``UPDATE … WHERE id AND
  version`` — exactly one row changes, the other reviewer is told who won;
* codes: reserved at submission through ``codes.reserve`` (unique
  ``redemption_id``), so approving never meets an empty pool.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass

import phonenumbers
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from rxapp.models import (
    FileKind,
    MissingDocument,
    PrizeType,
    ProductModel,
    Promotion,
    PromotionCode,
    Redemption,
    RedemptionEvent,
    RedemptionStatus,
    Region,
    RegisteredProduct,
    Role,
    SerialRecord,
    ShippingStatus,
    StoredFile,
    User,
    utcnow,
)
from rxapp.services import clock, codes, eligibility, emails
from rxapp.services.eligibility import Reason
from rxapp.services.errors import Conflict, FieldErrors, Forbidden, NotFound, ServiceError

ALREADY_REDEEMED = "This product has already been redeemed for this promotion."
REVIEWER_ROLES = (Role.reviewer, Role.admin)
DECISIONS = {
    "approve": RedemptionStatus.approved,
    "needs_info": RedemptionStatus.needs_info,
    "reject": RedemptionStatus.rejected,
}
ALLOWED = {
    RedemptionStatus.under_review: {
        RedemptionStatus.approved,
        RedemptionStatus.needs_info,
        RedemptionStatus.rejected,
    },
    RedemptionStatus.needs_info: {RedemptionStatus.under_review},
    RedemptionStatus.approved: set(),
    RedemptionStatus.rejected: set(),
}
SHIPPING_ORDER = [ShippingStatus.preparing, ShippingStatus.shipped, ShippingStatus.delivered]
DOCUMENT_WORDS = {
    MissingDocument.invoice: "the invoice (proof of purchase)",
    MissingDocument.serial_photo: "the photo of the S/N sticker",
    MissingDocument.recipient: "the recipient information",
    MissingDocument.other: "more information",
}


class NotEligible(ServiceError):
    """The product cannot redeem this promotion; ``reasons`` says which rules fail."""

    def __init__(self, reasons: list[Reason]):
        super().__init__(" ".join(r.message for r in reasons))
        self.reasons = list(reasons)


# --------------------------------------------------------------------------- wording


SHIPPING_TEXT = {
    ShippingStatus.preparing: "Preparing your prize",
    ShippingStatus.shipped: "Shipped",
    ShippingStatus.delivered: "Delivered",
}


def shipping_text(status: ShippingStatus | str | None, tracking_number: str = "") -> str:
    """A physical prize's shipping state in the customer's words ("Shipped · tracking …")."""
    if not status:
        return ""
    try:
        text = SHIPPING_TEXT[ShippingStatus(status)]
    except ValueError:
        return ""
    return f"{text} · tracking {tracking_number}" if tracking_number else text


def status_text(status: RedemptionStatus | str, reason: str = "") -> str:
    """The status as the customer reads it (the seed's wording), in one place."""
    status = RedemptionStatus(status)
    if status == RedemptionStatus.under_review:
        return "Redeem qualification under reviewing"
    if status == RedemptionStatus.approved:
        return "Redeem Success"
    if status == RedemptionStatus.needs_info:
        return reason or "Please complete your claim."
    return f"Rejected: {reason}" if reason else "Rejected"


def _decision_label(status: RedemptionStatus, reason: str) -> str:
    if status == RedemptionStatus.needs_info:
        return f"Needs info: {reason}"
    return status_text(status, reason)


# --------------------------------------------------------------------------- recipient


@dataclass(frozen=True)
class Recipient:
    first_name: str
    last_name: str
    zipcode: str
    address: str
    phone: str
    note: str


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_ZIP = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]{1,18}[A-Za-z0-9]$|^[A-Za-z0-9]{2}$")


def _region_name(session: Session, code: str) -> str:
    region = session.get(Region, code)
    return region.name if region else code


def validate_recipient(session: Session, data: dict, region_code: str) -> Recipient:
    """Clean the recipient form or raise ``FieldErrors`` keyed by field name.

    Fields: first_name*, last_name*, zipcode*, address* (several lines),
    contact_number* (a valid number for the product's region, stored E.164),
    note.
    """
    errors: dict[str, str] = {}

    def text(key: str, label: str, max_len: int, required: bool = True) -> str:
        value = str(data.get(key) or "").strip()
        if _CONTROL.search(value.replace("\r", "").replace("\t", " ") if key in ("address", "note") else value):
            errors[key] = f"{label} contains characters we cannot print on a parcel; please retype it."
        elif required and not value:
            errors[key] = f"Please enter the {label.lower()}."
        elif len(value) > max_len:
            errors[key] = f"{label} can be at most {max_len} characters (it has {len(value)})."
        return value

    first = text("first_name", "First name", 80)
    last = text("last_name", "Last name", 80)
    zipcode = " ".join(text("zipcode", "Zipcode", 20).split()).upper()
    if "zipcode" not in errors and not _ZIP.match(zipcode):
        errors["zipcode"] = "Please enter the zipcode with letters, digits, spaces or '-' only, e.g. 75011."
    raw_address = str(data.get("address") or "").replace("\r\n", "\n").replace("\r", "\n")
    address = "\n".join(line.strip() for line in raw_address.split("\n") if line.strip())
    if _CONTROL.search(address.replace("\t", " ")):
        errors["address"] = "Address contains characters we cannot print on a parcel; please retype it."
    elif not address:
        errors["address"] = "Please enter the address (street, city; several lines are fine)."
    elif len(address) > 500:
        errors["address"] = f"Address can be at most 500 characters (it has {len(address)})."
    note = text("note", "Note", 1000, required=False)
    raw_phone = str(data.get("contact_number") or "").strip()
    phone = ""
    if not raw_phone:
        errors["contact_number"] = "Please enter a contact number, so the courier can reach you."
    else:
        example = phonenumbers.example_number_for_type(region_code, phonenumbers.PhoneNumberType.MOBILE)
        hint = (
            f", e.g. {phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.INTERNATIONAL)}"
            if example
            else ""
        )
        try:
            parsed = phonenumbers.parse(raw_phone, region_code)
            if not phonenumbers.is_valid_number(parsed):
                raise phonenumbers.NumberParseException(0, "invalid")
            phone = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        except phonenumbers.NumberParseException:
            errors["contact_number"] = (
                f"This is not a valid phone number for {_region_name(session, region_code)}: "
                f"please check the digits{hint}."
            )
    if errors:
        raise FieldErrors(errors)
    return Recipient(first, last, zipcode, address, phone, note)


def address_key(zipcode: str, address: str) -> str:
    """Lower-cased, accent- and punctuation-free "zipcode address", for same-address links."""
    raw = unicodedata.normalize("NFKD", f"{zipcode} {address}")
    raw = "".join(ch for ch in raw if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", raw).split())[:500]


# --------------------------------------------------------------------------- helpers


def _own_file(session: Session, *, user_id: int, file_id: int, kind: FileKind) -> StoredFile:
    f = session.get(StoredFile, file_id)
    if f is None or f.owner_id != user_id or f.kind != kind or f.expires_at is not None:
        what = "invoice" if kind == FileKind.invoice else "S/N photo"
        raise NotFound(f"We could not find this {what} among your uploads: please upload it again.")
    return f


def _snapshot(claim: Redemption) -> str:
    return json.dumps(
        {
            "version": claim.version,
            "status": claim.status.value,
            "first_name": claim.first_name,
            "last_name": claim.last_name,
            "zipcode": claim.zipcode,
            "address": claim.address,
            "phone": claim.phone,
            "note": claim.note,
            "invoice_file_id": claim.invoice_file_id,
            "serial_photo_file_id": claim.serial_photo_file_id,
            "reason": claim.reason,
            "missing_document": claim.missing_document.value if claim.missing_document else None,
            "shipping_status": claim.shipping_status.value if claim.shipping_status else None,
            "tracking_number": claim.tracking_number,
        },
        sort_keys=True,
    )


def _audit(session, claim, *, actor_id, from_status, to_status, reason="", snapshot="") -> RedemptionEvent:
    event = RedemptionEvent(
        redemption_id=claim.id,
        actor_id=actor_id,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        snapshot=snapshot,
    )
    session.add(event)
    return event


def _load_claim(session: Session, claim_id: int) -> Redemption:
    """The claim as the database holds it now (not a stale copy of this session)."""
    claim = session.exec(
        select(Redemption).where(Redemption.id == claim_id).execution_options(populate_existing=True)
    ).first()
    if claim is None:
        raise NotFound("This claim does not exist.")
    return claim


def _require_reviewer(session: Session, reviewer_id: int) -> User:
    reviewer = session.get(User, reviewer_id)
    if reviewer is None or reviewer.role not in REVIEWER_ROLES:
        raise Forbidden("Only reviewers can do this.")
    return reviewer


def _changed_message(session: Session, claim: Redemption) -> str:
    """Tell a reviewer who changed the claim under them, when, and how."""
    last = session.exec(
        select(RedemptionEvent)
        .where(RedemptionEvent.redemption_id == claim.id)
        .order_by(RedemptionEvent.created_at.desc(), RedemptionEvent.id.desc())
    ).first()
    if last is None:
        return "This claim changed since you opened it. Reload it to see its current state."
    at = last.created_at.astimezone(clock.now().tzinfo)
    when = f"at {at:%H:%M} UTC on {at:%Y-%m-%d}"
    if last.actor_id == claim.user_id:
        return (
            f"The customer resubmitted this claim {when}. Reload it to see the new documents."
        )
    actor = session.get(User, last.actor_id) if last.actor_id else None
    who = actor.email if actor else "another reviewer"
    return f"Already decided by {who} {when}: {_decision_label(last.to_status, last.reason)}. Reload the claim to see it."


def _bump(session: Session, claim: Redemption, *, from_status: RedemptionStatus, values: dict) -> bool:
    """Atomic conditional UPDATE of one claim version; False when someone else moved first."""
    table = Redemption.__table__
    result = session.execute(
        sa.update(table)
        .where(table.c.id == claim.id, table.c.version == claim.version, table.c.status == from_status)
        .values(version=table.c.version + 1, **values)
    )
    if result.rowcount != 1:
        return False
    session.refresh(claim)
    return True


# --------------------------------------------------------------------------- submit


def submit(
    *,
    session: Session,
    user_id: int,
    product_id: int,
    promotion_id: int,
    recipient: dict,
    serial_photo_file_id: int | None,
    invoice_file_id: int | None = None,
) -> Redemption:
    """Send a claim: validated, eligible, its code reserved, audited, emailed.

    ``recipient`` holds first_name, last_name, zipcode, address,
    contact_number, note.  ``invoice_file_id`` replaces the product's invoice
    for this claim (default: the invoice on file).  The claim is due
    ``promotion.due_working_days`` working days from today.

    Raises ``NotFound`` (product, promotion or file not the user's),
    ``FieldErrors`` (recipient fields, ``serial_photo``), ``NotEligible``
    (reasons; includes "out of stock" when no code is left to reserve) and
    ``Conflict(ALREADY_REDEEMED)`` when this product already has a claim for
    this promotion (the database's unique constraint is the final guard).
    """
    product = session.get(RegisteredProduct, product_id)
    if product is None or product.user_id != user_id or not product.is_active:
        raise NotFound("We could not find this product in your account.")
    promotion = session.get(Promotion, promotion_id)
    if promotion is None:
        raise NotFound("This promotion does not exist.")
    if session.get_bind().dialect.name == "postgresql":
        # Serialise one customer's submissions (per-customer limit), and, for a
        # counted physical prize, all submissions of that promotion (its stock).
        session.execute(sa.select(User.id).where(User.id == user_id).with_for_update())
        if promotion.prize_type == PrizeType.physical and promotion.physical_stock is not None:
            session.execute(sa.select(Promotion.id).where(Promotion.id == promotion_id).with_for_update())
    errors: dict[str, str] = {}
    try:
        clean = validate_recipient(session, recipient, product.region_code)
    except FieldErrors as exc:
        errors.update(exc.errors)
    if serial_photo_file_id is None:
        errors["serial_photo"] = (
            "Please upload a photo of the S/N sticker on the product itself (not on the box)."
        )
    if errors:
        raise FieldErrors(errors)
    _own_file(session, user_id=user_id, file_id=serial_photo_file_id, kind=FileKind.serial_photo)
    if invoice_file_id is not None:
        _own_file(session, user_id=user_id, file_id=invoice_file_id, kind=FileKind.invoice)
    existing = session.exec(
        select(Redemption.id).where(Redemption.product_id == product_id, Redemption.promotion_id == promotion_id)
    ).first()
    if existing is not None:
        raise Conflict(ALREADY_REDEEMED)
    result = eligibility.check(
        session=session,
        product_id=product_id,
        promotion_id=promotion_id,
        user_id=user_id,
        invoice_file_id=invoice_file_id,
    )
    if any(r.rule == "not_claimed" for r in result.reasons):
        raise Conflict(ALREADY_REDEEMED)  # committed by a concurrent submission just now
    if not result.eligible:
        raise NotEligible(result.reasons)
    today = clock.today(session)
    claim = Redemption(
        user_id=user_id,
        product_id=product_id,
        promotion_id=promotion_id,
        status=RedemptionStatus.under_review,
        invoice_file_id=invoice_file_id if invoice_file_id is not None else product.invoice_file_id,
        serial_photo_file_id=serial_photo_file_id,
        first_name=clean.first_name,
        last_name=clean.last_name,
        zipcode=clean.zipcode,
        address=clean.address,
        address_key=address_key(clean.zipcode, clean.address),
        phone=clean.phone,
        note=clean.note,
        due_on=clock.add_working_days(today, promotion.due_working_days),
    )
    session.add(claim)
    try:
        session.flush()
    except IntegrityError:
        # Another submission of the same claim committed first.
        raise Conflict(ALREADY_REDEEMED) from None
    if promotion.prize_type == PrizeType.digital_code:
        if codes.reserve(session=session, promotion_id=promotion_id, redemption_id=claim.id) is None:
            raise NotEligible(
                [Reason("stock", eligibility.rule_stock(eligibility.load_promotions(session, [promotion])[0], 0))]
            )
    _audit(session, claim, actor_id=user_id, from_status=None, to_status=RedemptionStatus.under_review)
    emails.queue_claim_received(session=session, redemption=claim)
    session.flush()
    return claim


# --------------------------------------------------------------------------- decide


def decide(
    *,
    session: Session,
    claim_id: int,
    reviewer_id: int,
    decision: str,
    reason: str = "",
    missing_document: MissingDocument | str | None = None,
    expected_version: int | None = None,
) -> Redemption:
    """A reviewer's decision on a claim under review: approve, needs_info or reject.

    approve issues the claim's reserved code (digital) or starts shipping
    (physical); needs_info needs a ``reason`` and the ``missing_document``;
    reject needs a ``reason``, is final and releases the reserved code.  Each
    decision bumps ``version``, sets ``decided_at`` and writes its audit row
    and email.  ``expected_version`` is the version the reviewer looked at.

    Raises ``Forbidden`` (not a reviewer), ``NotFound``, ``FieldErrors``
    (decision, reason, missing_document) and ``Conflict`` when the claim is
    not under review any more or changed since ``expected_version`` — its
    message says who changed it, when and how.
    """
    reviewer = _require_reviewer(session, reviewer_id)
    to_status = DECISIONS.get(str(getattr(decision, "value", decision)))
    if to_status is None:
        raise FieldErrors({"decision": "Choose approve, needs info or reject."})
    reason = (reason or "").strip()
    errors: dict[str, str] = {}
    if missing_document is not None and not isinstance(missing_document, MissingDocument):
        try:
            missing_document = MissingDocument(missing_document)
        except ValueError:
            errors["missing_document"] = "Choose which document is missing."
    if to_status in (RedemptionStatus.needs_info, RedemptionStatus.rejected) and not reason:
        errors["reason"] = (
            "Tell the customer what is missing, e.g. “Please provide the invoice with your product name on it, thanks.”"
            if to_status == RedemptionStatus.needs_info
            else "Tell the customer why the claim is rejected."
        )
    if len(reason) > 500:
        errors["reason"] = f"A reason can be at most 500 characters (it has {len(reason)})."
    if to_status == RedemptionStatus.needs_info and missing_document is None and "missing_document" not in errors:
        errors["missing_document"] = "Choose which document the customer must send again."
    if errors:
        raise FieldErrors(errors)
    claim = _load_claim(session, claim_id)
    if expected_version is not None and claim.version != expected_version:
        raise Conflict(_changed_message(session, claim))
    if to_status not in ALLOWED[claim.status]:
        if claim.status == RedemptionStatus.needs_info:
            raise Conflict("This claim waits for the customer's documents: it can be decided once they resubmit.")
        raise Conflict(_changed_message(session, claim))
    before = claim.status
    snapshot = _snapshot(claim)
    promotion = session.get(Promotion, claim.promotion_id)
    values: dict = {
        "status": to_status,
        "decided_at": utcnow(),
        "reason": reason if to_status != RedemptionStatus.approved else "",
        "missing_document": missing_document if to_status == RedemptionStatus.needs_info else None,
    }
    if to_status == RedemptionStatus.approved and promotion.prize_type == PrizeType.physical:
        values["shipping_status"] = ShippingStatus.preparing
    if not _bump(session, claim, from_status=before, values=values):
        raise Conflict(_changed_message(session, _load_claim(session, claim_id)))
    code = None
    if to_status == RedemptionStatus.approved and promotion.prize_type == PrizeType.digital_code:
        code = codes.issue(session=session, redemption_id=claim.id).code
    elif to_status == RedemptionStatus.rejected:
        codes.release(session=session, redemption_id=claim.id)
    _audit(
        session, claim, actor_id=reviewer.id, from_status=before, to_status=to_status, reason=reason, snapshot=snapshot
    )
    if to_status == RedemptionStatus.approved:
        emails.queue_success(session=session, redemption=claim, code=code)
    elif to_status == RedemptionStatus.needs_info:
        emails.queue_needs_info(session=session, redemption=claim)
    else:
        emails.queue_rejected(session=session, redemption=claim)
    session.flush()
    return claim


# --------------------------------------------------------------------------- resubmit


def resubmit(
    *,
    session: Session,
    user_id: int,
    claim_id: int,
    recipient: dict,
    invoice_file_id: int | None,
    serial_photo_file_id: int | None,
) -> Redemption:
    """"Redeem Again": the owner answers a needs-info decision → under review.

    Only the document the reviewer asked for is replaced (the accepted ones
    are kept; another file given is ignored); it is required and must differ
    from the one the reviewer already saw.  The recipient data may be
    corrected.  The earlier version stays in the audit snapshot.  The
    original due date is kept: the customer already waited, and a
    resubmission must not send them to the back of the queue.

    Raises ``NotFound`` (not the user's claim or file), ``FieldErrors``
    (recipient fields, ``invoice``, ``serial_photo``) and ``Conflict`` when the
    claim is not waiting for documents.
    """
    claim = _load_claim(session, claim_id)
    if claim.user_id != user_id:
        raise NotFound("We could not find this claim in your account.")
    if claim.status != RedemptionStatus.needs_info:
        raise Conflict(
            f"This claim is not waiting for documents (its status is “{status_text(claim.status, claim.reason)}”),"
            " so there is nothing to send again."
        )
    product = session.get(RegisteredProduct, claim.product_id)
    errors: dict[str, str] = {}
    try:
        clean = validate_recipient(session, recipient, product.region_code)
    except FieldErrors as exc:
        errors.update(exc.errors)
    asked = claim.missing_document
    updates: dict = {}
    for doc, field_name, given, current, kind in (
        (MissingDocument.invoice, "invoice", invoice_file_id, claim.invoice_file_id, FileKind.invoice),
        (
            MissingDocument.serial_photo,
            "serial_photo",
            serial_photo_file_id,
            claim.serial_photo_file_id,
            FileKind.serial_photo,
        ),
    ):
        # "other": the reviewer's reason says what; either document may be replaced.
        if asked not in (doc, MissingDocument.other):
            continue
        if given is None:
            if asked == doc:
                errors[field_name] = f"Please upload a new {'invoice' if doc == MissingDocument.invoice else 'S/N photo'}: {claim.reason}"
            continue
        new = _own_file(session, user_id=user_id, file_id=given, kind=kind)
        old = session.get(StoredFile, current) if current else None
        if old is not None and (old.id == new.id or old.sha256 == new.sha256):
            errors[field_name] = (
                "This is the same picture the reviewer already saw. Please upload a new one that shows what was asked: "
                f"{claim.reason}"
            )
            continue
        updates[f"{field_name}_file_id"] = new.id
    if errors:
        raise FieldErrors(errors)
    before = claim.status
    snapshot = _snapshot(claim)
    updates.update(
        status=RedemptionStatus.under_review,
        first_name=clean.first_name,
        last_name=clean.last_name,
        zipcode=clean.zipcode,
        address=clean.address,
        address_key=address_key(clean.zipcode, clean.address),
        phone=clean.phone,
        note=clean.note,
        reason="",
        missing_document=None,
        decided_at=None,
    )
    if not _bump(session, claim, from_status=before, values=updates):
        raise Conflict("This claim changed while you were editing it. Please reload Redeem History and try again.")
    _audit(
        session,
        claim,
        actor_id=user_id,
        from_status=before,
        to_status=RedemptionStatus.under_review,
        reason="Sent again with " + DOCUMENT_WORDS.get(asked, "corrections"),
        snapshot=snapshot,
    )
    emails.queue_claim_received(session=session, redemption=claim)
    session.flush()
    return claim


# --------------------------------------------------------------------------- shipping


def set_shipping(
    *,
    session: Session,
    claim_id: int,
    reviewer_id: int,
    status: ShippingStatus | str,
    tracking_number: str = "",
) -> Redemption:
    """Move an approved physical prize forward (preparing → shipped → delivered), audited.

    Raises ``Forbidden``, ``NotFound``, ``FieldErrors`` (bad status or
    tracking number) and ``Conflict`` (not an approved physical claim, or a
    step backwards).
    """
    reviewer = _require_reviewer(session, reviewer_id)
    try:
        status = ShippingStatus(getattr(status, "value", status))
    except ValueError:
        raise FieldErrors({"status": "Choose preparing, shipped or delivered."}) from None
    tracking_number = (tracking_number or "").strip()
    if len(tracking_number) > 80 or _CONTROL.search(tracking_number):
        raise FieldErrors({"tracking_number": "A tracking number is at most 80 printable characters."})
    claim = _load_claim(session, claim_id)
    promotion = session.get(Promotion, claim.promotion_id)
    if claim.status != RedemptionStatus.approved or promotion.prize_type != PrizeType.physical:
        raise Conflict("Shipping applies only to approved claims of a physical prize.")
    current = claim.shipping_status or ShippingStatus.preparing
    if SHIPPING_ORDER.index(status) < SHIPPING_ORDER.index(current):
        raise Conflict(f"This parcel is already {current.value}; shipping can only move forward.")
    snapshot = _snapshot(claim)
    values = {"shipping_status": status, "tracking_number": tracking_number or claim.tracking_number}
    if not _bump(session, claim, from_status=RedemptionStatus.approved, values=values):
        raise Conflict(_changed_message(session, _load_claim(session, claim_id)))
    note = f"Shipping: {status.value}"
    if claim.tracking_number:
        note += f" (tracking {claim.tracking_number})"
    _audit(
        session,
        claim,
        actor_id=reviewer.id,
        from_status=RedemptionStatus.approved,
        to_status=RedemptionStatus.approved,
        reason=note,
        snapshot=snapshot,
    )
    session.flush()
    return claim


# --------------------------------------------------------------------------- reading


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
        "status_text": status_text(claim.status, claim.reason),
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


def timeline(*, session: Session, user_id: int | None, claim_id: int, as_reviewer: bool = False) -> dict:
    """One claim with its history of states (dates, actors, reasons), due date,
    code and shipping state.

    The owner sees "You" and "Reviewer" as actors; a reviewer
    (``as_reviewer=True``, the caller has checked the role) sees emails and
    the snapshots of earlier versions.  Raises ``NotFound`` when the claim is
    not the user's.
    """
    found = session.exec(_claim_rows(session).where(Redemption.id == claim_id)).first()
    if found is None or (not as_reviewer and found[0].user_id != user_id):
        raise NotFound("We could not find this claim in your account.")
    claim = found[0]
    code = _issued_codes(session, [claim.id]).get(claim.id)
    data = _row(*found, code=code)
    if as_reviewer:
        held = session.exec(select(PromotionCode).where(PromotionCode.redemption_id == claim.id)).first()
        data["reserved_code"] = held.code if held else ""
    events = session.exec(
        select(RedemptionEvent, User.email, User.role)
        .outerjoin(User, User.id == RedemptionEvent.actor_id)
        .where(RedemptionEvent.redemption_id == claim.id)
        .order_by(RedemptionEvent.created_at, RedemptionEvent.id)
    ).all()
    items = []
    for event, email, role in events:
        if as_reviewer:
            actor = email or "system"
        elif event.actor_id == claim.user_id:
            actor = "You"
        else:
            actor = "Reviewer" if email else "System"
        item = {
            "at": event.created_at.isoformat(),
            "date": event.created_at.date().isoformat(),
            "from_status": event.from_status.value if event.from_status else "",
            "to_status": event.to_status.value,
            "label": _event_label(event),
            "actor": actor,
            "reason": event.reason,
        }
        if as_reviewer:
            item["snapshot"] = json.loads(event.snapshot) if event.snapshot else {}
        items.append(item)
    # How to use the prize, next to the code the customer just got.
    data["how_to_activate"] = (session.get(Promotion, claim.promotion_id).prize_instructions or "") if data["code"] else ""
    data["submitted_at"] = claim.submitted_at.isoformat()
    data["decided_at"] = claim.decided_at.isoformat() if claim.decided_at else ""
    data["events"] = items
    return data


def _event_label(event: RedemptionEvent) -> str:
    if event.from_status is None:
        return "Claim submitted"
    if event.from_status == RedemptionStatus.needs_info:
        return "Sent again (Redeem Again)"
    if event.from_status == event.to_status:
        return event.reason or "Updated"
    return {
        RedemptionStatus.approved: "Redeem Success",
        RedemptionStatus.needs_info: "Documents requested",
        RedemptionStatus.rejected: "Rejected",
        RedemptionStatus.under_review: "Under review",
    }[event.to_status]


# --------------------------------------------------------------------------- shipping (reviewer console)


def advance_shipping(
    *,
    session: Session,
    claim_id: int,
    reviewer_id: int,
    status: ShippingStatus | str,
    tracking_number: str = "",
    expected_version: int,
) -> Redemption:
    """``set_shipping`` for the reviewer console: only over the version the reviewer saw.

    Marking a parcel shipped needs its tracking number (``FieldErrors`` keyed
    ``tracking_number``), so the customer can follow it.  When the claim
    changed since ``expected_version`` (another reviewer moved the parcel,
    or anything else), raises ``Conflict`` saying who changed it and how;
    the caller rolls back.  Audited and live like ``set_shipping`` (one
    ``RedemptionEvent``).
    """
    _require_reviewer(session, reviewer_id)
    try:
        wanted = ShippingStatus(getattr(status, "value", status))
    except ValueError:
        raise FieldErrors({"status": "Choose preparing, shipped or delivered."}) from None
    tracking = (tracking_number or "").strip() if isinstance(tracking_number, str) else ""
    if wanted == ShippingStatus.shipped and not tracking:
        raise FieldErrors(
            {"tracking_number": "Enter the carrier's tracking number, so the customer can follow the parcel."}
        )
    claim = _load_claim(session, claim_id)
    if claim.version != expected_version:
        raise Conflict(_shipping_changed_message(session, claim))
    done = set_shipping(
        session=session, claim_id=claim_id, reviewer_id=reviewer_id, status=wanted, tracking_number=tracking
    )
    # set_shipping bumps the version it loaded by one: anything else means a
    # writer slipped in between our check and its update.
    if done.version != expected_version + 1:
        raise Conflict(_shipping_changed_message(session, _load_claim(session, claim_id)))
    return done


def _shipping_changed_message(session: Session, claim: Redemption) -> str:
    last = session.exec(
        select(RedemptionEvent)
        .where(RedemptionEvent.redemption_id == claim.id)
        .order_by(RedemptionEvent.created_at.desc(), RedemptionEvent.id.desc())
    ).first()
    if last is None or last.from_status != last.to_status:
        return _changed_message(session, claim)
    actor = session.get(User, last.actor_id) if last.actor_id else None
    at = last.created_at.astimezone(clock.now().tzinfo)
    who = actor.email if actor else "another reviewer"
    return (
        f"Already updated by {who} at {at:%H:%M} UTC on {at:%Y-%m-%d}: {last.reason or 'shipping changed'}."
        " The page now shows the current state."
    )
