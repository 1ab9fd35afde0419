"""Configuration: defaults, validation, and a bad value stopping start-up with one line."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rxapp import settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def env(monkeypatch, tmp_path):
    for name in ("DATABASE_URL", "REDIS_URL", "SMTP_URL", "RXAPP_DEMO", "RXAPP_SECRET_KEY", "RXAPP_BASE_URL",
                 "RXAPP_FILES_DIR", "RXAPP_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RXAPP_DATA_DIR", str(tmp_path))
    settings.reset()
    yield monkeypatch
    settings.reset()


def test_defaults_need_nothing_but_a_data_folder(env, tmp_path):
    cfg = settings.load()
    assert cfg.database_url == f"sqlite:///{tmp_path / 'member_center.db'}"
    assert cfg.redis_url is None and cfg.smtp_url is None and cfg.demo is False
    # The signing key is generated once into the data folder and reused.
    assert len(cfg.secret_key) >= 32
    assert (tmp_path / "secret_key").read_text() == cfg.secret_key
    assert settings.load().secret_key == cfg.secret_key
    assert oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"
    # Private uploads live in the data folder, not in any public folder.
    assert cfg.files_dir == tmp_path / "private"


def test_the_base_url_follows_the_port_the_app_serves_on(env):
    """`make run PORT=8080` (README) serves on 8080: its pages' websocket comes from that origin, which the
    edge refuses unless it is the base URL's (a 403, and the app never connected)."""
    assert settings.load().base_url == "http://localhost:3000"
    env.setenv("RXAPP_PORT", "8080")
    settings.reset()
    assert settings.load().base_url == "http://localhost:8080"
    env.setenv("RXAPP_BASE_URL", "https://members.example.com/")
    settings.reset()
    assert settings.load().base_url == "https://members.example.com"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "not a url"),
        ("DATABASE_URL", "mysql://root@localhost/db"),
        ("REDIS_URL", "localhost:6379"),
        ("SMTP_URL", "mail.example.com"),
        ("SMTP_URL", "smtp://host:notaport"),
        ("RXAPP_DEMO", "maybe"),
        ("RXAPP_SECRET_KEY", "short"),
        ("RXAPP_FILES_DIR", "relative/folder"),
    ],
)
def test_a_bad_value_names_its_variable(env, name, value):
    env.setenv(name, value)
    with pytest.raises(settings.ConfigError) as err:
        settings.load()
    assert str(err.value).startswith(f"{name}:")


def test_private_files_can_live_in_a_shared_folder(env, tmp_path):
    """Several hosts mount one folder for the uploads (README: several instances)."""
    shared = tmp_path / "nfs" / "member-center-files"
    env.setenv("RXAPP_FILES_DIR", str(shared))
    assert settings.load().files_dir == shared


@pytest.mark.parametrize("value,expected", [("1", True), ("on", True), ("false", False), ("0", False)])
def test_demo_flag(env, value, expected):
    env.setenv("RXAPP_DEMO", value)
    assert settings.load().demo is expected


def test_postgres_and_redis_urls_are_accepted(env):
    env.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    env.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    env.setenv("SMTP_URL", "smtp+starttls://user:pass@mail.example.com:587")
    cfg = settings.load()
    assert cfg.is_sqlite is False and cfg.redis_url and cfg.smtp_url


def test_start_up_stops_with_one_line_and_a_non_zero_exit(tmp_path):
    env = {**os.environ, "DATABASE_URL": "::nonsense::", "RXAPP_DATA_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", "import rxconfig"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [lines[-1]] and "DATABASE_URL" in lines[-1], result.stderr
    assert "Traceback" not in result.stderr


def test_migration_cli_reports_a_bad_url_in_one_line(tmp_path):
    env = {**os.environ, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "RXAPP_DATA_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "rxapp.cli", "migrate"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert len([line for line in result.stderr.splitlines() if line.strip()]) == 1
