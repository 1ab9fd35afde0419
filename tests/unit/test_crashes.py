"""Crashes: the server killed (SIGKILL) inside a claim submission, a decision and a file store, then restarted.

Each case copies one prepared data folder (demo data, a claim under review, a
customer with a product and an S/N photo ready to submit, the outbox already
delivered), runs ``tests/unit/crash_child.py`` which calls the real service
and kills its own process at the chosen point, and then *restarts the app the
way production does*: ``python -m rxapp.cli migrate`` (as ``make run``), then
the backend as ``reflex run --env prod`` serves it (``uvicorn --factory
rxapp.rxapp:app`` with ``REFLEX_SKIP_COMPILE``), whose lifespan starts the
mail sender (to a real aiosmtpd server) and the sweeper.  After the outbox is
drained the server is stopped and the test checks the database, the private
files folder and what the SMTP server received:

* no half-written claim or decision: either all of it (claim, audit row,
  reserved or issued code, email) or none of it;
* no orphaned file: every file in the private folder is named by a
  ``StoredFile`` row, every row's files exist, the spool folder is empty;
* the SMTP server received exactly the emails of what committed, each once.

The files of the crashed store are aged past ``file_store.ORPHAN_GRACE``
before the restart (the start-up sweep never touches a younger file: it may be
an upload in progress on another worker); the server is back "later".
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select

from rxapp import db, settings
from rxapp.models import (
    EmailMessage,
    EmailStatus,
    FileKind,
    PromotionCode,
    Redemption,
    RedemptionEvent,
    RedemptionStatus,
    StoredFile,
)
from rxapp.services import demo_images, demo_seed, file_store, mail_sender
from tests.factories import flows
from tests.unit.served_app import ROOT, ServedApp, app_env
from tests.unit.test_mail_sender import SmtpServer

RECIPIENT = {"first_name": "Casey", "last_name": "Crash", "zipcode": "97205", "address": "1 Main Street",
             "contact_number": "+1 503 555 0142", "note": ""}
DRAIN_TIMEOUT = 90


# --------------------------------------------------------------------------- environment


class _UseData:
    """Point this process's settings and ``rxapp.db`` at ``data`` for a while."""

    def __init__(self, data: Path):
        self.data = data
        self.mp = pytest.MonkeyPatch()

    def __enter__(self):
        for key, value in app_env(self.data).items():
            if key.startswith(("RXAPP_", "DATABASE_URL", "REFLEX_UPLOADED")):
                self.mp.setenv(key, value)
        self.mp.delenv("SMTP_URL", raising=False)
        settings.reset()
        return self

    def __exit__(self, *exc):
        db.dispose_all()
        self.mp.undo()
        settings.reset()


def _drain(smtp: SmtpServer) -> None:
    while mail_sender.deliver_due(engine_or_session_factory=db.get_engine(), smtp=smtp.config()).claimed:
        pass


# --------------------------------------------------------------------------- the prepared data folder


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[Path, dict]:
    """Demo data, a claim under review, a customer with a product and an S/N photo; outbox delivered."""
    data = tmp_path_factory.mktemp("crash-template") / "data"
    with _UseData(data):
        db.migrate()
        with db.session_scope() as s:
            demo_seed.seed(session=s)
        under_review = flows.create_claim(email_prefix="crash-decide")
        user_id, _email = flows.make_customer("crash-submit")
        product = flows.register_product(user_id)
        with db.session_scope() as s:
            photo = file_store.check_and_store_stream(
                session=s, owner_id=user_id, kind=FileKind.serial_photo, filename="sn.jpg",
                chunks=demo_images.serial_photo_image(product["serial"], "000", product["model"], "", "Monitor"))
        smtp = SmtpServer()
        smtp.start()
        try:
            _drain(smtp)
        finally:
            smtp.stop()
        args = {
            "submit": {"user_id": user_id, "product_id": product["product_id"],
                       "promotion_id": product["promotion_id"], "recipient": RECIPIENT,
                       "serial_photo_file_id": photo.file_id},
            "decide": {"claim_id": under_review["id"], "reviewer_id": flows.reviewer_id()},
            "store": {"owner_id": user_id},
        }
    return data, args


# --------------------------------------------------------------------------- crash, restart, look


def _crash(data: Path, operation: str, point: str, args: dict) -> None:
    child = subprocess.run(
        [sys.executable, "-m", "tests.unit.crash_child", operation, point, json.dumps(args)],
        cwd=ROOT, env=app_env(data), capture_output=True, text=True, timeout=300,
    )
    assert child.returncode == -signal.SIGKILL, (child.returncode, child.stdout[-2000:], child.stderr[-4000:])


def _age_private_files(data: Path) -> None:
    """Time passes: every file in the private folder is older than the orphan grace period."""
    then = time.time() - file_store.ORPHAN_GRACE.total_seconds() - 60
    for path in (data / "private").rglob("*"):
        if path.is_file():
            os.utime(path, (then, then))


