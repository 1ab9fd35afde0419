"""State tests: the app's states driven through Reflex's real event processing.

No browser and no server: each test gets a ``Driver`` that runs Reflex's own
``BaseStateEventProcessor`` (the one the app runs behind its websocket) over
an in-memory state manager, with the app's registered handlers, on a
migrated, demo-seeded SQLite database of this test session.  A ``Client`` is
one browser tab: it sends events by handler (``await c.call(State.handler,
arg=…)``) with the router data a real browser would carry, and records what
the server sends back (deltas, frontend events) and any handler exception.

Signing in goes through the real log-in handler or a real session token made
by ``services.sessions.create`` - never by poking a state's fields.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import itertools
import os
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

_counter = itertools.count(1)


@pytest.fixture(scope="session")
def app_db(tmp_path_factory) -> Path:
    """One migrated, demo-seeded database for the state tests of this session."""
    from rxapp import db, settings
    from rxapp.services import demo_seed

    from tests import distributed

    data_dir = tmp_path_factory.mktemp("state-data")
    os.environ["RXAPP_DATA_DIR"] = str(data_dir)
    os.environ["RXAPP_DEMO"] = "1"
    for name in ("DATABASE_URL", "REDIS_URL", "SMTP_URL"):
        os.environ.pop(name, None)
    if distributed.ACTIVE:
        # PostgreSQL for the data; Reflex's Redis state manager for the tabs (``Driver``).
        os.environ["DATABASE_URL"] = distributed.new_database(tag="state")
        if distributed.REDIS_URL and os.environ.get("RXAPP_TEST_STATE_REDIS", "1") != "0":
            os.environ["STATE_TESTS_REDIS_URL"] = distributed.claim_redis_db()
    settings.reset()
    db.dispose_all()
    db.migrate()
    with db.session_scope() as s:
        demo_seed.seed(session=s)
    yield data_dir
    if os.environ.get("STATE_TESTS_REDIS_URL"):
        distributed.release_redis_db(os.environ.pop("STATE_TESTS_REDIS_URL"))
        db.dispose_all()


@pytest.fixture(scope="session")
def rx_app(app_db):
    """The app module's ``rx.App`` (its states and handlers registered)."""
    import rxapp.rxapp as app_module

    return app_module.app


@dataclass
class Result:
    """What the server sent to one client while one event (and its chain) ran."""

    deltas: list[Mapping[str, Any]] = field(default_factory=list)
    events: list[Any] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)

    @property
    def redirects(self) -> list[str]:
        out = []
        for ev in self.events:
            if getattr(ev, "name", "") == "_redirect":
                out.append(str(ev.payload.get("path", "")))
        return out

    def merged(self) -> dict[str, dict[str, Any]]:
        """Every delta folded together: {state name: {var: last value}}."""
        out: dict[str, dict[str, Any]] = {}
        for delta in self.deltas:
            for state_name, values in delta.items():
                out.setdefault(state_name, {}).update(values)
        return out


class _Namespace:
    """Stands in for the Socket.IO namespace: records what would reach the browser."""

    def __init__(self, driver: Driver):
        self.driver = driver

    async def emit_update(self, update, token: str) -> None:
        result = self.driver._results.get(token)
        if result is None:
            return
        if update.delta:
            result.deltas.append(update.delta)
        result.events.extend(update.events or [])


