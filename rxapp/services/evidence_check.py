"""The evidence pre-check: what an uploaded invoice or S/N photo says, against what the customer typed.

A stored file is read once (``ocr_reader.read``: text lines with their boxes,
barcodes) and the reading is kept beside it (``EvidenceReading``, one row per
``StoredFile``).  The checks are cheap functions over that reading, run every
time they are shown, because what they compare with (the typed date, the
chosen store, the promotion) can change after the upload:

* ``check_model``   - the product's name appears (tolerant of case, spacing,
  O/0 and l/1 confusions, a name wrapped onto the next line); another catalog
  model named instead *contradicts*;
* ``check_dates``   - a purchase date is found (11/10/2019, 2019-10-11,
  11 Oct 2019, 11.10.2019, 2019年10月11日, 108年10月11日 …), agrees with the typed
  date, and falls inside the promotion's period;
* ``check_store``   - the store's name appears (another store of the region
  instead contradicts);
* ``check_serial``  - the S/N photo's barcode decodes to the typed serial; with
  no readable barcode, the printed serial is read by OCR.  A decoded barcode
  that contradicts the typed serial is the one finding that *blocks*: the
  customer fixes the serial or confirms it.

Each check is ``found`` / ``not_found`` / ``contradicts`` with the text that
matched and its box (for the reviewer's outline), and advice for the customer.
The checks are advice, not a gate (except the blocking one above).
"""

from __future__ import annotations

import enum
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, select

from rxapp import db
from rxapp.i18n import _
from rxapp.models import EvidenceReading, FileKind, ProductModel, Redemption, Store, StoredFile
from rxapp.services import claim_review, file_folder, image_marks, ocr_reader, serial_format
from rxapp.services.evidence_text import (  # noqa: F401 - parse_dates: part of this module's API
    find_dates,
    find_phrase,
    fold,
    folded_groups,
    parse_dates,
    purchase_date,
    serials_in_text,
    short_date,
)
from rxapp.services.ocr_reader import Box, Reading

log = logging.getLogger(__name__)


class Status(str, enum.Enum):
    found = "found"
    not_found = "not_found"
    contradicts = "contradicts"


@dataclass(frozen=True)
class Check:
    key: str  # model, date, period, store, serial
    status: Status
    message: str  # one line for the customer and the reviewer
    matched: str = ""  # the words on the picture that matched (or contradicted)
    box: Box | None = None
    advice: str = ""  # what to do about a failed check
    blocking: bool = False  # must be fixed or confirmed before submitting

    @property
    def ok(self) -> bool:
        return self.status is Status.found

    def to_dict(self) -> dict:
        return {
            "key": self.key, "status": self.status.value, "ok": self.ok, "message": self.message,
            "matched": self.matched, "box": list(self.box) if self.box else [], "advice": self.advice,
            "blocking": self.blocking,
        }


# --------------------------------------------------------------------------- the model


def check_model(reading: Reading, model_name: str, other_models: Iterable[str] = ()) -> Check:
    groups = folded_groups(reading.lines)
    hit = find_phrase(reading.lines, model_name, groups=groups)
    if hit:
        return Check("model", Status.found, _("{model} found on the invoice").format(model=model_name), hit.text,
                     hit.box)
    for other in other_models:
        if fold(other) == fold(model_name):
            continue
        wrong = find_phrase(reading.lines, other, groups=groups)
        if wrong:
            return Check(
                "model", Status.contradicts,
                _("The invoice names {other}, not {model}").format(other=other, model=model_name),
                wrong.text, wrong.box,
                advice=_("Check you picked the right product, or upload the invoice of this one."),
            )
    return Check(
        "model", Status.not_found, _("{model} not found on the invoice").format(model=model_name),
        advice=_("Reviewers usually ask for an invoice with the product name on it: "
                 "upload one that shows it (a clear, flat photo helps)."),
    )


