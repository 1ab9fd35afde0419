"""The reviewer's claim queue: filter, keyset pages, counts per status.

One job: read the queue.  Every public function takes the acting user's id
and checks the reviewer role itself (``services.access``).

The queue is keyset-paged over ``(due_on, id)`` — never OFFSET — so a page
5,000 pages deep costs what the first page costs; riskiest first
(``QueueFilter.riskiest_first``, the open queue's default) over
``(risk_score DESC, due_on, id)``.  Each page is one SQL statement built with
SQLAlchemy Core (explicit columns, no ORM objects) that walks an index in order:

* a status given (the default: open claims, ``under_review``):
  ``ix_redemption_queue (status, due_on, id)``,
* a status and a promotion: ``ix_redemption_promotion_queue
  (promotion_id, status, due_on, id)``,
* any status: ``ix_redemption_due (due_on, id)``,
* a status, riskiest first: ``ix_redemption_risk_queue (status, risk_score DESC,
  due_on, id)``; with a promotion ``ix_redemption_promotion_risk_queue
  (promotion_id, status, risk_score DESC, due_on, id)``.  The key's mixed directions are no single row comparison, so a
  page after ``(r, d, i)`` is two index range walks of at most a page each,
  UNION ALL, then the first page of the (≤ 2 pages of) rows: the rest of risk
  ``r`` after ``(d, i)``, and the risks below ``r`` from their start.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
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
from rxapp.services.queue_cursors import (  # noqa: F401  (encode/decode: the queue's cursors, also read from here)
    cursor_of,
    decode,
    decode_cursor,
    decode_risk_cursor,
    encode_cursor,
    encode_risk_cursor,
)
from rxapp.services.queue_filter import QueueFilter
from rxapp.services.queue_sql import criteria, where

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


def _joined():
    return (
        _R.join(_P, _P.c.id == _R.c.product_id)
        .join(_S, _S.c.id == _P.c.serial_id)
        .join(_M, _M.c.id == _S.c.model_id)
        .join(_PROMO, _PROMO.c.id == _R.c.promotion_id)
        .join(_U, _U.c.id == _R.c.user_id)
        .join(_ST, _ST.c.id == _P.c.store_id)
    )


@lru_cache(maxsize=512)
def _page_stmt(shape: tuple[str, ...], keyed: bool, backwards: bool):
    """The page SELECT for a filter shape, oldest due first: one statement, joins by primary key."""
    conds = where(shape)
    if keyed:
        order_key = sa.tuple_(_R.c.due_on, _R.c.id)
        bound = sa.tuple_(sa.bindparam("k_due", type_=sa.Date), sa.bindparam("k_id", type_=sa.Integer))
        conds.append(order_key < bound if backwards else order_key > bound)
    order = (_R.c.due_on.desc(), _R.c.id.desc()) if backwards else (_R.c.due_on, _R.c.id)
    return (
        sa.select(*_ROW_COLUMNS)
        .select_from(_joined())
        .where(*conds)
        .order_by(*order)
        .limit(sa.bindparam("lim", type_=sa.Integer))
    )


@lru_cache(maxsize=512)
def _risk_page_stmt(shape: tuple[str, ...], keyed: bool, backwards: bool):
    """The page SELECT riskiest first, ``(risk_score DESC, due_on, id)`` (backwards: all reversed).

    After a key ``(r, d, i)``: the rest of risk ``r`` after ``(d, i)`` and the risks below ``r``, each
    an index range walk of at most ``lim`` rows, UNION ALL, then the first ``lim`` of those.
    """
    lim = sa.bindparam("lim", type_=sa.Integer)
    risk, due, cid = _R.c.risk_score, _R.c.due_on, _R.c.id
    order = (risk, due.desc(), cid.desc()) if backwards else (risk.desc(), due, cid)
    base = sa.select(*_ROW_COLUMNS).select_from(_joined()).where(*where(shape))
    if not keyed:
        return base.order_by(*order).limit(lim)
    k_risk = sa.bindparam("k_risk", type_=sa.Integer)
    bound = sa.tuple_(sa.bindparam("k_due", type_=sa.Date), sa.bindparam("k_id", type_=sa.Integer))
    same = base.where(risk == k_risk, sa.tuple_(due, cid) < bound if backwards else sa.tuple_(due, cid) > bound)
    rest = base.where(risk > k_risk if backwards else risk < k_risk)
    both = sa.union_all(
        sa.select(same.order_by(*order[1:]).limit(lim).subquery()),
        sa.select(rest.order_by(*order).limit(lim).subquery()),
    ).subquery()
    c = both.c
    outer = (c.risk_score, c.due_on.desc(), c.id.desc()) if backwards else (c.risk_score.desc(), c.due_on, c.id)
    return sa.select(both).order_by(*outer).limit(lim)


def _statement(flt: QueueFilter, key, backwards: bool, lim: int):
    """The page statement for ``flt`` in its order, and its bound values (``key``: that order's key)."""
    shape, params = criteria(flt)
    params["lim"] = lim
    by_risk = flt.riskiest_first
    if key is not None:
        if by_risk:
            params["k_risk"], params["k_due"], params["k_id"] = key
        else:
            params["k_due"], params["k_id"] = key
    build = _risk_page_stmt if by_risk else _page_stmt
    return build(shape, key is not None, backwards), params


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
    stmt, params = _statement(flt, key, backwards, limit)
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
    """One page of the claim queue: riskiest first (``(risk_score DESC, due_on, id)``) when
    ``flt.riskiest_first``, else oldest due first (``(due_on, id)`` ascending).

    ``after`` continues from ``next_cursor`` of the previous page; ``before``
    goes back from a ``prev_cursor``.  A malformed cursor, or one of the other
    order, starts from the beginning (never an error).  ``today`` (default
    ``clock.today``) decides the overdue flag.  Rows are plain dicts: claim_id,
    submitted_on, due_on, overdue, status, promotion_name, product_name, serial,
    customer_email, region_code, store_name, version (the claim's version, for
    ``expected_version``), risk_score.
    Raises ``Forbidden`` unless ``actor_id`` is a reviewer.
    """
    access.check_reviewer(session=session, user_id=actor_id)
    flt = flt or QueueFilter()
    by_risk = flt.riskiest_first
    limit = max(1, min(int(limit), MAX_LIMIT))
    back_key = decode(by_risk, before) if before else None
    if back_key is not None:
        raw = _fetch(session, flt, back_key, limit + 1, backwards=True)
        more_before = len(raw) > limit
        raw = raw[:limit][::-1]
        return Page(
            rows=_as_rows(raw, today or _today_of(raw)),
            next_cursor=cursor_of(by_risk, raw[-1]) if raw else None,
            prev_cursor=cursor_of(by_risk, raw[0]) if raw and more_before else None,
        )
    key = decode(by_risk, after)
    raw = _fetch(session, flt, key, limit + 1)
    more = len(raw) > limit
    raw = raw[:limit]
    return Page(
        rows=_as_rows(raw, today or _today_of(raw)),
        next_cursor=cursor_of(by_risk, raw[-1]) if more else None,
        prev_cursor=cursor_of(by_risk, raw[0]) if key is not None and raw else None,
    )


def neighbours(*, session: Session, actor_id: int, flt: QueueFilter, claim_id: int) -> tuple[int | None, int | None]:
    """The claims just before and just after ``claim_id`` in the queue under ``flt``, in its order
    (None: none; both None for a claim that does not exist).  Raises ``Forbidden`` unless ``actor_id``
    is a reviewer."""
    access.check_reviewer(session=session, user_id=actor_id)
    me = session.connection().execute(
        sa.select(_R.c.id, _R.c.due_on, _R.c.risk_score).where(_R.c.id == int(claim_id))).first()
    if me is None:
        return None, None
    cursor = cursor_of(flt.riskiest_first, me)
    after = queue_page(session=session, actor_id=actor_id, flt=flt, after=cursor, limit=1)
    before = queue_page(session=session, actor_id=actor_id, flt=flt, before=cursor, limit=1)
    return (before.rows[0]["claim_id"] if before.rows else None, after.rows[0]["claim_id"] if after.rows else None)


def queue_plan(*, session: Session, flt: QueueFilter | None = None, after: str | None = None) -> list[str]:
    """SQLite's EXPLAIN QUERY PLAN lines for the page query of ``flt`` (tests and the bench)."""
    flt = flt or QueueFilter()
    stmt, params = _statement(flt, decode(flt.riskiest_first, after), False, 51)
    conn = session.connection()
    sql = str(stmt.params(params).compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    return [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]


def counts(*, session: Session, actor_id: int, flt: QueueFilter | None = None) -> dict[RedemptionStatus, int]:
    """Claims per status under the filter's other criteria (every status present, 0 when none).

    Raises ``Forbidden`` unless ``actor_id`` is a reviewer.
    """
    access.check_reviewer(session=session, user_id=actor_id)
    flt = flt or QueueFilter()
    shape, params = criteria(flt, with_status=False)
    source = _R.join(_P, _P.c.id == _R.c.product_id) if "region" in shape else _R
    stmt = (
        sa.select(_R.c.status, sa.func.count())
        .select_from(source)
        .where(*where(shape))
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
    access.check_reviewer(session=session, user_id=actor_id)
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
    access.check_reviewer(session=session, user_id=actor_id)
    flt = flt or QueueFilter()
    return _chunks(session, flt, today, chunk)


def _chunks(session: Session, flt: QueueFilter, today: date, chunk: int) -> Iterator[dict]:
    # The export reads oldest due first, whatever order the queue shows.
    flt = replace(flt, order="due")
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
    access.check_reviewer(session=session, user_id=actor_id)
    rows = session.exec(select(Promotion.id, Promotion.name).order_by(Promotion.starts_on.desc(), Promotion.id))
    return [(pid, name) for pid, name in rows.all()]
