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
import functools
import inspect

import reflex as rx
from babel.numbers import format_decimal

from rxapp import db, formatting, i18n, routes, settings, vocabulary
from rxapp.db import session_scope
from rxapp.services import clock, demo_images, demo_kit, mailbox, sessions
from rxapp.services.errors import FieldErrors, Forbidden, NotFound, ServiceError
from rxapp.state import parse
from rxapp.state.session import SessionState, caller, member

# The English source (``N_``); shown through ``i18n.gettext`` in the event's language.
DEMO_OFF = i18n.N_("Demo mode is off: the demo kit is not available.")
PASSCODE_FIRST = i18n.N_("Enter the presenter passcode first (`make run` prints it when it starts).")
PASSCODE_WRONG = i18n.N_("That is not the presenter passcode.")
MAX_PASSCODE_TRIES = 5
CHRISTMAS_DEAL_DAY = "2021-12-15"

# Where each persona starts after a switch.
LANDING = {
    "demo": routes.REDEEM_HISTORY,
    "new": routes.PRODUCT_REGISTRATION,
    "reviewer": routes.ADMIN,
    "admin": routes.ADMIN_PROMOTIONS,
}


def landing_route(key: str) -> str:
    return LANDING.get(key, routes.ACCOUNT_OVERVIEW)


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


def _only_when(allowed, refuse):
    """A decorator: the handler runs when ``await allowed(self)``; else ``refuse(self)`` and nothing changes."""

    def decorate(fn):
        if inspect.isasyncgenfunction(fn):

            @functools.wraps(fn)
            async def wrapper(self, *args, **kwargs):
                if not await allowed(self):
                    refuse(self)
                    return
                async for item in fn(self, *args, **kwargs):
                    yield item

        else:

            @functools.wraps(fn)
            async def wrapper(self, *args, **kwargs):
                if not await allowed(self):
                    return refuse(self)
                return await fn(self, *args, **kwargs)

        return wrapper

    return decorate


async def _demo_on(_state) -> bool:
    return _is_demo()


async def _presenting(state) -> bool:
    return _is_demo() and (await state.get_state(SessionState))._presenter


def _not_presenting(state) -> None:
    if not _is_demo():
        state._off()
        return
    state.message = i18n.gettext(PASSCODE_FIRST)


# With demo mode off the handler changes nothing and its page says "Demo mode is off".
demo_only = _only_when(_demo_on, lambda state: state._off())
# Switching persona, resetting and moving the date also need the presenter passcode (this tab typed it).
presenter_only = _only_when(_presenting, _not_presenting)


# --------------------------------------------------------------------------- /demo


