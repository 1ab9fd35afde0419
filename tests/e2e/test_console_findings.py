"""Issue 14, the reviewers' findings (10-13), in a browser: where a reviewer lands, a search the
status filter hides, the undo window before a code is issued, unsent reasons kept per claim, the
stock line that adds up and a readable daily chart."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, DEMO_CUSTOMER, log_in
from tests.factories.flows import approve, create_claim

REVIEWER = ("reviewer@member-center.test", "reviewer-2021")
ADMIN = ("admin@member-center.test", "admin-2021")


def _claim_status(claim_id: int) -> tuple[str, bool]:
    """(the claim's status, whether its code is issued), as the database holds them now."""
    from sqlmodel import select

    from rxapp import db
    from rxapp.models import PromotionCode, Redemption

    with db.session_scope() as s:
        status = s.get(Redemption, claim_id).status.value
        code = s.exec(select(PromotionCode).where(PromotionCode.redemption_id == claim_id)).first()
        return status, bool(code and code.issued_at)


def _wait_for_status(claim_id: int, status: str, *, within: float = 30.0) -> tuple[str, bool]:
    """Poll the database until the claim reaches ``status`` (or ``within`` seconds pass)."""
    end = time.monotonic() + within
    found = _claim_status(claim_id)
    while found[0] != status and time.monotonic() < end:
        time.sleep(0.25)
        found = _claim_status(claim_id)
    return found


# --------------------------------------------------------------------------- 10: where log-in lands


def test_a_reviewer_lands_on_the_queue_a_customer_on_the_overview_and_next_wins(site, new_site, app):
    log_in(site, *REVIEWER)
    expect(site.page).to_have_url(re.compile(r"/admin/?$"))
    expect(site.page.get_by_role("heading", name="Claim Queue")).to_be_visible()

    admin = new_site()
    log_in(admin, *ADMIN, next_path="/admin/insights")
    expect(admin.page).to_have_url(re.compile(r"/admin/insights/?$"))
    expect(admin.page.get_by_role("heading", name="Insights")).to_be_visible()

    # A next= that leaves the site is ignored: the reviewer still lands on the queue.
    stray = new_site()
    log_in(stray, *REVIEWER, next_path="%2F%2Fevil.example%2Fadmin")
    expect(stray.page).to_have_url(re.compile(r"^" + re.escape(app.frontend_url.rstrip("/")) + r"/admin/?$"))

    customer = new_site()
    log_in(customer, *DEMO_CUSTOMER)
    expect(customer.page).to_have_url(re.compile(r"/account/?$"))
    expect(customer.page.get_by_role("heading", name="Account Overview")).to_be_visible()


# --------------------------------------------------------------------------- 11: a search the status filter hides


def test_searching_an_email_says_which_status_hides_the_claim_and_shows_it_in_one_click(site, make_claim):
    claim = make_claim()
    approve(claim["id"])
    log_in(site, *REVIEWER)
    page = site.visit("/admin")
    page.get_by_label("Search").fill(claim["email"])
    page.get_by_role("button", name="Apply filters").click()
    hint = page.get_by_role("status").filter(has_text="hidden by the Status filter")
    expect(hint).to_contain_text("1 claim matching")
    expect(hint).to_contain_text("Approved (1)")
    site.check_a11y()
    page.get_by_role("button", name="Show all statuses").click()
    rows = page.get_by_role("table").get_by_role("row")
    expect(rows).to_have_count(2)  # header + the approved claim
    expect(rows.nth(1)).to_contain_text(claim["email"])
    expect(rows.nth(1)).to_contain_text("Approved")
    expect(page.get_by_label("Status", exact=True)).to_have_value("all")
    expect(page.get_by_label("Search")).to_have_value(claim["email"])
    expect(hint).to_have_count(0)


@pytest.fixture()
def make_claim(app):
    return create_claim


# --------------------------------------------------------------------------- 12: undo before a code is issued


@pytest.fixture()
def undo_window(app, monkeypatch):
    """Set the undo window (seconds) of the app under test (its backend runs in this process), so that a
    loaded machine's slow steps never race it."""
    from rxapp.services import pending_approvals
    from tests import distributed

    if distributed.ACTIVE:
        pytest.skip("sets the undo window of a backend in this process (the distributed pass has none)")

    return lambda seconds: monkeypatch.setattr(pending_approvals, "UNDO_SECONDS", seconds)


def test_approve_waits_a_few_seconds_with_undo_before_the_code_is_issued(site, make_claim, undo_window):
    claim = make_claim()
    log_in(site, *REVIEWER)
    page = site.visit(f"/admin/claim?id={claim['id']}")
    undo_window(120)
    page.get_by_role("button", name="Approve").click()
    pending = page.get_by_role("status").filter(has_text="Approved — code will be issued in")
    expect(pending).to_be_visible()
    site.check_a11y()
    shots = ARTIFACTS / "console-shots"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "claim-undo-desktop.png"), full_page=True)
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_role("status").filter(has_text="Approval undone")).to_be_visible()
    expect(page.get_by_role("button", name="Approve")).to_be_visible()
    assert _claim_status(claim["id"]) == ("under_review", False)

    # Approved for good: once the window ends, the code is issued and the page says so.
    undo_window(3)
    page.get_by_role("button", name="Approve").click()
    expect(pending).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Approved: Redeem Success.")).to_be_visible(timeout=30_000)
    expect(page.locator("#issued-code")).to_have_text(re.compile(r"^GAME-[A-Z0-9]{4}-[A-Z0-9]{4}$"))
    assert _claim_status(claim["id"]) == ("approved", True)


