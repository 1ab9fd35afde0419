"""A load client: browser tabs without a browser, speaking Reflex 0.10's websocket event protocol.

What a tab does, as ``reflex/.templates/web/utils/state.js`` does it:

* **connect** - Socket.IO over a websocket at ``/_event`` (namespace
  ``/_event``), the tab's own client token in the URL (``?token=…``), and the
  boot event ``<State>.hydrate_and_load`` in the CONNECT packet's ``auth``
  (``{"event": …}``) carrying the tab's client storage (``{"vars": {…}}``:
  the ``mc_session`` LocalStorage value).  The tab is ready when the root
  state's ``is_hydrated`` turns true: the page's on_load events ran before it.
* **navigate** - a client-side route change: ``update_vars_internal`` with the
  client storage (when the tab holds any), then ``on_load_internal``, both
  with the new page's ``router_data``; ready again at ``is_hydrated``.
* **call** - one event ``{"name": "<state full name>.<handler>", "payload":
  {…}, "router_data": {"pathname", "asPath", "query"}}``; it is answered by
  the first update (``{"delta": {state: {var: value}}, "events": [...]}``)
  that the caller's ``until`` accepts - by default the first one carrying a
  delta.  Reflex sends a delta for every var a handler assigns (even to the
  same value), so a handler that sets a var always answers; one that assigns
  nothing sends nothing back (the app's ``@member`` guard always assigns
  ``SessionState``'s signed-in vars).  A handler that yields, chains events
  or returns a redirect sends more than one update: give ``until``.
* **upload** - ``POST /_upload`` with the headers ``Reflex-Client-Token`` and
  ``Reflex-Event-Handler`` and a multipart ``files`` part; the (background)
  handler's deltas come back over the websocket.

Every received update is applied to ``Tab.view`` (state → var → value), and
frontend events (``_redirect`` …) are kept in ``Tab.frontend_events``; a
``_redirect`` is not followed by itself (``follow`` does it).  Round trips are
``time.perf_counter`` seconds from the emit to the answering update.  Many
tabs share one asyncio loop (one process); ``gather`` them.

    tab = Tab(base_url)
    await tab.connect("/signup")
    reply = await tab.call(handler(SignUpState, "reformat_captcha"))
    reply.seconds, tab.var(SignUpState, "captcha_question")
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

NAMESPACE = "/_event"
SOCKETIO_PATH = "/_event"
SUFFIX = "_rx_state_"  # how a var is named in a delta: "captcha_question_rx_state_"
WAIT = 30.0  # seconds a tab waits for an answer before the call fails

Update = dict[str, Any]
Until = Callable[[Update], bool]


# --------------------------------------------------------------------------- names


def state_name(state: type | str) -> str:
    """The full name of a state class (``reflex___state____state.rxapp___state___auth____sign_up_state``)."""
    return state if isinstance(state, str) else state.get_full_name()


def handler(state: type | str, method: str) -> str:
    """The event name the browser sends for ``state.method``."""
    return f"{state_name(state)}.{method}"


def _root() -> str:
    from reflex.state import State

    return State.get_full_name()


def _internal(name: str) -> str:
    from reflex_base.constants import CompileVars

    return f"{_root()}.{getattr(CompileVars, name)}"


# --------------------------------------------------------------------------- predicates


def has_var(state: type | str, var: str, value: Any = ...,
            *, where: Callable[[Any], bool] | None = None) -> Until:
    """An update whose delta sets ``state.var`` (to ``value``, or to a value ``where`` accepts, if given)."""
    name, key = state_name(state), var + SUFFIX

    def check(update: Update) -> bool:
        values = (update.get("delta") or {}).get(name) or {}
        if key not in values:
            return False
        return (value is ... or values[key] == value) and (where is None or bool(where(values[key])))

    return check


def answered(state: type | str) -> Until:
    """A form's submit is answered: a redirect (accepted), or ``state.errors`` set to something (refused)."""
    return any_of(has_event("_redirect"), has_var(state, "errors", where=bool))


def has_state(state: type | str) -> Until:
    """An update carrying any delta of ``state``."""
    name = state_name(state)
    return lambda update: name in (update.get("delta") or {})


