"""A hostile client of Reflex's event protocol: Socket.IO over a websocket at ``/_event``, no browser.

A ``Tab`` is what a browser tab is to the server: a client token, one websocket,
the tab's local storage (the session token lives there) and the page it is on.
It sends any event with any payload, as a script would, and collects every
``StateUpdate`` (``delta`` and ``events``) the server sends back.

When is a call over?  Reflex 0.10 sends no "final" update any more
(``StateUpdate.final`` is deprecated and unused since 0.9), and a marker event
sent after the call is not reliable: an event the handler chains (a page's
on_load handlers, a backend event it returns) is queued *behind* the marker.
So a call here is over when

1. the server acknowledged the Socket.IO packet (the event is in the event
   processor's queue: Reflex's ``on_event`` runs inline and only enqueues),
2. the event processor holds nothing more for this tab: no queued event, no
   queued chained event, no running task (handler, background task or the
   exception handler) for its token - read on the server's own event loop, and
3. a ping sent after that has come back as a pong: everything the server
   emitted to this socket before it has been received.

The backend runs in this process (``AppHarnessProd``), so 2 reads the same
event processor that serves the websocket; nothing else is taken from the
server's memory.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import socketio

EVENT = "event"
NAMESPACE = "/_event"  # Reflex serves Socket.IO at /_event, in the namespace /_event


@dataclass
class Response:
    """Everything the server sent one tab while one call (and whatever it chained) ran."""

    deltas: list[dict[str, dict[str, Any]]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    dropped: bool = False  # the server closed the socket (e.g. a frame over its size limit)

    @property
    def redirects(self) -> list[str]:
        return [str((ev.get("payload") or {}).get("path", "")) for ev in self.events if ev.get("name") == "_redirect"]

    def merged(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for delta in self.deltas:
            for state_name, values in delta.items():
                out.setdefault(state_name, {}).update(values)
        return out

    def var(self, state_name: str, var: str, default: Any = None) -> Any:
        return self.merged().get(state_name, {}).get(var, default)


class Server:
    """The app under test as a hostile client sees it, plus the one server-side fact: is a tab idle."""

    def __init__(self, backend_url: str, origin: str, app_instance):
        self.backend_url = backend_url.rstrip("/")
        self.origin = origin.rstrip("/")
        self.app_instance = app_instance

    def _processor(self):
        return self.app_instance.event_processor

    async def busy(self, token: str) -> bool:
        """Whether the event processor still holds anything for ``token`` (read on its own loop)."""
        processor = self._processor()
        queue = processor._queue
        loop = processor._queue_task.get_loop() if processor._queue_task is not None else None

        async def probe() -> bool:
            if queue is not None and queue._unfinished_tasks:  # noqa: SLF001 - not yet routed to a tab
                return True
            if processor._token_queues.get(token):
                return True
            return any(f"|{token}|" in task.get_name() for task in list(processor._tasks.values()))

        if loop is None:
            return False
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(probe(), loop))


class Tab:
    """One browser tab, as a script plays it."""

    def __init__(self, server: Server, *, local_addr: str, state_names: dict[str, str], label: str):
        """``state_names``: the full names of ``State``, ``SessionState`` and ``UpdateVarsInternalState``."""
        self.server = server
        self.local_addr = local_addr  # each role comes from its own loopback address (own throttling budget)
        self.names = state_names  # {"SessionState": full state name, ...}
        self.label = label
        self.token = str(uuid.uuid4())
        self.storage: dict[str, str] = {}
        self.path = "/"
        self.query: dict[str, str] = {}
        self._sio: socketio.AsyncClient | None = None
        self._http: aiohttp.ClientSession | None = None
        self._inbox: list[dict[str, Any]] = []
        self._pongs = 0
        self._closed_by_server = False

    # ------------------------------------------------------------------ connection

    async def connect(self, path: str = "/", query: dict | None = None) -> Response:
        """Open the websocket the way the frontend does: the token in the URL, the hydrate event in CONNECT."""
        await self.close()
        self.path, self.query = path, dict(query or {})
        self._http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(self.local_addr, 0)))
        sio = socketio.AsyncClient(reconnection=False, http_session=self._http)
        self._closed_by_server = False

        @sio.on(EVENT, namespace=NAMESPACE)
        async def _on_update(update):
            self._inbox.append(update)

        @sio.on("ping", namespace=NAMESPACE)  # the server answers a "ping" with a "ping" carrying "pong"
        async def _on_pong(_data=None):
            self._pongs += 1

        @sio.on("disconnect", namespace=NAMESPACE)
        async def _on_disconnect(*_args):
            self._closed_by_server = True

        self._sio = sio
        self._inbox = []
        await sio.connect(
            f"{self.server.backend_url}?token={self.token}",
            socketio_path="/_event",
            namespaces=[NAMESPACE],
            transports=["websocket"],
            headers={"Origin": self.server.origin, "User-Agent": f"attacker-suite/{self.label}"},
            auth={"event": self._event(f"{self.names['State']}.hydrate_and_load", {"vars": dict(self.storage)})},
            wait_timeout=30,
        )
        return await self._finish()

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
        return self._sio is not None and self._sio.connected and not self._closed_by_server

    # ------------------------------------------------------------------ events

    def _event(self, name: str, payload: Any, path: str | None = None, query: dict | None = None) -> dict:
        path = self.path if path is None else path
        query = self.query if query is None else query
        router_data: dict[str, Any] = {"pathname": path, "asPath": path}
        if query:
            router_data["query"] = dict(query)
        return {"name": name, "payload": payload, "router_data": router_data}

    async def call(self, name: str, payload: Any = None, *, path: str | None = None,
                   query: dict | None = None) -> Response:
        """Send one event (its full name, e.g. ``reflex___state____state.….submit``) and read all it caused."""
        if path is not None:
            self.path = path
        if query is not None:
            self.query = dict(query)
        if not self.connected:
            await self.connect(self.path, self.query)
        self._inbox = []
        if not await self._send(self._event(name, {} if payload is None else payload)):
            response = Response(deltas=[u.get("delta") or {} for u in self._inbox],
                                events=[e for u in self._inbox for e in (u.get("events") or [])], dropped=True)
            await self.connect(self.path, self.query)
            return response
        return await self._finish()

    async def _send(self, event: dict, timeout: float = 30) -> bool:
        """Emit ``event`` and wait for the server's acknowledgement; False if the socket closed first."""
        acked = asyncio.get_running_loop().create_future()

        def on_ack(*_args):
            if not acked.done():
                acked.set_result(True)

        await self._sio.emit(EVENT, event, namespace=NAMESPACE, callback=on_ack)
        deadline = time.monotonic() + timeout
        while not acked.done():
            if not self.connected:
                return False
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.label}: the server never acknowledged {event['name']}")
            await asyncio.wait([acked], timeout=0.05)
        return True

    async def _finish(self) -> Response:
        deadline = time.monotonic() + 60
        while await self.server.busy(self.token):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.label}: the server stayed busy for this tab")
            await asyncio.sleep(0.005)
        dropped = not self.connected
        if not dropped:
            want = self._pongs + 1
            await self._sio.emit("ping", namespace=NAMESPACE)
            while self._pongs < want and self.connected:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{self.label}: no pong")
                await asyncio.sleep(0.002)
        inbox, self._inbox = self._inbox, []
        for update in inbox:
            self._remember_storage(update.get("delta") or {})
        return Response(
            deltas=[u.get("delta") or {} for u in inbox],
            events=[e for u in inbox for e in (u.get("events") or [])],
            dropped=dropped or not self.connected,
        )

    def _remember_storage(self, delta: dict) -> None:
        """Keep the session token the server writes into local storage, as the browser does."""
        session = delta.get(self.names["SessionState"], {})
        for key, value in session.items():
            if key.split("_rx_state_")[0] == "token":
                self.storage[f"{self.names['SessionState']}.token"] = value

    async def store_token(self, token: str) -> Response:
        """Put a session token into the tab's local storage; the frontend syncs it with update_vars_internal."""
        key = f"{self.names['SessionState']}.token"
        self.storage[key] = token
        return await self.call(f"{self.names['UpdateVarsInternalState']}.update_vars_internal",
                               {"vars": {key: token}})
