"""A claim under review: its evidence, facts and checks, and the reviewer's decision.

Every decision goes through ``services.claims`` over the version this page
showed (``_version``): a claim changed meanwhile is not overwritten, and the
reviewer is told who moved it.  j / k follow the order of this tab's queue.
"""

from __future__ import annotations

import asyncio

import reflex as rx

from rxapp import db, i18n, routes, vocabulary
from rxapp.i18n import _
from rxapp.db import session_scope, write_session
from rxapp.models import PrizeType, RedemptionStatus, ShippingStatus
from rxapp.services import (
    claim_history,
    claim_review,
    claims,
    evidence_check,
    file_links,
    mail_sender,
    pending_approvals,
    queue_filter,
    reason_templates,
    review_queue,
)
from rxapp.services.errors import Conflict, FieldErrors, Forbidden, NotFound, ServiceError
from rxapp.state import offload, parse
from rxapp.state.console import claim_rows as rows_of
from rxapp.state.console.dates import shown
from rxapp.state.console.queue import QueueState
from rxapp.state.session import Viewer, caller, reviewer

FORM_NAMES = {"approve": "decision", "needs_info": "decision", "reject": "decision", "shipping": "shipping"}
# The one step forward the claim page offers from each shipping state.
NEXT_SHIPPING = {ShippingStatus.preparing.value: ShippingStatus.shipped.value,
                 ShippingStatus.shipped.value: ShippingStatus.delivered.value}


