"""Blocking work from a task that loops for the app's whole life (no Reflex import).

When a server stops without leaving its lifespan (a test's in-process app, a
worker killed mid-shutdown), the event loop's thread pool is shut down while
such a task still runs, and ``asyncio.to_thread`` refuses every round with
"cannot schedule new futures after shutdown".  A loop that retries each second
would then log that refusal forever (about 12,000 lines after one test run)
instead of ending.  ``in_thread`` turns the refusal into ``Stopping``, which
every such loop (the approval settler, the sweeper, the outbox sender, the live
poller) takes as the end.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class Stopping(Exception):
    """The event loop is ending (its thread pool is shut down): the calling loop returns."""


async def in_thread(fn: Callable[..., T], /, *args) -> T:
    """``fn(*args)`` in the loop's worker threads; raises ``Stopping`` once they are shut down."""
    try:
        return await asyncio.to_thread(fn, *args)
    except RuntimeError as exc:
        if "shutdown" in str(exc):
            raise Stopping from exc
        raise
