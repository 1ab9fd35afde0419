"""The reviewer console: claim queue, claim detail (decisions), reason templates.

Every handler starts with ``_gate()``: the session is resolved against the
database and the role re-checked through ``services.access.require_reviewer``
(not the cached ``SessionState.role``).  A signed-out caller is sent to log
in, a customer to Account Overview; neither gets data nor changes anything.
Vars hold plain display strings; ids of the current claim, the queue's cursor
stack and the filter live in backend vars.
"""

from __future__ import annotations

from datetime import date

import reflex as rx

from rxapp import routes, vocabulary
from rxapp.db import session_scope, write_session
from rxapp.models import MissingDocument, PrizeType, RedemptionStatus, ShippingStatus
from rxapp.services import (
    access,
    catalog,
    claim_history,
    claim_review,
    claims,
    file_links,
    mail_sender,
    reason_templates,
    review_queue,
    signing,
)
from rxapp.services.errors import Conflict, FieldErrors, Forbidden, NotFound, ServiceError
from rxapp.state.account import MemberMixin
from rxapp.state.session import SessionState, Viewer

EXPORT_PURPOSE = "export"
EXPORT_TTL = 300
PAGE_SIZE = 25

STATUS_LABELS = {
    RedemptionStatus.under_review.value: "Under review",
    RedemptionStatus.needs_info.value: "Needs info",
    RedemptionStatus.approved.value: "Approved",
    RedemptionStatus.rejected.value: "Rejected",
}
DOCUMENT_LABELS = {
    MissingDocument.invoice.value: "Invoice",
    MissingDocument.serial_photo.value: "S/N photo",
    MissingDocument.recipient.value: "Recipient data",
    MissingDocument.other.value: "Other",
}
SHIPPING_LABELS = {
    ShippingStatus.preparing.value: "Preparing",
    ShippingStatus.shipped.value: "Shipped",
    ShippingStatus.delivered.value: "Delivered",
}
# The one step forward the claim page offers from each shipping state.
NEXT_SHIPPING = {ShippingStatus.preparing.value: ShippingStatus.shipped.value,
                 ShippingStatus.shipped.value: ShippingStatus.delivered.value}
CHANNEL_LABELS = {channel.value: label for channel, label in vocabulary.CHANNEL.items()}
RULE_LABELS = {
    "running": "Promotion running when submitted",
    "eligible_model": "Eligible model",
    "purchase_date": "Purchase date inside the period",
    "region": "Eligible region",
    "partner_store": "Partner store",
    "purchase_proof": "Invoice on file",
    "customer_limit": "Per-customer limit",
    "stock": "Stock left",
    "product": "Product",
}


def _s(value, limit: int = 200) -> str:
    """A client value as a bounded string ("" for anything that is not a string)."""
    return value.strip()[:limit] if isinstance(value, str) else ""


