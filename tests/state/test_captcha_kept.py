"""A captcha is never reset under the customer's hands (issue 14, finding 8 and its class).

A page's on_load runs again whenever its connection comes back (``hydrate_and_load``: a backend
restart, a dropped socket, a busy machine).  These tests load the same page again, as a reconnect
does, and check that the question on screen, the answer box (keyed by ``captcha_round``) and a refused
try's reasons stay: on Log in (where the captcha used to disappear), on Sign Up and on Redeem Again,
also when the question nears the end of its lifetime while it is being answered.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from rxapp.models import MissingDocument
from tests.factories import flows as factories
from tests.factories.captcha_proof import solve
from tests.state.test_redeem_state import again_tab, png_bytes, recipient_form
from tests.state.test_registration_state import captcha_form

SIGNUP_PASSWORD = "Kept-Captcha-Password-2026"


def _shown(state) -> tuple:
    """What the page shows of its captcha: the question, the answer box's key, the challenge behind it."""
    return state.captcha_question, state.captcha_round, state._captcha_id


def _nearly_expired(state) -> None:
    """The question on screen has half a minute left (someone took their time over the form)."""
    from rxapp import db
    from rxapp.models import CaptchaChallenge, utcnow

    with db.write_session() as s:
        s.get(CaptchaChallenge, state._captcha_id).expires_at = utcnow() + timedelta(seconds=30)


def test_a_reconnect_keeps_the_log_in_captcha_its_question_and_the_reason(new_client):
    from rxapp.services import accounts
    from rxapp.state.auth import LoginState

    _uid, email = factories.make_customer("kept-login")
    client = new_client(path="/login")
    client.open("/login")
    for _ in range(3):
        client.call(LoginState.submit, path="/login", form={"email": email, "password": "not-my-password"})
    state = client.get(LoginState)
    assert state.needs_captcha and state.captcha_question
    shown, reason = _shown(state), state.errors["password"]

    # The connection drops and comes back: the page is hydrated and its on_load runs again.
    client.open("/login")
    state = client.get(LoginState)
    assert state.needs_captcha, "the captcha disappeared after a reconnect"
    assert _shown(state) == shown
    assert state.errors["password"] == reason and state.email_value == email

    # The person moves on and comes back later: the captcha still shows (the rule asks for it), with the
    # email it is for; the old reason does not.
    client.open("/signup")
    client.open("/login")
    state = client.get(LoginState)
    assert state.needs_captcha and state.email_value == email and state.errors == {}
    # Without an answer the log-in says why; with it, the person is in.
    client.call(LoginState.submit, path="/login", form={"email": email, "password": factories.PASSWORD})
    assert client.get(LoginState).errors == {"captcha": accounts.MSG_LOGIN_CAPTCHA}
    state = client.get(LoginState)
    result = client.call(LoginState.submit, path="/login",
                         form={"email": email, "password": factories.PASSWORD, **captcha_form(state)})
    assert result.redirects == ["/account"], client.get(LoginState).errors


def test_sign_up_keeps_a_question_being_answered_near_its_end_and_a_refusals_reasons(new_client):
    from rxapp.state.auth import SignUpState

    client = new_client(path="/signup")
    client.open("/signup")
    email = f"kept-signup-{secrets.token_hex(4)}@example.com"
    form = {"email": email, "password": SIGNUP_PASSWORD, "confirm_password": "typo", "first_name": "Kim",
            "last_name": "", "region": "US", "phone": "", "consent": "on"}
    client.call(SignUpState.submit, path="/signup", form={**form, **captcha_form(client.get(SignUpState))})
    refused = client.get(SignUpState)
    assert "confirm_password" in refused.errors

    # The person answers the new question slowly; the connection comes back with half a minute left.
    _nearly_expired(refused)
    answer = captcha_form(refused)["captcha"]
    shown, puzzle, reasons = _shown(refused), refused.captcha_pow, dict(refused.errors)
    client.open("/signup")
    state = client.get(SignUpState)
    assert _shown(state) == shown, "the question was replaced under the person's hands"
    assert state.captcha_pow != puzzle  # renewed: a new puzzle for the browser to solve
    assert state.errors == reasons  # the reasons stay next to the fields
    result = client.call(SignUpState.submit, path="/signup",
                         form={**form, "confirm_password": SIGNUP_PASSWORD, "captcha": answer,
                               "captcha_proof": solve(state.captcha_pow)})
    assert result.redirects == ["/account"], client.get(SignUpState).errors


def test_redeem_again_keeps_a_question_being_answered_near_its_end(new_client):
    from rxapp.state.promotions import RedeemState

    client, _claim, query = again_tab(new_client, MissingDocument.serial_photo)
    client.open("/promotions/redeem", query=query)
    before = client.get(RedeemState)
    _nearly_expired(before)
    typed = recipient_form(before)  # answered from the question on screen
    shown, form_key = _shown(before), before.form_key
    client.open("/promotions/redeem", query=query)
    after = client.get(RedeemState)
    assert _shown(after) == shown and after.form_key == form_key
    client.upload(RedeemState.upload_photo, "sticker.png", png_bytes(), content_type="image/png")
    result = client.call(RedeemState.submit, path="/promotions/redeem", query=query,
                         form={**typed, "captcha_proof": solve(after.captcha_pow)})
    assert result.redirects == ["/promotions/redeem/done"], client.get(RedeemState).errors
