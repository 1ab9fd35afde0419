"""Browser tests of issue 11: production mode (demo off) from an operator's first day, and password reset.

The session's app (``conftest.app``) is switched, for this module only, to a
production configuration: demo mode off, a fresh data folder (a new, empty
database and secret key), ``SMTP_URL`` pointing to a real SMTP server
(aiosmtpd) in this process and ``RXAPP_BASE_URL`` to the app.  Settings are
read afresh (``settings.reset()``), so the backend in this process serves the
fresh database with demo mode off; the module puts everything back for the
other tests.  (The frontend is the session's build, which has the demo
pages; a real production build does not even register them.  Here they must
show the not-found page, which is what a customer would see either way.)

The operator's steps run as processes, as the README says to run them:
``migrate``, ``seed-if-empty``, ``banner``, ``load-catalog``, ``load-serials``,
``load-stores``, ``create-admin``.  The app's mail sender only starts when
``SMTP_URL`` is set at start-up, so this module runs the same sender
(``mail_sender.Sender``) in a thread, as the app's background task would.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.conftest import ROOT, log_in
from tests.e2e.test_accounts import PASSWORD, answer_captcha, make_account, unique_email
from tests.e2e.test_registration import wide_invoice

# Switches the in-process backend's settings to production: not in the distributed pass.
pytestmark = pytest.mark.in_process

EXAMPLES = ROOT / "examples"
ADMIN_EMAIL = "operator@example.com"
ADMIN_PASSWORD = "First-Admin-Pass-2026"
NEW_PASSWORD = "Fresh-Reset-Passw0rd-2026"
_ENV_KEYS = ("RXAPP_DATA_DIR", "RXAPP_DEMO", "SMTP_URL", "RXAPP_BASE_URL", "DATABASE_URL", "RXAPP_SECRET_KEY")


@dataclass
class Production:
    env: dict
    smtp: object
    start_output: str
    data_dir: Path


def cli(env, *args, stdin: str | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "rxapp.cli", *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=180)
    return done


def _clear_failed_logins():
    from rxapp import db
    from rxapp.models import LoginAttempt

    with db.session_scope() as s:
        s.execute(sa.delete(LoginAttempt).where(LoginAttempt.succeeded == sa.false()))


@pytest.fixture(scope="module")
def production(app, tmp_path_factory):
    from rxapp import settings
    from rxapp.services import mail_sender
    from tests.unit.test_mail_sender import SmtpServer

    saved = {k: os.environ.get(k) for k in _ENV_KEYS}
    smtp = SmtpServer()
    smtp.start()
    data_dir = tmp_path_factory.mktemp("production-data")
    for key in ("DATABASE_URL", "RXAPP_SECRET_KEY"):
        os.environ.pop(key, None)
    os.environ.update(RXAPP_DATA_DIR=str(data_dir), RXAPP_DEMO="0", SMTP_URL=f"smtp://127.0.0.1:{smtp.port}",
                      RXAPP_BASE_URL=app.frontend_url.rstrip("/"))
    settings.reset()
    env = dict(os.environ)
    env.pop("PYTEST_CURRENT_TEST", None)

    # The operator's first day, as the README's "Deployment" section runs it.
    output = []
    for args in (("migrate",), ("seed-if-empty",), ("banner", "--port", "3000")):
        done = cli(env, *args)
        assert done.returncode == 0, done.stderr
        output.append(done.stdout + done.stderr)
    for command, name in (("load-catalog", "catalog.csv"), ("load-serials", "serials.csv"),
                          ("load-stores", "stores.csv")):
        done = cli(env, command, str(EXAMPLES / name))
        assert done.returncode == 0, done.stderr
    done = cli(env, "create-admin", "--email", ADMIN_EMAIL, "--password-stdin", stdin=ADMIN_PASSWORD + "\n")
    assert done.returncode == 0, done.stderr

    stop = threading.Event()

    def deliver():
        sender = mail_sender.Sender()
        while not stop.is_set():
            try:
                sender.run_once()
            except Exception:  # noqa: BLE001 - keep delivering, as the app's task does
                pass
            stop.wait(0.3)

    thread = threading.Thread(target=deliver, daemon=True)
    thread.start()
    try:
        yield Production(env=env, smtp=smtp, start_output="\n".join(output), data_dir=data_dir)
    finally:
        stop.set()
        thread.join(timeout=10)
        smtp.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        settings.reset()


def mail_to(production, address: str, *, timeout: float = 30.0):
    """The newest email the SMTP server received for ``address`` (waits for it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with production.smtp.inbox.lock:
            found = [m for _f, rcpt, m in production.smtp.inbox.envelopes if address in rcpt]
        if found:
            return found[-1]
        time.sleep(0.2)
    raise AssertionError(f"no email for {address} within {timeout} s")


def reset_link(message) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"https?://\S+/password/reset\?token=\S+", text).group(0)


