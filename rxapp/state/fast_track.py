"""The fast track after a customer sends a claim: the promotion's decision policy, off the event loop.

``decide`` runs ``decision_policy.decide_when_read`` on the CPU pool (``offload``): the claim's
pictures not read yet are read first (seconds of OCR), then the claim is approved at once when the
policy lets it, else its risk signals are kept for the reviewer.  A failure here leaves the claim in
the queue, where it would have been anyway.
"""

from __future__ import annotations

import logging

from rxapp.services import decision_policy
from rxapp.state import offload

log = logging.getLogger(__name__)


async def decide(claim_id: int) -> decision_policy.Outcome | None:
    try:
        return await offload.call(decision_policy.decide_when_read, claim_id=claim_id)
    except Exception:  # noqa: BLE001 - the claim is sent; a reviewer decides it
        log.exception("fast track: claim %s left for a reviewer", claim_id)
        return None
