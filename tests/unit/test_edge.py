"""The edge middleware (rxapp/edge.py) around a small app: headers, origins, redirects, HSTS, script hashes.

The same middleware around the real production build is tested in
``tests/e2e/test_edge.py`` (every page and route of the app).
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from rxapp import edge

BASE = "http://localhost:3000"
FOREIGN = "https://evil.example"


def _inner(tmp_path: Path) -> Starlette:
    """Reflex's shape in small: a route, a websocket, static pages with folders, CORS reflecting any origin."""
    (tmp_path / "account").mkdir(exist_ok=True)
    (tmp_path / "account" / "index.html").write_text("<html><body>account</body></html>")
    (tmp_path / "index.html").write_text("<html><body>home</body></html>")

    async def ping(request):
        return PlainTextResponse("pong")

    async def echo(ws):
        await ws.accept()
        await ws.send_text("hello")
        await ws.close()

    return Starlette(
        routes=[Route("/ping", ping, methods=["GET", "POST"]), WebSocketRoute("/_event", echo),
                Mount("/", StaticFiles(directory=tmp_path, html=True))],
        middleware=[Middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True, allow_methods=["*"],
                               allow_headers=["*"])],
    )


def client(tmp_path: Path, base: str = BASE, hashes: tuple[str, ...] = (), *, pages: bool = False) -> TestClient:
    """The edge around ``_inner``; with ``pages`` it serves the folder's pages at their own address (as the app
    does), without them the static server's trailing-slash redirect is left in place (to test redirects)."""
    policy = edge.policy_for(base, base, hashes)
    inner = _inner(tmp_path)
    known = edge.page_addresses(tmp_path) if pages else frozenset()
    return TestClient(edge.Edge(inner, policy=lambda: policy, pages=lambda: known, assets=lambda: "/assets/"),
                      base_url=base)


def check_headers(response, where: str) -> None:
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, where
    script_src = (re.search(r"script-src ([^;]*)", csp) or re.search(r"default-src ([^;]*)", csp)).group(1)
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, where
    assert response.headers["x-frame-options"] == "DENY", where
    assert response.headers["x-content-type-options"] == "nosniff", where
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin", where
    for feature in ("camera", "microphone", "geolocation"):
        assert f"{feature}=()" in response.headers["permissions-policy"], where


def test_every_response_carries_the_headers(tmp_path):
    c = client(tmp_path)
    for path, status in (("/ping", 200), ("/", 200), ("/account/", 200), ("/nothing", 404), ("/account", 307)):
        response = c.get(path, follow_redirects=False)
        assert response.status_code == status, path
        check_headers(response, path)
        assert "strict-transport-security" not in response.headers  # http: no HSTS


def test_only_a_page_carries_the_long_policy_anything_else_a_short_one_that_allows_nothing(tmp_path):
    hashes = tuple(f"'sha256-{n:044d}'" for n in range(60))  # a build's inline scripts, one per page
    c = client(tmp_path, hashes=hashes)
    page = c.get("/")
    assert page.headers["content-type"].startswith("text/html")
    assert hashes[-1] in page.headers["content-security-policy"]
    # A page checked again (304, no type): its headers replace the kept page's, so they must be the page's.
    again = c.get("/", headers={"If-None-Match": page.headers["etag"]})
    assert again.status_code == 304 and hashes[-1] in again.headers["content-security-policy"]
    for path in ("/ping", "/nothing"):  # text, the not-found answer
        response = c.get(path, follow_redirects=False)
        check_headers(response, path)
        csp = response.headers["content-security-policy"]
        assert csp.startswith("default-src 'none'") and "sha256" not in csp, path
        assert len(csp) < 120 and len(page.headers["content-security-policy"]) > 3000


def test_a_page_answers_at_its_own_address_without_a_redirect(tmp_path):
    (tmp_path / "promotions" / "history").mkdir(parents=True)
    (tmp_path / "promotions" / "history" / "index.html").write_text("<html><body>history</body></html>")
    c = client(tmp_path, pages=True)
    assert edge.page_addresses(tmp_path) == {"/account", "/promotions/history"}
    assert edge.page_addresses(tmp_path, "/app") == {"/app/account", "/app/promotions/history"}
    for path, text in (("/account", "account"), ("/account/", "account"), ("/promotions/history?x=1", "history"),
                       ("/promotions/history/", "history"), ("/", "home")):
        response = c.get(path, follow_redirects=False)
        assert response.status_code == 200 and text in response.text, path
        check_headers(response, path)
    assert c.head("/account", follow_redirects=False).status_code == 200
    assert c.get("/promotions", follow_redirects=False).status_code == 404  # a folder, not a page
    assert c.get("/ping").text == "pong"
    assert edge.page_addresses(tmp_path / "not-exported") == frozenset()


def test_hashed_assets_are_kept_a_year_and_pages_are_checked_on_every_visit(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "entry.client-CCWdYbG9.js").write_text("export {};")
    c = client(tmp_path, pages=True)
    asset = c.get("/assets/entry.client-CCWdYbG9.js")
    assert asset.status_code == 200
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    check_headers(asset, "asset")
    for path in ("/", "/account", "/account/"):
        assert c.get(path).headers["cache-control"] == "no-cache", path
    again = c.get("/account", headers={"If-None-Match": c.get("/account").headers["etag"]})
    assert again.status_code == 304 and again.headers["cache-control"] == "no-cache"
    assert "cache-control" not in c.get("/assets/missing-0000.js").headers  # a 404 is not kept
    assert "cache-control" not in c.get("/ping").headers  # not the frontend's: left to its route
    assert "cache-control" not in c.post("/ping").headers


