"""The Mailbox read model: demo mode only, newest first, as the customer sees it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from rxapp import settings
from rxapp.models import EmailMessage, EmailStatus, Role, utcnow
from rxapp.services import mailbox, outbox
from rxapp.services.errors import Forbidden, NotFound
from tests.factories.rows import make_user


@pytest.fixture(autouse=True)
def demo(monkeypatch, tmp_path):
    monkeypatch.setenv("RXAPP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RXAPP_DEMO", "1")
    settings.reset()
    yield
    settings.reset()


@pytest.fixture
def reviewer(session):
    """The reader of every test but the customer ones: a reviewer sees every email."""
    return make_user(session, role=Role.reviewer).id


def demo_off(monkeypatch):
    monkeypatch.setenv("RXAPP_DEMO", "0")
    settings.reset()


def write(session, n, to="anna@example.com", start=None):
    start = start or utcnow() - timedelta(hours=1)
    out = []
    for i in range(n):
        m = outbox.enqueue(
            session=session,
            to_email=to,
            kind="claim_received",
            subject=f"Subject {i}",
            body_text=f"text {i}",
            body_html=f"<p>html {i}</p>",
        )
        m.created_at = start + timedelta(minutes=i)
        out.append(m)
    session.commit()
    return out


def test_lists_every_email_newest_first_with_what_the_page_shows(session, reviewer):
    older = write(session, 3, to="anna@example.com")
    newer = write(session, 2, to="ben@example.com", start=utcnow())
    rows = mailbox.list_messages(session=session, actor_id=reviewer)
    assert [r["id"] for r in rows] == [m.id for m in reversed(older + newer)]
    assert [r["subject"] for r in rows] == ["Subject 1", "Subject 0", "Subject 2", "Subject 1", "Subject 0"]
    first = rows[0]
    assert set(first) == {
        "id", "to", "subject", "kind", "created_at", "status", "sent_at", "body_text", "body_html"
    }
    assert first["to"] == "ben@example.com"
    assert (first["status"], first["sent_at"]) == ("pending", None)
    assert first["body_text"] == "text 1" and first["body_html"] == "<p>html 1</p>"
    assert all(rows[i]["created_at"] >= rows[i + 1]["created_at"] for i in range(len(rows) - 1))


def test_filter_by_recipient_ignores_case_and_limit_caps(session, reviewer):
    write(session, 3, to="anna@example.com")
    write(session, 2, to="ben@example.com")
    anna = mailbox.list_messages(session=session, actor_id=reviewer, to_email="  ANNA@example.com ")
    assert {r["to"] for r in anna} == {"anna@example.com"}
    assert len(mailbox.list_messages(session=session, actor_id=reviewer, to_email="anna@example.com")) == 3
    assert len(mailbox.list_messages(session=session, actor_id=reviewer, limit=2)) == 2
    assert mailbox.list_messages(session=session, actor_id=reviewer, to_email="nobody@example.com") == []
    assert len(mailbox.list_messages(session=session, actor_id=reviewer, to_email="")) == 5


@given(limit=st.one_of(st.integers(-10, 1000), st.text(max_size=5), st.none()))
@hsettings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_any_limit_gives_a_sane_page(session, reviewer, limit):
    if not session.execute(sa.select(EmailMessage.id)).first():
        write(session, 7)
    rows = mailbox.list_messages(session=session, actor_id=reviewer, limit=limit)
    try:
        expected = min(7, max(1, min(int(limit), mailbox.MAX_LIMIT)))
    except (TypeError, ValueError):
        expected = 7
    assert len(rows) == expected


def test_delivery_state_shows(session, reviewer):
    [m] = write(session, 1)
    m.status = EmailStatus.sent
    m.sent_at = utcnow()
    session.commit()
    row = mailbox.get_message(session=session, actor_id=reviewer, message_id=m.id)
    assert row["status"] == "sent" and row["sent_at"] == m.sent_at


def test_get_one_message(session, reviewer):
    [m] = write(session, 1)
    row = mailbox.get_message(session=session, actor_id=reviewer, message_id=m.id)
    assert row["id"] == m.id and row["subject"] == "Subject 0"
    assert mailbox.get_message(session=session, actor_id=reviewer, message_id=str(m.id))["id"] == m.id
    for bad in (m.id + 100, "x", None):
        with pytest.raises(NotFound):
            mailbox.get_message(session=session, actor_id=reviewer, message_id=bad)


def test_with_demo_mode_off_every_mailbox_function_refuses(session, reviewer, monkeypatch):
    [m] = write(session, 1)
    demo_off(monkeypatch)
    with pytest.raises(Forbidden):
        mailbox.assert_demo()
    with pytest.raises(Forbidden):
        mailbox.list_messages(session=session, actor_id=reviewer)
    with pytest.raises(Forbidden):
        mailbox.get_message(session=session, actor_id=reviewer, message_id=m.id)
    monkeypatch.delenv("RXAPP_DEMO")  # off is also the default
    settings.reset()
    with pytest.raises(Forbidden):
        mailbox.list_messages(session=session, actor_id=reviewer)


def test_a_customer_reads_only_their_own_emails_and_cannot_tell_others_from_missing(session):
    anna = make_user(session, email="anna@example.com")
    [own] = write(session, 1, to="ANNA@example.com")
    [other] = write(session, 1, to="ben@example.com")
    rows = mailbox.list_messages(session=session, actor_id=anna.id, to_email="ben@example.com")
    assert [r["id"] for r in rows] == [own.id]
    assert mailbox.get_message(session=session, actor_id=anna.id, message_id=own.id)["id"] == own.id
    with pytest.raises(NotFound) as theirs:
        mailbox.get_message(session=session, actor_id=anna.id, message_id=other.id)
    with pytest.raises(NotFound) as missing:
        mailbox.get_message(session=session, actor_id=anna.id, message_id=other.id + 1000)
    assert theirs.value.message == missing.value.message


def test_an_unknown_reader_is_refused(session):
    write(session, 1)
    for actor in (None, 0, -1, 10**6, True, "1"):
        with pytest.raises(Forbidden):
            mailbox.list_messages(session=session, actor_id=actor)
