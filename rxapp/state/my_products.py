"""My Products: the table with warranty, and replacing a product's purchase proof."""

from __future__ import annotations

from datetime import date

import reflex as rx

from rxapp import db, i18n
from rxapp.db import session_scope
from rxapp.models import FileKind
from rxapp.services import clock, evidence_uploads, products
from rxapp.services.errors import ServiceError
from rxapp.state import parse, uploads
from rxapp.state.evidence import EvidenceMixin
from rxapp.state.session import caller, member
from rxapp.state.upload_guard import upload_limit

CHECKING = i18n.N_("Checking the file…")


class MyProductsState(EvidenceMixin, rx.State):
    rows: list[dict[str, str]] = []
    message: str = ""
    replacing: str = ""
    replace_message: str = ""
    replace_too_wide: bool = False
    # The product whose invoice was just replaced: its checklist (EvidenceMixin's invoice slot) is shown.
    checked_product_name: str = ""
    _pending_file_id: int | None = None
    _checked: list[int] = []  # [owner id, product id, file id] of the replacement checked

    @member
    async def load(self):
        viewer = caller()
        self.replacing = ""
        self.replace_message = ""
        self._checked, self.checked_product_name = [], ""
        self._clear_evidence("invoice")
        self._reload(viewer.user_id)

    def _reload(self, user_id: int) -> None:
        with session_scope() as s:
            rows = products.my_products(session=s, user_id=user_id, today=clock.today(s))
        self.rows = [
            {
                "id": str(r["id"]),
                "category": str(r["category"]),
                "product_name": str(r["product_name"]),
                "serial": str(r["serial"]),
                # The dates as the tab's language writes them (the service's are ISO).
                "purchase_date": i18n.format_date(date.fromisoformat(str(r["purchase_date"]))),
                "warranty_end": i18n.format_date(date.fromisoformat(str(r["warranty_end"]))),
                "warranty_text": str(r["warranty_text"]),
                "expired": "yes" if r.get("warranty_expired") else "",
                "has_invoice": "yes" if r.get("has_invoice") else "",
            }
            for r in rows
        ]

    @member
    async def start_replace(self, product_id):
        pid = str(parse.positive_id(product_id) or "")
        if any(r["id"] == pid for r in self.rows):
            self.replacing = pid
            self.replace_message = ""

    @member
    async def cancel_replace(self):
        self.replacing = ""
        self.replace_message = ""

    @upload_limit(uploads.MAX_BYTES)
    @member.background
    async def upload_replacement(self, chunks: rx.UploadChunkIterator):
        viewer = caller()
        async with self:
            shown = self.replace_message, self.replace_too_wide
            self.replace_message = i18n.gettext(CHECKING)
            self.replace_too_wide = False
        got = await uploads.receive(chunks, owner_id=viewer.user_id, kind=FileKind.invoice)
        async with self:
            if got is None:
                # No file came (the drop zone refused every file: ``refuse_replacement`` says why, before or
                # after this): the field shows what it showed, or that reason.
                if self.replace_message == i18n.gettext(CHECKING):
                    self.replace_message, self.replace_too_wide = shown
                return
            if got.file_id is None or got.too_wide:
                self._pending_file_id = got.file_id
                self.replace_too_wide = got.too_wide
                self.replace_message = got.message
                return
            attached = self._attach(viewer.user_id, got.file_id)
        if attached:
            await self._read_evidence("invoice", got.file_id)

    @member.background
    async def check_replacement(self):
        """Read the replaced invoice (after "Resize for me"), "Checking your invoice…" shown meanwhile."""
        async with self:
            file_id = self._checked[2] if self._checked else None
        if file_id is not None:
            await self._read_evidence("invoice", file_id)

    def _evidence_file(self, slot: str) -> int | None:
        return self._checked[2] if slot == "invoice" and self._checked else None

    def _evidence_checks(self, slot: str, session, file_id: int):
        return evidence_uploads.checks(session=session, user_id=self._checked[0], product_id=self._checked[1],
                                       file_id=file_id, kind=evidence_uploads.INVOICE)

    @member
    async def refuse_replacement(self, reasons: list):
        """The drop zone refused the file before sending it."""
        self.replace_too_wide = False
        self.replace_message = uploads.refused(reasons, kind=FileKind.invoice).message

    @member
    async def resize_replacement(self):
        viewer = caller()
        if not self._pending_file_id:
            return
        got = await uploads.resize(owner_id=viewer.user_id, file_id=self._pending_file_id)
        self._pending_file_id = None
        self.replace_too_wide = False
        if got.file_id is None:
            self.replace_message = got.message
            return
        if self._attach(viewer.user_id, got.file_id):
            return MyProductsState.check_replacement

    def _attach(self, user_id: int, file_id: int) -> bool:
        try:
            product_id = int(self.replacing)
            db.run(products.replace_invoice, user_id=user_id, product_id=product_id, invoice_file_id=file_id)
        except (ServiceError, ValueError) as exc:
            self.replace_message = getattr(exc, "message", "") or i18n.gettext("This product cannot be changed.")
            return False
        self.checked_product_name = next((r["product_name"] for r in self.rows if r["id"] == self.replacing), "")
        self._checked = [user_id, product_id, file_id]
        self._clear_evidence("invoice")
        self.replacing = ""
        self.replace_message = ""
        self.message = i18n.gettext("The purchase proof was replaced.")
        self._reload(user_id)
        return True
