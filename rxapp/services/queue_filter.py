"""What a reviewer narrowed the claim queue to: the filter, read from a form or a link, checked once.

The console keeps the filter as a plain dict of strings (what the form shows
and what the CSV link carries); ``clean_form`` checks a submitted form with a
message per field, and ``from_dict`` turns a kept dict into the ``QueueFilter``
the queue reads (dropping anything malformed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rxapp.i18n import N_, _
from rxapp.models import RedemptionStatus
from rxapp.services.errors import FieldErrors

KEYS = ("status", "promotion", "region", "from", "to", "search", "checks", "risk", "order")
# The evidence pre-check's verdict kept with each claim (``Redemption.evidence_summary``): "passed",
# "failed", or "" while no file of the claim has been read (a claim from before the pre-check, a demo
# claim, a picture still waiting): "unchecked" filters on that "" (``evidence_backfill`` fills them in).
CHECKS = {"passed": N_("All checks passed"), "failed": N_("A check failed"),
          "unchecked": N_("Not checked yet")}
SUMMARY_OF_CHECKS = {"passed": "passed", "failed": "failed", "unchecked": ""}
# The risk signals kept with each claim (``Redemption.risk_score``) and the fast track's audit sample.
RISK = {"signals": N_("Risk signals found"), "none": N_("No risk signal"),
        "audit": N_("Automatic approvals to audit")}
# The queue's order: the riskiest claims first (most risk signals, then oldest due), or oldest due first.
ORDERS = {"risk": N_("Riskiest first"), "due": N_("Due first")}
DEFAULT = {"status": RedemptionStatus.under_review.value}
SEARCH_MAX = 120


@dataclass(frozen=True)
class QueueFilter:
    """What the reviewer narrowed the queue to.

    ``status=None`` means every status; the default shows open claims.
    ``search`` matches an exact serial number (any case/spacing), a customer
    email (exact or its beginning, any case) or a claim number ("#123" / "123").
    """

    status: RedemptionStatus | None = RedemptionStatus.under_review
    promotion_id: int | None = None
    region_code: str | None = None
    submitted_from: date | None = None
    submitted_to: date | None = None
    search: str = ""
    # "passed" / "failed" / "unchecked": only claims whose evidence checks all passed / where one failed /
    # whose files no check has read yet.
    checks: str | None = None
    # "signals" / "none": claims with / without a risk signal; "audit": automatic approvals of the sample.
    risk: str | None = None
    # "risk" / "due": the reviewer's choice of order; None: the status's default (see ``riskiest_first``).
    order: str | None = None

    @property
    def riskiest_first(self) -> bool:
        """Whether the queue reads riskiest first: ``(risk_score DESC, due_on, id)``.

        The reviewer's choice, by default for the open claims (under review) only; every status at once
        and the audit sample stay oldest due first (no index walks them by risk).
        """
        if self.status is None or self.risk == "audit":
            return False
        return self.order == "risk" if self.order else self.status == RedemptionStatus.under_review

    @property
    def shown_order(self) -> str:
        """The order the queue is read in, as the filter bar's choice ("risk" / "due")."""
        return "risk" if self.riskiest_first else "due"


_STATUS_CHOICES = {s.value for s in RedemptionStatus}


def _positive_id(value) -> int | None:
    """A positive id from the client, or None (bools, floats, junk refused)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 2**62 else None
    if isinstance(value, str) and value.strip().lstrip("#").isdigit() and len(value) < 19:
        n = int(value.strip().lstrip("#"))
        return n if n > 0 else None
    return None


def _iso_day(value) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def from_dict(data: dict) -> QueueFilter:
    """The filter from the plain dict the console keeps (keys status, promotion,
    region, from, to, search, checks, risk, order; status "all" means every status).

    Junk values are dropped (an unknown status means the default, open claims).
    """
    data = data if isinstance(data, dict) else {}
    status = data.get("status", RedemptionStatus.under_review.value)
    if status != "all" and status not in _STATUS_CHOICES:
        status = RedemptionStatus.under_review.value
    region = data.get("region")
    search = data.get("search", "")
    checks = data.get("checks")
    risk = data.get("risk")
    order = data.get("order")
    return QueueFilter(
        status=None if status == "all" else RedemptionStatus(status),
        promotion_id=_positive_id(data.get("promotion", "")),
        region_code=region if isinstance(region, str) and region else None,
        submitted_from=_iso_day(data.get("from", "")),
        submitted_to=_iso_day(data.get("to", "")),
        search=search if isinstance(search, str) else "",
        checks=checks if isinstance(checks, str) and checks in CHECKS else None,
        risk=risk if isinstance(risk, str) and risk in RISK else None,
        order=order if isinstance(order, str) and order in ORDERS else None,
    )



def clean_form(form) -> dict[str, str]:
    """The filter a reviewer submitted, as the dict the console keeps; ``FieldErrors`` per bad field."""
    form = form if isinstance(form, dict) else {}

    def text(key: str, limit: int) -> str:
        value = form.get(key)
        return value.strip()[:limit] if isinstance(value, str) else ""

    errors: dict[str, str] = {}
    status = text("status", 20) or RedemptionStatus.under_review.value
    if status != "all" and status not in _STATUS_CHOICES:
        errors["status"] = _("Please choose a status from the list.")
    promotion = text("promotion", 20)
    if promotion and _positive_id(promotion) is None:
        errors["promotion"] = _("Please choose a promotion from the list.")
    region = text("region", 2).upper()
    if region and not region.isalpha():
        errors["region"] = _("Please choose a region from the list.")
    d_from, d_to = text("from", 10), text("to", 10)
    if d_from and _iso_day(d_from) is None:
        errors["from"] = _("Please enter a date like 2021-12-01.")
    if d_to and _iso_day(d_to) is None:
        errors["to"] = _("Please enter a date like 2021-12-31.")
    if not errors and d_from and d_to and _iso_day(d_from) > _iso_day(d_to):
        errors["to"] = _("The end of the period is before its start.")
    checks = text("checks", 10)
    if checks and checks not in CHECKS:
        errors["checks"] = _("Please choose a check result from the list.")
    risk = text("risk", 10)
    if risk and risk not in RISK:
        errors["risk"] = _("Please choose a risk filter from the list.")
    order = text("order", 10)
    if order and order not in ORDERS:
        errors["order"] = _("Please choose a sort order from the list.")
    if errors:
        raise FieldErrors(errors)
    return {"status": status, "promotion": promotion, "region": region, "from": d_from, "to": d_to,
            "search": text("search", SEARCH_MAX), "checks": checks, "risk": risk, "order": order}
