"""Every email the member center sends: rendered here, queued in the outbox.

Each ``queue_*`` function renders a plain-text and an HTML body (the vendor's
name from settings, links back to the app) and adds one outbox row in the
caller's transaction.  An email is written in its recipient's language (the
account's, at the moment it is written; ``rxapp.i18n``); what a reviewer typed
(a reason) reaches the customer as typed.
"""

from __future__ import annotations

import html

from sqlmodel import Session

from rxapp import i18n, routes, settings
from rxapp.i18n import N_, _
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
    dear, sincerely = _("Dear Customer,"), _("Sincerely,")
    service = _("{vendor} customer service").format(vendor=name)
    text_parts = [dear, *paragraphs]
    if link:
        text_parts.append(f"{link[0]}: {link[1]}")
    text_parts += [sincerely, service]
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
        f'<div lang="{i18n.current.get()}" style="font-family:Arial,sans-serif;max-width:600px;margin:auto;'
        'color:#222">'
        f'<div style="background:#111;color:#fff;padding:14px 20px;font-weight:bold">{html.escape(name)}</div>'
        f'<div style="padding:20px"><p>{html.escape(dear)}</p>{body}'
        f"<p>{html.escape(sincerely)}<br>{html.escape(service)}</p></div></div>"
    )
    return text, page


def verification_token(user: User) -> str:
    return signing.sign(VERIFY_PURPOSE, {"uid": user.id, "email": user.email}, VERIFY_TTL_SECONDS)


