"""Live updates: a decision shows up in every open Redeem History without a reload.

Each worker keeps, in memory, which of *its* connected tabs (Reflex client
tokens) watch which customer's claims (registered by the pages' on_load after
the session check).  One follower per worker reads the shared change feed
(``services.changefeed``: the claims' audit rows, in the shared database) —
one query per worker, not per browser — and pushes fresh rows into the
watching tabs' states with ``app.modify_state``.

It reads the feed when woken (``feedwake``: at once after a commit on this
worker, and through PostgreSQL ``LISTEN/NOTIFY`` or Redis pub/sub after a
commit on any other worker or host), and otherwise on a fallback cadence:
``POLL_SECONDS`` while no cross-worker signal is connected (plain SQLite),
``QUIET_POLL_SECONDS`` while one is.  The feed stays the source of truth: a
lost signal only delays a change until the next read from the cursor.
"""

from __future__ import annotations

import asyncio
import logging
import time

import reflex as rx

from rxapp import feedwake
from rxapp.blocking import Stopping, in_thread
from rxapp.db import session_scope
from rxapp.services import changefeed

log = logging.getLogger(__name__)

POLL_SECONDS = 0.25
QUIET_POLL_SECONDS = 2.0
WATCH_TTL_SECONDS = 6 * 3600
MAX_TABS_PER_USER = 20
# Tabs refreshed at once by one poller round (see push_to_users).
PUSH_CONCURRENCY = 4

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


def forget(client_token: str) -> None:
    """The tab stops watching anyone's claims (it signed out, or another account signed in)."""
    for user_id in list(_watchers):
        tabs = _watchers[user_id]
        tabs.pop(client_token, None)
        if not tabs:
            _watchers.pop(user_id, None)


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


def _latest() -> int:
    with session_scope() as s:
        return changefeed.latest_event_id(session=s)


def _went_back(after: int) -> bool:
    with session_scope() as s:
        return changefeed.went_back(session=s, after_id=after)


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


async def push_to_users(app: rx.App, user_ids: list[int]) -> int:
    """Refresh the watching tabs of several users, in the given order, a few at a time.

    A tab's refresh reads the database synchronously on the event loop, and a
    delta leaves only when the socket's writer task gets a turn.  Gathering
    every push at once ran all the refreshes before any writer did, so every
    tab waited for the whole batch (200 decisions: the first customer waited
    as long as the last).  A few at a time, each delta is sent as soon as it
    is ready; the small overlap still hides Redis round trips.
    """
    gate = asyncio.Semaphore(PUSH_CONCURRENCY)

    async def one(user_id: int) -> int:
        async with gate:
            return await push_to_user(app, user_id)

    return sum(await asyncio.gather(*(one(uid) for uid in user_ids)))


async def poll_forever(app: rx.App) -> None:
    """Lifespan task: follow the change feed and push to this worker's watching tabs.

    Reads when woken (a commit here, or a signal from another worker) and on a
    fallback cadence, through a ``changefeed.FeedCursor`` so an event whose
    transaction commits after a newer one (PostgreSQL) is still delivered.
    Wake-ups that arrive while a round runs fold into one more round.
    """
    loop = asyncio.get_running_loop()
    woken = asyncio.Event()
    stop = asyncio.Event()
    signal = {"connected": False}

    def wake() -> None:  # any thread
        loop.call_soon_threadsafe(woken.set)

    def connected(up: bool) -> None:
        signal["connected"] = up

    remove = feedwake.add_waker(wake)
    listener = asyncio.create_task(feedwake.listen(wake, connected, stop))
    cursor = None
    try:
        while True:
            try:
                if cursor is None:
                    cursor = changefeed.FeedCursor(await in_thread(_latest))
                # A gap (an id committed out of order) is re-read at the fast cadence.
                quiet = signal["connected"] and not cursor.waiting
                try:
                    await asyncio.wait_for(woken.wait(), QUIET_POLL_SECONDS if quiet else POLL_SECONDS)
                except TimeoutError:
                    pass
                woken.clear()
                changes = cursor.take(await in_thread(_changes, cursor.after_id), time.monotonic())
                if not changes:
                    if await in_thread(_went_back, cursor.after_id):
                        log.warning("the change feed went back (data reset): following it from its start")
                        cursor = changefeed.FeedCursor(0)
                    continue
                if not _watchers:
                    continue
                users = [uid for uid in dict.fromkeys(c.user_id for c in changes) if uid in _watchers]
                await push_to_users(app, users)
            except asyncio.CancelledError:
                raise
            except Stopping:
                return
            except Exception:  # noqa: BLE001 - keep following the feed after a database hiccup
                log.exception("live poller error; retrying")
                await asyncio.sleep(1)
    finally:
        remove()
        stop.set()
        listener.cancel()
