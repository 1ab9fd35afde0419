"""The email outbox: a message is a row, written in the caller's transaction.

The sender (``mail_sender``) delivers rows later; nothing here talks SMTP, so
a change and its email commit or roll back together.
"""

from __future__ import annotations

import secrets

from sqlmodel import Session

from rxapp.models import EmailMessage


def enqueue(
    *,
    session: Session,
    to_email: str,
    kind: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    user_id: int | None = None,
    redemption_id: int | None = None,
) -> EmailMessage:
    """Add one email to the outbox (flushed, not committed)."""
    msg = EmailMessage(
        to_email=to_email,
        kind=kind,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        user_id=user_id,
        redemption_id=redemption_id,
        message_id=f"<{secrets.token_hex(16)}@member-center>",
    )
    session.add(msg)
    session.flush()
    return msg
