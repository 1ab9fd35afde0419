"""One claim as the reviewer sees it before deciding.

One job: the claim detail read model — registration, customer, recipient,
file facts, eligibility recomputed now, linked claims (same serial, invoice,
address) and the audit trail.  Every public entry point that shows a claim
checks the acting user's reviewer role itself (``services.access``).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, select

from rxapp import i18n
from rxapp.i18n import N_, _
from rxapp.models import (
    EmailMessage,
    ProductCategory,
    ProductModel,
    Promotion,
    Redemption,
    RedemptionEvent,
    RedemptionStatus,
    Region,
    RegisteredProduct,
    SerialAttempt,
    SerialAttemptKind,
    SerialRecord,
    Store,
    StoredFile,
    User,
)
from rxapp.services import access, clock, eligibility
from rxapp.services.errors import NotFound
from rxapp.services.recipients import claim_recipient


def _file_facts(session: Session, file_id: int | None) -> dict | None:
    if file_id is None:
        return None
    f = session.get(StoredFile, file_id)
    if f is None:
        return None
    return {
        "file_id": f.id,
        "kind": f.kind.value,
        "content_type": f.content_type,
        "size": f.size,
        "width": f.width,
        "height": f.height,
        "sha256": f.sha256,
        "original_name": f.original_name,
    }


def _eligibility(session: Session, claim: Redemption) -> dict:
    """The eligibility checks recomputed now: {"eligible", "checks": [{rule, ok, message}]}.

    The "not already claimed" rule is left out: the claim under review is the
    one it would find.
    """
    try:
        result = eligibility.check(
            session=session,
            product_id=claim.product_id,
            promotion_id=claim.promotion_id,
            user_id=claim.user_id,
            invoice_file_id=claim.invoice_file_id,
        )
    except NotFound as exc:
        return {"eligible": False, "checks": [{"rule": "product", "ok": False, "message": exc.message}]}
    failed = {r.rule: r.message for r in result.reasons if r.rule != "not_claimed"}
    notes: dict[str, str] = {}
    promotion = session.get(Promotion, claim.promotion_id)
    submitted_on = claim.submitted_at.date()
    if "running" in failed and promotion.starts_on <= submitted_on <= promotion.ends_on:
        # What matters for a claim is that it came in while the promotion ran.
        del failed["running"]
        notes["running"] = _("Submitted on {date}, while the promotion ran.").format(
            date=i18n.format_date(submitted_on))
    rules = [r for r in eligibility.RULES if r != "not_claimed"]
    rules += [r for r in failed if r not in rules]
    return {
        "eligible": not failed,
        "checks": [
            {"rule": r, "ok": r not in failed, "message": failed.get(r, notes.get(r, ""))} for r in rules
        ],
    }


def claim_eligibility(*, session: Session, claim: Redemption) -> dict:
    """The eligibility checks of a claim now, for the system (the fast track): ``_eligibility``."""
    return _eligibility(session, claim)


# A linked claim's kind: its English words are its key; the console shows them translated (``_``).
KIND_SAME_SERIAL = N_("same serial on another account")
KIND_SAME_INVOICE = N_("same invoice image")
KIND_SAME_ADDRESS = N_("same address")
KIND_SERIAL_ATTEMPT = N_("someone else tried to register this serial")


def linked_claims(*, session: Session, actor_id: int, claim_id: int) -> list[dict]:
    """Other claims and attempts that share something with this claim (see ``_linked``).

    Raises ``Forbidden`` unless ``actor_id`` is a reviewer, ``NotFound`` for
    an unknown claim.
    """
    access.check_reviewer(session=session, user_id=actor_id)
    return _linked(session, claim_id)


def _linked(session: Session, claim_id: int) -> list[dict]:
    """Other claims and attempts that share something with this claim.

    Kinds: the same serial registered on another account (any active state),
    the same invoice image (sha256) on another claim or product, the same
    normalised address on another claim, and refused attempts by someone else
    to register this serial.  Each row: kind, claim_id (None when there is no
    claim, e.g. a product without one), product_id, user_email, status, at.
    Raises ``NotFound`` for an unknown claim.
    """
    claim = session.get(Redemption, claim_id)
    if claim is None:
        raise NotFound(_("Claim #{id} does not exist.").format(id=claim_id))
    product = session.get(RegisteredProduct, claim.product_id)
    out: list[dict] = []
    seen: set[tuple[str, int | None, int | None]] = set()

    def add(kind, claim_row, product_id, email, at=None):
        key = (kind, claim_row.id if claim_row else None, product_id)
        if key in seen:
            return
        seen.add(key)
        out.append(
            {
                "kind": kind,
                "claim_id": claim_row.id if claim_row else None,
                "product_id": product_id,
                "user_email": email,
                "status": claim_row.status.value if claim_row else None,
                "at": at,
            }
        )

    def claims_of_products(kind, rows):
        """One link per claim of each product, or one for a product with no claim."""
        for p, email in rows:
            claims = session.exec(
                select(Redemption).where(Redemption.product_id == p.id).order_by(Redemption.id)
            ).all()
            if not claims:
                add(kind, None, p.id, email, p.registered_at)
            for c in claims:
                if c.id != claim.id:
                    add(kind, c, p.id, email, c.submitted_at)

    # Same serial, another account.
    rows = session.exec(
        select(RegisteredProduct, User.email)
        .join(User, User.id == RegisteredProduct.user_id)
        .where(
            RegisteredProduct.serial_id == product.serial_id,
            RegisteredProduct.user_id != claim.user_id,
        )
        .order_by(RegisteredProduct.id)
    ).all()
    claims_of_products(KIND_SAME_SERIAL, rows)

    # Same invoice image (by content hash) on another claim or product.
    own_files = {fid for fid in (claim.invoice_file_id, product.invoice_file_id) if fid}
    if own_files:
        hashes = session.exec(
            select(StoredFile.sha256).where(StoredFile.id.in_(own_files))
        ).all()
        twins = sa.select(StoredFile.id).where(StoredFile.sha256.in_(set(hashes)))
        other_claims = session.exec(
            select(Redemption, User.email)
            .join(User, User.id == Redemption.user_id)
            .where(
                Redemption.id != claim.id,
                sa.or_(
                    Redemption.invoice_file_id.in_(twins),
                    Redemption.serial_photo_file_id.in_(twins),
                ),
            )
            .order_by(Redemption.id)
        ).all()
        for c, email in other_claims:
            add(KIND_SAME_INVOICE, c, c.product_id, email, c.submitted_at)
        other_products = session.exec(
            select(RegisteredProduct, User.email)
            .join(User, User.id == RegisteredProduct.user_id)
            .where(RegisteredProduct.id != product.id, RegisteredProduct.invoice_file_id.in_(twins))
            .order_by(RegisteredProduct.id)
        ).all()
        claims_of_products(KIND_SAME_INVOICE, other_products)

    # Same normalised address on another claim.
    if claim.address_key:
        rows = session.exec(
            select(Redemption, User.email)
            .join(User, User.id == Redemption.user_id)
            .where(Redemption.address_key == claim.address_key, Redemption.id != claim.id)
            .order_by(Redemption.id)
        ).all()
        for c, email in rows:
            add(KIND_SAME_ADDRESS, c, c.product_id, email, c.submitted_at)

    # Refused registrations of this serial by other accounts.
    serial = session.get(SerialRecord, product.serial_id)
    attempts = session.exec(
        select(SerialAttempt, User.email)
        .join(User, User.id == SerialAttempt.user_id)
        .where(
            SerialAttempt.serial == serial.serial,
            SerialAttempt.kind == SerialAttemptKind.already_registered,
            SerialAttempt.user_id != claim.user_id,
        )
        .order_by(SerialAttempt.created_at, SerialAttempt.id)
    ).all()
    for a, email in attempts:
        out.append(
            {
                "kind": KIND_SERIAL_ATTEMPT,
                "claim_id": None,
                "product_id": None,
                "user_email": email,
                "status": None,
                "at": a.created_at,
            }
        )
    return out


def _audit_trail(session: Session, claim_id: int) -> list[dict]:
    """The claim's audit trail, oldest first: who, from → to, reason, when."""
    rows = session.exec(
        select(RedemptionEvent, User.email)
        .outerjoin(User, User.id == RedemptionEvent.actor_id)
        .where(RedemptionEvent.redemption_id == claim_id)
        .order_by(RedemptionEvent.created_at, RedemptionEvent.id)
    ).all()
    return [
        {
            "event_id": e.id,
            "actor_email": email or "",
            "from_status": e.from_status.value if e.from_status else None,
            "to_status": e.to_status.value,
            "reason": e.reason,
            "at": e.created_at,
        }
        for e, email in rows
    ]


