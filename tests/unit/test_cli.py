"""The operator's commands (`python -m rxapp.cli …`), run as a process on a fresh database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import select

from rxapp.models import EmailMessage, EmailStatus, SerialRecord
from rxapp.services import catalog

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(tmp_path):
    environment = {**os.environ, "RXAPP_DATA_DIR": str(tmp_path / "data"), "RXAPP_DEMO": "0",
                   "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    environment.pop("REDIS_URL", None)
    assert cli(environment, "migrate").returncode == 0
    return environment


def cli(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rxapp.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=180)


def _session(env):
    from rxapp import db

    return db.session_scope(env["DATABASE_URL"])


def _with_catalog(env) -> None:
    with _session(env) as s:
        catalog.ensure_catalog(session=s)


def test_load_serials_imports_a_good_list(env, tmp_path):
    _with_catalog(env)
    units = catalog.generate_serials(model="Optix MAG27CQ", count=3, seed=5)
    path = tmp_path / "serials.csv"
    path.write_text("serial,chk,model\n" + "".join(f"{s},{c},Optix MAG27CQ\n" for s, c in units))
    done = cli(env, "load-serials", str(path))
    assert done.returncode == 0, done.stderr
    assert "imported 3 serial numbers" in done.stdout
    with _session(env) as s:
        assert {r.serial for r in s.exec(select(SerialRecord)).all()} == {u[0] for u in units}


def test_load_serials_is_all_or_nothing_with_line_by_line_errors(env, tmp_path):
    _with_catalog(env)
    [(good, chk)] = catalog.generate_serials(model="Optix MAG27CQ", count=1, seed=6)
    path = tmp_path / "serials.csv"
    path.write_text(f"serial,chk,model\n{good},{chk},Optix MAG27CQ\n{good},12x,No Such Model\n")
    done = cli(env, "load-serials", str(path))
    assert done.returncode == 1
    assert f"{path}:3:" in done.stderr and "nothing was imported" in done.stderr
    assert "Traceback" not in done.stderr
    with _session(env) as s:
        assert s.exec(select(SerialRecord)).first() is None


def test_load_serials_refuses_an_unreadable_file_in_one_line(env, tmp_path):
    path = tmp_path / "serials.csv"
    path.write_bytes(b"\xff\xfe\x00binary")
    done = cli(env, "load-serials", str(path))
    assert done.returncode == 1 and "UTF-8" in done.stderr and "Traceback" not in done.stderr


def test_requeue_email_sends_a_failed_email_again_and_refuses_others(env):
    from rxapp.services import outbox

    with _session(env) as s:
        m = outbox.enqueue(session=s, to_email="anna@example.com", kind="welcome", subject="Hi",
                           body_text="t", body_html="<p>t</p>")
        m.status, m.attempts = EmailStatus.failed, 7
        s.flush()
        message_id = m.id
    done = cli(env, "requeue-email", str(message_id))
    assert done.returncode == 0, done.stderr
    with _session(env) as s:
        row = s.get(EmailMessage, message_id)
        assert (row.status, row.attempts) == (EmailStatus.pending, 0)
    again = cli(env, "requeue-email", str(message_id))
    assert again.returncode == 1 and "not failed" in again.stderr
    missing = cli(env, "requeue-email", "999999")
    assert missing.returncode == 1 and "does not exist" in missing.stderr
