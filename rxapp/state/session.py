"""Who is signed in, and who may call each handler.

The browser holds only an opaque session token (local storage); every check
looks it up server-side (``services.sessions.resolve``), so a revoked or
expired session is signed out on its next action.

Every public method of a Reflex State is an endpoint any client may call with
any payload, so every handler of the app declares who may call it::

    @member
    async def submit(self, form: dict):
        viewer = caller()      # the caller, checked just now
        ...

* ``@member``: a signed-in customer (or reviewer, or admin);
* ``@reviewer``: a reviewer or an admin;
* ``@admin``: an admin;
* ``@anyone``: signed-out callers on purpose (log-in, sign-up, captcha, public pages).

The guard resolves the session token in the database on every call and takes
the role from the user's row read in that same lookup, never from a var the
browser could have kept.  A caller without a session goes to log in (and comes
back); a signed-in caller without the role gets a notice and is sent where
they belong; nothing of the handler runs.  The handler keeps the signature
Reflex reads (``functools.wraps``) and works as a coroutine, an async
generator or a background task (``@member.background``); the declaration
also makes it an event (``rx.event``).  ``tests/state/test_guard.py`` finds every
handler of the app by itself and fails on one that declares no access.
"""

from __future__ import annotations

import contextvars
import enum
import functools
import inspect
from dataclasses import dataclass
from urllib.parse import quote

import reflex as rx
from reflex.istate.proxy import StateProxy
from reflex_base.registry import RegistrationContext

from rxapp import db, i18n, logcontext, routes, settings
from rxapp.db import session_scope
from rxapp.models import Role
from rxapp.services import clock, landing
from rxapp.services import sessions as session_service
from rxapp.state import language, live, payload


@dataclass(frozen=True)
class Viewer:
    """The signed-in user as handlers see it (never sent to the browser)."""

    user_id: int
    session_id: int
    role: Role
    email: str
    language: str = ""

    @property
    def is_reviewer(self) -> bool:
        return self.role in (Role.reviewer, Role.admin)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin


ACCESS_ATTR = "_rxapp_access"

MSG_REVIEWERS_ONLY = i18n.N_("The reviewer console is for reviewers only.")
MSG_ADMINS_ONLY = i18n.N_("Users & Roles is for administrators only.")


class Access(str, enum.Enum):
    anyone = "anyone"
    member = "member"
    reviewer = "reviewer"
    admin = "admin"


_current: contextvars.ContextVar[Viewer | None] = contextvars.ContextVar("rxapp_viewer", default=None)


def caller() -> Viewer:
    """The caller of the running guarded handler (checked against the database on this call)."""
    who = _current.get()
    if who is None:
        raise RuntimeError("caller() outside a @member/@reviewer/@admin handler")
    return who


def access_of(fn) -> Access | None:
    """The access a handler function declares (None: it declares none)."""
    return getattr(fn, ACCESS_ATTR, None)


async def current_viewer(state: rx.State) -> Viewer | None:
    """The signed-in user of the state's tab, checked now (for code that is not a handler)."""
    session_state = await state.get_state(SessionState)
    return await session_state.viewer()


async def _check(state: rx.State, level: Access) -> tuple[Viewer | None, object]:
    """(the caller, None) when ``level`` allows them, else (None, the refusal to return)."""
    session_state = await state.get_state(SessionState)
    who = await session_state.viewer()
    if who is None:
        return None, session_state._login_redirect()
    if level is Access.reviewer and not who.is_reviewer:
        return None, session_state._notify(i18n.gettext(MSG_REVIEWERS_ONLY), routes.ACCOUNT_OVERVIEW)
    if level is Access.admin and not who.is_admin:
        return None, session_state._notify(i18n.gettext(MSG_REVIEWERS_ONLY if not who.is_reviewer
                                                        else MSG_ADMINS_ONLY),
                                           landing.home_of(who.role))
    return who, None


async def _admit(state, level: Access) -> tuple[Viewer | None, object]:
    if level is Access.anyone:  # nobody to check (and ``caller()`` stays unavailable in the handler)
        return None, None
    if isinstance(state, StateProxy):  # a background handler: state is reached under its lock
        async with state:
            checked = await _check(state, level)
            # From here on the task speaks its tab's language (its messages, the services it calls).
            i18n.current.set(i18n.known((await state.get_state(SessionState)).lang) or i18n.SOURCE)
            return checked
    return await _check(state, level)


