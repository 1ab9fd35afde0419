"""Promotions & Codes: the promotions with their stock, the promotion form, code pool imports.

Saving goes through ``services.promotions_admin``; an edit that would weaken
the rules claims already relied on comes back as warnings, and is saved only
with "Save anyway" (the pending form waits in a backend var).
"""

from __future__ import annotations

import reflex as rx

from rxapp import db, formatting, vocabulary
from rxapp.i18n import _, ngettext
from rxapp.db import session_scope, write_session
from rxapp.models import PrizeType
from rxapp.services import catalog, codes, promotions_admin
from rxapp.services.errors import Conflict, FieldErrors, Forbidden, NotFound, ServiceError
from rxapp.state import parse
from rxapp.state.console.dates import shown
from rxapp.state.session import caller, reviewer
from rxapp.state.upload_guard import upload_limit

CSV_MAX_BYTES = 1024 * 1024
FORM_FIELDS = ("name", "description", "starts_on", "ends_on", "per_customer_limit", "prize_type", "prize_name",
               "prize_instructions", "physical_stock", "due_working_days")


def _stock_text(value) -> str:
    return "—" if value is None else str(value)


class PromotionsAdminState(rx.State):
    rows: list[dict[str, str]] = []
    category_options: list[list[str]] = []
    model_options: list[list[str]] = []
    region_options: list[list[str]] = []
    # The edit form: "" closed, "new", or the promotion id.
    editing: str = ""
    form: dict[str, str] = {}
    form_categories: list[str] = []
    form_models: list[str] = []
    form_regions: list[str] = []
    form_partner: bool = True
    form_key: int = 0
    errors: dict[str, str] = {}
    warnings: list[str] = []
    message: str = ""
    # Code pool import.
    code_promotions: list[list[str]] = []
    codes_promotion: str = ""
    codes_report: list[dict[str, str]] = []
    codes_message: str = ""
    codes_ok: bool = False
    codes_key: int = 0

    _pending: dict = {}

    def _reload(self) -> None:
        with session_scope() as s:
            rows = promotions_admin.promotion_rows(session=s)
            cats = catalog.categories(session=s)
            cat_names = {c["id"]: c["name"] for c in cats}
            per_promo = {r["promotion_id"]: promotions_admin.current_form(session=s, promotion_id=r["promotion_id"])
                         for r in rows}
            if not self.model_options:
                self.category_options = [[str(c["id"]), c["name"]] for c in cats]
                self.model_options = [
                    [str(m["id"]), f"{m['name']} ({c['name']})"]
                    for c in cats
                    for m in catalog.models_for_category(session=s, category_id=c["id"])
                ]
                self.region_options = [[r["code"], f"{r['name']} ({r['code']})"] for r in catalog.regions(session=s)]
        out = []
        for r in rows:
            f = per_promo[r["promotion_id"]]
            claims = r["claims"]
            out.append(
                {
                    "id": str(r["promotion_id"]),
                    "name": r["name"],
                    "period": f"{shown(r['starts_on'])} ~ {shown(r['ends_on'])}",
                    "categories": ", ".join(cat_names.get(c, "?") for c in f["category_ids"]),
                    "models": ngettext("{n} model", "{n} models", len(f["model_ids"])).format(n=len(f["model_ids"]))
                    if f["model_ids"] else "",
                    "regions": ", ".join(r["region_codes"]) if r["region_codes"] else _("All regions"),
                    "prize": r["prize_name"],
                    "prize_type": vocabulary.prize_type_label(r["prize_type"]),
                    "digital": "yes" if r["prize_type"] == PrizeType.digital_code.value else "",
                    "total": _stock_text(r["total"]),
                    "reserved": _stock_text(r["reserved"]),
                    "issued": _stock_text(r["issued"]),
                    "available": _stock_text(r["available"]),
                    "low": "yes" if r["low"] else "",
                    "claims": _("{open} open · {needs_info} needs info · {approved} approved · {rejected} rejected"
                                ).format(open=claims["under_review"], needs_info=claims["needs_info"],
                                         approved=claims["approved"], rejected=claims["rejected"]),
                }
            )
        self.rows = out
        self.code_promotions = [[r["id"], r["name"]] for r in out if r["digital"] == "yes"]

    @reviewer
    async def load(self):
        self.editing, self.errors, self.warnings, self.message = "", {}, [], ""
        self.codes_report, self.codes_message = [], ""
        self._pending = {}
        self._reload()

    def _open_form(self, values: dict, editing: str) -> None:
        self.editing = editing
        self.form = {k: "" if values.get(k) is None else formatting.when(values.get(k)) for k in FORM_FIELDS}
        self.form_categories = [str(c) for c in values.get("category_ids", [])]
        self.form_models = [str(m) for m in values.get("model_ids", [])]
        self.form_regions = [str(r) for r in values.get("region_codes", [])]
        self.form_partner = bool(values.get("requires_partner_store", True))
        self.errors, self.warnings, self._pending = {}, [], {}
        self.message = ""
        self.form_key += 1

    @reviewer
    async def new_promotion(self):
        self._open_form({"per_customer_limit": 1, "due_working_days": 14, "prize_type": "digital_code"}, "new")

    @reviewer
    async def edit_promotion(self, promotion_id: str):
        pid = parse.positive_id(promotion_id)
        if pid is None:
            return
        try:
            values = db.run(promotions_admin.current_form, promotion_id=pid)
        except NotFound as exc:
            self.message = exc.message
            return
        self._open_form(values, str(pid))

    @reviewer
    async def close_form(self):
        self.editing, self.errors, self.warnings, self._pending = "", {}, [], {}

    @staticmethod
    def _parse(form: dict) -> dict:
        data: dict = parse.fields(form, FORM_FIELDS, 1200, strip=True)
        data["category_ids"] = parse.checked_keys(form, "cat-", 100)
        data["model_ids"] = parse.checked_keys(form, "model-", 1000)
        data["region_codes"] = parse.checked_keys(form, "reg-", 300, key_limit=2)
        data["requires_partner_store"] = parse.flag(form, "requires_partner_store")
        return data

    async def _save(self, data: dict, confirm: bool):
        viewer = caller()
        editing = self.editing
        if not editing:
            return
        # Keep what was typed, whatever the answer.
        self.form = {k: str(data.get(k, "")) for k in FORM_FIELDS}
        self.form_categories = [str(x) for x in data["category_ids"]]
        self.form_models = [str(x) for x in data["model_ids"]]
        self.form_regions = [str(x) for x in data["region_codes"]]
        self.form_partner = bool(data["requires_partner_store"])
        try:
            with write_session() as s:
                if editing == "new":
                    saved = promotions_admin.create_promotion(session=s, actor_id=viewer.user_id,
                                                              form=data)
                else:
                    pid = parse.positive_id(editing)
                    if pid is None:
                        return
                    saved = promotions_admin.update_promotion(session=s, actor_id=viewer.user_id,
                                                              promotion_id=pid, form=data, confirm=confirm)
                name = saved.name
        except promotions_admin.NeedsConfirmation as exc:
            self.errors = {}
            self.warnings = exc.warnings
            self._pending = data
            return
        except FieldErrors as exc:
            self.errors, self.warnings, self._pending = exc.errors, [], {}
            return
        except (NotFound, Forbidden, Conflict, ServiceError) as exc:
            self.message = exc.message
            return
        self.editing, self.errors, self.warnings, self._pending = "", {}, [], {}
        self.message = _("Saved “{name}”.").format(name=name)
        self._reload()

    @reviewer
    async def save(self, form: dict):
        return await self._save(self._parse(form), confirm=False)

    @reviewer
    async def save_anyway(self):
        if not self._pending:
            return
        return await self._save(dict(self._pending), confirm=True)

    # ------------------------------------------------------------------ code pools

    @reviewer
    async def choose_codes_promotion(self, value: str):
        pid = parse.positive_id(value)
        self.codes_promotion = str(pid) if pid else ""
        self.codes_report, self.codes_message = [], ""

    def _import(self, viewer_id: int, text: str, source: str) -> None:
        pid = parse.positive_id(self.codes_promotion)
        if pid is None:
            self.codes_ok, self.codes_report = False, []
            self.codes_message = _("Choose the promotion whose code pool you are filling.")
            return
        try:
            with write_session() as s:
                report = codes.import_csv(session=s, actor_id=viewer_id, promotion_id=pid, text=text)
                if not report.ok:
                    s.rollback()
        except FieldErrors as exc:
            self.codes_ok, self.codes_report = False, []
            self.codes_message = next(iter(exc.errors.values()), _("These codes cannot be imported."))
            return
        except ServiceError as exc:
            self.codes_ok, self.codes_report = False, []
            self.codes_message = exc.message
            return
        self.codes_ok = report.ok
        self.codes_report = [{"line": str(p.line), "code": p.code, "message": p.message} for p in report.errors[:500]]
        if report.ok:
            self.codes_message = _("Imported {n} codes from {source}.").format(n=report.imported, source=source)
            self.codes_key += 1
            self._reload()
        else:
            more = len(report.errors) - len(self.codes_report)
            self.codes_message = (
                _("Nothing was imported: {n} line(s) of {source} need fixing ({more} more not shown).") if more > 0
                else _("Nothing was imported: {n} line(s) of {source} need fixing.")
            ).format(n=len(report.errors), source=source, more=more)

    @reviewer
    async def import_pasted(self, form: dict):
        viewer = caller()
        text = parse.field(form, "codes", CSV_MAX_BYTES + 1)
        if not text.strip():
            self.codes_ok, self.codes_report = False, []
            self.codes_message = _("Paste the codes (one per line) or choose a .csv file.")
            return
        if len(text.encode("utf-8", "replace")) > CSV_MAX_BYTES:
            self.codes_ok, self.codes_report = False, []
            self.codes_message = _("That is more than 1 MB of codes: please split it into smaller files.")
            return
        self._import(viewer.user_id, text, _("the pasted text"))

    @upload_limit(CSV_MAX_BYTES)
    @reviewer
    async def import_file(self, files: list[rx.UploadFile]):
        viewer = caller()
        if not files:
            return
        upload = files[0]
        name = (upload.filename or "codes.csv")[-80:]
        if upload.size is not None and upload.size > CSV_MAX_BYTES:
            self.codes_ok, self.codes_report = False, []
            self.codes_message = _("{name} is larger than 1 MB: please split it into smaller files.").format(name=name)
            return
        raw = upload.file.read(CSV_MAX_BYTES + 1)
        if len(raw) > CSV_MAX_BYTES:
            self.codes_ok, self.codes_report = False, []
            self.codes_message = _("{name} is larger than 1 MB: please split it into smaller files.").format(name=name)
            return
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            self.codes_ok, self.codes_report = False, []
            self.codes_message = _("{name} is not a UTF-8 text file: save it as CSV (UTF-8) and try again.").format(
                name=name)
            return
        self._import(viewer.user_id, text, name)
