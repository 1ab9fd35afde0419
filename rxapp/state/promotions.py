"""Promotions: All Promotions, Redeem confirm / Redeem Again, Redeem History (live), a claim's timeline."""

from __future__ import annotations

from dataclasses import dataclass, field

import reflex as rx

from rxapp import db, i18n, routes, vocabulary
from rxapp.db import session_scope
from rxapp.i18n import ngettext
from rxapp.models import FileKind
from rxapp.services import claim_history, claims, eligibility, evidence_check, evidence_uploads, redeem_context
from rxapp.services.errors import Conflict, FieldErrors, NotFound, ServiceError
from rxapp.state import evidence, fast_track, live, parse, uploads
from rxapp.state.captcha import CaptchaMixin
from rxapp.state.evidence import EvidenceMixin
from rxapp.state.promotion_texts import FIELD_NAMES, in_tab_language, shown_date
from rxapp.state.session import caller, current_viewer, member
from rxapp.state.upload_guard import upload_limit

RECIPIENT_FIELDS = ("first_name", "last_name", "zipcode", "address", "contact_number", "note")


@dataclass
class Offer:
    """One of the customer's products under one promotion."""

    product_id: str = ""
    product_name: str = ""
    serial: str = ""
    category: str = ""
    purchase_date: str = ""
    eligible: bool = False
    reasons: list[str] = field(default_factory=list)
    claim_id: str = ""
    claim_status: str = ""
    claim_status_text: str = ""


@dataclass
class PromoCard:
    id: str = ""
    name: str = ""
    description: str = ""
    period: str = ""
    categories: str = ""
    regions: str = ""
    prize: str = ""
    prize_type: str = ""
    stock: str = ""
    eligible_count: int = 0
    blocked: int = 0
    # "Why 3 of your products do not qualify", in the tab's language.
    blocked_text: str = ""
    offers: list[Offer] = field(default_factory=list)


class PromotionsState(rx.State):
    promotions: list[PromoCard] = []
    has_products: bool = True

    @member
    async def load(self):
        viewer = caller()
        rows = db.run(eligibility.promotions_for_user, user_id=viewer.user_id)
        cards = []
        for p in rows:
            offers = [
                Offer(
                    product_id=str(o["product_id"]),
                    product_name=str(o["product_name"]),
                    serial=str(o["serial"]),
                    category=str(o["category"]),
                    purchase_date=shown_date(o["purchase_date"]),
                    eligible=bool(o["eligible"]),
                    reasons=[str(r["message"]) for r in o["reasons"]],
                    claim_id=str(o["claim_id"] or ""),
                    claim_status=str(o["claim_status"]),
                    claim_status_text=str(o["claim_status_text"]),
                )
                for o in p["products"]
            ]
            available = p.get("available")
            blocked = sum(1 for o in offers if not o.eligible and not o.claim_status)
            cards.append(
                PromoCard(
                    id=str(p["id"]),
                    name=str(p["name"]),
                    description=str(p.get("description") or ""),
                    period=f'{shown_date(p["starts_on"])}~{shown_date(p["ends_on"])}',
                    categories=", ".join(p["categories"]) or i18n.gettext("All categories"),
                    regions=", ".join(p["regions"]) or i18n.gettext("All regions"),
                    prize=str(p["prize_name"]),
                    prize_type=vocabulary.prize_type_label(p["prize_type"]),
                    stock="" if available is None else ngettext("{n} left", "{n} left", available).format(
                        n=available),
                    eligible_count=sum(1 for o in offers if o.eligible),
                    blocked=blocked,
                    blocked_text=ngettext("Why {n} of your products does not qualify",
                                          "Why {n} of your products do not qualify", blocked).format(n=blocked),
                    offers=offers,
                )
            )
        self.promotions = cards
        self.has_products = any(c.offers for c in cards) or not cards


