"""The demo kit's states: persona switcher, reset and demo date; the sticker sheet; the Mailbox.

Demo mode only.  Every handler first asks the services (``demo_kit`` /
``mailbox`` call ``assert_demo`` and raise ``Forbidden`` when ``RXAPP_DEMO``
is off); a refusal turns the page into "Demo mode is off" and changes
nothing.

Who may use what (demo mode): every demo page needs a signed-in user (any
persona; ``make run`` prints their logins).  ``/demo`` is *not* public: a
signed-out browser must not be able to sign itself in, reset the data or move
the date (the whole-app guard in ``tests/state/test_guard.py`` holds every
handler to that); a presenter logs in once, then switches in one click.  The
Mailbox shows a customer their own emails (what their inbox would hold) and a
reviewer or admin every email, with a recipient filter.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
from datetime import datetime

import reflex as rx

from rxapp import routes, settings
from rxapp.db import session_scope
from rxapp.services import clock, demo_images, demo_kit, mailbox, sessions
from rxapp.services.errors import FieldErrors, Forbidden, NotFound, ServiceError
from rxapp.state.account import MemberMixin
from rxapp.state.session import SessionState

DEMO_OFF = "Demo mode is off: the demo kit is not available."
CHRISTMAS_DEAL_DAY = "2021-12-15"

# Where each persona starts (the first route that exists; see ``route_exists``).
LANDING: dict[str, tuple[str, ...]] = {
    "demo": (routes.REDEEM_HISTORY, routes.MY_PRODUCTS),
    "new": (routes.PRODUCT_REGISTRATION,),
    "reviewer": (routes.ADMIN, routes.ACCOUNT_OVERVIEW),
    "admin": (routes.ADMIN_PROMOTIONS, routes.ADMIN, routes.ACCOUNT_OVERVIEW),
}
# Set by ``pages.demo.add_pages``: whether the app has a page at a route.
route_exists: Callable[[str], bool] = lambda route: True  # noqa: E731


def landing_route(key: str) -> str:
    for route in LANDING.get(key, ()):
        if route_exists(route):
            return route
    return routes.ACCOUNT_OVERVIEW


def _when(value) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return str(value or "")


def barcode_data_uri(text: str) -> str:
    """The sticker's barcode look as an inline SVG (a data: URI for an <img>)."""
    bars = demo_images.barcode_bars(text)
    x, rects = 0, []
    for i, width in enumerate(bars):
        if i % 2 == 0:
            rects.append(f'<rect x="{x}" y="0" width="{width}" height="40"/>')
        x += width
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {x} 40" width="{x * 2}" height="56" '
        f'preserveAspectRatio="none" fill="#111">{"".join(rects)}</svg>'
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _is_demo() -> bool:
    try:
        demo_kit.assert_demo()
    except Forbidden:
        return False
    return True


# --------------------------------------------------------------------------- /demo


