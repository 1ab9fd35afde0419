"""Insights: the dashboard's numbers and charts as plain rows for the page."""

from __future__ import annotations

import reflex as rx

from rxapp import db, formatting, vocabulary
from rxapp.models import RedemptionStatus
from rxapp.services import insights
from rxapp.state import parse
from rxapp.state.session import caller, reviewer

# The charts' series are named by the vocabulary's words (the page colours them by the same names).
APPROVED = vocabulary.STATUS[RedemptionStatus.approved]
NEEDS_INFO = vocabulary.STATUS[RedemptionStatus.needs_info]
REJECTED = vocabulary.STATUS[RedemptionStatus.rejected]


class InsightsState(rx.State):
    days: int = 30
    # The claims chart's rows, one per day, week or month (``per_unit``: "Day", "Week", "Month").
    per_day: list[dict[str, int | str]] = []
    per_unit: str = "Day"
    by_promotion: list[dict[str, int | str]] = []
    by_region: list[dict[str, int | str]] = []
    by_store: list[dict[str, int | str]] = []
    top_reasons: list[dict[str, str]] = []
    kpis: dict[str, str] = {}

    def _reload(self, viewer_id: int) -> None:
        d = db.run(insights.dashboard, actor_id=viewer_id, days=self.days)
        unit, periods = insights.chart_periods(d["per_day"], self.days)
        self.per_unit = unit.capitalize()
        self.per_day = [
            {"label": r["label"], "Submitted": r["submitted"], APPROVED: r["approved"],
             NEEDS_INFO: r["needs_info"], REJECTED: r["rejected"]}
            for r in periods
        ]

        def grouped(rows, key: str, limit: int = 12) -> list[dict]:
            out: dict[str, dict] = {}
            for r in rows:
                name = str(r.get(key) or "—")
                entry = out.setdefault(name, {"name": name, NEEDS_INFO: 0, REJECTED: 0})
                entry[NEEDS_INFO if r["outcome"] == "needs_info" else REJECTED] += int(r["count"])
            return sorted(out.values(), key=lambda e: -(e[NEEDS_INFO] + e[REJECTED]))[:limit]

        self.by_promotion = grouped(d["reasons_by_promotion"], "promotion")
        self.by_region = grouped(d["reasons_by_region"], "region_code")
        self.by_store = grouped(d["reasons_by_store"], "store")
        reasons: dict[tuple[str, str], int] = {}
        for r in d["reasons_by_promotion"]:
            k = (r["outcome"], r["reason"] or "(no reason)")
            reasons[k] = reasons.get(k, 0) + int(r["count"])
        self.top_reasons = [
            {"outcome": vocabulary.status_label(o), "reason": text, "count": str(n)}
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
            "window": f"{formatting.when(d['from'])} – {formatting.when(d['to'])}",
        }

    @reviewer
    async def load(self):
        viewer = caller()
        self._reload(viewer.user_id)

    @reviewer
    async def set_days(self, value: str):
        viewer = caller()
        n = parse.positive_id(value)
        if n in (7, 30, 90, 365):
            self.days = n
        self._reload(viewer.user_id)
