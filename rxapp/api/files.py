"""GET /files/{token}: private invoices and S/N photos behind short-lived signed links.

The token (made by ``services.file_links.signed_url``) names the file, the viewer
and whether the thumbnail is wanted; ``services.file_links.open_for_token`` checks
the signature, the expiry and that the viewer may still see the file.  The
link alone is not enough: the request must also come from a browser signed
in as that viewer (the ``mc_files`` session cookie, which SessionState keeps
equal to its session token), so a link copied to another customer or to a
signed-out visitor shows nothing.  Every failure is the same small 404, so a
prober cannot tell a forged link from an expired one or from someone else's
file.

Mount ``routes`` into the Reflex app's backend (e.g. ``app.api_transformer``).
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from rxapp import db
from rxapp.routes import FILES
from rxapp.api import browser
from rxapp.services import file_links
from rxapp.services.errors import NotFound

_PRIVATE_HEADERS = {
    "Cache-Control": "private, no-store",
    "X-Content-Type-Options": "nosniff",
    # An image shown on its own needs nothing else: nothing in it may run or load.
    "Content-Security-Policy": "default-src 'none'",
    "Referrer-Policy": "no-referrer",
    # No Cross-Origin-Resource-Policy: where the page and the backend run on
    # two ports (AppHarnessProd, split deployments) the page's <img> is
    # cross-origin, and Chromium refuses even "same-site" between two ports of
    # 127.0.0.1.  Other sites cannot embed these files anyway: the route wants
    # the viewer's session cookie, which is SameSite=Strict.
}


def _lookup(token: str, request: Request):
    # Sync database work: run in a thread so the event loop keeps serving.
    viewer_id = file_links.link_viewer(token)
    if viewer_id is None:
        raise NotFound("This link is not valid.")
    with db.session_scope() as session:
        if not browser.signed_in_as(session=session, request=request, user_id=viewer_id):
            raise NotFound("This link is not valid.")
        return file_links.open_for_token(session=session, token=token)


def not_found(request: Request | None = None) -> Response:
    return PlainTextResponse(browser.not_found_text(request), status_code=404, headers=_PRIVATE_HEADERS)


async def serve_file(request: Request) -> Response:
    """The file (or thumbnail) a valid signed link points at; 404 for anything else."""
    token = request.path_params.get("token", "")
    if not token or len(token) > 1000:
        return not_found(request)
    try:
        path, content_type, filename = await run_in_threadpool(_lookup, token, request)
    except NotFound:
        return not_found(request)
    return FileResponse(
        path,
        media_type=content_type,
        filename=filename,
        content_disposition_type="inline",
        headers=_PRIVATE_HEADERS,
    )


routes = [Route(f"{FILES}/{{token}}", serve_file, methods=["GET", "HEAD"])]
