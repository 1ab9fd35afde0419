"""The demo kit: personas, one-click reset, the demo date, the sticker sheet.

Only for demo mode (``RXAPP_DEMO``): every function here first calls
``assert_demo()`` and raises ``Forbidden`` when demo mode is off, so nothing
is reachable through a forgotten button or a crafted event.

The demo data itself (what a reset puts back) lives in ``demo_seed`` (accounts,
promotions, products) and ``demo_claims`` (claims in every status).
"""

from __future__ import annotations

import hmac
import secrets
import shutil
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from rxapp import db, models, settings
from rxapp.i18n import N_, _
from rxapp.services import clock, demo_claims, demo_seed
from rxapp.services.errors import FieldErrors, NotFound
from rxapp.services.mailbox import assert_demo

DEMO_DATE_MIN = date(2000, 1, 1)
DEMO_DATE_MAX = date(2100, 12, 31)

# What each persona is for, by the local part of its demo email.
_DESCRIPTIONS = {
    "demo": N_("A customer with products and claims in every status: under review, documents needed, "
               "approved and rejected."),
    "new": N_("A brand-new customer: nothing registered yet, ready to register a sticker from the sheet."),
    "reviewer": N_("A reviewer: works the claim queue (approve, ask for documents, reject)."),
    "admin": N_("An admin: manages promotions, code pools and everything a reviewer can do."),
}
# The persona card's badge: the account's role.
_ROLES = {"customer": N_("customer"), "reviewer": N_("reviewer"), "admin": N_("admin")}

__all__ = [
    "assert_demo",
    "get_demo_date",
    "persona_user_id",
    "personas",
    "reset",
    "set_demo_date",
    "sticker_sheet",
]


def _key(email: str) -> str:
    return email.split("@", 1)[0].lower()


def presenter_passcode_ok(value: object) -> bool:
    """Whether ``value`` is the presenter passcode (``settings.presenter_passcode``; ``make run`` prints it).

    Switching persona, resetting and moving the demo date need it: demo mode
    must never hand a signed-in stranger the admin persona.  Raises
    ``Forbidden`` outside demo mode.
    """
    assert_demo()
    expected = settings.get().presenter_passcode
    if not expected or not isinstance(value, str):
        return False
    return hmac.compare_digest(value.strip().lower().encode(), expected.lower().encode())


def personas() -> list[dict]:
    """The demo accounts, in switcher order: key, label, email, role, role_label, description (the texts in
    the current language).

    Never includes passwords.  Raises ``Forbidden`` outside demo mode.
    """
    assert_demo()
    out = []
    for u in demo_seed.DEMO_USERS:
        key = _key(u.email)
        role = getattr(u.role, "value", u.role)
        out.append(
            {
                "key": key,
                "label": _(u.label),
                "email": u.email,
                "role": role,
                "role_label": _(_ROLES.get(role, role)),
                "description": _(_DESCRIPTIONS.get(key, u.label)),
            }
        )
    return out


def persona_user_id(*, session: Session, key: str) -> int:
    """The user id of one demo persona, by its key (``personas()[i]["key"]``) or email.

    Only demo persona accounts can be reached this way.  Raises ``Forbidden``
    outside demo mode, ``NotFound`` for anything that is not a persona or
    when its account is missing (the demo data was not seeded).
    """
    assert_demo()
    wanted = str(key or "").strip().lower()
    match = next(
        (u for u in demo_seed.DEMO_USERS if wanted and wanted in (_key(u.email), u.email.lower())),
        None,
    )
    if match is None:
        raise NotFound(_("There is no such demo persona. Pick one from the persona switcher."))
    user_id = session.execute(
        sa.select(models.User.id).where(models.User.email == match.email.lower())
    ).scalar()
    if user_id is None:
        raise NotFound(
            _("The demo account {email} is missing. Press “Reset demo data” to bring it back.").format(
                email=match.email)
        )
    return int(user_id)


# --------------------------------------------------------------------------- reset


def _tables() -> list[sa.Table]:
    """Every table of the data model, children before parents (alembic_version kept)."""
    return [t for t in reversed(SQLModel.metadata.sorted_tables) if t.name != "alembic_version"]


def _wipe(session: Session) -> None:
    tables = _tables()
    if session.get_bind().dialect.name == "postgresql":
        # TRUNCATE waits for every open transaction on these tables: fail clearly instead of hanging.
        session.execute(sa.text("SET LOCAL lock_timeout = '15s'"))
        preparer = session.get_bind().dialect.identifier_preparer
        names = ", ".join(preparer.format_table(t) for t in tables)
        session.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            session.execute(table.delete())