def has_delta() -> Until:
    """Any update carrying a delta: a handler's own answer when the tab waits for one event at a time
    (a tab's events run one after another, and each sends one delta of every state it made dirty).  A
    handler that changes nothing sends no update at all (the guard assigns only what changed): wait for
    the var it sets (``has_var``), or send an event that does right behind it."""
    return lambda update: bool(update.get("delta"))


def has_event(name: str = "_redirect") -> Until:
    """An update carrying the frontend event ``name`` (a redirect by default)."""
    return lambda update: any(e.get("name") == name for e in update.get("events") or [])


def any_of(*checks: Until) -> Until:
    return lambda update: any(c(update) for c in checks)


# --------------------------------------------------------------------------- the tab


@dataclass
class Reply:
    """What answered one call: the round trip and every update received while waiting."""

    seconds: float
    updates: list[Update] = field(default_factory=list)

    @property
    def redirects(self) -> list[str]:
        events = [e for u in self.updates for e in u.get("events") or []]
        return [str((e.get("payload") or {}).get("path", "")) for e in events if e.get("name") == "_redirect"]


@dataclass
class _Waiter:
    until: Until
    future: asyncio.Future
    updates: list[Update] = field(default_factory=list)


class Tab:
    """One browser tab: a client token, one websocket, its client storage, the page it is on."""

    def __init__(self, base_url: str, *, storage: dict[str, str] | None = None,
                 storage_vars: tuple[tuple[str, str], ...] | None = None, local_addr: str | None = None,
                 label: str = "", wait: float = WAIT):
        """``storage``: client storage sent with the hydrate ({"<state>.<var>_rx_state_": value});
        ``storage_vars``: (state full name, var) pairs the tab keeps when the server sets them
        (default: the app's session token, ``SessionState.token``); ``local_addr``: a loopback
        address to connect from (each address is one client IP to the server)."""
        self.base_url = base_url.rstrip("/")
        self.client_token = str(uuid.uuid4())
        self.storage = dict(storage or {})
        self.storage_vars = storage_vars if storage_vars is not None else _default_storage_vars()
        self.local_addr = local_addr
        self.label = label or self.client_token[:8]
        self.wait = wait
        self.path = "/"
        self.query: dict[str, str] = {}
        self.view: dict[str, dict[str, Any]] = {}
        self.frontend_events: list[dict] = []
        self.updates_received = 0
        self._waiters: list[_Waiter] = []
        self._sio = None
        self._http = None
        self.closed_by_server = False

    # ------------------------------------------------------------------ receiving

    def _on_update(self, update) -> None:
        if not isinstance(update, dict):
            return
        self.updates_received += 1
        for name, values in (update.get("delta") or {}).items():
            if isinstance(values, dict):
                self.view.setdefault(name, {}).update(values)
                for state, var in self.storage_vars:
                    if name == state and var + SUFFIX in values:
                        self.storage[f"{state}.{var}{SUFFIX}"] = values[var + SUFFIX]
        self.frontend_events.extend(update.get("events") or [])
        for waiter in list(self._waiters):
            if waiter.future.done():
                continue
            waiter.updates.append(update)
            try:
                matched = waiter.until(update)
            except Exception as exc:  # noqa: BLE001 - a broken predicate fails its call, not the tab
                waiter.future.set_exception(exc)
                continue
            if matched:
                waiter.future.set_result(time.perf_counter())

    def var(self, state: type | str, var: str, default: Any = None) -> Any:
        """The tab's current value of ``state.var`` (as the deltas received so far set it)."""
        return self.view.get(state_name(state), {}).get(var + SUFFIX, default)

    # ------------------------------------------------------------------ sending

    def router_data(self, path: str | None = None, query: dict | None = None) -> dict:
        path = self.path if path is None else path
        query = self.query if query is None else query
        as_path = path + (f"?{urlencode(query)}" if query else "")
        data: dict[str, Any] = {"pathname": path, "asPath": as_path}
        if query:
            data["query"] = dict(query)
        return data

    def _event(self, name: str, payload: Any = None) -> dict:
        payload = {} if payload is None else payload
        return {"name": name, "payload": payload, "router_data": self.router_data()}

    def _expect(self, until: Until) -> _Waiter:
        waiter = _Waiter(until, asyncio.get_running_loop().create_future())
        self._waiters.append(waiter)
        return waiter

    async def _answer(self, waiter: _Waiter, started: float, what: str) -> Reply:
        try:
            arrived = await asyncio.wait_for(asyncio.shield(waiter.future), self.wait)
        except TimeoutError:
            raise TimeoutError(f"tab {self.label}: no answer to {what} within {self.wait:.0f} s "
                               f"({len(waiter.updates)} other updates)") from None
        finally:
            self._waiters.remove(waiter)
        return Reply(arrived - started, waiter.updates)

    async def connect(self, path: str = "/", query: dict | None = None) -> Reply:
        """Open the socket with the hydrate event; answered when the page's on_load events have run."""
        import aiohttp
        import socketio

        await self.close()
        self.path, self.query = path, dict(query or {})
        connector = aiohttp.TCPConnector(local_addr=(self.local_addr, 0)) if self.local_addr else None
        self._http = aiohttp.ClientSession(connector=connector)
        self._sio = socketio.AsyncClient(reconnection=False, http_session=self._http)
        self._sio.on("event", self._on_update, namespace=NAMESPACE)
        self._sio.on("disconnect", self._on_disconnect, namespace=NAMESPACE)
        self.closed_by_server = False
        storage = {"vars": dict(self.storage)} if self.storage else {}
        boot = self._event(f"{_root()}.hydrate_and_load", storage)
        waiter = self._expect(has_var(_root(), "is_hydrated", True))
        started = time.perf_counter()
        try:
            await self._sio.connect(
                f"{self.base_url}?token={self.client_token}", namespaces=[NAMESPACE],
                socketio_path=SOCKETIO_PATH, transports=["websocket"], auth={"event": boot},
                wait_timeout=self.wait,
            )
        except BaseException:
            self._waiters.remove(waiter)
            raise
        return await self._answer(waiter, started, f"the hydrate of {path}")

    def _on_disconnect(self, *_args) -> None:
        self.closed_by_server = True

    async def send(self, name: str, payload: Any = None) -> None:
        """Emit one event without waiting for anything."""
        await self._sio.emit("event", self._event(name, payload), namespace=NAMESPACE)

    async def call(self, name: str, payload: Any = None, *, until: Until | None = None) -> Reply:
        """Send one event and wait for the update that answers it (see the module's docstring)."""
        waiter = self._expect(until or has_delta())
        started = time.perf_counter()
        await self.send(name, payload)
        return await self._answer(waiter, started, name.rsplit(".", 1)[-1])

    async def navigate(self, path: str, query: dict | None = None) -> Reply:
        """A client-side route change to ``path``: answered when the new page's on_load events have run."""
        self.path, self.query = path, dict(query or {})
        waiter = self._expect(has_var(_root(), "is_hydrated", True))
        started = time.perf_counter()
        if self.storage:
            await self.send(_internal("UPDATE_VARS_INTERNAL"), {"vars": dict(self.storage)})
        await self.send(_internal("ON_LOAD_INTERNAL"))
        return await self._answer(waiter, started, f"the on_load of {path}")

    async def follow(self, reply: Reply) -> Reply | None:
        """Go where the call's ``_redirect`` pointed (as the browser's router does); None without one."""
        if not reply.redirects:
            return None
        target = reply.redirects[-1]
        path, _, qs = target.partition("?")
        from urllib.parse import parse_qsl

        return await self.navigate(path, dict(parse_qsl(qs)))

    async def upload(self, name: str, filename: str, data: bytes,
                     content_type: str = "application/octet-stream", *, until: Until | None = None) -> Reply:
        """``POST /_upload`` of one file to the upload handler ``name``; answered by the handler's delta
        (``until``; default: any delta of the handler's state after the request returned 200)."""
        import aiohttp

        waiter = self._expect(until or has_state(name.rsplit(".", 1)[0]))
        form = aiohttp.FormData()
        form.add_field("files", data, filename=filename, content_type=content_type)
        started = time.perf_counter()
        try:
            async with self._http.post(
                f"{self.base_url}/_upload", data=form,
                headers={"Reflex-Client-Token": self.client_token, "Reflex-Event-Handler": name},
            ) as resp:
                body = await resp.read()
                if resp.status not in (200, 202):  # 202: a streaming handler took the file
                    raise RuntimeError(
                        f"tab {self.label}: upload to {name} answered {resp.status}: {body[:200]!r}")
        except BaseException:
            self._waiters.remove(waiter)
            raise
        return await self._answer(waiter, started, f"the upload to {name.rsplit('.', 1)[-1]}")

    async def close(self) -> None:
        if self._sio is not None:
            try:
                await self._sio.disconnect()
            except Exception:  # noqa: BLE001 - already gone
                pass
            self._sio = None
        if self._http is not None:
            await self._http.close()
            self._http = None

    @property
    def connected(self) -> bool:
        return self._sio is not None and self._sio.connected and not self.closed_by_server


