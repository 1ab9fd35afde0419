"""Operational commands used by the Makefile: `python -m rxapp.cli <command>`.

  migrate         bring the database to the newest migration
  seed-if-empty   load the demo data when the database has no users yet
  banner          print the URL and the demo logins
  load-serials    import a factory serial list (CSV: serial, chk, model), all or nothing
  requeue-email   send a failed email again (after fixing the cause)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlmodel import select

from rxapp import db, settings
from rxapp.models import User
from rxapp.services import catalog, demo_claims, demo_seed, mail_sender
from rxapp.services.errors import ServiceError


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
    if cfg.demo:
        lines.append(f"  presenter passcode (Demo Kit: switch persona, reset, demo date): {cfg.presenter_passcode}")
    print("\n".join(lines) + "\n", flush=True)


def load_serials(path: Path) -> None:
    """Every line checked; nothing imported unless all are right (each wrong line printed)."""
    _settings_or_exit()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{path}: cannot read it as a UTF-8 text file ({exc.__class__.__name__})", file=sys.stderr)
        raise SystemExit(1) from None
    with db.write_session() as s:
        report = catalog.import_serials_csv(session=s, text=text)
        if not report.ok:
            s.rollback()
    if not report.ok:
        if report.error:
            print(f"{path}: {report.error}", file=sys.stderr)
        for line in report.errors:
            print(f"{path}:{line.line}: {line.serial}: {line.message}", file=sys.stderr)
        print("nothing was imported", file=sys.stderr)
        raise SystemExit(1)
    print(f"imported {report.imported} serial numbers from {path}")


def requeue_email(message_id: int) -> None:
    _settings_or_exit()
    try:
        with db.write_session() as s:
            mail_sender.requeue(session=s, message_id=message_id)
    except ServiceError as exc:
        print(f"email {message_id}: {exc.message}", file=sys.stderr)
        raise SystemExit(1) from None
    print(f"email {message_id} is queued again")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m rxapp.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate")
    sub.add_parser("seed-if-empty")
    b = sub.add_parser("banner")
    b.add_argument("--port", type=int, default=3000)
    sub.add_parser("load-serials").add_argument("csv", type=Path)
    sub.add_parser("requeue-email").add_argument("message_id", type=int)
    args = parser.parse_args(argv)
    if args.command == "migrate":
        migrate()
    elif args.command == "seed-if-empty":
        seed_if_empty()
    elif args.command == "banner":
        banner(args.port)
    elif args.command == "load-serials":
        load_serials(args.csv)
    elif args.command == "requeue-email":
        requeue_email(args.message_id)


if __name__ == "__main__":
    main()
