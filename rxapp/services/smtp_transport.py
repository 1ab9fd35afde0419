"""SMTP transport: the ``SMTP_URL`` setting parsed, an authenticated connection, and what an SMTP error means.

Schemes: ``smtp`` (plain, port 25), ``smtp+starttls`` (STARTTLS, 587),
``smtps`` (implicit TLS, 465).  Never falls back to plain text when STARTTLS
was asked for.  The outbox loop that uses this is ``mail_sender``.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import unquote, urlsplit

ERROR_MAX_CHARS = 300

Security = Literal["plain", "starttls", "tls"]
_SCHEMES: dict[str, tuple[Security, int]] = {
    "smtp": ("plain", 25),
    "smtp+starttls": ("starttls", 587),
    "smtps": ("tls", 465),
}


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to deliver.  ``password`` never appears in ``repr``."""

    host: str
    port: int
    security: Security = "plain"
    username: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 10.0


def _masked(url: str) -> str:
    """The URL with any password replaced, for error messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def parse_smtp_url(url: str) -> SmtpConfig:
    """``smtp://user:pass@host:port`` → ``SmtpConfig``.

    Schemes: ``smtp`` (plain, port 25), ``smtp+starttls`` (STARTTLS, 587),
    ``smtps`` (implicit TLS, 465).  User and password are URL-decoded (write
    ``@`` as ``%40``).  Raises ``ValueError`` with one line naming SMTP_URL
    (the password masked) when the URL cannot be used.
    """
    raw = (url or "").strip()
    if not raw:
        raise ValueError(
            "SMTP_URL: empty; expected smtp://, smtp+starttls:// or smtps://user:password@host:port"
        )
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        raise ValueError(f"SMTP_URL: bad port in {_masked(raw)!r}") from None
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        raise ValueError(
            "SMTP_URL: scheme must be smtp, smtp+starttls or smtps, "
            f"got {scheme or 'none'!r} in {_masked(raw)!r}"
        )
    if not parts.hostname:
        raise ValueError(f"SMTP_URL: no host in {_masked(raw)!r}")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(f"SMTP_URL: unexpected path or query in {_masked(raw)!r}")
    if port == 0:
        raise ValueError(f"SMTP_URL: bad port in {_masked(raw)!r}")
    security, default_port = _SCHEMES[scheme]
    username = unquote(parts.username or "")
    password = unquote(parts.password or "")
    if password and not username:
        raise ValueError(f"SMTP_URL: a password needs a user name in {_masked(raw)!r}")
    return SmtpConfig(
        host=parts.hostname,
        port=port or default_port,
        security=security,
        username=username,
        password=password,
    )


class Unreachable(Exception):
    """The server could not be reached or refused the session: not the message's fault."""


def short_error(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        err = exc.smtp_error
        detail = err.decode(errors="replace") if isinstance(err, bytes) else str(err)
        text = f"{exc.smtp_code} {detail}"
    elif isinstance(exc, smtplib.SMTPRecipientsRefused):
        text = "; ".join(
            f"{rcpt}: {code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
            for rcpt, (code, msg) in exc.recipients.items()
        )
        text = f"recipient refused: {text}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    text = " ".join(text.split())
    return text[:ERROR_MAX_CHARS]


def is_permanent(exc: BaseException) -> bool:
    """The server refused this message for good (5xx), so retrying cannot help."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPDataError):
        return exc.smtp_code >= 500
    return isinstance(exc, (ValueError, UnicodeError))


def connect(smtp: SmtpConfig) -> smtplib.SMTP:
    """An open, authenticated SMTP session; raises ``Unreachable``."""
    try:
        if smtp.security == "tls":
            conn: smtplib.SMTP = smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=smtp.timeout, context=ssl.create_default_context()
            )
        else:
            conn = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        try:
            conn.ehlo()
            if smtp.security == "starttls":
                # Never fall back to plain text when STARTTLS was asked for.
                conn.starttls(context=ssl.create_default_context())
                conn.ehlo()
            if smtp.username:
                conn.login(smtp.username, smtp.password)
        except BaseException:
            conn.close()
            raise
        return conn
    except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            raise Unreachable(f"server does not offer STARTTLS: {short_error(exc)}"[:ERROR_MAX_CHARS]) from exc
        raise Unreachable(f"cannot reach {smtp.host}:{smtp.port}: {short_error(exc)}"[:ERROR_MAX_CHARS]) from exc
