"""Log in and sign up: thin handlers over services.accounts / services.sessions."""

from __future__ import annotations

import reflex as rx

from rxapp import i18n, db, routes
from rxapp.db import session_scope
from rxapp.services import accounts, landing, profiles
from rxapp.services.errors import FieldErrors, Locked
from rxapp.state import offload, parse
from rxapp.state.captcha import PROOF_LIMIT, CaptchaMixin
from rxapp.state.session import SessionState, anyone, public_visit

_CLEAR_PASSWORD = rx.set_value("login-password", "")


class LoginState(CaptchaMixin, rx.State):
    errors: dict[str, str] = {}
    needs_captcha: bool = False
    email_value: str = ""

    def _landing(self, role) -> str:
        """Where this log-in goes: a safe ``next=`` of the address, else the role's own start page."""
        return landing.after_log_in(role=role, next_path=self.router.url.query_parameters.get("next"))

    @anyone
    async def load(self):
        """The log-in page, opened or loaded again (a reconnect runs on_load again: ``hydrate_and_load``).

        The captcha follows the rule, not the page's history: shown while the email last tried needs
        one (``accounts.captcha_required``), with the question kept while it can be answered, so an
        answer being typed stays.  A refused try's reasons stay when the page is only loaded again.
        """
        session_state = await self.get_state(SessionState)
        again = session_state._loaded_again()
        session_state._app_facts()
        viewer = await session_state.viewer()
        if viewer is not None:
            return rx.redirect(self._landing(viewer.role))
        if not again:
            self.errors = {}
        self.needs_captcha = bool(self.email_value) and db.run(accounts.captcha_required, email=self.email_value)
        if self.needs_captcha:
            self._ensure_captcha()

    @anyone
    async def submit(self, form: dict):
        email = parse.field(form, "email", 254, strip=True)
        password = parse.field(form, "password", 1024)
        self.email_value = email
        session_state = await self.get_state(SessionState)
        ip = session_state._client_ip()
        try:
            # Verifying the password is argon2 work: off the event loop, so no one waits for this log-in.
            user = await offload.run(
                accounts.authenticate,
                email=email,
                password=password,
                ip_address=ip,
                captcha_id=self._captcha_id or None,
                captcha_answer=parse.field(form, "captcha", 20) or None,
                captcha_proof=parse.field(form, "captcha_proof", PROOF_LIMIT) or None,
            )
            user_id = user.id
        except Locked as exc:
            self.errors = {"password": exc.message}
            return _CLEAR_PASSWORD
        except FieldErrors as exc:
            self.errors = exc.errors
            self.needs_captcha = db.run(accounts.captcha_required, email=email, ip_address=ip)
            if self.needs_captcha:
                self._draw_captcha()
            # The email stays; a refused password is cleared, as log-in forms do.
            return _CLEAR_PASSWORD if "password" in exc.errors else None
        self.errors = {}
        self.needs_captcha = False
        viewer = await (await self.get_state(SessionState))._start(user_id)
        session_state.notice = ""
        return rx.redirect(self._landing(viewer.role if viewer else None))


class SignUpState(CaptchaMixin, rx.State):
    errors: dict[str, str] = {}
    regions: list[list[str]] = []

    @anyone
    async def load(self):
        if not (await self.get_state(SessionState))._loaded_again():
            self.errors = {}  # a reconnect keeps a refused sign-up's reasons next to the fields
        await public_visit(self)
        with session_scope() as s:
            self.regions = [[code, name] for code, name in profiles.regions(session=s)]
        # Not a new question when the page's state is only reloaded (a reconnect): the answer typed stays.
        self._ensure_captcha()

    @anyone
    async def submit(self, form: dict):
        data = {
            "email": parse.field(form, "email", 254),
            "password": parse.field(form, "password", 1024),
            "confirm_password": parse.field(form, "confirm_password", 1024),
            "first_name": parse.field(form, "first_name", 200),
            "last_name": parse.field(form, "last_name", 200),
            "region": parse.field(form, "region", 10),
            "phone": parse.field(form, "phone", 40),
            "newsletter": parse.flag(form, "newsletter"),
            "reward_program": parse.flag(form, "reward_program"),
            "consent": parse.flag(form, "consent"),
        }
        try:
            user = await offload.run(  # hashes the password: off the event loop
                accounts.sign_up,
                form=data,
                captcha_id=self._captcha_id,
                captcha_answer=parse.field(form, "captcha", 20),
                captcha_proof=parse.field(form, "captcha_proof", PROOF_LIMIT),
            )
            user_id = user.id
        except FieldErrors as exc:
            self.errors = exc.errors
            # A captcha is single use: every failed try gets a new question.
            self._draw_captcha()
            return
        self.errors = {}
        await (await self.get_state(SessionState))._start(user_id)
        session_state = await self.get_state(SessionState)
        return session_state._notify(
            i18n.gettext("Welcome! Your account is ready. We sent you an email to verify your address."),
            routes.ACCOUNT_OVERVIEW)
