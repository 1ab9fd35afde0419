"""The fast track after a customer sends a claim: the promotion's decision policy, off the customer's wait.

``start`` hands ``decision_policy.decide_when_read`` to the CPU pool (``offload``) and returns at once,
so the customer's Redeem is answered without waiting for it: the claim's pictures not read yet are
read (seconds of OCR), then the claim is approved when the policy lets it, else its risk signals are
kept for the reviewer.  An approval is a status change like a reviewer's, so it reaches the customer's
Redeem History live (``changefeed``), with the email and the code.  A failure here, or a worker
stopped before the decision, leaves the claim in the queue, where it would have been anyway.
"""

from __future__ import annotations

import logging

from rxapp.services import decision_policy
from rxapp.state import offload

log = logging.getLogger(__name__)


def _decide(claim_id: int) -> decision_policy.Outcome | None:
    try:
        return decision_policy.decide_when_read(claim_id=claim_id)
    except Exception:  # noqa: BLE001 - the claim is sent; a reviewer decides it
        log.exception("fast track: claim %s left for a reviewer", claim_id)
        return None


def start(claim_id: int) -> None:
    """Decide claim ``claim_id`` on the CPU pool, not awaited (module doc)."""
    offload.start(_decide, claim_id)

