"""The outbox sender: delivers ``EmailMessage`` rows through SMTP.

How a message moves (rows only ever move forward, nothing is deleted)::

    pending --claim--> sending --accepted--> sent
       ^                  |
       |                  +--failure, retries left--> pending (next_attempt_at = back-off)
       |                  +--rejected for good / out of retries--> failed (visible, last_error)
       +--------- lease expired (the sender died) --- sending

* **Claim.** One conditional ``UPDATE … SET status='sending',
  next_attempt_at=<lease expiry> WHERE <due> RETURNING id`` moves due rows
  (``pending`` whose ``next_attempt_at`` has come, or ``sending`` whose lease
  has expired) to ``sending`` and is **committed before any SMTP traffic**.
  The ``WHERE`` repeats the due test, so of two senders racing for one row
  exactly one update matches it (SQLite serialises writers; PostgreSQL
  re-checks the condition after the row lock and the sub-select skips rows
  another sender holds).  Several workers may therefore each run a sender.
* **Send.** Each message carries the ``Message-ID`` stored on its row, the
  same on every attempt, and the ``Date`` of its creation.
* **Finish.** Right after the server accepts a message its row becomes
  ``sent`` (own short transaction).  A failure counts an attempt, keeps
  ``last_error`` (short) and schedules the next try: 30 s, 1 min, 2 min, …
  capped at 1 h.  A message the server refuses outright (5xx) or that failed
  ``MAX_ATTEMPTS`` times becomes ``failed``: kept, visible to reviewers, and
  ``requeue`` puts it back.  When the server cannot be reached at all (down,
  refused login) the message is not at fault: it keeps waiting at the capped
  back-off, however long the outage, so an outage never loses mail.
  Every finishing update also requires that this sender still holds the
  lease, so a slow sender can never overwrite another one's result.
* **Lease.** A claim is a lease of ``lease_seconds``.  A sender that notices
  it has used half of its lease stops and hands the rest of its batch back
  (``pending``, untouched attempts) instead of sending late.

The one window that cannot be closed: if the process dies (or the database
becomes unreachable) *after* the SMTP server accepted a message but *before*
its row was marked ``sent``, the row stays ``sending``; once the lease
expires another sender sends it again.  (Likewise when the connection breaks
after the server took the message but before its "250 OK" reached us: that
counts as a failed attempt and is retried.)  The receiver then gets a second copy
with the **same Message-ID**, which mail systems and clients can use to drop
the duplicate.  SMTP has no two-phase commit, so "at most once" and "never
lost" cannot both be guaranteed across a crash; we chose "never lost".  In
normal operation (no crash between those two steps) every message is sent
exactly once.

Settings: ``SMTP_URL`` (see ``smtp_transport.parse_smtp_url``) and ``RXAPP_MAIL_FROM`` (the
sender address, default ``no-reply@member-center.local``; the display name
is the vendor's name).  No Reflex import: the app starts ``Sender`` from its
lifespan.
"""

from __future__ import annotations

import asyncio
import logging
import os
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage as MimeMessage
from email.utils import format_datetime, formataddr, parseaddr

import sqlalchemy as sa
from sqlmodel import Session

from rxapp import db, settings
from rxapp.blocking import Stopping, in_thread
from rxapp.i18n import _
from rxapp.models import EmailMessage, EmailStatus, utcnow
from rxapp.services.errors import Conflict, NotFound
from rxapp.services import smtp_transport
from rxapp.services.smtp_transport import ERROR_MAX_CHARS, SmtpConfig, parse_smtp_url

log = logging.getLogger(__name__)

DEFAULT_MAIL_FROM = "no-reply@member-center.local"
MAX_ATTEMPTS = 10
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600


# --------------------------------------------------------------------------- building


def mail_from() -> tuple[str, str]:
    """(display name, address) of the sender: the vendor and RXAPP_MAIL_FROM."""
    name, addr = parseaddr(os.environ.get("RXAPP_MAIL_FROM", "").strip() or DEFAULT_MAIL_FROM)
    if "@" not in addr:
        name, addr = "", DEFAULT_MAIL_FROM
    return name or settings.get().vendor_name, addr


def build_message(row: EmailMessage) -> MimeMessage:
    """The MIME message for one outbox row: text (+ HTML alternative).

    Raises ``ValueError`` for a row that cannot become an email (e.g. a
    line break in the subject); such a row is failed, not retried.
    """
    name, addr = mail_from()
    msg = MimeMessage()
    msg["From"] = formataddr((name, addr))
    msg["To"] = row.to_email
    msg["Subject"] = row.subject
    msg["Message-ID"] = row.message_id
    msg["Date"] = format_datetime(row.created_at or utcnow())
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(row.body_text or "")
    if row.body_html:
        msg.add_alternative(row.body_html, subtype="html")
    return msg


# --------------------------------------------------------------------------- delivery


@dataclass
class DeliveryReport:
    """What one ``deliver_due`` call did (message ids)."""

    claimed: list[int] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    released: list[int] = field(default_factory=list)
    lost_lease: list[int] = field(default_factory=list)