def check_dates(
    reading: Reading,
    *,
    typed: date | None,
    period: tuple[date, date] | None = None,
    month_first: bool = False,
) -> list[Check]:
    """The purchase date: found and agreeing with ``typed``; and inside ``period`` when one is given."""
    found = find_dates(reading.lines, month_first=month_first)
    if not found:
        return [Check(
            "date", Status.not_found, _("No purchase date found on the invoice"),
            advice=_("Reviewers usually ask for one: upload an invoice or receipt that shows the date of purchase."),
        )]
    agreeing = [f for f in found if typed in f.dates] if typed else []
    if agreeing:
        best, when = agreeing[0], typed
        checks = [Check("date", Status.found,
                        _("Purchase date {date} found on the invoice").format(date=short_date(when)), best.text,
                        best.box)]
    else:
        best = purchase_date(found)
        when = best.dates[0]
        if typed:
            checks = [Check(
                "date", Status.contradicts,
                _("The invoice shows {shown}, you entered {typed} as the purchase date").format(
                    shown=short_date(when), typed=short_date(typed)),
                best.text, best.box,
                advice=_("Correct the purchase date, or upload the invoice of this purchase."),
            )]
        else:
            checks = [Check("date", Status.found,
                            _("Purchase date {date} found on the invoice").format(date=short_date(when)), best.text,
                            best.box)]
    if period:
        start, end = period
        if start <= when <= end:
            checks.append(Check("period", Status.found,
                                _("Bought inside the promotion's period ({start} – {end})").format(
                                    start=short_date(start), end=short_date(end)),
                                best.text, best.box))
        else:
            checks.append(Check(
                "period", Status.contradicts,
                _("{date} is outside the promotion's period ({start} – {end})").format(
                    date=short_date(when), start=short_date(start), end=short_date(end)),
                best.text, best.box,
                advice=_("Only purchases inside the promotion's period qualify."),
            ))
    return checks


# --------------------------------------------------------------------------- the store


def check_store(reading: Reading, store_name: str, other_stores: Iterable[str] = ()) -> Check:
    groups = folded_groups(reading.lines)
    hit = find_phrase(reading.lines, store_name, groups=groups)
    if hit:
        return Check("store", Status.found, _("{store} found on the invoice").format(store=store_name), hit.text,
                     hit.box)
    for other in other_stores:
        if fold(other) == fold(store_name) or len(fold(other)) < 4:
            continue
        wrong = find_phrase(reading.lines, other, max_errors=0, groups=groups)
        if wrong:
            return Check(
                "store", Status.contradicts,
                _("The invoice is from {other}, not {store}").format(other=other, store=store_name), wrong.text,
                wrong.box, advice=_("Choose the store that sold the product, or upload its invoice."),
            )
    return Check(
        "store", Status.not_found, _("{store} not found on the invoice").format(store=store_name),
        advice=_("Reviewers check the store: an invoice that shows the store's name avoids a question."),
    )


def invoice_checks(
    reading: Reading,
    *,
    model_name: str,
    typed_date: date | None,
    store_name: str,
    period: tuple[date, date] | None = None,
    other_models: Iterable[str] = (),
    other_stores: Iterable[str] = (),
    month_first: bool = False,
) -> list[Check]:
    """Every check of an invoice, in the order the checklist shows them."""
    return [
        check_model(reading, model_name, other_models),
        *check_dates(reading, typed=typed_date, period=period, month_first=month_first),
        check_store(reading, store_name, other_stores),
    ]


# --------------------------------------------------------------------------- the S/N sticker

def _serial_advice(contradicted_by: str, serial_editable: bool) -> str:
    """What the customer can do when the sticker reads another serial: the one rule, by where it is shown.

    Where the serial is typed next to the checklist (registration) they can correct it; on the Redeem
    pages it comes from the registration and cannot be edited here, so the way out is another photo
    (of this product's sticker, sharper) or confirming the registered serial.
    """
    if contradicted_by == "barcode":
        if serial_editable:
            return _("Correct the serial number, or confirm that the one you entered is right.")
        return _("Upload a photo of this product's own sticker, or confirm that its registered serial "
                 "number is right.")
    if serial_editable:
        return _("Check the serial number against the sticker; a sharper photo lets us read it.")
    return _("Check that the photo shows this product's own sticker; a sharper, well-lit photo lets us "
             "read it.")


