"""Forgot password: asking for a link, and choosing the new password (thin over services.password_reset)."""

from __future__ import annotations

import asyncio
import time

import reflex as rx

from rxapp import db, i18n, routes
from rxapp.db import session_scope
from rxapp.services import password_reset
from rxapp.services.errors import FieldErrors, Locked
from rxapp.state import offload, parse
from rxapp.state.session import SessionState, anyone, public_visit

# Every answer to "send me a link" takes at least this long, so the time does
# not tell whether the address has an account (the service does the same work
# either way; this also hides the outbox insert and the database's noise).
ANSWER_FLOOR_SECONDS = 0.5

MSG_DONE = i18n.N_("Your new password is set, and every browser that was signed in to your account has been "
                   "logged out. Please log in with your new password.")


class ForgotPasswordState(rx.State):
    errors: dict[str, str] = {}
    sent_message: str = ""

    @anyone
    async def load(self):
        self.errors = {}
        self.sent_message = ""
        await public_visit(self)

    @anyone
    async def submit(self, form: dict):
        started = time.monotonic()
        email = parse.field(form, "email", 254, strip=True)
        ip = (await self.get_state(SessionState))._client_ip()
        try:
            with session_scope() as s:
                message = password_reset.request_reset(session=s, email=email, ip_address=ip)
        except FieldErrors as exc:
            self.errors = exc.errors
            return
        except Locked as exc:
            self.errors = {"email": exc.message}
            return
        finally:
            await asyncio.sleep(max(0.0, ANSWER_FLOOR_SECONDS - (time.monotonic() - started)))
        self.errors = {}
        self.sent_message = message


class ResetPasswordState(rx.State):
    link_ok: bool = False
    link_message: str = ""
    errors: dict[str, str] = {}
    _token: str = ""

    @anyone
    async def load(self):
        self.errors = {}
        await public_visit(self)
        self._token = parse.text(self.router.url.query_parameters.get("token", ""), 2000)
        try:
            db.run(password_reset.check_link, token=self._token)
        except password_reset.LinkRefused as exc:
            self.link_ok, self.link_message = False, exc.message
            return
        self.link_ok, self.link_message = True, ""

    @anyone
    async def submit(self, form: dict):
        try:
            await offload.run(  # hashes the new password: off the event loop
                password_reset.reset_password,
                token=self._token,
                new_password=parse.field(form, "new_password", 1024),
                confirm_password=parse.field(form, "confirm_password", 1024),
            )
        except password_reset.LinkRefused as exc:
            self.link_ok, self.link_message = False, exc.message
            return
        except FieldErrors as exc:
            self.errors = exc.errors
            return
        self.errors = {}
        self._token = ""
        self.link_ok, self.link_message = False, ""
        session_state = await self.get_state(SessionState)
        session_state._sign_out_locally()  # every session of the account has just ended
        return session_state._notify(i18n.gettext(MSG_DONE), routes.LOGIN)
