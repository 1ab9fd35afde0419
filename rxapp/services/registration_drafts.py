"""The registration wizard's draft: what a customer typed so far, kept per account in the database.

A reload, a second tab or another worker reads the same draft, so the wizard
comes back at the same step with what was typed.  The draft is plain data
(the wizard's own fields); every step is checked again when it is used, and
the registration itself (``products.register``) checks everything once more.
The invoice is kept by its private file id, only while it is the owner's,
permanent (not a too-wide temporary upload) and still there.
"""

from __future__ import annotations

import json
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from rxapp import db
from rxapp.models import FileKind, RegistrationDraft, StoredFile, utcnow

# A draft untouched for this long is forgotten (the wizard starts afresh).
MAX_AGE = timedelta(days=30)
_TEXT_FIELDS = {
    "category_id": 12, "serial": 40, "chk": 3, "region": 2, "store_id": 12, "purchase_date": 10, "channel": 20,
    "invoice_name": 200,
}


def _clean(data: dict) -> dict:
    out: dict = {}
    for key, limit in _TEXT_FIELDS.items():
        value = data.get(key, "")
        out[key] = value[:limit] if isinstance(value, str) else ""
    step = data.get("step", 1)
    out["step"] = step if isinstance(step, int) and not isinstance(step, bool) and 1 <= step <= 4 else 1
    file_id = data.get("invoice_file_id")
    out["invoice_file_id"] = file_id if isinstance(file_id, int) and not isinstance(file_id, bool) else None
    return out


def _usable_invoice(session: Session, user_id: int, file_id: int | None) -> bool:
    if file_id is None:
        return False
    row = session.get(StoredFile, file_id)
    return row is not None and row.owner_id == user_id and row.kind == FileKind.invoice and row.expires_at is None


def load(*, session: Session, user_id: int) -> dict:
    """The account's draft (``step``, the typed fields, ``invoice_file_id``/``invoice_name``); {} when none."""
    row = session.get(RegistrationDraft, user_id)
    if row is None:
        return {}
    if row.updated_at <= utcnow() - MAX_AGE:
        session.delete(row)
        session.flush()
        return {}
    try:
        data = json.loads(row.data)
    except ValueError:
        return {}
    draft = _clean(data if isinstance(data, dict) else {})
    if not _usable_invoice(session, user_id, draft["invoice_file_id"]):
        draft["invoice_file_id"], draft["invoice_name"] = None, ""
    return draft


def _upsert(dialect: str):
    """INSERT … ON CONFLICT (user_id) DO UPDATE for ``dialect``, built once: one statement, no read first
    (the wizard saves after every change, each keystroke's hint included)."""
    if dialect not in _UPSERTS:
        insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
        stmt = insert(RegistrationDraft).values(user_id=sa.bindparam("user_id"), data=sa.bindparam("data"),
                                                updated_at=sa.bindparam("updated_at"))
        _UPSERTS[dialect] = stmt.on_conflict_do_update(
            index_elements=[RegistrationDraft.user_id],
            set_={"data": stmt.excluded.data, "updated_at": stmt.excluded.updated_at})
    return _UPSERTS[dialect]


_UPSERTS: dict[str, sa.Insert] = {}


def save(*, session: Session, user_id: int, data: dict) -> None:
    """Keep ``data`` as the account's draft (replacing the last one); the caller commits."""
    draft = _clean(data)
    if not _usable_invoice(session, user_id, draft["invoice_file_id"]):
        draft["invoice_file_id"], draft["invoice_name"] = None, ""
    db.execute(session, _upsert(session.get_bind().dialect.name), {
        "user_id": user_id, "data": json.dumps(draft, sort_keys=True), "updated_at": utcnow()})


def discard(*, session: Session, user_id: int) -> None:
    """Forget the account's draft (after the product is registered).  Flushes."""
    row = session.get(RegistrationDraft, user_id)
    if row is not None:
        session.delete(row)
        session.flush()
