"""Work that runs beside the app for its whole life: one function per task.

``register(app)`` adds each task as a Reflex lifespan task.  Each task is an
``async def run_…(stop: asyncio.Event)`` loop; ``_lifespan`` turns it into an
async context manager that starts it with the app and, on shutdown, sets
``stop`` and waits for it to finish its round (cancelling it only if it does
not).  With several workers every worker runs the tasks: the sender's lease
claim and the sweeper's plain deletes are safe to run side by side.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from rxapp import db
from rxapp.blocking import Stopping, in_thread
from rxapp.services import captcha, file_store, mail_sender, pending_approvals, sessions, throttle

log = logging.getLogger(__name__)

SWEEP_INTERVAL_SECONDS = 300.0
# The orphan sweep lists the whole private folder: at start-up, then every this many rounds (an hour).
ORPHAN_SWEEP_EVERY = 12
SETTLE_INTERVAL_SECONDS = 1.0
STOP_TIMEOUT_SECONDS = 4.0

Task = Callable[[asyncio.Event], Awaitable[None]]


# --------------------------------------------------------------------------- the tasks


async def run_mail_sender(stop: asyncio.Event) -> None:
    """Deliver the outbox over SMTP (returns at once when ``SMTP_URL`` is not set)."""
    await mail_sender.Sender().run_forever(stop)


# (name, function over a session): each runs in its own transaction, so one
# failing purge does not hold back the others.
SWEEPS: tuple[tuple[str, Callable], ...] = (
    ("expired uploads", file_store.sweep_expired),
    ("expired captchas", captcha.purge_expired),
    ("ended log-in sessions", sessions.purge_expired),
    ("old log-in attempts", throttle.purge_old),
)


def sweep_once() -> dict[str, int]:
    """One round of every sweep (blocking); returns how many rows each removed (-1: failed)."""
    done: dict[str, int] = {}
    for name, sweep in SWEEPS:
        try:
            with db.write_session() as s:
                done[name] = int(sweep(session=s) or 0)
        except Exception:  # noqa: BLE001 - a failed sweep is retried next round
            log.exception("sweep of %s failed", name)
            done[name] = -1
    return done


def sweep_orphans_once() -> int:
    """Remove the private files a crash left without a row, and stale upload spool files
    (``file_store.sweep_orphans``, which logs each); returns how many (-1: failed)."""
    try:
        # Reads rows only: a plain transaction, never SQLite's write lock while the folder is listed.
        with db.session_scope() as s:
            return file_store.sweep_orphans(session=s)
    except Exception:  # noqa: BLE001 - retried next time
        log.exception("sweep of orphaned files failed")
        return -1


async def run_sweeper(stop: asyncio.Event) -> None:
    """Sweep now (orphaned files included: the start-up sweep), then every
    ``SWEEP_INTERVAL_SECONDS`` until ``stop``; orphaned files again every ``ORPHAN_SWEEP_EVERY`` rounds."""
    rounds = 0
    while not stop.is_set():
        try:
            if rounds % ORPHAN_SWEEP_EVERY == 0:
                await in_thread(sweep_orphans_once)
            rounds += 1
            await in_thread(sweep_once)
        except Stopping:
            return
        with contextlib.suppress(asyncio.TimeoutError, TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=SWEEP_INTERVAL_SECONDS)


def settle_approvals_once() -> int:
    """Commit every approval whose undo window has ended (blocking), each in its own transaction.

    The reviewer's tab usually does it first; this catches a closed tab.  Returns how many it committed.
    """
    with db.session_scope() as s:
        claim_ids = pending_approvals.due(session=s)
    done = 0
    for claim_id in claim_ids:
        try:
            with db.write_session() as s:
                settled = pending_approvals.settle(session=s, claim_id=claim_id)
        except Exception:  # noqa: BLE001 - retried next round (the row is still there)
            log.exception("settling the approval of claim %s failed", claim_id)
            continue
        if settled is not None and settled.approved:
            done += 1
        elif settled is not None:
            log.info("approval of claim %s dropped: %s", claim_id, settled.problem)
    return done


async def run_approval_settler(stop: asyncio.Event) -> None:
    """Every ``SETTLE_INTERVAL_SECONDS``: commit the approvals whose undo window ended (closed tabs)."""
    while not stop.is_set():
        try:
            await in_thread(settle_approvals_once)
        except Stopping:
            return
        except Exception:  # noqa: BLE001 - a failing round is retried
            log.exception("approval settler round failed")
        with contextlib.suppress(asyncio.TimeoutError, TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=SETTLE_INTERVAL_SECONDS)


# --------------------------------------------------------------------------- wiring


def _report(running: asyncio.Task) -> None:
    """Log a task that ended with an error (instead of "exception was never retrieved")."""
    if not running.cancelled() and running.exception() is not None:
        log.error("background task %s stopped", running.get_name(), exc_info=running.exception())


def _lifespan(task: Task):
    """An async context manager running ``task`` from the app's start to its shutdown."""

    @contextlib.asynccontextmanager
    async def lifespan():
        stop = asyncio.Event()
        running = asyncio.create_task(task(stop), name=f"background|{task.__name__}")
        running.add_done_callback(_report)
        try:
            yield
        finally:
            stop.set()
            try:
                await asyncio.wait_for(asyncio.shield(running), timeout=STOP_TIMEOUT_SECONDS)
            except (asyncio.TimeoutError, TimeoutError):
                running.cancel()
            except Exception:  # noqa: BLE001 - already logged by _report; shutting down never raises
                pass

    lifespan.__name__ = task.__name__
    return lifespan


TASKS: tuple[Task, ...] = (run_mail_sender, run_sweeper, run_approval_settler)


def register(app) -> None:
    """Start every background task with the app (Reflex lifespan tasks)."""
    for task in TASKS:
        app.register_lifespan_task(_lifespan(task))
