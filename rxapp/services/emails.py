"""Every email the member center sends: rendered here, queued in the outbox.

Each ``queue_*`` function renders a plain-text and an HTML body (the vendor's
name from settings, links back to the app) and adds one outbox row in the
caller's transaction.
"""

from __future__ import annotations

import html

from sqlmodel import Session

from rxapp import routes, settings
from rxapp.models import (
    EmailMessage,
    PrizeType,
    ProductModel,
    Promotion,
    Redemption,
    RegisteredProduct,
    SerialRecord,
    User,
)
from rxapp.services import outbox, signing

VERIFY_PURPOSE = "verify-email"
VERIFY_TTL_SECONDS = 3 * 24 * 3600


def app_url(path: str) -> str:
    """An absolute link into the app (RXAPP_BASE_URL + path)."""
    return f"{settings.get().base_url}{path}"


def vendor() -> str:
    return settings.get().vendor_name


def _render(paragraphs: list[str], link: tuple[str, str] | None = None) -> tuple[str, str]:
    """(text, html) bodies from paragraphs and an optional (label, url) button."""
    name = vendor()
    text_parts = ["Dear Customer,", *paragraphs]
    if link:
        text_parts.append(f"{link[0]}: {link[1]}")
    text_parts += ["Sincerely,", f"{name} customer service"]
    text = "\n\n".join(text_parts) + "\n"
    body = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)
    if link:
        body += (
            # inline-block: an inline link's padding overlapped the lines around it, and a label wrapping on a
            # phone broke the button in two.
            f'<p style="margin:20px 0"><a href="{html.escape(link[1])}" style="display:inline-block;'
            f'background:#c8102e;color:#fff;padding:10px 18px;border-radius:4px;text-decoration:none;'
            f'line-height:1.3">{html.escape(link[0])}</a></p>'
        )
    page = (
        '<div style="font-family:Arial,sans-serif;max-width:600px;margin:auto;color:#222">'
        f'<div style="background:#111;color:#fff;padding:14px 20px;font-weight:bold">{html.escape(name)}</div>'
        f'<div style="padding:20px"><p>Dear Customer,</p>{body}'
        f"<p>Sincerely,<br>{html.escape(name)} customer service</p></div></div>"
    )
    return text, page


def verification_token(user: User) -> str:
    return signing.sign(VERIFY_PURPOSE, {"uid": user.id, "email": user.email}, VERIFY_TTL_SECONDS)


def queue_welcome(*, session: Session, user: User) -> EmailMessage:
    """Welcome email with a signed, expiring email-verification link."""
    url = app_url(f"{routes.VERIFY_EMAIL}?token={verification_token(user)}")
    text, page = _render(
        [
            f"Welcome to the {vendor()} member center, {user.first_name}!",
            "Please confirm your email address so we can reach you about your products and claims."
            " The link is valid for 3 days.",
        ],
        ("Verify my email", url),
    )
    return outbox.enqueue(
        session=session,
        to_email=user.email,
        kind="welcome",
        subject=f"Welcome to the {vendor()} member center - please verify your email",
        body_text=text,
        body_html=page,
        user_id=user.id,
    )


# --------------------------------------------------------------------------- claim emails
# One email per claim transition, queued by rxapp.services.claims in the
# transaction of that transition.


def _claim_context(session: Session, redemption: Redemption) -> tuple[User, Promotion, str]:
    """(customer, promotion, "Product name (S/N …)") of a claim."""
    user = session.get(User, redemption.user_id)
    promotion = session.get(Promotion, redemption.promotion_id)
    product = session.get(RegisteredProduct, redemption.product_id)
    serial = session.get(SerialRecord, product.serial_id)
    model = session.get(ProductModel, serial.model_id)
    return user, promotion, f"{model.name} (S/N {serial.serial})"


def _claim_subject(outcome: str) -> str:
    return f"[No Reply] {vendor()} Redeem Notice - {outcome}"


def _thanks_for_request(promotion: Promotion, product: str) -> str:
    return f"Thank you for your redemption request for “{promotion.name}” with your {product}."


def _queue_claim(
    session: Session, redemption: Redemption, user: User, kind: str, outcome: str, paragraphs, link=None
):
    """Queue one claim email; its button leads to Redeem History unless ``link`` says otherwise."""
    link = link or ("Redeem History", app_url(routes.REDEEM_HISTORY))
    text, page = _render(paragraphs, link)
    return outbox.enqueue(
        session=session,
        to_email=user.email,
        kind=kind,
        subject=_claim_subject(outcome),
        body_text=text,
        body_html=page,
        user_id=user.id,
        redemption_id=redemption.id,
    )