@dataclass(frozen=True)
class ReviewedClaim:
    """A claim with what it was registered as, loaded for a reviewer (``reviewed_claim``)."""

    claim: Redemption
    product: RegisteredProduct
    serial: SerialRecord
    model: ProductModel
    category: ProductCategory
    promotion: Promotion


def reviewed_claim(*, session: Session, actor_id: int, claim_id: int) -> ReviewedClaim:
    """The claim ``claim_id`` and its registration, for the reviewer ``actor_id``.

    Raises ``Forbidden`` unless ``actor_id`` is a reviewer, ``NotFound`` for an unknown claim.
    """
    access.check_reviewer(session=session, user_id=actor_id)
    return loaded_claim(session=session, claim_id=claim_id)


def loaded_claim(*, session: Session, claim_id: int) -> ReviewedClaim:
    """The claim and its registration, for a caller that checked who may see it; ``NotFound`` when unknown."""
    claim = session.get(Redemption, claim_id)
    if claim is None:
        raise NotFound(_("Claim #{id} does not exist.").format(id=claim_id))
    product = session.get(RegisteredProduct, claim.product_id)
    serial = session.get(SerialRecord, product.serial_id)
    model = session.get(ProductModel, serial.model_id)
    return ReviewedClaim(claim, product, serial, model, session.get(ProductCategory, model.category_id),
                         session.get(Promotion, claim.promotion_id))


