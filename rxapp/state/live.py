"""Live updates: a decision shows up in every open Redeem History without a reload.

Each worker keeps, in memory, which of *its* connected tabs (Reflex client
tokens) watch which customer's claims (registered by the pages' on_load after
the session check).  One poller per worker reads the shared change feed
(``services.changefeed``: the claims' audit rows, in the shared database) a
few times a second — one query per worker, not per browser — and pushes fresh
rows into the watching tabs' states with ``app.modify_state``.  A decision
made on another worker or host reaches the database first, so every worker's
poller sees it; each pushes only to the tabs connected to it.
"""

from __future__ import annotations

import asyncio
import logging
import time

import reflex as rx

from rxapp.db import session_scope
from rxapp.services import changefeed

log = logging.getLogger(__name__)

POLL_SECONDS = 0.25
WATCH_TTL_SECONDS = 6 * 3600
MAX_TABS_PER_USER = 20

# user id -> {client token -> {state class: last registered (monotonic seconds)}}
_watchers: dict[int, dict[str, dict[type, float]]] = {}


def watch(user_id: int, client_token: str, state_cls: type) -> None:
    """Register a tab (after its session check) as watching ``user_id``'s claims."""
    if not client_token:
        return
    tabs = _watchers.setdefault(user_id, {})
    tabs.setdefault(client_token, {})[state_cls] = time.monotonic()
    if len(tabs) > MAX_TABS_PER_USER:
        oldest = min(tabs, key=lambda t: max(tabs[t].values()))
        tabs.pop(oldest, None)


def watching(user_id: int) -> list[tuple[str, type]]:
    """The live (token, state class) pairs for a user; stale ones are dropped."""
    now = time.monotonic()
    tabs = _watchers.get(user_id, {})
    out = []
    for token in list(tabs):
        classes = tabs[token]
        for cls in list(classes):
            if now - classes[cls] > WATCH_TTL_SECONDS:
                classes.pop(cls)
            else:
                out.append((token, cls))
        if not classes:
            tabs.pop(token)
    if not tabs:
        _watchers.pop(user_id, None)
    return out


def watcher_count() -> int:
    return sum(len(c) for tabs in _watchers.values() for c in tabs.values())


def _latest() -> int:
    with session_scope() as s:
        return changefeed.latest_event_id(session=s)


def _changes(after: int) -> list[changefeed.Change]:
    with session_scope() as s:
        return changefeed.changes_since(session=s, after_id=after)


async def push_to_user(app: rx.App, user_id: int) -> int:
    """Refresh every watching tab of ``user_id``; returns how many were updated."""
    pushed = 0
    for token, cls in watching(user_id):
        try:
            async with app.modify_state(rx.BaseStateToken(ident=token, cls=cls)) as root:
                state = await root.get_state(cls)
                await state._live_refresh(user_id)
            pushed += 1
        except Exception:  # noqa: BLE001 - a gone tab must not stop the others
            log.exception("live update failed for a tab; forgetting it")
            _watchers.get(user_id, {}).pop(token, None)
    return pushed


async def poll_forever(app: rx.App) -> None:
    """Lifespan task: follow the change feed and push to this worker's watching tabs."""
    last = None
    while True:
        try:
            if last is None:
                last = await asyncio.to_thread(_latest)
            await asyncio.sleep(POLL_SECONDS)
            if not _watchers:
                # Nobody watches on this worker: skip ahead without reading rows.
                last = await asyncio.to_thread(_latest)
                continue
            changes = await asyncio.to_thread(_changes, last)
            if not changes:
                continue
            last = changes[-1].event_id
            users = dict.fromkeys(c.user_id for c in changes)
            await asyncio.gather(*(push_to_user(app, uid) for uid in users if uid in _watchers))
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - keep following the feed after a database hiccup
            log.exception("live poller error; retrying")
            await asyncio.sleep(1)
