"""The operator's commands: `python -m rxapp.cli <command>` (each with --help).

  migrate         bring the database to the newest migration
  seed-if-empty   demo mode only: load the demo data when the database has no users yet
  banner          print the URL (and, in demo mode, the demo logins)
  create-admin    the first administrator (password read without echo, or from stdin)
  load-catalog    categories, models and serial formats from a CSV, all or nothing
  load-serials    the serial registry from a CSV (serial, chk, model), all or nothing
  load-stores     stores per region (region, store, channel, partner) from a CSV, all or nothing
  check-config    what is wrong with the configuration and the data, one line each
  requeue-email   send a failed email again (after fixing the cause)
  backfill-evidence  the evidence pre-check for claims that never had it (read their files; slow, resumable)

The import rules live in the services (``catalog``, ``catalog_import``); here
they are only run and their report printed.
"""

from __future__ import annotations

import argparse
import getpass
import os
import subprocess
import sys
from pathlib import Path

from sqlmodel import select

from rxapp import db, routes, settings
from rxapp.models import User
from rxapp.services import (
    accounts, catalog, catalog_import, demo_claims, demo_seed, evidence_backfill, mail_sender, readiness,
)
from rxapp.services.errors import FieldErrors, ServiceError


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


def seed_if_empty(check_evidence: bool = False) -> None:
    """``check_evidence``: once seeded, read the demo claims' pictures in a background process (``make seed``)."""
    cfg = _settings_or_exit()
    if not cfg.demo:
        print("demo mode is off: no demo data is loaded (RXAPP_DEMO=1 for a demo)")
        return
    with db.session_scope() as s:
        if s.exec(select(User.id).limit(1)).first() is not None:
            print("database already has data: demo seed skipped")
            return
        demo_seed.seed(session=s)
        demo_claims.seed_claims(session=s)  # the same two steps as the demo reset
    print("demo data loaded")
    if check_evidence:
        _backfill_in_background(cfg)


def _backfill_in_background(cfg: settings.Settings) -> None:
    """``backfill-evidence`` in a process of its own, at low priority: the demo claims get their evidence
    verdict (seconds of OCR each) while the app starts, instead of holding its start-up."""
    log = cfg.data_dir / "backfill-evidence.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        proc = subprocess.Popen(  # noqa: S603 - our own command, no shell
            [sys.executable, "-m", "rxapp.cli", "backfill-evidence"], stdin=subprocess.DEVNULL, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=lambda: os.nice(10),  # noqa: PLW1509
        )
    print(f"the demo claims' pictures are read in the background (process {proc.pid}, log {log}); until it "
          "ends the reviewers' queue lists them under \"Not checked yet\"")


def banner(port: int) -> None:
    cfg = _settings_or_exit()
    lines = [
        "",
        f"  Member Center is starting on http://localhost:{port}",
        f"  database: {cfg.database_url.split('@')[-1]}   demo mode: {'on' if cfg.demo else 'off'}",
    ]
    if cfg.demo:
        lines.append("  demo logins:")
        for user in demo_seed.DEMO_USERS:
            lines.append(f"    {user.label:<42} {user.email:<30} {user.password}")
        lines.append(f"  presenter passcode (Demo Kit: switch persona, reset, demo date): {cfg.presenter_passcode}")
    print("\n".join(lines) + "\n", flush=True)


def _read_csv(path: Path) -> str:
    try:
        return catalog_import.read_text(path)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{path}: cannot read it as a UTF-8 text file ({exc.__class__.__name__})", file=sys.stderr)
        raise SystemExit(1) from None


def _import(path: Path, run, what: str) -> None:
    """Run one all-or-nothing import in a writing transaction and print its report."""
    _settings_or_exit()
    text = _read_csv(path)
    with db.write_session() as s:
        report = run(session=s, text=text)
        if not report.ok:
            s.rollback()
    if not report.ok:
        if report.error:
            print(f"{path}: {report.error}", file=sys.stderr)
        for line in report.errors:
            key = getattr(line, "serial", None) or getattr(line, "key", "")
            print(f"{path}:{line.line}: {key}: {line.message}", file=sys.stderr)
        print("nothing was imported", file=sys.stderr)
        raise SystemExit(1)
    created = getattr(report, "imported", None)
    created = report.created if created is None else created
    print(f"imported {created} {what} from {path} ({report.unchanged} unchanged)")


def load_serials(path: Path) -> None:
    """Every line checked; nothing imported unless all are right (each wrong line printed)."""
    _import(path, catalog.import_serials_csv, "serial numbers")


def load_catalog(path: Path) -> None:
    _import(path, catalog_import.import_catalog_csv, "models")


def load_stores(path: Path) -> None:
    _import(path, catalog_import.import_stores_csv, "stores")


