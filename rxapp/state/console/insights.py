"""Insights: the dashboard's numbers and charts as plain rows for the page."""

from __future__ import annotations

import reflex as rx

from rxapp import db, i18n, vocabulary
from rxapp.i18n import N_, _
from rxapp.models import RedemptionStatus
from rxapp.i18n import N_, _
from rxapp.services import fast_track_insights, insights
from rxapp.state import parse
from rxapp.state.session import caller, reviewer

# The charts' series are named by the vocabulary's words (the page colours them by the same names).
APPROVED = vocabulary.STATUS[RedemptionStatus.approved]
NEEDS_INFO = vocabulary.STATUS[RedemptionStatus.needs_info]
REJECTED = vocabulary.STATUS[RedemptionStatus.rejected]


SIGNAL_NAMES = {
    "same_invoice": N_("Same invoice file"), "similar_invoice": N_("Near-duplicate invoice"),
    "shared_serial": N_("Serial on another account"), "shared_address": N_("Address on another account"),
    "shared_phone": N_("Phone on another account"), "invoice_check": N_("Invoice check failed"),
    "barcode_mismatch": N_("Barcode contradicts the serial"), "serial_check": N_("S/N photo check failed"),
    "unread": N_("Picture not readable"), "edited_image": N_("Edited image"),
    "fresh_serial": N_("Serial registered minutes before"), "burst_account": N_("Burst from one account"),
    "burst_address": N_("Burst to one address"),
}


def _bars(rows, key: str, limit: int = 12) -> list[dict[str, str]]:
    """Needs info and rejections per ``key`` (most first), as the page draws them: the name, both counts
    in words, and each count's share of the longest bar (a CSS width)."""
    counts: dict[str, list[int]] = {}
    for r in rows:
        pair = counts.setdefault(str(r.get(key) or "—"), [0, 0])
        pair[0 if r["outcome"] == "needs_info" else 1] += int(r["count"])
    ranked = sorted(counts.items(), key=lambda kv: -sum(kv[1]))[:limit]
    longest = max((sum(pair) for _name, pair in ranked), default=0) or 1
    return [
        {"name": name, "needs_info": str(ni), "rejected": str(rej),
         "needs_info_width": f"{100 * ni / longest:.1f}%", "rejected_width": f"{100 * rej / longest:.1f}%",
         "summary": _("Needs info {needs_info} · Rejected {rejected}").format(needs_info=ni, rejected=rej)}
        for name, (ni, rej) in ranked
    ]


# The chart's title per period unit (``insights.chart_periods``).
CHART_TITLES = {"day": N_("Claims per day: submitted and decided"),
                "week": N_("Claims per week: submitted and decided"),
                "month": N_("Claims per month: submitted and decided")}
UNITS = {"day": N_("Day"), "week": N_("Week"), "month": N_("Month")}


def _window_day(value) -> str:
    return i18n.format_date(value) if value else ""


class InsightsState(rx.State):
    days: int = 30
    # The claims chart's rows, one per day, week or month (``per_unit``: "Day", "Week", "Month").
    per_day: list[dict[str, int | str]] = []
    per_unit: str = "Day"
    chart_title: str = "Claims per day: submitted and decided"
    # Needs info and rejections per promotion, region and store: one bar each (``_bars``).
    by_promotion: list[dict[str, str]] = []
    by_region: list[dict[str, str]] = []
    by_store: list[dict[str, str]] = []
    top_reasons: list[dict[str, str]] = []
    kpis: dict[str, str] = {}
    # The fast track: automatic / manual decisions, the audit sample, signals by frequency.
    fast: dict[str, str] = {}
    signal_counts: list[dict[str, str]] = []

    def _reload(self, viewer_id: int) -> None:
        d = db.run(insights.dashboard, actor_id=viewer_id, days=self.days)
        unit, periods = insights.chart_periods(d["per_day"], self.days)
        self.per_unit = _(UNITS.get(unit, unit.capitalize()))
        self.chart_title = _(CHART_TITLES.get(unit, CHART_TITLES["day"]))
        self.per_day = [
            {"label": r["label"], "Submitted": r["submitted"], APPROVED: r["approved"],
             NEEDS_INFO: r["needs_info"], REJECTED: r["rejected"]}
            for r in periods
        ]

        self.by_promotion = _bars(d["reasons_by_promotion"], "promotion")
        self.by_region = _bars(d["reasons_by_region"], "region_code")
        self.by_store = _bars(d["reasons_by_store"], "store")
        reasons: dict[tuple[str, str], int] = {}
        for r in d["reasons_by_promotion"]:
            k = (r["outcome"], r["reason"] or _("(no reason)"))
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
            "median": "—" if median is None else (_("{hours} h").format(hours=f"{median:.1f}") if median < 48
                                                  else _("{days} days").format(days=f"{median / 24:.1f}")),
            "first_pass": "—" if fp["rate"] is None else f"{fp['rate'] * 100:.0f} %",
            "first_pass_detail": _("{approved} of {decided} decided claims").format(
                approved=fp["approved_first_pass"], decided=fp["decided"]),
            "window": f"{_window_day(d['from'])} – {_window_day(d['to'])}",
        }
        f = db.run(fast_track_insights.summary, actor_id=viewer_id, days=self.days)
        self.fast = {"automatic": str(f["automatic"]), "manual": str(f["manual"]),
                     **{k: str(v) for k, v in f["audit"].items()}}
        self.signal_counts = [{"signal": _(SIGNAL_NAMES.get(k, k)), "count": str(n)} for k, n in f["signals"]]

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
