"""Serial numbers: normalising, live hints while typing, and the CHK check.

The formats are described in ``rxapp.services.catalog``.  ``hints`` runs on
every keystroke (debounced by the page): it does at most three indexed
lookups (category by id, the serial, one corrected candidate) and never scans.

The CHK lock: 5 wrong CHK codes for one serial within an hour (from any
account) lock that serial for an hour after the fifth.  1,000 possible codes
would otherwise be guessed in minutes.

Attempts (wrong CHK, a serial already registered to another account) must be
kept even though the caller's transaction fails: they are written in their
own short transaction on a separate connection (``_record_attempt``).  The
one exception is a SQLite caller that already holds the write lock (it has
written in its transaction): a second writer would wait for it, so the
attempt then goes into the caller's session and the caller must commit it.
"""

from __future__ import annotations

import hmac
import logging
import re
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from rxapp import db
from rxapp.i18n import N_, _, ngettext
from rxapp.models import (
    ProductCategory,
    ProductModel,
    RegisteredProduct,
    SerialAttempt,
    SerialAttemptKind,
    SerialRecord,
    utcnow,
)
from rxapp.services import clock
from rxapp.services.errors import Conflict, FieldErrors, Locked
from rxapp.services.serial_format import example_serial, normalise

log = logging.getLogger(__name__)

MAX_CHK_TRIES = 5
LOCK_WINDOW = timedelta(hours=1)
LOCK_DURATION = timedelta(hours=1)

# Marked here, translated where raised (``_(ALREADY_YOURS)``): the language of the event that shows them.
ALREADY_YOURS = N_("You have already registered this product: you can find it in My Products.")
CHK_HELP = N_('The CHK code is the 3 digits printed next to "CHK" on the serial number sticker.')
ALREADY_REGISTERED_ELSEWHERE = N_(
    "This serial number is already registered to another account. "
    "If you bought this product, please contact support via Web Ticket with your invoice."
)

# A letter typed where the format wants a digit, and the digit meant.
_LETTER_FOR_DIGIT = {"O": "0", "I": "1", "L": "1", "S": "5", "B": "8"}
# A digit typed where the format wants a letter, and the letter meant.
_DIGIT_FOR_LETTER = {"0": "O", "1": "I", "5": "S", "8": "B"}
# How to name a typed character: upper-casing hides that "L" was typed as "l".
_SHOWN = {"L": "l"}


def format_help(category: ProductCategory) -> str:
    """The format in words: 'AA####A###### (A = letter, # = digit), e.g. MB2110N004217'."""
    return _("{format} (A = letter, # = digit), e.g. {example}").format(
        format=category.serial_format, example=example_serial(category.serial_format))


