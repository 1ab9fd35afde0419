"""An operator's first day on a fresh database with demo mode off, command by command (as processes)."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from rxapp.models import ProductCategory, ProductModel, Region, Role, SerialRecord, Store, User
from rxapp.services import demo_seed
from tests.unit.test_cli import ROOT, _session, cli, env  # noqa: F401 - the fixture is used by name

EXAMPLES = ROOT / "examples"
PASSWORD = "Operator-Pass-2026"


def _count(env, model, *where) -> int:
    with _session(env) as s:
        return s.exec(select(func.count()).select_from(model).where(*where)).one()


@pytest.mark.parametrize("command", ["create-admin", "load-catalog", "load-serials", "load-stores",
                                     "check-config", "seed-if-empty", "banner", "migrate", "backfill-evidence"])
def test_every_command_has_help(env, command):
    done = cli(env, command, "--help")
    assert done.returncode == 0 and "usage:" in done.stdout


def test_demo_off_seeds_nothing_and_prints_no_password(env):
    seeded = cli(env, "seed-if-empty")
    assert seeded.returncode == 0 and "demo mode is off" in seeded.stdout
    assert _count(env, User) == 0 and _count(env, ProductCategory) == 0
    shown = cli(env, "banner")
    assert shown.returncode == 0 and "demo mode: off" in shown.stdout
    for user in demo_seed.DEMO_USERS:
        assert user.password not in shown.stdout and user.email not in shown.stdout


def test_demo_on_still_seeds_and_prints_the_logins(env):
    demo = {**env, "RXAPP_DEMO": "1"}
    assert cli(demo, "seed-if-empty").returncode == 0
    assert _count(env, User, User.email == demo_seed.DEMO_USERS[0].email) == 1
    assert demo_seed.DEMO_USERS[0].password in cli(demo, "banner").stdout


def test_create_admin_reads_the_password_from_stdin_with_the_sign_up_rules(env):
    weak = cli_in(env, "short\n", "create-admin", "--email", "ops@example.com", "--password-stdin")
    assert weak.returncode == 1 and "at least 10 characters" in weak.stderr and "Traceback" not in weak.stderr
    assert _count(env, User) == 0
    done = cli_in(env, PASSWORD + "\n", "create-admin", "--email", "Ops@Example.com", "--password-stdin")
    assert done.returncode == 0, done.stderr
    with _session(env) as s:
        user = s.exec(select(User)).one()
        assert (user.email, user.role, user.region_code) == ("ops@example.com", Role.admin, "US")
        assert user.email_verified_at is not None and PASSWORD not in user.password_hash
        assert s.get(Region, "US") is not None
    again = cli_in(env, PASSWORD + "\n", "create-admin", "--email", "ops@example.com", "--password-stdin")
    assert again.returncode == 1 and "already exists" in again.stderr


def test_create_admin_refuses_a_demo_address(env):
    done = cli_in(env, PASSWORD + "\n", "create-admin", "--email", demo_seed.DEMO_USERS[3].email,
                  "--password-stdin")
    assert done.returncode == 1 and _count(env, User) == 0


def test_the_example_files_load_and_a_second_run_changes_nothing(env):
    for command, name, what in (("load-catalog", "catalog.csv", "models"), ("load-serials", "serials.csv", "serial"),
                                ("load-stores", "stores.csv", "stores")):
        first = cli(env, command, str(EXAMPLES / name))
        assert first.returncode == 0, first.stderr
        assert f"imported " in first.stdout and what in first.stdout and "(0 unchanged)" in first.stdout
        second = cli(env, command, str(EXAMPLES / name))
        assert second.returncode == 0, second.stderr
        assert "imported 0 " in second.stdout
    assert _count(env, ProductModel) == 4 and _count(env, SerialRecord) == 20 and _count(env, Store) == 8
    assert _count(env, Region) == 4


def test_a_bad_store_file_imports_nothing_and_names_each_line(env, tmp_path):
    path = tmp_path / "stores.csv"
    path.write_text("region,store,channel,partner\nUS,Good Store,retail,yes\nXX,Nowhere,retail,yes\n"
                    "US,Odd,teleport,maybe\n")
    done = cli(env, "load-stores", str(path))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"{path}:3:" in done.stderr and "ISO country code" in done.stderr
    assert f"{path}:4:" in done.stderr and "channel" in done.stderr and "yes or no" in done.stderr
    assert "nothing was imported" in done.stderr
    assert _count(env, Store) == 0


def test_a_conflicting_catalog_line_is_an_error(env, tmp_path):
    assert cli(env, "load-catalog", str(EXAMPLES / "catalog.csv")).returncode == 0
    path = tmp_path / "catalog.csv"
    path.write_text("category,serial_format,warranty_months,model,model_number,release_date\n"
                    "Monitor,AA######,36,New One,N1,2025-01-01\n")
    done = cli(env, "load-catalog", str(path))
    assert done.returncode == 1 and f"{path}:2:" in done.stderr and "already exists" in done.stderr
    assert _count(env, ProductModel) == 4


def test_check_config_says_what_is_missing_one_line_each_and_fails(env):
    done = cli(env, "check-config")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert any(line.startswith("SMTP_URL:") for line in lines)
    assert any(line.startswith("RXAPP_SECRET_KEY:") for line in lines)
    bad = cli({**env, "RXAPP_DEMO": "maybe", "SMTP_URL": "http://x"}, "check-config")
    assert bad.returncode == 1
    assert any(line.startswith("RXAPP_DEMO:") for line in bad.stderr.splitlines())
    assert any(line.startswith("SMTP_URL: expected") for line in bad.stderr.splitlines())


def test_check_config_passes_on_a_ready_deployment(env):
    ready = {**env, "RXAPP_SECRET_KEY": "k" * 40, "SMTP_URL": "smtp://mail.example.com:25",
             "RXAPP_BASE_URL": "https://members.example.com"}
    first = cli(ready, "check-config")
    assert first.returncode == 1 and "no administrator" in first.stderr and "serial registry" in first.stderr
    for command, name in (("load-catalog", "catalog.csv"), ("load-serials", "serials.csv"),
                          ("load-stores", "stores.csv")):
        assert cli(ready, command, str(EXAMPLES / name)).returncode == 0
    assert cli_in(ready, PASSWORD + "\n", "create-admin", "--email", "ops@example.com",
                  "--password-stdin").returncode == 0
    done = cli(ready, "check-config")
    assert done.returncode == 0, done.stderr
    assert "ready" in done.stdout


def cli_in(env, stdin: str, *args):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "rxapp.cli", *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=180)
