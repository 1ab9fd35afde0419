"""Reviewer console, management side: promotions and code pools, insights, users and roles.

Same rule as ``rxapp.state.admin``: every handler starts with ``_gate()``
(the reviewer role re-checked through the service); the Users page also
needs the admin role, which ``user_roles.find_users``/``set_role`` check again.
"""

from __future__ import annotations

import reflex as rx

from rxapp.db import session_scope, write_session
from rxapp.models import PrizeType, Role
from rxapp.services import catalog, codes, promotions_admin, user_roles
from rxapp.services.errors import Conflict, FieldErrors, Forbidden, NotFound, ServiceError
from rxapp.state.admin import ReviewerMixin, _fmt, _int, _s

CSV_MAX_BYTES = 1024 * 1024
FORM_FIELDS = ("name", "description", "starts_on", "ends_on", "per_customer_limit", "prize_type", "prize_name",
               "prize_instructions", "physical_stock", "due_working_days")


def _stock_text(value) -> str:
    return "—" if value is None else str(value)


class PromotionsAdminState(ReviewerMixin, rx.State):
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
                    "period": f"{_fmt(r['starts_on'])} ~ {_fmt(r['ends_on'])}",
                    "categories": ", ".join(cat_names.get(c, "?") for c in f["category_ids"]),
                    "models": str(len(f["model_ids"])) + " models" if f["model_ids"] else "",
                    "regions": ", ".join(r["region_codes"]) if r["region_codes"] else "All regions",
                    "prize": r["prize_name"],
                    "prize_type": "Digital code" if r["prize_type"] == PrizeType.digital_code.value else "Physical",
                    "digital": "yes" if r["prize_type"] == PrizeType.digital_code.value else "",
                    "total": _stock_text(r["total"]),
                    "reserved": _stock_text(r["reserved"]),
                    "issued": _stock_text(r["issued"]),
                    "available": _stock_text(r["available"]),
                    "low": "yes" if r["low"] else "",
                    "claims": f"{claims['under_review']} open · {claims['needs_info']} needs info · "
                              f"{claims['approved']} approved · {claims['rejected']} rejected",
                }
            )
        self.rows = out
        self.code_promotions = [[r["id"], r["name"]] for r in out if r["digital"] == "yes"]

    @rx.event
    async def load(self):
        viewer = await self._gate()
        if viewer is None:
            return await self._refuse()
        self.editing, self.errors, self.warnings, self.message = "", {}, [], ""
        self.codes_report, self.codes_message = [], ""
        self._pending = {}
        self._reload()

    def _open_form(self, values: dict, editing: str) -> None:
        self.editing = editing
        self.form = {k: "" if values.get(k) is None else str(_fmt(values.get(k))) for k in FORM_FIELDS}
        self.form_categories = [str(c) for c in values.get("category_ids", [])]
        self.form_models = [str(m) for m in values.get("model_ids", [])]
        self.form_regions = [str(r) for r in values.get("region_codes", [])]
        self.form_partner = bool(values.get("requires_partner_store", True))
        self.errors, self.warnings, self._pending = {}, [], {}
        self.message = ""
        self.form_key += 1

    @rx.event
    async def new_promotion(self):
        viewer = await self._gate()
        if viewer is None:
            return await self._refuse()
        self._open_form({"per_customer_limit": 1, "due_working_days": 14, "prize_type": "digital_code"}, "new")

    @rx.event
    async def edit_promotion(self, promotion_id: str):
        viewer = await self._gate()
        if viewer is None:
            return await self._refuse()
        pid = _int(promotion_id)
        if pid is None:
            return
        try:
            with session_scope() as s:
                values = promotions_admin.current_form(session=s, promotion_id=pid)
        except NotFound as exc:
            self.message = exc.message
            return
        self._open_form(values, str(pid))

    @rx.event
    async def close_form(self):
        viewer = await self._gate()
        if viewer is None:
            return await self._refuse()
        self.editing, self.errors, self.warnings, self._pending = "", {}, [], {}

    def _parse(self, form: dict) -> dict:
        form = form if isinstance(form, dict) else {}
        data = {k: _s(form.get(k), 1200) for k in FORM_FIELDS}
        keys = [k for k in list(form)[:2000] if isinstance(k, str)]
        data["category_ids"] = [k[4:] for k in keys if k.startswith("cat-") and form.get(k) == "on"][:100]
        data["model_ids"] = [k[6:] for k in keys if k.startswith("model-") and form.get(k) == "on"][:1000]
        data["region_codes"] = [k[4:][:2] for k in keys if k.startswith("reg-") and form.get(k) == "on"][:300]
        data["requires_partner_store"] = form.get("requires_partner_store") == "on"
        return data

    async def _save(self, data: dict, confirm: bool):
        viewer = await self._gate()
        if viewer is None:
            return await self._refuse()
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
                    pid = _int(editing)
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
        self.message = f"Saved “{name}”."
        self._reload()

    @rx.event
    async def save(self, form: dict):
        return await self._save(self._parse(form), confirm=False)

    @rx.event
    async def save_anyway(self):
        viewer = await self._gate()
        if viewer is None:
            return await self._refuse()
        if not self._pending:
            return
        return await self._save(dict(self._pending), confirm=True)

    # ------------------------------------------------------------------ code pools

    @rx.event
    async def choose_codes_promotion(self, value: str):
        viewer = await self._gate()
        if viewer is None:
            return await self._refuse()
        pid = _int(value)
        self.codes_promotion = str(pid) if pid else ""
        self.codes_report, self.codes_message = [], ""

    def _import(self, viewer_id: int, text: str, source: str) -> None:
        pid = _int(self.codes_promotion)
        if pid is None:
            self.codes_ok, self.codes_report = False, []
            self.codes_message = "Choose the promotion whose code pool you are filling."
            return
        try:
            with write_session() as s:
                report = codes.import_csv(session=s, actor_id=viewer_id, promotion_id=pid, text=text)
                if not report.ok:
                    s.rollback()
        except FieldErrors as exc:
            self.codes_ok, self.codes_report = False, []
            self.codes_message = next(iter(exc.errors.values()), "These codes cannot be imported.")
            return
        except ServiceError as exc:
            self.codes_ok, self.codes_report = False, []
            self.codes_message = exc.message
            return
        self.codes_ok = report.ok
        self.codes_report = [{"line": str(p.line), "code": p.code, "message": p.message} for p in report.errors[:500]]
        if report.ok:
            self.codes_message = f"Imported {report.imported} codes from {source}."
            self.codes_key += 1
            self._reload()
        else:
            more = len(report.errors) - len(self.codes_report)
            self.codes_message = (
                f"Nothing was imported: {len(report.errors)} line(s) of {source} need fixing"
                + (f" ({more} more not shown)" if more > 0 else "") + "."
            )

    @rx.event
    async def import_pasted(self, form: dict):
        viewer = await self._gate()
        if viewer is None:
            return await self._refuse()
        form = form if isinstance(form, dict) else {}
        text = form.get("codes")
        if not isinstance(text, str) or not text.strip():
            self.codes_ok, self.codes_report = False, []
            self.codes_message = "Paste the codes (one per line) or choose a .csv file."
            return
        if len(text.encode("utf-8", "replace")) > CSV_MAX_BYTES:
            self.codes_ok, self.codes_report = False, []
            self.codes_message = "That is more than 1 MB of codes: please split it into smaller files."
            return
        self._import(viewer.user_id, text, "the pasted text")

    @rx.event
    async def import_file(self, files: list[rx.UploadFile]):
        viewer = await self._gate()
        if viewer is None:
            return await self._refuse()
        if not files:
            return
        upload = files[0]
        name = (upload.filename or "codes.csv")[-80:]
        if upload.size is not None and upload.size > CSV_MAX_BYTES:
            self.codes_ok, self.codes_report = False, []
            self.codes_message = f"{name} is larger than 1 MB: please split it into smaller files."
            return
        raw = upload.file.read(CSV_MAX_BYTES + 1)
        if len(raw) > CSV_MAX_BYTES:
            self.codes_ok, self.codes_report = False, []
            self.codes_message = f"{name} is larger than 1 MB: please split it into smaller files."
            return
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            self.codes_ok, self.codes_report = False, []
            self.codes_message = f"{name} is not a UTF-8 text file: save it as CSV (UTF-8) and try again."
            return
        self._import(viewer.user_id, text, name)


