"""Risk signals: what makes a claim worth a person's look, each explained in one sentence.

``signals(session, claim_id)`` looks at one claim against every other claim and registration:

* ``same_invoice``       - the same invoice file (by content) on another account's claim (one account's
  invoice may list two of its products);
* ``similar_invoice``    - a near-duplicate picture of it (perceptual hash within ``image_marks.NEAR``
  bits: re-saved, scaled or lightly cropped) on another claim, whose reading holds the same numbers
  (invoices of one shop share a layout, so a hash alone would pair them);
* ``shared_serial``      - the serial registered on another account too;
* ``shared_address`` / ``shared_phone`` - the recipient's address or phone on another account's claim;
* ``invoice_check``      - an invoice check (model, date, period, store) failed or contradicts;
* ``barcode_mismatch``   - the S/N barcode reads another serial than the registered one;
* ``unread``             - a picture could not be read at all;
* ``edited_image``       - a picture's metadata names an image editor (Photoshop, GIMP …);
* ``fresh_serial``       - the serial was registered minutes before the claim;
* ``burst_account`` / ``burst_address`` - many claims from one account or to one address in a day.

Each ``Signal`` has a key and a sentence for the reviewer (in the language of the event that asks).
Plain functions over a session, no Reflex; the files' hashes are kept when they are read
(``evidence_check.read_file``), never computed here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from rxapp.i18n import _, ngettext
from rxapp.models import Redemption, RedemptionEvent, RegisteredProduct, StoredFile
from rxapp.services import claim_review, evidence_check, image_marks

FRESH_SERIAL = timedelta(minutes=10)
SAME_NUMBERS = 0.8  # share of the numbers two readings of one invoice have in common, at least (a copy: ~0.87,
# another invoice of the same shop's layout: ~0.65, measured on demo_images invoices)
BURST_WINDOW = timedelta(hours=24)
BURST_CLAIMS = 3  # this many claims (this one included) from one account or to one address in a window


@dataclass(frozen=True)
class Signal:
    key: str
    sentence: str

    def to_dict(self) -> dict:
        return {"key": self.key, "sentence": self.sentence}


def to_json(found: list[Signal]) -> str:
    return json.dumps([s.to_dict() for s in found], ensure_ascii=False)


def from_json(text: str) -> list[Signal]:
    try:
        return [Signal(str(d["key"]), str(d["sentence"])) for d in json.loads(text or "[]")]
    except (ValueError, TypeError, KeyError):
        return []


def _others(claim: Redemption):
    return sa.and_(Redemption.id != claim.id, Redemption.user_id != claim.user_id)


def _invoice_signals(session: Session, claim: Redemption, invoice_id: int | None) -> list[Signal]:
    if not invoice_id:
        return []
    mine = session.get(StoredFile, invoice_id)
    if mine is None:
        return []
    other_invoices = (
        select(Redemption.id, StoredFile.sha256, StoredFile.phash, StoredFile.id)
        .join(RegisteredProduct, RegisteredProduct.id == Redemption.product_id)
        .join(StoredFile, StoredFile.id == sa.func.coalesce(Redemption.invoice_file_id,
                                                            RegisteredProduct.invoice_file_id))
        .where(_others(claim))
        .order_by(Redemption.id)
    )
    same = near = None
    numbers = None
    for other_id, sha, phash, other_file in session.exec(other_invoices):
        if sha == mine.sha256:
            same = same or other_id
        elif near is None and image_marks.distance(phash, mine.phash) <= image_marks.NEAR:
            # One shop's invoices share a layout (and so a perceptual hash): a copy also says the same numbers.
            numbers = _numbers(session, mine.id) if numbers is None else numbers
            if _same_numbers(numbers, _numbers(session, other_file)):
                near = other_id
    out = []
    if same:
        out.append(Signal("same_invoice", _("The same invoice file was sent with claim #{other}.").format(
            other=same)))
    if near:
        out.append(Signal("similar_invoice", _(
            "The invoice looks like a copy (re-saved, scaled or cropped) of the one sent with claim #{other}."
        ).format(other=near)))
    return out


def _numbers(session: Session, file_id: int) -> set[str]:
    """The words with digits the picture's reading holds (invoice and order numbers, dates, amounts)."""
    reading = evidence_check.stored_reading(session=session, file_id=file_id)
    if reading is None:
        return set()
    return {w for line in reading.lines for w in re.findall(r"[\w./:-]+", line.text.upper()) if re.search(r"\d", w)}


def _same_numbers(a: set[str], b: set[str]) -> bool:
    """Two readings of one invoice: most of their numbers agree (an unread picture counts on its hash alone)."""
    if not a or not b:
        return True
    return len(a & b) / len(a | b) >= SAME_NUMBERS


def _shared(session: Session, claim: Redemption, product: RegisteredProduct) -> list[Signal]:
    out = []
    serial_accounts = session.exec(
        select(sa.func.count(sa.distinct(RegisteredProduct.user_id))).where(
            RegisteredProduct.serial_id == product.serial_id, RegisteredProduct.user_id != claim.user_id)
    ).one()
    if serial_accounts:
        out.append(Signal("shared_serial", ngettext(
            "This serial number was also registered by {count} other account.",
            "This serial number was also registered by {count} other accounts.", serial_accounts).format(
            count=serial_accounts)))
    if claim.address_key:
        n = session.exec(select(sa.func.count(sa.distinct(Redemption.user_id))).where(
            _others(claim), Redemption.address_key == claim.address_key)).one()
        if n:
            out.append(Signal("shared_address", ngettext(
                "The delivery address was also given on claims of {count} other account.",
                "The delivery address was also given on claims of {count} other accounts.", n).format(count=n)))
    if claim.phone:
        n = session.exec(select(sa.func.count(sa.distinct(Redemption.user_id))).where(
            _others(claim), Redemption.phone == claim.phone)).one()
        if n:
            out.append(Signal("shared_phone", ngettext(
                "The contact number was also given on claims of {count} other account.",
                "The contact number was also given on claims of {count} other accounts.", n).format(count=n)))
    return out


