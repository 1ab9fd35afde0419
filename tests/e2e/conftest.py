"""Browser tests: the production build of the app, driven by Playwright in Chromium.

One app per test session (``reflex.testing.AppHarnessProd``: the frontend is
exported for production and served, as ``make run`` serves it, by the backend
running in this process, on one port: ``single_port_harness``), on its own
data folder with migrations applied and demo data seeded through the
services.  Every page a test visits through ``visit`` is checked with
axe-core; any console error, uncaught page error or Content-Security-Policy
violation fails the test; a failing test leaves a screenshot in
``artifacts/``.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
AXE_JS = ROOT / "tools" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


# Waits are bounds, not timings: a busy machine (the suite beside another app, issue 14's finding 8) may
# take seconds to read an invoice or push an update, and a wait that gives up early fails a working flow.
# One place sets them for every browser a test opens (``open_context``).
EXPECT_TIMEOUT_MS = 20_000
ACTION_TIMEOUT_MS = 30_000
NAVIGATION_TIMEOUT_MS = 60_000
expect.set_options(timeout=EXPECT_TIMEOUT_MS)


def open_context(browser, **options):
    """A new browser context (its own storage) with the suite's waits and console watch."""
    options.setdefault("viewport", {"width": 1280, "height": 900})
    ctx = browser.new_context(**options)
    ctx.set_default_timeout(ACTION_TIMEOUT_MS)
    ctx.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    watch_console(ctx)
    return ctx


@pytest.fixture(autouse=True)
def _real_date_after_each_test(request):
    """A demo date set by a test (or left by one that failed half-way) never moves "today" for the next:
    promotions would end and seeded claims fail their rules in unrelated tests."""
    yield
    if "app" not in request.fixturenames:
        return
    from rxapp import db
    from rxapp.services import clock

    with db.session_scope() as s:
        if clock.demo_date(s) is not None:
            clock.set_demo_date(s, None)


def _axe_source() -> str:
    """axe-core's source: evaluated, it defines ``window.axe``."""
    return AXE_JS.read_text(encoding="utf-8")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


@pytest.fixture(scope="session")
def app_data_dir(tmp_path_factory) -> Path:
    """Environment for the app under test: its own data folder, demo mode on.

    SQLite in this process; in the distributed pass (``tests/distributed.py``)
    a PostgreSQL database and a Redis db of this run's own.
    """
    from rxapp import db, settings
    from tests import distributed

    data_dir = tmp_path_factory.mktemp("e2e-data")
    os.environ["RXAPP_DATA_DIR"] = str(data_dir)
    os.environ["RXAPP_DEMO"] = "1"
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("SMTP_URL", None)
    if distributed.ACTIVE:
        # What every host shares: the database, Redis, the private files, the keys.
        os.environ["DATABASE_URL"] = distributed.new_database(tag="e2e")
        os.environ["REDIS_URL"] = distributed.claim_redis_db()
        os.environ["RXAPP_FILES_DIR"] = str(data_dir / "shared-files")
        os.environ["RXAPP_SECRET_KEY"] = secrets.token_urlsafe(48)
        os.environ["RXAPP_PRESENTER_PASSCODE"] = secrets.token_hex(5)
    settings.reset()
    db.dispose_all()
    db.migrate()
    from rxapp.services import demo_seed

    with db.session_scope() as s:
        demo_seed.seed(session=s)
    yield data_dir
    if distributed.ACTIVE:
        db.dispose_all()
        distributed.release_redis_db(os.environ["REDIS_URL"])


EXPORT_ATTEMPTS = 4


