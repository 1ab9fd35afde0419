"""The Mailbox (demo mode only): every email the app wrote, as the customer sees it.

A read model over the outbox (``EmailMessage``): what a presenter shows
instead of a real inbox.  Every function refuses with ``Forbidden`` when demo
mode is off, whatever the page or state does.

``body_html`` is the app's own rendering (``emails.py`` escapes every value
it inserts); a page should still show it sandboxed (e.g. an iframe's
``srcdoc`` with ``sandbox``), not inline in the app's DOM.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session

from rxapp import settings
from rxapp.models import EmailMessage
from rxapp.services.errors import Forbidden, NotFound

MAX_LIMIT = 500


def assert_demo() -> None:
    """Raise ``Forbidden`` unless the app runs in demo mode (RXAPP_DEMO)."""
    if not settings.get().demo:
        raise Forbidden("This page is only available in demo mode.")


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


def list_messages(*, session: Session, limit: int = 100, to_email: str | None = None) -> list[dict]:
    """The newest ``limit`` emails (1..500), newest first, optionally for one address.

    Each row: id, to, subject, kind, created_at, status, sent_at, body_text,
    body_html.  ``to_email`` matches regardless of case.  Raises ``Forbidden``
    outside demo mode.
    """
    assert_demo()
    try:
        limit = max(1, min(int(limit), MAX_LIMIT))
    except (TypeError, ValueError):
        limit = 100
    newest_first = (EmailMessage.created_at.desc(), EmailMessage.id.desc())
    stmt = sa.select(EmailMessage).order_by(*newest_first).limit(limit)
    if to_email is not None and to_email.strip():
        stmt = stmt.where(sa.func.lower(EmailMessage.to_email) == to_email.strip().lower())
    return [_row(m) for m in session.execute(stmt).scalars()]


def get_message(*, session: Session, message_id: int) -> dict:
    """One email (same keys as ``list_messages``).

    Raises ``Forbidden`` outside demo mode and ``NotFound`` for an unknown id.
    """
    assert_demo()
    try:
        m = session.get(EmailMessage, int(message_id))
    except (TypeError, ValueError):
        m = None
    if m is None:
        raise NotFound("This email is no longer in the Mailbox; the demo data may have been reset.")
    return _row(m)