class RedeemState(CaptchaMixin, EvidenceMixin, rx.State):
    """Promotion Redeem Confirm, and Redeem Again (``?claim=N``) on the same form."""

    ctx: dict[str, str] = {}
    recipient: dict[str, str] = {}
    reasons: list[str] = []
    eligible: bool = False
    again: bool = False
    missing_document: str = ""
    errors: dict[str, str] = {}
    not_found: str = ""
    form_key: int = 0
    invoice_thumb: str = ""
    new_invoice_name: str = ""
    invoice_message: str = ""
    invoice_ok: bool = False
    invoice_too_wide: bool = False
    # "required" or "optional" (services.redeem_context.documents_needed): the page marks and checks the same.
    invoice_need: str = "optional"
    photo_need: str = "required"
    # The thumbnail shown is the document on file (not a new upload).
    invoice_on_file: bool = False
    photo_on_file: bool = False
    photo_name: str = ""
    photo_message: str = ""
    photo_ok: bool = False
    photo_too_wide: bool = False
    photo_thumb: str = ""
    uploading: bool = False
    # The new S/N photo's barcode contradicts the product's serial: replace the photo or confirm (the
    # sentence; the submit handler refuses the claim without the confirmation).
    serial_conflict: str = ""
    serial_confirmed: bool = False
    _product_id: int | None = None
    _promotion_id: int | None = None
    _claim_id: int | None = None
    _new_invoice_id: int | None = None
    _photo_id: int | None = None
    # Which page the state holds ("claim:7", "product:3:2"): a second on_load of the same page keeps it.
    _page_key: str = ""

    def _reset(self) -> None:
        self.ctx, self.recipient, self.reasons, self.errors = {}, {}, [], {}
        self.eligible = self.again = False
        self.missing_document = self.not_found = ""
        self.invoice_thumb = self.new_invoice_name = self.invoice_message = ""
        self.photo_name = self.photo_message = self.photo_thumb = ""
        self.invoice_ok = self.invoice_too_wide = self.photo_ok = self.photo_too_wide = False
        self.invoice_on_file = self.photo_on_file = False
        self.invoice_need, self.photo_need = "optional", "required"
        self.serial_conflict, self.serial_confirmed = "", False
        for slot in ("invoice", "photo"):
            self._clear_evidence(slot)
            setattr(self, f"{slot}_checking", False)
        self._product_id = self._promotion_id = self._claim_id = None
        self._new_invoice_id = self._photo_id = None
        self._page_key = ""

    @member
    async def load(self):
        """The page's facts, read afresh; what the customer did on this page is kept.

        An on_load runs again when the tab reconnects (a busy machine, a network hiccup): the same page
        then keeps its uploads, its form (not re-mounted) and its captcha question, so nothing typed is
        lost under the customer's hands.  Another page (another claim or product) starts afresh.
        """
        viewer = caller()
        params = self.router.url.query_parameters
        claim_id = parse.positive_id(params.get("claim"))
        product_id, promotion_id = parse.positive_id(params.get("product")), parse.positive_id(params.get("promotion"))
        key = f"claim:{claim_id}" if claim_id else f"product:{product_id}:{promotion_id}"
        same_page = key == self._page_key
        try:
            with session_scope() as s:
                if claim_id:
                    data = redeem_context.again_context(session=s, user_id=viewer.user_id, claim_id=claim_id)
                else:
                    if not product_id or not promotion_id:
                        raise NotFound(i18n.gettext("Choose a product and a promotion on the Promotions page."))
                    data = redeem_context.confirm_context(session=s, user_id=viewer.user_id,
                                                          product_id=product_id, promotion_id=promotion_id)
        except NotFound as exc:
            self._reset()
            self.not_found = exc.message
            return
        if not same_page:
            self._reset()
            self._page_key = key
            self.recipient = {k: str(data["recipient"].get(k, "") or "") for k in RECIPIENT_FIELDS}
            self.form_key += 1
        self._product_id = int(data["product_id"])
        self._promotion_id = int(data["promotion_id"])
        self._claim_id = int(data["claim_id"]) if claim_id else None
        self.again = bool(claim_id)
        self.missing_document = str(data.get("missing_document", ""))
        self.invoice_need = data["documents"]["invoice"]
        self.photo_need = data["documents"]["serial_photo"]
        self.ctx = {k: str(v) for k, v in data.items()
                    if k not in ("recipient", "reasons", "invoice_file_id", "serial_photo_file_id", "eligible",
                                 "documents")}
        self.ctx["purchase_date"] = shown_date(self.ctx.get("purchase_date", ""))
        self.reasons = list(data["reasons"])
        self.eligible = bool(data["eligible"])
        # The documents on file, each behind a fresh signed link (unless a new one was uploaded here).
        if not self._new_invoice_id:
            self.invoice_thumb = uploads.thumb_url(file_id=data.get("invoice_file_id"), user_id=viewer.user_id)
            self.invoice_on_file = self.invoice_thumb != ""
        if self.again and data.get("serial_photo_file_id") and not self._photo_id:
            self.photo_thumb = uploads.thumb_url(file_id=data["serial_photo_file_id"], user_id=viewer.user_id)
            self.photo_ok = self.photo_on_file = True
            self.photo_name = i18n.gettext("S/N photo on file")
        self._ensure_captcha()

    # ------------------------------------------------------------------ uploads

    def _show_upload(self, which: str, got: uploads.Received, user_id: int) -> None:
        """Reflect an upload (or its refusal) in the slot it was made for."""
        field = "serial_photo" if which == "serial_photo" else "invoice"
        self.errors = {k: v for k, v in self.errors.items() if k != field}
        prefix = "photo" if which == "serial_photo" else "invoice"
        if got.file_id is None:
            setattr(self, f"{prefix}_message", got.message)
            return
        if which == "serial_photo":
            self.serial_conflict, self.serial_confirmed = "", False
        thumb = uploads.thumb_url(file_id=got.file_id, user_id=user_id) if got.ok else ""
        if which == "serial_photo":
            self._photo_id, self.photo_name = got.file_id, got.name
            self.photo_thumb = thumb
            self.photo_on_file = False
        else:
            self._new_invoice_id, self.new_invoice_name = got.file_id, got.name
            if thumb:
                self.invoice_thumb = thumb
                self.invoice_on_file = False
        setattr(self, f"{prefix}_message", got.message)
        setattr(self, f"{prefix}_ok", got.ok)
        setattr(self, f"{prefix}_too_wide", got.too_wide)
        self._refresh_evidence(prefix)

    # ------------------------------------------------------------------ the evidence pre-check

    def _evidence_file(self, slot: str) -> int | None:
        if slot == "invoice":
            return self._new_invoice_id if self.invoice_ok else None
        return self._photo_id if slot == "photo" and self.photo_ok else None

    def _evidence_checks(self, slot: str, session, file_id: int) -> list[evidence_check.Check] | None:
        if not self._product_id:
            return None
        kind = evidence_uploads.SERIAL_PHOTO if slot == "photo" else evidence_uploads.INVOICE
        checks = evidence_uploads.checks(session=session, user_id=caller().user_id, product_id=self._product_id,
                                         file_id=file_id, kind=kind, promotion_id=self._promotion_id)
        if slot == "photo":
            self.serial_conflict = evidence_uploads.conflict_sentence(session=session, product_id=self._product_id,
                                                                      found=checks)
        return checks

    @member.background
    async def check_evidence(self, which: str):
        """Read the slot's new file (after "Resize for me"), "Checking …" shown meanwhile."""
        slot = "photo" if which == "serial_photo" else "invoice"
        async with self:
            file_id = self._evidence_file(slot)
        if file_id is not None:
            await self._read_evidence(slot, file_id)

    async def _receive(self, chunks: rx.UploadChunkIterator, which: str) -> None:
        viewer = caller()
        async with self:
            self.uploading = True
        kind = FileKind.serial_photo if which == "serial_photo" else FileKind.invoice
        got = await uploads.receive(chunks, owner_id=viewer.user_id, kind=kind)
        async with self:
            self.uploading = False
            if got is not None:
                self._show_upload(which, got, viewer.user_id)
        if got is not None and got.ok:
            await self._read_evidence("photo" if which == "serial_photo" else "invoice", got.file_id)

    @upload_limit(uploads.MAX_BYTES)
    @member.background
    async def upload_photo(self, chunks: rx.UploadChunkIterator):
        await self._receive(chunks, "serial_photo")

    @upload_limit(uploads.MAX_BYTES)
    @member.background
    async def upload_invoice(self, chunks: rx.UploadChunkIterator):
        await self._receive(chunks, "invoice")

    @member
    async def refuse_photo(self, reasons: list):
        """The drop zone refused the file before sending it: the same message the server would give."""
        self._show_upload("serial_photo", uploads.refused(reasons, kind=FileKind.serial_photo), caller().user_id)

    @member
    async def refuse_invoice(self, reasons: list):
        self._show_upload("invoice", uploads.refused(reasons, kind=FileKind.invoice), caller().user_id)

    @member
    async def resize(self, which: str):
        viewer = caller()
        file_id = self._photo_id if which == "serial_photo" else self._new_invoice_id if which == "invoice" else None
        if not file_id:
            return
        got = await uploads.resize(owner_id=viewer.user_id, file_id=file_id)
        if got.file_id is not None:
            got = uploads.Received(got.file_id, got.name, i18n.gettext("Resized to 1600 px wide."), False, True)
        self._show_upload(which, got, viewer.user_id)
        if got.ok:
            return RedeemState.check_evidence(which)

    # ------------------------------------------------------------------ submit

    def _refuse(self, errors: dict[str, str]) -> None:
        """A refused Redeem says why next to each field and, at the button, which fields to look at."""
        names = [i18n.gettext(FIELD_NAMES[k]) for k in errors if k in FIELD_NAMES]
        if "form" not in errors:
            fields = ", ".join(names) or i18n.gettext("the form")
            errors = {**errors, "form": i18n.gettext("Nothing was sent. Please check: {fields}.").format(fields=fields)}
        self.errors = errors
        self._draw_captcha()
        self.form_key += 1

    async def _serial_unconfirmed(self, form: dict) -> bool:
        """The S/N rule, on the server: a new S/N photo whose barcode contradicts the product's serial is
        refused (the sentence next to the photo) unless the customer ticked the confirmation."""
        for file_id in (self._new_invoice_id, self._photo_id):
            if file_id:
                # Read once and kept: instant when the upload's reading finished, else it finishes here.
                await evidence.read_once(file_id)
        if not self._photo_id or not self.photo_ok:
            return False
        try:
            with session_scope() as s:
                # The photo's checks once: the serial conflict (``_evidence_checks`` sets it) and the checklist.
                found = self._evidence_checks("photo", s, self._photo_id)
                self._show_evidence("photo", found, s, self._photo_id)
        except ServiceError:
            return False  # not this customer's product or file: claims.submit refuses it
        if self.serial_conflict and not parse.flag(form, "confirm_serial"):
            self._refuse({"serial_photo": self.serial_conflict,
                          "confirm_serial": i18n.gettext("Please replace the photo, or tick this box to confirm "
                                                         "the serial number.")})
            return True
        return False

    @member
    async def submit(self, form: dict):
        viewer = caller()
        data = parse.fields(form, RECIPIENT_FIELDS, 600)
        # Keep what was typed, whatever happens next.
        self.recipient = dict(data)
        self.serial_confirmed = parse.flag(form, "confirm_serial")
        if not self._product_id or not self._promotion_id:
            self._refuse({"form": i18n.gettext("Nothing was sent: this page is out of date. Please open it again "
                                               "from Promotions or Redeem History.")})
            return
        problem = self._captcha_problem(form)
        if problem:
            self._refuse({"captcha": problem})
            return
        if await self._serial_unconfirmed(form):
            return
        try:
            with session_scope() as s:
                if self.again and self._claim_id:
                    claim = claims.resubmit(session=s, user_id=viewer.user_id, claim_id=self._claim_id,
                                         recipient=data, invoice_file_id=self._new_invoice_id,
                                         serial_photo_file_id=self._photo_id)
                else:
                    claim = claims.submit(session=s, user_id=viewer.user_id, product_id=self._product_id,
                                       promotion_id=self._promotion_id, recipient=data,
                                       serial_photo_file_id=self._photo_id,
                                       invoice_file_id=self._new_invoice_id)
                claim_id = claim.id
        except FieldErrors as exc:
            self._refuse(dict(exc.errors))
        except claims.NotEligible as exc:
            self.reasons = [getattr(r, "message", str(r)) for r in getattr(exc, "reasons", [])]
            self._refuse({"form": exc.message or i18n.gettext("This product cannot be redeemed for this promotion.")})
        except Conflict as exc:
            self._refuse({"form": exc.message})
        except ServiceError as exc:
            self._refuse({"form": exc.message or i18n.gettext("Something went wrong. Please try again.")})
        else:
            # Behind the answer: the checks' verdict is kept with the claim (the queue's filter), its risk
            # signals too, and a fresh claim may be approved within seconds (Redeem History shows it live).
            fast_track.start(claim_id)
            self._reset()
            return rx.redirect(routes.REDEEM_DONE)


