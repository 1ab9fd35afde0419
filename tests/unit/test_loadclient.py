"""The bench's load client (``bench/loadclient.py``) against the app's real backend over the network.

The backend runs as production runs it (``served_app.ServedApp``: migrate,
then uvicorn in a child process) over a demo database; the client speaks
Reflex's websocket protocol with no browser: it hydrates a page, sends events
and reads the deltas that answer them, uploads through ``/_upload``, and
signs up and logs in the way a browser tab does.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import select

from bench import loadclient
from rxapp import db, routes, settings
from rxapp.models import Promotion
from rxapp.services import demo_seed
from rxapp.state.auth import LoginState, SignUpState
from rxapp.state.registration import RegistrationState
from rxapp.state.session import PageReadyState, SessionState
from tests.factories import flows
from tests.factories.images import image_bytes
from tests.unit.served_app import ServedApp, app_env


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    data = tmp_path_factory.mktemp("loadclient") / "data"
    mp = pytest.MonkeyPatch()
    for key, value in app_env(data).items():
        if key.startswith(("RXAPP_", "DATABASE_URL", "REFLEX_UPLOADED")):
            mp.setenv(key, value)
    settings.reset()
    try:
        db.migrate()
        with db.session_scope() as s:
            demo_seed.seed(session=s)
            promotion = s.exec(select(Promotion).where(Promotion.slug == "game-on-bundle")).one()
            sticker = next(st for st in demo_seed.demo_stickers(session=s, limit=200)
                           if promotion.name in st["promotions"])
        user_id, email = flows.make_customer("loadclient")
        token, _ = flows.session_token_for(email)
        with ServedApp(data) as app:
            yield {"url": app.url, "token": token, "email": email, "sticker": sticker}
    finally:
        db.dispose_all()
        mp.undo()
        settings.reset()


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 120))


def test_a_tab_hydrates_the_sign_up_page_and_a_reformat_round_trip_brings_a_new_question(served):
    async def go():
        tab = loadclient.Tab(served["url"])
        try:
            hydrate = await tab.connect(routes.SIGNUP)
            first = tab.var(SignUpState, "captcha_question")
            round_ = tab.var(SignUpState, "captcha_round")
            reply = await tab.call(loadclient.handler(SignUpState, "reformat_captcha"))
            return hydrate, first, round_, reply, tab
        finally:
            await tab.close()

    hydrate, first, round_, reply, tab = run(go())
    assert hydrate.seconds > 0 and tab.var(PageReadyState, "loaded_path") == routes.SIGNUP
    assert loadclient.captcha_answer(first).isdigit()
    assert reply.seconds > 0
    assert tab.var(SignUpState, "captcha_round") == round_ + 1
    assert loadclient.captcha_answer(tab.var(SignUpState, "captcha_question")).isdigit()


def test_a_tab_signs_up_answering_the_captcha_and_keeps_its_session_token(served):
    email = "loadclient-signup@example.com"
    password = "Load-Client-Password-2026"

    async def go():
        tab = loadclient.Tab(served["url"])
        try:
            await tab.connect(routes.SIGNUP)
            form = {"email": email, "password": password, "confirm_password": password, "first_name": "Lee",
                    "last_name": "Load", "region": "US", "phone": "", "consent": "on",
                    **loadclient.captcha_fields(tab, SignUpState)}
            reply = await tab.call(loadclient.handler(SignUpState, "submit"), {"form": form},
                                   until=loadclient.answered(SignUpState))
            landed = await tab.follow(reply)
            # A second tab logs in with the same account on the log-in page.
            other = loadclient.Tab(served["url"])
            try:
                await other.connect(routes.LOGIN)
                login = await other.call(loadclient.handler(LoginState, "submit"),
                                         {"form": {"email": email, "password": password}},
                                         until=loadclient.answered(LoginState))
            finally:
                await other.close()
            return tab, reply, landed, other, login
        finally:
            await tab.close()

    tab, reply, landed, other, login = run(go())
    assert tab.var(SignUpState, "errors") in (None, {}), tab.var(SignUpState, "errors")
    assert reply.redirects == [routes.ACCOUNT_OVERVIEW]
    assert landed is not None and tab.var(SessionState, "signed_in") is True
    assert tab.storage[f"{SessionState.get_full_name()}.token_rx_state_"]
    assert login.redirects and other.var(SessionState, "signed_in") is True


def test_a_signed_in_tab_gets_serial_hints_and_uploads_an_invoice(served):
    sticker = served["sticker"]

    async def go():
        tab = loadclient.Tab(served["url"], storage=loadclient.session_storage(served["token"]))
        try:
            await tab.connect(routes.PRODUCT_REGISTRATION)
            category = next(c["id"] for c in tab.var(RegistrationState, "categories")
                            if c["slug"] == sticker["category_slug"])
            await tab.call(loadclient.handler(RegistrationState, "choose_category"),
                           {"category_id": category})
            hint = await tab.call(loadclient.handler(RegistrationState, "set_serial"),
                                  {"value": sticker["serial"]},
                                  until=loadclient.has_var(RegistrationState, "hint_status"))
            if tab.var(RegistrationState, "region") != "US":  # the account's region, filled in: no update
                await tab.call(loadclient.handler(RegistrationState, "set_region"), {"value": "US"})
            upload = await tab.upload(
                loadclient.handler(RegistrationState, "upload_invoice"), "invoice.png",
                image_bytes(text="INVOICE"), "image/png",
                until=loadclient.has_var(RegistrationState, "uploading", False))
            return tab, hint, upload
        finally:
            await tab.close()

    tab, hint, upload = run(go())
    assert tab.var(SessionState, "signed_in") is True
    assert tab.var(RegistrationState, "hint_status") == "found", tab.var(RegistrationState, "hint_message")
    assert hint.seconds > 0 and upload.seconds > 0
    assert tab.var(RegistrationState, "invoice_ok") is True, tab.var(RegistrationState, "invoice_message")