@dataclass
class SerialHints:
    normalised: str
    # empty | typing | format_mismatch | confusable | not_found | other_category | found
    status: str
    message: str = ""
    suggestion: str = ""
    position: int | None = None  # 1-based position the message is about
    product_type: str = ""
    product_name: str = ""
    model: str = ""
    model_id: int | None = None
    serial_id: int | None = None
    # The category the serial belongs to (or looks like), when it is not the chosen one: "Switch to …".
    switch_category_id: int | None = None
    switch_category: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def hints(*, session: Session, category_id: int, raw: str) -> SerialHints:
    """What to tell the customer about the serial typed so far, for one category.

    Cheap enough for every keystroke: the (small) category table, one
    unique-index lookup of the serial as any category would write it, and at
    most one more for a "did you mean" candidate.  A serial of another
    category (in the registry, or only by its format) names that category and
    offers to switch to it.
    """
    categories = db.execute(session, _CATEGORIES).all()
    category = next((c for c in categories if c.id == category_id), None)
    if category is None:
        return SerialHints(normalised="", status="empty", message=_("Please choose a product category first."))
    fmt = category.serial_format
    serial = normalise(raw, fmt)
    if not serial:
        return SerialHints(normalised="", status="empty")

    known = _registry_match(session, raw, categories)
    if known is not None and known.category_id != category.id:
        return SerialHints(
            normalised=known.serial,
            status="other_category",
            message=_(
                "This serial number belongs to a {other} ({model}), not a {category}. Switch to {other} to go on."
            ).format(other=known.category_name, model=known.model_name, category=category.name),
            switch_category_id=known.category_id,
            switch_category=known.category_name,
        )

    help_text = format_help(category)
    if len(serial) > len(fmt):
        return _mismatch(
            serial, category, categories, raw,
            _("This is too long for a {category} serial number ({n} characters). "
              "{category} serials look like {format}.").format(
                category=category.name, n=len(serial.replace('-', '')), format=help_text),
        )

    corrected = []
    first_confusion: tuple[int, str, str, str] | None = None  # (pos, kind, typed, meant)
    plain_mismatch = False
    for pos, (typed, kind) in enumerate(zip(serial, fmt), start=1):
        if kind == "#" and not typed.isdigit():
            meant = _LETTER_FOR_DIGIT.get(typed)
        elif kind == "A" and not ("A" <= typed <= "Z"):
            meant = _DIGIT_FOR_LETTER.get(typed)
        elif kind not in "#A" and typed != kind:
            meant = None
        else:
            corrected.append(typed)
            continue
        if meant is None:
            plain_mismatch = True
            break
        corrected.append(meant)
        if first_confusion is None:
            first_confusion = (pos, kind, typed, meant)

    if plain_mismatch:
        return _mismatch(
            serial, category, categories, raw,
            _("This does not look like a {category} serial number. {category} serials look like {format}.").format(
                category=category.name, format=help_text),
        )

    if first_confusion is not None:
        pos, kind, typed, meant = first_confusion
        shown = _SHOWN.get(typed, typed)
        if kind == "#":
            message = _(
                'Position {pos} should be a digit: did you type the letter "{typed}" instead of the number "{meant}"?'
            ).format(pos=pos, typed=shown, meant=meant)
        else:
            message = _(
                'Position {pos} should be a letter: did you type the number "{typed}" instead of the letter "{meant}"?'
            ).format(pos=pos, typed=typed, meant=meant)
        fixed = "".join(corrected)
        suggestion = ""
        if len(fixed) == len(fmt):
            if _lookup(session, fixed) is not None:
                suggestion = fixed
                message += " " + _("Did you mean {serial}?").format(serial=fixed)
        return SerialHints(
            normalised=serial, status="confusable", message=message, suggestion=suggestion, position=pos
        )

    if len(serial) < len(fmt):
        left = sum(1 for ch in fmt[len(serial):] if ch in "#A")
        return SerialHints(
            normalised=serial,
            status="typing",
            message=ngettext("Keep typing: {n} more character ({format}).",
                             "Keep typing: {n} more characters ({format}).", left).format(n=left, format=help_text),
        )

    if known is None:
        return SerialHints(
            normalised=serial,
            status="not_found",
            message=_(
                "We cannot find this serial number. Please compare it with the sticker "
                'character by character (mind "0" and "O", "1" and "l").'
            ),
        )
    return SerialHints(
        normalised=known.serial,
        status="found",
        message=_("Found: {model} ({category}).").format(model=known.model_name, category=known.category_name),
        product_type=known.category_name,
        product_name=known.model_name,
        model=known.model_number,
        model_id=known.model_id,
        serial_id=known.serial_id,
    )


def _mismatch(serial: str, category, categories, raw: str, message: str) -> SerialHints:
    """A serial that does not fit the chosen category; when it fits another one's format, offer that one."""
    other = _other_category(categories, category, raw)
    if other is None:
        return SerialHints(normalised=serial, status="format_mismatch", message=message)
    return SerialHints(
        normalised=serial,
        status="format_mismatch",
        message=message + " " + _(
            "It looks like a {category} serial number: switch to {category} if the product is one."
        ).format(category=other.name),
        switch_category_id=other.id,
        switch_category=other.name,
    )


