"""Wake the live pollers the moment a claim change commits (no Reflex import).

The change feed (``services.changefeed``: the claims' audit rows) stays the
source of truth; this module only says *when* to read it.  A transaction that
adds a ``RedemptionEvent`` row announces itself on up to three paths:

* **this process**: after the commit, every waker registered here is called
  (a decision made on this worker reaches its tabs without waiting a poll);
* **PostgreSQL**: ``pg_notify`` inside the transaction, which the server
  delivers to every ``LISTEN``-ing worker on every host only if and when the
  transaction commits (never for a rolled-back one);
* **Redis** (when ``REDIS_URL`` is set and the database is not PostgreSQL, e.g.
  several workers over one SQLite file): a ``PUBLISH`` right after the commit.

A missed signal costs nothing but time: each poller still reads the feed on a
slow fallback cadence and always from its own cursor, so a restarted worker
or a dropped listener connection catches up with what it did not hear.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import object_session

from rxapp import settings
from rxapp.models import RedemptionEvent

log = logging.getLogger(__name__)

CHANNEL = "rxapp_claims"
_PENDING = "rxapp_claims_changed"

_wakers: list[Callable[[], None]] = []
_lock = threading.Lock()
_redis = None  # a sync client for PUBLISH, made on first use


def add_waker(callback: Callable[[], None]) -> Callable[[], None]:
    """Call ``callback`` (from any thread) after each commit that changed a claim; returns the undo."""
    with _lock:
        _wakers.append(callback)

    def remove() -> None:
        with _lock:
            if callback in _wakers:
                _wakers.remove(callback)

    return remove


@event.listens_for(RedemptionEvent, "after_insert")
def _event_row_inserted(_mapper, connection, target) -> None:
    session = object_session(target)
    if session is not None:
        session.info[_PENDING] = True
    if connection.dialect.name == "postgresql":
        # Delivered at COMMIT, to every listener, and dropped on rollback.
        connection.execute(sa.text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})


@event.listens_for(OrmSession, "after_commit")
def _after_commit(session) -> None:
    if not session.info.pop(_PENDING, False):
        return
    with _lock:
        wakers = list(_wakers)
    for wake in wakers:
        try:
            wake()
        except Exception:  # noqa: BLE001 - a gone listener must not fail a committed transaction
            log.exception("live wake-up callback failed")
    if session.get_bind().dialect.name != "postgresql":
        _publish_redis()


@event.listens_for(OrmSession, "after_rollback")
def _after_rollback(session) -> None:
    session.info.pop(_PENDING, None)


def _publish_redis() -> None:
    global _redis
    url = settings.get().redis_url
    if not url:
        return
    try:
        if _redis is None:
            import redis

            _redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        _redis.publish(CHANNEL, b"")
    except Exception:  # noqa: BLE001 - the pollers' fallback cadence still delivers
        log.warning("could not publish the live wake-up to Redis; pollers will catch up", exc_info=True)


def remote_source() -> str | None:
    """Which cross-worker signal this configuration listens to: "postgresql", "redis" or None."""
    cfg = settings.get()
    if not cfg.is_sqlite:
        return "postgresql"
    if cfg.redis_url:
        return "redis"
    return None


async def listen(wake: Callable[[], None], connected: Callable[[bool], None], stop: asyncio.Event) -> None:
    """Follow the configured cross-worker signal until ``stop``; ``wake()`` on each message.

    ``connected(True/False)`` tells the poller whether it may slow its fallback
    cadence.  Reconnects with a growing pause after any failure.
    """
    source = remote_source()
    if source is None:
        return
    pause = 0.5
    while not stop.is_set():
        try:
            if source == "postgresql":
                await _listen_postgres(wake, connected, stop)
            else:
                await _listen_redis(wake, connected, stop)
            pause = 0.5
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - keep trying; the poller covers the gap
            log.warning("live listener (%s) lost; retrying in %.1f s", source, pause, exc_info=True)
        connected(False)
        if stop.is_set():
            break
        try:
            await asyncio.wait_for(stop.wait(), timeout=pause)
        except TimeoutError:
            pass
        pause = min(pause * 2, 10.0)


def _libpq_url() -> str:
    url = sa.engine.make_url(settings.get().database_url)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


async def _listen_postgres(wake, connected, stop: asyncio.Event) -> None:
    import psycopg

    async with await psycopg.AsyncConnection.connect(_libpq_url(), autocommit=True) as conn:
        await conn.execute(f"LISTEN {CHANNEL}")
        connected(True)
        wake()  # anything committed while we were not listening
        while not stop.is_set():
            # Ends after a quiet second, so ``stop`` is looked at now and then.
            async for _ in conn.notifies(timeout=1.0):
                wake()


async def _listen_redis(wake, connected, stop: asyncio.Event) -> None:
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(settings.get().redis_url)
    pubsub = client.pubsub()
    try:
        await pubsub.subscribe(CHANNEL)
        connected(True)
        wake()
        while not stop.is_set():
            msg = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            if msg is not None:
                wake()
    finally:
        await pubsub.aclose()
        await client.aclose()