def _fmt(value) -> str:
    if value is None or value == "":
        return ""
    if hasattr(value, "strftime") and hasattr(value, "hour"):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _int(value) -> int | None:
    """A positive id from the client, or None (bools, floats, junk refused)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 2**62 else None
    if isinstance(value, str) and value.strip().lstrip("#").isdigit() and len(value) < 19:
        n = int(value.strip().lstrip("#"))
        return n if n > 0 else None
    return None


def _date(value) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def export_token(*, user_id: int, flt: dict) -> str:
    """A short-lived signed link token naming the reviewer and the queue filter."""
    return signing.sign(EXPORT_PURPOSE, {"u": int(user_id), "f": dict(flt)}, EXPORT_TTL)


class ReviewerMixin(MemberMixin, mixin=True):
    """``_gate()`` first in every handler: the viewer when a reviewer, else None."""

    async def _gate(self) -> Viewer | None:
        viewer = await self._viewer()
        if viewer is None:
            return None
        try:
            with session_scope() as s:
                access.require_reviewer(session=s, user_id=viewer.user_id)
        except Forbidden:
            return None
        return viewer

    async def _refuse(self):
        """Where a caller without the role goes: log in, or Account Overview with a notice."""
        session_state = await self.get_state(SessionState)
        if not session_state.signed_in:
            return session_state._login_redirect()
        session_state.notice = "The reviewer console is for reviewers only."
        return rx.redirect(routes.ACCOUNT_OVERVIEW)


# =========================================================================== queue


class QueueState(ReviewerMixin, rx.State):
    rows: list[dict[str, str]] = []
    counts: list[dict[str, str]] = []
    promotion_options: list[list[str]] = []
    region_options: list[list[str]] = []
    # The filter as shown in the form (strings).
    f_status: str = RedemptionStatus.under_review.value
    f_promotion: str = ""
    f_region: str = ""
    f_from: str = ""
    f_to: str = ""
    f_search: str = ""
    form_key: int = 0
    errors: dict[str, str] = {}
    page_no: int = 1
    has_next: bool = False
    export_href: str = ""
    bulk_report: list[dict[str, str]] = []
    message: str = ""
    loaded: bool = False

    # Backend only: the filter and the stack of cursors (page i starts after _cursors[i]).
    _flt: dict[str, str] = {"status": RedemptionStatus.under_review.value}
    _cursors: list[str] = [""]
    _next_cursor: str = ""
    # The version of each claim on the page as read: bulk approve decides only those versions.
    _versions: dict[str, int] = {}

    def _query(self, viewer: Viewer) -> None:
        flt = review_queue.filter_from_dict(self._flt)
        after = self._cursors[-1] or None
        with session_scope() as s:
            page = review_queue.queue_page(session=s, actor_id=viewer.user_id, flt=flt, after=after, limit=PAGE_SIZE)
            per_status = review_queue.counts(session=s, actor_id=viewer.user_id, flt=flt)
        seen: set[int] = set()
        rows = []
        versions: dict[str, int] = {}
        for r in page.rows:
            if r["claim_id"] in seen:
                continue
            seen.add(r["claim_id"])
            versions[str(r["claim_id"])] = int(r["version"])
            rows.append(
                {
                    "claim_id": str(r["claim_id"]),
                    "href": f"{routes.ADMIN_CLAIM}?id={r['claim_id']}",
                    "submitted_on": _fmt(r["submitted_on"]),
                    "due_on": _fmt(r["due_on"]),
                    "overdue": "yes" if r["overdue"] else "",
                    "status": r["status"],
                    "status_label": STATUS_LABELS.get(r["status"], r["status"]),
                    "promotion_name": r["promotion_name"],
                    "product_name": r["product_name"],
                    "serial": r["serial"],
                    "customer_email": r["customer_email"],
                    "region_code": r["region_code"],
                    "store_name": r["store_name"] or "",
                }
            )
        self.rows = rows
        self._versions = versions
        self._next_cursor = page.next_cursor or ""
        self.has_next = bool(page.next_cursor)
        self.page_no = len(self._cursors)
        total = sum(per_status.values())
        current = self._flt.get("status", "")
        self.counts = [
            {"status": "all", "label": "All", "count": str(total), "current": "yes" if current == "all" else ""}
        ] + [
            {
                "status": st.value,
                "label": STATUS_LABELS[st.value],
                "count": str(per_status.get(st, 0)),
                "current": "yes" if current == st.value else "",
            }
            for st in RedemptionStatus
        ]
        self.export_href = routes.EXPORT_CLAIMS + "?t=" + export_token(user_id=viewer.user_id, flt=self._flt)

    def _show_filter(self) -> None:
        f = self._flt
        self.f_status = f.get("status", "")
        self.f_promotion = f.get("promotion", "")
        self.f_region = f.get("region", "")
        self.f_from = f.get("from", "")
        self.f_to = f.get("to", "")
        self.f_search = f.get("search", "")
        self.form_key += 1

    @rx.event
    async def load(self):
        viewer = await self._gate()
        if viewer is None:
            return await self._refuse()
        with session_scope() as s:
            promos = review_queue.promotion_choices(session=s, actor_id=viewer.user_id)
            self.promotion_options = [[str(pid), name] for pid, name in promos]
            self.region_options = [[r["code"], f"{r['name']} ({r['code']})"] for r in catalog.regions(session=s)]
        self.message = ""
        self._show_filter()
        self._query(viewer)
        self.loaded = True

    @rx.event
    async def apply_filters(self, form: dict):
        viewer = await self._gate()
        if viewer is None:
            return await self._refuse()
        form = form if isinstance(form, dict) else {}
        errors: dict[str, str] = {}
        status = _s(form.get("status"), 20) or RedemptionStatus.under_review.value
        if status != "all" and status not in STATUS_LABELS:
            errors["status"] = "Please choose a status from the list."
        promotion = _s(form.get("promotion"), 20)
        if promotion and _int(promotion) is None:
            errors["promotion"] = "Please choose a promotion from the list."
        region = _s(form.get("region"), 2).upper()
        if region and not region.isalpha():
            errors["region"] = "Please choose a region from the list."
        d_from, d_to = _s(form.get("from"), 10), _s(form.get("to"), 10)
        if d_from and _date(d_from) is None:
            errors["from"] = "Please enter a date like 2021-12-01."
        if d_to and _date(d_to) is None:
            errors["to"] = "Please enter a date like 2021-12-31."
        if not errors and d_from and d_to and _date(d_from) > _date(d_to):
            errors["to"] = "The end of the period is before its start."
        search = _s(form.get("search"), 120)
        self.errors = errors
        if errors:
            return
        self._flt = {"status": status, "promotion": promotion, "region": region, "from": d_from, "to": d_to,
                     "search": search}
        self._cursors = [""]
        self.bulk_report = []
        self._query(viewer)

    @rx.event
    async def show_status(self, status: str):
        viewer = await self._gate()
        if viewer is None:
            return await self._refuse()
        status = _s(status, 20)
        if status != "all" and status not in STATUS_LABELS:
            return
        self._flt = {**self._flt, "status": status}
        self._cursors = [""]
        self._show_filter()
        self._query(viewer)

    @rx.event
    async def clear_filters(self):
        viewer = await self._gate()
        if viewer is None:
            return await self._refuse()
        self._flt = {"status": RedemptionStatus.under_review.value}
        self._cursors = [""]
        self.errors = {}
        self._show_filter()
        self._query(viewer)

    @rx.event
    async def next_page(self):
        viewer = await self._gate()
        if viewer is None:
            return await self._refuse()
        if self._next_cursor:
            self._cursors = [*self._cursors, self._next_cursor]
        self._query(viewer)

    @rx.event
    async def prev_page(self):
        viewer = await self._gate()
        if viewer is None:
            return await self._refuse()
        if len(self._cursors) > 1:
            self._cursors = self._cursors[:-1]
        self._query(viewer)

    @rx.event
    async def approve_selected(self, form: dict):
        viewer = await self._gate()
        if viewer is None:
            return await self._refuse()
        form = form if isinstance(form, dict) else {}
        ids = []
        for key, value in list(form.items())[:500]:
            if isinstance(key, str) and key.startswith("claim-") and value in ("on", True, "true"):
                claim_id = _int(key[len("claim-"):])
                if claim_id is not None and claim_id not in ids:
                    ids.append(claim_id)
        if not ids:
            self.bulk_report = []
            self.message = "Select the claims to approve first (the boxes in the first column)."
            return
        report = []
        for claim_id in ids[:PAGE_SIZE * 4]:
            version = self._versions.get(str(claim_id))
            if version is None:
                report.append({"claim": f"#{claim_id}", "ok": "",
                               "text": "Not on the page you loaded: reload the queue and select it again."})
                continue
            try:
                with write_session() as s:
                    claims.decide(session=s, claim_id=claim_id, reviewer_id=viewer.user_id,
                                       decision="approve", expected_version=version)
                report.append({"claim": f"#{claim_id}", "ok": "yes", "text": "Approved."})
            except ServiceError as exc:
                report.append({"claim": f"#{claim_id}", "ok": "", "text": exc.message or "Not approved."})
        done = sum(1 for r in report if r["ok"])
        self.message = f"Approved {done} of {len(report)} selected claims."
        self.bulk_report = report
        self._query(viewer)


# =========================================================================== claim detail


class ClaimState(ReviewerMixin, rx.State):
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
    needs_info_templates: list[list[str]] = []
    reject_templates: list[list[str]] = []
    document_options: list[list[str]] = [[k, v] for k, v in DOCUMENT_LABELS.items()]
    errors: dict[str, str] = {}
    message: str = ""
    message_kind: str = ""
    next_href: str = ""
    prev_href: str = ""
    form_key: int = 0

    _claim_id: int = 0
    _version: int = 0
    # The filter of this tab's queue, for j / k.
    _queue_filter: dict[str, str] = {}

    def _clear(self) -> None:
        self.found = False
        self.claim, self.facts, self.recipient, self.checks = {}, [], [], []
        self.linked, self.events, self.emails = [], [], []
        self.invoice_url = self.photo_url = self.invoice_meta = self.photo_meta = ""
        self.next_href = self.prev_href = ""
        self._claim_id = self._version = 0

    def _reload(self, viewer: Viewer, claim_id: int) -> None:
        try:
            with session_scope() as s:
                d = claim_review.claim_detail(session=s, actor_id=viewer.user_id, claim_id=claim_id)
                states = mail_sender.delivery_state(session=s, redemption_id=claim_id)
                story = claim_history.reviewer_timeline(session=s, actor_id=viewer.user_id, claim_id=claim_id)
                templates = reason_templates.list_templates(session=s, actor_id=viewer.user_id)
        except (NotFound, Forbidden) as exc:
            self._clear()
            self.missing = exc.message or "This claim does not exist."
            return
        c, reg, cust, rec = d["claim"], d["registration"], d["customer"], d["recipient"]
        self._claim_id, self._version = c["claim_id"], c["version"]
        self.found, self.missing = True, ""
        code = story.get("code") or ""
        reserved = story.get("reserved_code") or ""
        self.claim = {
            "id": str(c["claim_id"]),
            "status": c["status"],
            "status_label": STATUS_LABELS.get(c["status"], c["status"]),
            "status_text": vocabulary.customer_status_text(c["status"], c["reason"] or ""),
            "promotion": c["promotion_name"],
            "prize_type": "Digital code" if c["prize_type"] == "digital_code" else "Physical prize",
            "submitted_at": _fmt(c["submitted_at"]),
            "due_on": _fmt(c["due_on"]),
            "overdue": "yes" if c["overdue"] else "",
            "decided_at": _fmt(c["decided_at"]),
            "reason": c["reason"] or "",
            "missing_document": DOCUMENT_LABELS.get(c["missing_document"] or "", ""),
            "shipping": c["shipping_status"] or "",
            "shipping_label": SHIPPING_LABELS.get(c["shipping_status"] or "", ""),
            "next_shipping": (NEXT_SHIPPING.get(c["shipping_status"] or "", "")
                              if c["status"] == RedemptionStatus.approved.value
                              and c["prize_type"] == PrizeType.physical.value else ""),
            "tracking": c["tracking_number"] or "",
            "code": code,
            "reserved_code": reserved if not code else "",
            "open": "yes" if c["status"] == RedemptionStatus.under_review.value else "",
        }
        self.facts = [
            ["Customer", f"{cust['name']} · {cust['email']}"],
            ["Category", reg["category"]],
            ["Model", f"{reg['model']} ({reg['model_number']})"],
            ["Serial Number", reg["serial"]],
            ["CHK", reg["chk"]],
            ["Store", reg["store"] + ("" if reg["store_is_partner"] else " (not a partner store)")],
            ["Channel", CHANNEL_LABELS.get(reg["channel"], reg["channel"])],
            ["Purchase Date", _fmt(reg["purchase_date"])],
            ["Region / Location", f"{reg['region_name']} ({reg['region_code']})"],
            ["Registered", _fmt(reg["registered_at"]) + ("" if reg["is_active"] else " · released")],
        ]
        self.recipient = [
            ["Name", f"{rec['first_name']} {rec['last_name']}".strip()],
            ["Zipcode", rec["zipcode"]],
            ["Address", rec["address"]],
            ["Contact Number", rec["phone"]],
            ["Note", rec["note"] or "—"],
        ]
        elig = d.get("eligibility")
        if elig is None:
            self.eligible, self.checks = "unknown", []
        else:
            self.eligible = "yes" if elig["eligible"] else "no"
            self.checks = [
                {"rule": RULE_LABELS.get(ch["rule"], ch["rule"].replace("_", " ").capitalize()),
                 "ok": "yes" if ch["ok"] else "", "message": ch["message"] or "OK"}
                for ch in elig["checks"]
            ]
        self.linked = [
            {
                "kind": ln["kind"],
                "claim": f"#{ln['claim_id']}" if ln["claim_id"] else "",
                "href": f"{routes.ADMIN_CLAIM}?id={ln['claim_id']}" if ln["claim_id"] else "",
                "email": ln["user_email"] or "",
                "status": STATUS_LABELS.get(ln["status"] or "", ""),
                "at": _fmt(ln["at"]),
            }
            for ln in d["linked"]
        ]
        self.events = [
            {
                "at": _fmt(e["at"]),
                "actor": e["actor_email"] or "system",
                "change": (STATUS_LABELS.get(e["from_status"] or "", "new") + " → "
                           + STATUS_LABELS.get(e["to_status"], e["to_status"])),
                "reason": e["reason"] or "",
            }
            for e in d["timeline"]
        ]
        self.emails = [
            {
                "kind": m["kind"],
                "subject": m["subject"],
                "to": m["to"],
                "status": m["status"],
                "attempts": str(m["attempts"]),
                "when": _fmt(m["sent_at"] or m["created_at"]),
                "error": m["last_error"] or "",
            }
            for m in states
        ]
        inv, photo = d["files"]["invoice"], d["files"]["serial_photo"]
        self.invoice_url = file_links.signed_url(file_id=inv["file_id"], user_id=viewer.user_id, ttl_seconds=3600) \
            if inv else ""
        self.invoice_meta = f"{inv['width']}×{inv['height']} px · {inv['original_name']}" if inv else ""
        self.photo_url = file_links.signed_url(file_id=photo["file_id"], user_id=viewer.user_id, ttl_seconds=3600) \
            if photo else ""
        self.photo_meta = f"{photo['width']}×{photo['height']} px · {photo['original_name']}" if photo else ""
        self.needs_info_templates = [
            [str(t["template_id"]), t["text"]] for t in templates if not t["is_rejection"]
        ]
        self.reject_templates = [[str(t["template_id"]), t["text"]] for t in templates if t["is_rejection"]]
        self._neighbours(viewer, claim_id, c["due_on"])

    def _neighbours(self, viewer: Viewer, claim_id: int, due: date) -> None:
        """j / k: the claims before and after this one in the reviewer's current queue order."""
        flt = review_queue.filter_from_dict(self._queue_filter or {"status": RedemptionStatus.under_review.value})
        with session_scope() as s:
            cursor = review_queue.encode_cursor(due, claim_id)
            after = review_queue.queue_page(session=s, actor_id=viewer.user_id, flt=flt, after=cursor, limit=3)
            before = review_queue.queue_page(session=s, actor_id=viewer.user_id, flt=flt, before=cursor, limit=1)
        nxt = next((r["claim_id"] for r in after.rows if (r["due_on"], r["claim_id"]) > (due, claim_id)), None)
        prv = next((r["claim_id"] for r in before.rows if (r["due_on"], r["claim_id"]) < (due, claim_id)), None)
        self.next_href = f"{routes.ADMIN_CLAIM}?id={nxt}" if nxt else ""
        self.prev_href = f"{routes.ADMIN_CLAIM}?id={prv}" if prv else ""

    async def _queue_filter_of_tab(self) -> dict:
        queue = await self.get_state(QueueState)
        return dict(queue._flt)

    @rx.event
    async def load(self):
        viewer = await self._gate()
        if viewer is None:
            return await self._refuse()
        self.errors, self.message, self.message_kind = {}, "", ""
        self.form_key += 1
        self._queue_filter = await self._queue_filter_of_tab()
        claim_id = _int(self.router.url.query_parameters.get("id", ""))
        if claim_id is None:
            self._clear()
            self.missing = "No claim chosen: open one from the queue."
            return
        self._reload(viewer, claim_id)
        return rx.call_script(KEYBOARD_JS)

    async def _decide(self, decision: str, reason: str = "", missing_document: str | None = None):
        viewer = await self._gate()
        if viewer is None:
            return await self._refuse()
        if not self._claim_id:
            return
        claim_id = self._claim_id
        self._queue_filter = await self._queue_filter_of_tab()
        try:
            with write_session() as s:
                done = claims.decide(
                    session=s,
                    claim_id=claim_id,
                    reviewer_id=viewer.user_id,
                    decision=decision,
                    reason=reason,
                    missing_document=missing_document or None,
                    expected_version=self._version,
                )
                status = done.status.value
        except FieldErrors as exc:
            self.errors = {f"{decision}.{k}": v for k, v in exc.errors.items()}
            self.message, self.message_kind = "Please check the decision form.", "error"
            return
        except Conflict as exc:
            self.errors = {}
            self.message, self.message_kind = exc.message, "conflict"
            self._reload(viewer, claim_id)
            return
        except ServiceError as exc:
            self.errors = {}
            self.message, self.message_kind = exc.message or "This decision could not be saved.", "error"
            self._reload(viewer, claim_id)
            return
        self.errors = {}
        self._reload(viewer, claim_id)
        words = {
            "approved": "Approved: Redeem Success." + (f" Code {self.claim['code']} issued." if self.claim.get("code") else ""),
            "needs_info": "Asked the customer for information.",
            "rejected": "Rejected.",
        }
        self.message, self.message_kind = words.get(status, "Saved."), "ok"
        self.form_key += 1

    @rx.event
    async def approve(self):
        return await self._decide("approve")

    @rx.event
    async def needs_info(self, form: dict):
        form = form if isinstance(form, dict) else {}
        return await self._decide("needs_info", _s(form.get("reason"), 600), _s(form.get("missing_document"), 20))

    @rx.event
    async def reject(self, form: dict):
        form = form if isinstance(form, dict) else {}
        return await self._decide("reject", _s(form.get("reason"), 600))

    @rx.event
    async def advance_shipping(self, form: dict):
        """The parcel one step forward (preparing → shipped with its tracking number → delivered)."""
        viewer = await self._gate()
        if viewer is None:
            return await self._refuse()
        if not self._claim_id:
            return
        form = form if isinstance(form, dict) else {}
        claim_id = self._claim_id
        status = _s(form.get("status"), 20)
        tracking = _s(form.get("tracking_number"), 200)
        self._queue_filter = await self._queue_filter_of_tab()
        try:
            with write_session() as s:
                done = claims.ship(
                    session=s, claim_id=claim_id, reviewer_id=viewer.user_id, status=status,
                    tracking_number=tracking, expected_version=self._version,
                )
                label = SHIPPING_LABELS.get(done.shipping_status.value, "")
                tracking_now = done.tracking_number
        except FieldErrors as exc:
            self.errors = {f"shipping.{k}": v for k, v in exc.errors.items()}
            self.message, self.message_kind = "Please check the shipping form.", "error"
            return
        except ServiceError as exc:
            self.errors = {}
            self.message = exc.message or "The shipping state could not be saved."
            self.message_kind = "conflict"
            self._reload(viewer, claim_id)
            self.form_key += 1
            return
        self.errors = {}
        self._reload(viewer, claim_id)
        self.message = f"Shipping: {label}" + (f" · tracking {tracking_now}" if tracking_now else "") + "."
        self.message_kind = "ok"
        self.form_key += 1

    @rx.event
    async def pick_template(self, template_id: str):
        """A template chosen in a decision form: its text (and missing document) fill the form."""
        viewer = await self._gate()
        if viewer is None:
            return await self._refuse()
        tid = _int(template_id)
        if tid is None:
            return
        with session_scope() as s:
            rows = reason_templates.list_templates(session=s, actor_id=viewer.user_id)
        t = next((r for r in rows if r["template_id"] == tid), None)
        if t is None:
            return
        if t["is_rejection"]:
            return rx.set_value("rej-reason", t["text"])
        return [rx.set_value("ni-reason", t["text"]), rx.set_value("ni-doc", t["missing_document"])]


