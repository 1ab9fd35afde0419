"""The queue's filter as SQL: which criteria a ``QueueFilter`` sets (its *shape*), their bound values,
and the WHERE clauses of a shape (``services.review_queue`` builds its statements from them).

Statements are built once per shape and only the values change between calls, so SQLAlchemy neither
rebuilds nor recompiles them.  Every criterion is checked on the rows an index walk reads, or (a search)
drives the page from the few ids it matches.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa

from rxapp.models import Redemption, RedemptionStatus, RegisteredProduct, SerialRecord, User
from rxapp.services.queue_filter import SUMMARY_OF_CHECKS, QueueFilter

_R = Redemption.__table__
_P = RegisteredProduct.__table__
_S = SerialRecord.__table__
_U = User.__table__

_CLAIM_NO_RE = re.compile(r"#?\s*(\d{1,18})")


def _day_start(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=timezone.utc)


def criteria(flt: QueueFilter, *, with_status: bool = True) -> tuple[tuple[str, ...], dict]:
    """The filter as a *shape* (which criteria are present) and its bound values.

    Statements are built once per shape (``where`` and the page statements) and only
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


def where(shape: tuple[str, ...]) -> list:
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