# Built once (``hints`` runs on every keystroke): a row with what a hint names, by attribute.
_CATEGORIES = sa.select(ProductCategory.id, ProductCategory.name, ProductCategory.serial_format,
                        ProductCategory.serial_pattern)
_LOOKUP = (
    sa.select(SerialRecord.id.label("serial_id"), SerialRecord.serial, ProductModel.id.label("model_id"),
              ProductModel.name.label("model_name"), ProductModel.model_number,
              ProductCategory.id.label("category_id"), ProductCategory.name.label("category_name"))
    .join(ProductModel, SerialRecord.model_id == ProductModel.id)
    .join(ProductCategory, ProductModel.category_id == ProductCategory.id)
    .where(SerialRecord.serial.in_(sa.bindparam("serials", expanding=True)))
    .limit(1)
)


def _lookup(session: Session, serial: str):
    """The registry unit (serial, model and category, as ``_LOOKUP`` names them) of an exact normalised
    serial, or None."""
    return _lookup_any(session, {serial})


def _lookup_any(session: Session, serials: set[str]):
    return db.execute(session, _LOOKUP, {"serials": sorted(serials)}).first()


def _registry_match(session: Session, raw: str, categories):
    """The registry unit of ``raw`` written as any category writes its serials (one indexed lookup)."""
    shortest = min((sum(1 for ch in c.serial_format if ch in "#A") for c in categories), default=0)
    if len(normalise(raw)) < shortest:
        return None  # still typing: no category's serial is this short
    candidates = {normalise(raw, c.serial_format) for c in categories} | {normalise(raw)}
    candidates.discard("")
    return _lookup_any(session, candidates) if candidates else None


def _other_category(categories, category, raw: str):
    for other in categories:
        if other.id != category.id and re.fullmatch(other.serial_pattern, normalise(raw, other.serial_format)):
            return other
    return None


def find_serial(*, session: Session, raw: str) -> SerialRecord | None:
    """The registry row for a serial as typed (any category's normalisation)."""
    formats = set(session.exec(select(ProductCategory.serial_format)).all())
    candidates = {normalise(raw)} | {normalise(raw, f) for f in formats}
    candidates.discard("")
    if not candidates:
        return None
    return session.exec(select(SerialRecord).where(SerialRecord.serial.in_(candidates))).first()


# --------------------------------------------------------------------------- CHK and the lock


def locked_until(*, session: Session, serial: str, now: datetime | None = None) -> datetime | None:
    """When the CHK lock of ``serial`` ends, or None when it is not locked.

    Locked: some run of 5 wrong tries within an hour ended less than an hour ago.
    """
    now = now or clock.now()
    since = now - LOCK_WINDOW - LOCK_DURATION
    times = session.exec(
        select(SerialAttempt.created_at)
        .where(
            SerialAttempt.serial == serial,
            SerialAttempt.kind == SerialAttemptKind.chk_wrong,
            SerialAttempt.created_at > since,
        )
        .order_by(SerialAttempt.created_at)
        .limit(200)
    ).all()
    until = None
    k = MAX_CHK_TRIES - 1
    for i in range(k, len(times)):
        if times[i] - times[i - k] <= LOCK_WINDOW:
            end = times[i] + LOCK_DURATION
            if end > now and (until is None or end > until):
                until = end
    return until


def _wrong_tries_in_window(session: Session, serial: str, now: datetime) -> int:
    return session.exec(
        select(sa.func.count())
        .select_from(SerialAttempt)
        .where(
            SerialAttempt.serial == serial,
            SerialAttempt.kind == SerialAttemptKind.chk_wrong,
            SerialAttempt.created_at > now - LOCK_WINDOW,
        )
    ).one()


def _caller_holds_sqlite_write_lock(session: Session) -> bool:
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        return False
    return bool(getattr(conn.connection.driver_connection, "in_transaction", False))


