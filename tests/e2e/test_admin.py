"""The reviewer console in a browser: access, queue, evidence, decisions, keyboard, two reviewers."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from rxapp import db
from rxapp.models import Redemption
from tests.factories.flows import CUSTOMER_PASSWORD, approve, create_claim
from tests.e2e.conftest import ARTIFACTS, log_in, open_context

REVIEWER = ("reviewer@member-center.test", "reviewer-2021")
ADMIN = ("admin@member-center.test", "admin-2021")
TEMPLATE = "Please provide the invoice with your product name on it, thanks."


@pytest.fixture()
def make_claim(app):
    """A fresh claim under review (its own customer, a real invoice image and S/N photo), via the services."""
    return create_claim


def test_a_customer_is_sent_away_from_the_console(customer_site, make_claim):
    claim = make_claim()
    site = customer_site
    for path in ("/admin", f"/admin/claim?id={claim['id']}", "/admin/users"):
        page = site.visit(path, check_a11y=False)
        page.wait_for_url(re.compile(r"/account/?$"))
        site.wait_ready()
        expect(page.get_by_text("The reviewer console is for reviewers only.")).to_be_visible()
        expect(page.locator("body")).not_to_contain_text(claim["serial"])
        expect(page.get_by_role("button", name="Approve selected")).to_have_count(0)


def test_reviewer_filters_opens_a_claim_and_asks_for_the_invoice(site, make_claim):
    claim = make_claim()
    make_claim()  # another claim the search must leave out
    log_in(site, *REVIEWER)
    page = site.visit("/admin")
    expect(page.get_by_role("heading", name="Claim Queue")).to_be_visible()
    page.get_by_label("Search").fill(claim["serial"].lower())
    expect(page.get_by_label("Search")).to_have_value(claim["serial"].lower())
    page.get_by_role("button", name="Apply filters").click()
    rows = page.get_by_role("table").get_by_role("row")
    expect(rows).to_have_count(2)  # header + the one claim
    expect(rows.nth(1)).to_contain_text(claim["email"])

    # The export link streams the filtered queue as CSV (signed, for this reviewer).
    href = page.get_by_role("link", name="Export CSV").get_attribute("href")
    csv = page.request.get(href)
    assert csv.status == 200 and "text/csv" in csv.headers["content-type"]
    lines = csv.text().strip().splitlines()
    assert lines[0].startswith("claim_id,") and len(lines) == 2 and claim["serial"] in lines[1]
    assert page.request.get(href[:-3] + "AAA").status == 404

    page.get_by_role("link", name=f"#{claim['id']}", exact=True).click()
    page.wait_for_url(re.compile(rf"/admin/claim/?\?id={claim['id']}$"))
    expect(page.get_by_role("heading", name=f"Claim #{claim['id']}")).to_be_visible()
    invoice = page.locator("#img-invoice")
    expect(invoice).to_be_visible()
    page.wait_for_function("() => { const i = document.getElementById('img-invoice');"
                           " return i && i.complete && i.naturalWidth > 0; }")
    page.wait_for_function("() => { const i = document.getElementById('img-serial');"
                           " return i && i.complete && i.naturalWidth > 0; }")
    expect(page.get_by_text(claim["serial"], exact=True)).to_be_visible()
    expect(page.get_by_text("Keyboard: A approve · N needs info · R reject · J next · K previous")).to_be_visible()
    site.check_a11y()

    # Zoom and rotate the invoice (in the browser only).
    page.get_by_role("button", name="Zoom in Invoice").click()
    expect(invoice).to_have_attribute("data-z", "1.5")
    page.get_by_role("button", name="Rotate Invoice").click()
    # The frame turns: the picture with the evidence outlines drawn over it.
    expect(page.locator("#img-invoice-frame")).to_have_attribute("style", re.compile(r"rotate\(90deg\)"))

    page.get_by_label("Reason template").select_option(label=TEMPLATE)
    expect(page.get_by_label("Reason for the customer")).to_have_value(TEMPLATE)
    expect(page.get_by_label("Missing document")).to_have_value("invoice")
    page.get_by_role("button", name="Ask for information").click()
    expect(page.get_by_role("status").filter(has_text="Asked the customer for information.")).to_be_visible()
    timeline = page.locator("#claim-timeline")
    expect(timeline).to_contain_text("Under review → Needs info")
    expect(timeline).to_contain_text(TEMPLATE)
    expect(timeline).to_contain_text(REVIEWER[0])


def test_reviewer_approves_with_the_keyboard_and_a_code_is_issued(site, make_claim):
    claim = make_claim()
    log_in(site, *REVIEWER)
    page = site.visit(f"/admin/claim?id={claim['id']}")
    expect(page.get_by_role("button", name="Approve")).to_be_visible()
    # Typing an "a" in a reason box is text, not a decision.
    page.get_by_label("Reason for rejection").fill("a")
    page.get_by_label("Reason for rejection").press("a")
    expect(page.get_by_role("button", name="Approve")).to_be_visible()
    page.get_by_label("Reason for rejection").blur()
    page.keyboard.press("a")
    # The approval waits out its undo window (issue 14, finding 12), then the code is issued.
    expect(page.get_by_role("status").filter(has_text="Approved — code will be issued in")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Approved: Redeem Success.")).to_be_visible(timeout=30_000)
    expect(page.locator("#issued-code")).to_have_text(re.compile(r"^GAME-[A-Z0-9]{4}-[A-Z0-9]{4}$"))
    expect(page.locator("#claim-timeline")).to_contain_text("Under review → Approved")

    from rxapp import db
    from rxapp.models import PromotionCode, Redemption
    from sqlmodel import select

    with db.session_scope() as s:
        assert s.get(Redemption, claim["id"]).status.value == "approved"
        code = s.exec(select(PromotionCode).where(PromotionCode.redemption_id == claim["id"])).one()
        assert code.issued_at is not None


def test_two_reviewers_deciding_one_claim_the_second_is_told_who_won(site, new_site, make_claim):
    claim = make_claim()
    other = new_site()
    log_in(site, *REVIEWER)
    log_in(other, *ADMIN)
    first = site.visit(f"/admin/claim?id={claim['id']}")
    second = other.visit(f"/admin/claim?id={claim['id']}")
    expect(first.get_by_role("button", name="Approve")).to_be_visible()
    expect(second.get_by_role("button", name="Approve")).to_be_visible()

    first.get_by_role("button", name="Approve").click()
    # Committed when the undo window ends (issue 14, finding 12).
    expect(first.get_by_role("status").filter(has_text="Approved: Redeem Success.")).to_be_visible(timeout=30_000)

    second.get_by_label("Reason for rejection").fill("The invoice looks edited.")
    second.get_by_role("button", name="Reject").click()
    told = second.get_by_role("status").filter(has_text="Already decided by")
    expect(told).to_contain_text(f"Already decided by {REVIEWER[0]} at ")
    expect(told).to_contain_text("Redeem Success")
    # The loser's page now shows the decision that stands.
    expect(second.get_by_text("Decided:")).to_be_visible()


def test_reviewer_ships_a_physical_prize_and_the_customer_sees_it_live(site, new_site):
    claim = create_claim(promotion="gear-up-backpack", category="laptop", email_prefix="e2e-ship")
    approve(claim["id"])
    tracking = "1Z999AA10123456784"
    # The customer keeps Redeem History open in their own browser.
    customer = new_site()
    log_in(customer, claim["email"], CUSTOMER_PASSWORD)
    history = customer.visit("/promotions/history")
    row = history.get_by_role("row").filter(has_text="Gear Up Backpack")
    expect(row).to_contain_text("Redeem Success")
    expect(row).to_contain_text("Preparing your prize")

    log_in(site, *REVIEWER)
    page = site.visit(f"/admin/claim?id={claim['id']}")
    state = page.locator("#shipping-state")
    expect(state).to_have_text("State: Preparing")
    # Shipped needs the tracking number: said next to the field, nothing saved.
    page.get_by_role("button", name="Mark as shipped").click()
    expect(page.locator("#ship-tracking-error")).to_contain_text("tracking number")
    expect(state).to_have_text("State: Preparing")
    shots = ARTIFACTS / "admin-shots"
    shots.mkdir(parents=True, exist_ok=True)
    page.locator("#shipping-panel").screenshot(path=str(shots / "shipping-panel-error.png"))
    page.get_by_label("Tracking number").fill(tracking)
    page.get_by_role("button", name="Mark as shipped").click()
    done = page.get_by_role("status").filter(has_text=f"Shipping: Shipped · tracking {tracking}.")
    expect(done).to_be_visible()
    expect(state).to_have_text(f"State: Shipped · tracking {tracking}")
    expect(page.locator("#claim-timeline")).to_contain_text(f"Shipping: shipped (tracking {tracking})")
    expect(page.locator("#claim-timeline")).to_contain_text(REVIEWER[0])
    site.check_a11y()
    page.locator("#shipping-panel").screenshot(path=str(shots / "shipping-panel.png"))

    # The customer's open page follows without a reload.
    expect(row).to_contain_text(f"Shipped · tracking {tracking}", timeout=15_000)
    customer.page.screenshot(path=str(shots / "shipping-history.png"), full_page=True)

    page.get_by_role("button", name="Mark as delivered").click()
    expect(state).to_have_text(f"State: Delivered · tracking {tracking}")
    expect(page.get_by_role("button", name="Mark as delivered")).to_have_count(0)
    expect(row).to_contain_text(f"Delivered · tracking {tracking}", timeout=15_000)


def test_console_pages_on_desktop_and_phone(site, browser, app, make_claim):
    """Every console page renders for the admin and passes axe; screenshots for a look."""
    claim = make_claim()
    log_in(site, *ADMIN)
    shots = ARTIFACTS / "admin-shots"
    shots.mkdir(parents=True, exist_ok=True)
    pages = {
        "queue": "/admin",
        "claim": f"/admin/claim?id={claim['id']}",
        "promotions": "/admin/promotions",
        "templates": "/admin/templates",
        "insights": "/admin/insights",
        "users": "/admin/users",
    }
    for name, path in pages.items():
        page = site.visit(path)
        expect(page.locator("main h1")).to_be_visible()
        expect(page.locator("body")).not_to_contain_text("Traceback")
        page.screenshot(path=str(shots / f"{name}-desktop.png"), full_page=True)
    token = site.page.evaluate("() => window.localStorage.getItem('mc_session')")
    phone = open_context(browser, viewport={"width": 390, "height": 844})
    try:
        p = phone.new_page()
        p.goto(app.frontend_url.rstrip("/") + "/")
        p.evaluate("t => window.localStorage.setItem('mc_session', t)", token)
        for name, path in pages.items():
            p.goto(app.frontend_url.rstrip("/") + path)
            p.wait_for_selector("#app-ready", state="attached")
            expect(p.locator("main h1")).to_be_visible()
            p.screenshot(path=str(shots / f"{name}-phone.png"), full_page=True)
    finally:
        phone.close()


def test_the_claim_offers_the_templates_in_the_customer_s_language_first(site, make_claim):
    """Issue 16, part 5: a German customer's claim lists the German template first, marked "Deutsch"; picking
    it puts its text in the reason as written; the templates page shows and edits each template's language."""
    from sqlmodel import select

    from rxapp import db
    from rxapp.models import User
    from rxapp.services.demo_seed import REASON_TEMPLATES_BY_LANGUAGE

    german = next(text for lang, text, _doc, _rej in REASON_TEMPLATES_BY_LANGUAGE if lang == "de")
    claim = make_claim()
    with db.session_scope() as s:
        s.exec(select(User).where(User.email == claim["email"])).one().language = "de"
    log_in(site, *REVIEWER)
    page = site.visit(f"/admin/claim?id={claim['id']}")
    expect(page.locator("#templates-language")).to_contain_text("The customer reads Deutsch")
    picker = page.get_by_label("Reason template")
    expect(picker.locator("option").nth(1)).to_have_text(f"Deutsch · {german}")
    picker.select_option(label=f"Deutsch · {german}")
    expect(page.get_by_label("Reason for the customer")).to_have_value(german)
    expect(page.get_by_label("Missing document")).to_have_value("invoice")

    page = site.visit("/admin/templates")
    expect(page.get_by_label("Template language")).to_have_value("en")  # the new template's form
    expect(page.get_by_text(german, exact=True)).to_be_visible()
    expect(page.get_by_text("Needs info · missing: Invoice · Deutsch")).to_be_visible()


