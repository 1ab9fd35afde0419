"""The outbox sender against a real SMTP server (aiosmtpd on a free local port)."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from collections import Counter
from datetime import timedelta
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from hypothesis import given, settings as hsettings, strategies as st
from sqlmodel import Session

from rxapp import db, settings
from rxapp.models import EmailMessage, EmailStatus, Region, User, utcnow
from rxapp.services import emails, mail_sender, outbox
from rxapp.services.errors import Conflict, NotFound
from rxapp.services.mail_sender import MAX_ATTEMPTS, Sender, backoff, deliver_due
from rxapp.services.smtp_transport import SmtpConfig, parse_smtp_url


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(autouse=True)
def _env(monkeypatch, tmp_path):
    monkeypatch.setenv("RXAPP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RXAPP_VENDOR_NAME", "MSI")
    monkeypatch.delenv("RXAPP_MAIL_FROM", raising=False)
    monkeypatch.delenv("SMTP_URL", raising=False)
    settings.reset()
    yield
    settings.reset()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """aiosmtpd handler: keeps every accepted message; can refuse on demand."""

    def __init__(self):
        self.lock = threading.Lock()
        self.envelopes: list[tuple[str, list[str], email.message.EmailMessage]] = []
        self.refuse_rcpt: dict[str, str] = {}  # address -> SMTP reply
        self.data_reply: str | None = None  # e.g. "451 try later"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse_rcpt:
            return self.refuse_rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply:
            return self.data_reply
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos), msg))
        return "250 Message accepted for delivery"

    def ids(self) -> Counter:
        with self.lock:
            return Counter(m["Message-ID"] for _, _, m in self.envelopes)


class SmtpServer:
    """A real SMTP server that can be stopped and started again on the same port."""

    def __init__(self, **kwargs):
        self.port = free_port()
        self.inbox = Inbox()
        self.kwargs = kwargs
        self.controller: Controller | None = None

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **self.kwargs)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def config(self, **kw) -> SmtpConfig:
        return SmtpConfig(host="127.0.0.1", port=self.port, timeout=5, **kw)


@pytest.fixture()
def smtp_server():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def queue(session: Session, n: int, *, to: str = "buyer{i}@example.com") -> list[EmailMessage]:
    rows = [
        outbox.enqueue(
            session=session,
            to_email=to.format(i=i),
            kind="test",
            subject=f"Your claim #{i} was received",
            body_text=f"Dear Customer,\n\nclaim {i} received.\n",
            body_html=f"<p>Dear Customer,</p><p>claim <b>{i}</b> received.</p>",
        )
        for i in range(n)
    ]
    session.commit()
    return rows


def rows(engine) -> dict[int, EmailMessage]:
    with Session(engine, expire_on_commit=False) as s:
        return {r.id: r for r in s.execute(sa.select(EmailMessage)).scalars()}


# --------------------------------------------------------------------------- SMTP_URL


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.com", SmtpConfig("mail.example.com", 25, "plain")),
        ("smtp://u:p@mail.example.com:2525", SmtpConfig("mail.example.com", 2525, "plain", "u", "p")),
        ("smtp+starttls://u:p@smtp.example.com", SmtpConfig("smtp.example.com", 587, "starttls", "u", "p")),
        ("smtp+starttls://smtp.example.com:25", SmtpConfig("smtp.example.com", 25, "starttls")),
        ("smtps://u@smtp.example.com", SmtpConfig("smtp.example.com", 465, "tls", "u", "")),
        (
            "SMTPS://a%40b.com:p%40ss%3Aw%2Frd@smtp.example.com:1465/",
            SmtpConfig("smtp.example.com", 1465, "tls", "a@b.com", "p@ss:w/rd"),
        ),
        ("smtp://[::1]:2525", SmtpConfig("::1", 2525, "plain")),
    ],
)
def test_smtp_url_is_parsed(url, expected):
    assert parse_smtp_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "",
        "http://mail.example.com",
        "smtp://",
        "smtp://user:secret@mail.example.com:notaport",
        "smtp://user:secret@mail.example.com:99999",
        "smtp://user:secret@mail.example.com:0",
        "smtp://user:secret@mail.example.com/path",
        "smtp://user:secret@mail.example.com?x=1",
        "smtp://:secret@mail.example.com",
        "mail.example.com:25",
    ],
)
def test_bad_smtp_url_is_one_line_naming_the_variable_without_the_password(url):
    with pytest.raises(ValueError) as info:
        parse_smtp_url(url)
    message = str(info.value)
    assert message.startswith("SMTP_URL: ")
    assert "\n" not in message
    assert "secret" not in message


@given(
    user=st.text(min_size=1, max_size=30).filter(lambda s: "\x00" not in s),
    password=st.text(max_size=30).filter(lambda s: "\x00" not in s),
    scheme=st.sampled_from(["smtp", "smtp+starttls", "smtps"]),
    port=st.one_of(st.none(), st.integers(1, 65535)),
)
@hsettings(max_examples=200)
def test_any_credentials_survive_url_encoding(user, password, scheme, port):
    url = f"{scheme}://{quote(user, safe='')}:{quote(password, safe='')}@mail.example.com"
    if port is not None:
        url += f":{port}"
    cfg = parse_smtp_url(url)
    assert (cfg.username, cfg.password, cfg.host) == (user, password, "mail.example.com")
    assert cfg.port == (port or {"smtp": 25, "smtp+starttls": 587, "smtps": 465}[scheme])
    # The password is never shown (the word "password" may well be the user name itself).
    assert "password=" not in repr(cfg)
    secret = parse_smtp_url(f"{scheme}://{quote(user, safe='')}:S3cr3t-Pw-42@mail.example.com")
    assert "S3cr3t-Pw-42" not in repr(secret)


def test_backoff_doubles_from_30_seconds_and_stops_at_an_hour():
    waits = [backoff(n).total_seconds() for n in range(1, 15)]
    assert waits[:5] == [30, 60, 120, 240, 480]
    assert max(waits) == 3600 and waits[-1] == 3600
    assert waits == sorted(waits)


# --------------------------------------------------------------------------- delivery


def test_one_message_per_email_with_recipient_subject_id_and_both_parts(
    engine, session, smtp_server, monkeypatch
):
    monkeypatch.setenv("RXAPP_MAIL_FROM", "no-reply@msi.example")
    queued = queue(session, 3)
    report = deliver_due(engine_or_session_factory=engine, smtp=smtp_server.config())
    assert sorted(report.sent) == sorted(r.id for r in queued)

    inbox = smtp_server.inbox.envelopes
    assert len(inbox) == 3
    by_id = {m["Message-ID"]: (mail_from, rcpts, m) for mail_from, rcpts, m in inbox}
    for row in queued:
        mail_from, rcpts, m = by_id[row.message_id]
        assert mail_from == "no-reply@msi.example"
        assert rcpts == [row.to_email]
        assert m["To"] == row.to_email
        assert m["Subject"] == row.subject
        assert m["From"] == "MSI <no-reply@msi.example>"
        assert m["Date"] is not None
        assert m.get_content_type() == "multipart/alternative"
        assert m.get_body(("plain",)).get_content().replace("\r\n", "\n") == row.body_text
        assert m.get_body(("html",)).get_content().strip() == row.body_html
    for r in rows(engine).values():
        assert r.status == EmailStatus.sent and r.sent_at is not None and r.attempts == 0

    # Nothing is due any more: a second round sends nothing.
    again = deliver_due(engine_or_session_factory=engine, smtp=smtp_server.config())
    assert again.claimed == [] and len(smtp_server.inbox.envelopes) == 3


def test_a_real_welcome_email_arrives_as_rendered(engine, session, smtp_server):
    session.add(Region(code="DE", name="Germany"))
    user = User(email="anna@example.com", password_hash="x", first_name="Anna", region_code="DE")
    session.add(user)
    session.flush()
    row = emails.queue_welcome(session=session, user=user)
    session.commit()
    deliver_due(engine_or_session_factory=engine, smtp=smtp_server.config())
    [(_, rcpts, m)] = smtp_server.inbox.envelopes
    assert rcpts == ["anna@example.com"]
    assert m["Subject"] == row.subject
    assert "/verify-email?token=" in m.get_body(("plain",)).get_content()
    assert "Verify my email" in m.get_body(("html",)).get_content()


def test_each_claim_event_arrives_as_one_email_and_its_state_shows_on_the_claim(engine, session, smtp_server):
    from rxapp.models import Role
    from rxapp.services import claims
    from tests.factories import rows as f

    world = f.claimable(session, codes=3)
    reviewer = f.make_user(session, email="reviewer@msi.test", role=Role.reviewer)
    session.commit()
    customer = world["user"].email
    claim = claims.submit(
        session=session, user_id=world["user"].id, product_id=world["product"].id,
        promotion_id=world["promotion"].id, recipient=f.RECIPIENT, serial_photo_file_id=world["photo"].id,
    )
    session.commit()
    [received] = mail_sender.delivery_state(session=session, redemption_id=claim.id)
    assert (received["status"], received["to"], received["sent_at"]) == ("pending", customer, None)

    deliver_due(engine_or_session_factory=engine, smtp=smtp_server.config())
    reason = "Please provide the invoice with your product name on it, thanks."
    claims.decide(
        session=session, claim_id=claim.id, reviewer_id=reviewer.id, decision="needs_info",
        reason=reason, missing_document="invoice",
    )
    session.commit()
    deliver_due(engine_or_session_factory=engine, smtp=smtp_server.config())

    state = mail_sender.delivery_state(session=session, redemption_id=claim.id)
    assert [e["status"] for e in state] == ["sent", "sent"]
    assert all(e["sent_at"] is not None and e["attempts"] == 0 for e in state)
    envelopes = smtp_server.inbox.envelopes
    assert len(envelopes) == 2 and all(rcpts == [customer] for _, rcpts, _ in envelopes)
    assert [m["Subject"] for _, _, m in envelopes] == [e["subject"] for e in state]
    needs_info = envelopes[1][2]
    for part in ("plain", "html"):
        body = needs_info.get_body((part,)).get_content()
        assert "invoice with your product name on it" in body
        assert "http" in body  # a link back to the app
    assert smtp_server.inbox.ids() == Counter({e["message_id"]: 1 for e in state})


def test_text_only_email_is_a_plain_message(engine, session, smtp_server):
    outbox.enqueue(session=session, to_email="a@example.com", kind="t", subject="S", body_text="only text\n")
    session.commit()
    deliver_due(engine_or_session_factory=engine, smtp=smtp_server.config())
    [(_, _, m)] = smtp_server.inbox.envelopes
    assert m.get_content_type() == "text/plain"
    assert m.get_content().replace("\r\n", "\n") == "only text\n"


def test_server_down_messages_wait_then_are_delivered_once(engine, session, smtp_server):
    queued = queue(session, 4)
    smtp_server.stop()  # nothing listens on the port now
    t0 = utcnow()

    report = deliver_due(engine_or_session_factory=engine, smtp=smtp_server.config(), now=t0)
    assert sorted(report.retrying) == sorted(r.id for r in queued) and report.sent == []
    for r in rows(engine).values():
        assert r.status == EmailStatus.pending
        assert r.attempts == 1
        assert r.next_attempt_at == t0 + timedelta(seconds=30)
        assert "cannot reach 127.0.0.1" in r.last_error

    # Not due yet: nothing is claimed, nothing is counted.
    early = deliver_due(
        engine_or_session_factory=engine, smtp=smtp_server.config(), now=t0 + timedelta(seconds=29)
    )
    assert early.claimed == []

    t1 = t0 + timedelta(seconds=31)
    deliver_due(engine_or_session_factory=engine, smtp=smtp_server.config(), now=t1)
    for r in rows(engine).values():
        assert (r.status, r.attempts) == (EmailStatus.pending, 2)
        assert r.next_attempt_at == t1 + timedelta(seconds=60)

    smtp_server.start()  # back, on the same port
    not_yet = t1 + timedelta(seconds=59)
    assert deliver_due(engine_or_session_factory=engine, smtp=smtp_server.config(), now=not_yet).claimed == []
    t2 = t1 + timedelta(seconds=61)
    report = deliver_due(engine_or_session_factory=engine, smtp=smtp_server.config(), now=t2)
    assert len(report.sent) == 4
    later = deliver_due(
        engine_or_session_factory=engine, smtp=smtp_server.config(), now=t2 + timedelta(hours=5)
    )
    assert later.claimed == []

    assert smtp_server.inbox.ids() == Counter({r.message_id: 1 for r in queued})
    for r in rows(engine).values():
        assert r.status == EmailStatus.sent and r.sent_at == t2 and r.attempts == 2


def test_an_outage_never_gives_up_on_a_message(engine, session):
    [row] = queue(session, 1)
    down = SmtpConfig(host="127.0.0.1", port=free_port(), timeout=2)
    now = utcnow()
    for _ in range(MAX_ATTEMPTS + 3):
        now += timedelta(hours=2)
        deliver_due(engine_or_session_factory=engine, smtp=down, now=now)
    r = rows(engine)[row.id]
    assert r.status == EmailStatus.pending
    assert r.attempts == MAX_ATTEMPTS + 3
    assert r.next_attempt_at == now + timedelta(hours=1)


def test_a_sender_that_died_mid_send_is_retried_after_its_lease(engine, session, smtp_server):
    [row] = queue(session, 1)
    now = utcnow()
    with Session(engine) as s:  # the state a killed process leaves behind
        s.execute(
            sa.update(EmailMessage)
            .where(EmailMessage.id == row.id)
            .values(status=EmailStatus.sending, next_attempt_at=now - timedelta(seconds=1))
        )
        s.commit()
    report = deliver_due(engine_or_session_factory=engine, smtp=smtp_server.config(), now=now)
    assert report.sent == [row.id]
    assert smtp_server.inbox.ids() == Counter({row.message_id: 1})
    assert rows(engine)[row.id].status == EmailStatus.sent


def test_a_message_under_another_senders_lease_is_left_alone(engine, session, smtp_server):
    [row] = queue(session, 1)
    now = utcnow()
    lease = now + timedelta(seconds=60)
    with Session(engine) as s:
        s.execute(
            sa.update(EmailMessage)
            .where(EmailMessage.id == row.id)
            .values(status=EmailStatus.sending, next_attempt_at=lease)
        )
        s.commit()
    report = deliver_due(engine_or_session_factory=engine, smtp=smtp_server.config(), now=now)
    assert report.claimed == []
    assert smtp_server.inbox.envelopes == []
    r = rows(engine)[row.id]
    assert (r.status, r.next_attempt_at, r.attempts) == (EmailStatus.sending, lease, 0)


def test_a_sender_out_of_lease_time_hands_its_batch_back_unsent(engine, session, smtp_server):
    queued = queue(session, 3)
    # With no lease time at all, the sender must not send late: it gives every row back.
    report = deliver_due(engine_or_session_factory=engine, smtp=smtp_server.config(), lease_seconds=0)
    assert sorted(report.released) == sorted(r.id for r in queued) and report.sent == []
    assert smtp_server.inbox.envelopes == []
    assert all((r.status, r.attempts) == (EmailStatus.pending, 0) for r in rows(engine).values())
    assert len(deliver_due(engine_or_session_factory=engine, smtp=smtp_server.config()).sent) == 3


def test_a_sender_that_lost_its_lease_does_not_overwrite_the_new_owner(engine, session, smtp_server):
    [row] = queue(session, 1)
    takeover = utcnow() + timedelta(minutes=10)
    inbox = smtp_server.inbox
    accept = inbox.handle_DATA

    async def slow_then_taken_over(server, sess, envelope):
        # While the server holds the message, another sender takes the row over
        # (as if this one had been too slow and its lease ran out).
        with Session(engine) as s:
            s.execute(
                sa.update(EmailMessage).where(EmailMessage.id == row.id).values(next_attempt_at=takeover)
            )
            s.commit()
        return await accept(server, sess, envelope)

    inbox.handle_DATA = slow_then_taken_over
    report = deliver_due(engine_or_session_factory=engine, smtp=smtp_server.config())
    assert report.lost_lease == [row.id] and report.sent == []
    r = rows(engine)[row.id]
    assert (r.status, r.next_attempt_at, r.sent_at) == (EmailStatus.sending, takeover, None)


def _race(target, smtp, workers: int = 2, batch: int = 3) -> list:
    barrier = threading.Barrier(workers)
    reports: list = []
    errors: list = []

    def work():
        try:
            barrier.wait()
            while True:
                report = deliver_due(engine_or_session_factory=target, smtp=smtp, batch=batch)
                reports.append(report)
                if not report.claimed:
                    return
        except Exception as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    return reports


def test_two_senders_at_once_never_send_a_message_twice(engine, session, smtp_server):
    queued = queue(session, 40)
    reports = _race(engine, smtp_server.config(), workers=2, batch=3)
    claimed = [i for r in reports for i in r.claimed]
    assert sorted(claimed) == sorted(r.id for r in queued)  # each claimed by exactly one sender
    assert smtp_server.inbox.ids() == Counter({r.message_id: 1 for r in queued})
    assert all(r.status == EmailStatus.sent for r in rows(engine).values())


@pytest.mark.postgres
def test_four_senders_on_postgresql_never_send_a_message_twice(pg_url, smtp_server):
    engine = db.get_engine(pg_url)
    with Session(engine, expire_on_commit=False) as s:
        queued = queue(s, 60)
    reports = _race(engine, smtp_server.config(), workers=4, batch=4)
    claimed = [i for r in reports for i in r.claimed]
    assert sorted(claimed) == sorted(r.id for r in queued)
    assert smtp_server.inbox.ids() == Counter({r.message_id: 1 for r in queued})
    engine.dispose()


def test_a_refused_recipient_fails_for_good_and_the_rest_still_go(engine, session, smtp_server):
    smtp_server.inbox.refuse_rcpt["nobody@example.com"] = "550 5.1.1 No such user here"
    good = queue(session, 2)
    [bad] = queue(session, 1, to="nobody@example.com")
    report = deliver_due(engine_or_session_factory=engine, smtp=smtp_server.config())
    assert report.failed == [bad.id], (report, rows(engine)[bad.id])
    assert sorted(report.sent) == sorted(r.id for r in good)
    r = rows(engine)[bad.id]
    assert r.status == EmailStatus.failed and r.attempts == 1
    assert "550" in r.last_error and "No such user" in r.last_error
    # A failed message is never picked up again by itself...
    tomorrow = utcnow() + timedelta(days=1)
    later = deliver_due(engine_or_session_factory=engine, smtp=smtp_server.config(), now=tomorrow)
    assert later.claimed == []
    # ...until someone puts it back.
    del smtp_server.inbox.refuse_rcpt["nobody@example.com"]
    with Session(engine) as s:
        mail_sender.requeue(session=s, message_id=bad.id)
        s.commit()
    assert deliver_due(engine_or_session_factory=engine, smtp=smtp_server.config()).sent == [bad.id]
    assert smtp_server.inbox.ids()[bad.message_id] == 1


def test_a_temporary_refusal_is_retried_then_given_up_visibly(engine, session, smtp_server):
    smtp_server.inbox.data_reply = "451 4.3.0 Try again later"
    [row] = queue(session, 1)
    now = utcnow()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        deliver_due(engine_or_session_factory=engine, smtp=smtp_server.config(), now=now)
        r = rows(engine)[row.id]
        assert r.attempts == attempt and "451" in r.last_error
        if attempt < MAX_ATTEMPTS:
            assert r.status == EmailStatus.pending
            assert r.next_attempt_at == now + backoff(attempt)
            now = r.next_attempt_at
    assert r.status == EmailStatus.failed
    assert smtp_server.inbox.envelopes == []


def test_an_email_that_cannot_be_built_fails_at_once(engine, session, smtp_server):
    [row] = queue(session, 1)
    with Session(engine) as s:
        injected = "bad\r\nBcc: x@evil.example"
        s.execute(sa.update(EmailMessage).where(EmailMessage.id == row.id).values(subject=injected))
        s.commit()
    report = deliver_due(engine_or_session_factory=engine, smtp=smtp_server.config())
    assert report.failed == [row.id]
    assert smtp_server.inbox.envelopes == []
    assert rows(engine)[row.id].status == EmailStatus.failed


def test_starttls_is_required_when_asked_for(engine, session, smtp_server):
    [row] = queue(session, 1)
    cfg = smtp_server.config(security="starttls")
    report = deliver_due(engine_or_session_factory=engine, smtp=cfg)
    assert report.retrying == [row.id]
    assert smtp_server.inbox.envelopes == []  # never fell back to plain text
    assert "STARTTLS" in rows(engine)[row.id].last_error


def test_implicit_tls_never_falls_back_to_plain_text(engine, session, smtp_server):
    [row] = queue(session, 1)
    report = deliver_due(engine_or_session_factory=engine, smtp=smtp_server.config(security="tls"))
    assert report.retrying == [row.id]
    assert smtp_server.inbox.envelopes == []
    assert "cannot reach 127.0.0.1" in rows(engine)[row.id].last_error


def test_login_uses_the_decoded_user_and_password(engine, session):
    seen = []

    def authenticator(server, sess, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        seen.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=auth_data.password == b"p@ss:w/rd", handled=False)

    server = SmtpServer(auth_require_tls=False, authenticator=authenticator)
    server.start()
    try:
        [row] = queue(session, 1)
        cfg = parse_smtp_url(f"smtp://shop%40msi.example:p%40ss%3Aw%2Frd@127.0.0.1:{server.port}")
        assert deliver_due(engine_or_session_factory=engine, smtp=cfg).sent == [row.id]
        assert seen == [("shop@msi.example", "p@ss:w/rd")]

        # A wrong password is a setting to fix: the message keeps waiting.
        [other] = queue(session, 1)
        wrong = parse_smtp_url(f"smtp://shop%40msi.example:nope@127.0.0.1:{server.port}")
        report = deliver_due(engine_or_session_factory=engine, smtp=wrong)
        assert report.retrying == [other.id]
        r = rows(engine)[other.id]
        assert r.status == EmailStatus.pending and "535" in r.last_error
    finally:
        server.stop()


def test_delivery_state_per_claim_and_requeue_rules(engine, session):
    [row] = queue(session, 1)
    assert mail_sender.delivery_state(session=session, redemption_id=999) == []
    with pytest.raises(NotFound):
        mail_sender.requeue(session=session, message_id=12345)
    with pytest.raises(Conflict):
        mail_sender.requeue(session=session, message_id=row.id)


# --------------------------------------------------------------------------- the loop


def test_sender_without_smtp_url_does_nothing(engine, session):
    queue(session, 1)
    sender = Sender(engine_or_session_factory=engine, interval=0.05)
    assert sender.run_once() is None
    asyncio.run(asyncio.wait_for(sender.run_forever(asyncio.Event()), timeout=5))  # returns by itself
    assert all(r.status == EmailStatus.pending for r in rows(engine).values())


def test_sender_loop_delivers_until_stopped(engine, session, smtp_server, monkeypatch):
    monkeypatch.setenv("SMTP_URL", f"smtp://127.0.0.1:{smtp_server.port}")
    settings.reset()
    queued = queue(session, 25)  # more than one batch

    async def main():
        stop = asyncio.Event()
        sender = Sender(engine_or_session_factory=engine, interval=0.05, batch=10)
        task = asyncio.create_task(sender.run_forever(stop))
        for _ in range(400):
            if len(smtp_server.inbox.envelopes) >= 25:
                break
            await asyncio.sleep(0.05)
        # A message queued while the loop runs goes out too.
        with Session(engine, expire_on_commit=False) as s:
            late = queue(s, 1, to="late@example.com")[0]
        for _ in range(400):
            if len(smtp_server.inbox.envelopes) >= 26:
                break
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(task, timeout=10)
        return late

    late = asyncio.run(main())
    assert smtp_server.inbox.ids() == Counter({r.message_id: 1 for r in [*queued, late]})
