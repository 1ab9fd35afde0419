"""The reviewer console's read side: queue, counts, claim detail, export, templates.

Decisions (approve / needs info / reject) live in ``services.redemptions``;
this module only reads, plus the reviewers' reason templates.

The queue is keyset-paged over ``(due_on, id)`` — never OFFSET — so a page
5,000 pages deep costs what the first page costs.  Each page is one SQL
statement built with SQLAlchemy Core (explicit columns, no ORM objects) that
walks an index in order:

* a status given (the default: open claims, ``under_review``):
  ``ix_redemption_queue (status, due_on, id)``,
* a status and a promotion: ``ix_redemption_promotion_queue
  (promotion_id, status, due_on, id)``,
* any status: ``ix_redemption_due (due_on, id)``.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa
from sqlmodel import Session, select

from rxapp.models import (
    AppSetting,
    EmailMessage,
    MissingDocument,
    ProductCategory,
    ProductModel,
    Promotion,
    ReasonTemplate,
    Redemption,
    RedemptionEvent,
    RedemptionStatus,
    Region,
    RegisteredProduct,
    Role,
    SerialAttempt,
    SerialAttemptKind,
    SerialRecord,
    Store,
    StoredFile,
    User,
)
from rxapp.services import clock
from rxapp.services.errors import FieldErrors, Forbidden, NotFound

# Core tables: the queue reads columns, not ORM objects (the ORM's per-row cost
# would dominate a 50-row page).
_R = Redemption.__table__
_P = RegisteredProduct.__table__
_S = SerialRecord.__table__
_M = ProductModel.__table__
_PROMO = Promotion.__table__
_U = User.__table__
_ST = Store.__table__
_AS = AppSetting.__table__

REVIEWER_ROLES = (Role.reviewer, Role.admin)
EXPORT_CHUNK = 1000
MAX_LIMIT = 500


# --------------------------------------------------------------------------- access


def require_reviewer(*, session: Session, user_id: int | None) -> User:
    """The signed-in user when they may use the reviewer console.

    Raises ``Forbidden`` for no user, an unknown user, or a customer.
    """
    user = session.get(User, user_id) if user_id else None
    if user is None or user.role not in REVIEWER_ROLES:
        raise Forbidden("This page is for reviewers. Please sign in with a reviewer account.")
    return user


# --------------------------------------------------------------------------- queue


@dataclass(frozen=True)
class QueueFilter:
    """What the reviewer narrowed the queue to.

    ``status=None`` means every status; the default shows open claims.
    ``search`` matches an exact serial number (any case/spacing), a customer
    email (exact or its beginning, any case) or a claim number ("#123" / "123").
    """

    status: RedemptionStatus | None = RedemptionStatus.under_review
    promotion_id: int | None = None
    region_code: str | None = None
    submitted_from: date | None = None
    submitted_to: date | None = None
    search: str = ""


@dataclass
class Page:
    """One page of queue rows; the cursors are opaque strings (None: no such page)."""

    rows: list[dict] = field(default_factory=list)
    next_cursor: str | None = None
    prev_cursor: str | None = None


def encode_cursor(due_on: date, claim_id: int) -> str:
    """The opaque position of a queue row (its ``(due_on, id)`` key)."""
    raw = f"{due_on.isoformat()}.{int(claim_id)}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


_CURSOR_RE = re.compile(r"(\d{4}-\d{2}-\d{2})\.(\d{1,18})")


def decode_cursor(cursor: str | None) -> tuple[date, int] | None:
    """The key inside a cursor, or None for a missing or malformed one (never raises)."""
    if not cursor or not isinstance(cursor, str) or len(cursor) > 64:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    m = _CURSOR_RE.fullmatch(raw)
    if not m:
        return None
    try:
        return date.fromisoformat(m.group(1)), int(m.group(2))
    except ValueError:
        return None


_CLAIM_NO_RE = re.compile(r"#?\s*(\d{1,18})")


def _day_start(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=timezone.utc)


def _criteria(flt: QueueFilter, *, with_status: bool = True) -> tuple[tuple[str, ...], dict]:
    """The filter as a *shape* (which criteria are present) and its bound values.

    Statements are built once per shape (``_where``/``_page_stmt``) and only
    the values change between calls, so SQLAlchemy neither rebuilds nor
    recompiles them.
    """
    shape: list[str] = []
    params: dict = {}
    if with_status and flt.status is not None:
        shape.append("status")
        params["status"] = RedemptionStatus(flt.status)
    if flt.promotion_id is not None:
        shape.append("promotion")
        params["promotion_id"] = int(flt.promotion_id)
    if flt.region_code:
        shape.append("region")
        params["region_code"] = flt.region_code.strip().upper()
    if flt.submitted_from is not None:
        shape.append("from")
        params["submitted_from"] = _day_start(flt.submitted_from)
    if flt.submitted_to is not None:
        shape.append("to")
        params["submitted_to"] = _day_start(flt.submitted_to + timedelta(days=1))
    text = (flt.search or "").strip()
    if text:
        # One OR over indexed lookups: claim number, serial, customer email (prefix).
        terms = 0
        m = _CLAIM_NO_RE.fullmatch(text)
        if m:
            shape.append("search_id")
            params["search_id"] = int(m.group(1))
            terms += 1
        serial = re.sub(r"\s+", "", text).upper()
        if "@" not in serial:
            shape.append("search_serial")
            params["search_serial"] = serial
            terms += 1
        email = text.lower()
        # Prefixes shorter than 3 characters would match most customers.
        if len(email) >= 3 and not any(ch.isspace() for ch in email):
            shape.append("search_email")
            params["search_email"] = email
            params["search_email_end"] = email + "\U0010ffff"
            params["search_email_len"] = len(email)
            terms += 1
        if not terms:
            shape.append("search_none")
    return tuple(shape), params


def _where(shape: tuple[str, ...]) -> list:
    """The WHERE clauses of a filter shape, with bound parameters."""
    bp = sa.bindparam
    conds = []
    searching = any(part.startswith("search_") for part in shape)
    if "status" in shape:
        # While searching, the status must not steer the planner into walking
        # the whole (status, due_on) index: wrapped, it is only checked.
        status = sa.func.coalesce(_R.c.status, _R.c.status) if searching else _R.c.status
        conds.append(status == bp("status"))
    if "promotion" in shape:
        promotion = sa.func.coalesce(_R.c.promotion_id, 0) if searching else _R.c.promotion_id
        conds.append(promotion == bp("promotion_id"))
    if "region" in shape:
        conds.append(_P.c.region_code == bp("region_code"))
    if "from" in shape:
        conds.append(_R.c.submitted_at >= bp("submitted_from"))
    if "to" in shape:
        conds.append(_R.c.submitted_at < bp("submitted_to"))
    # A search names few claims: collect their ids through the indexes
    # (claim number, serial → product, email prefix → user) so the database
    # drives the page from those ids instead of walking the whole queue.
    terms = []
    if "search_id" in shape:
        terms.append(sa.select(_R.c.id).where(_R.c.id == bp("search_id")))
    if "search_serial" in shape:
        terms.append(
            sa.select(_R.c.id).where(
                _R.c.product_id.in_(
                    sa.select(_P.c.id)
                    .join(_S, _S.c.id == _P.c.serial_id)
                    .where(_S.c.serial == bp("search_serial"))
                )
            )
        )
    if "search_email" in shape:
        # A range walks the unique index on user.email; substr keeps the answer
        # right under collations where a range alone would not.
        terms.append(
            sa.select(_R.c.id).where(
                _R.c.user_id.in_(
                    sa.select(_U.c.id).where(
                        _U.c.email >= bp("search_email"),
                        _U.c.email < bp("search_email_end"),
                        sa.func.substr(_U.c.email, 1, bp("search_email_len", type_=sa.Integer))
                        == bp("search_email", type_=sa.String),
                    )
                )
            )
        )
    if terms:
        conds.append(_R.c.id.in_(sa.union_all(*terms) if len(terms) > 1 else terms[0]))
    if "search_none" in shape:
        conds.append(sa.false())
    return conds


_ROW_COLUMNS = (
    _R.c.id,
    # Read raw (the dialect's own value): the page needs only the day, and
    # skipping the datetime/enum decoding keeps a page close to raw SQL speed.
    sa.type_coerce(_R.c.submitted_at, sa.String).label("submitted_at"),
    _R.c.due_on,
    sa.type_coerce(_R.c.status, sa.String).label("status"),
    _PROMO.c.name.label("promotion_name"),
    _M.c.name.label("product_name"),
    _S.c.serial,
    _U.c.email,
    _P.c.region_code,
    _ST.c.name.label("store_name"),
    # The claim's version: a bulk decision passes it back as ``expected_version``
    # so that a claim changed since the page was read is not decided blind.
    _R.c.version,
    # The demo date rides along (same statement, one index probe) so that a
    # page needs no second query to know "today" for the overdue flag.
    sa.select(_AS.c.value)
    .where(_AS.c.key == clock.DEMO_DATE_KEY)
    .scalar_subquery()
    .label("demo_date"),
)


@lru_cache(maxsize=512)
def _page_stmt(shape: tuple[str, ...], keyed: bool, backwards: bool):
    """The page SELECT for a filter shape: one statement, joins by primary key."""
    joined = (
        _R.join(_P, _P.c.id == _R.c.product_id)
        .join(_S, _S.c.id == _P.c.serial_id)
        .join(_M, _M.c.id == _S.c.model_id)
        .join(_PROMO, _PROMO.c.id == _R.c.promotion_id)
        .join(_U, _U.c.id == _R.c.user_id)
        .join(_ST, _ST.c.id == _P.c.store_id)
    )
    conds = _where(shape)
    if keyed:
        order_key = sa.tuple_(_R.c.due_on, _R.c.id)
        bound = sa.tuple_(sa.bindparam("k_due", type_=sa.Date), sa.bindparam("k_id", type_=sa.Integer))
        conds.append(order_key < bound if backwards else order_key > bound)
    order = (_R.c.due_on.desc(), _R.c.id.desc()) if backwards else (_R.c.due_on, _R.c.id)
    return (
        sa.select(*_ROW_COLUMNS)
        .select_from(joined)
        .where(*conds)
        .order_by(*order)
        .limit(sa.bindparam("lim", type_=sa.Integer))
    )


_OPEN = RedemptionStatus.under_review.value


def _day_of(value) -> date | None:
    """The UTC day of a stored timestamp (SQLite gives text, PostgreSQL a datetime)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).date() if value.tzinfo else value.date()
    return date.fromisoformat(str(value)[:10])


