"""The Mailbox (demo mode only): every email the app wrote, as the customer sees it.

A read model over the outbox (``EmailMessage``): what a presenter shows
instead of a real inbox.  Every function refuses with ``Forbidden`` when demo
mode is off, whatever the page or state does, and is told who reads: a
customer sees only the emails sent to their own address (what their inbox
would hold), a reviewer or an admin every email.

``body_html`` is the app's own rendering (``emails.py`` escapes every value
it inserts); a page should still show it sandboxed (e.g. an iframe's
``srcdoc`` with ``sandbox``), not inline in the app's DOM.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session

from rxapp import settings
from rxapp.i18n import N_, _
from rxapp.models import EmailMessage
from rxapp.services import access
from rxapp.services.errors import Forbidden, NotFound

MAX_LIMIT = 500
MSG_NOT_HERE = N_("This email is not in your Mailbox (the demo data may have been reset).")


def assert_demo() -> None:
    """Raise ``Forbidden`` unless the app runs in demo mode (RXAPP_DEMO)."""
    if not settings.get().demo:
        raise Forbidden(_("This page is only available in demo mode."))


def _row(m: EmailMessage) -> dict:
    return {
        "id": m.id,
        "to": m.to_email,
        "subject": m.subject,
        "kind": m.kind,
        "created_at": m.created_at,
        "status": m.status.value,
        "sent_at": m.sent_at,
        "body_text": m.body_text,
        "body_html": m.body_html,
    }


def _own_address(session: Session, actor_id: int) -> str | None:
    """None for a reviewer (every email), else the customer's own address."""
    actor = access.require_user(session=session, user_id=actor_id)
    return None if access.is_reviewer(actor) else actor.email


def list_messages(*, session: Session, actor_id: int, limit: int = 100, to_email: str | None = None) -> list[dict]:
    """The newest ``limit`` emails (1..500) the actor may read, newest first, optionally for one address.

    Each row: id, to, subject, kind, created_at, status, sent_at, body_text,
    body_html.  ``to_email`` matches regardless of case; for a customer it is
    always their own address.  Raises ``Forbidden`` outside demo mode.
    """
    assert_demo()
    own = _own_address(session, actor_id)
    if own is not None:
        to_email = own
    try:
        limit = max(1, min(int(limit), MAX_LIMIT))
    except (TypeError, ValueError):
        limit = 100
    newest_first = (EmailMessage.created_at.desc(), EmailMessage.id.desc())
    stmt = sa.select(EmailMessage).order_by(*newest_first).limit(limit)
    if to_email is not None and to_email.strip():
        stmt = stmt.where(sa.func.lower(EmailMessage.to_email) == to_email.strip().lower())
    return [_row(m) for m in session.execute(stmt).scalars()]


def get_message(*, session: Session, actor_id: int, message_id: int) -> dict:
    """One email the actor may read (same keys as ``list_messages``).

    Raises ``Forbidden`` outside demo mode, and the same ``NotFound`` for an
    unknown id and for another customer's email (no telling one from the other).
    """
    assert_demo()
    own = _own_address(session, actor_id)
    try:
        m = session.get(EmailMessage, int(message_id))
    except (TypeError, ValueError, OverflowError):
        m = None
    if m is None or (own is not None and m.to_email.lower() != own.lower()):
        raise NotFound(_(MSG_NOT_HERE))
    return _row(m)
