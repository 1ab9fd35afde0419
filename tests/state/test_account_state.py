"""Account states driven through their handlers (Reflex's event processing, no browser).

Signed in with real session tokens; the rules themselves are tested in
tests/unit/test_accounts.py.  Here: handlers act only for the signed-in user,
on that user's own rows, whatever ids a client sends.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa

from tests.factories.flows import session_token_for

PASSWORD = "State-Test-Password-2026"


def make_account(email: str) -> int:
    from rxapp import db
    from rxapp.models import CaptchaChallenge
    from rxapp.services import accounts, captcha
    from tests.factories.captcha_proof import solve

    with db.session_scope() as s:
        challenge = captcha.new_challenge(session=s)
        answer = s.get(CaptchaChallenge, challenge.id).answer
        user = accounts.sign_up(
            session=s,
            form={"email": email, "password": PASSWORD, "confirm_password": PASSWORD, "first_name": "Sol",
                  "last_name": "State", "region": "US", "phone": "", "consent": True},
            captcha_id=challenge.id, captcha_answer=str(answer), captcha_proof=solve(challenge.pow),
        )
        return user.id


def fresh_email() -> str:
    return f"state-{secrets.token_hex(5)}@example.com"


def signed_in(new_client, email: str, path: str = "/account"):
    token, session_id = session_token_for(email)
    client = new_client(path=path)
    client._store_token(token)
    return client, session_id


def session_alive(session_id: int) -> bool:
    from rxapp import db

    with db.get_engine().connect() as conn:
        row = conn.execute(sa.text("SELECT revoked_at FROM loginsession WHERE id = :i"), {"i": session_id}).first()
    return row is not None and row[0] is None


def test_login_management_cannot_revoke_another_users_session(new_client):
    from rxapp.state.account import LoginManagementState

    victim_email = fresh_email()
    make_account(victim_email)
    _victim, victim_session = signed_in(new_client, victim_email)
    attacker, _ = signed_in(new_client, "new@member-center.test", "/account/sessions")
    attacker.call(LoginManagementState.load)
    for junk in (victim_session, str(victim_session), f" {victim_session} ", -1, None, "x", 10**12):
        attacker.call(LoginManagementState.revoke, session_id=junk)
    assert session_alive(victim_session)
    rows = attacker.get(LoginManagementState).rows
    assert all(r["id"] != str(victim_session) for r in rows)


def test_login_management_lists_and_revokes_own_sessions(new_client):
    from rxapp.state.account import LoginManagementState
    from rxapp.state.registration import MyProductsState

    email = fresh_email()
    make_account(email)
    here, _ = signed_in(new_client, email, "/account/sessions")
    there, there_session = signed_in(new_client, email, "/products")
    here.call(LoginManagementState.load)
    rows = here.get(LoginManagementState).rows
    assert len(rows) == 2 and sum(1 for r in rows if r["current"]) == 1
    here.call(LoginManagementState.revoke, session_id=str(there_session))
    assert not session_alive(there_session)
    assert here.get(LoginManagementState).message == "That session was signed out."
    # The other tab is signed out on its next action.
    result = there.call(MyProductsState.load, path="/products")
    assert any(r.startswith("/login?next=") for r in result.redirects)


def test_profile_errors_keep_the_form_and_save_nothing(new_client):
    from rxapp.state.account import ProfileState

    email = fresh_email()
    make_account(email)
    client, _ = signed_in(new_client, email, "/account/profile")
    client.call(ProfileState.load)
    client.call(ProfileState.submit, form={"first_name": "Solveig", "last_name": "", "region": "US", "phone": "12"})
    state = client.get(ProfileState)
    assert "phone" in state.errors and not state.saved
    assert state.profile["first_name"] == "Sol"  # nothing saved
    client.call(ProfileState.submit, form={"first_name": "Solveig", "region": "US", "phone": "(202) 456-1111",
                                            "email": "hijack@example.com", "role": "admin"})
    state = client.get(ProfileState)
    assert state.saved and state.errors == {}
    client.call(ProfileState.load)
    assert client.get(ProfileState).profile["email"] == email
    assert client.get(ProfileState).profile["phone"] == "+12024561111"


def test_change_password_keeps_this_session_and_ends_the_others(new_client):
    from rxapp.state.account import PasswordState

    email = fresh_email()
    make_account(email)
    here, here_session = signed_in(new_client, email, "/account/password")
    _there, there_session = signed_in(new_client, email)
    here.call(PasswordState.submit, form={"new_password": "Another-Password-2027",
                                          "confirm_password": "Another-Password-2027"})
    assert here.get(PasswordState).errors["current_password"] == "Please enter your current password."
    assert session_alive(there_session)
    here.call(PasswordState.submit, form={"current_password": PASSWORD, "new_password": "Another-Password-2027",
                                          "confirm_password": "Another-Password-2027"})
    assert here.get(PasswordState).saved
    assert session_alive(here_session) and not session_alive(there_session)


def test_log_out_ends_the_session_and_clears_the_browsers_token(new_client):
    from rxapp.state.session import SessionState

    email = fresh_email()
    make_account(email)
    client, session_id = signed_in(new_client, email)
    client.call(SessionState.load_public, path="/")
    assert client.get(SessionState).signed_in
    result = client.call(SessionState.log_out)
    assert result.redirects == ["/login"]
    state = client.get(SessionState)
    assert (state.token, state.file_pass, state.signed_in) == ("", "", False)
    assert not session_alive(session_id)


def test_subscribe_saves_only_the_two_choices(new_client):
    from rxapp.state.account import SubscribeState

    email = fresh_email()
    make_account(email)
    client, _ = signed_in(new_client, email, "/account/subscribe")
    client.call(SubscribeState.submit, form={"newsletter": "on", "reward_program": "yes", "role": "admin"})
    client.call(SubscribeState.load)
    state = client.get(SubscribeState)
    assert (state.newsletter, state.reward_program) == (True, False)