def test_hsts_only_when_the_base_url_is_https(tmp_path):
    https = client(tmp_path, base="https://members.example.com")
    assert https.get("/ping").headers["strict-transport-security"].startswith("max-age=31536000")
    page = https.get("/")  # a page's own requests are what the upgrade is for
    assert page.headers["strict-transport-security"].startswith("max-age=31536000")
    assert "upgrade-insecure-requests" in page.headers["content-security-policy"]
    assert "strict-transport-security" not in client(tmp_path).get("/ping").headers


def test_a_forged_host_never_comes_back_in_a_location(tmp_path):
    c = client(tmp_path)
    response = c.get("/account", headers={"Host": "evil.example"}, follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "/account/"
    assert "evil.example" not in response.text


def test_a_location_elsewhere_is_left_alone():
    assert edge.relative_location(b"https://elsewhere.example/x?y=1", "evil.example") == b"https://elsewhere.example/x?y=1"
    assert edge.relative_location(b"http://EVIL.example/x?y=1#z", "evil.example") == b"/x?y=1#z"
    assert edge.relative_location(b"/x", "evil.example") == b"/x"


def test_a_foreign_origin_is_refused_on_a_preflight_and_a_write_and_gets_no_cors_on_a_read(tmp_path):
    c = client(tmp_path)
    preflight = c.options("/ping", headers={"Origin": FOREIGN, "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 403
    assert "access-control-allow-origin" not in preflight.headers
    check_headers(preflight, "refused preflight")
    assert c.post("/ping", headers={"Origin": FOREIGN}).status_code == 403
    read = c.get("/ping", headers={"Origin": FOREIGN, "Cookie": "a=b"})
    assert read.status_code == 200
    assert "access-control-allow-origin" not in read.headers
    assert "access-control-allow-credentials" not in read.headers


def test_the_own_origin_and_its_loopback_aliases_pass(tmp_path):
    c = client(tmp_path)
    for origin in ("http://localhost:3000", "http://127.0.0.1:3000", "http://[::1]:3000"):
        preflight = c.options("/ping", headers={"Origin": origin, "Access-Control-Request-Method": "POST"})
        assert preflight.status_code == 200, origin
        assert preflight.headers["access-control-allow-origin"] == origin
        assert c.post("/ping", headers={"Origin": origin}).status_code == 200
    for origin in ("http://localhost:3001", "http://127.0.0.1", "https://localhost:3000", "null"):
        assert c.post("/ping", headers={"Origin": origin}).status_code == 403, origin


def test_the_websocket_refuses_a_foreign_origin(tmp_path):
    c = client(tmp_path)
    with pytest.raises(WebSocketDisconnect) as refused:
        with c.websocket_connect("/_event", headers={"Origin": FOREIGN}):
            pass
    assert refused.value.code == 1008
    for headers in ({"Origin": "http://127.0.0.1:3000"}, {}):
        with c.websocket_connect("/_event", headers=headers) as ws:
            assert ws.receive_text() == "hello"


def test_allowed_origins():
    assert edge.allowed_origins("http://localhost:3000") == {
        "http://localhost:3000", "http://127.0.0.1:3000", "http://[::1]:3000"}
    assert edge.allowed_origins("https://Members.Example.com/") == {"https://members.example.com"}
    assert edge.allowed_origins("https://members.example.com:443") == {"https://members.example.com"}
    assert edge.allowed_origins("http://127.0.0.1") == {"http://localhost", "http://127.0.0.1", "http://[::1]"}


def test_the_policy_names_the_websocket_and_hashes_the_inline_scripts(tmp_path):
    (tmp_path / "index.html").write_text('<html><script>window.a = 1;</script><script src="/x.js"></script>'
                                         "<script type='module'>import('/y.js')</script></html>")
    (tmp_path / "login").mkdir()
    (tmp_path / "login" / "index.html").write_text("<script>\nwindow.b = 2;\n</script>")
    hashes = edge.inline_script_hashes(tmp_path)
    expected = {"'sha256-" + base64.b64encode(hashlib.sha256(code.encode()).digest()).decode() + "'"
                for code in ("window.a = 1;", "import('/y.js')", "\nwindow.b = 2;\n")}
    assert set(hashes) == expected
    assert edge.inline_script_hashes(tmp_path / "not-built") == ()
    csp = edge.policy_for(BASE, "http://localhost:8000", hashes).headers
    csp = dict(csp)[b"content-security-policy"].decode()
    assert "ws://localhost:8000" in csp and "ws://localhost:3000" in csp
    assert "[" not in csp  # a browser rejects an IPv6 literal as a source (an error in the console)
    for h in expected:
        assert h in re.search(r"script-src ([^;]*)", csp).group(1)


def test_no_page_asks_the_browser_to_eval():
    """``rx.call_script`` runs its code with eval(), which the policy forbids: pages use ``rx.run_script``."""
    root = Path(edge.__file__).parent
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py") if "call_script(" in p.read_text()]
    assert offenders == []


def test_the_pages_hashed_are_the_ones_served_from_the_working_directory(tmp_path, monkeypatch):
    """An app folder whose code is a link to this one (a deployment's, the cluster test's) serves its own
    export from ``./.web``; the policy must hash those pages, not this checkout's (or none at all)."""
    from reflex.utils.exec import get_frontend_mount

    monkeypatch.chdir(tmp_path)
    served = tmp_path / ".web" / "build" / "client"
    served.mkdir(parents=True)
    (served / "index.html").write_text("<script>window.here = 1;</script>")
    assert Path(get_frontend_mount().app.directory) == served  # what Reflex serves from here
    assert edge.static_dir() == served
    code = b"window.here = 1;"
    assert edge.inline_script_hashes(edge.static_dir()) == (
        "'sha256-" + base64.b64encode(hashlib.sha256(code).digest()).decode() + "'",)