class DemoState(rx.State):
    demo_on: bool = False
    presenter: bool = False
    passcode_error: str = ""
    _passcode_tries: int = 0
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
        self.message = i18n.gettext(DEMO_OFF)
        self.busy = False

    def _date_facts(self) -> None:
        with session_scope() as s:
            day = demo_kit.get_demo_date(session=s)
            today = clock.today(s)
        self.demo_date = day.isoformat() if day else ""
        shown = i18n.format_date(today)
        self.today_text = (i18n.gettext("Today for the rules is {day} (the demo date).") if day else
                           i18n.gettext("Today for the rules is {day} (the real date).")).format(day=shown)
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
        viewer = await session_state._start(user_id, keep_presenter=True)
        return viewer.email if viewer else ""

    async def _show_kit(self, signed_in_as: str) -> None:
        """The kit as this tab sees it (again after a persona switch or a reset reset the tab)."""
        self.demo_on = True
        self.personas = [{k: str(v) for k, v in p.items()} for p in demo_kit.personas()]
        self.signed_in_as = signed_in_as
        self.presenter = (await self._session_state())._presenter
        self._date_facts()
        (await self._session_state())._demo_date_facts()

    @staticmethod
    def _persona_of(viewer) -> str:
        """The persona key of the signed-in user, or "" (not a persona, e.g. a fresh sign-up)."""
        email = viewer.email.lower()
        return next((p["key"] for p in demo_kit.personas() if p["email"].lower() == email), "")

    # ------------------------------------------------------------------ events

    @member
    async def load(self):
        viewer = caller()
        self.message = ""
        self.date_error = ""
        if not _is_demo():
            return self._off()
        await self._show_kit(viewer.email)

    @member
    @demo_only
    async def unlock(self, form: dict):
        """The presenter passcode: this tab may switch persona, reset and move the demo date."""
        if self._passcode_tries >= MAX_PASSCODE_TRIES:
            self.passcode_error = i18n.gettext("Too many wrong passcodes in this tab: open a new tab and try again.")
            return
        if not demo_kit.presenter_passcode_ok(parse.field(form, "passcode", 100)):
            self._passcode_tries += 1
            self.passcode_error = i18n.gettext(PASSCODE_WRONG)
            return
        (await self._session_state())._presenter = True
        self.presenter, self.passcode_error = True, ""
        self.message = i18n.gettext("Unlocked: you are presenting.")

    @member
    @presenter_only
    async def switch_persona(self, key: str):
        """Sign this browser in as a demo persona and open its starting page."""
        key = parse.text(key, 60)
        try:
            email = await self._sign_in_as(key)
        except (NotFound, Forbidden) as exc:
            self.message = exc.message
            return
        await self._show_kit(email)
        return rx.redirect(landing_route(key.strip().lower()))

    @member
    @presenter_only
    async def reset_demo(self):
        """Put the demo data back (in a worker thread); sign the same persona in again."""
        viewer = caller()
        if self.busy:
            return
        persona = self._persona_of(viewer)
        self.busy = True
        self.message = i18n.gettext("Resetting the demo data…")
        yield
        try:
            seconds = await asyncio.to_thread(demo_kit.reset)
        except Forbidden:
            self._off()
            return
        except Exception:  # noqa: BLE001 - the reset rolled back; say so instead of a traceback
            self.busy = False
            self.message = i18n.gettext("The reset failed and nothing was changed. Please try again.")
            return
        finally:
            self.busy = False
        session_state = await self._session_state()
        took = format_decimal(seconds, format="0.00", locale=i18n.locale_of(i18n.current.get()))
        if persona:
            email = await self._sign_in_as(persona)
            message = i18n.gettext("Demo data reset in {seconds} s. You are signed in again as {email}.").format(
                seconds=took, email=email)
        else:
            await session_state._forget_tab()
            email = ""
            message = i18n.gettext("Demo data reset in {seconds} s. You are signed out: pick a persona.").format(
                seconds=took)
        await self._show_kit(email)
        self.message = message

    @member
    @presenter_only
    async def set_demo_date(self, form: dict):
        """Move "today" for eligibility and due dates (the form's ``demo_date``)."""
        raw = parse.field(form, "demo_date", 40)
        if not raw.strip():
            self.date_error = i18n.gettext("Pick a date, or press “Clear” to go back to today.")
            return
        await self._save_date(raw)

    @member
    @presenter_only
    async def use_christmas_deal_date(self):
        await self._save_date(CHRISTMAS_DEAL_DAY)

    @member
    @presenter_only
    async def clear_demo_date(self):
        await self._save_date(None)

    @member
    @presenter_only
    async def back_to_real_date(self):
        """The banner's one click (any page): the real date again; the banner goes at once and every
        page opened next counts days from the real date.  (No scripted reload: the edge's policy forbids
        the eval() that a script sent by the server needs.)"""
        await self._save_date(None)

    async def _save_date(self, value: str | None) -> bool:
        """Save the demo date (None: the real date); the banner of this tab follows at once."""
        try:
            day = db.run(demo_kit.set_demo_date, value=value)
        except FieldErrors as exc:
            self.date_error = exc.errors.get("demo_date") or i18n.gettext("Enter the demo date as YYYY-MM-DD.")
            return False
        except Forbidden:
            self._off()
            return False
        self.date_error = ""
        self.message = (
            i18n.gettext("Demo date set to {day}.").format(day=i18n.format_date(day)) if day
            else i18n.gettext("Demo date cleared: today is the real date.")
        )
        self._date_facts()
        (await self._session_state())._demo_date_facts()
        return True