@dataclass
class HistoryRow:
    claim_id: str = ""
    redeem_date: str = ""
    promotion_name: str = ""
    product_name: str = ""
    serial: str = ""
    status: str = ""
    status_text: str = ""
    can_redeem_again: bool = False
    code: str = ""
    prize_type: str = ""
    shipping: str = ""
    due_on: str = ""


def history_rows(user_id: int) -> list[HistoryRow]:
    rows = db.run(claim_history.history, user_id=user_id)
    return [
        HistoryRow(
            claim_id=str(r["claim_id"]),
            redeem_date=shown_date(r["redeem_date"]),
            promotion_name=str(r["promotion_name"]),
            product_name=str(r["product_name"]),
            serial=str(r["serial"]),
            status=str(r["status"]),
            status_text=str(r["status_text"]),
            can_redeem_again=bool(r["can_redeem_again"]),
            code=str(r["code"] or ""),
            prize_type=str(r["prize_type"]),
            shipping=vocabulary.customer_shipping_text(r["shipping_status"], r.get("tracking_number") or ""),
            due_on=shown_date(r["due_on"]),
        )
        for r in rows
    ]


class RedeemHistoryState(rx.State):
    rows: list[HistoryRow] = []
    live_note: str = ""

    @member
    async def load(self):
        viewer = caller()
        self.rows = history_rows(viewer.user_id)
        live.watch(viewer.user_id, self.router.session.client_token, RedeemHistoryState)

    async def _live_refresh(self, user_id: int) -> None:
        """Called by the live poller (not from the browser) when a claim of ``user_id`` changed."""
        viewer = await current_viewer(self)
        if viewer is None or viewer.user_id != user_id:
            return
        with await in_tab_language(self):
            self.rows = history_rows(user_id)
            self.live_note = i18n.gettext("Updated just now")