def _restart(data: Path, smtp: SmtpServer) -> str:
    """Start the app as production does, let its outbox drain, stop it; returns its log."""
    with ServedApp(data, SMTP_URL=f"smtp://127.0.0.1:{smtp.port}") as app, _UseData(data):
        def drained() -> bool:
            with db.session_scope() as s:
                waiting = s.exec(select(sa.func.count()).select_from(EmailMessage).where(
                    EmailMessage.status.in_([EmailStatus.pending, EmailStatus.sending]))).one()
            return waiting == 0

        app.wait_for("the outbox to drain", drained, DRAIN_TIMEOUT)
    return app.log_text()


def _files_match_rows(data: Path) -> None:
    """No orphan: the private folder holds exactly the files the rows name, and no spool leftovers."""
    root = data / "private"
    with db.session_scope() as s:
        named = set()
        for row in s.exec(select(StoredFile)).all():
            named.add(row.storage_key)
            if row.thumb_key:
                named.add(row.thumb_key)
    on_disk = {p.name for p in root.iterdir() if p.is_file()}
    assert on_disk == named, (sorted(on_disk - named), sorted(named - on_disk))
    assert list((root / "tmp").iterdir()) == []


def _private_files(data: Path) -> set[str]:
    return {p.relative_to(data).as_posix() for p in (data / "private").rglob("*") if p.is_file()}


def _new_emails(first_new_id: int) -> list[EmailMessage]:
    with db.session_scope() as s:
        return list(s.exec(select(EmailMessage).where(EmailMessage.id >= first_new_id)
                           .order_by(EmailMessage.id)).all())


def _snapshot() -> dict:
    with db.session_scope() as s:
        count = lambda model: s.exec(select(sa.func.count()).select_from(model)).one()  # noqa: E731
        return {
            "next_email": (s.exec(select(sa.func.max(EmailMessage.id))).one() or 0) + 1,
            "claims": count(Redemption), "events": count(RedemptionEvent), "files": count(StoredFile),
            "reserved": s.exec(select(sa.func.count()).select_from(PromotionCode)
                               .where(PromotionCode.redemption_id.is_not(None))).one(),
        }


CASES = [
    ("submit", "before-commit"),
    ("submit", "after-commit"),
    ("decide", "before-commit"),
    ("decide", "after-commit"),
    ("store", "mid-spool"),
    ("store", "after-move"),
    ("store", "before-commit"),
]


@pytest.mark.parametrize(("operation", "point"), CASES, ids=[f"{o}-{p}" for o, p in CASES])
def test_after_a_crash_and_a_restart_nothing_is_half_written_orphaned_or_mailed_wrongly(
    template, tmp_path, operation, point
):
    data = tmp_path / "data"
    shutil.copytree(template[0], data)
    args = template[1][operation]
    with _UseData(data):
        before = _snapshot()
    on_disk_before = _private_files(data)
    _crash(data, operation, point, args)
    left_by_crash = _private_files(data) - on_disk_before
    _age_private_files(data)
    smtp = SmtpServer()
    smtp.start()
    try:
        log = _restart(data, smtp)
    finally:
        smtp.stop()

    with _UseData(data):
        after = _snapshot()
        _files_match_rows(data)
        emails = _new_emails(before["next_email"])
        received = smtp.inbox.ids()
        # Exactly the emails of what committed: each new outbox row delivered once, nothing else.
        assert all(m.status == EmailStatus.sent for m in emails)
        assert received == {m.message_id: 1 for m in emails}, (received, [m.message_id for m in emails])
        committed = point == "after-commit"

        if operation == "submit":
            with db.session_scope() as s:
                claim = s.exec(select(Redemption).where(Redemption.product_id == args["product_id"],
                                                        Redemption.promotion_id == args["promotion_id"])).first()
                events = [] if claim is None else s.exec(
                    select(RedemptionEvent).where(RedemptionEvent.redemption_id == claim.id)).all()
                code = None if claim is None else s.exec(
                    select(PromotionCode).where(PromotionCode.redemption_id == claim.id)).first()
                photo_kept = s.get(StoredFile, args["serial_photo_file_id"]) is not None
            if committed:
                assert claim is not None and claim.status == RedemptionStatus.under_review
                assert len(events) == 1 and code is not None
                assert [(m.kind, m.redemption_id) for m in emails] == [("claim_received", claim.id)]
                assert after["reserved"] == before["reserved"] + 1
            else:
                assert claim is None and emails == []
                assert {k: after[k] for k in ("claims", "events", "reserved")} == \
                       {k: before[k] for k in ("claims", "events", "reserved")}
            assert photo_kept  # the upload committed before the claim: the customer can submit again

        elif operation == "decide":
            with db.session_scope() as s:
                claim = s.get(Redemption, args["claim_id"])
                code = s.exec(select(PromotionCode).where(PromotionCode.redemption_id == claim.id)).one()
            if committed:
                assert claim.status == RedemptionStatus.approved and code.issued_at is not None
                assert [(m.kind, m.redemption_id) for m in emails] == [("success", claim.id)]
                assert after["events"] == before["events"] + 1
            else:
                assert claim.status == RedemptionStatus.under_review and code.issued_at is None
                assert claim.decided_at is None and emails == [] and after["events"] == before["events"]

        else:  # store: the upload never committed, so nothing of it may stay
            assert after["files"] == before["files"] and emails == []
            assert left_by_crash, "the crash left nothing behind to sweep"
            assert "no row refers to" in log
