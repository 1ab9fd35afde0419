"""Every email the member center sends: rendered here, queued in the outbox.

Each ``queue_*`` function renders a plain-text and an HTML body (the vendor's
name from settings, links back to the app) and adds one outbox row in the
caller's transaction.
"""

from __future__ import annotations

import html

from sqlmodel import Session

from rxapp import settings
from rxapp.models import EmailMessage, User
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
            f'<p><a href="{html.escape(link[1])}" style="background:#e5202e;color:#fff;'
            f'padding:10px 18px;border-radius:4px;text-decoration:none">{html.escape(link[0])}</a></p>'
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
    url = app_url(f"/verify-email?token={verification_token(user)}")
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
