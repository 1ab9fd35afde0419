"""The app's backend started the way production starts it, over a data folder of the test's.

``make run`` / ``make serve`` migrate (``python -m rxapp.cli migrate``) and then
``reflex run --env prod`` serves the backend as ``uvicorn --factory
rxapp.rxapp:app`` with ``REFLEX_SKIP_COMPILE``; its lifespan starts the live
poller, the mail sender and the sweeper.  ``ServedApp`` does exactly that in a
child process on a free port (no frontend build: the tests talk HTTP to the
backend), and stops it with SIGTERM (a graceful shutdown).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 180  # seconds: importing the app on a loaded machine


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_env(data: Path, **extra: str) -> dict[str, str]:
    """The environment of an app process whose database and private files live in ``data``."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "SMTP_URL", "PYTEST_CURRENT_TEST")}
    env.update(
        RXAPP_DATA_DIR=str(data),
        DATABASE_URL=f"sqlite:///{data / 'member_center.db'}",
        RXAPP_DEMO="1",
        REFLEX_UPLOADED_FILES_DIR=str(data.parent / "public_uploads"),
        PYTHONDONTWRITEBYTECODE="1",
        **extra,
    )
    return env


class ServedApp:
    """``with ServedApp(data, SMTP_URL=…) as app:`` the backend runs at ``app.url``."""

    def __init__(self, data: Path, **extra: str):
        self.data = data
        # Reflex reads this internal switch as "__REFLEX_SKIP_COMPILE" (what `reflex run --env prod` sets for its backend).
        self.env = app_env(data, **{"__REFLEX_SKIP_COMPILE": "true"}, **extra)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = data.parent / f"server-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def log_text(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def wait_for(self, what: str, check, timeout: float) -> None:
        """Poll ``check`` until true; fail (with the server's log) when the server stops or time runs out."""
        deadline = time.monotonic() + timeout
        while not check():
            if self.process is not None and self.process.poll() is not None:
                pytest.fail(f"the server stopped while waiting for {what}:\n{self.log_text()[-4000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"gave up waiting for {what}:\n{self.log_text()[-4000:]}")
            time.sleep(0.25)

    def __enter__(self) -> ServedApp:
        subprocess.run([sys.executable, "-m", "rxapp.cli", "migrate"], cwd=ROOT, env=self.env, check=True,
                       capture_output=True, timeout=300)
        with open(self.log, "w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "--factory", "rxapp.rxapp:app", "--host", "127.0.0.1",
                 "--port", str(self.port), "--log-level", "info"],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
            )
        try:
            # "Application startup complete" comes before the socket is bound; "Uvicorn running on" after it.
            self.wait_for("start-up", lambda: "Uvicorn running on" in self.log_text(), START_TIMEOUT)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __exit__(self, *exc) -> None:
        self.stop()