def test_the_queue_lists_a_claim_with_risk_signals_above_an_older_one_without(site, make_claim):
    """Issue 18: riskiest first by default (the signals shown), Due first on request."""
    older, risky = make_claim(email_prefix="e2e-risk-order"), make_claim(email_prefix="e2e-risk-order")
    with db.write_session() as s:
        for claim, risk, due in ((older, 0, date(2024, 2, 1)), (risky, 2, date(2024, 2, 9))):
            row = s.get(Redemption, claim["id"])
            row.risk_score, row.due_on = risk, due
            s.add(row)
    log_in(site, *REVIEWER)
    page = site.visit("/admin")
    expect(page.get_by_label("Sort by")).to_have_value("risk")
    expect(page.get_by_text("Riskiest first: the claims with the most risk signals", exact=False)).to_be_visible()
    page.get_by_label("Search").fill("e2e-risk-order-")
    page.get_by_role("button", name="Apply filters").click()
    rows = page.get_by_role("table").get_by_role("row")
    expect(rows).to_have_count(3)  # header + the two claims
    expect(rows.nth(1)).to_contain_text(risky["email"])
    expect(rows.nth(1).get_by_title("Risk signals")).to_have_text("2")
    expect(rows.nth(2)).to_contain_text(older["email"])
    page.get_by_label("Sort by").select_option(label="Due first")
    page.get_by_role("button", name="Apply filters").click()
    expect(rows.nth(1)).to_contain_text(older["email"])
    expect(rows.nth(2)).to_contain_text(risky["email"])
    expect(page.get_by_text("Oldest due first.", exact=False)).to_be_visible()
