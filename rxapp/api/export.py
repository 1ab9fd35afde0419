"""GET /export/claims.csv?t=<token>: the filtered claim queue as CSV, streamed.

The reviewer console makes the link (``services.claim_export.link_token``): a
short-lived token signed for the purpose "export", naming the reviewer and the
queue filter.  Here the signature and expiry are checked, the reviewer's role
is checked again against the database (a link is no use to someone who lost
the role), and the request must come from that reviewer's own signed-in
browser (``api.browser``): a leaked link downloads nothing.  Every refusal is the same small 404.  Rows come from
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
from rxapp.api import browser
from rxapp.routes import EXPORT_CLAIMS
from rxapp.services import claim_export, clock, queue_filter
from rxapp.services.errors import Forbidden

_HEADERS = {
    "Cache-Control": "private, no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _not_found(request: Request) -> Response:
    return PlainTextResponse(browser.not_found_text(request), status_code=404, headers=_HEADERS)


def _check(token: str, request: Request) -> tuple[int, dict[str, str]]:
    with db.session_scope() as session:
        user_id, flt = claim_export.read_link_token(session=session, token=token)
        # Like /files: only in the reviewer's own signed-in browser, never as a bearer link.
        if not browser.signed_in_as(session=session, request=request, user_id=user_id):
            raise Forbidden("not this browser's link")
        return user_id, flt


def _rows(user_id: int, flt: dict[str, str]) -> Iterator[str]:
    with db.session_scope() as session:
        yield from claim_export.export_csv(
            session=session,
            actor_id=user_id,
            flt=queue_filter.from_dict(flt),
            today=clock.today(session),
        )


async def export_claims(request: Request) -> Response:
    token = request.query_params.get("t", "")
    if not token or len(token) > 2000:
        return _not_found(request)
    try:
        user_id, flt = await run_in_threadpool(_check, token, request)
    except Forbidden:
        return _not_found(request)
    name = f"claims-{clock.today().isoformat()}.csv"
    return StreamingResponse(
        iterate_in_threadpool(_rows(user_id, flt)),
        media_type="text/csv; charset=utf-8",
        headers={**_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'},
    )


routes = [Route(EXPORT_CLAIMS, export_claims, methods=["GET"])]
