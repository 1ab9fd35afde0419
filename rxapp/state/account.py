"""The Account pages: overview, profile, password, login management, subscribe."""

from __future__ import annotations

import reflex as rx

from rxapp import i18n, db, formatting, vocabulary
from rxapp.db import session_scope
from rxapp.services import accounts, email_verification, profiles, sessions
from rxapp.services.errors import Conflict, NotFound, ServiceError
from rxapp.state import forms, offload, parse
from rxapp.state.session import SessionState, Viewer, anyone, caller, member, public_visit


class OverviewState(rx.State):
    info: dict[str, str] = {}
    counts: dict[str, int] = {}
    verified: bool = True
    message: str = ""

    @member
    async def load(self):
        viewer = caller()
        data = db.run(profiles.overview, user_id=viewer.user_id)
        self.verified = bool(data.get("verified"))
        self.info = {k: str(v) for k, v in data.items() if not isinstance(v, dict)}
        self.info["membership"] = vocabulary.membership_label(self.info.get("role", ""))
        counts = {}
        for key, value in data.items():
            if isinstance(value, dict):
                counts.update({f"{key}.{k}": int(v) for k, v in value.items()})
            elif isinstance(value, int) and not isinstance(value, bool):
                counts[key] = value
        self.counts = counts
        self.message = ""

    @member
    async def resend_verification(self):
        viewer = caller()
        try:
            db.run(email_verification.resend_verification, user_id=viewer.user_id)
            self.message = i18n.gettext("We sent you a new verification email.")
        except ServiceError as exc:
            self.message = exc.message


class ProfileState(rx.State):
    errors: dict[str, str] = {}
    regions: list[list[str]] = []
    profile: dict[str, str] = {}
    saved: bool = False
    form_key: int = 0

    @member
    async def load(self):
        viewer = caller()
        self.errors = {}
        self.saved = False
        with session_scope() as s:
            self.regions = [[c, n] for c, n in profiles.regions(session=s)]
            data = profiles.profile(session=s, user_id=viewer.user_id)
        self.profile = {k: str(data.get(k, "") or "")
                        for k in ("first_name", "last_name", "region", "phone", "email", "language")}
        self.profile["language"] = self.profile["language"] or (await self.get_state(SessionState)).lang
        self.form_key += 1

    @member
    async def submit(self, form: dict):
        viewer = caller()
        data = parse.fields(form, ("first_name", "last_name", "region", "phone"), 200)
        if parse.field(form, "language", 16):  # a form without it keeps the account's language
            data["language"] = parse.field(form, "language", 16)
        self.saved = forms.saved(self, lambda: db.run(profiles.update_profile, user_id=viewer.user_id, form=data))
        if not self.saved:
            return
        self.profile = {**self.profile, **data}
        session_state = await self.get_state(SessionState)
        await session_state.viewer()


class PasswordState(rx.State):
    errors: dict[str, str] = {}
    saved: bool = False

    @member
    async def load(self):
        self.errors = {}
        self.saved = False

    @member
    async def submit(self, form: dict):
        viewer = caller()
        fields = ("current_password", "new_password", "confirm_password")
        typed = parse.fields(form, fields, 1024)
        # Verifies the current password and hashes the new one: off the event loop.
        self.saved = await forms.saved_off_loop(self, lambda: offload.run(
            accounts.change_password, user_id=viewer.user_id, keep_session_id=viewer.session_id, **typed))
        if self.saved:
            return [rx.set_value(f"pw-{name}", "") for name in fields]


class LoginManagementState(rx.State):
    rows: list[dict[str, str]] = []
    message: str = ""

    def _reload(self, viewer: Viewer) -> None:
        rows = db.run(sessions.list_active, user_id=viewer.user_id, current_session_id=viewer.session_id)
        self.rows = [
            {
                "id": str(r["id"]),
                "browser": str(r.get("browser", "")),
                "ip_address": str(r.get("ip_address", "")),
                "created_at": formatting.shown_when(r.get("created_at")),
                "last_seen_at": formatting.shown_when(r.get("last_seen_at")),
                "current": "yes" if r.get("is_current") else "",
            }
            for r in rows
        ]

    @member
    async def load(self):
        viewer = caller()
        self.message = ""
        self._reload(viewer)

    @member
    async def revoke(self, session_id):
        viewer = caller()
        sid = parse.positive_id(session_id)
        if sid is None:
            return
        if sid == viewer.session_id:
            return SessionState.log_out
        try:
            db.run(sessions.revoke, user_id=viewer.user_id, session_id=sid)
            self.message = i18n.gettext("That session was signed out.")
        except NotFound:
            self.message = i18n.gettext("That session no longer exists.")
        self._reload(viewer)


class SubscribeState(rx.State):
    newsletter: bool = False
    reward_program: bool = False
    saved: bool = False

    @member
    async def load(self):
        viewer = caller()
        data = db.run(profiles.profile, user_id=viewer.user_id)
        self.newsletter = bool(data.get("newsletter"))
        self.reward_program = bool(data.get("reward_program"))
        self.saved = False

    @member
    async def submit(self, form: dict):
        viewer = caller()
        newsletter, reward = parse.flag(form, "newsletter"), parse.flag(form, "reward_program")
        db.run(profiles.update_subscriptions, user_id=viewer.user_id, newsletter=newsletter, reward_program=reward)
        self.newsletter, self.reward_program, self.saved = newsletter, reward, True


class VerifyEmailState(rx.State):
    result: str = ""
    ok: bool = False

    @anyone
    async def load(self):
        token = self.router.url.query_parameters.get("token", "")
        await public_visit(self)
        try:
            db.run(email_verification.verify_email, token=parse.text(token, 2000))
            self.ok = True
            self.result = i18n.gettext("Thank you — your email address is verified.")
        except (ServiceError, Conflict) as exc:
            self.ok = False
            self.result = exc.message or i18n.gettext("This verification link is not valid any more.")