class DemoState(MemberMixin, rx.State):
    demo_on: bool = False
    personas: list[dict[str, str]] = []
    signed_in_as: str = ""
    demo_date: str = ""
    today_text: str = ""
    date_error: str = ""
    message: str = ""
    busy: bool = False
    form_key: int = 0

    # ------------------------------------------------------------------ helpers

    def _off(self) -> None:
        self.demo_on = False
        self.personas = []
        self.message = DEMO_OFF
        self.busy = False

    def _date_facts(self) -> None:
        with session_scope() as s:
            day = demo_kit.get_demo_date(session=s)
            today = clock.today(s)
        self.demo_date = day.isoformat() if day else ""
        how = "the demo date" if day else "the real date"
        self.today_text = f"Today for the rules is {today.isoformat()} ({how})."
        self.form_key += 1

    async def _session_state(self) -> SessionState:
        return await self.get_state(SessionState)

    async def _sign_in_as(self, key: str) -> str:
        """End this browser's session and start one for the persona; returns its email."""
        session_state = await self._session_state()
        old = session_state.token
        with session_scope() as s:
            user_id = demo_kit.persona_user_id(session=s, key=key)
            if isinstance(old, str) and old:
                sessions.revoke_by_token(session=s, token=old)
            token, _row = sessions.create(
                session=s,
                user_id=user_id,
                user_agent=session_state._user_agent(),
                ip_address=session_state._client_ip(),
            )
        session_state.token = token
        viewer = await session_state._viewer_from_token(token)
        return viewer.email if viewer else ""

    @staticmethod
    def _persona_of(viewer) -> str:
        """The persona key of the signed-in user, or "" (not a persona, e.g. a fresh sign-up)."""
        email = viewer.email.lower()
        return next((p["key"] for p in demo_kit.personas() if p["email"].lower() == email), "")

    # ------------------------------------------------------------------ events

    @rx.event
    async def load(self):
        viewer = await self._viewer()
        if viewer is None:
            return await self._signed_out()
        self.message = ""
        self.date_error = ""
        if not _is_demo():
            return self._off()
        self.demo_on = True
        self.personas = [{k: str(v) for k, v in p.items()} for p in demo_kit.personas()]
        self.signed_in_as = viewer.email
        self._date_facts()

    @rx.event
    async def switch_persona(self, key: str):
        """Sign this browser in as a demo persona and open its starting page."""
        if await self._viewer() is None:
            return await self._signed_out()
        if not _is_demo():
            return self._off()
        key = key if isinstance(key, str) else ""
        try:
            email = await self._sign_in_as(key[:60])
        except (NotFound, Forbidden) as exc:
            self.message = exc.message
            return
        self.signed_in_as = email
        return rx.redirect(landing_route(key.strip().lower()))

    @rx.event
    async def reset_demo(self):
        """Put the demo data back (in a worker thread); sign the same persona in again."""
        viewer = await self._viewer()
        if viewer is None:
            yield await self._signed_out()
            return
        if not _is_demo():
            self._off()
            return
        if self.busy:
            return
        persona = self._persona_of(viewer)
        self.busy = True
        self.message = "Resetting the demo data…"
        yield
        try:
            seconds = await asyncio.to_thread(demo_kit.reset)
        except Forbidden:
            self._off()
            return
        except Exception:  # noqa: BLE001 - the reset rolled back; say so instead of a traceback
            self.busy = False
            self.message = "The reset failed and nothing was changed. Please try again."
            return
        finally:
            self.busy = False
        session_state = await self._session_state()
        if persona:
            email = await self._sign_in_as(persona)
            self.signed_in_as = email
            self.message = f"Demo data reset in {seconds:.2f} s. You are signed in again as {email}."
        else:
            session_state._sign_out_locally()
            self.signed_in_as = ""
            self.message = f"Demo data reset in {seconds:.2f} s. You are signed out: pick a persona."
        self._date_facts()

    @rx.event
    async def set_demo_date(self, form: dict):
        """Move "today" for eligibility and due dates (the form's ``demo_date``)."""
        if await self._viewer() is None:
            return await self._signed_out()
        if not _is_demo():
            return self._off()
        raw = form.get("demo_date", "") if isinstance(form, dict) else ""
        raw = raw[:40] if isinstance(raw, str) else ""
        if not raw.strip():
            self.date_error = "Pick a date, or press “Clear” to go back to today."
            return
        self._save_date(raw)

    @rx.event
    async def use_christmas_deal_date(self):
        if await self._viewer() is None:
            return await self._signed_out()
        if not _is_demo():
            return self._off()
        self._save_date(CHRISTMAS_DEAL_DAY)

    @rx.event
    async def clear_demo_date(self):
        if await self._viewer() is None:
            return await self._signed_out()
        if not _is_demo():
            return self._off()
        self._save_date(None)

    def _save_date(self, value: str | None) -> None:
        try:
            with session_scope() as s:
                day = demo_kit.set_demo_date(session=s, value=value)
        except FieldErrors as exc:
            self.date_error = exc.errors.get("demo_date", "Enter the demo date as YYYY-MM-DD.")
            return
        except Forbidden:
            self._off()
            return
        self.date_error = ""
        self.message = (
            f"Demo date set to {day.isoformat()}." if day else "Demo date cleared: today is the real date."
        )
        self._date_facts()


# --------------------------------------------------------------------------- /demo/stickers