class Driver:
    """Reflex's event processor over a fresh in-memory state manager (Redis in the distributed pass)."""

    def __init__(self, app):
        from reflex.istate.manager.memory import StateManagerMemory
        from reflex_base.event.processor import BaseStateEventProcessor

        self.app = app
        # One event loop and one contextvars context for every step of the test,
        # so what the processor sets at start it can reset at stop.
        self.runner = asyncio.Runner()
        self.context = contextvars.copy_context()
        self._results: dict[str, Result] = {}
        redis_url = os.environ.get("STATE_TESTS_REDIS_URL")
        if redis_url:
            import redis.asyncio as aioredis
            from reflex.istate.manager.redis import StateManagerRedis

            self.state_manager = StateManagerRedis(redis=aioredis.Redis.from_url(redis_url))
        else:
            self.state_manager = StateManagerMemory()
        self.processor = BaseStateEventProcessor(
            middleware=app, backend_exception_handler=self._on_error
        )
        self.processor.configure(state_manager=self.state_manager, event_namespace=_Namespace(self))
        self._contexts = self.context.run(app.set_contexts)
        self.context.run(self._contexts.__enter__)
        self.run(self.processor.start())
        self._current: str | None = None

    def _on_error(self, ex: Exception):
        if self._current is not None and self._current in self._results:
            self._results[self._current].errors.append(ex)
        return None

    def run(self, coro):
        return self.runner.run(coro, context=self.context)

    def close(self) -> None:
        from rxapp.state import offload

        try:
            self.run(self.processor.stop())
            # Stopping cancels the handlers, not the CPU-pool jobs they awaited (an invoice's OCR goes on
            # and writes its reading): the next test starts when they are done.
            assert offload.drain(), "a CPU-pool job still runs after 300 s"
            self.run(self.state_manager.close())
        finally:
            self.context.run(self._contexts.__exit__, None, None, None)
            self.runner.close()

    def holds_state(self, token: str) -> bool:
        """Whether the state manager keeps anything for the tab ``token`` (in memory, or keys in Redis)."""
        states = getattr(self.state_manager, "states", None)
        if states is not None:
            return token in states

        async def any_key() -> bool:
            async for _ in self.state_manager.redis.scan_iter(match=f"{token}*", count=1000):
                return True
            return False

        return self.run(any_key())

    def client(self, **kwargs) -> Client:
        return Client(self, **kwargs)


