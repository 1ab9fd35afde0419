"""The claim queue of the reviewer console: filters, counts, keyset pages, bulk approve, the CSV link.

The filter and the stack of cursors live in backend vars; rows are plain
display strings.  Bulk approve decides only the versions of the claims as the
page showed them, and like a single approve it waits out the undo window of
``services.pending_approvals`` (one *Undo* takes the whole batch back).
"""

from __future__ import annotations

import asyncio

import reflex as rx

from rxapp import db, routes, vocabulary
from rxapp.i18n import _, ngettext
from rxapp.db import session_scope
from rxapp.models import RedemptionStatus
from rxapp.services import catalog, claim_export, pending_approvals, queue_filter, review_queue
from rxapp.services.errors import FieldErrors
from rxapp.state import parse
from rxapp.state.console.dates import shown
from rxapp.state.session import Viewer, caller, reviewer

PAGE_SIZE = 25
# How many more times a bulk approve's tab looks for its claims committed after the window ends.
SETTLE_RETRIES = 10


def _hidden_text(flt: queue_filter.QueueFilter, hidden: review_queue.HiddenMatches) -> dict[str, str]:
    """The plain sentence saying which filter hides a search's matches (empty: none hidden)."""
    if not hidden.any:
        return {}
    search = f"“{flt.search.strip()}”"
    parts = []
    if hidden.by_status:
        n = sum(hidden.by_status.values())
        where = ", ".join(f"{vocabulary.status_label(st)} ({k})" for st, k in hidden.by_status.items())
        parts.append(ngettext("{n} claim matching {search} is hidden by the Status filter ({status}): {where}.",
                              "{n} claims matching {search} are hidden by the Status filter ({status}): {where}.",
                              n).format(n=n, search=search, status=vocabulary.status_label(flt.status), where=where))
    if hidden.by_other_filters:
        m = hidden.by_other_filters
        names = ""
        for name in hidden.other_filters:
            names = _(name) if not names else _("{first} and {second}").format(first=names, second=_(name))
        several = len(hidden.other_filters) > 1
        if parts:
            text = (ngettext("{n} more is hidden by the {names} filters.", "{n} more are hidden by the {names} filters.",
                             m) if several else
                    ngettext("{n} more is hidden by the {names} filter.", "{n} more are hidden by the {names} filter.",
                             m))
        else:
            text = (ngettext("{n} claim matching {search} is hidden by the {names} filters.",
                             "{n} claims matching {search} are hidden by the {names} filters.", m) if several else
                    ngettext("{n} claim matching {search} is hidden by the {names} filter.",
                             "{n} claims matching {search} are hidden by the {names} filter.", m))
        parts.append(text.format(n=m, search=search, names=names))
    return {"text": " ".join(parts), "status": "yes" if hidden.by_status else "",
            "others": "yes" if hidden.by_other_filters else ""}


# The filter form's fields (``QueueState._show_filter``).
_SHOWN_FILTER = ("f_status", "f_promotion", "f_region", "f_from", "f_to", "f_search", "f_checks", "f_risk", "f_order")


