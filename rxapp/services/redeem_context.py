"""What the Promotion Redeem Confirm page shows before a claim is sent.

The product facts, the proof of purchase on file, the eligibility verdict and
the recipient data prefilled from the profile — one read, no writes.
"""

from __future__ import annotations

from sqlmodel import Session

from rxapp import i18n
from rxapp.models import MissingDocument, Promotion, Redemption, RedemptionStatus, RegisteredProduct, User
from rxapp.services import eligibility
from rxapp.services.errors import NotFound


REQUIRED, OPTIONAL = "required", "optional"


def documents_needed(missing: MissingDocument | str | None, *, again: bool) -> dict[str, str]:
    """Which claim documents the form requires and which it only accepts: {"invoice": …, "serial_photo": …}.

    A first claim needs the S/N photo; the invoice on file is used unless a new one is uploaded.
    Redeem Again requires only the document the reviewer asked for; the other one stays as it is
    on file unless the customer uploads a new one.  One rule for the page and for ``claims.resubmit``.
    """
    if not again:
        return {"invoice": OPTIONAL, "serial_photo": REQUIRED}
    asked = getattr(missing, "value", missing) or ""
    return {doc: REQUIRED if asked == doc else OPTIONAL for doc in ("invoice", "serial_photo")}


def own_product_and_promotion(
    *, session: Session, user_id: int, product_id: int, promotion_id: int
) -> tuple[RegisteredProduct, Promotion]:
    """The user's active product and the promotion it would redeem; ``NotFound`` otherwise."""
    product = session.get(RegisteredProduct, product_id)
    if product is None or product.user_id != user_id or not product.is_active:
        raise NotFound(i18n.gettext("We could not find this product in your account."))
    promotion = session.get(Promotion, promotion_id)
    if promotion is None:
        raise NotFound(i18n.gettext("This promotion does not exist."))
    return product, promotion


def confirm_context(*, session: Session, user_id: int, product_id: int, promotion_id: int) -> dict:
    """Plain facts for the confirm page; raises ``NotFound`` for another user's product."""
    product, promotion = own_product_and_promotion(
        session=session, user_id=user_id, product_id=product_id, promotion_id=promotion_id
    )
    facts = eligibility.load_products(session, user_id=user_id, product_id=product_id)[0]
    verdict = eligibility.check(session=session, product_id=product_id, promotion_id=promotion_id, user_id=user_id)
    user = session.get(User, user_id)
    return {
        "product_id": product.id,
        "promotion_id": promotion.id,
        "promotion_name": promotion.name,
        "period": f"{i18n.format_date(promotion.starts_on)} ~ {i18n.format_date(promotion.ends_on)}",
        "prize_name": promotion.prize_name,
        "prize_type": promotion.prize_type.value,
        "product_type": facts.category_name,
        "product_name": facts.model_name,
        "serial": facts.serial,
        "purchase_date": product.purchase_date.isoformat(),
        "region": i18n.territory(facts.region_code, facts.region_name),
        "store": facts.store_name,
        "invoice_file_id": product.invoice_file_id,
        "documents": documents_needed(None, again=False),
        "eligible": verdict.eligible,
        "reasons": [r.message for r in verdict.reasons],
        "recipient": {
            "first_name": user.first_name if user else "",
            "last_name": user.last_name if user else "",
            "zipcode": "",
            "address": "",
            "contact_number": user.phone_e164 if user else "",
            "note": "",
        },
    }


def again_context(*, session: Session, user_id: int, claim_id: int) -> dict:
    """The "Redeem Again" page: the claim, what the reviewer asked for, the data sent before.

    Raises ``NotFound`` for another user's claim or one that is not waiting for the customer.
    """
    claim = session.get(Redemption, claim_id)
    if claim is None or claim.user_id != user_id:
        raise NotFound(i18n.gettext("We could not find this claim in your account."))
    if claim.status != RedemptionStatus.needs_info:
        raise NotFound(i18n.gettext("This claim is not waiting for documents from you."))
    ctx = confirm_context(session=session, user_id=user_id, product_id=claim.product_id,
                          promotion_id=claim.promotion_id)
    ctx.update(
        {
            "claim_id": claim.id,
            "reason": claim.reason,
            "missing_document": claim.missing_document.value if claim.missing_document else "",
            "documents": documents_needed(claim.missing_document, again=True),
            "invoice_file_id": claim.invoice_file_id,
            "serial_photo_file_id": claim.serial_photo_file_id,
            "recipient": {
                "first_name": claim.first_name,
                "last_name": claim.last_name,
                "zipcode": claim.zipcode,
                "address": claim.address,
                "contact_number": claim.phone,
                "note": claim.note,
            },
            # The claim exists already: the "not already claimed" rule does not apply to it.
            "eligible": True,
            "reasons": [],
        }
    )
    return ctx

