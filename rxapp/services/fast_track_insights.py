"""The fast track on the Insights page: automatic against manual decisions, the audit sample's
outcomes, and the risk signals by how often they stopped a claim, over a window of days."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa
from sqlmodel import Session, select

from rxapp.models import Redemption, RedemptionStatus
from rxapp.services import access, clock, risk_signals


def summary(*, session: Session, actor_id: int, days: int = 30, today: date | None = None) -> dict:
    """``{"automatic", "manual"}`` approvals, rejections and needs-info decided in the window (by when
    the claim was last decided), ``audit`` (``{"sampled", "confirmed", "flagged"}``) and ``signals``:
    ``[(key, count)]``, most frequent first, over the claims submitted in the window.
    Raises ``Forbidden`` unless ``actor_id`` is a reviewer."""
    access.check_reviewer(session=session, user_id=actor_id)
    days = max(1, min(int(days), 366))
    today = today or clock.today(session)
    lo = datetime.combine(today - timedelta(days=days - 1), time.min, tzinfo=timezone.utc)
    hi = datetime.combine(today + timedelta(days=1), time.min, tzinfo=timezone.utc)
    decided = session.exec(
        select(Redemption.decided_automatically, sa.func.count()).where(
            Redemption.decided_at >= lo, Redemption.decided_at < hi,
            Redemption.status != RedemptionStatus.under_review,
        ).group_by(Redemption.decided_automatically)
    ).all()
    by_kind = {bool(auto): n for auto, n in decided}
    audit = dict(session.exec(
        select(Redemption.audit_state, sa.func.count()).where(
            Redemption.audit_state != "", Redemption.decided_at >= lo, Redemption.decided_at < hi,
        ).group_by(Redemption.audit_state)
    ).all())
    counts: Counter[str] = Counter()
    for text in session.exec(select(Redemption.risk_signals).where(
            Redemption.risk_score > 0, Redemption.submitted_at >= lo, Redemption.submitted_at < hi)):
        counts.update({s.key for s in risk_signals.from_json(text)})
    return {
        "automatic": by_kind.get(True, 0), "manual": by_kind.get(False, 0),
        "audit": {k: int(audit.get(k, 0)) for k in ("sampled", "confirmed", "flagged")},
        # Most frequent first; a tie by name, so every worker lists them in the same order.
        "signals": sorted(counts.items(), key=lambda item: (-item[1], item[0])),
    }