def _record_attempt(session: Session, *, serial: str, user_id: int, kind: SerialAttemptKind) -> None:
    """Write an attempt that survives the caller's rollback (see the module docstring)."""
    row = dict(serial=serial, user_id=user_id, kind=kind, created_at=utcnow())
    if not _caller_holds_sqlite_write_lock(session):
        try:
            with Session(session.get_bind()) as side:
                side.add(SerialAttempt(**row))
                side.commit()
            return
        except sa.exc.SQLAlchemyError:  # e.g. the user row is not committed yet
            log.warning("serial attempt kept in the caller's transaction", exc_info=True)
    session.add(SerialAttempt(**row))
    session.flush()


def _lock_message(until: datetime) -> str:
    minutes = max(1, int((until - clock.now()).total_seconds() // 60) + 1)
    return ngettext(
        "Too many wrong CHK codes for this serial number. For your security it is locked "
        "until {time} UTC (about {n} minute). Please check the 3-digit CHK code on the sticker and try again then.",
        "Too many wrong CHK codes for this serial number. For your security it is locked "
        "until {time} UTC (about {n} minutes). Please check the 3-digit CHK code on the sticker and try again then.",
        minutes,
    ).format(time=until.strftime('%H:%M'), n=minutes)


def check_chk(*, session: Session, user_id: int, serial: str, chk: str) -> SerialRecord:
    """The registry row of ``serial`` when ``chk`` is its CHK and the customer may register it.

    Raises FieldErrors({"serial": …}) for an unknown serial or one this
    customer registered already, FieldErrors({"chk": …}) for a malformed or
    wrong CHK (a wrong one is recorded), Locked when the serial is locked
    (the 5th wrong try within an hour locks it for an hour), and Conflict
    when it is actively registered to another account (recorded for
    reviewers).  Recorded attempts survive the caller's rollback.
    """
    record = find_serial(session=session, raw=serial)
    if record is None:
        raise FieldErrors(
            {"serial": _(
                "We cannot find this serial number. "
                "Please check it against the sticker on the product."
            )}
        )
    until = locked_until(session=session, serial=record.serial)
    if until is not None:
        raise Locked(_lock_message(until), until)
    typed = (chk or "").strip()
    if not re.fullmatch(r"\d{3}", typed):
        raise FieldErrors({"chk": _(CHK_HELP)})
    if not hmac.compare_digest(typed, record.chk):
        _record_attempt(session, serial=record.serial, user_id=user_id, kind=SerialAttemptKind.chk_wrong)
        now = clock.now()
        until = locked_until(session=session, serial=record.serial, now=now)
        if until is not None:
            raise Locked(_lock_message(until), until)
        left = MAX_CHK_TRIES - _wrong_tries_in_window(session, record.serial, now)
        raise FieldErrors(
            {
                "chk": ngettext(
                    "This CHK code does not match the serial number. Please check the 3 digits after "
                    '"CHK" on the sticker. {n} try left before this serial number is locked for an hour.',
                    "This CHK code does not match the serial number. Please check the 3 digits after "
                    '"CHK" on the sticker. {n} tries left before this serial number is locked for an hour.',
                    left,
                ).format(n=left)
            }
        )
    owner = session.exec(
        select(RegisteredProduct.user_id).where(
            RegisteredProduct.serial_id == record.id, RegisteredProduct.is_active == True  # noqa: E712
        )
    ).first()
    if owner is not None:
        if owner == user_id:
            raise FieldErrors({"serial": _(ALREADY_YOURS)})
        record_conflict(session=session, user_id=user_id, serial=record.serial)
        raise Conflict(_(ALREADY_REGISTERED_ELSEWHERE))
    return record


def record_conflict(*, session: Session, user_id: int, serial: str) -> None:
    """Record a refused duplicate registration (survives the caller's rollback)."""
    _record_attempt(session, serial=serial, user_id=user_id, kind=SerialAttemptKind.already_registered)