class QueueState(rx.State):
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
    f_checks: str = ""
    f_risk: str = ""
    # The order the queue is read in ("risk": riskiest first, "due": due first), as the filter bar shows it.
    f_order: str = "risk"
    form_key: int = 0
    # The claims' form is remade (its boxes cleared) when this changes: a new count of rows on screen, as
    # the form's key had it, but not the first rows in place of none (no box to clear, a whole table less to
    # build on the page's load).
    rows_key: int = 0
    errors: dict[str, str] = {}
    page_no: int = 1
    has_next: bool = False
    export_href: str = ""
    bulk_report: list[dict[str, str]] = []
    # This tab's bulk approve inside its undo window: claims ("#12, #13"), count, seconds (left when made).
    batch: dict[str, str] = {}
    message: str = ""
    loaded: bool = False
    # A search's matches the filters hide: text, and which one-click way shows them ("status", "others").
    hidden: dict[str, str] = {}

    # Backend only: the filter and the stack of cursors (page i starts after _cursors[i]).
    _flt: dict[str, str] = dict(queue_filter.DEFAULT)
    _cursors: list[str] = [""]
    _next_cursor: str = ""
    # The version of each claim on the page as read: bulk approve decides only those versions.
    _versions: dict[str, int] = {}
    # The claims of the bulk approve waiting out its window, the seconds left when it was made, and a
    # number that changes with each batch (an Undo or a newer batch tells the waiting task to stand down).
    _batch_ids: list[int] = []
    _batch_left: float = 0.0
    _batch_no: int = 0

    def _query(self, viewer: Viewer) -> None:
        flt = queue_filter.from_dict(self._flt)
        after = self._cursors[-1] or None
        with session_scope() as s:
            page = review_queue.queue_page(session=s, actor_id=viewer.user_id, flt=flt, after=after, limit=PAGE_SIZE)
            per_status = review_queue.counts(session=s, actor_id=viewer.user_id, flt=flt)
            hidden = review_queue.hidden_matches(session=s, actor_id=viewer.user_id, flt=flt, per_status=per_status)
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
                    "submitted_on": shown(r["submitted_on"]),
                    "due_on": shown(r["due_on"]),
                    "overdue": "yes" if r["overdue"] else "",
                    "status": r["status"],
                    "status_label": vocabulary.status_label(r["status"]),
                    "promotion_name": r["promotion_name"],
                    "product_name": r["product_name"],
                    "serial": r["serial"],
                    "customer_email": r["customer_email"],
                    "region_code": r["region_code"],
                    "store_name": r["store_name"] or "",
                    "risk": str(r.get("risk_score") or ""),
                }
            )
        if self.rows and len(rows) != len(self.rows):
            self.rows_key += 1
        self.rows = rows
        self._versions = versions
        self._next_cursor = page.next_cursor or ""
        self.has_next = bool(page.next_cursor)
        self.page_no = len(self._cursors)
        total = sum(per_status.values())
        current = self._flt.get("status", "")
        self.counts = [
            {"status": "all", "label": _("All"), "count": str(total), "current": "yes" if current == "all" else ""}
        ] + [
            {
                "status": st.value,
                "label": vocabulary.status_label(st),
                "count": str(per_status.get(st, 0)),
                "current": "yes" if current == st.value else "",
            }
            for st in RedemptionStatus
        ]
        self.hidden = _hidden_text(flt, hidden)
        self.export_href = routes.EXPORT_CLAIMS + "?t=" + claim_export.link_token(actor_id=viewer.user_id, flt=self._flt)

    def _show_filter(self, *, remount: bool = True) -> None:
        """The filter into the form's fields; the form is remade to show them (its fields keep what was
        typed otherwise).  ``remount=False`` (a page load): not while the form is still the first one,
        with its first values (a remount then changes nothing on screen, and costs the whole form)."""
        f = self._flt
        self.f_status = f.get("status", "")
        self.f_promotion = f.get("promotion", "")
        self.f_region = f.get("region", "")
        self.f_from = f.get("from", "")
        self.f_to = f.get("to", "")
        self.f_search = f.get("search", "")
        self.f_checks = f.get("checks", "")
        self.f_risk = f.get("risk", "")
        self.f_order = queue_filter.from_dict(f).shown_order
        fields = type(self).get_fields()
        if remount or self.form_key or any(getattr(self, n) != fields[n].default_value() for n in _SHOWN_FILTER):
            self.form_key += 1

    @reviewer
    async def load(self):
        viewer = caller()
        with session_scope() as s:
            promos = review_queue.promotion_choices(session=s, actor_id=viewer.user_id)
            self.promotion_options = [[str(pid), name] for pid, name in promos]
            self.region_options = [[r["code"], f"{r['name']} ({r['code']})"] for r in catalog.regions(session=s)]
        self.message = ""
        self._batch_waiting(viewer)
        self._show_filter(remount=False)
        self._query(viewer)
        self.loaded = True

    @reviewer
    async def apply_filters(self, form: dict):
        viewer = caller()
        try:
            self._flt = queue_filter.clean_form(parse.form(form))
        except FieldErrors as exc:
            self.errors = exc.errors
            return
        self.errors = {}
        self._cursors = [""]
        self.bulk_report = []
        self.f_order = queue_filter.from_dict(self._flt).shown_order
        if self._flt.get("order") != self.f_order:
            self._show_filter()  # every status at once, or the audit sample: read due first, and shown so
        self._query(viewer)

    @reviewer
    async def show_status(self, status: str):
        viewer = caller()
        status = parse.choice(status, ["all", *(st.value for st in RedemptionStatus)])
        if not status:
            return
        self._flt = {**self._flt, "status": status}
        self._cursors = [""]
        self._show_filter()
        self._query(viewer)

    @reviewer
    async def search_everywhere(self):
        """Keep the search, drop every other filter (all statuses)."""
        viewer = caller()
        self._flt = {**queue_filter.DEFAULT, "status": "all", "search": self._flt.get("search", "")}
        self._cursors = [""]
        self.errors = {}
        self._show_filter()
        self._query(viewer)

    @reviewer
    async def clear_filters(self):
        viewer = caller()
        self._flt = dict(queue_filter.DEFAULT)
        self._cursors = [""]
        self.errors = {}
        self._show_filter()
        self._query(viewer)

    @reviewer
    async def next_page(self):
        viewer = caller()
        if self._next_cursor:
            self._cursors = [*self._cursors, self._next_cursor]
        self._query(viewer)

    @reviewer
    async def prev_page(self):
        viewer = caller()
        if len(self._cursors) > 1:
            self._cursors = self._cursors[:-1]
        self._query(viewer)

    def _batch_waiting(self, viewer: Viewer) -> bool:
        """Whether this tab's last bulk approve still waits out its window (forgotten once it does not)."""
        if self._batch_ids and not any(
            db.run(pending_approvals.pending, claim_id=i, actor_id=viewer.user_id) for i in self._batch_ids
        ):
            self._batch_ids, self.batch = [], {}
        return bool(self._batch_ids)

    @reviewer
    async def approve_selected(self, form: dict):
        """Approve the ticked claims, committed when the undo window ends (``pending_approvals``)."""
        viewer = caller()
        ids = [i for i in map(parse.positive_id, parse.checked_keys(form, "claim-", PAGE_SIZE * 4)) if i]
        if not ids:
            self.bulk_report = []
            self.message = _("Select the claims to approve first (the boxes in the first column).")
            return
        if self._batch_waiting(viewer):
            self.message = _("Your last bulk approve is still in its undo window: undo it, or wait a moment "
                             "until it is committed.")
            return
        versions = {i: self._versions[str(i)] for i in ids if str(i) in self._versions}
        items = {it.claim_id: it for it in db.run_writing(pending_approvals.approve_batch_later, versions=versions,
                                                            reviewer_id=viewer.user_id)}
        # The report lists the claims refused; those waiting out the window are named by the batch's
        # notice (``batch``) and join the report, each with its outcome, when the window ends.
        report, waiting, left = [], [], 0.0
        for claim_id in ids:
            item = items.get(claim_id)
            if item is None:
                report.append({"claim": f"#{claim_id}", "ok": "",
                               "text": _("Not on the page you loaded: reload the queue and select it again.")})
            elif item.pending is None:
                report.append({"claim": f"#{claim_id}", "ok": "", "text": item.problem})
            else:
                waiting.append(claim_id)
                left = max(left, item.pending.seconds_left())
        self.message = _("Approved {done} of {count} selected claims.").format(done=len(waiting), count=len(ids))
        self.bulk_report = report
        self._batch_no += 1
        self._batch_ids, self._batch_left = waiting, left
        self.batch = {} if not waiting else {
            "claims": ", ".join(f"#{i}" for i in waiting), "count": str(len(waiting)),
            "seconds": f"{max(1, round(left)):d}",
        }
        self._query(viewer)
        if waiting:
            return QueueState.settle_batch_when_due

    @reviewer
    async def undo_bulk_approval(self):
        """Take this tab's bulk approve back while its window lasts (what was committed already stays)."""
        viewer = caller()
        ids = list(self._batch_ids)
        if not ids:
            return
        taken = set(db.run_writing(pending_approvals.undo_batch, claim_ids=ids, reviewer_id=viewer.user_id))
        self._batch_no += 1
        self._batch_ids, self.batch = [], {}
        late = [i for i in ids if i not in taken]
        self.bulk_report = [
            {"claim": f"#{i}", "ok": "", "text": _("Approval undone: still under review.")} for i in ids if i in taken
        ] + [{"claim": f"#{i}", "ok": "yes", "text": _("Too late to undo: the approval was already committed.")}
             for i in late]
        self.message = (_("Approval undone for {done} of {count} claims: they are still under review.") if not late
                        else _("Approval undone for {done} of {count} claims: the others were already committed.")
                        ).format(done=len(taken), count=len(ids))
        self._query(viewer)

    @reviewer.background
    async def settle_batch_when_due(self):
        """When this tab's bulk approve leaves its undo window: commit it and say how each claim went.

        The app's settler task commits it anyway (a closed tab); this only makes the page follow.
        """
        async with self:
            ids, wait, batch_no = list(self._batch_ids), self._batch_left, self._batch_no
        if not ids:
            return
        await asyncio.sleep(wait + 0.2)
        ended = await asyncio.to_thread(_settle_all, ids)
        for _attempt in range(SETTLE_RETRIES):
            if all(s is not None for s in ended.values()):
                break
            # One not committed yet (a slow database): look again shortly.
            await asyncio.sleep(1.0)
            ended = await asyncio.to_thread(_settle_all, ids)
        async with self:
            if self._batch_no != batch_no:
                return  # undone meanwhile, or a newer batch
            self._batch_ids, self.batch = [], {}
            report = {r["claim"]: r for r in self.bulk_report}
            for claim_id, settled in ended.items():
                if settled is None:  # the app's settler task commits it
                    text, ok = _("Approved: being committed, reload the queue in a moment."), "yes"
                elif settled.approved:
                    text, ok = (_("Approved: Redeem Success. Code {code} issued.").format(code=settled.code)
                                if settled.code else _("Approved: Redeem Success.")), "yes"
                else:
                    text, ok = _("Not approved: {problem}").format(problem=settled.problem), ""
                report[f"#{claim_id}"] = {"claim": f"#{claim_id}", "ok": ok, "text": text}
            self.bulk_report = list(report.values())
            done = sum(1 for s in ended.values() if s is not None and s.approved)
            self.message = _("Bulk approve committed: {done} of {count} claims approved.").format(
                done=done, count=len(ended))
            self._query(caller())


def _settle_all(claim_ids: list[int]) -> dict[int, pending_approvals.Settled | None]:
    """Commit each claim's approval whose window has ended (its own transaction), or read how it ended
    (the settler task came first); None for one still waiting."""
    ended: dict[int, pending_approvals.Settled | None] = {}
    for claim_id in claim_ids:
        settled = db.run_writing(pending_approvals.settle, claim_id=claim_id)
        ended[claim_id] = settled if settled is not None else db.run(pending_approvals.outcome, claim_id=claim_id)
    return ended