# Keyboard shortcuts of the claim page: a / n / r / j / k, never while typing.
KEYBOARD_JS = """
(function () {
  if (window.__rxReviewerKeys) { return; }
  window.__rxReviewerKeys = true;
  document.addEventListener('keydown', function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || e.repeat) { return; }
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) { return; }
    if (!document.getElementById('claim-keys')) { return; }
    var click = function (id) { var el = document.getElementById(id); if (el) { e.preventDefault(); el.click(); } };
    var focus = function (id) {
      var el = document.getElementById(id);
      if (el) { e.preventDefault(); el.scrollIntoView({block: 'center'}); el.focus(); }
    };
    switch ((e.key || '').toLowerCase()) {
      case 'a': click('decide-approve'); break;
      case 'n': focus('ni-reason'); break;
      case 'r': focus('rej-reason'); break;
      case 'j': click('claim-next'); break;
      case 'k': click('claim-prev'); break;
    }
  });
})();
"""


# =========================================================================== reason templates


class TemplatesState(ReviewerMixin, rx.State):
    rows: list[dict[str, str]] = []
    document_options: list[list[str]] = [[k, v] for k, v in DOCUMENT_LABELS.items()]
    errors: dict[str, str] = {}
    edit_errors: dict[str, str] = {}
    editing: str = ""
    message: str = ""
    form_key: int = 0

    def _reload(self, viewer: Viewer) -> None:
        with session_scope() as s:
            rows = reason_templates.list_templates(session=s, actor_id=viewer.user_id)
        self.rows = [
            {
                "id": str(t["template_id"]),
                "text": t["text"],
                "missing_document": t["missing_document"],
                "document_label": DOCUMENT_LABELS.get(t["missing_document"], t["missing_document"]),
                "kind": "Rejection" if t["is_rejection"] else "Needs info",
                "is_rejection": "yes" if t["is_rejection"] else "",
            }
            for t in rows
        ]

    @rx.event
    async def load(self):
        viewer = await self._gate()
        if viewer is None:
            return await self._refuse()
        self.errors, self.edit_errors, self.editing, self.message = {}, {}, "", ""
        self._reload(viewer)

    @rx.event
    async def add(self, form: dict):
        viewer = await self._gate()
        if viewer is None:
            return await self._refuse()
        form = form if isinstance(form, dict) else {}
        try:
            with session_scope() as s:
                reason_templates.create_template(
                    session=s,
                    actor_id=viewer.user_id,
                    text=_s(form.get("text"), 600),
                    missing_document=_s(form.get("missing_document"), 20),
                    is_rejection=form.get("is_rejection") == "on",
                )
        except FieldErrors as exc:
            self.errors = exc.errors
            return
        self.errors = {}
        self.message = "Template added."
        self.form_key += 1
        self._reload(viewer)

    @rx.event
    async def start_edit(self, template_id: str):
        viewer = await self._gate()
        if viewer is None:
            return await self._refuse()
        tid = _int(template_id)
        self.editing = str(tid) if tid else ""
        self.edit_errors = {}
        self.message = ""

    @rx.event
    async def cancel_edit(self):
        viewer = await self._gate()
        if viewer is None:
            return await self._refuse()
        self.editing, self.edit_errors = "", {}

    @rx.event
    async def save_edit(self, form: dict):
        viewer = await self._gate()
        if viewer is None:
            return await self._refuse()
        form = form if isinstance(form, dict) else {}
        tid = _int(self.editing)
        if tid is None:
            return
        try:
            with session_scope() as s:
                reason_templates.update_template(
                    session=s,
                    actor_id=viewer.user_id,
                    template_id=tid,
                    text=_s(form.get("text"), 600),
                    missing_document=_s(form.get("missing_document"), 20),
                    is_rejection=form.get("is_rejection") == "on",
                )
        except FieldErrors as exc:
            self.edit_errors = exc.errors
            return
        except NotFound as exc:
            self.message = exc.message
        else:
            self.message = "Template saved."
        self.editing, self.edit_errors = "", {}
        self._reload(viewer)

    @rx.event
    async def delete(self, template_id: str):
        viewer = await self._gate()
        if viewer is None:
            return await self._refuse()
        tid = _int(template_id)
        if tid is None:
            return
        try:
            with session_scope() as s:
                reason_templates.delete_template(session=s, actor_id=viewer.user_id, template_id=tid)
            self.message = "Template deleted."
        except NotFound as exc:
            self.message = exc.message
        self.editing = ""
        self._reload(viewer)