# =========================================================================== users & roles


class UsersState(ReviewerMixin, rx.State):
    allowed: bool = False
    query: str = ""
    rows: list[dict[str, str]] = []
    message: str = ""
    form_key: int = 0

    def _search(self, actor_id: int) -> None:
        with session_scope() as s:
            found = user_roles.find_users(session=s, actor_id=actor_id, query=self.query)
        self.rows = [
            {"id": str(u["user_id"]), "email": u["email"], "name": u["name"], "role": u["role"],
             "is_reviewer": "yes" if u["role"] == Role.reviewer.value else "",
             "is_admin": "yes" if u["role"] == Role.admin.value else ""}
            for u in found
        ]

    async def _admin(self):
        viewer = await self._gate()
        if viewer is None:
            return None
        if not viewer.is_admin:
            self.allowed, self.rows = False, []
            return None
        self.allowed = True
        return viewer

    @rx.event
    async def load(self):
        viewer = await self._gate()
        if viewer is None:
            return await self._refuse()
        self.message = ""
        if not viewer.is_admin:
            self.allowed, self.rows = False, []
            return
        self.allowed = True
        try:
            self._search(viewer.user_id)
        except Forbidden:
            self.allowed, self.rows = False, []

    @rx.event
    async def search(self, form: dict):
        viewer = await self._gate()
        if viewer is None:
            return await self._refuse()
        admin = await self._admin()
        if admin is None:
            return
        self.query = _s(form.get("query") if isinstance(form, dict) else "", 254)
        self.message = ""
        try:
            self._search(admin.user_id)
        except Forbidden:
            self.allowed, self.rows = False, []

    async def _set_role(self, user_id, role: Role):
        viewer = await self._gate()
        if viewer is None:
            return await self._refuse()
        admin = await self._admin()
        if admin is None:
            return
        uid = _int(user_id)
        if uid is None:
            return
        try:
            with write_session() as s:
                user = user_roles.set_role(session=s, actor_id=admin.user_id, user_id=uid, role=role)
                email = user.email
        except (Forbidden, NotFound, FieldErrors) as exc:
            self.message = exc.message
            return
        self.message = (f"{email} is now a reviewer." if role == Role.reviewer
                        else f"{email} is no longer a reviewer.")
        self._search(admin.user_id)

    @rx.event
    async def grant_reviewer(self, user_id: str):
        return await self._set_role(user_id, Role.reviewer)

    @rx.event
    async def remove_reviewer(self, user_id: str):
        return await self._set_role(user_id, Role.customer)