# --------------------------------------------------------------------------- demo off means no demo


def test_start_up_output_has_nothing_demo(production):
    from rxapp.services import demo_seed

    out = production.start_output
    assert "demo mode: off" in out and "demo logins" not in out
    for user in demo_seed.DEMO_USERS:
        assert user.email not in out and user.password not in out
    from rxapp import db
    from rxapp.models import User

    with db.session_scope() as s:
        assert [u.email for u in s.exec(sa.select(User)).scalars()] == [ADMIN_EMAIL]


def test_the_first_admin_reaches_the_reviewer_console_and_no_demo_kit_exists(production, site):
    log_in(site, ADMIN_EMAIL, ADMIN_PASSWORD, next_path="/admin")
    page = site.page
    page.wait_for_url(re.compile(r"/admin/?$"))
    expect(page.get_by_role("heading", name="Claim Queue")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Demo Kit|Personas|Mailbox|Sticker"))).to_have_count(0)
    expect(page.get_by_text("DEMO", exact=True)).to_have_count(0)
    for path in ("/demo", "/demo/mailbox", "/demo/stickers"):
        page = site.visit(path)
        expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
        expect(page.get_by_text("Personas & Reset")).to_have_count(0)


def test_a_new_customer_registers_a_serial_from_the_loaded_registry(production, site, tmp_path):
    with open(EXAMPLES / "serials.csv", newline="") as fh:
        unit = next(row for row in csv.DictReader(fh) if row["model"] == "MAG 274UPF")
    email = unique_email("prod-customer")
    page = site.visit("/signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm Password").fill(PASSWORD)
    page.get_by_label("First Name").fill("Pat")
    page.get_by_label("Region / Location").select_option("US")
    page.get_by_label(re.compile("Privacy Policy")).check()
    answer_captcha(page, "signup")
    page.get_by_role("button", name="Sign Up ›").click()
    page.wait_for_url(re.compile(r"/account/?$"))
    site.wait_ready()

    page = site.visit("/products/register")
    page.get_by_label("Monitor", exact=True).check()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Serial Number").fill(unit["serial"])
    expect(page.get_by_text(re.compile(r"^Found: "))).to_be_visible()
    expect(page.get_by_text("MAG 274UPF").first).to_be_visible()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("CHK").fill(unit["chk"])
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_label("Store Name")).to_be_visible()
    page.get_by_label("Region / Location").select_option("US")
    store = page.get_by_label("Store Name").locator("option").filter(has_text="Best Buy").first
    page.get_by_label("Store Name").select_option(store.get_attribute("value"))
    from rxapp import db
    from rxapp.services import clock

    with db.session_scope() as s:
        page.get_by_label("Purchase Date").fill(clock.today(s).isoformat())
    page.get_by_label("Retail store").check()
    page.get_by_label("Invoice Upload").set_input_files(wide_invoice(tmp_path, width=1200))
    expect(page.get_by_role("img", name="Invoice Upload preview")).to_be_visible()
    answer_captcha(page, "reg")
    page.get_by_role("button", name="Next").click()
    page.wait_for_url(re.compile(r"/products/?$"))
    site.wait_ready()
    expect(page.get_by_role("row").filter(has_text=unit["serial"])).to_contain_text("MAG 274UPF")


