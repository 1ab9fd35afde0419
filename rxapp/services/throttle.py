"""Log-in throttling by account (email) and by client address.

Every log-in try is a ``LoginAttempt`` row.  The rules:

* **Account lock** - the ``ACCOUNT_MAX_FAILURES``-th failed log-in for one
  email within ``WINDOW`` locks that email for ``LOCK_FOR`` from that failure.
  The email is the key whether or not an account exists, so the lock does not
  tell anyone which emails are registered.
* **Address lock** - the same for one client address, counting failures across
  all emails (``IP_MAX_FAILURES``).
* **Captcha** - from ``CAPTCHA_AFTER_FAILURES`` failures of an account within
  ``WINDOW``, the log-in form asks for a captcha too.

A lock "uses up" the failures that caused it: once it ends, the next failures
count from zero, so a customer gets a fresh set of tries.  Attempts refused
because of a lock are not recorded (the caller raises before checking the
password), so hammering a locked account does not extend its lock.

All times are real time (``clock.now()``); every function takes ``now=`` for
tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from rxapp.i18n import ngettext
from rxapp.models import LoginAttempt
from rxapp.services import clock
from rxapp.services.errors import Locked

WINDOW = timedelta(minutes=15)
LOCK_FOR = timedelta(minutes=15)
ACCOUNT_MAX_FAILURES = 5
# The issue asks for "the same per client address", so the address threshold
# defaults to the account's.  Customers behind one shared address (an office
# NAT, a carrier-grade NAT) share this budget; raise it here if that bites.
IP_MAX_FAILURES = 5
CAPTCHA_AFTER_FAILURES = 3

_EMAIL_MAX = 254
_IP_MAX = 64


def _storable(text: str) -> str:
    # Lone surrogates (possible in decoded JSON) cannot be stored; make them "?".
    return text.encode("utf-8", "replace").decode("utf-8")


def email_key(email: object) -> str:
    """The throttling key of an email as typed: stripped, lower-case, bounded; "" for junk."""
    if not isinstance(email, str):
        return ""
    return _storable(email.strip().lower()[:_EMAIL_MAX])


def ip_key(ip_address: object) -> str:
    """A client address as stored: stripped, bounded; "" for junk."""
    if not isinstance(ip_address, str):
        return ""
    return _storable(ip_address.strip()[:_IP_MAX])


@dataclass(frozen=True)
class Status:
    """Where a key stands: when its lock ends (or None) and its failures that still count."""

    locked_until: datetime | None
    recent_failures: int


def _status(attempts: list[tuple[datetime, bool]], limit: int, now: datetime, success_resets: bool) -> Status:
    """Replay the attempts (oldest first) and find the current lock and failure count."""
    pending: list[datetime] = []
    locked_until: datetime | None = None
    for at, succeeded in attempts:
        if locked_until is not None and at < locked_until:
            continue  # tries that slipped in during a lock neither count nor extend it
        if succeeded:
            if success_resets:
                pending.clear()
            continue
        pending = [p for p in pending if at - p < WINDOW]
        pending.append(at)
        if len(pending) >= limit:
            locked_until = at + LOCK_FOR
            pending.clear()
    if locked_until is not None and locked_until <= now:
        locked_until = None
    recent = sum(1 for p in pending if now - p < WINDOW)
    return Status(locked_until=locked_until, recent_failures=recent)


def _attempts(session: Session, column, key: str, now: datetime) -> list[tuple[datetime, bool]]:
    # Anything older than WINDOW + LOCK_FOR can neither be part of a live lock
    # nor count towards a new one.
    since = now - WINDOW - LOCK_FOR
    rows = session.exec(
        select(LoginAttempt.created_at, LoginAttempt.succeeded)
        .where(column == key, LoginAttempt.created_at > since, LoginAttempt.created_at <= now)
        .order_by(col(LoginAttempt.created_at), col(LoginAttempt.id))
    ).all()
    return [(at, ok) for at, ok in rows]


def account_status(*, session: Session, email: object, now: datetime | None = None) -> Status:
    """The lock and recent failures of one email.  A success resets the count."""
    now = now or clock.now()
    key = email_key(email)
    return _status(_attempts(session, LoginAttempt.email, key, now), ACCOUNT_MAX_FAILURES, now, True)


def ip_status(*, session: Session, ip_address: object, now: datetime | None = None) -> Status:
    """The lock and recent failures of one client address; "" (unknown) is never locked."""
    now = now or clock.now()
    key = ip_key(ip_address)
    if not key:
        return Status(None, 0)
    return _status(_attempts(session, LoginAttempt.ip_address, key, now), IP_MAX_FAILURES, now, False)


def _locked_message(until: datetime, now: datetime, by_address: bool) -> str:
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    if by_address:
        text = ngettext(
            "Too many failed log-ins from your network. Try again in {n} minute (after {time} UTC).",
            "Too many failed log-ins from your network. Try again in {n} minutes (after {time} UTC).", minutes)
    else:
        text = ngettext("Too many failed log-ins. Try again in {n} minute (after {time} UTC).",
                        "Too many failed log-ins. Try again in {n} minutes (after {time} UTC).", minutes)
    return text.format(n=minutes, time=f"{until:%H:%M}")


def check(*, session: Session, email: object, ip_address: object, now: datetime | None = None) -> None:
    """Raise ``Locked`` (with a message saying when to try again) if the email or address is locked."""
    now = now or clock.now()
    for status, by_address in (
        (account_status(session=session, email=email, now=now), False),
        (ip_status(session=session, ip_address=ip_address, now=now), True),
    ):
        if status.locked_until is not None:
            raise Locked(_locked_message(status.locked_until, now, by_address), until=status.locked_until)


def captcha_required(*, session: Session, email: object, now: datetime | None = None) -> bool:
    """True once the account has ``CAPTCHA_AFTER_FAILURES`` failures that still count."""
    status = account_status(session=session, email=email, now=now)
    return status.recent_failures >= CAPTCHA_AFTER_FAILURES


def record(
    *, session: Session, email: object, ip_address: object, succeeded: bool, now: datetime | None = None
) -> LoginAttempt:
    """Write one attempt (flushed).

    A success resets the account's count (the owner proved who they are), but
    does not erase the address's failures of the window: otherwise an attacker
    could log in to their own account now and then to keep guessing other
    people's passwords from the same address.
    """
    row = LoginAttempt(
        email=email_key(email),
        ip_address=ip_key(ip_address),
        succeeded=bool(succeeded),
        created_at=now or clock.now(),
    )
    session.add(row)
    session.flush()
    return row


def purge_old(*, session: Session, now: datetime | None = None, keep: timedelta = timedelta(days=30)) -> int:
    """Delete attempts older than ``keep`` (they no longer matter); returns how many."""
    now = now or clock.now()
    result = session.execute(
        sa.delete(LoginAttempt)
        .where(LoginAttempt.created_at < now - keep)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return result.rowcount or 0