# =========================================================================== insights


class InsightsState(ReviewerMixin, rx.State):
    days: int = 30
    per_day: list[dict[str, int | str]] = []
    by_promotion: list[dict[str, int | str]] = []
    by_region: list[dict[str, int | str]] = []
    by_store: list[dict[str, int | str]] = []
    top_reasons: list[dict[str, str]] = []
    kpis: dict[str, str] = {}

    def _reload(self, viewer_id: int) -> None:
        from rxapp.services import insights  # noqa: PLC0415 - the dashboard's read model

        with session_scope() as s:
            d = insights.dashboard(session=s, actor_id=viewer_id, days=self.days)
        self.per_day = [
            {"day": str(r["day"])[5:], "Submitted": r["submitted"], "Approved": r["approved"],
             "Needs info": r["needs_info"], "Rejected": r["rejected"]}
            for r in d["per_day"]
        ]

        def grouped(rows, key: str, limit: int = 12) -> list[dict]:
            out: dict[str, dict] = {}
            for r in rows:
                name = str(r.get(key) or "—")
                entry = out.setdefault(name, {"name": name, "Needs info": 0, "Rejected": 0})
                entry["Needs info" if r["outcome"] == "needs_info" else "Rejected"] += int(r["count"])
            return sorted(out.values(), key=lambda e: -(e["Needs info"] + e["Rejected"]))[:limit]

        self.by_promotion = grouped(d["reasons_by_promotion"], "promotion")
        self.by_region = grouped(d["reasons_by_region"], "region_code")
        self.by_store = grouped(d["reasons_by_store"], "store")
        reasons: dict[tuple[str, str], int] = {}
        for r in d["reasons_by_promotion"]:
            k = (r["outcome"], r["reason"] or "(no reason)")
            reasons[k] = reasons.get(k, 0) + int(r["count"])
        self.top_reasons = [
            {"outcome": "Needs info" if o == "needs_info" else "Rejected", "reason": text, "count": str(n)}
            for (o, text), n in sorted(reasons.items(), key=lambda kv: -kv[1])[:10]
        ]
        fp = d["first_pass"]
        median = d["median_hours_to_decision"]
        self.kpis = {
            "open": str(d["open"]),
            "overdue": str(d["overdue"]),
            "median": "—" if median is None else (f"{median:.1f} h" if median < 48 else f"{median / 24:.1f} days"),
            "first_pass": "—" if fp["rate"] is None else f"{fp['rate'] * 100:.0f} %",
            "first_pass_detail": f"{fp['approved_first_pass']} of {fp['decided']} decided claims",
            "window": f"{_fmt(d['from'])} – {_fmt(d['to'])}",
        }

    @rx.event
    async def load(self):
        viewer = await self._gate()
        if viewer is None:
            return await self._refuse()
        self._reload(viewer.user_id)

    @rx.event
    async def set_days(self, value: str):
        viewer = await self._gate()
        if viewer is None:
            return await self._refuse()
        n = _int(value)
        if n in (7, 30, 90, 365):
            self.days = n
        self._reload(viewer.user_id)