def test_an_unknown_address_gets_the_branded_page_with_a_way_back(production, site, app):
    with urllib.request.urlopen(app.frontend_url.rstrip("/") + "/favicon.ico") as response:
        assert response.status == 200 and len(response.read()) > 100
    site.expect_console_error(r"status of 404")  # the server says 404 for the unknown address itself
    page = site.visit("/no-such-page/here")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    page.get_by_role("link", name="Go to the home page ›").click()
    page.wait_for_url(re.compile(r"/$"))
    site.wait_ready()


# --------------------------------------------------------------------------- password reset


def test_forgot_password_by_email_ends_every_session_and_the_link_works_once(production, site, new_site):
    email = unique_email("forgetful")
    make_account(email)
    other = new_site()
    log_in(other, email, PASSWORD)  # a browser signed in before the reset

    page = site.visit("/login")
    page.get_by_role("link", name="Forgot password?").click()
    page.wait_for_url(re.compile(r"/password/forgot/?$"))
    site.wait_ready()
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Send me a link ›").click()
    expect(page.get_by_role("status").filter(has_text="If an account exists for")).to_be_visible()
    site.check_a11y()

    message = mail_to(production, email)
    assert "Reset your" in message["Subject"]
    link = reset_link(message)
    page = site.visit(link.replace(production.env["RXAPP_BASE_URL"], ""))
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    page.get_by_label("New Password", exact=True).fill("short")
    page.get_by_label("Confirm New Password").fill("short")
    page.get_by_role("button", name="Set new password ›").click()
    expect(page.get_by_text(re.compile("at least 10 characters"))).to_be_visible()
    page.get_by_label("New Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm New Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set new password ›").click()
    page.wait_for_url(re.compile(r"/login/?$"))
    expect(page.get_by_text(re.compile("Your new password is set"))).to_be_visible()

    # The other browser's session is over: its next page asks it to log in.
    other.page.goto(other.url("/account"))
    other.page.wait_for_url(re.compile(r"/login"))

    log_in(site, email, NEW_PASSWORD)
    page = site.visit(link.replace(production.env["RXAPP_BASE_URL"], ""))
    expect(page.get_by_role("alert").filter(has_text="already been used")).to_be_visible()
    expect(page.get_by_role("link", name="Ask for a new link ›")).to_be_visible()


def test_an_expired_link_is_refused_and_an_unknown_address_gets_the_same_answer(production, site):
    from rxapp import db
    from rxapp.models import User
    from rxapp.services import password_reset, signing

    email = unique_email("late")
    make_account(email)
    with db.session_scope() as s:
        user = s.execute(sa.select(User).where(User.email == email)).scalar_one()
        old = signing.sign(password_reset.PURPOSE, {"uid": user.id, "fp": password_reset.fingerprint(
            user.password_hash)}, password_reset.TTL_MINUTES * 60, now=time.time() - 3600)
    page = site.visit(f"/password/reset?token={old}")
    expect(page.get_by_role("alert").filter(has_text="has expired")).to_be_visible()
    expect(page.get_by_label("New Password", exact=True)).to_have_count(0)

    nobody = unique_email("nobody")
    page = site.visit("/password/forgot")
    page.get_by_label("Email").fill(nobody)
    page.get_by_role("button", name="Send me a link ›").click()
    expect(page.get_by_role("status").filter(has_text=f"If an account exists for {nobody}")).to_be_visible()
    time.sleep(2)
    with production.smtp.inbox.lock:
        assert not any(nobody in rcpt for _f, rcpt, _m in production.smtp.inbox.envelopes)


def test_accounts_a_demo_seed_made_earlier_cannot_log_in(production, site):
    """As if the database had been seeded in demo mode once: with demo mode off, no demo login works."""
    from rxapp import db
    from rxapp.services import demo_seed

    with db.session_scope() as s:
        demo_seed._seed_users(s)
    try:
        for user in demo_seed.DEMO_USERS:
            page = site.visit("/login")
            page.get_by_label("Email").fill(user.email)
            page.get_by_label("Password", exact=True).fill(user.password)
            page.get_by_role("button", name="Log in").click()
            expect(page.get_by_text("The email or password is incorrect.")).to_be_visible()
    finally:
        _clear_failed_logins()