def single_port_harness():
    """``AppHarnessProd`` serving the app as ``make run`` does: on one port, the backend serving the export.

    Reflex's harness serves the exported pages from a second, bare static
    server; here (as with ``reflex run --env prod --single-port``) the
    backend serves them itself, so every page, asset and route goes through
    the app's own ASGI stack, its edge (``rxapp/edge.py``) included, and the
    page's websocket is same-origin.  ``RXAPP_BASE_URL`` is that address.
    """
    import contextlib

    import reflex.reflex
    from reflex.testing import AppHarnessProd
    from reflex.utils import prerequisites
    from reflex.utils.exec import get_frontend_mount
    from reflex.utils.export import export
    from reflex_base import constants
    from reflex_base.config import get_config

    from rxapp import settings

    class SinglePortHarness(AppHarnessProd):
        def _start_frontend(self):
            with contextlib.chdir(self.app_path):
                config = get_config()
                own = "http://{}:{}".format(*self._poll_for_servers(timeout=30).getsockname())
                config.api_url = own
                os.environ["RXAPP_BASE_URL"] = own
                settings.reset()
                config.loglevel = constants.LogLevel.INFO
                prerequisites.assert_in_reflex_dir()
                if prerequisites.needs_reinit():
                    reflex.reflex._init(name=config.app_name)
                for attempt in range(1, EXPORT_ATTEMPTS + 1):
                    try:
                        export(zipping=False, frontend=True, backend=False, loglevel=constants.LogLevel.INFO,
                               env=constants.Env.PROD)
                        break
                    except SystemExit:
                        # React Router's prerender gives each page 10 s (not configurable); on a loaded
                        # machine the first, cold page can miss that. Nothing is wrong with the app then.
                        if attempt == EXPORT_ATTEMPTS:
                            raise
                # What App.__call__ mounts under REFLEX_MOUNT_FRONTEND_COMPILED_APP (--single-port).
                self.app_instance._api.routes.append(get_frontend_mount(router=self.app_instance.router))

        def _wait_frontend(self):
            config = get_config()
            self.frontend_url = config.api_url + config.prepend_frontend_path("/")
            config.deploy_url = self.frontend_url

    return SinglePortHarness


@pytest.fixture(scope="session")
def app(app_data_dir):
    """The production build: in this process (AppHarnessProd), or two instances behind nginx."""
    from tests import distributed

    if distributed.ACTIVE:
        from tests.e2e.cluster import Cluster

        keys = ("RXAPP_DEMO", "DATABASE_URL", "REDIS_URL", "RXAPP_FILES_DIR", "RXAPP_SECRET_KEY",
                "RXAPP_PRESENTER_PASSCODE")
        cluster = Cluster({k: os.environ[k] for k in keys}, instances=2, workers=1)
        cluster.start()
        os.environ["RXAPP_BASE_URL"] = cluster.frontend_url.rstrip("/")
        try:
            yield cluster
        finally:
            cluster.stop()
        return

    with single_port_harness().create(root=ROOT, app_name="rxapp") as harness:
        yield harness


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
            ],
        )
        yield browser
        browser.close()


class Site:
    """A browser tab on the app under test."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url.rstrip("/")
        self.a11y_checked: set[str] = set()

    def expect_console_error(self, pattern: str) -> None:
        """This test provokes a console error matching ``pattern`` on purpose (it does not fail it)."""
        self.page.context._mc_console_allowed.append(pattern)

    def url(self, path: str) -> str:
        return self.base_url + path

    def wait_ready(self) -> None:
        """Wait until the websocket is up and the page's on_load events have run."""
        self.page.wait_for_selector("#app-ready", state="attached", timeout=30_000)

    def visit(self, path: str, *, check_a11y: bool = True):
        self.page.goto(self.url(path))
        self.wait_ready()
        if check_a11y:
            self.check_a11y()
        return self.page

    def check_a11y(self) -> None:
        """Fail on serious or critical axe-core violations of the current page."""
        path = re.sub(r"\?.*$", "", self.page.url)
        # Evaluated through the driver, not added as an inline <script> (the app's CSP refuses those).
        self.page.evaluate(_axe_source())
        result = self.page.evaluate(
            "async () => await axe.run(document, {resultTypes: ['violations']})"
        )
        bad = [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]
        details = [
            f"{v['id']} ({v['impact']}): {v['help']} -> "
            + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:5])
            for v in bad
        ]
        assert not bad, f"accessibility violations on {path}:\n" + "\n".join(details)
        self.a11y_checked.add(path)