def _move_files_aside(files_dir: Path) -> Path:
    """Move every private file into a sibling trash folder (fast renames); keep ``files_dir``."""
    files_dir.mkdir(parents=True, exist_ok=True)
    trash = files_dir.parent / f".reset-trash-{secrets.token_hex(6)}"
    trash.mkdir()
    for child in list(files_dir.iterdir()):
        child.rename(trash / child.name)
    return trash


def _put_files_back(trash: Path, files_dir: Path) -> None:
    for child in list(trash.iterdir()):
        target = files_dir / child.name
        if not target.exists():
            child.rename(target)
    shutil.rmtree(trash, ignore_errors=True)


def reset(
    *,
    engine: sa.Engine | None = None,
    session_factory: Callable[[], Session] | None = None,
    today: date | None = None,
) -> float:
    """Put the demo back to its seeded state; returns the seconds it took.

    Owns its transaction: every row of every table is deleted (children
    first; ``TRUNCATE … RESTART IDENTITY CASCADE`` on PostgreSQL; the Alembic
    version is kept), then ``demo_seed.seed`` and ``demo_claims.seed_claims`` run
    in the **same** transaction, so a failed seed
    leaves the old data in place.  The private files under
    ``settings.files_dir`` are moved aside first and deleted only after the
    commit (put back if the reset fails); the folder itself stays.  The demo
    date ends cleared.  On SQLite the write lock is taken up front, so
    requests arriving meanwhile wait instead of failing.

    Raises ``Forbidden`` outside demo mode.
    """
    assert_demo()
    started = time.perf_counter()
    if session_factory is None:
        if engine is None:
            engine = db.get_engine()
        bound = engine

        def session_factory() -> Session:
            return Session(bound, expire_on_commit=False)

    files_dir = settings.get().files_dir
    trash = _move_files_aside(files_dir)
    try:
        with session_factory() as s:
            try:
                if s.get_bind().dialect.name == "sqlite":
                    s.connection().exec_driver_sql("BEGIN IMMEDIATE")
                _wipe(s)
                demo_seed.seed(session=s, today=today)
                demo_claims.seed_claims(session=s)
                if clock.demo_date(s) is not None:
                    clock.set_demo_date(s, None)
                s.commit()
            except BaseException:
                s.rollback()
                raise
    except BaseException:
        _put_files_back(trash, files_dir)
        raise
    shutil.rmtree(trash, ignore_errors=True)
    return time.perf_counter() - started


# --------------------------------------------------------------------------- demo date


_DATE_FORMAT = N_("Enter the demo date as YYYY-MM-DD, for example 2021-12-01.")


def _as_date(value) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise FieldErrors({"demo_date": _(_DATE_FORMAT)}) from None
    raise FieldErrors({"demo_date": _(_DATE_FORMAT)})


def set_demo_date(*, session: Session, value: date | str | None) -> date | None:
    """Move "today" for eligibility and due dates; ``None`` (or "") goes back to the real date.

    Accepts a date or an ISO string (a date input's value).  Flushes; the
    caller commits.  Raises ``Forbidden`` outside demo mode and
    ``FieldErrors({"demo_date": …})`` for a bad value or one outside
    2000-01-01..2100-12-31.
    """
    assert_demo()
    day = _as_date(value)
    if day is not None and not (DEMO_DATE_MIN <= day <= DEMO_DATE_MAX):
        raise FieldErrors({"demo_date": _("Pick a demo date between 1 January 2000 and 31 December 2100.")})
    clock.set_demo_date(session, day)
    return day


def get_demo_date(*, session: Session) -> date | None:
    """The demo date in force, or ``None`` when "today" is the real date.

    Raises ``Forbidden`` outside demo mode.
    """
    assert_demo()
    return clock.demo_date(session)


# --------------------------------------------------------------------------- sticker sheet


def sticker_sheet(*, session: Session, limit: int = 24) -> list[dict]:
    """Unregistered demo units to type from (serial, chk, model, …; see ``demo_seed.demo_stickers``).

    Raises ``Forbidden`` outside demo mode.
    """
    assert_demo()
    return demo_seed.demo_stickers(session=session, limit=max(1, min(int(limit), 200)))
