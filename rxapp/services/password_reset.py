"""Forgotten passwords: a signed, single-use link by email, and setting the new password.

* **Asking** (``request_reset``) answers the same whether or not the address
  has an account, and does the same work either way: the request is
  recorded for throttling, a link is signed and the email rendered; only for
  a real account is it queued in the outbox (``services/outbox.py``).
* **The link** is ``signing.sign("password-reset", {uid, fp}, 30 min)``.
  ``fp`` is a fingerprint of the account's current password hash: once the
  password changes (through this link or any other way) every earlier link
  stops working, so a link is single-use without a table of its own.
* **Throttling**: requests are recorded as ``LoginAttempt`` rows under the
  key ``reset:<email>`` (never an email, so they never count towards a
  log-in lock) and limited per typed address and per client address.
* Setting the new password (``reset_password``) follows the sign-up rules
  and ends every session of the account.
* With demo mode off, accounts a demo seed made get no link (as if unknown).
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select

from rxapp import routes, settings
from rxapp.i18n import N_, _
from rxapp.models import LoginAttempt, User
from rxapp.services import account_fields, clock, demo_seed, emails, outbox, passwords, sessions, signing, throttle
from rxapp.services import accounts  # the one set of password rules
from rxapp.services.errors import FieldErrors, Locked, ServiceError

PURPOSE = "password-reset"
TTL_MINUTES = 30
WINDOW = timedelta(hours=1)
PER_EMAIL = 3  # requests for one address within WINDOW
PER_IP = 10  # requests from one client address within WINDOW
KEY_PREFIX = "reset:"

MSG_SENT = N_(
    "If an account exists for {email}, we have sent it an email with a link to choose a new password. "
    "The link works once, for 30 minutes. No email? Check your spam folder, or ask again in a few minutes."
)
MSG_TOO_MANY = N_("Too many reset requests. Please wait an hour and try again, or check the emails already sent.")
MSG_EXPIRED = N_("This password reset link has expired: links work for 30 minutes. Please ask for a new one.")
MSG_USED = N_(
    "This password reset link has already been used (or the password was changed since it was sent). "
    "Please ask for a new one if you still need it."
)
MSG_INVALID = N_(
    "This password reset link is not valid. Please copy the whole link from the email, or ask for a new one."
)


class LinkRefused(ServiceError):
    """The link is forged, expired or used; the message says which and what to do."""


def fingerprint(password_hash: str) -> str:
    """A short, one-way fingerprint of a password hash (changes whenever the password does)."""
    digest = hashlib.sha256(f"reset|{password_hash}".encode()).digest()[:12]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _key(email: str) -> str:
    return (KEY_PREFIX + email)[:254]


def _recent(session: Session, column, value: str, since: datetime) -> int:
    return session.exec(
        select(func.count()).select_from(LoginAttempt).where(
            column == value, col(LoginAttempt.email).startswith(KEY_PREFIX), LoginAttempt.created_at > since
        )
    ).one()


def _account(session: Session, email: str, demo_mode: bool) -> User | None:
    user = session.exec(select(User).where(User.email == email)).first()
    if user is not None and not demo_mode and demo_seed.is_demo_email(user.email):
        return None
    return user


def request_reset(
    *, session: Session, email: object, ip_address: object, demo_mode: bool | None = None,
    now: datetime | None = None,
) -> str:
    """Record the request and, for an account, queue the email (flushed).  Returns the message to show.

    Raises ``FieldErrors({"email": …})`` for an empty or malformed address and
    ``Locked`` when the address or the client asked too often.  Neither
    depends on whether the address has an account.
    """
    now = now or clock.now()
    demo_mode = settings.get().demo if demo_mode is None else demo_mode
    normalised, problem = account_fields.normalise_email(email)
    if problem:
        # Addresses log-in accepts as typed (a reserved domain like the demo's ".test") are fine here too.
        typed = throttle.email_key(email)
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", typed):
            raise FieldErrors({"email": problem})
        normalised = typed
    ip = throttle.ip_key(ip_address)
    since = now - WINDOW
    if _recent(session, LoginAttempt.email, _key(normalised), since) >= PER_EMAIL or (
            ip and _recent(session, LoginAttempt.ip_address, ip, since) >= PER_IP):
        raise Locked(_(MSG_TOO_MANY), until=now + WINDOW)
    session.add(LoginAttempt(email=_key(normalised), ip_address=ip, succeeded=True, created_at=now))

    user = _account(session, normalised, demo_mode)
    # The same work for an unknown address: sign a link and render the email for a stand-in.
    target = user or User(id=0, email=normalised, password_hash=passwords.DUMMY_HASH, first_name="there")
    token = signing.sign(PURPOSE, {"uid": target.id, "fp": fingerprint(target.password_hash)}, TTL_MINUTES * 60)
    url = emails.app_url(f"{routes.PASSWORD_RESET}?token={token}")
    subject, text, page = emails.render_password_reset(first_name=target.first_name, url=url, minutes=TTL_MINUTES,
                                                       language=target.language)
    if user is not None:
        outbox.enqueue(session=session, to_email=user.email, kind="password_reset", subject=subject,
                       body_text=text, body_html=page, user_id=user.id)
    session.flush()
    return _(MSG_SENT).format(email=normalised)


def check_link(*, session: Session, token: object, demo_mode: bool | None = None, now: float | None = None) -> User:
    """The account a reset link is for; raises ``LinkRefused`` (expired, used, or not valid)."""
    if not isinstance(token, str) or not token or len(token) > 2000:
        raise LinkRefused(_(MSG_INVALID))
    try:
        payload = signing.verify(PURPOSE, token, now=now)
    except signing.BadSignature as exc:
        raise LinkRefused(_(MSG_EXPIRED if str(exc) == "expired" else MSG_INVALID)) from None
    uid, fp = payload.get("uid"), payload.get("fp")
    user = session.get(User, uid) if isinstance(uid, int) and not isinstance(uid, bool) and uid > 0 else None
    demo_mode = settings.get().demo if demo_mode is None else demo_mode
    if user is None or (not demo_mode and demo_seed.is_demo_email(user.email)):
        raise LinkRefused(_(MSG_INVALID))
    if not isinstance(fp, str) or fp != fingerprint(user.password_hash):
        raise LinkRefused(_(MSG_USED))
    return user


def reset_password(
    *, session: Session, token: object, new_password: object, confirm_password: object,
    demo_mode: bool | None = None, now: float | None = None,
) -> User:
    """Set the new password of the link's account and end all its sessions (flushed).

    Raises ``LinkRefused`` for a bad link and ``FieldErrors`` under
    new_password / confirm_password (the sign-up rules).  Following the link
    proves the address, so it counts as verified afterwards.
    """
    user = check_link(session=session, token=token, demo_mode=demo_mode, now=now)
    errors = accounts.new_password_problems(new_password=new_password, confirm_password=confirm_password,
                                            email=user.email)
    if errors:
        raise FieldErrors(errors)
    user.password_hash = passwords.hash_password(new_password)
    if user.email_verified_at is None:
        user.email_verified_at = clock.now()
    session.add(user)
    sessions.revoke_others(session=session, user_id=user.id, keep_session_id=None)
    session.flush()
    return user
