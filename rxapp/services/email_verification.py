"""Email verification: following the link in the welcome email, and asking for a new one."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, func, select

from rxapp.models import EmailMessage, User
from rxapp.i18n import N_, _, ngettext
from rxapp.services import account_fields, clock, emails, signing
from rxapp.services.errors import Conflict, NotFound, ServiceError

RESEND_INTERVAL = timedelta(seconds=60)
MSG_LINK_INVALID = N_("This verification link is not valid. Please copy the whole link from the email.")
MSG_LINK_STALE = N_("This verification link is no longer valid for this account. Log in and ask for a new one.")


def verify_email(*, session: Session, token: object, now: float | None = None) -> User:
    """Mark the email of the link's account verified (flushed; idempotent).

    Raises ``ServiceError`` for an expired link and ``NotFound`` for a link
    that is malformed, forged, or for an email the account no longer has.
    """
    if not isinstance(token, str) or not token or len(token) > 2000:
        raise NotFound(_(MSG_LINK_INVALID))
    try:
        payload = signing.verify(emails.VERIFY_PURPOSE, token, now=now)
    except signing.BadSignature as exc:
        if str(exc) == "expired":
            raise ServiceError(
                _("This verification link has expired. Log in and ask for a new one on Account Overview.")
            ) from None
        raise NotFound(_(MSG_LINK_INVALID)) from None
    uid, email = payload.get("uid"), payload.get("email")
    user = session.get(User, uid) if isinstance(uid, int) and not isinstance(uid, bool) else None
    if user is None or user.email != email:
        raise NotFound(_(MSG_LINK_STALE))
    if user.email_verified_at is None:
        user.email_verified_at = clock.now()
        session.add(user)
        session.flush()
    return user


def resend_verification(*, session: Session, user_id: int) -> EmailMessage:
    """Queue a new welcome / verification email (flushed).

    Raises ``Conflict`` when the email is already verified or one was queued
    less than ``RESEND_INTERVAL`` ago, and ``NotFound``.
    """
    now = clock.now()
    user = account_fields.get_user(session, user_id)
    if user.email_verified_at is not None:
        raise Conflict(_("Your email address is already verified. There is nothing more to do."))
    last = session.exec(
        select(func.max(EmailMessage.created_at)).where(
            EmailMessage.user_id == user.id, EmailMessage.kind == "welcome"
        )
    ).one()
    if last is not None:
        if last.tzinfo is None:  # aggregate results skip the column type on some backends
            last = last.replace(tzinfo=now.tzinfo)
        wait = RESEND_INTERVAL - (now - last)
        if wait > timedelta(0):
            seconds = max(1, int(wait.total_seconds() + 0.999))
            raise Conflict(ngettext(
                "We sent you a verification email less than a minute ago. Please check your inbox "
                "(and spam folder), or try again in {n} second.",
                "We sent you a verification email less than a minute ago. Please check your inbox "
                "(and spam folder), or try again in {n} seconds.", seconds).format(n=seconds))
    return emails.queue_welcome(session=session, user=user)
