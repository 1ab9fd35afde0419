"""Signed-in browsers: an opaque token for the client, only its hash for us.

``create`` returns a fresh random token (``secrets.token_urlsafe(32)``) that
the browser keeps; the ``LoginSession`` row stores its SHA-256 hex, so a copy
of the database cannot be used to sign in.  A session ends when it is revoked
(log-out, Login Management, password change), after ``IDLE_TIMEOUT`` without
activity, or ``ABSOLUTE_TIMEOUT`` after log-in, whichever comes first.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from rxapp.models import LoginSession, Role, User
from rxapp import db, settings
from rxapp.i18n import _
from rxapp.services import clock
from rxapp.services.demo_seed import is_demo_email
from rxapp.services.errors import NotFound

IDLE_TIMEOUT = timedelta(days=7)
ABSOLUTE_TIMEOUT = timedelta(days=30)
# ``resolve`` writes last_seen_at at most this often (one write per page view would be wasteful).
TOUCH_INTERVAL = timedelta(minutes=1)

_TOKEN_MAX = 200


def _storable(value: object, limit: int) -> str:
    """Client-supplied text as we keep it: bounded, "" for non-text, lone surrogates as "?"."""
    if not isinstance(value, str):
        return ""
    return value[:limit].encode("utf-8", "replace").decode("utf-8")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create(
    *,
    session: Session,
    user_id: int,
    user_agent: str = "",
    ip_address: str = "",
    now: datetime | None = None,
) -> tuple[str, LoginSession]:
    """Start a session for the user: returns (token for the client, row) (flushed)."""
    now = now or clock.now()
    token = secrets.token_urlsafe(32)
    row = LoginSession(
        user_id=user_id,
        token_hash=token_hash(token),
        created_at=now,
        last_seen_at=now,
        expires_at=now + ABSOLUTE_TIMEOUT,
        user_agent=_storable(user_agent, 300),
        ip_address=_storable(ip_address, 64),
    )
    session.add(row)
    session.flush()
    return token, row


def _is_live(*, revoked_at: datetime | None, expires_at: datetime, last_seen_at: datetime, now: datetime) -> bool:
    """The rule ``_live_clauses`` says in SQL: not revoked, not past the absolute expiry, not idle too long."""
    return revoked_at is None and expires_at > now and last_seen_at + IDLE_TIMEOUT > now


def _live_clauses(now: datetime):
    return (
        col(LoginSession.revoked_at).is_(None),
        LoginSession.expires_at > now,
        LoginSession.last_seen_at > now - IDLE_TIMEOUT,
    )


def _digest(token: object) -> str | None:
    """The stored hash of a token the client sent; None for anything that cannot be one."""
    if not isinstance(token, str) or not token or len(token) > _TOKEN_MAX:
        return None
    try:
        return token_hash(token)
    except UnicodeEncodeError:
        return None


def _by_token(session: Session, token: object) -> LoginSession | None:
    digest = _digest(token)
    if digest is None:
        return None
    return session.exec(select(LoginSession).where(LoginSession.token_hash == digest)).first()


@dataclass(frozen=True)
class SignedIn:
    """Who a live session belongs to: what every guarded event needs, read in one statement."""

    user_id: int
    session_id: int
    role: Role
    email: str
    first_name: str
    language: str


# Built once: every guarded event runs it (a statement built per call cost more than the lookup itself).
_RESOLVE = (
    sa.select(LoginSession.id, LoginSession.user_id, LoginSession.last_seen_at, LoginSession.expires_at,
              LoginSession.revoked_at, User.role, User.email, User.first_name, User.language)
    .join(User, User.id == LoginSession.user_id)
    .where(LoginSession.token_hash == sa.bindparam("digest"))
)
_TOUCH = (
    sa.update(LoginSession)
    .where(LoginSession.id == sa.bindparam("session_id"))
    .values(last_seen_at=sa.bindparam("now"))
)


def resolve(*, session: Session, token: str | None, now: datetime | None = None) -> SignedIn | None:
    """Who is signed in with ``token``, or None when it is missing, unknown, revoked or expired (idle or
    absolute).

    Marks activity (``last_seen_at``) at most once per ``TOUCH_INTERVAL``.
    """
    now = now or clock.now()
    digest = _digest(token)
    if digest is None:
        return None
    # One statement for the session and its user (no ORM objects built).
    found = db.execute(session, _RESOLVE, {"digest": digest}).first()
    if found is None:
        return None
    session_id, user_id, last_seen_at, expires_at, revoked_at, role, email, first_name, language = found
    if not _is_live(revoked_at=revoked_at, expires_at=expires_at, last_seen_at=last_seen_at, now=now):
        return None
    if not settings.get().demo and is_demo_email(email):
        return None  # a demo account's session is over once demo mode is off
    if now - last_seen_at >= TOUCH_INTERVAL:
        db.execute(session, _TOUCH, {"session_id": session_id, "now": now})
    return SignedIn(user_id=user_id, session_id=session_id, role=role, email=email, first_name=first_name,
                    language=language)


def revoke(*, session: Session, user_id: int, session_id: int, now: datetime | None = None) -> None:
    """End one of the user's own sessions; raises ``NotFound`` for another user's or an unknown one."""
    row = session.get(LoginSession, session_id) if isinstance(session_id, int) else None
    if row is None or row.user_id != user_id:
        raise NotFound(_("That session no longer exists. Reload the page to see your current sessions."))
    if row.revoked_at is None:
        row.revoked_at = now or clock.now()
        session.add(row)
        session.flush()


def revoke_by_token(*, session: Session, token: str | None, now: datetime | None = None) -> bool:
    """Log-out: end the session of ``token``.  True if a live session was ended; never raises."""
    row = _by_token(session, token)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = now or clock.now()
    session.add(row)
    session.flush()
    return True


def revoke_others(
    *, session: Session, user_id: int, keep_session_id: int | None, now: datetime | None = None
) -> int:
    """End every live session of the user except ``keep_session_id``; returns how many (flushed)."""
    now = now or clock.now()
    stmt = (
        sa.update(LoginSession)
        .where(LoginSession.user_id == user_id, col(LoginSession.revoked_at).is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session="fetch")
    )
    if keep_session_id is not None:
        stmt = stmt.where(LoginSession.id != keep_session_id)
    result = session.execute(stmt)
    session.flush()
    return result.rowcount or 0


def list_active(
    *,
    session: Session,
    user_id: int,
    current_session_id: int | None = None,
    now: datetime | None = None,
) -> list[dict]:
    """The user's live sessions, most recent activity first, as plain rows:
    ``id, browser, ip_address, created_at, last_seen_at, is_current``."""
    now = now or clock.now()
    rows = session.exec(
        select(LoginSession)
        .where(LoginSession.user_id == user_id, *_live_clauses(now))
        .order_by(col(LoginSession.last_seen_at).desc(), col(LoginSession.id).desc())
    ).all()
    return [
        {
            "id": r.id,
            "browser": describe_user_agent(r.user_agent),
            "ip_address": r.ip_address,
            "created_at": r.created_at,
            "last_seen_at": r.last_seen_at,
            "is_current": r.id == current_session_id,
        }
        for r in rows
    ]


def purge_expired(
    *, session: Session, now: datetime | None = None, keep: timedelta = timedelta(days=30)
) -> int:
    """Delete sessions that ended more than ``keep`` ago; returns how many."""
    now = now or clock.now()
    cutoff = now - keep
    result = session.execute(
        sa.delete(LoginSession)
        .where(
            sa.or_(
                LoginSession.revoked_at < cutoff,
                LoginSession.expires_at < cutoff,
                LoginSession.last_seen_at < cutoff - IDLE_TIMEOUT,
            )
        )
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return result.rowcount or 0


# --------------------------------------------------------------------------- user agents


def _compiled(patterns: list[tuple[str, str]]) -> list[tuple[str, re.Pattern[str]]]:
    """``(name, regex)`` rows with their regexes compiled, in order (first match wins)."""
    return [(name, re.compile(pattern)) for name, pattern in patterns]


# (name, pattern with the major version as group 1), first match wins: the
# order matters because most browsers also claim to be Chrome and Safari.
_BROWSERS = _compiled(
    [
        ("Edge", r"\bEdg(?:e|A|iOS)?/(\d+)"),
        ("Opera", r"\b(?:OPR|Opera)/(\d+)"),
        ("Samsung Internet", r"\bSamsungBrowser/(\d+)"),
        ("Vivaldi", r"\bVivaldi/(\d+)"),
        ("Yandex Browser", r"\bYaBrowser/(\d+)"),
        ("Firefox", r"\b(?:Firefox|FxiOS)/(\d+)"),
        ("Headless Chrome", r"\bHeadlessChrome/(\d+)"),
        ("Chrome", r"\b(?:Chrome|CriOS)/(\d+)"),
        ("Safari", r"\bVersion/(\d+)[^ ]* (?:Mobile/\S+ )?Safari/"),
        ("Internet Explorer", r"\b(?:MSIE |Trident/.*rv:)(\d+)"),
        ("curl", r"^curl/(\d+)"),
        ("Python", r"\bpython-requests/(\d+)|\bPython-urllib/(\d+)"),
    ]
)

_SYSTEMS = _compiled(
    [
        ("iPadOS", r"\biPad\b"),
        ("iOS", r"\b(?:iPhone|iPod)\b"),
        ("Android", r"\bAndroid\b"),
        ("ChromeOS", r"\bCrOS\b"),
        ("Windows", r"\bWindows\b"),
        ("macOS", r"\bMac OS X\b|\bMacintosh\b"),
        ("Linux", r"\bLinux\b|\bX11\b"),
    ]
)


def describe_user_agent(user_agent: str | None) -> str:
    """A short human description such as "Chrome 126 on Windows" ("Unknown browser" if unsure)."""
    ua = user_agent if isinstance(user_agent, str) else ""
    browser = ""
    for name, pattern in _BROWSERS:
        m = pattern.search(ua)
        if m:
            version = next((g for g in m.groups() if g), "")
            browser = f"{name} {version}".strip()
            break
    system = next((name for name, pattern in _SYSTEMS if pattern.search(ua)), "")
    if browser and system:
        return _("{browser} on {system}").format(browser=browser, system=system)
    if browser:
        return browser
    if system:
        return _("Unknown browser on {system}").format(system=system)
    return _("Unknown browser")