def _as_rows(raw, today: date) -> list[dict]:
    return [
        {
            "claim_id": cid,
            "submitted_on": _day_of(submitted),
            "due_on": due,
            "overdue": status == _OPEN and due < today,
            "status": status,
            "promotion_name": promotion,
            "product_name": product,
            "serial": serial,
            "customer_email": email,
            "region_code": region,
            "store_name": store,
            "version": version,
        }
        for cid, submitted, due, status, promotion, product, serial, email, region, store, version, _demo in raw
    ]


def _today_of(raw) -> date:
    """``clock.today`` from the demo date read with the page (real today when none)."""
    value = raw[0].demo_date if raw else None
    if value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    return clock.today()


def _fetch(session: Session, flt: QueueFilter, key, limit: int, backwards: bool = False):
    shape, params = _criteria(flt)
    params["lim"] = limit
    if key is not None:
        params["k_due"], params["k_id"] = key
    stmt = _page_stmt(shape, key is not None, backwards)
    return session.connection().execute(stmt, params).all()


def queue_page(
    *,
    session: Session,
    flt: QueueFilter | None = None,
    after: str | None = None,
    before: str | None = None,
    limit: int = 50,
    today: date | None = None,
) -> Page:
    """One page of the claim queue, oldest due first (``(due_on, id)`` ascending).

    ``after`` continues from ``next_cursor`` of the previous page; ``before``
    goes back from a ``prev_cursor``.  A malformed cursor starts from the
    beginning (never an error).  ``today`` (default ``clock.today``) decides
    the overdue flag.  Rows are plain dicts: claim_id, submitted_on, due_on,
    overdue, status, promotion_name, product_name, serial, customer_email,
    region_code, store_name, version (the claim's version, for ``expected_version``).
    """
    flt = flt or QueueFilter()
    limit = max(1, min(int(limit), MAX_LIMIT))
    back_key = decode_cursor(before) if before else None
    if back_key is not None:
        raw = _fetch(session, flt, back_key, limit + 1, backwards=True)
        more_before = len(raw) > limit
        raw = raw[:limit][::-1]
        return Page(
            rows=_as_rows(raw, today or _today_of(raw)),
            next_cursor=encode_cursor(raw[-1].due_on, raw[-1].id) if raw else None,
            prev_cursor=encode_cursor(raw[0].due_on, raw[0].id) if raw and more_before else None,
        )
    key = decode_cursor(after)
    raw = _fetch(session, flt, key, limit + 1)
    more = len(raw) > limit
    raw = raw[:limit]
    return Page(
        rows=_as_rows(raw, today or _today_of(raw)),
        next_cursor=encode_cursor(raw[-1].due_on, raw[-1].id) if more else None,
        prev_cursor=encode_cursor(raw[0].due_on, raw[0].id) if key is not None and raw else None,
    )