class ClaimState(rx.State):
    found: bool = False
    missing: str = ""
    claim: dict[str, str] = {}
    facts: list[list[str]] = []
    recipient: list[list[str]] = []
    checks: list[dict[str, str]] = []
    eligible: str = ""
    linked: list[dict[str, str]] = []
    events: list[dict[str, str]] = []
    emails: list[dict[str, str]] = []
    invoice_url: str = ""
    invoice_meta: str = ""
    photo_url: str = ""
    photo_meta: str = ""
    # The evidence pre-check: what the invoice and the S/N photo say against the registration, and
    # where on each picture (boxes in % of the picture, drawn over it).
    evidence: list[dict[str, str]] = []
    evidence_summary: str = ""
    evidence_reading: bool = False
    invoice_boxes: list[dict[str, str]] = []
    photo_boxes: list[dict[str, str]] = []
    needs_info_templates: list[list[str]] = []
    reject_templates: list[list[str]] = []
    document_options: list[list[str]] = vocabulary.options(vocabulary.DOCUMENT)
    errors: dict[str, str] = {}
    message: str = ""
    message_kind: str = ""
    next_href: str = ""
    prev_href: str = ""
    form_key: int = 0
    # An approval waiting out its undo window: by (email), seconds (left when read), prize ("code" or "").
    pending: dict[str, str] = {}
    pending_text: str = ""
    # The unsent reasons of this claim (kept per claim while the reviewer moves with J / K).
    draft_ni: str = ""
    draft_doc: str = ""
    draft_rej: str = ""
    draft_note: str = ""

    _claim_id: int = 0
    _version: int = 0
    # Seconds left of this claim's pending approval when the page last read it (0: none).
    _pending_left: float = 0.0
    # Unsent reasons per claim id: {"ni": …, "doc": …, "rej": …}, newest last.
    _drafts: dict[str, dict[str, str]] = {}
    # The filter of this tab's queue, for j / k.
    _queue_filter: dict[str, str] = {}
    # Files of this claim not read yet (uploaded before the pre-check): read_evidence reads them.
    _evidence_unread: list[int] = []

    def _clear(self) -> None:
        self.found = False
        self.claim, self.facts, self.recipient, self.checks = {}, [], [], []
        self.linked, self.events, self.emails = [], [], []
        self.invoice_url = self.photo_url = self.invoice_meta = self.photo_meta = ""
        self.evidence, self.evidence_summary, self.invoice_boxes, self.photo_boxes = [], "", [], []
        self._evidence_unread = []
        self.next_href = self.prev_href = ""
        self.pending, self.pending_text = {}, ""
        self.draft_ni = self.draft_doc = self.draft_rej = self.draft_note = ""
        self._claim_id = self._version = 0

    def _reload(self, viewer: Viewer, claim_id: int) -> None:
        try:
            with session_scope() as s:
                d = claim_review.claim_detail(session=s, actor_id=viewer.user_id, claim_id=claim_id)
                states = mail_sender.delivery_state(session=s, redemption_id=claim_id)
                story = claim_history.reviewer_timeline(session=s, actor_id=viewer.user_id, claim_id=claim_id)
                templates = reason_templates.list_templates(session=s, actor_id=viewer.user_id,
                                                            customer_language=d["customer"]["language"])
                waiting = pending_approvals.pending(session=s, claim_id=claim_id, actor_id=viewer.user_id)
                evidence = evidence_check.claim_evidence(session=s, actor_id=viewer.user_id, claim_id=claim_id)
        except (NotFound, Forbidden) as exc:
            self._clear()
            self.missing = exc.message or _("This claim does not exist.")
            return
        c, reg, cust, rec = d["claim"], d["registration"], d["customer"], d["recipient"]
        self._claim_id, self._version = c["claim_id"], c["version"]
        self.found, self.missing = True, ""
        code = story.get("code") or ""
        reserved = story.get("reserved_code") or ""
        self.claim = {
            "id": str(c["claim_id"]),
            "status": c["status"],
            "status_label": vocabulary.status_label(c["status"]),
            "status_text": vocabulary.customer_status_text(c["status"], c["reason"] or ""),
            "promotion": c["promotion_name"],
            "prize_type": vocabulary.prize_type_label(c["prize_type"]),
            "submitted_at": shown(c["submitted_at"]),
            "due_on": shown(c["due_on"]),
            "overdue": "yes" if c["overdue"] else "",
            "decided_at": shown(c["decided_at"]),
            "reason": c["reason"] or "",
            "missing_document": vocabulary.document_label(c["missing_document"]),
            "shipping": c["shipping_status"] or "",
            "shipping_label": vocabulary.shipping_label(c["shipping_status"]),
            "next_shipping": (NEXT_SHIPPING.get(c["shipping_status"] or "", "")
                              if c["status"] == RedemptionStatus.approved.value
                              and c["prize_type"] == PrizeType.physical.value else ""),
            "tracking": c["tracking_number"] or "",
            "code": code,
            "reserved_code": reserved if not code else "",
            "open": "yes" if c["status"] == RedemptionStatus.under_review.value else "",
            "reads": i18n.LANGUAGES[reason_templates.reader_language(cust["language"])],
        }
        self.facts, self.recipient = rows_of.facts(reg, cust), rows_of.recipient(rec)
        self.document_options = rows_of.document_options()
        elig = d.get("eligibility")
        self.eligible = "unknown" if elig is None else "yes" if elig["eligible"] else "no"
        self.checks = [] if elig is None else rows_of.checks(elig)
        self.linked, self.events = rows_of.linked(d["linked"]), rows_of.events(d["timeline"])
        self.emails = rows_of.emails(states)
        inv, photo = d["files"]["invoice"], d["files"]["serial_photo"]
        self.invoice_url = file_links.signed_url(file_id=inv["file_id"], user_id=viewer.user_id, ttl_seconds=3600) \
            if inv else ""
        self.invoice_meta = f"{inv['width']}×{inv['height']} px · {inv['original_name']}" if inv else ""
        self.photo_url = file_links.signed_url(file_id=photo["file_id"], user_id=viewer.user_id, ttl_seconds=3600) \
            if photo else ""
        self.photo_meta = f"{photo['width']}×{photo['height']} px · {photo['original_name']}" if photo else ""
        self._show_evidence(evidence)
        self.needs_info_templates = [[str(t["template_id"]), t["label"]] for t in templates if not t["is_rejection"]]
        self.reject_templates = [[str(t["template_id"]), t["label"]] for t in templates if t["is_rejection"]]
        self._pending_left = 0.0 if waiting is None or not self.claim["open"] else waiting.seconds_left()
        self.pending, self.pending_text = ({}, "") if waiting is None or not self.claim["open"] else rows_of.pending(
            waiting, viewer.user_id, c["prize_type"] == PrizeType.digital_code.value)
        self._show_drafts(claim_id)
        self._neighbours(viewer, claim_id)

    def _show_evidence(self, evidence: dict) -> None:
        rows, boxes = rows_of.evidence(evidence)
        self.evidence = rows
        self.evidence_summary = evidence["summary"]
        self.invoice_boxes, self.photo_boxes = boxes["invoice"], boxes["serial_photo"]
        self._evidence_unread = list(evidence["unread"])

    @reviewer.background
    async def read_evidence(self):
        """Read this claim's files that were never read (OCR off the event loop), then show their checks."""
        async with self:
            claim_id, unread = self._claim_id, list(self._evidence_unread)
            if not claim_id or not unread:
                return
            self.evidence_reading = True
        try:
            for file_id in unread:
                await offload.call(evidence_check.read_file, file_id=file_id)
        finally:
            async with self:
                self.evidence_reading = False
                if self._claim_id == claim_id:
                    # Only the checks: the rest of the page (the decision form a reason may be typed in)
                    # stays as the reviewer loaded it; a decision made meanwhile is told on sending.
                    try:
                        self._show_evidence(db.run(evidence_check.claim_evidence, actor_id=caller().user_id,
                                                   claim_id=claim_id))
                    except (NotFound, Forbidden):
                        pass

    def _show_drafts(self, claim_id: int) -> None:
        """This claim's unsent reasons back in its forms, and a word about another claim's kept one."""
        if not self.claim.get("open"):
            self._drafts.pop(str(claim_id), None)
        mine = self._drafts.get(str(claim_id), {})
        self.draft_ni, self.draft_doc, self.draft_rej = mine.get("ni", ""), mine.get("doc", ""), mine.get("rej", "")
        others = [k for k in self._drafts if k != str(claim_id)]
        self.draft_note = (
            _("Your unsent reason for claim #{id} is kept: it is back in the form when you open that claim "
              "again.").format(id=others[-1]) if others else ""
        )

    def _neighbours(self, viewer: Viewer, claim_id: int) -> None:
        """j / k: the claims before and after this one in the reviewer's current queue order."""
        flt = queue_filter.from_dict(self._queue_filter or queue_filter.DEFAULT)
        with session_scope() as s:
            prv, nxt = review_queue.neighbours(session=s, actor_id=viewer.user_id, flt=flt, claim_id=claim_id)
        self.next_href = f"{routes.ADMIN_CLAIM}?id={nxt}" if nxt else ""
        self.prev_href = f"{routes.ADMIN_CLAIM}?id={prv}" if prv else ""

    async def _queue_filter_of_tab(self) -> dict:
        queue = await self.get_state(QueueState)
        return dict(queue._flt)

    @reviewer
    async def load(self):
        viewer = caller()
        self.errors, self.message, self.message_kind = {}, "", ""
        self.form_key += 1
        self._queue_filter = await self._queue_filter_of_tab()
        claim_id = parse.positive_id(self.router.url.query_parameters.get("id", ""))
        if claim_id is None:
            self._clear()
            self.missing = _("No claim chosen: open one from the queue.")
            return
        self._reload(viewer, claim_id)
        if self.pending and self._pending_left <= 0:
            # Its undo window is over and nobody committed it yet: the next read does.
            db.run_writing(pending_approvals.settle, claim_id=claim_id)
            self._reload(viewer, claim_id)
        if self._evidence_unread:
            return ClaimState.read_evidence

    async def _change(self, form: str, change, describe) -> None:
        """One change of the claim over the version this page showed, and a word on how it went.

        ``change(session, actor_id, claim_id, expected_version)`` makes it and returns what
        ``describe`` (called after the page reloaded) turns into the reviewer's message.  Errors
        of the form go under its fields (``form.field``); a claim moved meanwhile is reloaded
        and the reviewer told who moved it.
        """
        viewer = caller()
        if not self._claim_id:
            return
        claim_id = self._claim_id
        self._queue_filter = await self._queue_filter_of_tab()
        try:
            with write_session() as s:
                result = change(s, viewer.user_id, claim_id, self._version)
        except FieldErrors as exc:
            self.errors = {f"{form}.{k}": v for k, v in exc.errors.items()}
            self.message, self.message_kind = rows_of.form_text(FORM_NAMES[form]), "error"
            return
        except ServiceError as exc:
            self.errors = {}
            self.message = exc.message or _("This change could not be saved.")
            self.message_kind = "conflict" if isinstance(exc, Conflict) else "error"
            self._reload(viewer, claim_id)
            self.form_key += 1
            return
        self.errors = {}
        self._drafts = {k: v for k, v in self._drafts.items() if k != str(claim_id)}
        self._reload(viewer, claim_id)
        self.message, self.message_kind = describe(result), "ok"
        self.form_key += 1

    async def _decide(self, decision: str, reason: str = "", missing_document: str | None = None):
        def change(s, actor_id: int, claim_id: int, version: int) -> str:
            return claims.decide(session=s, claim_id=claim_id, reviewer_id=actor_id, decision=decision,
                                 reason=reason, missing_document=missing_document or None,
                                 expected_version=version).status.value

        def describe(status: str) -> str:
            if status == RedemptionStatus.approved.value:
                return rows_of.approved_text(self.claim.get("code"))
            return rows_of.decided_text(status)

        await self._change(decision, change, describe)

    @reviewer
    async def approve(self):
        """Approve, committed when the undo window ends (``services.pending_approvals``)."""
        viewer = caller()
        if not self._claim_id:
            return
        claim_id = self._claim_id
        self._queue_filter = await self._queue_filter_of_tab()
        try:
            db.run_writing(pending_approvals.approve_later, claim_id=claim_id, reviewer_id=viewer.user_id,
                           expected_version=self._version)
        except ServiceError as exc:
            self.message = exc.message or _("This claim could not be approved.")
            self.message_kind = "conflict" if isinstance(exc, Conflict) else "error"
            self._reload(viewer, claim_id)
            return
        self.errors, self.message, self.message_kind = {}, "", ""
        self._reload(viewer, claim_id)
        return ClaimState.settle_when_due

    @reviewer
    async def undo_approval(self):
        """Take the approval back while its window lasts."""
        viewer = caller()
        if not self._claim_id:
            return
        claim_id = self._claim_id
        if db.run_writing(pending_approvals.undo, claim_id=claim_id, reviewer_id=viewer.user_id):
            self.message, self.message_kind = _("Approval undone: the claim is still under review."), "ok"
        else:
            self.message, self.message_kind = _("Too late to undo: the approval was already committed."), "conflict"
        self._reload(viewer, claim_id)

    @reviewer.background
    async def settle_when_due(self):
        """When this page's undo window ends, commit the approval and show how it went.

        The app's settler task would commit it anyway (a closed tab); this only makes the page follow.
        """
        async with self:
            claim_id, wait = self._claim_id, self._pending_left
        if not claim_id or not self.pending:
            return
        await asyncio.sleep(wait + 0.2)
        settled = await asyncio.to_thread(db.run_writing, pending_approvals.settle, claim_id=claim_id)
        async with self:
            if self._claim_id != claim_id:
                return
            self._reload(caller(), claim_id)
            if self.claim.get("status") == RedemptionStatus.approved.value:
                self.message = rows_of.approved_text(self.claim.get("code"))
                self.message_kind = "ok"
                self.form_key += 1
            elif settled is not None and not settled.approved:
                self.message = _("Your approval was not committed: {problem}").format(problem=settled.problem)
                self.message_kind = "conflict"
                self.form_key += 1

    @reviewer
    async def keep_draft(self, which: str, text: str):
        """Keep what was typed in a decision form of this claim (on leaving the field), for J / K."""
        which = parse.choice(which, ["ni", "doc", "rej"])
        text = parse.text(text, 600)
        if not which or not self._claim_id or not self.claim.get("open"):
            return
        key = str(self._claim_id)
        draft = {k: v for k, v in {**self._drafts.pop(key, {}), which: text}.items() if v.strip()}
        if draft:
            self._drafts = {**self._drafts, key: draft}
        else:
            self._drafts = dict(self._drafts)
        self.draft_ni, self.draft_doc, self.draft_rej = draft.get("ni", ""), draft.get("doc", ""), draft.get("rej", "")

    @reviewer
    async def needs_info(self, form: dict):
        return await self._decide("needs_info", parse.field(form, "reason", 600, strip=True),
                                  parse.field(form, "missing_document", 20, strip=True))

    @reviewer
    async def reject(self, form: dict):
        return await self._decide("reject", parse.field(form, "reason", 600, strip=True))

    @reviewer
    async def advance_shipping(self, form: dict):
        """The parcel one step forward (preparing → shipped with its tracking number → delivered)."""
        status = parse.field(form, "status", 20, strip=True)
        tracking = parse.field(form, "tracking_number", 200, strip=True)

        def change(s, actor_id: int, claim_id: int, version: int):
            done = claims.ship(session=s, claim_id=claim_id, reviewer_id=actor_id, status=status,
                               tracking_number=tracking, expected_version=version)
            return vocabulary.shipping_label(done.shipping_status), done.tracking_number

        def describe(shipped) -> str:
            return rows_of.shipping_text(*shipped)

        await self._change("shipping", change, describe)

    @reviewer
    async def pick_template(self, template_id: str):
        """A template chosen in a decision form: its text (and missing document) fill the form."""
        viewer = caller()
        tid = parse.positive_id(template_id)
        if tid is None:
            return
        rows = db.run(reason_templates.list_templates, actor_id=viewer.user_id)
        t = next((r for r in rows if r["template_id"] == tid), None)
        if t is None or not self._claim_id:
            return
        key = str(self._claim_id)
        if t["is_rejection"]:
            self._drafts = {**self._drafts, key: {**self._drafts.get(key, {}), "rej": t["text"]}}
            return rx.set_value("rej-reason", t["text"])
        self._drafts = {**self._drafts, key: {**self._drafts.get(key, {}), "ni": t["text"],
                                              "doc": t["missing_document"]}}
        return [rx.set_value("ni-reason", t["text"]), rx.set_value("ni-doc", t["missing_document"])]