def _check_signals(evidence: dict, serial: str) -> list[Signal]:
    out = []
    invoice = evidence.get("invoice") or {}
    for check in invoice.get("checks") or []:
        if check.status is evidence_check.Status.contradicts:
            out.append(Signal("invoice_check", _("The invoice contradicts the registration ({message}).").format(
                message=check.message)))
        elif not check.ok:
            out.append(Signal("invoice_check", _("An invoice check failed ({message}).").format(
                message=check.message)))
    photo = evidence.get("serial_photo") or {}
    for check in photo.get("checks") or []:
        if check.status is evidence_check.Status.contradicts:
            out.append(Signal("barcode_mismatch", _(
                "The S/N photo's barcode reads {read}, not the registered serial number {serial}.").format(
                read=check.matched or "?", serial=serial)))
        elif not check.ok:
            out.append(Signal("serial_check", _("The S/N photo check failed ({message}).").format(
                message=check.message)))
    for part in (invoice, photo):
        if part.get("error"):
            out.append(Signal("unread", _("A picture of this claim could not be read.")))
    return out


def _edited(session: Session, file_ids: list[int]) -> list[Signal]:
    out = []
    for f in session.exec(select(StoredFile).where(StoredFile.id.in_(file_ids))):
        if f.edited_with:
            what = _("invoice") if f.kind.value == "invoice" else _("S/N photo")
            out.append(Signal("edited_image", _(
                "The {what}'s metadata says it was saved by an image editor ({program}).").format(
                what=what, program=f.edited_with)))
    return out


def _timing(session: Session, claim: Redemption, product: RegisteredProduct) -> list[Signal]:
    out = []
    # Both on the real clock (a claim's ``submitted_at`` is on the business clock, the demo date's).
    registered = product.registered_at.replace(tzinfo=None)
    sent = session.exec(select(sa.func.min(RedemptionEvent.created_at)).where(
        RedemptionEvent.redemption_id == claim.id)).one()
    submitted = (sent or claim.submitted_at).replace(tzinfo=None)
    if timedelta(0) <= submitted - registered < FRESH_SERIAL:
        minutes = max(1, int((submitted - registered).total_seconds() // 60))
        out.append(Signal("fresh_serial", ngettext(
            "The serial number was registered {minutes} minute before this claim.",
            "The serial number was registered {minutes} minutes before this claim.", minutes).format(
            minutes=minutes)))
    since = claim.submitted_at - BURST_WINDOW
    by_account = session.exec(select(sa.func.count()).select_from(Redemption).where(
        Redemption.user_id == claim.user_id, Redemption.submitted_at >= since)).one()
    if by_account >= BURST_CLAIMS:
        out.append(Signal("burst_account", _(
            "This account sent {count} claims within 24 hours.").format(count=by_account)))
    if claim.address_key:
        to_address = session.exec(select(sa.func.count()).select_from(Redemption).where(
            Redemption.address_key == claim.address_key, Redemption.submitted_at >= since)).one()
        if to_address >= BURST_CLAIMS:
            out.append(Signal("burst_address", _(
                "{count} claims to this address were sent within 24 hours.").format(count=to_address)))
    return out


def signals(*, session: Session, claim_id: int, evidence: dict | None = None) -> list[Signal]:
    """Every risk signal of claim ``claim_id`` now (``evidence``: its ``evidence_check.claim_checks``,
    when the caller has it).  ``NotFound`` for an unknown claim."""
    found = claim_review.loaded_claim(session=session, claim_id=claim_id)
    claim, product = found.claim, found.product
    if evidence is None:
        evidence = evidence_check.claim_checks(session=session, claim_id=claim_id)
    invoice_id = claim.invoice_file_id or product.invoice_file_id
    files = [f for f in (invoice_id, claim.serial_photo_file_id) if f]
    return (_invoice_signals(session, claim, invoice_id) + _shared(session, claim, product)
            + _check_signals(evidence, found.serial.serial) + _edited(session, files) + _timing(session, claim, product))


def keep(*, session: Session, claim_id: int, evidence: dict | None = None) -> list[Signal]:
    """``signals`` of the claim, kept with it: the sentences (Insights counts them) and their number (the
    queue reads the riskiest first)."""
    found = signals(session=session, claim_id=claim_id, evidence=evidence)
    session.execute(sa.update(Redemption).where(Redemption.id == claim_id).values(
        risk_signals=to_json(found), risk_score=len(found)))
    return found


def reviewer_signals(*, session: Session, actor_id: int, claim_id: int) -> list[Signal]:
    """``signals`` for the reviewer ``actor_id`` (``Forbidden`` for anyone else)."""
    claim_review.reviewed_claim(session=session, actor_id=actor_id, claim_id=claim_id)
    return signals(session=session, claim_id=claim_id)