# Every Content-Security-Policy violation of a page is reported to the test (and counted in the page).
CSP_LISTENER = """
window.__mcCspViolations = 0;
document.addEventListener("securitypolicyviolation", (e) => {
  window.__mcCspViolations += 1;
  const where = e.sourceFile ? ` at ${e.sourceFile}:${e.lineNumber}` : "";
  window.__mcCspViolation?.(`${e.effectiveDirective} blocked ${e.blockedURI || "(inline)"}${where}`);
});
"""
CSP_VIOLATION = "CSP violation: "


def watch_console(ctx) -> list[str]:
    """Collect every console error, uncaught page error and CSP violation of every page of ``ctx``.

    A test fails on any of them (``check_console``): the favicon's 404 was
    one.  A test that provokes a console error on purpose says so first with
    ``site.expect_console_error(pattern)``; a CSP violation cannot be excused.
    """
    errors: list[str] = []
    ctx._mc_console_errors = errors
    ctx._mc_console_allowed = []
    ctx.expose_binding("__mcCspViolation",
                       lambda source, text: errors.append(f"{CSP_VIOLATION}{text} (on {source['page'].url})"))
    ctx.add_init_script(CSP_LISTENER)

    def watch(page):
        page.on("console", lambda msg: errors.append(f"console error: {msg.text} (on {page.url})")
                if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(f"page error: {exc} (on {page.url})"))

    ctx.on("page", watch)
    return errors


def check_console(ctx) -> None:
    allowed = getattr(ctx, "_mc_console_allowed", [])
    errors = [e for e in getattr(ctx, "_mc_console_errors", [])
              if e.startswith(CSP_VIOLATION) or not any(re.search(p, e) for p in allowed)]
    violations = [e for e in errors if e.startswith(CSP_VIOLATION)]
    if violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(violations[:20]), pytrace=False)
    if errors:
        pytest.fail("errors in the browser console:\n" + "\n".join(errors[:20]), pytrace=False)


@pytest.fixture()
def context(browser, request):
    ctx = open_context(browser)
    yield ctx
    passed = getattr(request.node, "rep_call", None)
    if passed is not None and passed.passed:
        try:
            check_console(ctx)
        finally:
            ctx.close()
        return
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
        for i, pg in enumerate(ctx.pages):
            try:
                pg.screenshot(path=str(ARTIFACTS / f"{name}-{i}.png"), full_page=True)
            except Exception:  # noqa: BLE001 - best effort
                pass
    ctx.close()


@pytest.fixture()
def site(app, context) -> Site:
    return Site(context.new_page(), app.frontend_url)


@pytest.fixture()
def new_site(app, browser, request):
    """A factory for extra, independent browsers (own storage): `other = new_site()`."""
    contexts = []

    def make() -> Site:
        ctx = open_context(browser)
        contexts.append(ctx)
        return Site(ctx.new_page(), app.frontend_url)

    yield make
    passed = getattr(request.node, "rep_call", None)
    try:
        if passed is not None and passed.passed:
            for ctx in contexts:
                check_console(ctx)
    finally:
        for ctx in contexts:
            ctx.close()


DEMO_CUSTOMER = ("demo@member-center.test", "demo-customer-2021")


def log_in(site: Site, email: str, password: str, *, next_path: str | None = None) -> None:
    """Log in through the form, as a person would."""
    page = site.visit("/login" + (f"?next={next_path}" if next_path else ""))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login" not in url, timeout=20_000)
    site.wait_ready()


@pytest.fixture()
def customer_site(site) -> Site:
    """A browser signed in as the demo customer."""
    log_in(site, *DEMO_CUSTOMER)
    return site