def create_admin(email: str, *, password_stdin: bool, first_name: str, region: str) -> None:
    _settings_or_exit()
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password for the new administrator: ")
        if getpass.getpass("The same password again: ") != password:
            print("password: the two passwords do not match; nothing was created", file=sys.stderr)
            raise SystemExit(1)
    try:
        with db.write_session() as s:
            accounts.create_admin(session=s, email=email, password=password, first_name=first_name,
                                  region_code=region)
    except FieldErrors as exc:
        for name, message in exc.errors.items():
            print(f"{name}: {message}", file=sys.stderr)
        print("nothing was created", file=sys.stderr)
        raise SystemExit(1) from None
    print(f"administrator {email.strip().lower()} created: log in at {settings.get().base_url}{routes.LOGIN}")


def check_config() -> None:
    """Every problem on its own line; exit 1 when there is any."""
    found = settings.problems()
    if not found:
        cfg = settings.get()
        try:
            with db.session_scope() as s:
                found += readiness.problems(session=s, demo=cfg.demo)
        except Exception as exc:  # noqa: BLE001 - one clear line instead of a traceback
            detail = " ".join(str(getattr(exc, "orig", None) or exc).split())[:200]
            found.append(f"DATABASE_URL: cannot read the database (run `python -m rxapp.cli migrate`): {detail}")
    for line in found:
        print(line, file=sys.stderr)
    if found:
        raise SystemExit(1)
    print("configuration and data look ready")


def requeue_email(message_id: int) -> None:
    _settings_or_exit()
    try:
        with db.write_session() as s:
            mail_sender.requeue(session=s, message_id=message_id)
    except ServiceError as exc:
        print(f"email {message_id}: {exc.message}", file=sys.stderr)
        raise SystemExit(1) from None
    print(f"email {message_id} is queued again")


def backfill_evidence(limit: int | None) -> None:
    """Read the files of the claims with no evidence verdict (from before the pre-check, the demo's) and keep
    each one's verdict; the queue shows them under "Not checked yet" until then.  Seconds a claim: run it
    while the app serves (it reads on one core), stop it any time, run it again to go on."""
    _settings_or_exit()
    todo = len(evidence_backfill.unchecked_claims(limit=limit))
    print(f"{todo} claim(s) without an evidence verdict" + (f" (at most {limit})" if limit else ""), flush=True)

    def progress(claim_id: int, verdict: str) -> None:
        print(f"  claim #{claim_id}: {verdict or 'no file could be read'}", flush=True)

    done = evidence_backfill.backfill(limit=limit, progress=progress)
    print(f"{done.checked} checked ({done.passed} passed, {done.failed} failed), "
          f"{done.left_unchecked} left unchecked; {done.files_read} file(s) read")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m rxapp.cli", description="The member center's operator commands.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="command")
    sub.add_parser("migrate", help="bring the database to the newest migration")
    sub.add_parser("seed-if-empty", help="demo mode only: load the demo data into an empty database").add_argument(
        "--check-evidence", action="store_true",
        help="then read the demo claims' pictures in a background process (their evidence checks)")
    b = sub.add_parser("banner", help="print the URL (and the demo logins in demo mode)")
    b.add_argument("--port", type=int, default=3000)
    a = sub.add_parser("create-admin", help="create an administrator account",
                       description="Create an administrator. The password follows the sign-up rules; it is "
                                   "asked for twice without echo, or read from the first line of stdin.")
    a.add_argument("--email", required=True)
    a.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    a.add_argument("--first-name", default="Admin")
    a.add_argument("--region", default="US", help="ISO country code of the account (default: US)")
    for name, columns, what in (
        ("load-catalog", "category,serial_format,warranty_months,model,model_number,release_date[,sticker_text]",
         "categories and models"),
        ("load-serials", "serial,chk,model", "the serial registry"),
        ("load-stores", "region,store,channel,partner", "stores per region"),
    ):
        p = sub.add_parser(name, help=f"import {what} from a CSV (all or nothing)",
                           description=f"Import {what} from a CSV with the columns {columns}. All or nothing: "
                                       "every wrong line is printed and nothing is written; lines already in the "
                                       "database are unchanged, so a second run changes nothing.")
        p.add_argument("csv", type=Path)
    sub.add_parser("check-config", help="say what is wrong with the configuration and data; exit 1 if anything")
    sub.add_parser("requeue-email", help="send a failed email again").add_argument("message_id", type=int)
    sub.add_parser("backfill-evidence", help="evidence checks for claims that never had them (reads their files)",
                   description=backfill_evidence.__doc__).add_argument(
        "--limit", type=int, default=None, help="at most this many claims (default: all)")
    args = parser.parse_args(argv)
    commands = {
        "migrate": migrate,
        "seed-if-empty": lambda: seed_if_empty(check_evidence=args.check_evidence),
        "banner": lambda: banner(args.port),
        "create-admin": lambda: create_admin(args.email, password_stdin=args.password_stdin,
                                             first_name=args.first_name, region=args.region),
        "load-catalog": lambda: load_catalog(args.csv),
        "load-serials": lambda: load_serials(args.csv),
        "load-stores": lambda: load_stores(args.csv),
        "check-config": check_config,
        "requeue-email": lambda: requeue_email(args.message_id),
        "backfill-evidence": lambda: backfill_evidence(args.limit),
    }
    commands[args.command]()


if __name__ == "__main__":
    main()