def backoff(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failure: 30 s, 1 min, 2 min, … capped at 1 h."""
    exponent = max(0, min(attempts - 1, 20))
    return timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2**exponent, BACKOFF_CAP_SECONDS))


def _session_factory(engine_or_session_factory) -> Callable[[], Session]:
    if isinstance(engine_or_session_factory, sa.Engine):
        engine = engine_or_session_factory
        return lambda: Session(engine, expire_on_commit=False)
    return engine_or_session_factory


def _due(now: datetime):
    t = EmailMessage.__table__.c
    return sa.or_(
        sa.and_(t.status == EmailStatus.pending, t.next_attempt_at <= now),
        # A sender died mid-send: its lease (stored in next_attempt_at) ran out.
        sa.and_(t.status == EmailStatus.sending, t.next_attempt_at <= now),
    )


def _claim(session: Session, now: datetime, lease_until: datetime, batch: int) -> list[int]:
    t = EmailMessage.__table__
    candidates = sa.select(t.c.id).where(_due(now)).order_by(t.c.next_attempt_at, t.c.id).limit(batch)
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    stmt = (
        sa.update(t)
        # Repeat the due test: whoever updates second finds the row no longer due.
        .where(t.c.id.in_(candidates.scalar_subquery()), _due(now))
        .values(status=EmailStatus.sending, next_attempt_at=lease_until)
        .returning(t.c.id)
    )
    ids = sorted(session.execute(stmt).scalars().all())
    session.commit()
    return ids


def _finish(make_session, msg_id: int, lease_until: datetime, **values) -> bool:
    """Move one claimed row on, only while this sender still holds its lease."""
    t = EmailMessage.__table__
    with make_session() as s:
        result = s.execute(
            sa.update(t)
            .where(t.c.id == msg_id, t.c.status == EmailStatus.sending, t.c.next_attempt_at == lease_until)
            .values(**values)
        )
        s.commit()
        return result.rowcount == 1


def deliver_due(
    *,
    engine_or_session_factory,
    smtp: SmtpConfig,
    now: datetime | None = None,
    batch: int = 20,
    lease_seconds: int = 120,
) -> DeliveryReport:
    """Claim up to ``batch`` due messages, send them, record each outcome.

    Owns its transactions (the claim is committed before sending; each
    outcome is committed on its own).  ``now`` (aware UTC) is the time used
    for due tests, the lease and back-off; it defaults to the real time.
    Never raises for SMTP trouble: outcomes are recorded on the rows.
    Database errors propagate (the rows stay claimed until their lease
    expires, then are retried).
    """
    make_session = _session_factory(engine_or_session_factory)
    fixed_now = now
    clock = (lambda: fixed_now) if fixed_now is not None else utcnow
    start = clock()
    lease_until = start + timedelta(seconds=lease_seconds)
    started = time.monotonic()
    report = DeliveryReport()

    with make_session() as s:
        report.claimed = _claim(s, start, lease_until, batch)
        if not report.claimed:
            return report
        claimed = sa.select(EmailMessage).where(EmailMessage.id.in_(report.claimed)).order_by(EmailMessage.id)
        messages = list(s.execute(claimed).scalars().all())
        s.expunge_all()

    conn: smtplib.SMTP | None = None
    unreachable: str | None = None
    try:
        for row in messages:
            if time.monotonic() - started > lease_seconds / 2:
                # Too slow: hand the rest back rather than send after the lease.
                back = dict(status=EmailStatus.pending, next_attempt_at=clock())
                if _finish(make_session, row.id, lease_until, **back):
                    report.released.append(row.id)
                continue
            error: str | None = None
            permanent = False
            server_fault = False
            try:
                mime = build_message(row)
                if unreachable is not None:
                    raise smtp_transport.Unreachable(unreachable)
                if conn is None:
                    conn = smtp_transport.connect(smtp)
                conn.send_message(mime, from_addr=mail_from()[1], to_addrs=[row.to_email])
            except smtp_transport.Unreachable as exc:
                unreachable = error = str(exc)
                server_fault = True
            except smtplib.SMTPSenderRefused as exc:
                # Our From address is refused: a setting to fix, not this message's fault.
                error = smtp_transport.short_error(exc)
                server_fault = True
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException, ValueError) as exc:
                # The server answered about this message (smtplib has reset the transaction).
                error = smtp_transport.short_error(exc)
                permanent = smtp_transport.is_permanent(exc)
                if getattr(exc, "smtp_code", 0) == 421 and conn is not None:  # server closing
                    conn.close()
                    conn = None
            except OSError as exc:
                # The connection broke (SMTPServerDisconnected, timeouts…; SMTPException is an
                # OSError too): count it on this message, reconnect for the next one.
                error = smtp_transport.short_error(exc)
                if conn is not None:
                    conn.close()
                    conn = None

            if error is None:
                done = dict(status=EmailStatus.sent, sent_at=clock(), last_error="")
                ok = _finish(make_session, row.id, lease_until, **done)
                (report.sent if ok else report.lost_lease).append(row.id)
                log.info("email %s (%s) sent", row.id, row.kind,
                         extra={"claim_id": getattr(row, "redemption_id", None)})
                continue
            attempts = row.attempts + 1
            if permanent or (attempts >= MAX_ATTEMPTS and not server_fault):
                values = dict(status=EmailStatus.failed, attempts=attempts, last_error=error)
                bucket = report.failed
            else:
                values = dict(
                    status=EmailStatus.pending,
                    attempts=attempts,
                    last_error=error,
                    next_attempt_at=clock() + backoff(attempts),
                )
                bucket = report.retrying
            ok = _finish(make_session, row.id, lease_until, **values)
            (bucket if ok else report.lost_lease).append(row.id)
            log.warning("email %s to %s not sent (attempt %s): %s", row.id, row.to_email, attempts, error,
                        extra={"claim_id": getattr(row, "redemption_id", None)})
    finally:
        if conn is not None:
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                conn.close()
    return report


def requeue(*, session: Session, message_id: int) -> EmailMessage:
    """Put a ``failed`` message back in the queue (attempts start again).

    For a reviewer or admin after fixing the cause.  Flushes; the caller
    commits.  Raises ``NotFound`` for an unknown id and ``Conflict`` when
    the message is not failed.
    """
    row = session.get(EmailMessage, message_id)
    if row is None:
        raise NotFound(_("This email does not exist."))
    if row.status != EmailStatus.failed:
        raise Conflict(_("Only an email whose delivery failed can be sent again; this one is not failed."))
    row.status = EmailStatus.pending
    row.attempts = 0
    row.next_attempt_at = utcnow()
    session.add(row)
    session.flush()
    return row


def delivery_state(*, session: Session, redemption_id: int) -> list[dict]:
    """Every email about one claim, oldest first, with its delivery state.

    For the reviewer's claim page: id, kind, to, subject, status
    (pending/sending/sent/failed), attempts, last_error, created_at,
    sent_at, message_id.
    """
    rows = session.execute(
        sa.select(EmailMessage)
        .where(EmailMessage.redemption_id == redemption_id)
        .order_by(EmailMessage.created_at, EmailMessage.id)
    ).scalars()
    return [
        {
            "id": r.id,
            "kind": r.kind,
            "to": r.to_email,
            "subject": r.subject,
            "status": r.status.value,
            "attempts": r.attempts,
            "last_error": r.last_error,
            "created_at": r.created_at,
            "sent_at": r.sent_at,
            "message_id": r.message_id,
        }
        for r in rows
    ]


# --------------------------------------------------------------------------- the loop


class Sender:
    """Runs ``deliver_due`` every ``interval`` seconds while the app runs.

    Reflex-free; the app starts ``run_forever`` as a background task from its
    lifespan and sets ``stop_event`` on shutdown.  Without ``SMTP_URL`` it
    returns at once (demo mode shows mail in the Mailbox page instead).
    Several workers may each run one: the claim prevents double sends.
    """

    def __init__(
        self,
        *,
        engine_or_session_factory=None,
        smtp_url: str | None = None,
        interval: float = 2.0,
        batch: int = 20,
        lease_seconds: int = 120,
    ):
        self._target = engine_or_session_factory
        self._smtp_url = smtp_url
        self.interval = interval
        self.batch = batch
        self.lease_seconds = lease_seconds
        self.last_report: DeliveryReport | None = None
        self.last_error: str = ""

    def smtp(self) -> SmtpConfig | None:
        url = self._smtp_url if self._smtp_url is not None else settings.get().smtp_url
        return parse_smtp_url(url) if url else None

    def run_once(self) -> DeliveryReport | None:
        """One round (blocking); ``None`` when SMTP is not configured."""
        smtp = self.smtp()
        if smtp is None:
            return None
        if self._target is None:
            self._target = db.get_engine()
        return deliver_due(
            engine_or_session_factory=self._target,
            smtp=smtp,
            batch=self.batch,
            lease_seconds=self.lease_seconds,
        )

    async def run_forever(self, stop_event: asyncio.Event) -> None:
        """Deliver until ``stop_event`` is set; a full batch loops again at once."""
        if self.smtp() is None:
            log.info("SMTP_URL is not set: the outbox is not delivered (see the Mailbox in demo mode)")
            return
        while not stop_event.is_set():
            full = False
            try:
                report = await in_thread(self.run_once)
                self.last_report = report
                self.last_error = ""
                full = report is not None and len(report.claimed) >= self.batch
            except Stopping:
                return
            except Exception as exc:  # noqa: BLE001 - the loop must outlive a database hiccup
                self.last_error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX_CHARS]
                log.exception("outbox sender round failed")
            if full:
                await asyncio.sleep(0)
                continue
            try:
                await asyncio.wait_for(stop_event.wait(), timeout=self.interval)
            except (asyncio.TimeoutError, TimeoutError):
                pass


__all__ = [
    "DeliveryReport",
    "Sender",
    "backoff",
    "build_message",
    "deliver_due",
    "delivery_state",
    "mail_from",
    "requeue",
]
