"""CPU-bound service calls off the event loop: the one way handlers hash passwords or decode images.

One Reflex worker serves every connected tab from one event loop, so a
handler that spends 40 ms in argon2 holds up every other tab's event for
those 40 ms (and 40 log-ins at once for over a second).  ``run`` hands a
service call to a small pool of threads instead and awaits it: argon2-cffi
and Pillow release the GIL, so the loop keeps serving and both cores work.

The service call gets a database session of its own, opened, committed and
closed in the worker thread (``db.run``): no session crosses threads.  The
pool has one thread per core, so at most that many hashes (19 MiB each) or
image decodes are in memory at once; the rest wait in line without blocking
anybody.  Services stay plain synchronous functions.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import functools
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from rxapp import db

T = TypeVar("T")

WORKERS = max(2, os.cpu_count() or 2)
_pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="rxapp-cpu")
# Jobs handed to the pool and not finished yet.  A handler awaiting one may be cancelled (the tab
# closed, the worker stops) while its thread goes on and commits: ``drain`` waits for those.
_unfinished: set[concurrent.futures.Future] = set()
_unfinished_lock = threading.Lock()


def _submit(job: Callable[[], T]) -> concurrent.futures.Future:
    future = _pool.submit(job)
    with _unfinished_lock:
        _unfinished.add(future)
    future.add_done_callback(_finished)
    return future


def _finished(future: concurrent.futures.Future) -> None:
    with _unfinished_lock:
        _unfinished.discard(future)


def drain(timeout: float = 300) -> bool:
    """Block until every job handed to the pool has finished (the awaiting handler may be gone).

    For a clean stop: a worker shutting down, or a test that compares the tables after its
    handlers, must not have a thread still writing behind it.  True when nothing is left.
    """
    with _unfinished_lock:
        pending = list(_unfinished)
    concurrent.futures.wait(pending, timeout=timeout)
    with _unfinished_lock:
        return not _unfinished


async def call(fn: Callable[..., T], /, *args, **kwargs) -> T:
    """``fn(*args, **kwargs)`` on the CPU pool (the caller's context vars, e.g. the log's request id, go along).

    ``fn`` must not use a database session opened on the loop: open one inside it (or use ``run``).
    """
    job = functools.partial(contextvars.copy_context().run, fn, *args, **kwargs)
    return await asyncio.wrap_future(_submit(job))


def start(fn: Callable[..., object], /, *args, **kwargs) -> concurrent.futures.Future:
    """``fn(*args, **kwargs)`` on the CPU pool, not awaited: work the caller's answer need not wait for.

    ``fn`` handles its own failures (nobody is there to hear them); ``drain`` waits for it on a clean stop.
    """
    return _submit(functools.partial(contextvars.copy_context().run, fn, *args, **kwargs))


async def run(fn: Callable[..., T], /, **kwargs) -> T:
    """``db.run(fn, **kwargs)`` on the CPU pool: the service call in a transaction of its own, in that thread.

    Its exceptions (``FieldErrors``, ``Locked``, …) reach the caller as they would from ``db.run``.
    """
    return await call(db.run, fn, **kwargs)