class ClaimState(rx.State):
    claim: dict[str, str] = {}
    events: list[dict[str, str]] = []
    not_found: str = ""
    _claim_id: int | None = None

    def _read(self, user_id: int) -> None:
        data = db.run(claim_history.customer_timeline, user_id=user_id, claim_id=self._claim_id)
        self.claim = {k: str(v) for k, v in data.items() if k != "events" and not isinstance(v, (dict, list))}
        self.claim["shipping_text"] = vocabulary.customer_shipping_text(data.get("shipping_status"))
        self.claim["due_on"] = shown_date(self.claim.get("due_on", ""))
        self.claim["redeem_date"] = shown_date(self.claim.get("redeem_date", ""))
        self.events = [{k: str(v) for k, v in e.items()} for e in data["events"]]
        for event in self.events:
            event["date"] = shown_date(event.get("date", ""))

    @member
    async def load(self):
        viewer = caller()
        self.claim, self.events, self.not_found = {}, [], ""
        self._claim_id = parse.positive_id(self.router.url.query_parameters.get("id"))
        try:
            if not self._claim_id:
                raise NotFound(i18n.gettext("We could not find this claim in your account."))
            self._read(viewer.user_id)
        except NotFound as exc:
            self.not_found = exc.message
            return
        live.watch(viewer.user_id, self.router.session.client_token, ClaimState)

    async def _live_refresh(self, user_id: int) -> None:
        viewer = await current_viewer(self)
        if viewer is None or viewer.user_id != user_id or not self._claim_id:
            return
        try:
            with await in_tab_language(self):
                self._read(user_id)
        except NotFound:
            pass