class Client:
    """One browser tab: its own client token, address, user agent and page."""

    def __init__(self, driver: Driver, *, ip: str | None = None, user_agent: str | None = None,
                 path: str = "/", accept_language: str = "en-US,en;q=0.9"):
        self.driver = driver
        self.token = str(uuid.uuid4())
        self.ip = ip or f"198.51.100.{next(_counter) % 250 + 1}"
        self.user_agent = user_agent or (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
        )
        self.path = path
        self.accept_language = accept_language
        self.sid = secrets.token_hex(8)
        self.storage: dict[str, str] = {}
        self.opened = False

    def _router_data(self, path: str, query: dict | None) -> dict:
        return {
            "pathname": path,
            "query": dict(query or {}),
            # The browser's address, query included (``router.url.query_parameters`` reads it).
            "asPath": path + ("?" + urlencode(query) if query else ""),
            "token": self.token,
            "sid": self.sid,
            "ip": self.ip,
            "headers": {
                "host": "testserver",
                "origin": "http://testserver",
                "user-agent": self.user_agent,
                "user_agent": self.user_agent,
                "accept-language": self.accept_language,
                "accept_language": self.accept_language,
                "cookie": "",
            },
        }

    def call(self, handler, *, path: str | None = None, query: dict | None = None, timeout: float = 30,
             **payload) -> Result:
        """Send one event for ``handler`` (an ``EventHandler`` such as ``LoginState.submit``)
        with ``payload`` as the browser would, and wait until it and its chain are done."""
        return self.driver.run(self.acall(handler, path=path, query=query, timeout=timeout, **payload))

    async def acall(self, handler, *, path=None, query=None, timeout: float = 30, **payload) -> Result:
        from reflex.event import Event
        from reflex_base.utils.format import format_event_handler

        name = handler if isinstance(handler, str) else format_event_handler(handler)
        if path is not None:
            self.path = path
        if not self.opened and not name.endswith(".hydrate_and_load"):
            # A browser connects (hydrate_and_load) before it sends anything else.
            self.opened = True
            await self.acall(_hydrate_and_load(), vars=dict(self.storage))
        event = Event(name=name, payload=dict(payload), router_data=self._router_data(self.path, query))
        result = Result()
        driver = self.driver
        driver._results[self.token] = result
        driver._current = self.token
        try:
            future = await driver.processor.enqueue(self.token, event)
            try:
                await asyncio.wait_for(asyncio.shield(future), timeout=timeout)
            except asyncio.CancelledError:
                pass
            except Exception as ex:  # noqa: BLE001 - recorded like the exception handler would
                if not result.errors or result.errors[-1] is not ex:
                    result.errors.append(ex)
            await driver.processor.join(timeout)
            # Background tasks and chained events run on after the queue drains.
            for _ in range(200):
                if not driver.processor._tasks:
                    break
                await asyncio.sleep(0.01)
            await driver.processor.join(timeout)
        finally:
            driver._current = None
        return result

    def get(self, state_cls):
        """This client's instance of ``state_cls`` (for reading, after events ran)."""
        return self.driver.run(self._get(state_cls))

    async def _get(self, state_cls):
        from reflex.istate.manager.token import BaseStateToken

        root = await self.driver.state_manager.get_state(BaseStateToken(ident=self.token, cls=state_cls))
        return await root.get_state(state_cls)

    def frontend_vars(self) -> dict[str, dict[str, Any]]:
        """Every var of every state of this client that the browser may see (no leading "_")."""
        return self.driver.run(self._frontend_vars())

    async def _frontend_vars(self) -> dict[str, dict[str, Any]]:
        from reflex.istate.manager.token import BaseStateToken
        from reflex.state import State

        root = await self.driver.state_manager.get_state(BaseStateToken(ident=self.token, cls=State))
        # Load every substate, then take the dict the browser is sent on hydration:
        # {full state name: {var: value}}, backend-only ("_") vars left out by Reflex.
        await _load_all(root, State)
        return dict(root.dict())

    # ------------------------------------------------------------ conveniences

    def log_in(self, email: str, password: str) -> Result:
        from rxapp.state.auth import LoginState

        self.call(LoginState.load, path="/login")
        result = self.call(LoginState.submit, path="/login", form={"email": email, "password": password})
        # Customers land on the overview, reviewers and admins on the queue (services.landing).
        assert any(p in " ".join(result.redirects) for p in ("/account", "/admin")), (
            result.redirects, result.errors, self.get(LoginState).errors)
        return result

    def _store_token(self, token: str) -> Result:
        """Put a session token into this tab's local storage, as a browser holding it would.

        Browser storage reaches the server the way the frontend sends it: with
        ``hydrate_and_load`` on (re)connect, and through ``update_vars_internal``
        when it changes.  (There is deliberately no ``set_token`` endpoint.)
        """
        from reflex.state import UpdateVarsInternalState

        from rxapp.state.session import SessionState

        self.storage[f"{SessionState.get_full_name()}.token"] = token
        if not self.opened:
            return Result()
        return self.call(UpdateVarsInternalState.update_vars_internal, vars=dict(self.storage))

    def open(self, path: str, query: dict | None = None) -> Result:
        """Load a page as the browser does on (re)connect: storage in, on_load handlers run."""
        from reflex.state import State

        self.opened = True
        return self.call(State.hydrate_and_load, path=path, query=query, vars=dict(self.storage))

    def upload(self, handler, filename: str, data: bytes, *, chunk_size: int = 64 * 1024,
               content_type: str = "application/octet-stream", timeout: float = 60) -> Result:
        """Stream a file to an upload handler the way Reflex's upload endpoint does."""
        return self.driver.run(self._upload(handler, filename, data, chunk_size, content_type, timeout))

    async def _upload(self, handler, filename, data, chunk_size, content_type, timeout) -> Result:
        from reflex.event import Event
        from reflex_base.utils.format import format_event_handler
        from reflex_components_core.core._upload import UploadChunk, UploadChunkIterator

        params = [p for p in inspect.signature(handler.fn).parameters][1:]
        chunks = UploadChunkIterator(maxsize=8)
        event = Event(name=format_event_handler(handler), payload={params[0]: chunks})
        result = Result()
        driver = self.driver
        driver._results[self.token] = result
        driver._current = self.token
        try:
            future = await driver.processor.enqueue(self.token, event)
            chunks.set_consumer_task(future)
            for offset in range(0, max(len(data), 1), chunk_size):
                piece = data[offset:offset + chunk_size]
                try:
                    await chunks.push(UploadChunk(filename=filename, offset=offset, content_type=content_type,
                                                  data=piece))
                except RuntimeError:
                    break  # the handler stopped reading (a refusal): the endpoint answers 400
            await chunks.finish()
            try:
                await asyncio.wait_for(asyncio.shield(future), timeout=timeout)
            except asyncio.CancelledError:
                pass
            except Exception as ex:  # noqa: BLE001
                result.errors.append(ex)
            await driver.processor.join(timeout)
        finally:
            driver._current = None
        return result


def _hydrate_and_load():
    from reflex.state import State

    return State.hydrate_and_load


async def _load_all(root, state_cls) -> None:
    await root.get_state(state_cls)
    for sub in state_cls.get_substates():
        await _load_all(root, sub)


@pytest.fixture()
def driver(rx_app):
    d = Driver(rx_app)
    yield d
    d.close()


@pytest.fixture()
def new_client(driver):
    return driver.client
