"""The reviewer's claim queue: filter, keyset pages, counts per status.

One job: read the queue.  Every public function takes the acting user's id
and checks the reviewer role itself (``services.access``).

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
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache

import sqlalchemy as sa
from sqlmodel import Session, select

from rxapp.i18n import N_
from rxapp.models import (
    AppSetting,
    ProductModel,
    Promotion,
    Redemption,
    RedemptionStatus,
    RegisteredProduct,
    SerialRecord,
    Store,
    User,
)
from rxapp.services import access, clock
from rxapp.services.queue_filter import SUMMARY_OF_CHECKS, QueueFilter

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

MAX_LIMIT = 500


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
    if flt.checks in SUMMARY_OF_CHECKS:
        shape.append("checks")
        params["evidence_summary"] = SUMMARY_OF_CHECKS[flt.checks]
    if flt.risk in ("signals", "none", "audit"):
        # The audit sample is approved: it is what the filter asks for, whatever the status filter says.
        shape.append("risk_" + flt.risk)
        if flt.risk == "audit" and "status" in shape:
            shape.remove("status")
            params.pop("status")
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
    if "checks" in shape:
        # Checked on the rows the keyset walk reads (like the region): the page stays one indexed walk.
        conds.append(_R.c.evidence_summary == bp("evidence_summary"))
    if "risk_signals" in shape:
        conds.append(_R.c.risk_score > 0)
    if "risk_none" in shape:
        conds.append(_R.c.risk_score == 0)
    if "risk_audit" in shape:
        conds.append(_R.c.audit_state == "sampled")
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
    _R.c.risk_score,
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
            "risk_score": risk,
        }
        for cid, submitted, due, status, promotion, product, serial, email, region, store, version, risk, _demo
        in raw
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
    actor_id: int,
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
    Raises ``Forbidden`` unless ``actor_id`` is a reviewer.
    """
    access.require_reviewer(session=session, user_id=actor_id)
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


def counts(*, session: Session, actor_id: int, flt: QueueFilter | None = None) -> dict[RedemptionStatus, int]:
    """Claims per status under the filter's other criteria (every status present, 0 when none).

    Raises ``Forbidden`` unless ``actor_id`` is a reviewer.
    """
    access.require_reviewer(session=session, user_id=actor_id)
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


@dataclass(frozen=True)
class HiddenMatches:
    """Claims a search matches that the queue's other filters hide (so the reviewer is told, not left guessing)."""

    by_status: dict[RedemptionStatus, int] = field(default_factory=dict)
    by_other_filters: int = 0
    other_filters: tuple[str, ...] = ()

    @property
    def any(self) -> bool:
        return bool(self.by_status) or self.by_other_filters > 0


def hidden_matches(
    *, session: Session, actor_id: int, flt: QueueFilter, per_status: dict[RedemptionStatus, int] | None = None
) -> HiddenMatches:
    """While searching: the matching claims the Status filter hides (per status), and how many more
    the promotion, region and date filters hide (with those filters' names).

    ``per_status`` is ``counts`` under ``flt`` when the caller has it already.  Nothing is hidden
    without a search.  Raises ``Forbidden`` unless ``actor_id`` is a reviewer.
    """
    access.require_reviewer(session=session, user_id=actor_id)
    if not (flt.search or "").strip():
        return HiddenMatches()
    if per_status is None:
        per_status = counts(session=session, actor_id=actor_id, flt=flt)
    by_status = {st: n for st, n in per_status.items() if n and flt.status is not None and st != flt.status}
    others = tuple(name for name, on in (
        (N_("Promotion"), flt.promotion_id is not None),
        (N_("Region / Location"), bool(flt.region_code)),
        (N_("Submitted from"), flt.submitted_from is not None),
        (N_("Submitted to"), flt.submitted_to is not None),
        (N_("Evidence checks"), flt.checks is not None),
        (N_("Risk"), flt.risk is not None),
    ) if on)
    beyond = 0
    if others:
        everywhere = counts(session=session, actor_id=actor_id, flt=QueueFilter(status=None, search=flt.search))
        beyond = sum(everywhere.values()) - sum(per_status.values())
    return HiddenMatches(by_status=by_status, by_other_filters=max(0, beyond), other_filters=others if beyond else ())


def rows_in_chunks(
    *, session: Session, actor_id: int, flt: QueueFilter | None = None, today: date, chunk: int = 1000
) -> Iterator[dict]:
    """Every queue row under ``flt`` (same dicts as ``queue_page``), read ``chunk`` rows at a time.

    Memory stays flat however many claims match.  Raises ``Forbidden`` unless
    ``actor_id`` is a reviewer (checked before the first row).
    """
    access.require_reviewer(session=session, user_id=actor_id)
    flt = flt or QueueFilter()
    return _chunks(session, flt, today, chunk)


def _chunks(session: Session, flt: QueueFilter, today: date, chunk: int) -> Iterator[dict]:
    key = None
    while True:
        raw = _fetch(session, flt, key, chunk)
        yield from _as_rows(raw, today)
        if len(raw) < chunk:
            return
        key = (raw[-1].due_on, raw[-1].id)


def promotion_choices(*, session: Session, actor_id: int) -> list[tuple[int, str]]:
    """(id, name) of every promotion, newest first, for the queue's filter select.

    Raises ``Forbidden`` unless ``actor_id`` is a reviewer.
    """
    access.require_reviewer(session=session, user_id=actor_id)
    rows = session.exec(select(Promotion.id, Promotion.name).order_by(Promotion.starts_on.desc(), Promotion.id))
    return [(pid, name) for pid, name in rows.all()]
