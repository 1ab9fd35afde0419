"""Claims and their status machine (DESIGN.md §3): submit, decide, resubmit, ship.

    submit ──► under_review ──► approved   (digital: code issued; physical: preparing → shipped → delivered)
                    │    ▲ ──► rejected   (final; the reserved code goes back to the pool)
                    ▼    │
               needs_info ── resubmit ("Redeem Again")

One job: change a claim's state.  Reading claims is ``services.claim_history``
(the customer) and ``services.claim_review`` (the reviewer).  Every
transition happens in the caller's transaction together with its audit row
(``RedemptionEvent``: who, when, from → to, reason, a JSON snapshot of what
the claim held before) and its outbox email.  Nothing here commits; on any
``ServiceError`` the caller rolls back.  A reviewer's action checks the
role itself (``services.access``).

Concurrency guards, all held by the database: one claim per (product,
promotion) is a unique constraint; two reviewers acting on one claim meet a
conditional ``UPDATE … WHERE id AND version`` (exactly one row changes, the
other is told who won); codes are reserved at submission (``codes.reserve``),
so approving never meets an empty pool.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from rxapp import i18n
from rxapp.i18n import N_
from rxapp.models import (
    FileKind,
    MissingDocument,
    PrizeType,
    Promotion,
    Redemption,
    RedemptionStatus,
    RegisteredProduct,
    ShippingStatus,
    StoredFile,
    User,
    utcnow,
)
from rxapp.services import access, claim_events, clock, codes, eligibility, emails
from rxapp.services.eligibility import Reason
from rxapp.services.errors import Conflict, FieldErrors, NotFound, ServiceError
from rxapp.services.recipients import CONTROL_CHARS, recipient_columns, validate_recipient
from rxapp.services.redeem_context import REQUIRED, documents_needed, own_product_and_promotion
from rxapp.vocabulary import customer_status_text, document_in_sentence

ALREADY_REDEEMED = N_("This product has already been redeemed for this promotion.")
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


class NotEligible(ServiceError):
    """The product cannot redeem this promotion; ``reasons`` says which rules fail."""

    def __init__(self, reasons: list[Reason]):
        super().__init__(" ".join(r.message for r in reasons))
        self.reasons = list(reasons)


# --------------------------------------------------------------------------- helpers


def _own_file(session: Session, *, user_id: int, file_id: int, kind: FileKind) -> StoredFile:
    f = session.get(StoredFile, file_id)
    if f is None or f.owner_id != user_id or f.kind != kind or f.expires_at is not None:
        raise NotFound(i18n.gettext("We could not find this invoice among your uploads: please upload it again.")
                       if kind == FileKind.invoice else
                       i18n.gettext("We could not find this S/N photo among your uploads: please upload it again."))
    return f


def load_claim(session: Session, claim_id: int) -> Redemption:
    """The claim as the database holds it now (not a stale copy of this session)."""
    claim = session.exec(
        select(Redemption).where(Redemption.id == claim_id).execution_options(populate_existing=True)
    ).first()
    if claim is None:
        raise NotFound(i18n.gettext("This claim does not exist."))
    return claim


def _recorded(
    session: Session, claim: Redemption, *, email: Callable[..., object] | None = None, **transition
) -> Redemption:
    """The last step of every transition: its audit row, its email (if any), flushed.

    ``transition`` is what ``claim_events.record`` writes: actor_id,
    from_status, to_status and, optionally, reason and snapshot.
    """
    claim_events.record(session=session, claim=claim, **transition)
    if email is not None:
        email(session=session, redemption=claim)
    session.flush()
    return claim


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
    product, promotion = own_product_and_promotion(
        session=session, user_id=user_id, product_id=product_id, promotion_id=promotion_id
    )
    if session.get_bind().dialect.name == "postgresql":
        # Serialise one customer's submissions (per-customer limit), and, for a
        # counted physical prize, all submissions of that promotion (its stock).
        session.execute(sa.select(User.id).where(User.id == user_id).with_for_update())
        if promotion.prize_type == PrizeType.physical and promotion.physical_stock is not None:
            session.execute(sa.select(Promotion.id).where(Promotion.id == promotion_id).with_for_update())
    errors: dict[str, str] = {}
    try:
        clean = validate_recipient(session=session, data=recipient, region_code=product.region_code)
    except FieldErrors as exc:
        errors.update(exc.errors)
    if serial_photo_file_id is None:
        errors["serial_photo"] = i18n.gettext(
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
        raise Conflict(i18n.gettext(ALREADY_REDEEMED))
    result = eligibility.check(
        session=session,
        product_id=product_id,
        promotion_id=promotion_id,
        user_id=user_id,
        invoice_file_id=invoice_file_id,
    )
    if any(r.rule == "not_claimed" for r in result.reasons):
        raise Conflict(i18n.gettext(ALREADY_REDEEMED))  # committed by a concurrent submission just now
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
        **recipient_columns(clean),
        submitted_at=clock.business_now(session),
        due_on=clock.add_working_days(today, promotion.due_working_days),
    )
    session.add(claim)
    try:
        session.flush()
    except IntegrityError:
        # Another submission of the same claim committed first.
        raise Conflict(i18n.gettext(ALREADY_REDEEMED)) from None
    if promotion.prize_type == PrizeType.digital_code:
        if codes.reserve(session=session, promotion_id=promotion_id, redemption_id=claim.id) is None:
            raise NotEligible(
                [Reason("stock", eligibility.rule_stock(eligibility.load_promotions(session, [promotion])[0], 0))]
            )
    return _recorded(
        session, claim, actor_id=user_id, from_status=None, to_status=RedemptionStatus.under_review,
        email=emails.queue_claim_received,
    )


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
    reviewer = access.require_reviewer(session=session, user_id=reviewer_id)
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
    claim = load_claim(session, claim_id)
    if expected_version is not None and claim.version != expected_version:
        raise Conflict(claim_events.changed_message(session=session, claim=claim))
    if to_status not in ALLOWED[claim.status]:
        if claim.status == RedemptionStatus.needs_info:
            raise Conflict("This claim waits for the customer's documents: it can be decided once they resubmit.")
        raise Conflict(claim_events.changed_message(session=session, claim=claim))
    before = claim.status
    snapshot = claim_events.snapshot(claim)
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
        raise Conflict(claim_events.changed_message(session=session, claim=load_claim(session, claim_id)))
    code = None
    if to_status == RedemptionStatus.approved and promotion.prize_type == PrizeType.digital_code:
        code = codes.issue(session=session, redemption_id=claim.id).code
    elif to_status == RedemptionStatus.rejected:
        codes.release(session=session, redemption_id=claim.id)
    if to_status == RedemptionStatus.approved:
        email = functools.partial(emails.queue_success, code=code)
    elif to_status == RedemptionStatus.needs_info:
        email = emails.queue_needs_info
    else:
        email = emails.queue_rejected
    return _recorded(
        session, claim, actor_id=reviewer.id, from_status=before, to_status=to_status,
        reason=reason, snapshot=snapshot, email=email,
    )


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

    The document the reviewer asked for is required and must differ from the
    one the reviewer already saw; the other one stays as it is on file unless
    a new one is given (``redeem_context.documents_needed``).  The recipient data may be
    corrected.  The earlier version stays in the audit snapshot.  The
    original due date is kept: the customer already waited, and a
    resubmission must not send them to the back of the queue.

    Raises ``NotFound`` (not the user's claim or file), ``FieldErrors``
    (recipient fields, ``invoice``, ``serial_photo``) and ``Conflict`` when the
    claim is not waiting for documents.
    """
    claim = load_claim(session, claim_id)
    if claim.user_id != user_id:
        raise NotFound(i18n.gettext("We could not find this claim in your account."))
    if claim.status != RedemptionStatus.needs_info:
        raise Conflict(
            i18n.gettext("This claim is not waiting for documents (its status is “{status}”), so there is nothing "
                         "to send again.").format(status=customer_status_text(claim.status, claim.reason))
        )
    product = session.get(RegisteredProduct, claim.product_id)
    errors: dict[str, str] = {}
    try:
        clean = validate_recipient(session=session, data=recipient, region_code=product.region_code)
    except FieldErrors as exc:
        errors.update(exc.errors)
    asked = claim.missing_document
    needed = documents_needed(asked, again=True)
    updates: dict = {}
    for field_name, given, current, kind in (
        ("invoice", invoice_file_id, claim.invoice_file_id, FileKind.invoice),
        ("serial_photo", serial_photo_file_id, claim.serial_photo_file_id, FileKind.serial_photo),
    ):
        required = needed[field_name] == REQUIRED
        if given is None:
            # Not asked for: the one on file stays.
            if required:
                errors[field_name] = (
                    i18n.gettext("Please upload a new invoice: {reason}") if field_name == "invoice"
                    else i18n.gettext("Please upload a new S/N photo: {reason}")).format(reason=claim.reason)
            continue
        new = _own_file(session, user_id=user_id, file_id=given, kind=kind)
        old = session.get(StoredFile, current) if current else None
        if old is not None and (old.id == new.id or old.sha256 == new.sha256):
            if required:
                errors[field_name] = i18n.gettext(
                    "This is the same picture the reviewer already saw. Please upload a new one that shows "
                    "what was asked: {reason}").format(reason=claim.reason)
            continue
        updates[f"{field_name}_file_id"] = new.id
    if errors:
        raise FieldErrors(errors)
    before = claim.status
    snapshot = claim_events.snapshot(claim)
    updates.update(
        status=RedemptionStatus.under_review,
        **recipient_columns(clean),
        reason="",
        missing_document=None,
        decided_at=None,
    )
    if not _bump(session, claim, from_status=before, values=updates):
        raise Conflict(i18n.gettext("This claim changed while you were editing it. Please reload Redeem History "
                                    "and try again."))
    return _recorded(
        session, claim, actor_id=user_id, from_status=before, to_status=RedemptionStatus.under_review,
        reason="Sent again with " + (document_in_sentence(asked) or "corrections"), snapshot=snapshot,
        email=emails.queue_claim_received,
    )


