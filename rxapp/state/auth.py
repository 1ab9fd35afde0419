"""Log in and sign up: thin handlers over services.accounts / services.sessions."""

from __future__ import annotations

from urllib.parse import unquote

import reflex as rx

from rxapp import routes
from rxapp.db import session_scope
from rxapp.services import accounts, profiles, sessions
from rxapp.services.errors import FieldErrors, Locked
from rxapp.state.captcha import CaptchaMixin
from rxapp.state.session import SessionState

_CLEAR_PASSWORD = rx.set_value("login-password", "")

_SAFE_NEXT_PREFIXES = ("/account", "/products", "/promotions", "/membership", "/support", "/admin", "/demo")


def _safe_next(raw) -> str:
    """Only same-site member paths may be a post-login target (no open redirect)."""
    if not isinstance(raw, str):
        return routes.ACCOUNT_OVERVIEW
    target = unquote(raw)
    if target.startswith("//") or "://" in target or "\\" in target:
        return routes.ACCOUNT_OVERVIEW
    if any(target == p or target.startswith(p + "/") or target.startswith(p + "?") for p in _SAFE_NEXT_PREFIXES):
        return target
    return routes.ACCOUNT_OVERVIEW


def _text(form: dict, key: str, limit: int = 300) -> str:
    value = form.get(key, "") if isinstance(form, dict) else ""
    return value[:limit] if isinstance(value, str) else ""


async def _start_session(state: rx.State, user_id: int) -> None:
    session_state = await state.get_state(SessionState)
    with session_scope() as s:
        token, _login = sessions.create(
            session=s,
            user_id=user_id,
            user_agent=session_state._user_agent(),
            ip_address=session_state._client_ip(),
        )
    session_state.token = token
    await session_state._viewer_from_token(token)


class LoginState(CaptchaMixin, rx.State):
    errors: dict[str, str] = {}
    needs_captcha: bool = False
    email_value: str = ""

    @rx.event
    async def load(self):
        self.errors = {}
        self.needs_captcha = False
        session_state = await self.get_state(SessionState)
        session_state._app_facts()
        if await session_state.viewer() is not None:
            return rx.redirect(_safe_next(self.router.url.query_parameters.get("next")))

    @rx.event
    async def submit(self, form: dict):
        email = _text(form, "email", 254).strip()
        password = _text(form, "password", 1024)
        self.email_value = email
        session_state = await self.get_state(SessionState)
        ip = session_state._client_ip()
        try:
            with session_scope() as s:
                user = accounts.authenticate(
                    session=s,
                    email=email,
                    password=password,
                    ip_address=ip,
                    captcha_id=self._captcha_id or None,
                    captcha_answer=_text(form, "captcha", 20) or None,
                )
                user_id = user.id
        except Locked as exc:
            self.errors = {"password": exc.message}
            return _CLEAR_PASSWORD
        except FieldErrors as exc:
            self.errors = exc.errors
            with session_scope() as s:
                self.needs_captcha = accounts.captcha_required(session=s, email=email, ip_address=ip)
            if self.needs_captcha:
                self._draw_captcha()
            # The email stays; a refused password is cleared, as log-in forms do.
            return _CLEAR_PASSWORD if "password" in exc.errors else None
        self.errors = {}
        self.needs_captcha = False
        await _start_session(self, user_id)
        session_state.notice = ""
        return rx.redirect(_safe_next(self.router.url.query_parameters.get("next")))


class SignUpState(CaptchaMixin, rx.State):
    errors: dict[str, str] = {}
    regions: list[list[str]] = []

    @rx.event
    async def load(self):
        self.errors = {}
        session_state = await self.get_state(SessionState)
        session_state._app_facts()
        await session_state.viewer()
        with session_scope() as s:
            self.regions = [[code, name] for code, name in profiles.regions(session=s)]
        self._draw_captcha()

    @rx.event
    async def submit(self, form: dict):
        if not isinstance(form, dict):
            form = {}
        data = {
            "email": _text(form, "email", 254),
            "password": _text(form, "password", 1024),
            "confirm_password": _text(form, "confirm_password", 1024),
            "first_name": _text(form, "first_name", 200),
            "last_name": _text(form, "last_name", 200),
            "region": _text(form, "region", 10),
            "phone": _text(form, "phone", 40),
            "newsletter": form.get("newsletter") == "on",
            "reward_program": form.get("reward_program") == "on",
            "consent": form.get("consent") == "on",
        }
        try:
            with session_scope() as s:
                user = accounts.sign_up(
                    session=s,
                    form=data,
                    captcha_id=self._captcha_id,
                    captcha_answer=_text(form, "captcha", 20),
                )
                user_id = user.id
        except FieldErrors as exc:
            self.errors = exc.errors
            # A captcha is single use: every failed try gets a new question.
            self._draw_captcha()
            return
        self.errors = {}
        await _start_session(self, user_id)
        session_state = await self.get_state(SessionState)
        session_state.notice = "Welcome! Your account is ready. We sent you an email to verify your address."
        return rx.redirect(routes.ACCOUNT_OVERVIEW)