def test_an_approval_is_issued_even_when_the_reviewer_closes_the_tab(new_site, make_claim):
    claim = make_claim()
    reviewer = new_site()
    log_in(reviewer, *REVIEWER)
    page = reviewer.visit(f"/admin/claim?id={claim['id']}")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("button", name="Undo")).to_be_visible()
    assert _claim_status(claim["id"]) == ("under_review", False)
    page.context.close()
    assert _wait_for_status(claim["id"], "approved") == ("approved", True)


def test_bulk_approve_waits_a_few_seconds_with_one_undo_for_the_batch(site, undo_window):
    first, second = create_claim(email_prefix="bulk-undo"), create_claim(email_prefix="bulk-undo")
    log_in(site, *REVIEWER)
    page = site.visit("/admin")
    page.get_by_label("Search").fill("bulk-undo-")
    page.get_by_role("button", name="Apply filters").click()
    rows = page.get_by_role("table").get_by_role("row")
    expect(rows).to_have_count(3)  # header + the two claims

    def tick_both_and_approve() -> None:
        for claim in (first, second):
            page.get_by_label(f"Select claim #{claim['id']}").check()
        page.get_by_role("button", name="Approve selected").click()

    undo_window(120)
    tick_both_and_approve()
    pending = page.get_by_role("status").filter(has_text=re.compile(r"^Approved #\d+, #\d+ — committed in \d+ s"))
    expect(pending).to_contain_text(f"#{first['id']}")
    expect(pending).to_contain_text(f"#{second['id']}")
    expect(pending).to_contain_text("Until then no code is issued and nothing is sent.")
    site.check_a11y()
    assert _claim_status(first["id"]) == _claim_status(second["id"]) == ("under_review", False)
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_role("status").filter(has_text="Approval undone for 2 of 2 claims")).to_be_visible()
    expect(pending).to_have_count(0)
    expect(page.get_by_role("button", name="Undo")).to_have_count(0)
    assert _claim_status(first["id"]) == _claim_status(second["id"]) == ("under_review", False)

    # Approved for good: once the window ends, both codes are issued and the page says so per claim.
    undo_window(3)
    tick_both_and_approve()
    expect(pending).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Bulk approve committed: 2 of 2 claims approved.")
           ).to_be_visible(timeout=30_000)
    expect(page.locator("#bulk-report")).to_contain_text("Approved: Redeem Success. Code GAME-")
    expect(page.get_by_role("button", name="Undo")).to_have_count(0)
    assert _claim_status(first["id"]) == _claim_status(second["id"]) == ("approved", True)


def test_a_reason_being_typed_is_kept_when_moving_with_j_and_k(site, make_claim, undo_window):
    first = make_claim()
    make_claim()  # the next claim in the queue
    log_in(site, *REVIEWER)
    page = site.visit(f"/admin/claim?id={first['id']}")
    expect(page.get_by_role("link", name="Next claim (J) ›")).to_be_visible()
    reason = page.get_by_label("Reason for rejection")
    reason.fill("The invoice looks edited.")
    reason.blur()
    page.keyboard.press("j")
    page.wait_for_url(lambda url: f"id={first['id']}" not in url)
    expect(page.get_by_role("heading", name=re.compile(r"^Claim #"))).not_to_have_text(f"Claim #{first['id']}")
    expect(page.get_by_role("status").filter(has_text=f"unsent reason for claim #{first['id']} is kept")).to_be_visible()
    expect(page.get_by_label("Reason for rejection")).to_have_value("")
    page.keyboard.press("k")
    page.wait_for_url(re.compile(rf"id={first['id']}$"))
    expect(page.get_by_role("heading", name=f"Claim #{first['id']}")).to_be_visible()
    expect(page.get_by_label("Reason for rejection")).to_have_value("The invoice looks edited.")
    # Keyboard shortcuts still work: A approves (with its undo window), U undoes.
    undo_window(120)
    page.keyboard.press("a")
    expect(page.get_by_role("button", name="Undo")).to_be_visible()
    page.keyboard.press("u")
    expect(page.get_by_role("status").filter(has_text="Approval undone")).to_be_visible()


