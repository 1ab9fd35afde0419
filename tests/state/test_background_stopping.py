"""The app's lifelong tasks end when the event loop's thread pool is shut down under them.

A server that stops without leaving its lifespan (the tests' in-process app) shuts the loop's thread
pool down while the tasks still run.  Each used to retry every second and log "cannot schedule new
futures after shutdown" for ever (about 12,000 lines after a test run); now each returns at once.
"""

from __future__ import annotations

import asyncio

import pytest

from rxapp.blocking import Stopping, in_thread
from rxapp.services import mail_sender
from rxapp.state import background, live


async def _pool_shut_down() -> None:
    await in_thread(lambda: None)  # the default pool exists
    await asyncio.get_running_loop().shutdown_default_executor()


def test_in_thread_runs_the_function_then_says_stopping_once_the_pool_is_shut_down():
    async def scenario():
        assert await in_thread(lambda a, b: a + b, 2, 3) == 5
        await _pool_shut_down()
        with pytest.raises(Stopping):
            await in_thread(lambda: None)

    asyncio.run(scenario())


def test_an_error_of_the_function_itself_is_not_taken_for_stopping():
    def fails():
        raise RuntimeError("the database is locked")

    async def scenario():
        with pytest.raises(RuntimeError, match="locked"):
            await in_thread(fails)

    asyncio.run(scenario())


class _App:
    """What the live poller needs of an app before it has a change to push: nothing."""


@pytest.mark.parametrize("task", [
    background.run_approval_settler,
    background.run_sweeper,
    lambda stop: mail_sender.Sender(smtp_url="smtp://127.0.0.1:1", interval=0.05).run_forever(stop),
    lambda stop: live.poll_forever(_App()),
], ids=["approval settler", "sweeper", "outbox sender", "live poller"])
def test_each_lifelong_task_returns_once_the_pool_is_shut_down(task, caplog):
    async def scenario():
        await _pool_shut_down()
        stop = asyncio.Event()  # never set: only the shut-down pool ends the task
        await asyncio.wait_for(task(stop), timeout=10)

    asyncio.run(scenario())
    assert "cannot schedule new futures" not in caplog.text