def check_serial(reading: Reading, typed_serial: str, fmt: str | None, *, serial_editable: bool = True) -> Check:
    """The S/N photo against the serial; ``serial_editable``: the customer can change the serial where the
    checklist is shown (registration), not on the Redeem pages (the registered serial): see ``_serial_advice``.
    """
    typed = serial_format.normalise(typed_serial, fmt)
    codes = [(serial_format.normalise(b.text, fmt), b) for b in reading.barcodes]
    for value, code in codes:
        if value == typed:
            return Check("serial", Status.found,
                         _("The sticker's barcode reads {serial}, as you entered").format(serial=value),
                         code.text, code.box)
    if codes:
        value, code = codes[0]
        return Check(
            "serial", Status.contradicts,
            _("The sticker's barcode reads {serial}, but you entered {typed}").format(serial=value, typed=typed),
            code.text, code.box, blocking=True,
            advice=_serial_advice("barcode", serial_editable),
        )
    if fmt:
        printed = serials_in_text(reading.lines, fmt)
        for value, line, _changed in printed:
            if value == typed:
                return Check("serial", Status.found,
                             _("The printed serial {serial} matches what you entered").format(serial=value),
                             line.text, line.box)
        if printed:
            value, line, _changed = printed[0]
            return Check(
                "serial", Status.contradicts,
                _("The sticker seems to read {serial}, but you entered {typed}").format(serial=value, typed=typed),
                line.text, line.box,
                advice=_serial_advice("text", serial_editable),
            )
    else:
        hit = find_phrase(reading.lines, typed, max_errors=0)
        if hit:
            return Check("serial", Status.found,
                         _("The printed serial {serial} matches what you entered").format(serial=typed),
                         hit.text, hit.box)
    return Check(
        "serial", Status.not_found, _("No serial number could be read on the photo"),
        advice=_("Upload a sharp, well-lit photo of the sticker with its barcode."),
    )


# --------------------------------------------------------------------------- readings kept with their files


def stored_reading(*, session: Session, file_id: int) -> Reading | None:
    """The reading kept for ``file_id``, or None while it has not been read (or could not be)."""
    row = session.exec(select(EvidenceReading).where(EvidenceReading.file_id == file_id)).first()
    if row is None or row.error:
        return None
    return Reading.from_dict(json.loads(row.data))


def reading_error(*, session: Session, file_id: int) -> str:
    row = session.exec(select(EvidenceReading).where(EvidenceReading.file_id == file_id)).first()
    return row.error if row else ""


def read_file(*, file_id: int, url: str | None = None) -> Reading | None:
    """Read ``file_id`` once and keep the result; later calls return what was kept.

    Opens its own short transactions on the database at ``url`` (default: the
    app's): the slow reading runs between two of them, never inside one.  Two
    concurrent calls may both read; the second one's insert loses quietly.
    A picture that cannot be read keeps an error row (and returns None).
    """
    with db.session_scope(url) as session:
        row = session.exec(select(EvidenceReading).where(EvidenceReading.file_id == file_id)).first()
        stored = session.get(StoredFile, file_id)
        if row is not None and (stored is None or stored.phash):
            return None if row.error else Reading.from_dict(json.loads(row.data))
        if stored is None:
            return None
        path, owner_id = file_folder.private_path(stored.storage_key), stored.owner_id
        # Only an S/N photo's barcode is checked: an invoice skips the barcode reader, whose repairs of a
        # picture with no code cost up to a second on a full page (bench/bench_evidence.py).
        barcodes = stored.kind == FileKind.serial_photo
    error, data = "", "{}"
    reading = None
    try:
        content = path.read_bytes()
    except OSError:
        content = b""
    _keep_marks(file_id, content, url)
    if row is not None:  # read before its marks were kept: only the marks were missing
        return None if row.error else Reading.from_dict(json.loads(row.data))
    try:
        reading = ocr_reader.read(content, barcodes=barcodes)
        data = json.dumps(reading.to_dict(), ensure_ascii=False)
    except Exception as exc:  # noqa: BLE001 - a picture we cannot read is a finding, not a crash
        log.warning("evidence: could not read file %s: %s", file_id, exc)
        error = "The picture could not be read."
    try:
        with db.session_scope(url) as session:
            session.add(EvidenceReading(file_id=file_id, owner_id=owner_id, engine=ocr_reader.engine_name(), data=data, error=error,
                                        seconds=reading.seconds if reading else 0.0))
    except sa.exc.IntegrityError:
        pass  # read by another worker meanwhile (or the file is gone): theirs is as good
    return reading


def _keep_marks(file_id: int, content: bytes, url: str | None) -> None:
    """The picture's perceptual hash and editing program, kept with the file (``image_marks``)."""
    phash = image_marks.perceptual_hash(content) if content else ""
    edited = image_marks.editing_software(content) if content else ""
    with db.session_scope(url) as session:
        session.execute(sa.update(StoredFile).where(StoredFile.id == file_id)
                        .values(phash=phash or "-", edited_with=edited))


# --------------------------------------------------------------------------- checks in their context

# Regions whose shops write a numeric date month first (10/11/2019 is 11 Oct).
MONTH_FIRST_REGIONS = frozenset({"US"})