class StickerSheetState(MemberMixin, rx.State):
    demo_on: bool = True
    stickers: list[dict[str, str]] = []
    today_text: str = ""

    @rx.event
    async def load(self):
        viewer = await self._viewer()
        if viewer is None:
            return await self._signed_out()
        try:
            with session_scope() as s:
                sheet = demo_kit.sticker_sheet(session=s, limit=24)
                today = clock.today(s)
        except Forbidden:
            self.demo_on = False
            self.stickers = []
            return
        self.demo_on = True
        self.today_text = f"Units that fit the promotions running on {today.isoformat()}."
        self.stickers = [
            {
                "serial": str(row["serial"]),
                "chk": str(row["chk"]),
                "model": str(row["model"]),
                "model_number": str(row["model_number"]),
                "category": str(row["category"]),
                "promotions": ", ".join(row.get("promotions") or []) or "no running promotion",
                "barcode": barcode_data_uri(str(row["serial"])),
            }
            for row in sheet
        ]


# --------------------------------------------------------------------------- /demo/mailbox

_STATUS_LABELS = {
    "pending": "waiting to send",
    "sending": "sending",
    "sent": "sent",
    "failed": "failed",
}


class MailboxState(MemberMixin, rx.State):
    demo_on: bool = True
    sees_all: bool = False
    rows: list[dict[str, str]] = []
    recipient: str = ""
    selected: dict[str, str] = {}
    smtp_note: str = ""
    message: str = ""
    form_key: int = 0

    def _off(self) -> None:
        self.demo_on = False
        self.rows = []
        self.selected = {}

    def _list(self, viewer) -> None:
        # A customer sees their own inbox; reviewers and admins every email.
        to_email = (self.recipient or None) if viewer.is_reviewer else viewer.email
        with session_scope() as s:
            found = mailbox.list_messages(session=s, limit=200, to_email=to_email)
        self.rows = [
            {
                "id": str(m["id"]),
                "to": str(m["to"]),
                "subject": str(m["subject"]),
                "kind": str(m["kind"]),
                "time": _when(m["created_at"]),
                "status": str(m["status"]),
                "status_label": _STATUS_LABELS.get(str(m["status"]), str(m["status"])),
            }
            for m in found
        ]

    @rx.event
    async def load(self):
        viewer = await self._viewer()
        if viewer is None:
            return await self._signed_out()
        self.selected = {}
        self.message = ""
        self.sees_all = viewer.is_reviewer
        if not viewer.is_reviewer:
            self.recipient = ""
        self.smtp_note = (
            "" if settings.get().smtp_url else
            "No SMTP server is configured: emails are not sent out, this Mailbox shows what was written."
        )
        try:
            self._list(viewer)
        except Forbidden:
            return self._off()
        self.demo_on = True

    @rx.event
    async def filter_recipient(self, form: dict):
        viewer = await self._viewer()
        if viewer is None:
            return await self._signed_out()
        raw = form.get("recipient", "") if isinstance(form, dict) else ""
        self.recipient = raw.strip()[:254] if isinstance(raw, str) and viewer.is_reviewer else ""
        self.selected = {}
        try:
            self._list(viewer)
        except Forbidden:
            return self._off()

    @rx.event
    async def show_all(self):
        viewer = await self._viewer()
        if viewer is None:
            return await self._signed_out()
        self.recipient = ""
        self.form_key += 1
        try:
            self._list(viewer)
        except Forbidden:
            return self._off()

    @rx.event
    async def open_message(self, message_id: str):
        viewer = await self._viewer()
        if viewer is None:
            return await self._signed_out()
        try:
            wanted = int(str(message_id)[:12])
        except ValueError:
            self.message = "This email does not exist."
            return
        try:
            with session_scope() as s:
                m = mailbox.get_message(session=s, message_id=wanted)
        except Forbidden:
            return self._off()
        except ServiceError as exc:
            self.message = exc.message
            return
        if not viewer.is_reviewer and str(m["to"]).lower() != viewer.email.lower():
            self.message = "This email is not in your Mailbox."
            return
        self.message = ""
        self.selected = {
            "id": str(m["id"]),
            "to": str(m["to"]),
            "subject": str(m["subject"]),
            "time": _when(m["created_at"]),
            "status_label": _STATUS_LABELS.get(str(m["status"]), str(m["status"])),
            "sent_at": _when(m["sent_at"]),
            "body_text": str(m["body_text"]),
            "body_html": str(m["body_html"] or ""),
        }

    @rx.event
    async def close_message(self):
        if await self._viewer() is None:
            return await self._signed_out()
        self.selected = {}
