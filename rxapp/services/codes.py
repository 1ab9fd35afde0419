"""A promotion's pool of prize codes: import, reserve, release, issue, stock.

A code is *reserved* for a claim when the claim is submitted, *issued* when
the claim is approved, and *released* back to the pool when the claim is
rejected.  An approved claim therefore never meets an empty pool, and the
database (``promotioncode.redemption_id`` is unique) guarantees that no code is
ever held by two claims.

CSV import rules (decided here, shown to the reviewer line by line):

* one code per line; a first line ``code`` (any case) is a header and skipped;
  a line with several non-empty cells is an error;
* a code is 4 to 80 characters of ``A-Z a-z 0-9 - _`` (surrounding spaces are
  trimmed; codes are compared exactly, as the prize vendor issued them);
* an empty line *between* codes is an error: in a pool export a hole usually
  means a lost or shifted cell, and silently skipping it would hide that.
  Empty lines at the very end of the file are ignored (editors add them);
* a code twice in the file, or already in this promotion's pool, is an error;
* any error means nothing is imported.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from rxapp import db
from rxapp.models import PrizeType, Promotion, PromotionCode, Redemption, utcnow
from rxapp.services import access
from rxapp.services.errors import Conflict, FieldErrors, NotFound

CODE_RE = re.compile(r"^[A-Za-z0-9_-]{4,80}$")
MAX_LINES = 200_000
_RESERVE_RETRIES = 50


@dataclass(frozen=True)
class LineProblem:
    """One problem on one line of an uploaded file (1-based line numbers)."""

    line: int
    code: str
    message: str


@dataclass
class ImportReport:
    """What an import did: ``imported`` codes, or ``errors`` and nothing imported."""

    imported: int = 0
    errors: list[LineProblem] = field(default_factory=list)
    lines_read: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def _digital_promotion(session: Session, promotion_id: int) -> Promotion:
    promotion = session.get(Promotion, promotion_id)
    if promotion is None:
        raise NotFound("This promotion does not exist.")
    return promotion


def _parse(text: str) -> tuple[list[tuple[int, str]], list[LineProblem], int]:
    """[(line number, code)], problems, lines read — no database access."""
    text = text.lstrip("\ufeff")
    raw_lines = text.splitlines()
    # Trailing empty lines are not holes between codes.
    while raw_lines and not raw_lines[-1].strip():
        raw_lines.pop()
    problems: list[LineProblem] = []
    codes: list[tuple[int, str]] = []
    if len(raw_lines) > MAX_LINES:
        problems.append(
            LineProblem(MAX_LINES + 1, "", f"The file has {len(raw_lines)} lines; upload at most {MAX_LINES} codes at a time.")
        )
        return codes, problems, len(raw_lines)
    first_seen: dict[str, int] = {}
    for number, line in enumerate(raw_lines, start=1):
        if not line.strip():
            problems.append(LineProblem(number, "", "Empty line: remove it or put the missing code here."))
            continue
        cells = [c.strip() for c in next(csv.reader([line]), [])]
        filled = [c for c in cells if c]
        if number == 1 and len(filled) == 1 and filled[0].lower() == "code":
            continue  # header
        if len(filled) != 1:
            problems.append(
                LineProblem(number, line.strip()[:80], "Expected one code on this line, found several values.")
            )
            continue
        code = filled[0]
        if not CODE_RE.match(code):
            if not 4 <= len(code) <= 80:
                message = f"A code must be 4 to 80 characters long; this one has {len(code)}."
            else:
                bad = sorted({ch for ch in code if not re.match(r"[A-Za-z0-9_-]", ch)})
                shown = " ".join(repr(ch) for ch in bad)
                message = f"Not allowed in a code: {shown}. Use only letters, digits, '-' and '_'."
            problems.append(LineProblem(number, code[:80], message))
            continue
        if code in first_seen:
            problems.append(LineProblem(number, code, f"Duplicate: the same code is already on line {first_seen[code]}."))
            continue
        first_seen[code] = number
        codes.append((number, code))
    return codes, problems, len(raw_lines)


def import_csv(*, session: Session, actor_id: int, promotion_id: int, text: str) -> ImportReport:
    """Validate ``text`` line by line and add its codes to the promotion's pool.

    Returns an ``ImportReport``: either every code imported (flushed, the
    caller commits) or the list of problems and nothing imported.  Raises
    ``NotFound`` for an unknown promotion, ``FieldErrors({"file": …})`` for a
    promotion whose prize is not a code, and ``Conflict`` when another import
    added one of these codes at the same moment (roll back and retry), and
    ``Forbidden`` unless ``actor_id`` is a reviewer.
    """
    access.check_reviewer(session=session, user_id=actor_id)
    promotion = _digital_promotion(session, promotion_id)
    if promotion.prize_type != PrizeType.digital_code:
        raise FieldErrors({"file": "This promotion gives a physical prize: it has no code pool."})
    codes, problems, lines_read = _parse(text)
    report = ImportReport(lines_read=lines_read, errors=problems)
    if not codes and not problems:
        report.errors.append(LineProblem(1, "", "The file holds no codes."))
        return report
    # Codes that already exist in this promotion, looked up in chunks.
    existing: set[str] = set()
    values = [c for _, c in codes]
    for start in range(0, len(values), 500):
        chunk = values[start : start + 500]
        existing.update(
            session.exec(
                select(PromotionCode.code).where(
                    PromotionCode.promotion_id == promotion_id, PromotionCode.code.in_(chunk)
                )
            ).all()
        )
    for number, code in codes:
        if code in existing:
            report.errors.append(LineProblem(number, code, "Already in this promotion's code pool."))
    if report.errors:
        report.errors.sort(key=lambda p: p.line)
        return report
    now = utcnow()
    try:
        session.execute(
            sa.insert(PromotionCode),
            [{"promotion_id": promotion_id, "code": c, "created_at": now} for _, c in codes],
        )
        session.flush()
    except IntegrityError:
        raise Conflict(
            "Some of these codes were added by someone else at the same moment. Nothing was imported: please upload the file again."
        ) from None
    report.imported = len(codes)
    return report


def reserve(*, session: Session, promotion_id: int, redemption_id: int) -> PromotionCode | None:
    """Reserve one free code of the promotion for the claim; ``None`` when the pool is empty.

    Safe under concurrency: the UPDATE is conditional (``… AND redemption_id
    IS NULL``) and retried on a lost race; on PostgreSQL the free row is also
    picked with ``FOR UPDATE SKIP LOCKED`` so concurrent claims take different
    codes without queueing on one.  A claim that already holds a code gets
    that code back.
    """
    held = session.exec(select(PromotionCode).where(PromotionCode.redemption_id == redemption_id)).first()
    if held is not None:
        return held
    table = PromotionCode.__table__
    now = utcnow()
    postgres = session.get_bind().dialect.name == "postgresql"
    code_id = None
    for _ in range(_RESERVE_RETRIES):
        free = (
            sa.select(table.c.id)
            .where(table.c.promotion_id == promotion_id, table.c.redemption_id.is_(None))
            .order_by(table.c.id)
            .limit(1)
        )
        if postgres:
            # Concurrent claims skip each other's rows instead of queueing on one.
            free = free.with_for_update(skip_locked=True)
        candidate = session.execute(free).scalar()
        if candidate is None:
            break
        # Conditional: a code somebody took meanwhile is not taken twice.
        result = session.execute(
            sa.update(table)
            .where(table.c.id == candidate, table.c.redemption_id.is_(None))
            .values(redemption_id=redemption_id, reserved_at=now)
        )
        if result.rowcount == 1:
            code_id = candidate
            break
    if code_id is None:
        return None
    return session.get(PromotionCode, code_id, populate_existing=True)


def release(*, session: Session, redemption_id: int) -> int:
    """Give the claim's reserved (not issued) code back to the pool; returns 0 or 1."""
    table = PromotionCode.__table__
    result = session.execute(
        sa.update(table)
        .where(table.c.redemption_id == redemption_id, table.c.issued_at.is_(None))
        .values(redemption_id=None, reserved_at=None)
    )
    session.flush()
    # Keep loaded objects honest after the bulk UPDATE.
    for obj in list(session.identity_map.values()):
        if isinstance(obj, PromotionCode) and obj.redemption_id == redemption_id:
            session.expire(obj)
    return result.rowcount


