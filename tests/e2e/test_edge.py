"""The edge (issue 13, finding 5), against the production build as the browser tests serve it.

Every page the app registers (taken from the running app and from
``rxapp/routes.py``, so a new page is covered by itself and a page that is
missing fails), the not-found page, static assets and the backend's own
routes answer with the security headers; a foreign ``Origin`` is refused on a
CORS preflight and on the websocket's handshake while the app's own origin
(and its loopback alias) works; a forged ``Host`` never comes back in a
``Location``; and a Content-Security-Policy violation in the browser fails a
test.
"""

from __future__ import annotations

import http.client
import re
import socket
from urllib.parse import urljoin, urlsplit

import pytest

from rxapp import routes

FOREIGN = "https://evil.example"
# Path constants of rxapp/routes.py that are not pages of the app.
NOT_PAGES = {"NOT_FOUND", "FILES", "EXPORT_CLAIMS", "SIGNED_IN_AREAS"}


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def backend_url(app) -> str:
    """Where the websocket and the backend's routes live: the backend's own address, or the proxy's in
    front of two instances (``cluster.Cluster.api_url``); the same origin as the pages on one port."""
    from reflex_base.config import get_config

    return (getattr(app, "api_url", None) or get_config().api_url).rstrip("/")


def fetch(base: str, path: str, *, method: str = "GET", headers: dict | None = None, body: bytes | None = None):
    """(status, headers with lower-case names, body) of one request, no redirect followed."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def directives(csp: str) -> dict[str, list[str]]:
    out = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            out[words[0].lower()] = words[1:]
    return out


def assert_edge_headers(headers: dict, where: str) -> None:
    csp = headers.get("content-security-policy")
    assert csp, f"{where}: no Content-Security-Policy"
    policy = directives(csp)
    assert policy.get("frame-ancestors") == ["'none'"], f"{where}: {csp}"
    assert policy.get("object-src") == ["'none'"], f"{where}: {csp}"
    scripts = policy.get("script-src") or policy.get("default-src") or []
    assert "'unsafe-eval'" not in scripts and "'unsafe-inline'" not in scripts, f"{where}: {csp}"
    assert headers.get("x-frame-options") == "DENY", where
    assert headers.get("x-content-type-options") == "nosniff", where
    assert headers.get("referrer-policy") in {"strict-origin-when-cross-origin", "no-referrer"}, where
    permissions = headers.get("permissions-policy", "")
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in permissions, f"{where}: {permissions!r}"
    # The app is served over http here: no HSTS (it would pin a name that has no https).
    assert "strict-transport-security" not in headers, where
    assert "access-control-allow-origin" not in headers, f"{where}: CORS header without an Origin"


def page_paths(app) -> list[str]:
    """Every page: those the running app registered and those rxapp/routes.py names."""
    from rxapp import settings

    registered = [r for r in app.app_instance._page_routes if r != routes.NOT_FOUND]
    paths = {"/" if r == "index" else "/" + r.strip("/") for r in registered}
    demo_only = {routes.DEMO, routes.DEMO_STICKERS, routes.MAILBOX}
    named = {v for k, v in vars(routes).items() if k.isupper() and k not in NOT_PAGES and isinstance(v, str)}
    if not settings.get().demo:
        named -= demo_only
    missing = named - paths
    assert not missing, f"routes.py names pages the app does not register: {sorted(missing)}"
    return sorted(paths)


def get_page(base: str, path: str) -> tuple[int, dict, bytes]:
    """A page as a browser gets it: one redirect (the static server's trailing slash) followed."""
    status, headers, body = fetch(base, path)
    if status in (301, 302, 307, 308):
        assert_edge_headers(headers, f"{path} (redirect)")
        target = urljoin(base + path, headers["location"])
        assert _origin(target) == _origin(base), f"{path} redirects away: {headers['location']}"
        target_parts = urlsplit(target)
        status, headers, body = fetch(base, target_parts.path + (f"?{target_parts.query}" if target_parts.query
                                                                   else ""))
    return status, headers, body


# --------------------------------------------------------------------------- headers on every response


def test_every_page_and_the_not_found_page_carry_the_security_headers(app):
    base = app.frontend_url.rstrip("/")
    paths = page_paths(app)
    assert len(paths) > 30
    for path in paths:
        status, headers, body = get_page(base, path)
        assert status == 200, f"{path}: {status} (the page is missing from the build?)"
        assert headers.get("content-type", "").startswith("text/html"), path
        assert_edge_headers(headers, path)
    status, headers, body = get_page(base, "/no-such-page/anywhere")
    assert status == 404
    assert b"<html" in body.lower()
    assert_edge_headers(headers, "the not-found page")


def test_static_assets_and_backend_routes_carry_the_security_headers(app):
    base = app.frontend_url.rstrip("/")
    _status, _headers, body = get_page(base, "/")
    assets = re.findall(rb'(?:src|href)="(/assets/[^"]+\.(?:js|css))"', body)
    assert assets, "no script or stylesheet in the home page"
    for asset in sorted(set(assets))[:6] + [b"/favicon.ico", b"/theme.css"]:
        status, headers, _ = fetch(base, asset.decode())
        assert status == 200, asset
        assert_edge_headers(headers, asset.decode())
    back = backend_url(app)
    for method, path, expected in (
        ("GET", "/ping", 200),
        ("GET", "/_health", 200),
        ("GET", routes.FILES + "/nothing-here", 404),
        ("GET", routes.EXPORT_CLAIMS + "?t=forged", 404),
        ("GET", "/_upload/nothing-here", 404),
        ("POST", "/_upload", 400),
    ):
        status, headers, _ = fetch(back, path, method=method)
        assert status == expected, f"{method} {path}: {status}"
        assert_edge_headers(headers, f"{method} {path}")


def test_the_policy_allows_the_pages_inline_scripts_by_their_hashes_only(app):
    import base64
    import hashlib

    base = app.frontend_url.rstrip("/")
    _status, headers, body = get_page(base, "/login")
    policy = directives(headers["content-security-policy"])
    inline = re.findall(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", body, re.S)
    for code in inline:
        digest = base64.b64encode(hashlib.sha256(code).digest()).decode()
        assert f"'sha256-{digest}'" in policy["script-src"], "an inline script of the page is not allowed"
    ws = urlsplit(backend_url(app))
    assert f"ws://{ws.netloc}" in policy["connect-src"] or urlsplit(base).netloc == ws.netloc


# --------------------------------------------------------------------------- origins


def test_a_foreign_origin_is_refused_on_a_cors_preflight(app):
    status, headers, _ = fetch(backend_url(app), "/_upload", method="OPTIONS", headers={
        "Origin": FOREIGN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "reflex-client-token, reflex-event-handler"})
    assert status == 403
    assert "access-control-allow-origin" not in headers
    assert "access-control-allow-credentials" not in headers
    assert_edge_headers(headers, "a refused preflight")


def test_a_foreign_origin_gets_no_cors_headers_on_a_simple_request(app):
    status, headers, _ = fetch(backend_url(app), "/ping", headers={"Origin": FOREIGN, "Cookie": "a=b"})
    assert status == 200
    assert "access-control-allow-origin" not in headers
    assert "access-control-allow-credentials" not in headers


def test_a_foreign_origin_cannot_post(app):
    status, _headers, _ = fetch(backend_url(app), "/_upload", method="POST", headers={
        "Origin": FOREIGN, "Content-Type": "multipart/form-data; boundary=x"}, body=b"--x--\r\n")
    assert status == 403


def test_the_apps_own_origin_and_its_loopback_alias_pass_the_preflight(app):
    own = _origin(app.frontend_url)
    parts = urlsplit(own)
    alias = own.replace(parts.hostname, "localhost" if parts.hostname == "127.0.0.1" else "127.0.0.1")
    for origin in (own, alias):
        status, headers, _ = fetch(backend_url(app), "/_upload", method="OPTIONS", headers={
            "Origin": origin, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "reflex-client-token"})
        assert status == 200, origin
        assert headers.get("access-control-allow-origin") == origin
    # Another port of the same machine is another site.
    other_port = f"{parts.scheme}://{parts.hostname}:{(parts.port or 80) + 1}"
    status, headers, _ = fetch(backend_url(app), "/_upload", method="OPTIONS", headers={
        "Origin": other_port, "Access-Control-Request-Method": "POST"})
    assert status == 403 and "access-control-allow-origin" not in headers


def websocket_handshake(app, origin: str | None) -> str:
    """The status line the backend answers a websocket upgrade of /_event with."""
    parts = urlsplit(backend_url(app))
    lines = [
        "GET /_event/?EIO=4&transport=websocket HTTP/1.1",
        f"Host: {parts.netloc}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
    ] + ([f"Origin: {origin}"] if origin else [])
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        answer = b""
        while b"\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    return answer.split(b"\r\n", 1)[0].decode()


def test_the_websocket_refuses_a_foreign_origin_and_accepts_the_apps_own(app):
    assert " 101 " not in websocket_handshake(app, FOREIGN) + " "
    assert " 403" in websocket_handshake(app, FOREIGN)
    assert " 101 " in websocket_handshake(app, _origin(app.frontend_url)) + " "
    assert " 101 " in websocket_handshake(app, None) + " "  # not a browser: nothing to forge


# --------------------------------------------------------------------------- redirects


def test_a_forged_host_never_comes_back_in_a_location(app):
    """No page answers with a redirect any more (the edge serves ``/login`` as is; the redirect a static
    folder would make is tested with a forged ``Host`` in tests/unit/test_edge.py); whatever answers, the
    forged host is not in it."""
    base = app.frontend_url.rstrip("/")
    pages = page_paths(app)
    for path in pages + ["/assets", "/no-such-page"]:
        if path == "/":
            continue
        status, headers, body = fetch(base, path, headers={"Host": "evil.example"})
        location = headers.get("location", "")
        assert "evil.example" not in location, f"{path}: Location {location}"
        assert b"evil.example" not in body, path
        if path in pages:
            assert status == 200 and not location, f"{path}: {status} {location}"


# --------------------------------------------------------------------------- the browser


def test_a_csp_violation_fails_a_browser_test(site):
    from tests.e2e.conftest import check_console

    page = site.visit("/", check_a11y=False)
    # What an injected script would do: add an inline <script> (not one of the build's, by its hash).
    page.evaluate("""() => {
        const s = document.createElement("script");
        s.textContent = "window.__mcInjected = true;";
        document.body.appendChild(s);
    }""")
    page.wait_for_function("() => window.__mcCspViolations > 0", timeout=10_000)
    with pytest.raises(pytest.fail.Exception, match="violat"):
        check_console(page.context)
    # This one was on purpose: the test itself passes.
    assert page.evaluate("() => window.__mcInjected === undefined")  # and it did not run
    page.context._mc_console_errors.clear()