# --------------------------------------------------------------------------- 13: stock line and daily chart


def test_the_stock_line_adds_up(site):
    from sqlmodel import select

    from rxapp import db
    from rxapp.models import Promotion
    from rxapp.services import codes

    log_in(site, *ADMIN)
    page = site.visit("/admin/promotions")
    with db.session_scope() as s:
        promo = s.exec(select(Promotion).where(Promotion.slug == "game-on-bundle")).one()
        stock = codes.stock(session=s, promotion_id=promo.id)
    row = page.get_by_role("row").filter(has_text="Game On Bundle")
    line = row.get_by_text(re.compile(r"available · \d+ reserved · \d+ issued · of \d+"))
    expect(line).to_be_visible()
    available, reserved, issued, total = map(int, re.findall(r"\d+", line.inner_text()))
    assert available + reserved + issued == total == stock["total"]
    assert (available, issued) == (stock["available"], stock["issued"])


BARS = ".recharts-bar-rectangle"


def _widest_bar(chart) -> float:
    return chart.evaluate(
        "(el, sel) => Math.max(0, ...Array.from(el.querySelectorAll(sel)).map(e => e.getBoundingClientRect().width))",
        BARS,
    )


@pytest.mark.parametrize(("width", "least"), [(1366, 12), (390, 5)])
def test_the_daily_chart_has_readable_bars_and_labelled_axes(site, make_claim, width, least):
    make_claim()
    log_in(site, *ADMIN)
    site.page.set_viewport_size({"width": width, "height": 900})
    page = site.visit("/admin/insights")
    # The card of the claims chart, found by its heading.
    chart = page.get_by_role("heading", name=re.compile(r"^Claims per (day|week|month)")).locator("xpath=..")
    expect(chart.locator(BARS).first).to_be_attached()
    assert _widest_bar(chart) >= least, f"bars are {_widest_bar(chart):.1f} px wide"
    expect(chart.get_by_text("Claims", exact=True)).to_be_visible()
    expect(chart.get_by_text("Day", exact=True)).to_be_visible()
    shots = ARTIFACTS / "console-shots"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"insights-{width}.png"), full_page=True)
    # A year is shown per month: bars stay readable.
    page.get_by_label("Period").select_option(label="Last 365 days")
    expect(chart.get_by_text("Month", exact=True)).to_be_visible()
    expect(chart.locator(BARS).first).to_be_attached()
    assert _widest_bar(chart) >= least, f"bars are {_widest_bar(chart):.1f} px wide (365 days)"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width


# --------------------------------------------------------------------------- the changed pages, desktop and phone


@pytest.mark.parametrize("width", [1366, 390])
def test_the_changed_console_pages_fit_desktop_and_phone(site, make_claim, undo_window, width):
    """Screenshots of the changed console pages (artifacts/console-shots), and no sideways scrolling."""
    hidden, waiting = make_claim(), make_claim()
    approve(hidden["id"])
    log_in(site, *REVIEWER)
    page = site.page
    page.set_viewport_size({"width": width, "height": 900})
    shots = ARTIFACTS / "console-shots"
    shots.mkdir(parents=True, exist_ok=True)

    def shot(name: str) -> None:
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width, f"{name} scrolls sideways"
        page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)

    site.visit("/admin")
    page.get_by_label("Search").fill(hidden["email"])
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("button", name="Show all statuses")).to_be_visible()
    shot("queue-hidden-search")

    # On a phone the claim page's Timeline and Emails tables scroll inside Radix scroll areas that are
    # not keyboard-focusable (axe: scrollable-region-focusable), as before this change: checked at 1366 only.
    site.visit(f"/admin/claim?id={waiting['id']}", check_a11y=width > 600)
    undo_window(120)
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("button", name="Undo")).to_be_visible()
    shot("claim-pending-approval")
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_role("button", name="Approve")).to_be_visible()

    site.visit("/admin/promotions")
    # The promotion's stock row (the page's "Automatic decisions" table has a row of that name too).
    expect(page.get_by_role("row").filter(has_text="Game On Bundle").filter(has_text="available")).to_have_count(1)
    shot("promotions-stock")
    site.visit("/admin/insights")
    expect(page.get_by_role("heading", name="Claims per day: submitted and decided")).to_be_visible()
    shot("insights")