def issue(*, session: Session, redemption_id: int) -> PromotionCode:
    """Mark the claim's code as issued (idempotent) and return it.

    When the claim somehow holds no code (e.g. one imported before codes were
    reserved at submission), one is reserved now; when the pool is empty,
    raises ``Conflict`` telling the reviewer to upload more codes.
    """
    claim = session.get(Redemption, redemption_id)
    if claim is None:
        raise NotFound("This claim does not exist.")
    code = reserve(session=session, promotion_id=claim.promotion_id, redemption_id=redemption_id)
    if code is None:
        promotion = session.get(Promotion, claim.promotion_id)
        raise Conflict(
            f"The code pool of “{promotion.name}” is empty, so this claim cannot be approved yet. "
            "Upload more codes on the promotion's page, then approve again."
        )
    if code.issued_at is None:
        code.issued_at = utcnow()
        session.add(code)
        session.flush()
    return code


def stock(*, session: Session, promotion_id: int) -> dict:
    """Pool levels that add up: ``total == available + reserved + issued``.

    ``available``: free codes; ``reserved``: held by claims still waiting for a
    decision (given back if rejected); ``issued``: handed to approved claims;
    ``low`` when fewer than 5 or under 10 % are free."""
    table = PromotionCode.__table__
    total, held, issued = session.execute(
        sa.select(
            sa.func.count(table.c.id),
            sa.func.count(table.c.redemption_id),
            sa.func.count(table.c.issued_at),
        ).where(table.c.promotion_id == promotion_id)
    ).one()
    available = total - held
    return {
        "total": total,
        "reserved": held - issued,
        "issued": issued,
        "available": available,
        "low": is_low(total=total, available=available),
    }


def is_low(*, total: int, available: int) -> bool:
    """Low stock: fewer than 5 free codes, or under 10 % of the pool."""
    return available < 5 or available * 10 < total


_FREE_CODES = (
    sa.select(PromotionCode.__table__.c.promotion_id, sa.func.count(PromotionCode.__table__.c.id))
    .where(PromotionCode.__table__.c.promotion_id.in_(sa.bindparam("ids", expanding=True)),
           PromotionCode.__table__.c.redemption_id.is_(None))
    .group_by(PromotionCode.__table__.c.promotion_id)
)


def available_by_promotion(*, session: Session, promotion_ids: list[int]) -> dict[int, int]:
    """Free codes per promotion, in one query (promotions without codes are absent)."""
    if not promotion_ids:
        return {}
    return {pid: n for pid, n in db.execute(session, _FREE_CODES, {"ids": promotion_ids})}