# --------------------------------------------------------------------------- shipping


def ship(
    *,
    session: Session,
    claim_id: int,
    reviewer_id: int,
    status: ShippingStatus | str,
    tracking_number: str = "",
    expected_version: int,
) -> Redemption:
    """Move an approved physical prize forward (preparing → shipped → delivered), audited.

    Only over the version the reviewer saw (``expected_version``): when the
    claim changed since, raises ``Conflict`` saying who changed it and how.
    Marking a parcel shipped needs its tracking number, so the customer can
    follow it.  Raises ``Forbidden`` (not a reviewer), ``NotFound``,
    ``FieldErrors`` (``status``, ``tracking_number``) and ``Conflict`` (not
    an approved physical claim, a step backwards, or a stale version).
    """
    reviewer = access.require_reviewer(session=session, user_id=reviewer_id)
    try:
        wanted = ShippingStatus(getattr(status, "value", status))
    except ValueError:
        raise FieldErrors({"status": "Choose preparing, shipped or delivered."}) from None
    tracking = tracking_number.strip() if isinstance(tracking_number, str) else ""
    if len(tracking) > 80 or CONTROL_CHARS.search(tracking):
        raise FieldErrors({"tracking_number": "A tracking number is at most 80 printable characters."})
    if wanted == ShippingStatus.shipped and not tracking:
        raise FieldErrors(
            {"tracking_number": "Enter the carrier's tracking number, so the customer can follow the parcel."}
        )
    claim = load_claim(session, claim_id)
    if claim.version != expected_version:
        raise Conflict(claim_events.shipping_changed_message(session=session, claim=claim))
    promotion = session.get(Promotion, claim.promotion_id)
    if claim.status != RedemptionStatus.approved or promotion.prize_type != PrizeType.physical:
        raise Conflict("Shipping applies only to approved claims of a physical prize.")
    current = claim.shipping_status or ShippingStatus.preparing
    if SHIPPING_ORDER.index(wanted) < SHIPPING_ORDER.index(current):
        raise Conflict(f"This parcel is already {current.value}; shipping can only move forward.")
    snapshot = claim_events.snapshot(claim)
    values = {"shipping_status": wanted, "tracking_number": tracking or claim.tracking_number}
    if not _bump(session, claim, from_status=RedemptionStatus.approved, values=values):
        raise Conflict(claim_events.shipping_changed_message(session=session, claim=load_claim(session, claim_id)))
    note = f"Shipping: {wanted.value}"
    if claim.tracking_number:
        note += f" (tracking {claim.tracking_number})"
    return _recorded(
        session, claim, actor_id=reviewer.id, from_status=RedemptionStatus.approved,
        to_status=RedemptionStatus.approved, reason=note, snapshot=snapshot,
    )