def _default_storage_vars() -> tuple[tuple[str, str], ...]:
    from rxapp.state.session import SessionState

    return ((SessionState.get_full_name(), "token"),)


def session_storage(session_token: str) -> dict[str, str]:
    """The client storage of a tab signed in with ``session_token`` (``mc_session`` in LocalStorage)."""
    from rxapp.state.session import SessionState

    return {f"{SessionState.get_full_name()}.token{SUFFIX}": session_token}


# --------------------------------------------------------------------------- many tabs


async def gather_limited(coros, limit: int) -> list:
    """Run the coroutines with at most ``limit`` at once; results (or exceptions) in order."""
    gate = asyncio.Semaphore(limit)

    async def one(coro):
        async with gate:
            return await coro

    return await asyncio.gather(*(one(c) for c in coros), return_exceptions=True)


def percentile(samples: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of the samples, nearest rank."""
    import math

    s = sorted(samples)
    return s[min(len(s) - 1, max(0, math.ceil(q * len(s)) - 1))]


# --------------------------------------------------------------------------- profiling the server


class Profiler:
    """``MEMBER_CENTER_BENCH_PROFILE=FOLDER``: py-spy records the backend (and its workers) during each case,
    as collapsed stacks (``FOLDER/<case>.txt``, one "frame;frame;… count" line per stack)."""

    def __init__(self, pid: int | None):
        self.folder = os.environ.get("MEMBER_CENTER_BENCH_PROFILE", "")
        self.pid = pid
        self.proc = None

    async def start(self, case: str) -> None:
        if not self.folder or self.pid is None:
            return
        spy = Path(sys.executable).parent / "py-spy"
        Path(self.folder).mkdir(parents=True, exist_ok=True)
        out = Path(self.folder) / ("".join(ch if ch.isalnum() else "_" for ch in case) + ".txt")
        self.proc = await asyncio.create_subprocess_exec(
            str(spy), "record", "--pid", str(self.pid), "--subprocesses", "--format", "raw", "--rate", "200",
            "--output", str(out), stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        await asyncio.sleep(1.0)  # py-spy attaches

    async def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGINT)  # py-spy writes its file and exits
            await self.proc.wait()
            self.proc = None


# --------------------------------------------------------------------------- captchas


def captcha_answer(question: str) -> str:
    """The answer to a question such as "24 + 2 =", worked out as a person (or a script) would."""
    import re

    match = re.fullmatch(r"\s*(\d+)\s*([+-])\s*(\d+)\s*=\s*", question or "")
    if not match:
        raise ValueError(f"not a captcha question: {question!r}")
    a, op, b = int(match[1]), match[2], int(match[3])
    return str(a + b if op == "+" else a - b)


def captcha_fields(tab: Tab, state: type | str) -> dict[str, str]:
    """The captcha part of a form for the question ``state`` shows: the answer and the solved proof of work
    (what the page's script computes while the person types; ``tests.factories.captcha_proof``)."""
    from tests.factories.captcha_proof import solve

    return {"captcha": captcha_answer(tab.var(state, "captcha_question", "")),
            "captcha_proof": solve(tab.var(state, "captcha_pow", ""))}


_solvers = None


def solver_pool():
    """Processes that solve proofs of work: SHA-256 over a few bytes holds the GIL, and a thread of this
    process would stall every tab's event loop while it hashes (a browser solves in its own worker)."""
    global _solvers
    if _solvers is None:
        from concurrent.futures import ProcessPoolExecutor

        _solvers = ProcessPoolExecutor(2)
    return _solvers


async def solved_captcha(tab: Tab, state: type | str) -> dict[str, str]:
    """``captcha_fields``, the proof of work solved in ``solver_pool`` (the tab's loop keeps running)."""
    from tests.factories.captcha_proof import solve

    puzzle = tab.var(state, "captcha_pow", "")
    proof = await asyncio.get_running_loop().run_in_executor(solver_pool(), solve, puzzle)
    return {"captcha": captcha_answer(tab.var(state, "captcha_question", "")), "captcha_proof": proof}
