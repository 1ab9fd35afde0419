"""GET /export/claims.csv?t=<token>: the filtered claim queue as CSV, streamed.

The reviewer console makes the link (``rxapp.state.admin.export_token``): a
short-lived token signed for the purpose "export", naming the reviewer and the
queue filter.  Here the signature and expiry are checked, and the reviewer's
role is checked again against the database (a link is no use to someone who
lost the role).  Every refusal is the same small 404.  Rows come from
``services.claim_export.export_csv``, which pages through the keyset in
chunks, so memory stays flat however many claims match.
"""

from __future__ import annotations

from collections.abc import Iterator

from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from rxapp import db
from rxapp.models import RedemptionStatus
from rxapp.routes import EXPORT_CLAIMS
from rxapp.services import access, claim_export, clock, review_queue, signing
from rxapp.services.errors import Forbidden

EXPORT_PURPOSE = "export"
_HEADERS = {
    "Cache-Control": "private, no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
_STATUSES = {s.value for s in RedemptionStatus} | {"all"}


def _not_found() -> Response:
    return PlainTextResponse("Not found", status_code=404, headers=_HEADERS)


def _filter(data) -> dict[str, str] | None:
    """The filter carried by the token, re-validated (None when malformed)."""
    if not isinstance(data, dict):
        return None
    out = {k: data.get(k, "") for k in ("status", "promotion", "region", "from", "to", "search")}
    if not all(isinstance(v, str) for v in out.values()):
        return None
    if (out["status"] or RedemptionStatus.under_review.value) not in _STATUSES:
        return None
    return out


def _check(token: str) -> tuple[int, dict[str, str]]:
    """The reviewer and filter of a valid link of a current reviewer; raises ``Forbidden`` otherwise."""
    try:
        payload = signing.verify(EXPORT_PURPOSE, token)
    except signing.BadSignature:
        raise Forbidden("bad link") from None
    user_id = payload.get("u")
    flt = _filter(payload.get("f"))
    if not isinstance(user_id, int) or isinstance(user_id, bool) or flt is None:
        raise Forbidden("bad link")
    with db.session_scope() as session:
        access.require_reviewer(session=session, user_id=user_id)
    return user_id, flt


def _rows(user_id: int, flt: dict[str, str]) -> Iterator[str]:
    with db.session_scope() as session:
        yield from claim_export.export_csv(
            session=session,
            actor_id=user_id,
            flt=review_queue.filter_from_dict(flt),
            today=clock.today(session),
        )


async def export_claims(request: Request) -> Response:
    token = request.query_params.get("t", "")
    if not token or len(token) > 2000:
        return _not_found()
    try:
        user_id, flt = await run_in_threadpool(_check, token)
    except Forbidden:
        return _not_found()
    name = f"claims-{clock.today().isoformat()}.csv"
    return StreamingResponse(
        iterate_in_threadpool(_rows(user_id, flt)),
        media_type="text/csv; charset=utf-8",
        headers={**_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'},
    )


routes = [Route(EXPORT_CLAIMS, export_claims, methods=["GET"])]