def queue_welcome(*, session: Session, user: User) -> EmailMessage:
    """Welcome email with a signed, expiring email-verification link."""
    url = app_url(f"{routes.VERIFY_EMAIL}?token={verification_token(user)}")
    with i18n.using(user.language or i18n.current.get()):
        text, page = _render(
            [
                _("Welcome to the {vendor} member center, {name}!").format(vendor=vendor(), name=user.first_name),
                _("Please confirm your email address so we can reach you about your products and claims."
                  " The link is valid for 3 days."),
            ],
            (_("Verify my email"), url),
        )
        subject = _("Welcome to the {vendor} member center - please verify your email").format(vendor=vendor())
    return outbox.enqueue(
        session=session,
        to_email=user.email,
        kind="welcome",
        subject=subject,
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
    return _("[No Reply] {vendor} Redeem Notice - {outcome}").format(vendor=vendor(), outcome=_(outcome))


def _thanks_for_request(promotion: Promotion, product: str) -> str:
    return _("Thank you for your redemption request for “{promotion}” with your {product}.").format(
        promotion=promotion.name, product=product)


def _queue_claim(
    session: Session, redemption: Redemption, user: User, kind: str, outcome: str, paragraphs, link=None
):
    """Queue one claim email; its button leads to Redeem History unless ``link`` says otherwise.

    Called inside ``i18n.using`` the recipient's language (``_for``)."""
    link = link or (_("Redeem History"), app_url(routes.REDEEM_HISTORY))
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
    """A decision that carries the reviewer's reason (needs info, rejected); ``sorry`` and ``what_now`` are
    English sources, written here in the customer's language; the reason reaches them as typed."""
    user, promotion, product = _claim_context(session, redemption)
    with _for(user):
        paragraphs = [_thanks_for_request(promotion, product), _(sorry),
                      _("Reason : {reason}").format(reason=redemption.reason),
                      _(what_now).format(claim=redemption.id)]
        link = (_(link[0]), link[1]) if link else None
        return _queue_claim(session, redemption, user, kind, outcome, paragraphs, link)


def _for(user: User):
    """Write in ``user``'s language (the account's; else the language of the event writing it)."""
    return i18n.using(user.language or i18n.current.get())


def queue_claim_received(*, session: Session, redemption: Redemption) -> EmailMessage:
    """"We received your claim": the seed's confirmation, with the due date."""
    user, promotion, product = _claim_context(session, redemption)
    with _for(user):
        paragraphs = [
            _thanks_for_request(promotion, product),
            _("Your request has been successfully sent. All applications are checked by our staff and might take"
              " up to 7 ~ 14 working days: you will have our answer by {date} at the latest.").format(
                date=i18n.format_date(redemption.due_on)),
            _("You can follow your claim at any time in Redeem History."),
            _("If you do not see our emails in your inbox, please check the Spam, Junk or Archive folder."),
        ]
        return _queue_claim(session, redemption, user, "claim_received", N_("Received"), paragraphs)


def queue_needs_info(*, session: Session, redemption: Redemption) -> EmailMessage:
    """A document is missing: the reviewer's reason and a link to Redeem Again."""
    sorry = N_("We are sorry: we cannot approve it yet, because a document of your claim is missing or unclear.")
    what_now = N_(
        "Please open Redeem History, choose Redeem Again on this claim, upload the requested document"
        " and send it again. Everything else you sent is kept, and your claim keeps its place and due date."
    )
    link = (N_("Redeem Again in Redeem History"), app_url(routes.REDEEM_HISTORY))
    return _queue_with_reason(session, redemption, "needs_info", N_("Documents needed"), sorry, what_now, link)


def queue_success(*, session: Session, redemption: Redemption, code: str | None = None) -> EmailMessage:
    """Approved: the activation code and how to use it, or the shipping details."""
    user, promotion, product = _claim_context(session, redemption)
    with _for(user):
        return _queue_claim(session, redemption, user, "success", N_("Success"),
                            _success_paragraphs(promotion, redemption, product, code))


def _success_paragraphs(promotion: Promotion, redemption: Redemption, product: str, code: str | None) -> list[str]:
    paragraphs = [_("Congratulations on the purchase of your {product}!").format(product=product)]
    prize = promotion.prize_name
    if promotion.prize_type == PrizeType.digital_code:
        paragraphs += [
            _("Your {prize} activation code is {code}").format(prize=prize, code=code),
            _("Notice: this activation code is sent only to the email address you registered with."
              " You can also find it in Redeem History."),
        ]
        if promotion.prize_instructions:
            paragraphs.append(_("How to activate {prize}?").format(prize=prize) + "\n" + promotion.prize_instructions)
    else:
        paragraphs += [
            _("Your claim for {prize} is approved. We are preparing your parcel and will ship it to:").format(
                prize=prize),
            f"{redemption.first_name} {redemption.last_name}\n{redemption.address}\n{redemption.zipcode}\n"
            + _("Phone: {phone}").format(phone=redemption.phone),
            _("Physical prizes are usually delivered within 8 - 12 weeks. Redeem History shows the shipping state"
              " and the tracking number as soon as the parcel leaves."),
        ]
        if promotion.prize_instructions:
            paragraphs.append(promotion.prize_instructions)
    paragraphs.append(_("Thank you!"))
    return paragraphs


def queue_rejected(*, session: Session, redemption: Redemption) -> EmailMessage:
    """Rejected (final): the reviewer's reason."""
    sorry = N_("We are sorry: after checking your documents we cannot accept this claim.")
    what_now = N_(
        "This decision is final for this product and promotion. If you think it is a mistake,"
        " please contact us through Web Ticket and quote your claim number #{claim}."
    )
    return _queue_with_reason(session, redemption, "rejected", N_("Rejected"), sorry, what_now)


# --------------------------------------------------------------------------- password reset


def render_password_reset(*, first_name: str, url: str, minutes: int, language: str = "") -> tuple[str, str, str]:
    """(subject, text, html) of the password-reset email (rendered for every request, sent only to accounts),
    in the account's ``language`` (else the request's)."""
    with i18n.using(language or i18n.current.get()):
        text, page = _render(
            [
                _("Someone (we hope you, {name}) asked to reset the password of your {vendor} member center "
                  "account.").format(name=first_name, vendor=vendor()),
                _("The link below lets you choose a new password. It works once and for {n} minutes; "
                  "setting a new password logs you out everywhere.").format(n=minutes),
                _("If you did not ask for this, ignore this email: your password stays as it is."),
            ],
            (_("Choose a new password"), url),
        )
        return _("Reset your {vendor} member center password").format(vendor=vendor()), text, page