def claim_detail(*, session: Session, actor_id: int, claim_id: int) -> dict:
    """Everything a reviewer needs to decide one claim, as plain dicts.

    Keys: claim, registration, customer, recipient, files (invoice,
    serial_photo), eligibility, linked, timeline (the audit trail), emails.
    Raises ``Forbidden`` unless ``actor_id`` is a reviewer, ``NotFound`` for
    an unknown claim.
    """
    found = reviewed_claim(session=session, actor_id=actor_id, claim_id=claim_id)
    claim, product, serial, model, category, promotion = (
        found.claim, found.product, found.serial, found.model, found.category, found.promotion)
    store = session.get(Store, product.store_id)
    region = session.get(Region, product.region_code)
    customer = session.get(User, claim.user_id)
    today = clock.today(session)
    emails = session.exec(
        select(EmailMessage)
        .where(EmailMessage.redemption_id == claim.id)
        .order_by(EmailMessage.created_at, EmailMessage.id)
    ).all()
    return {
        "claim": {
            "claim_id": claim.id,
            "status": claim.status.value,
            "version": claim.version,
            "promotion_id": promotion.id,
            "promotion_name": promotion.name,
            "prize_type": promotion.prize_type.value,
            "submitted_at": claim.submitted_at,
            "due_on": claim.due_on,
            "overdue": claim.status == RedemptionStatus.under_review and claim.due_on < today,
            "decided_at": claim.decided_at,
            "reason": claim.reason,
            "missing_document": claim.missing_document.value if claim.missing_document else None,
            "shipping_status": claim.shipping_status.value if claim.shipping_status else None,
            "tracking_number": claim.tracking_number,
        },
        "registration": {
            "product_id": product.id,
            "category": category.name,
            "model": model.name,
            "model_number": model.model_number,
            "serial": serial.serial,
            "chk": serial.chk,
            "store": store.name if store else "",
            "store_is_partner": bool(store and store.is_partner),
            "channel": product.channel.value,
            "purchase_date": product.purchase_date,
            "region_code": product.region_code,
            "region_name": region.name if region else product.region_code,
            "registered_at": product.registered_at,
            "is_active": product.is_active,
        },
        "customer": {
            "user_id": customer.id,
            "name": f"{customer.first_name} {customer.last_name}".strip(),
            "email": customer.email,
            "phone": customer.phone_e164,
            "language": customer.language or "",
        },
        "recipient": claim_recipient(claim),
        "files": {
            "invoice": _file_facts(session, claim.invoice_file_id or product.invoice_file_id),
            "serial_photo": _file_facts(session, claim.serial_photo_file_id),
        },
        "eligibility": _eligibility(session, claim),
        "linked": _linked(session, claim.id),
        "timeline": _audit_trail(session, claim.id),
        "emails": [
            {
                "kind": m.kind,
                "to": m.to_email,
                "subject": m.subject,
                "status": m.status.value,
                "attempts": m.attempts,
                "sent_at": m.sent_at,
                "last_error": m.last_error,
            }
            for m in emails
        ],
    }