def _queue_with_reason(
    session: Session, redemption: Redemption, kind: str, outcome: str, sorry: str, what_now: str, link=None
) -> EmailMessage:
    """A decision that carries the reviewer's reason (needs info, rejected)."""
    user, promotion, product = _claim_context(session, redemption)
    paragraphs = [_thanks_for_request(promotion, product), sorry, f"Reason : {redemption.reason}", what_now]
    return _queue_claim(session, redemption, user, kind, outcome, paragraphs, link)


def queue_claim_received(*, session: Session, redemption: Redemption) -> EmailMessage:
    """"We received your claim": the seed's confirmation, with the due date."""
    user, promotion, product = _claim_context(session, redemption)
    paragraphs = [
        _thanks_for_request(promotion, product),
        "Your request has been successfully sent. All applications are checked by our staff and might take"
        f" up to 7 ~ 14 working days: you will have our answer by {redemption.due_on.isoformat()} at the latest.",
        "You can follow your claim at any time in Redeem History.",
        "If you do not see our emails in your inbox, please check the Spam, Junk or Archive folder.",
    ]
    return _queue_claim(session, redemption, user, "claim_received", "Received", paragraphs)


def queue_needs_info(*, session: Session, redemption: Redemption) -> EmailMessage:
    """A document is missing: the reviewer's reason and a link to Redeem Again."""
    sorry = "We are sorry: we cannot approve it yet, because a document of your claim is missing or unclear."
    what_now = (
        "Please open Redeem History, choose Redeem Again on this claim, upload the requested document"
        " and send it again. Everything else you sent is kept, and your claim keeps its place and due date."
    )
    link = ("Redeem Again in Redeem History", app_url(routes.REDEEM_HISTORY))
    return _queue_with_reason(session, redemption, "needs_info", "Documents needed", sorry, what_now, link)


def queue_success(*, session: Session, redemption: Redemption, code: str | None = None) -> EmailMessage:
    """Approved: the activation code and how to use it, or the shipping details."""
    user, promotion, product = _claim_context(session, redemption)
    paragraphs = [f"Congratulations on the purchase of your {product}!"]
    if promotion.prize_type == PrizeType.digital_code:
        paragraphs += [
            f"Your {promotion.prize_name} activation code is {code}",
            "Notice: this activation code is sent only to the email address you registered with."
            " You can also find it in Redeem History.",
        ]
        if promotion.prize_instructions:
            paragraphs.append(f"How to activate {promotion.prize_name}?\n{promotion.prize_instructions}")
    else:
        paragraphs += [
            f"Your claim for {promotion.prize_name} is approved. We are preparing your parcel and will ship it to:",
            f"{redemption.first_name} {redemption.last_name}\n{redemption.address}\n{redemption.zipcode}\n"
            f"Phone: {redemption.phone}",
            "Physical prizes are usually delivered within 8 - 12 weeks. Redeem History shows the shipping state"
            " and the tracking number as soon as the parcel leaves.",
        ]
        if promotion.prize_instructions:
            paragraphs.append(promotion.prize_instructions)
    paragraphs.append("Thank you!")
    return _queue_claim(session, redemption, user, "success", "Success", paragraphs)


def queue_rejected(*, session: Session, redemption: Redemption) -> EmailMessage:
    """Rejected (final): the reviewer's reason."""
    sorry = "We are sorry: after checking your documents we cannot accept this claim."
    what_now = (
        "This decision is final for this product and promotion. If you think it is a mistake,"
        f" please contact us through Web Ticket and quote your claim number #{redemption.id}."
    )
    return _queue_with_reason(session, redemption, "rejected", "Rejected", sorry, what_now)


# --------------------------------------------------------------------------- password reset


def render_password_reset(*, first_name: str, url: str, minutes: int) -> tuple[str, str, str]:
    """(subject, text, html) of the password-reset email (rendered for every request, sent only to accounts)."""
    text, page = _render(
        [
            f"Someone (we hope you, {first_name}) asked to reset the password of your {vendor()} member center "
            "account.",
            f"The link below lets you choose a new password. It works once and for {minutes} minutes; "
            "setting a new password logs you out everywhere.",
            "If you did not ask for this, ignore this email: your password stays as it is.",
        ],
        ("Choose a new password", url),
    )
    return f"Reset your {vendor()} member center password", text, page
