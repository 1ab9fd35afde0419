"""The evidence pre-check for claims that never had it: read their files, keep each claim's verdict and
its risk signals.

A claim keeps its verdict in ``Redemption.evidence_summary`` ("passed" /
"failed") for the reviewers' queue filter; "" means no file of it has been
read.  That is every claim submitted before the pre-check existed, and the
demo's claims (the demo reset must stay fast: it does not read its pictures).
The queue shows those under "Not checked yet" (``queue_filter.CHECKS``);
``backfill`` gives them their verdict, for the operator to run when it suits
(``python -m rxapp.cli backfill-evidence``), never at start-up: reading takes
seconds of CPU a picture.

Each file is read once (``evidence_check.read_file`` keeps the reading, outside
any transaction); each claim's verdict is then written in a short transaction
of its own, so a run can be stopped and started again: it goes on with the
claims still unchecked, oldest first.  A claim whose files cannot be read
stays unchecked (its reader's error is kept with the file; the reviewer sees it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import select

from rxapp import db
from rxapp.models import Redemption, RegisteredProduct
from rxapp.services import evidence_check, risk_signals
from rxapp.services.errors import NotFound


@dataclass
class Backfilled:
    checked: int = 0  # claims that got a verdict
    passed: int = 0
    failed: int = 0
    left_unchecked: int = 0  # no file of theirs could be read (or they have none)
    files_read: int = 0  # files with a reading (read now, or kept from before)


def unchecked_claims(*, url: str | None = None, limit: int | None = None, after_id: int = 0) -> list[int]:
    """Ids of claims with no verdict yet, oldest first (after ``after_id``)."""
    with db.session_scope(url) as session:
        query = (select(Redemption.id).where(Redemption.evidence_summary == "", Redemption.id > after_id)
                 .order_by(Redemption.id))
        if limit:
            query = query.limit(limit)
        return list(session.exec(query).all())


def _files_of(session, claim_id: int) -> list[int]:
    claim = session.get(Redemption, claim_id)
    product = session.get(RegisteredProduct, claim.product_id) if claim else None
    if claim is None or product is None:
        return []
    return [f for f in (claim.invoice_file_id or product.invoice_file_id, claim.serial_photo_file_id) if f]


def backfill(*, url: str | None = None, limit: int | None = None,
             progress: Callable[[int, str], None] | None = None) -> Backfilled:
    """Read the files of up to ``limit`` unchecked claims (all by default) and keep each claim's verdict.

    ``progress(claim_id, verdict)`` is called after each claim ("" when still unchecked).
    """
    done = Backfilled()
    after = 0
    remaining = limit
    while remaining is None or remaining > 0:
        batch = unchecked_claims(url=url, limit=min(50, remaining or 50), after_id=after)
        if not batch:
            break
        for claim_id in batch:
            after = claim_id
            with db.session_scope(url) as session:
                files = _files_of(session, claim_id)
            for file_id in files:
                done.files_read += evidence_check.read_file(file_id=file_id, url=url) is not None
            verdict = ""
            if files:
                try:
                    with db.session_scope(url) as session:
                        evidence = evidence_check.claim_checks(session=session, claim_id=claim_id)
                        verdict = evidence["summary"]
                        # Its risk signals too, as the fast track keeps them: the queue reads riskiest first.
                        risk_signals.keep(session=session, claim_id=claim_id, evidence=evidence)
                except NotFound:  # deleted meanwhile
                    pass
            if verdict:
                done.checked += 1
                done.passed += verdict == "passed"
                done.failed += verdict == "failed"
            else:
                done.left_unchecked += 1
            if progress:
                progress(claim_id, verdict)
        if remaining is not None:
            remaining -= len(batch)
    return done