def _request_id(state) -> str:
    """This event's id for the logs (``rxapp/logcontext.py``): the tab's token prefix and a number."""
    try:
        client_token = state.router.session.client_token
    except Exception:  # noqa: BLE001 - never let logging break a handler
        client_token = ""
    return logcontext.new_request_id(client_token)


def _guarded(fn, level: Access):
    """``fn`` behind the check of ``level``, with the signature Reflex reads (``functools.wraps``).

    The caller is checked first, whatever the payload: a refused caller always gets the same
    refusal (sent to log in; or the notice and sent away), so a script cannot tell handlers
    apart by feeding them junk, and a test over the wire can see every refusal.  Then a payload
    that does not fit the parameters is dropped before anything of the handler runs (no
    traceback).  Every call runs in a request scope of its own, so its log lines can be followed.
    """
    if inspect.isasyncgenfunction(fn):

        @functools.wraps(fn)
        async def wrapper(self, *args, **kwargs):
            with logcontext.request_scope(_request_id(self)), await _speaking(self):
                who, refusal = await _admit(self, level)
                if refusal is not None:
                    yield refusal
                    return
                if not payload.fits(fn, args, kwargs):
                    return
                token = _current.set(who)
                try:
                    async for item in fn(self, *args, **kwargs):
                        yield item
                finally:
                    _reset(token)

    else:

        @functools.wraps(fn)
        async def wrapper(self, *args, **kwargs):
            with logcontext.request_scope(_request_id(self)), await _speaking(self):
                who, refusal = await _admit(self, level)
                if refusal is not None:
                    return refusal
                if not payload.fits(fn, args, kwargs):
                    return None
                token = _current.set(who)
                try:
                    result = fn(self, *args, **kwargs)
                    return await result if inspect.isawaitable(result) else result
                finally:
                    _reset(token)

    setattr(wrapper, ACCESS_ATTR, level)
    return wrapper


def _reset(token) -> None:
    try:
        _current.reset(token)
    except ValueError:  # reset from another context (a generator resumed elsewhere): just clear
        _current.set(None)


async def _speaking(state):
    """The handler runs in its tab's language (what it writes: messages, notices); a background task in
    English until it reads its state under the lock (``_admit``)."""
    lang = i18n.SOURCE if isinstance(state, StateProxy) else (await state.get_state(SessionState)).lang
    return i18n.using(lang)


class _Declaration:
    """``@member`` (and friends): the handler is an event (``rx.event``) that only ``level`` may call.

    ``@member.background`` declares a background event (``rx.event(background=True)``).
    """

    def __init__(self, level: Access):
        self.level = level

    def __call__(self, fn):
        return rx.event(self._wrap(fn))

    def background(self, fn):
        return rx.event(self._wrap(fn), background=True)

    def _wrap(self, fn):
        return _guarded(fn, self.level)


member = _Declaration(Access.member)
reviewer = _Declaration(Access.reviewer)
admin = _Declaration(Access.admin)
# Open to signed-out callers on purpose (log-in, sign-up, captcha, public pages).
anyone = _Declaration(Access.anyone)


def assign_changed(state: rx.State, **values) -> None:
    """Set each var whose value differs.  Assigning marks a var dirty even when the value is the same, and a
    dirty var is sent in the event's delta and its state written back to the state store: the guard runs
    before every event, so it writes only what changed."""
    for name, value in values.items():
        if getattr(state, name) != value:
            setattr(state, name, value)


async def public_visit(state: rx.State) -> Viewer | None:
    """On a public page: the shell's facts (vendor, demo mode), and who is signed in, if anyone."""
    session_state = await state.get_state(SessionState)
    session_state._app_facts()
    return await session_state.viewer()


def app_state_classes() -> list[type[rx.State]]:
    """Every state class of this app (Reflex's own states left out), found by walking the state tree."""
    found: list[type[rx.State]] = []

    def walk(cls) -> None:
        for sub in cls.get_substates():
            if sub.__module__.split(".")[0] == "rxapp":
                found.append(sub)
            walk(sub)

    walk(rx.State)
    return found