# --------------------------------------------------------------------------- /demo/stickers


class StickerSheetState(rx.State):
    demo_on: bool = True
    stickers: list[dict[str, str]] = []
    today_text: str = ""

    @member
    async def load(self):
        try:
            with session_scope() as s:
                sheet = demo_kit.sticker_sheet(session=s, limit=24)
                today = clock.today(s)
        except Forbidden:
            self.demo_on = False
            self.stickers = []
            return
        self.demo_on = True
        self.today_text = i18n.gettext("Units that fit the promotions running on {day}.").format(
            day=i18n.format_date(today))
        self.stickers = [
            {
                "serial": str(row["serial"]),
                "chk": str(row["chk"]),
                "model": str(row["model"]),
                "model_number": str(row["model_number"]),
                "category": str(row["category"]),
                "promotions": ", ".join(row.get("promotions") or []) or i18n.gettext("no running promotion"),
                "barcode": barcode_data_uri(str(row["serial"])),
            }
            for row in sheet
        ]


# --------------------------------------------------------------------------- /demo/mailbox

class MailboxState(rx.State):
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
        """The rows this reader may see (demo mode off: the page says so)."""
        try:
            found = db.run(mailbox.list_messages, actor_id=viewer.user_id, limit=200,
                           to_email=self.recipient or None)
        except Forbidden:
            self._off()
            return
        self.demo_on = True
        self.rows = [
            {
                "id": str(m["id"]),
                "to": str(m["to"]),
                "subject": str(m["subject"]),
                "kind": str(m["kind"]),
                "time": formatting.shown_when(m["created_at"]),
                "status": str(m["status"]),
                "status_label": vocabulary.email_status_label(m["status"]),
            }
            for m in found
        ]

    @member
    async def load(self):
        viewer = caller()
        self.selected = {}
        self.message = ""
        self.sees_all = viewer.is_reviewer
        if not viewer.is_reviewer:
            self.recipient = ""
        self.smtp_note = (
            "" if settings.get().smtp_url else
            i18n.gettext("No SMTP server is configured: emails are not sent out, this Mailbox shows what was "
                         "written.")
        )
        self._list(viewer)

    @member
    async def filter_recipient(self, form: dict):
        viewer = caller()
        self.recipient = parse.field(form, "recipient", 254, strip=True) if viewer.is_reviewer else ""
        self.selected = {}
        self._list(viewer)

    @member
    async def show_all(self):
        viewer = caller()
        self.recipient = ""
        self.form_key += 1
        self._list(viewer)

    @member
    async def load_message(self):
        """On_load of one email's own address (``MAILBOX_MESSAGE?id=…``): that email, if it is the reader's."""
        viewer = caller()
        self.selected = {}
        self.sees_all = viewer.is_reviewer
        self._open(viewer, self.router.url.query_parameters.get("id"))

    @member
    async def open_message(self, message_id: str):
        self._open(caller(), message_id)

    def _open(self, viewer, message_id) -> None:
        try:
            m = db.run(mailbox.get_message, actor_id=viewer.user_id, message_id=parse.positive_id(message_id) or 0)
        except Forbidden:
            return self._off()
        except ServiceError as exc:
            self.selected = {}
            self.message = exc.message
            return
        self.demo_on = True
        self.message = ""
        self.selected = {
            "id": str(m["id"]),
            "to": str(m["to"]),
            "subject": str(m["subject"]),
            "time": formatting.shown_when(m["created_at"]),
            "status_label": vocabulary.email_status_label(m["status"]),
            "sent_at": formatting.shown_when(m["sent_at"]),
            "body_text": str(m["body_text"]),
            "body_html": str(m["body_html"] or ""),
        }

