"""The edge: one ASGI middleware in front of everything the app serves (issue 13, finding 5).

``rxapp.rxapp`` builds the app with ``edge.App``, whose ASGI app is Reflex's
whole app (its own CORS middleware included) wrapped in ``Edge``: the pages
and assets of the exported frontend (``reflex run --env prod --single-port``
serves them from the backend), ``/files``, ``/export``, ``/_upload``,
``/ping``, the not-found page and the websocket ``/_event``.  It decides, in
this one place:

* **headers** on every HTTP response, built with the maintained ``secure``
  library: a Content-Security-Policy (scripts from the app's own origin and
  the exported pages' inline scripts by their SHA-256 hashes — no
  ``'unsafe-inline'``, no ``'unsafe-eval'`` for scripts; ``connect-src`` names
  the websocket), ``frame-ancestors 'none'`` with ``X-Frame-Options: DENY``,
  ``X-Content-Type-Options: nosniff``, a Referrer-Policy, a
  Permissions-Policy that denies camera, microphone, geolocation and the
  like, and HSTS only when ``RXAPP_BASE_URL`` is https;
* **origins**: a browser's ``Origin`` must be the configured base URL's (or,
  when that is a loopback name, a loopback alias on the same port).  A
  foreign one is refused on a CORS preflight, on any request that is not a
  plain read and on the websocket's handshake (403), and dropped from a plain
  read so that no CORS header answers it.  No ``Origin`` (not a browser) is
  fine.
* **page addresses**: every page answers at the address the app links to
  (``/login``, as ``rxapp/routes.py`` writes it) without a redirect hop.  The
  export lays each page out as ``login/index.html``, and the static server
  would answer ``/login`` with a 307 to ``/login/`` (a round trip before
  anything loads, on every link, bookmark and email link); the edge serves the
  folder's page at once instead (``page_addresses``), so ``/login`` and
  ``/login/`` are the same page;
* **redirects** never carry the request's ``Host``: a ``Location`` built from
  it (Starlette's trailing-slash redirect of a static folder) is made
  relative;
* **caching** of the exported frontend (issue 15): the build's ``/assets/``
  files carry a hash of their content in their names, so a browser keeps them
  for a year without asking again (``immutable``); a page's HTML, which names
  the current ones, is checked with the server on every visit (``no-cache``,
  answered by a 304 when unchanged).  Everything else keeps what its route
  says (private files and exports say ``no-store``).

Styles keep ``'unsafe-inline'``: Radix and Emotion write ``<style>`` tags and
``style`` attributes at run time, which cannot be hashed in advance.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import reflex as rx
import secure
from reflex.utils import prerequisites
from reflex_base import constants
from reflex_base.config import get_config

from rxapp import settings

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")
DEFAULT_PORTS = {"http": 80, "https": 443}
SAFE_METHODS = {"GET", "HEAD"}
HSTS_MAX_AGE = 365 * 24 * 3600
# Features no page of the app uses: denied to the app and to anything it might embed.
DENIED_FEATURES = ("accelerometer", "autoplay", "camera", "display_capture", "geolocation", "gyroscope", "hid",
                   "magnetometer", "microphone", "midi", "payment", "serial", "usb")
ASSETS_CACHE = b"public, max-age=31536000, immutable"
PAGE_CACHE = b"no-cache"
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script\s*>", re.S | re.I)


# --------------------------------------------------------------------------- what is allowed


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url`` as a browser writes it in ``Origin`` (default port left out)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    return f"{scheme}://{host}" + ("" if port in (None, DEFAULT_PORTS.get(scheme)) else f":{port}")


def allowed_origins(base_url: str) -> frozenset[str]:
    """The browser origins the app answers: the base URL's, plus its loopback aliases when it is this machine.

    ``make run`` says http://localhost:3000, and a person may open http://127.0.0.1:3000 instead: the
    same port of the same machine.  Another port is another site.
    """
    own = origin_of(base_url)
    parts = urlsplit(own)
    host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname
    if host not in LOOPBACK_HOSTS:
        return frozenset({own})
    port = "" if parts.port is None else f":{parts.port}"
    return frozenset({own} | {f"{parts.scheme}://{alias}{port}" for alias in LOOPBACK_HOSTS})


def _ws(origin: str) -> str:
    return "wss" + origin[5:] if origin.startswith("https") else "ws" + origin[4:]


def static_dir() -> Path:
    """Where the exported frontend lies, exactly as ``reflex.utils.exec.get_frontend_mount`` finds it.

    The web folder is relative to the working directory, as for Reflex: an instance run from another app
    folder (a deployment's, or the cluster test's, whose code is a link to this one) serves its own export.
    """
    return (prerequisites.get_web_dir() / constants.Dirs.STATIC / get_config().frontend_path.strip("/")).resolve()


def inline_script_hashes(folder: Path) -> tuple[str, ...]:
    """``'sha256-…'`` of every inline ``<script>`` of every exported page (none before the export)."""
    stamp = folder / "index.html"
    try:
        mtime = stamp.stat().st_mtime_ns
    except OSError:
        return ()
    return _hashes(str(folder), mtime)


@lru_cache(maxsize=4)
def _hashes(folder: str, _mtime: int) -> tuple[str, ...]:
    found: set[str] = set()
    for page in sorted(Path(folder).rglob("*.html")):
        for code in _INLINE_SCRIPT.findall(page.read_bytes()):
            found.add("'sha256-" + base64.b64encode(hashlib.sha256(code).digest()).decode() + "'")
    return tuple(sorted(found))


def page_addresses(folder: Path, prefix: str = "") -> frozenset[str]:
    """``/login``, ``/promotions/history``, …: the address of every exported page that lies as
    ``<address>/index.html`` under ``folder`` (the root's own page left out; none before the export)."""
    stamp = folder / "index.html"
    try:
        mtime = stamp.stat().st_mtime_ns
    except OSError:
        return frozenset()
    return _addresses(str(folder), prefix.rstrip("/"), mtime)


@lru_cache(maxsize=4)
def _addresses(folder: str, prefix: str, _mtime: int) -> frozenset[str]:
    root = Path(folder)
    return frozenset(prefix + "/" + page.parent.relative_to(root).as_posix()
                     for page in root.rglob("index.html") if page.parent != root)


def current_pages() -> frozenset[str]:
    """The page addresses of this process's exported frontend."""
    prefix = get_config().frontend_path.strip("/")
    return page_addresses(static_dir(), "/" + prefix if prefix else "")


def served_address(scope: dict, pages: frozenset[str]) -> dict:
    """``scope`` for the page's own file when its path is a page's address without the trailing slash."""
    path = scope.get("path", "")
    if path not in pages:
        return scope
    raw = scope.get("raw_path")
    return dict(scope, path=path + "/", raw_path=raw + b"/" if isinstance(raw, bytes) and not raw.endswith(b"/")
                else raw)


# Anything but a page (scripts, styles, images, JSON, redirects): nothing in it may load, run or frame anything
# if a browser were ever made to open it as a document.  Short, so that the page's long policy (one hash per
# inline script of every page, about 4 KB) is not sent again with each of the page's ten-odd assets.
NOT_A_PAGE_CSP = b"default-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"


@dataclass(frozen=True)
class Policy:
    origins: frozenset[str]
    headers: tuple[tuple[bytes, bytes], ...]  # on a page (an HTML response)

    @property
    def names(self) -> frozenset[bytes]:
        return frozenset(name for name, _ in self.headers)

    @property
    def not_a_page(self) -> tuple[tuple[bytes, bytes], ...]:
        """The headers on any other response: the same, with ``NOT_A_PAGE_CSP``."""
        return tuple((k, NOT_A_PAGE_CSP if k == b"content-security-policy" else v) for k, v in self.headers)

    def headers_for(self, content_type: bytes) -> tuple[tuple[bytes, bytes], ...]:
        """A page's headers unless the answer says it is something else.  An answer with no type keeps
        them: a 304 carries none, and its headers replace those of the page the browser kept."""
        if not content_type or content_type.lower().startswith(b"text/html"):
            return self.headers
        return self.not_a_page


@lru_cache(maxsize=8)
def policy_for(base_url: str, api_url: str, script_hashes: tuple[str, ...]) -> Policy:
    """The origins and the response headers for an app at ``base_url`` whose backend is at ``api_url``."""
    origins = allowed_origins(base_url)
    # CSP source expressions have no syntax for an IPv6 literal ([::1] stays an allowed Origin, not a source).
    backends = sorted(o for o in (origins | {origin_of(api_url)} if api_url else origins) if "[" not in o)
    https = base_url.lower().startswith("https://")
    csp = (
        secure.ContentSecurityPolicy()
        .default_src("'self'")
        .script_src("'self'", *script_hashes)
        .style_src("'self'", "'unsafe-inline'")
        .img_src("'self'", "data:", "blob:", *backends)
        .font_src("'self'", "data:")
        .connect_src("'self'", *backends, *(_ws(o) for o in backends))
        .frame_src("'self'")
        .object_src("'none'")
        .base_uri("'self'")
        .form_action("'self'")
        .frame_ancestors("'none'")
    )
    if https:
        csp = csp.upgrade_insecure_requests()
    permissions = secure.PermissionsPolicy()
    for feature in DENIED_FEATURES:
        permissions = permissions.add_directive(feature.replace("_", "-"))
    headers = secure.Secure(
        csp=csp,
        permissions=permissions,
        referrer=secure.ReferrerPolicy().strict_origin_when_cross_origin(),
        xcto=secure.XContentTypeOptions(),
        xfo=secure.XFrameOptions().deny(),
        coop=secure.CrossOriginOpenerPolicy().same_origin(),
        hsts=secure.StrictTransportSecurity().max_age(HSTS_MAX_AGE) if https else None,
    ).header_items()
    return Policy(
        origins=origins,
        headers=tuple((name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers),
    )


def current_policy() -> Policy:
    """The policy of this process now (the base URL, the backend's URL and the exported pages)."""
    return policy_for(settings.get().base_url, get_config().api_url or "", inline_script_hashes(static_dir()))


# --------------------------------------------------------------------------- the middleware


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def assets_prefix() -> str:
    """``/assets/`` under the frontend path: where the build's content-hashed files lie."""
    prefix = get_config().frontend_path.strip("/")
    return f"/{prefix}/assets/" if prefix else "/assets/"


def cache_control(path: str, status: int, headers: list, assets: str) -> bytes | None:
    """The ``Cache-Control`` the edge adds to a response of the exported frontend, or None (left alone)."""
    if status not in (200, 304) or any(k.lower() == b"cache-control" for k, _ in headers):
        return None
    if path.startswith(assets):
        return ASSETS_CACHE
    content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
    # A 304 carries no Content-Type: it answers a revalidation, which only pages get asked (assets never are).
    return PAGE_CACHE if status == 304 or content_type.startswith(b"text/html") else None


def relative_location(location: bytes, host: str | None) -> bytes:
    """``location`` without scheme and host when those came from the request's ``Host``."""
    parts = urlsplit(location.decode("latin-1"))
    if not parts.netloc or host is None or parts.netloc.lower() != host.lower():
        return location
    return urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment)).encode("latin-1")


