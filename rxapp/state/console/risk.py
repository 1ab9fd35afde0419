"""The claim page's risk signals (each in one sentence) and, for an automatic approval of the audit
sample, the reviewer's confirm / flag.  Beside ``ClaimState``: same page, same ``?id=``."""

from __future__ import annotations

import reflex as rx

from rxapp import db, formatting
from rxapp.models import Redemption, User
from rxapp.services import decision_policy, risk_signals
from rxapp.services.errors import FieldErrors, Forbidden, NotFound, ServiceError
from rxapp.state import parse
from rxapp.state.session import caller, reviewer


def _audit_of(session, actor_id: int, claim_id: int) -> dict[str, str]:
    found = risk_signals.reviewer_signals(session=session, actor_id=actor_id, claim_id=claim_id)
    claim = session.get(Redemption, claim_id)
    auditor = session.get(User, claim.audited_by) if claim.audited_by else None
    return {
        "signals": [s.to_dict() for s in found],
        "automatic": "yes" if claim.decided_automatically else "",
        "audit_state": claim.audit_state,
        "audited": f"{auditor.email if auditor else ''} · {formatting.when(claim.audited_at)}" if auditor else "",
        "audit_note": claim.audit_note,
    }


class RiskState(rx.State):
    signals: list[dict[str, str]] = []
    automatic: str = ""
    audit_state: str = ""
    audited: str = ""
    audit_note: str = ""
    errors: dict[str, str] = {}
    message: str = ""
    form_key: int = 0
    _claim_id: int = 0

    def _show(self, claim_id: int) -> None:
        try:
            d = db.run(_audit_of, actor_id=caller().user_id, claim_id=claim_id)
        except (NotFound, Forbidden):
            self._claim_id, self.signals, self.automatic, self.audit_state = 0, [], "", ""
            return
        self._claim_id = claim_id
        self.signals = d["signals"]
        self.automatic, self.audit_state = d["automatic"], d["audit_state"]
        self.audited, self.audit_note = d["audited"], d["audit_note"]

    @reviewer
    async def load(self):
        self.errors, self.message = {}, ""
        claim_id = parse.positive_id(self.router.url.query_parameters.get("id", ""))
        if claim_id is None:
            self._claim_id, self.signals = 0, []
            return
        self._show(claim_id)

    def _audit(self, verdict: str, note: str) -> None:
        if not self._claim_id:
            return
        try:
            db.run_writing(decision_policy.audit, actor_id=caller().user_id, claim_id=self._claim_id,
                           verdict=verdict, note=note)
        except FieldErrors as exc:
            self.errors = dict(exc.errors)
            return
        except ServiceError as exc:
            self.errors = {"form": exc.message}
        else:
            self.errors, self.form_key = {}, self.form_key + 1
        self._show(self._claim_id)

    @reviewer
    async def confirm_audit(self):
        """Confirm this claim's automatic approval (of the audit sample)."""
        self._audit("confirm", "")

    @reviewer
    async def flag_audit(self, form: dict):
        """Flag this claim's automatic approval, saying what is wrong (``note``)."""
        self._audit("flag", parse.fields(form, ("note",), 600)["note"])
