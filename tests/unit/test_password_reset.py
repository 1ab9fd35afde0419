"""Forgot password: the same answer for every address, a signed single-use 30-minute link, throttling."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from sqlmodel import select

from rxapp.models import EmailMessage, LoginSession, User
from rxapp.services import accounts, clock, demo_seed, password_reset, sessions, throttle
from rxapp.services.errors import FieldErrors, Locked
from tests.factories.rows import PASSWORD, make_user

NEW = "Brand-New-Passw0rd-2026"


def _emails(session) -> list[EmailMessage]:
    return session.exec(select(EmailMessage).where(EmailMessage.kind == "password_reset")).all()


def _token(message: EmailMessage) -> str:
    return re.search(r"token=([A-Za-z0-9_\-.]+)", message.body_text).group(1)


def test_an_account_gets_a_link_and_an_unknown_address_the_same_answer(session):
    make_user(session, email="ana@example.com")
    known = password_reset.request_reset(session=session, email="Ana@Example.com", ip_address="198.51.100.1")
    unknown = password_reset.request_reset(session=session, email="nobody@example.com", ip_address="198.51.100.1")
    assert known.replace("ana@example.com", "X") == unknown.replace("nobody@example.com", "X")
    [mail] = _emails(session)
    assert mail.to_email == "ana@example.com" and "/password/reset?token=" in mail.body_text
    assert "30 minutes" in mail.body_text


def test_the_link_sets_a_new_password_once_and_ends_every_session(session):
    user = make_user(session, email="ben@example.com")
    for _ in range(2):
        sessions.create(session=session, user_id=user.id, user_agent="t", ip_address="")
    password_reset.request_reset(session=session, email="ben@example.com", ip_address="")
    token = _token(_emails(session)[0])
    assert password_reset.check_link(session=session, token=token).id == user.id
    with pytest.raises(FieldErrors) as weak:
        password_reset.reset_password(session=session, token=token, new_password="short", confirm_password="short")
    assert "new_password" in weak.value.errors
    password_reset.reset_password(session=session, token=token, new_password=NEW, confirm_password=NEW)
    assert all(s.revoked_at is not None for s in session.exec(select(LoginSession)).all())
    assert accounts.authenticate(session=session, email="ben@example.com", password=NEW, ip_address="").id == user.id
    with pytest.raises(password_reset.LinkRefused) as used:
        password_reset.reset_password(session=session, token=token, new_password=NEW + "x",
                                      confirm_password=NEW + "x")
    assert used.value.message == password_reset.MSG_USED


def test_an_expired_or_forged_link_is_refused_with_its_reason(session):
    make_user(session, email="cy@example.com")
    password_reset.request_reset(session=session, email="cy@example.com", ip_address="")
    token = _token(_emails(session)[0])
    later = time.time() + password_reset.TTL_MINUTES * 60 + 5
    with pytest.raises(password_reset.LinkRefused) as expired:
        password_reset.check_link(session=session, token=token, now=later)
    assert expired.value.message == password_reset.MSG_EXPIRED
    for bad in ("", "x.y.z", token[:-2] + "AA", None, 5):
        with pytest.raises(password_reset.LinkRefused) as forged:
            password_reset.check_link(session=session, token=bad)
        assert forged.value.message == password_reset.MSG_INVALID


def test_a_change_of_password_kills_an_earlier_link(session):
    user = make_user(session, email="dee@example.com")
    password_reset.request_reset(session=session, email="dee@example.com", ip_address="")
    token = _token(_emails(session)[0])
    accounts.change_password(session=session, user_id=user.id, current_password=PASSWORD, new_password=NEW,
                             confirm_password=NEW, keep_session_id=None)
    with pytest.raises(password_reset.LinkRefused):
        password_reset.check_link(session=session, token=token)


def test_requests_are_throttled_per_address_and_per_client_whether_or_not_an_account_exists(session):
    make_user(session, email="eve@example.com")
    for email in ("eve@example.com", "ghost@example.com"):
        for _ in range(password_reset.PER_EMAIL):
            password_reset.request_reset(session=session, email=email, ip_address="")
        with pytest.raises(Locked) as refused:
            password_reset.request_reset(session=session, email=email, ip_address="")
        assert refused.value.message == password_reset.MSG_TOO_MANY
    assert len(_emails(session)) == password_reset.PER_EMAIL
    for i in range(password_reset.PER_IP):
        password_reset.request_reset(session=session, email=f"p{i}@example.com", ip_address="203.0.113.5")
    with pytest.raises(Locked):
        password_reset.request_reset(session=session, email="another@example.com", ip_address="203.0.113.5")
    later = clock.now() + password_reset.WINDOW + timedelta(minutes=1)
    password_reset.request_reset(session=session, email="eve@example.com", ip_address="203.0.113.5", now=later)


def test_reset_requests_never_lock_a_log_in(session):
    make_user(session, email="fay@example.com")
    for _ in range(password_reset.PER_EMAIL):
        password_reset.request_reset(session=session, email="fay@example.com", ip_address="203.0.113.7")
    assert throttle.account_status(session=session, email="fay@example.com").recent_failures == 0
    throttle.check(session=session, email="fay@example.com", ip_address="203.0.113.7")


def test_a_malformed_address_is_a_field_error(session):
    with pytest.raises(FieldErrors) as bad:
        password_reset.request_reset(session=session, email="not an email", ip_address="")
    assert "email" in bad.value.errors


def test_a_demo_account_gets_no_link_when_demo_mode_is_off(session):
    email = demo_seed.DEMO_USERS[3].email
    user = make_user(session, email=email)
    password_reset.request_reset(session=session, email=email, ip_address="", demo_mode=False)
    assert _emails(session) == []
    password_reset.request_reset(session=session, email=email, ip_address="", demo_mode=True)
    token = _token(_emails(session)[0])
    with pytest.raises(password_reset.LinkRefused):
        password_reset.check_link(session=session, token=token, demo_mode=False)
    assert password_reset.check_link(session=session, token=token, demo_mode=True).id == user.id


def test_the_unknown_address_does_the_same_work(session, monkeypatch):
    """Both paths sign a link and render the email (only the outbox row differs)."""
    calls = []
    real_sign = password_reset.signing.sign
    real_render = password_reset.emails.render_password_reset
    monkeypatch.setattr(password_reset.signing, "sign", lambda *a, **k: calls.append("sign") or real_sign(*a, **k))
    monkeypatch.setattr(password_reset.emails, "render_password_reset",
                        lambda **k: calls.append("render") or real_render(**k))
    make_user(session, email="gil@example.com")
    password_reset.request_reset(session=session, email="gil@example.com", ip_address="")
    known = list(calls)
    calls.clear()
    password_reset.request_reset(session=session, email="nobody-here@example.com", ip_address="")
    assert calls == known == ["sign", "render"]
    assert session.exec(select(User).where(User.email == "nobody-here@example.com")).first() is None
