"""Who is signed in.

The browser holds only an opaque session token (local storage); every check
looks it up server-side (``services.sessions.resolve``), so a revoked or
expired session is signed out on its next action.  Other states ask
``await self.get_state(SessionState)`` and then ``await s.viewer()``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from urllib.parse import quote

import reflex as rx

from rxapp import routes, settings
from rxapp.db import session_scope
from rxapp.models import Role
from rxapp.services import sessions as session_service


@dataclass(frozen=True)
class Viewer:
    """The signed-in user as handlers see it (never sent to the browser)."""

    user_id: int
    session_id: int
    role: Role
    email: str

    @property
    def is_reviewer(self) -> bool:
        return self.role in (Role.reviewer, Role.admin)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin


class SessionState(rx.State):
    # The client's own opaque token: the only secret the browser keeps.
    token: str = rx.LocalStorage("", name="mc_session", sync=True)
    # The same token as a cookie, for one reader only: the private-file route
    # (rxapp/api/files.py) sends a signed /files/ link's file only to the
    # browser whose session belongs to the link's viewer.  (<img> requests
    # cannot carry local storage.)
    file_pass: str = rx.Cookie("", name="mc_files", path="/", same_site="strict")
    signed_in: bool = False
    display_name: str = ""
    role: str = ""
    notice: str = ""
    vendor_name: str = "MSI"
    demo_mode: bool = False

    @rx.var
    def current_path(self) -> str:
        # The production build serves pages as folders: "/account/" is "/account".
        return self.router.url.path.rstrip("/") or "/"

    @rx.var
    def is_reviewer(self) -> bool:
        return self.role in ("reviewer", "admin")

    @rx.var
    def is_admin(self) -> bool:
        return self.role == "admin"

    # ------------------------------------------------------------------ helpers

    def _client_ip(self) -> str:
        return (self.router.session.client_ip or "")[:64]

    def _user_agent(self) -> str:
        return (self.router.headers.user_agent or "")[:300]

    def _sign_out_locally(self) -> None:
        self.token = ""
        self.file_pass = ""
        self.signed_in = False
        self.display_name = ""
        self.role = ""

    async def _viewer(self) -> Viewer | None:
        """The signed-in user for this client, checked against the database now."""
        return await self._viewer_from_token(self.token)

    # ``await session_state.viewer()`` is how other states ask.  It is bound as a
    # partialmethod, not written as a method: every public *method* of a State
    # is an event any browser may call, and this one is for the server only.
    viewer = functools.partialmethod(_viewer)

    async def _viewer_from_token(self, token) -> Viewer | None:
        if not token or not isinstance(token, str) or len(token) > 200:
            self._sign_out_locally()
            return None
        with session_scope() as s:
            found = session_service.resolve(session=s, token=token)
            if found is None:
                self._sign_out_locally()
                return None
            user, login = found
            viewer = Viewer(user_id=user.id, session_id=login.id, role=user.role, email=user.email)
            self.signed_in = True
            if self.file_pass != token:
                self.file_pass = token
            self.display_name = user.first_name
            self.role = user.role.value
        return viewer

    def _login_redirect(self):
        target = self.router.url.path.rstrip("/") or routes.ACCOUNT_OVERVIEW
        query = self.router.url.query
        if query:
            target = f"{target}?{query}"
        return rx.redirect(f"{routes.LOGIN}?next={quote(target, safe='')}")

    def _app_facts(self) -> None:
        cfg = settings.get()
        self.vendor_name = cfg.vendor_name
        self.demo_mode = cfg.demo

    # ------------------------------------------------------------------ events

    @rx.event
    async def load_public(self):
        """on_load of public pages: learn whether someone is signed in."""
        self._app_facts()
        await self._viewer()

    @rx.event
    async def require_member(self):
        """on_load of member pages: signed-out visitors go to log in, then back."""
        self._app_facts()
        if await self._viewer() is None:
            return self._login_redirect()

    @rx.event
    async def require_reviewer(self):
        """on_load of the reviewer console: customers are sent away."""
        self._app_facts()
        viewer = await self._viewer()
        if viewer is None:
            return self._login_redirect()
        if not viewer.is_reviewer:
            self.notice = "The reviewer console is for reviewers only."
            return rx.redirect(routes.ACCOUNT_OVERVIEW)

    @rx.event
    async def log_out(self):
        token = self.token
        if token and isinstance(token, str):
            with session_scope() as s:
                session_service.revoke_by_token(session=s, token=token)
        self._sign_out_locally()
        self.notice = "You have been logged out."
        return rx.redirect(routes.LOGIN)

    @rx.event
    def clear_notice(self):
        self.notice = ""
