"""No one waits for another's log-in: password hashing runs off the event loop (``rxapp/state/offload.py``).

Proved by progress, not by time: while a handler is inside the password
verification (or hashing), another tab's event is sent, and it must be
answered *before* the verification goes on.  The verification waits for that
answer in its own thread; were it running on the event loop, nothing else
could run, and the wait would only end at its safety timeout, which the test
reports as a failure.  The real argon2 work runs afterwards (a spy, not a mock).
"""

from __future__ import annotations

import asyncio
import secrets
import threading

SAFETY_TIMEOUT = 20.0  # only ends a broken run; never reached while the loop is free


def _event(client, handler, path: str):
    from reflex.event import Event
    from reflex_base.utils.format import format_event_handler

    return Event(name=format_event_handler(handler), payload={}, router_data=client._router_data(path, None))


def _while_hashing(driver, new_client, monkeypatch, spied: str, client, handler, path: str, form: dict):
    """Send ``handler(form)`` from ``client``; once it is inside ``passwords.<spied>``, another tab sends an
    event.  Returns (the handler's result, whether the other tab was answered while the hash waited, the
    name of the thread that hashed)."""
    from rxapp.services import passwords
    from rxapp.state.session import SessionState

    real = getattr(passwords, spied)
    inside = threading.Event()
    other_answered = threading.Event()
    seen: dict[str, object] = {}

    def spy(*args, **kwargs):
        if not inside.is_set():
            seen["thread"] = threading.current_thread().name
            inside.set()
            # In the hashing thread: go on only once the other tab has had its answer.
            seen["answered_meanwhile"] = other_answered.wait(timeout=SAFETY_TIMEOUT)
        return real(*args, **kwargs)

    monkeypatch.setattr(passwords, spied, spy)
    visitor = new_client(path="/")
    visitor.call(SessionState.load_public, path="/")  # the other tab: connected, idle

    async def other_tab():
        while not inside.is_set():
            await asyncio.sleep(0.001)
        done = await driver.processor.enqueue(visitor.token, _event(visitor, SessionState.clear_notice, "/"))
        await done
        other_answered.set()

    async def both():
        other = asyncio.create_task(other_tab())
        result = await client.acall(handler, path=path, form=form)
        await asyncio.wait_for(other, SAFETY_TIMEOUT)
        return result

    result = driver.run(both())
    return result, seen.get("answered_meanwhile"), seen.get("thread")


def test_another_tab_is_answered_while_a_log_in_verifies_the_password(driver, new_client, monkeypatch):
    from rxapp.state.auth import LoginState

    customer = new_client(path="/login")
    customer.call(LoginState.load, path="/login")
    result, answered, thread = _while_hashing(
        driver, new_client, monkeypatch, "verify_password", customer, LoginState.submit, "/login",
        {"email": "demo@member-center.test", "password": "demo-customer-2021"})
    assert answered is True, "the log-in held the event loop while verifying the password"
    assert thread != threading.main_thread().name
    assert not result.errors
    assert any("/account" in p for p in result.redirects), result.redirects


def test_another_tab_is_answered_while_a_sign_up_hashes_the_password(driver, new_client, monkeypatch):
    from rxapp.models import CaptchaChallenge
    from rxapp import db
    from rxapp.state.auth import SignUpState
    from tests.factories.captcha_proof import solve

    password = "Off-The-Loop-Password-2026"
    client = new_client(path="/signup")
    client.call(SignUpState.load, path="/signup")
    state = client.get(SignUpState)
    with db.session_scope() as s:
        challenge = s.get(CaptchaChallenge, state._captcha_id)
        answer, pow_ = str(challenge.answer), state.captcha_pow
    form = {"email": f"off-loop-{secrets.token_hex(4)}@example.com", "password": password,
            "confirm_password": password, "first_name": "Ada", "last_name": "Loop", "region": "US", "phone": "",
            "consent": "on", "captcha": answer, "captcha_proof": solve(pow_)}
    result, answered, thread = _while_hashing(
        driver, new_client, monkeypatch, "hash_password", client, SignUpState.submit, "/signup", form)
    assert answered is True, "the sign-up held the event loop while hashing the password"
    assert thread != threading.main_thread().name
    assert result.redirects == ["/account"], client.get(SignUpState).errors


def test_another_tab_is_answered_while_a_password_change_hashes(driver, new_client, monkeypatch):
    from rxapp.state.account import PasswordState
    from tests.state.test_account_state import PASSWORD, fresh_email, make_account, signed_in

    email = fresh_email()
    make_account(email)
    client, _ = signed_in(new_client, email, "/account/password")
    new = "Changed-Off-The-Loop-2027"
    result, answered, thread = _while_hashing(
        driver, new_client, monkeypatch, "hash_password", client, PasswordState.submit, "/account/password",
        {"current_password": PASSWORD, "new_password": new, "confirm_password": new})
    assert answered is True, "the password change held the event loop while hashing"
    assert thread != threading.main_thread().name
    assert client.get(PasswordState).saved, client.get(PasswordState).errors


def test_a_cancelled_handler_s_pool_job_is_waited_for_by_drain():
    """Cancelling the awaiting handler does not stop its thread (it goes on and commits): ``drain`` waits for
    it, which is how a stopping worker or a test that compares tables knows nothing still writes behind it."""
    from rxapp.state import offload

    release, finished = threading.Event(), threading.Event()

    def job():
        release.wait(timeout=SAFETY_TIMEOUT)
        finished.set()

    async def cancel_the_awaiting_task():
        task = asyncio.create_task(offload.call(job))
        await asyncio.sleep(0.05)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(cancel_the_awaiting_task())
    assert not finished.is_set()  # the handler is gone, its job is not
    assert not offload.drain(timeout=0.05)  # still running: drain says so
    threading.Timer(0.2, release.set).start()
    assert offload.drain(timeout=SAFETY_TIMEOUT) and finished.is_set()
