"""Product Registration wizard (Step 1 → Step 4) and My Products.

The draft lives in this state (typed values in vars, the invoice as a private
file id in a backend var) and, after every change, in the account's draft row
(``services.registration_drafts``): a reload, another tab or another worker
comes back to the same step with what was typed.  Every step is re-checked on
the server by the services; Back and Next never lose what was typed.
"""

from __future__ import annotations

from datetime import date

import reflex as rx

from rxapp import db, i18n, routes, vocabulary
from rxapp.db import session_scope
from rxapp.models import FileKind
from rxapp.services import catalog, clock, evidence_check, products, profiles, registration_drafts, serials
from rxapp.services.errors import Conflict, FieldErrors, Locked, ServiceError
from rxapp.state import parse, uploads
from rxapp.state.captcha import CaptchaMixin
from rxapp.state.evidence import EvidenceMixin
from rxapp.state.session import SessionState, assign_changed, caller, member
from rxapp.state.upload_guard import upload_limit


class RegistrationState(CaptchaMixin, EvidenceMixin, rx.State):
    step: int = 1
    categories: list[dict[str, str]] = []
    category_id: str = ""
    # Step 2
    serial: str = ""
    hint_status: str = ""
    hint_message: str = ""
    suggestion: str = ""
    # The category the serial belongs to when it is not the chosen one ("Switch to Monitor").
    switch_category: str = ""
    product_type: str = ""
    product_name: str = ""
    model: str = ""
    # Step 3
    chk: str = ""
    # Step 4
    regions: list[list[str]] = []
    region: str = ""
    # [id, "name (channel)", channel] of the region's stores.
    stores: list[list[str]] = []
    store_id: str = ""
    purchase_date: str = ""
    channel: str = ""
    invoice_name: str = ""
    invoice_message: str = ""
    invoice_too_wide: bool = False
    invoice_ok: bool = False
    invoice_thumb: str = ""
    uploading: bool = False
    # The evidence pre-check (EvidenceMixin's invoice slot): "Checking your invoice…" while it is read,
    # then its checklist (advice, not a gate).
    max_date: str = ""
    errors: dict[str, str] = {}
    # Bumped when a draft is restored: the uncontrolled radios re-mount with its choice.
    restored: int = 0
    _invoice_file_id: int | None = None
    _switch_category_id: int | None = None

    @rx.var
    def category(self) -> dict[str, str]:
        for c in self.categories:
            if c.get("id") == self.category_id:
                return c
        return {}


    # ------------------------------------------------------------------ loading

    def _reset_draft(self) -> None:
        self.step = 1
        self.category_id = ""
        self.serial = self.hint_status = self.hint_message = self.suggestion = self.switch_category = ""
        self.product_type = self.product_name = self.model = ""
        self.chk = ""
        self.region = self.store_id = self.purchase_date = self.channel = ""
        self.stores = []
        self.invoice_name = self.invoice_message = self.invoice_thumb = ""
        self.invoice_too_wide = self.invoice_ok = False
        self.invoice_checking = False
        self.invoice_checks, self.invoice_check_note = [], ""
        self.errors = {}
        self._invoice_file_id = self._switch_category_id = None

    def _draft(self) -> dict:
        kept = self.invoice_ok and self._invoice_file_id is not None
        return {"step": self.step, "category_id": self.category_id, "serial": self.serial, "chk": self.chk,
                "region": self.region, "store_id": self.store_id, "purchase_date": self.purchase_date,
                "channel": self.channel, "invoice_file_id": self._invoice_file_id if kept else None,
                "invoice_name": self.invoice_name if kept else ""}

    def _save_draft(self) -> None:
        """The wizard as it is now becomes the account's draft (after every change the customer makes)."""
        db.run(registration_drafts.save, user_id=caller().user_id, data=self._draft())

    def _restore(self, draft: dict, user_id: int, profile_region: str) -> None:
        """Back to the step and the fields of the account's draft; each step is re-checked on the way."""
        if any(c["id"] == draft.get("category_id") for c in self.categories):
            self.category_id = draft["category_id"]
        self.serial = draft.get("serial", "")
        self.chk = draft.get("chk", "")
        region = draft.get("region") or profile_region
        self.region = region if any(r[0] == region for r in self.regions) else ""
        if self.region:
            self._load_stores()
        if any(st[0] == draft.get("store_id") for st in self.stores):
            self.store_id = draft["store_id"]
        self.purchase_date = draft.get("purchase_date", "")
        self.channel = parse.choice(draft.get("channel"), (c.value for c in vocabulary.CHANNEL), "")
        if draft.get("invoice_file_id"):
            self._apply_invoice(uploads.Received(draft["invoice_file_id"], draft.get("invoice_name", ""), "",
                                                 False, True), user_id)
        step = draft.get("step", 1)
        if self.category_id and self.serial:
            self._compute_hints()
        if step >= 2 and not self.category_id:
            step = 1
        if step >= 3 and self.hint_status != "found":
            step = 2
        if step >= 4 and not self.chk:
            step = 3
        self.step = step
        if self.step == 4:
            self._ensure_captcha()
        self.restored += 1

    @member
    async def load(self):
        viewer = caller()
        self._reset_draft()
        with session_scope() as s:
            self.categories = [
                {
                    "id": str(c["id"]),
                    "name": str(c["name"]),
                    "slug": str(c.get("slug", "")),
                    "sticker_text": str(c.get("sticker_text", "")),
                    "sticker_image": str(c.get("sticker_image", "")),
                    "serial_format": str(c.get("serial_format", "")),
                    "example": str(c.get("serial_example", "")),
                }
                for c in catalog.categories(session=s)
            ]
            # In the tab's language, sorted by that name (as My Profile's Region / Location).
            self.regions = [[str(code), str(name)] for code, name in profiles.regions(session=s)]
            profile_region = _profile_region(s, viewer.user_id)
            self.max_date = clock.today(s).isoformat()
            draft = registration_drafts.load(session=s, user_id=viewer.user_id)
        # The account's draft, not this tab's memory: a reload (or a late on_load after a reconnect)
        # comes back to the same step with what was typed.
        self._restore(draft, viewer.user_id, profile_region)
        if not self._refresh_evidence("invoice"):
            return RegistrationState.check_invoice

    def _load_stores(self) -> None:
        with session_scope() as s:
            self.stores = [
                [str(st["id"]), f'{st["name"]} ({st["channel_label"]})', str(st["channel"])]
                for st in catalog.stores_for_region(session=s, region_code=self.region)
            ]

    # ------------------------------------------------------------------ step 1

    @member
    async def choose_category(self, category_id):
        cid = parse.text(category_id, 12)
        if not any(c["id"] == cid for c in self.categories):
            return
        if cid != self.category_id:
            self.category_id = cid
            # A serial typed for another category is re-checked for this one.
            if self.serial:
                self._compute_hints()
        self.errors = {}
        self._save_draft()

    # ------------------------------------------------------------------ step 2

    def _compute_hints(self) -> None:
        try:
            cid = int(self.category_id)
        except ValueError:
            return
        h = db.run(serials.hints, category_id=cid, raw=self.serial)
        # Only what changed goes into the delta (a hint per keystroke mostly repeats the last one's fields).
        assign_changed(self, hint_status=h.status, hint_message=h.message, suggestion=h.suggestion,
                       switch_category=h.switch_category, product_type=h.product_type,
                       product_name=h.product_name, model=h.model)
        self._switch_category_id = h.switch_category_id
        if h.status == "found" and self.serial != h.normalised:
            # As printed on the sticker, wherever it is shown from now on.
            self.serial = h.normalised

    @member
    async def set_serial(self, value):
        """Hints while typing (debounced in the browser)."""
        self.serial = parse.text(value, 40).upper()
        if "serial" in self.errors:
            self.errors = {k: v for k, v in self.errors.items() if k != "serial"}
        self._compute_hints()
        self._save_draft()

    @member
    async def use_suggestion(self):
        if self.suggestion:
            self.serial = self.suggestion
            self._compute_hints()
            self._save_draft()

    @member
    async def switch_to_category(self):
        """The serial belongs to another category: choose that one (one click)."""
        cid = str(self._switch_category_id or "")
        if cid and any(c["id"] == cid for c in self.categories):
            self.category_id = cid
            self.errors = {}
            self._compute_hints()
            self._save_draft()

    # ------------------------------------------------------------------ step 3

    @member
    async def set_chk(self, value):
        self.chk = parse.text(value, 3)
        self._save_draft()

    # ------------------------------------------------------------------ step 4 fields

    @member
    async def set_region(self, value):
        code = parse.text(value, 2)
        if code and not any(r[0] == code for r in self.regions):
            return
        if code != self.region:
            self.region = code
            self.store_id = ""
            self._load_stores() if code else setattr(self, "stores", [])
            self._refresh_evidence("invoice")
        self._save_draft()

    @member
    async def set_store(self, value):
        sid = parse.text(value, 12)
        store = next((st for st in self.stores if st[0] == sid), None)
        if sid == "" or store is not None:
            self.store_id = sid
        if store is not None:
            # The store's name already says where it sells ("Amazon.com (Online retailer)").
            self.channel = store[2]
        self._refresh_evidence("invoice")
        self._save_draft()

    @member
    async def set_purchase_date(self, value):
        self.purchase_date = parse.text(value, 10)
        self._refresh_evidence("invoice")
        self._save_draft()

    @member
    async def set_channel(self, value):
        self.channel = parse.choice(value, (c.value for c in vocabulary.CHANNEL), self.channel)
        self._save_draft()

    @upload_limit(uploads.MAX_BYTES)
    @member.background
    async def upload_invoice(self, chunks: rx.UploadChunkIterator):
        """The invoice is checked the moment it is chosen (streamed, size-capped)."""
        viewer = caller()
        async with self:
            # The message stays until a file has arrived: an upload that carries none (the drop zone refused
            # every file and ``refuse_invoice`` says why, before or after this) must not wipe that reason.
            self.uploading = True
        got = await uploads.receive(chunks, owner_id=viewer.user_id, kind=FileKind.invoice)
        async with self:
            self.uploading = False
            if got is not None:
                self._apply_invoice(got, viewer.user_id)
                self._save_draft()
        if got is not None and got.ok:
            await self._read_evidence("invoice", got.file_id)

    @member.background
    async def check_invoice(self):
        """Read the draft's invoice when it was never read (a draft from before, a resized file)."""
        async with self:
            file_id = self._invoice_file_id if self.invoice_ok else None
        if file_id is not None:
            await self._read_evidence("invoice", file_id)

    def _evidence_file(self, slot: str) -> int | None:
        return self._invoice_file_id if slot == "invoice" and self.invoice_ok else None

    def _evidence_checks(self, slot: str, session, file_id: int) -> list[evidence_check.Check] | None:
        """The invoice against what is typed now (the file is the draft's own)."""
        try:
            purchase = date.fromisoformat(self.purchase_date) if self.purchase_date else None
        except ValueError:
            purchase = None
        return evidence_check.invoice_checklist(
            session=session, file_id=file_id, model_name=self.product_name, purchase_date=purchase,
            store_id=int(self.store_id) if self.store_id.isdigit() else None, region_code=self.region,
        )

    @member
    async def refuse_invoice(self, reasons: list):
        """The drop zone refused the file before sending it: the same message the server would give."""
        self._apply_invoice(uploads.refused(reasons, kind=FileKind.invoice), caller().user_id)

    def _apply_invoice(self, got: uploads.Received, user_id: int) -> None:
        self.errors = {k: v for k, v in self.errors.items() if k != "invoice"}
        if got.file_id is None:
            # Refused: nothing was kept; an earlier good invoice stays in the draft.
            self.invoice_message = got.message
            self.invoice_too_wide = False
            if not self.invoice_ok:
                self.invoice_name = ""
            return
        if got.file_id != self._invoice_file_id:
            self.invoice_checks, self.invoice_check_note = [], ""
        self._invoice_file_id = got.file_id
        self.invoice_name = got.name
        self.invoice_message = got.message
        self.invoice_too_wide = got.too_wide
        self.invoice_ok = got.ok
        self.invoice_thumb = uploads.thumb_url(file_id=got.file_id, user_id=user_id) if got.ok else ""

    @member
    async def resize_invoice(self):
        viewer = caller()
        if not self._invoice_file_id or not self.invoice_too_wide:
            return
        got = await uploads.resize(owner_id=viewer.user_id, file_id=self._invoice_file_id)
        if got.file_id is None:
            self.invoice_message = got.message
            return
        self._apply_invoice(
            uploads.Received(got.file_id, self.invoice_name, "", False, True), viewer.user_id
        )
        self.invoice_message = i18n.gettext("Resized to 1600 px wide. Thank you!")
        self._save_draft()
        return RegistrationState.check_invoice

    # ------------------------------------------------------------------ navigation

    @member
    async def back(self):
        self.errors = {}
        self.step = max(1, self.step - 1)
        self._save_draft()

    @member
    async def next_step(self):
        viewer = caller()
        self.errors = {}
        if self.step == 1:
            if not self.category_id:
                self.errors = {"category": i18n.gettext("Please choose the category of your product.")}
                return
            self.step = 2
        elif self.step == 2:
            self._compute_hints()
            if self.hint_status != "found":
                self.errors = {"serial": self.hint_message
                               or i18n.gettext("Please enter the serial number from the sticker.")}
                return
            self.step = 3
        elif self.step == 3:
            try:
                db.run(serials.check_chk, user_id=viewer.user_id, serial=self.serial, chk=self.chk)
            except FieldErrors as exc:
                self.errors = exc.errors
                if "serial" in exc.errors:
                    self.step = 2
                return
            except (Locked, Conflict) as exc:
                self.errors = {"chk": exc.message}
                return
            self.step = 4
            self._ensure_captcha()
        self._save_draft()

    @member
    async def submit(self, form: dict):
        """Step 4 → the product is registered (one transaction), then My Products."""
        viewer = caller()
        if self.step != 4:
            return
        errors: dict[str, str] = {}
        problem = self._captcha_problem(form)
        if problem:
            errors["captcha"] = problem
        try:
            purchase = date.fromisoformat(self.purchase_date) if self.purchase_date else None
        except ValueError:
            purchase = None
            errors["purchase_date"] = i18n.gettext("Please pick the purchase date from the calendar.")
        try:
            store = int(self.store_id) if self.store_id else 0
        except ValueError:
            store = 0
        if errors:
            self.errors = errors
            self._draw_captcha()
            return
        try:
            with session_scope() as s:
                products.register(
                    session=s,
                    user_id=viewer.user_id,
                    serial=self.serial,
                    chk=self.chk,
                    region_code=self.region,
                    store_id=store,
                    purchase_date=purchase,
                    channel=self.channel,
                    invoice_file_id=self._invoice_file_id,
                )
        except FieldErrors as exc:
            self.errors = exc.errors
            self._draw_captcha()
            if "serial" in exc.errors or "chk" in exc.errors:
                self.step = 2 if "serial" in exc.errors else 3
            return
        except (Locked, Conflict) as exc:
            self.errors = {"serial": exc.message}
            self.step = 2
            return
        except ServiceError as exc:
            self.errors = {"form": exc.message}
            self._draw_captcha()
            return
        name = self.product_name
        self._reset_draft()
        db.run(registration_drafts.discard, user_id=viewer.user_id)
        session_state = await self.get_state(SessionState)
        return session_state._notify(
            i18n.gettext("{name} is registered. You can now redeem the promotions it qualifies for.").format(name=name),
            routes.MY_PRODUCTS)


def _profile_region(session, user_id: int) -> str:
    return str(profiles.profile(session=session, user_id=user_id).get("region", ""))


# My Products lives in its own module; kept importable from here.
from rxapp.state.my_products import MyProductsState  # noqa: E402,F401