def invoice_checklist(
    *,
    session: Session,
    file_id: int,
    model_name: str,
    purchase_date: date | None,
    store_id: int | None,
    region_code: str,
    period: tuple[date, date] | None = None,
) -> list[Check] | None:
    """The invoice's checks against a registration's facts; None while the file has not been read.

    The caller has checked that the viewer may see ``file_id``.  Another
    catalog model or another store of the region found instead of the chosen
    one is reported as a contradiction.
    """
    reading = stored_reading(session=session, file_id=file_id)
    if reading is None:
        return None
    store = session.get(Store, store_id) if store_id else None
    others = session.exec(select(Store.name).where(Store.region_code == region_code)).all() if region_code else []
    checks = [
        check_model(reading, model_name, session.exec(select(ProductModel.name)).all()) if model_name else None,
        *check_dates(reading, typed=purchase_date, period=period, month_first=region_code in MONTH_FIRST_REGIONS),
        check_store(reading, store.name, others) if store else None,
    ]
    return [c for c in checks if c is not None]


def serial_checklist(*, session: Session, file_id: int, serial: str, serial_format: str | None,
                     serial_editable: bool = True) -> Check | None:
    """The S/N photo's check against the serial; None while the file has not been read.

    ``serial_editable``: False where the serial is the registered one (the Redeem pages, a claim).
    """
    reading = stored_reading(session=session, file_id=file_id)
    return None if reading is None else check_serial(reading, serial, serial_format,
                                                     serial_editable=serial_editable)


def summary(checks: Sequence[Check]) -> str:
    """"passed" when every check found what it looked for, else "failed" (for the queue's filter)."""
    return "passed" if checks and all(c.ok for c in checks) else "failed"


def claim_evidence(*, session: Session, actor_id: int, claim_id: int) -> dict:
    """The evidence checks of one claim, for its reviewer.

    ``{"invoice": {"file_id", "width", "height", "checks": [Check] or None}, "serial_photo": {… "checks": …},
    "unread": [file ids not read yet], "summary": "passed" / "failed" / ""}`` (a missing file is None).
    The invoice is checked against the registration (model, purchase date, store) and the claim's
    promotion period; the S/N photo against the registered serial.  Raises ``Forbidden`` unless
    ``actor_id`` is a reviewer, ``NotFound`` for an unknown claim.
    """
    found = claim_review.reviewed_claim(session=session, actor_id=actor_id, claim_id=claim_id)
    return _claim_evidence(session, found)


def claim_checks(*, session: Session, claim_id: int) -> dict:
    """``claim_evidence`` for the system (the fast track, ``services.decision_policy``): no reviewer acting."""
    return _claim_evidence(session, claim_review.loaded_claim(session=session, claim_id=claim_id))


def _claim_evidence(session: Session, found: claim_review.ReviewedClaim) -> dict:
    claim, product, serial, model, category, promotion = (
        found.claim, found.product, found.serial, found.model, found.category, found.promotion)
    out: dict = {"invoice": None, "serial_photo": None, "unread": [], "summary": ""}
    every: list[Check] = []
    invoice_id = claim.invoice_file_id or product.invoice_file_id
    if invoice_id:
        checks = invoice_checklist(
            session=session, file_id=invoice_id, model_name=model.name, purchase_date=product.purchase_date,
            store_id=product.store_id, region_code=product.region_code,
            period=(promotion.starts_on, promotion.ends_on),
        )
        out["invoice"] = _file_part(session, invoice_id, checks)
        every += checks or []
    if claim.serial_photo_file_id:
        check = serial_checklist(session=session, file_id=claim.serial_photo_file_id, serial=serial.serial,
                                 serial_format=category.serial_format, serial_editable=False)
        out["serial_photo"] = _file_part(session, claim.serial_photo_file_id, [check] if check else None)
        every += [check] if check else []
    out["unread"] = [part["file_id"] for part in (out["invoice"], out["serial_photo"])
                     if part and part["checks"] is None and not part["error"]]
    out["summary"] = summary(every) if every else ""
    if claim.evidence_summary != out["summary"]:
        # Not a transition (no version bump): the queue filters on it (``review_queue``).
        session.execute(sa.update(Redemption).where(Redemption.id == claim.id)
                        .values(evidence_summary=out["summary"]))
    return out


def _file_part(session: Session, file_id: int, checks: list[Check] | None) -> dict:
    row = session.exec(select(EvidenceReading).where(EvidenceReading.file_id == file_id)).first()
    reading = Reading.from_dict(json.loads(row.data)) if row is not None and not row.error else None
    return {"file_id": file_id, "checks": checks, "error": row.error if row else "",
            "width": reading.width if reading else 0, "height": reading.height if reading else 0}
