"""GET /files/{token}: private invoices and S/N photos behind short-lived signed links.

The token (made by ``services.files.signed_url``) names the file, the viewer
and whether the thumbnail is wanted; ``services.files.open_for_token`` checks
the signature, the expiry and that the viewer may still see the file.  Every
failure is the same small 404, so a prober cannot tell a forged link from an
expired one or from someone else's file.

Mount ``routes`` into the Reflex app's backend (e.g. ``app.api_transformer``).
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from rxapp import db
from rxapp.services import files
from rxapp.services.errors import NotFound

_PRIVATE_HEADERS = {
    "Cache-Control": "private, no-store",
    "X-Content-Type-Options": "nosniff",
    # An image shown on its own needs nothing else: nothing in it may run or load.
    "Content-Security-Policy": "default-src 'none'",
    "Referrer-Policy": "no-referrer",
    # same-site, not same-origin: where the page and the backend run on two
    # ports of one host (AppHarnessProd, split deployments) an <img> from the
    # page is cross-origin but same-site.  Other sites still cannot embed it.
    "Cross-Origin-Resource-Policy": "same-site",
}


def _lookup(token: str):
    # Sync database work: run in a thread so the event loop keeps serving.
    with db.session_scope() as session:
        return files.open_for_token(session=session, token=token)


def not_found() -> Response:
    return PlainTextResponse("Not found", status_code=404, headers=_PRIVATE_HEADERS)


async def serve_file(request: Request) -> Response:
    """The file (or thumbnail) a valid signed link points at; 404 for anything else."""
    token = request.path_params.get("token", "")
    if not token or len(token) > 1000:
        return not_found()
    try:
        path, content_type, filename = await run_in_threadpool(_lookup, token)
    except NotFound:
        return not_found()
    return FileResponse(
        path,
        media_type=content_type,
        filename=filename,
        content_disposition_type="inline",
        headers=_PRIVATE_HEADERS,
    )


routes = [Route("/files/{token}", serve_file, methods=["GET", "HEAD"])]
