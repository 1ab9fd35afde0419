"""Operational commands used by the Makefile: `python -m rxapp.cli <command>`.

  migrate         bring the database to the newest migration
  seed-if-empty   load the demo data when the database has no users yet
  banner          print the URL and the demo logins
"""

from __future__ import annotations

import argparse
import sys

from sqlmodel import select

from rxapp import db, settings
from rxapp.models import User
from rxapp.services import demo_claims, demo_seed


def _settings_or_exit() -> settings.Settings:
    try:
        return settings.get()
    except settings.ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def migrate() -> None:
    _settings_or_exit()
    try:
        db.migrate()
    except Exception as exc:  # noqa: BLE001 - one clear line instead of a traceback
        detail = " ".join(str(getattr(exc, "orig", None) or exc).split())
        print(f"DATABASE_URL: migration failed on {settings.get().database_url.split('@')[-1]}: {detail}",
              file=sys.stderr)
        raise SystemExit(1) from None
    print("database is at the newest migration")


def seed_if_empty() -> None:
    _settings_or_exit()
    with db.session_scope() as s:
        if s.exec(select(User.id).limit(1)).first() is not None:
            print("database already has data: demo seed skipped")
            return
        demo_seed.seed(session=s)
        demo_claims.seed_claims(session=s)  # the same two steps as the demo reset
    print("demo data loaded")


def banner(port: int) -> None:
    cfg = _settings_or_exit()
    lines = [
        "",
        f"  Member Center is starting on http://localhost:{port}",
        f"  database: {cfg.database_url.split('@')[-1]}   demo mode: {'on' if cfg.demo else 'off'}",
        "  demo logins:",
    ]
    for user in demo_seed.DEMO_USERS:
        lines.append(f"    {user.label:<42} {user.email:<30} {user.password}")
    print("\n".join(lines) + "\n", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m rxapp.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate")
    sub.add_parser("seed-if-empty")
    b = sub.add_parser("banner")
    b.add_argument("--port", type=int, default=3000)
    args = parser.parse_args(argv)
    if args.command == "migrate":
        migrate()
    elif args.command == "seed-if-empty":
        seed_if_empty()
    elif args.command == "banner":
        banner(args.port)


if __name__ == "__main__":
    main()