class Edge:
    """ASGI middleware: headers on every response, origins checked, pages at their own address, no ``Host`` in a
    redirect."""

    def __init__(self, app, *, policy=current_policy, pages=current_pages, assets=assets_prefix):
        self.app = app
        self.policy = policy
        self.pages = pages
        self.assets = assets

    async def __call__(self, scope, receive, send) -> None:
        kind = scope.get("type")
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        policy = self.policy()
        origin = _header(scope, b"origin")
        foreign = origin is not None and origin.lower() not in policy.origins
        if kind == "websocket":
            if foreign:
                await send({"type": "websocket.close", "code": 1008})  # before accept: the server answers 403
                return
            await self.app(scope, receive, send)
            return
        if foreign:
            method = scope.get("method", "GET")
            preflight = method == "OPTIONS" and _header(scope, b"access-control-request-method") is not None
            if preflight or method not in SAFE_METHODS:
                await _refuse(send, policy)
                return
            # A plain read from another site: answered as to a non-browser, with no CORS header.
            scope = dict(scope, headers=[(k, v) for k, v in scope.get("headers", []) if k.lower() != b"origin"])
        if scope.get("method", "GET") in SAFE_METHODS:
            scope = served_address(scope, self.pages())
        host = _header(scope, b"host")
        path = scope.get("path", "")
        readable = scope.get("method", "GET") in SAFE_METHODS

        async def edge_send(message) -> None:
            if message.get("type") == "http.response.start":
                headers = [
                    (k, relative_location(v, host) if k.lower() == b"location" else v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in policy.names
                ]
                cache = cache_control(path, message.get("status", 200), headers, self.assets()) if readable else None
                if cache is not None:
                    headers.append((b"cache-control", cache))
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                message = {**message, "headers": headers + list(policy.headers_for(content_type))}
            await send(message)

        await self.app(scope, receive, edge_send)


async def _refuse(send, policy: Policy) -> None:
    body = b"This origin may not call the Member Center."
    await send({
        "type": "http.response.start",
        "status": 403,
        "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
                    *policy.not_a_page],
    })
    await send({"type": "http.response.body", "body": body})


class App(rx.App):
    """``rx.App`` whose whole ASGI app (Reflex's own middleware included) sits behind the ``Edge``."""

    def __call__(self):
        return Edge(super().__call__())