class SessionState(rx.State):
    # The client's own opaque token: the only secret the browser keeps.
    token: str = rx.LocalStorage("", name="mc_session", sync=True)
    # The same token as a cookie, for one reader only: the private-file route
    # (rxapp/api/files.py) sends a signed /files/ link's file only to the
    # browser whose session belongs to the link's viewer.  (<img> requests
    # cannot carry local storage.)
    file_pass: str = rx.Cookie("", name="mc_files", path="/", same_site="strict")
    # The tab's language (``state/language.py``): its tag, the page texts of its catalog (none for English),
    # and the language this browser chose last (a visitor's choice outlives the tab).
    lang: str = i18n.SOURCE
    texts: dict[str, str] = {}
    lang_cookie: str = rx.Cookie("", name="mc_lang", path="/", same_site="lax", max_age=365 * 24 * 3600)
    _lang_settled: bool = False
    signed_in: bool = False
    display_name: str = ""
    role: str = ""
    # A one-line notice and the page it was raised for (``_notify``): shown there only, gone on the next page.
    notice: str = ""
    notice_for: str = ""
    vendor_name: str = "MSI"
    demo_mode: bool = False
    # Demo mode: the demo date in force ("" for the real date) and the real date, for the banner.
    demo_date: str = ""
    real_date: str = ""
    # The page whose on_load events have all run (``page_loaded``); the shell's ready marker reads
    # ``PageReadyState.loaded_path``, its copy in a state of its own (see there).
    _loaded_path: str = ""
    # Demo mode: this tab typed the presenter passcode (server-side only).
    _presenter: bool = False

    @rx.var
    def presenting(self) -> bool:
        """This tab may move the demo date (the shell's banner offers the way back); the handlers check
        ``_presenter`` themselves."""
        return self._presenter

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
        assign_changed(self, token="", file_pass="", signed_in=False, display_name="", role="")

    async def _forget_tab(self, *, keep_presenter: bool = False) -> None:
        """Every state of this tab back to its defaults: what one person saw is not left for the next.

        Runs on log-out, when the tab's session turns out revoked or expired, and before an
        account signs in on the tab.  Each of the app's states is fetched first (with Redis a
        state the tab has not used yet lives only in the store) and then reset; the tab stops
        watching live updates.  The app's facts (vendor name, demo mode) stay, and so does a
        presenter's unlock when a presenter switches persona (``keep_presenter``).
        """
        presenter = self._presenter and keep_presenter
        for cls in app_state_classes():
            if cls is not SessionState:
                (await self.get_state(cls)).reset()
        live.forget(self.router.session.client_token)
        facts = (self.vendor_name, self.demo_mode, self.demo_date, self.real_date)
        spoken = (self.lang, self.texts, self.lang_cookie, self._lang_settled)
        self.reset()
        self.vendor_name, self.demo_mode, self.demo_date, self.real_date = facts
        self.lang, self.texts, self.lang_cookie, self._lang_settled = spoken
        self._presenter = presenter

    async def _viewer(self) -> Viewer | None:
        """The signed-in user for this client, checked against the database now."""
        return await self._viewer_from_token(self.token)

    # ``await session_state.viewer()`` is how other states ask.  It is bound as a
    # partialmethod, not written as a method: every public *method* of a State
    # is an event any browser may call, and this one is for the server only.
    viewer = functools.partialmethod(_viewer)

    async def _viewer_from_token(self, token) -> Viewer | None:
        if not token or not isinstance(token, str) or len(token) > 200:
            await self._signed_out()
            return None
        with session_scope() as s:
            found = session_service.resolve(session=s, token=token)
        if found is None:
            # Revoked, expired or forged: the tab forgets everything it held.
            await self._signed_out()
            return None
        viewer = Viewer(user_id=found.user_id, session_id=found.session_id, role=found.role, email=found.email,
                        language=found.language)
        assign_changed(self, signed_in=True, file_pass=token, display_name=found.first_name, role=found.role.value)
        if found.language and found.language != self.lang:
            language.apply(self, found.language)  # the account's language wins, on any device
        return viewer

    async def _signed_out(self) -> None:
        """No valid session: a tab that held one (or any token) forgets it all; a fresh tab stays as is."""
        if self.signed_in or self.token or self.file_pass:
            await self._forget_tab()
        else:
            self._sign_out_locally()

    async def _start(self, user_id: int, *, keep_presenter: bool = False) -> Viewer | None:
        """Sign this browser in as ``user_id``: the tab forgets what it held, then a new session (a fresh
        token) is made and resolved at once."""
        await self._forget_tab(keep_presenter=keep_presenter)
        with session_scope() as s:
            token, _login = session_service.create(
                session=s, user_id=user_id, user_agent=self._user_agent(), ip_address=self._client_ip()
            )
        self.token = token
        return await self._viewer_from_token(token)

    def _login_redirect(self):
        target = self.router.url.path.rstrip("/") or routes.ACCOUNT_OVERVIEW
        query = self.router.url.query
        if query:
            target = f"{target}?{query}"
        return rx.redirect(f"{routes.LOGIN}?next={quote(target, safe='')}")

    def _app_facts(self) -> None:
        """Every page's load: the app's facts (vendor, demo mode, demo date), and a notice raised for
        another page is dropped (it belonged there)."""
        cfg = settings.get()
        language.settle(self)
        assign_changed(self, vendor_name=cfg.vendor_name, demo_mode=cfg.demo)
        self._demo_date_facts()
        if self.notice and self.notice_for != self.current_path:
            self.notice, self.notice_for = "", ""

    def _loaded_again(self) -> bool:
        """Whether the page being loaded is the one this tab last finished loading: its on_load runs again
        because the connection came back (or the page was reloaded), not because the visitor came here.

        A page then keeps what it showed (a refused form's reasons, a captcha being answered)."""
        return self._loaded_path == self.current_path

    def _demo_date_facts(self) -> None:
        """The demo date in force (demo mode only), for the banner every page shows while one is set; both
        dates as the tab's language writes them (ISO in English)."""
        day = None
        if self.demo_mode:
            with session_scope() as s:
                day = clock.demo_date(s)
        assign_changed(self, demo_date=i18n.format_date(day) if day else "",
                       real_date=i18n.format_date(clock.now().date()) if day else "")

    def _notify(self, message: str, route: str):
        """Raise ``message`` for the page at ``route`` and go there: the notice shows on that page only
        (``components.shell.flash``) and is dropped when the next page loads."""
        self.notice, self.notice_for = message, route.rstrip("/") or "/"
        return rx.redirect(route)

    # ------------------------------------------------------------------ events

    @anyone
    async def load_public(self):
        """on_load of public pages: learn whether someone is signed in."""
        self._app_facts()
        await self._viewer()

    @member
    async def require_member(self):
        """on_load of member pages: signed-out visitors go to log in, then back (the guard does it)."""
        self._app_facts()

    @reviewer
    async def require_reviewer(self):
        """on_load of the reviewer console: customers are sent away (the guard does it)."""
        self._app_facts()

    @anyone
    async def choose_language(self, lang: str):
        """The top bar's language switch: the words change, what was typed stays.

        The page's on_load events then run again, as on a reconnect (which every page survives with
        what was typed and shown), so what the server wrote for the page (messages, names of regions
        and statuses) comes in the new language too."""
        who = await self._viewer()
        if language.choose(self, lang, who.user_id if who else None):
            return RegistrationContext.get().app.get_load_events(self.router.url.path)
        return None

    @anyone
    async def log_out(self):
        token = self.token
        if token and isinstance(token, str):
            db.run(session_service.revoke_by_token, token=token)
        await self._forget_tab()
        return self._notify(i18n.gettext("You have been logged out."), routes.LOGIN)

    @anyone
    async def page_loaded(self):
        """The last on_load event of every page (``rxapp/rxapp.py``): the page has what it loads."""
        self._loaded_path = self.current_path
        (await self.get_state(PageReadyState)).loaded_path = self.current_path

    @anyone
    def clear_notice(self):
        self.notice, self.notice_for = "", ""


class PageReadyState(rx.State):
    """The page whose on_load events have all run, for the shell's ready marker only.

    A state of its own: a change of any ``SessionState`` var re-renders every component that reads
    one (the whole page, through its translated texts), and this one changes on every page load,
    once everything else has arrived (it was the last long task of every page)."""

    loaded_path: str = ""
