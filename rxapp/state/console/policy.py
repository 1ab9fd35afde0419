"""The decision policy of each promotion, edited on the console's Promotions page (``decision_policy``)."""

from __future__ import annotations

import reflex as rx

from rxapp import db, formatting
from rxapp.i18n import _
from rxapp.services import decision_policy
from rxapp.services.errors import FieldErrors, ServiceError
from rxapp.state import parse
from rxapp.state.session import caller, reviewer


def _row(policy: dict) -> dict[str, str]:
    last = policy["last"]
    return {"id": str(policy["id"]), "name": policy["name"], "enabled": "yes" if policy["enabled"] else "",
            "daily_cap": str(policy["daily_cap"]), "sample_percent": str(policy["sample_percent"]),
            "changed": f"{last['actor_email']} · {formatting.when(last['at'])}" if last else ""}


class PolicyState(rx.State):
    policies: list[dict[str, str]] = []
    # Per promotion id: {"daily_cap": …, "sample_percent": …, "form": …}.
    errors: dict[str, dict[str, str]] = {}
    message: str = ""
    form_key: int = 0

    def _reload(self) -> None:
        self.policies = [_row(p) for p in db.run(decision_policy.policies, actor_id=caller().user_id)]

    @reviewer
    async def load(self):
        self.errors, self.message = {}, ""
        self._reload()

    def _save(self, promotion_id, *, enabled: bool, daily_cap, sample_percent) -> None:
        pid = parse.positive_id(promotion_id)
        key = str(pid or "")
        try:
            policy = db.run_writing(decision_policy.update_policy, actor_id=caller().user_id,
                                    promotion_id=pid or 0, enabled=enabled, daily_cap=daily_cap,
                                    sample_percent=sample_percent)
        except FieldErrors as exc:
            self.errors = {key: dict(exc.errors)}
            self.message = ""
            return
        except ServiceError as exc:
            self.errors = {key: {"form": exc.message}}
            self.message = ""
            return
        self.errors = {}
        name = next((p["name"] for p in self.policies if p["id"] == key), "")
        self.message = (
            _("{name}: automatic decisions on, at most {cap} a day, {percent}% of them audited.").format(
                name=name, cap=policy.daily_cap, percent=policy.sample_percent) if policy.enabled
            else _("{name}: automatic decisions off; every claim waits for a reviewer.").format(name=name))
        self.form_key += 1
        self._reload()

    @reviewer
    async def save_policy(self, form: dict):
        data = parse.fields(form, ("promotion", "daily_cap", "sample_percent"), 20)
        self._save(data["promotion"], enabled=parse.flag(form, "enabled"), daily_cap=data["daily_cap"],
                   sample_percent=data["sample_percent"])

    @reviewer
    async def turn_off(self, promotion_id: str):
        """Off at once, keeping the cap and the sample rate."""
        current = next((p for p in self.policies if p["id"] == str(promotion_id)), None)
        if current is None:
            return
        self._save(promotion_id, enabled=False, daily_cap=current["daily_cap"],
                   sample_percent=current["sample_percent"])
