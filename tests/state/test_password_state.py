"""Forgot password through the real event processor: same answer, same pace, and the link's page."""

from __future__ import annotations

import re
import secrets
import time

from sqlmodel import select

NEW = "Reset-Through-State-2026"


def _make_customer() -> tuple[str, str]:
    from rxapp import db
    from rxapp.models import Role
    from tests.factories.rows import PASSWORD, make_user

    email = f"reset-{secrets.token_hex(4)}@example.com"
    with db.session_scope() as s:
        make_user(s, email=email, role=Role.customer, region_code="US")
    return email, PASSWORD


def _link_token(email: str) -> str:
    from rxapp import db
    from rxapp.models import EmailMessage

    with db.session_scope() as s:
        mail = s.exec(select(EmailMessage).where(EmailMessage.to_email == email,
                                                 EmailMessage.kind == "password_reset")).one()
        return re.search(r"token=([A-Za-z0-9_\-.]+)", mail.body_text).group(1)


def test_asking_answers_alike_and_no_faster_for_an_unknown_address(new_client):
    from rxapp.state.password import ANSWER_FLOOR_SECONDS, ForgotPasswordState

    email, _ = _make_customer()
    answers = []
    for typed in (email, f"nobody-{secrets.token_hex(4)}@example.com"):
        client = new_client(path="/password/forgot")
        client.call(ForgotPasswordState.load, path="/password/forgot")
        started = time.monotonic()
        client.call(ForgotPasswordState.submit, path="/password/forgot", form={"email": typed})
        assert time.monotonic() - started >= ANSWER_FLOOR_SECONDS
        state = client.get(ForgotPasswordState)
        assert state.errors == {}
        answers.append(state.sent_message.replace(typed, "ADDRESS"))
    assert answers[0] == answers[1] and "If an account exists for ADDRESS" in answers[0]


def test_the_link_page_sets_the_password_ends_sessions_and_refuses_a_second_use(new_client):
    from rxapp.state.password import MSG_DONE, ForgotPasswordState, ResetPasswordState
    from rxapp.state.session import SessionState
    from tests.factories.flows import session_token_for

    email, _old = _make_customer()
    token, _ = session_token_for(email)
    signed_in = new_client(path="/account")
    signed_in._store_token(token)
    asker = new_client(path="/password/forgot")
    asker.call(ForgotPasswordState.submit, path="/password/forgot", form={"email": email})
    link = _link_token(email)

    page = new_client(path="/password/reset")
    page.call(ResetPasswordState.load, path=f"/password/reset?token={link}")
    assert page.get(ResetPasswordState).link_ok
    weak = page.call(ResetPasswordState.submit,
                     form={"new_password": "short", "confirm_password": "short"})
    assert "new_password" in page.get(ResetPasswordState).errors and weak.redirects == []
    done = page.call(ResetPasswordState.submit,
                     form={"new_password": NEW, "confirm_password": NEW})
    assert done.redirects == ["/login"] and page.get(SessionState).notice == MSG_DONE
    assert signed_in.log_in(email, NEW).redirects  # the new password works …
    again = new_client(path="/password/reset")
    again.call(ResetPasswordState.load, path=f"/password/reset?token={link}")
    state = again.get(ResetPasswordState)
    assert not state.link_ok and "already been used" in state.link_message  # … and the link is spent


def test_a_session_open_before_the_reset_is_over(new_client):
    from rxapp.services import password_reset
    from rxapp.state.password import ResetPasswordState
    from tests.factories.flows import session_token_for

    email, _ = _make_customer()
    token, _ = session_token_for(email)
    from rxapp import db

    db.run_writing(password_reset.request_reset, email=email, ip_address="")
    page = new_client(path="/password/reset")
    page.call(ResetPasswordState.load, path=f"/password/reset?token={_link_token(email)}")
    page.call(ResetPasswordState.submit, form={"new_password": NEW, "confirm_password": NEW})
    with db.session_scope() as s:
        from rxapp.services import sessions

        assert sessions.resolve(session=s, token=token) is None


def test_a_forged_link_shows_a_clear_message(new_client):
    from rxapp.state.password import ResetPasswordState

    client = new_client(path="/password/reset")
    client.call(ResetPasswordState.load, path="/password/reset?token=forged.123.abc")
    state = client.get(ResetPasswordState)
    assert not state.link_ok and "not valid" in state.link_message