def queue_plan(*, session: Session, flt: QueueFilter | None = None, after: str | None = None) -> list[str]:
    """SQLite's EXPLAIN QUERY PLAN lines for the page query of ``flt`` (tests and the bench)."""
    flt = flt or QueueFilter()
    key = decode_cursor(after)
    shape, params = _criteria(flt)
    params["lim"] = 51
    if key is not None:
        params["k_due"], params["k_id"] = key
    stmt = _page_stmt(shape, key is not None, False).params(params)
    conn = session.connection()
    sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    return [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]


def counts(*, session: Session, flt: QueueFilter | None = None) -> dict[RedemptionStatus, int]:
    """Claims per status under the filter's other criteria (every status present, 0 when none)."""
    flt = flt or QueueFilter()
    shape, params = _criteria(flt, with_status=False)
    source = _R.join(_P, _P.c.id == _R.c.product_id) if "region" in shape else _R
    stmt = (
        sa.select(_R.c.status, sa.func.count())
        .select_from(source)
        .where(*_where(shape))
        .group_by(_R.c.status)
    )
    out = {s: 0 for s in RedemptionStatus}
    for status, n in session.connection().execute(stmt, params):
        out[RedemptionStatus(status)] = n
    return out


# --------------------------------------------------------------------------- export

EXPORT_HEADER = [
    "claim_id",
    "submitted_on",
    "due_on",
    "overdue",
    "status",
    "promotion_name",
    "product_name",
    "serial",
    "customer_email",
    "region_code",
    "store_name",
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe_cell(value) -> str:
    """A cell a spreadsheet will not run: text starting like a formula gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = value.isoformat() if isinstance(value, date) else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def _csv_line(cells: list) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow([_safe_cell(c) for c in cells])
    return buf.getvalue()


def export_csv(
    *, session: Session, flt: QueueFilter | None = None, today: date | None = None
) -> Iterator[str]:
    """The filtered queue as CSV lines (header first), streamed.

    Pages through the keyset in chunks of 1000 rows, so memory stays flat
    however many claims match.  Cells are CSV-quoted, and cells that a
    spreadsheet would take for a formula (= + - @) start with a ``'``.
    """
    flt = flt or QueueFilter()
    today = today or clock.today(session)
    yield _csv_line(EXPORT_HEADER)
    key = None
    while True:
        raw = _fetch(session, flt, key, EXPORT_CHUNK)
        for row in _as_rows(raw, today):
            yield _csv_line([row[c] for c in EXPORT_HEADER])
        if len(raw) < EXPORT_CHUNK:
            return
        key = (raw[-1].due_on, raw[-1].id)


# --------------------------------------------------------------------------- claim detail


def _file_facts(session: Session, file_id: int | None) -> dict | None:
    if file_id is None:
        return None
    f = session.get(StoredFile, file_id)
    if f is None:
        return None
    return {
        "file_id": f.id,
        "kind": f.kind.value,
        "content_type": f.content_type,
        "size": f.size,
        "width": f.width,
        "height": f.height,
        "sha256": f.sha256,
        "original_name": f.original_name,
    }


def _eligibility(session: Session, claim: Redemption) -> dict | None:
    """The eligibility checks recomputed now: {"eligible", "checks": [{rule, ok, message}]}.

    Uses ``services.eligibility.check`` (imported lazily; None when that
    module is missing).  The "not already claimed" rule is left out: the claim
    under review is the one it would find.
    """
    try:
        from rxapp.services import eligibility  # noqa: PLC0415 - optional at import time
    except ImportError:
        return None
    try:
        result = eligibility.check(
            session=session,
            product_id=claim.product_id,
            promotion_id=claim.promotion_id,
            user_id=claim.user_id,
            invoice_file_id=claim.invoice_file_id,
        )
    except NotFound as exc:
        return {"eligible": False, "checks": [{"rule": "product", "ok": False, "message": exc.message}]}
    failed = {r.rule: r.message for r in result.reasons if r.rule != "not_claimed"}
    notes: dict[str, str] = {}
    promotion = session.get(Promotion, claim.promotion_id)
    submitted_on = claim.submitted_at.date()
    if "running" in failed and promotion.starts_on <= submitted_on <= promotion.ends_on:
        # What matters for a claim is that it came in while the promotion ran.
        del failed["running"]
        notes["running"] = f"Submitted on {submitted_on.isoformat()}, while the promotion ran."
    rules = [r for r in getattr(eligibility, "RULES", tuple(failed)) if r != "not_claimed"]
    rules += [r for r in failed if r not in rules]
    return {
        "eligible": not failed,
        "checks": [
            {"rule": r, "ok": r not in failed, "message": failed.get(r, notes.get(r, ""))} for r in rules
        ],
    }


KIND_SAME_SERIAL = "same serial on another account"
KIND_SAME_INVOICE = "same invoice image"
KIND_SAME_ADDRESS = "same address"
KIND_SERIAL_ATTEMPT = "someone else tried to register this serial"


def linked_claims(*, session: Session, claim_id: int) -> list[dict]:
    """Other claims and attempts that share something with this claim.

    Kinds: the same serial registered on another account (any active state),
    the same invoice image (sha256) on another claim or product, the same
    normalised address on another claim, and refused attempts by someone else
    to register this serial.  Each row: kind, claim_id (None when there is no
    claim, e.g. a product without one), product_id, user_email, status, at.
    Raises ``NotFound`` for an unknown claim.
    """
    claim = session.get(Redemption, claim_id)
    if claim is None:
        raise NotFound(f"Claim #{claim_id} does not exist.")
    product = session.get(RegisteredProduct, claim.product_id)
    out: list[dict] = []
    seen: set[tuple[str, int | None, int | None]] = set()

    def add(kind, claim_row, product_id, email, at=None):
        key = (kind, claim_row.id if claim_row else None, product_id)
        if key in seen:
            return
        seen.add(key)
        out.append(
            {
                "kind": kind,
                "claim_id": claim_row.id if claim_row else None,
                "product_id": product_id,
                "user_email": email,
                "status": claim_row.status.value if claim_row else None,
                "at": at,
            }
        )

    def claims_of_products(kind, rows):
        """One link per claim of each product, or one for a product with no claim."""
        for p, email in rows:
            claims = session.exec(
                select(Redemption).where(Redemption.product_id == p.id).order_by(Redemption.id)
            ).all()
            if not claims:
                add(kind, None, p.id, email, p.registered_at)
            for c in claims:
                if c.id != claim.id:
                    add(kind, c, p.id, email, c.submitted_at)

    # Same serial, another account.
    rows = session.exec(
        select(RegisteredProduct, User.email)
        .join(User, User.id == RegisteredProduct.user_id)
        .where(
            RegisteredProduct.serial_id == product.serial_id,
            RegisteredProduct.user_id != claim.user_id,
        )
        .order_by(RegisteredProduct.id)
    ).all()
    claims_of_products(KIND_SAME_SERIAL, rows)

    # Same invoice image (by content hash) on another claim or product.
    own_files = {fid for fid in (claim.invoice_file_id, product.invoice_file_id) if fid}
    if own_files:
        hashes = session.exec(
            select(StoredFile.sha256).where(StoredFile.id.in_(own_files))
        ).all()
        twins = sa.select(StoredFile.id).where(StoredFile.sha256.in_(set(hashes)))
        other_claims = session.exec(
            select(Redemption, User.email)
            .join(User, User.id == Redemption.user_id)
            .where(
                Redemption.id != claim.id,
                sa.or_(
                    Redemption.invoice_file_id.in_(twins),
                    Redemption.serial_photo_file_id.in_(twins),
                ),
            )
            .order_by(Redemption.id)
        ).all()
        for c, email in other_claims:
            add(KIND_SAME_INVOICE, c, c.product_id, email, c.submitted_at)
        other_products = session.exec(
            select(RegisteredProduct, User.email)
            .join(User, User.id == RegisteredProduct.user_id)
            .where(RegisteredProduct.id != product.id, RegisteredProduct.invoice_file_id.in_(twins))
            .order_by(RegisteredProduct.id)
        ).all()
        claims_of_products(KIND_SAME_INVOICE, other_products)

    # Same normalised address on another claim.
    if claim.address_key:
        rows = session.exec(
            select(Redemption, User.email)
            .join(User, User.id == Redemption.user_id)
            .where(Redemption.address_key == claim.address_key, Redemption.id != claim.id)
            .order_by(Redemption.id)
        ).all()
        for c, email in rows:
            add(KIND_SAME_ADDRESS, c, c.product_id, email, c.submitted_at)

    # Refused registrations of this serial by other accounts.
    serial = session.get(SerialRecord, product.serial_id)
    attempts = session.exec(
        select(SerialAttempt, User.email)
        .join(User, User.id == SerialAttempt.user_id)
        .where(
            SerialAttempt.serial == serial.serial,
            SerialAttempt.kind == SerialAttemptKind.already_registered,
            SerialAttempt.user_id != claim.user_id,
        )
        .order_by(SerialAttempt.created_at, SerialAttempt.id)
    ).all()
    for a, email in attempts:
        out.append(
            {
                "kind": KIND_SERIAL_ATTEMPT,
                "claim_id": None,
                "product_id": None,
                "user_email": email,
                "status": None,
                "at": a.created_at,
            }
        )
    return out


def timeline(*, session: Session, claim_id: int) -> list[dict]:
    """The claim's audit trail, oldest first: who, from → to, reason, when."""
    rows = session.exec(
        select(RedemptionEvent, User.email)
        .outerjoin(User, User.id == RedemptionEvent.actor_id)
        .where(RedemptionEvent.redemption_id == claim_id)
        .order_by(RedemptionEvent.created_at, RedemptionEvent.id)
    ).all()
    return [
        {
            "event_id": e.id,
            "actor_email": email or "",
            "from_status": e.from_status.value if e.from_status else None,
            "to_status": e.to_status.value,
            "reason": e.reason,
            "at": e.created_at,
        }
        for e, email in rows
    ]


def claim_detail(*, session: Session, reviewer_id: int, claim_id: int) -> dict:
    """Everything a reviewer needs to decide one claim, as plain dicts.

    Keys: claim, registration, customer, recipient, files (invoice,
    serial_photo), eligibility (None when the eligibility service is not
    available), linked, timeline, emails.  Raises ``Forbidden`` for a
    non-reviewer and ``NotFound`` for an unknown claim.
    """
    require_reviewer(session=session, user_id=reviewer_id)
    claim = session.get(Redemption, claim_id)
    if claim is None:
        raise NotFound(f"Claim #{claim_id} does not exist.")
    product = session.get(RegisteredProduct, claim.product_id)
    serial = session.get(SerialRecord, product.serial_id)
    model = session.get(ProductModel, serial.model_id)
    category = session.get(ProductCategory, model.category_id)
    store = session.get(Store, product.store_id)
    region = session.get(Region, product.region_code)
    customer = session.get(User, claim.user_id)
    promotion = session.get(Promotion, claim.promotion_id)
    today = clock.today(session)
    emails = session.exec(
        select(EmailMessage)
        .where(EmailMessage.redemption_id == claim.id)
        .order_by(EmailMessage.created_at, EmailMessage.id)
    ).all()
    return {
        "claim": {
            "claim_id": claim.id,
            "status": claim.status.value,
            "version": claim.version,
            "promotion_id": promotion.id,
            "promotion_name": promotion.name,
            "prize_type": promotion.prize_type.value,
            "submitted_at": claim.submitted_at,
            "due_on": claim.due_on,
            "overdue": claim.status == RedemptionStatus.under_review and claim.due_on < today,
            "decided_at": claim.decided_at,
            "reason": claim.reason,
            "missing_document": claim.missing_document.value if claim.missing_document else None,
            "shipping_status": claim.shipping_status.value if claim.shipping_status else None,
            "tracking_number": claim.tracking_number,
        },
        "registration": {
            "product_id": product.id,
            "category": category.name,
            "model": model.name,
            "model_number": model.model_number,
            "serial": serial.serial,
            "chk": serial.chk,
            "store": store.name if store else "",
            "store_is_partner": bool(store and store.is_partner),
            "channel": product.channel.value,
            "purchase_date": product.purchase_date,
            "region_code": product.region_code,
            "region_name": region.name if region else product.region_code,
            "registered_at": product.registered_at,
            "is_active": product.is_active,
        },
        "customer": {
            "user_id": customer.id,
            "name": f"{customer.first_name} {customer.last_name}".strip(),
            "email": customer.email,
            "phone": customer.phone_e164,
        },
        "recipient": {
            "first_name": claim.first_name,
            "last_name": claim.last_name,
            "zipcode": claim.zipcode,
            "address": claim.address,
            "phone": claim.phone,
            "note": claim.note,
        },
        "files": {
            "invoice": _file_facts(session, claim.invoice_file_id or product.invoice_file_id),
            "serial_photo": _file_facts(session, claim.serial_photo_file_id),
        },
        "eligibility": _eligibility(session, claim),
        "linked": linked_claims(session=session, claim_id=claim.id),
        "timeline": timeline(session=session, claim_id=claim.id),
        "emails": [
            {
                "kind": m.kind,
                "to": m.to_email,
                "subject": m.subject,
                "status": m.status.value,
                "attempts": m.attempts,
                "sent_at": m.sent_at,
                "last_error": m.last_error,
            }
            for m in emails
        ],
    }


# --------------------------------------------------------------------------- reason templates

TEMPLATE_MAX = 500


def list_templates(*, session: Session, reviewer_id: int) -> list[dict]:
    """Every reason template, needs-info ones first, then by text."""
    require_reviewer(session=session, user_id=reviewer_id)
    rows = session.exec(
        select(ReasonTemplate).order_by(ReasonTemplate.is_rejection, ReasonTemplate.text)
    ).all()
    return [
        {
            "template_id": t.id,
            "text": t.text,
            "missing_document": t.missing_document.value,
            "is_rejection": t.is_rejection,
        }
        for t in rows
    ]


def _clean_template(session: Session, text, missing_document, exclude_id: int | None):
    errors: dict[str, str] = {}
    clean = " ".join(str(text or "").split())
    if not clean:
        errors["text"] = "Please write the reason the customer will read."
    elif len(clean) > TEMPLATE_MAX:
        errors["text"] = f"Please keep the reason under {TEMPLATE_MAX} characters (it has {len(clean)})."
    else:
        dup = session.exec(
            select(ReasonTemplate.id).where(
                sa.func.lower(ReasonTemplate.text) == clean.lower(),
                *([ReasonTemplate.id != exclude_id] if exclude_id else []),
            )
        ).first()
        if dup:
            errors["text"] = "A template with this text already exists."
    doc = None
    try:
        doc = MissingDocument(missing_document)
    except ValueError:
        choices = ", ".join(m.value for m in MissingDocument)
        errors["missing_document"] = f"Please choose which document is missing ({choices})."
    if errors:
        raise FieldErrors(errors)
    return clean, doc


def create_template(
    *, session: Session, reviewer_id: int, text: str, missing_document, is_rejection: bool = False
) -> ReasonTemplate:
    """Add a reason template (flushed).  Raises ``Forbidden``, ``FieldErrors`` (text, missing_document)."""
    require_reviewer(session=session, user_id=reviewer_id)
    clean, doc = _clean_template(session, text, missing_document, None)
    t = ReasonTemplate(text=clean, missing_document=doc, is_rejection=bool(is_rejection))
    session.add(t)
    session.flush()
    return t


def update_template(
    *,
    session: Session,
    reviewer_id: int,
    template_id: int,
    text: str,
    missing_document,
    is_rejection: bool = False,
) -> ReasonTemplate:
    """Change a template (flushed).  Raises ``Forbidden``, ``NotFound``, ``FieldErrors``."""
    require_reviewer(session=session, user_id=reviewer_id)
    t = session.get(ReasonTemplate, template_id)
    if t is None:
        raise NotFound("This template no longer exists. Please reload the list.")
    clean, doc = _clean_template(session, text, missing_document, t.id)
    t.text, t.missing_document, t.is_rejection = clean, doc, bool(is_rejection)
    session.add(t)
    session.flush()
    return t


def delete_template(*, session: Session, reviewer_id: int, template_id: int) -> None:
    """Remove a template (claims keep their reason text).  Raises ``Forbidden``, ``NotFound``."""
    require_reviewer(session=session, user_id=reviewer_id)
    t = session.get(ReasonTemplate, template_id)
    if t is None:
        raise NotFound("This template no longer exists. Please reload the list.")
    session.delete(t)
    session.flush()
