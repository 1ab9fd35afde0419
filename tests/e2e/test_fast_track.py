"""The fast track in a browser (issue 18): a clean claim reaches Redeem Success with its code and email
and no reviewer; a re-used invoice waits in the queue with its signal explained; an automatic approval
of the audit sample shows up for a reviewer, who confirms it.  The reviewer sets the sample on the
console's Promotions page first (100 %, so this claim is in it), and it is put back after."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlmodel import select

from tests.e2e.conftest import ARTIFACTS, log_in
from tests.e2e.test_redeem_flow import _answer_captcha
from tests.factories import flows as factories
from tests.factories.fast_track import clean_unit

REVIEWER = ("reviewer@member-center.test", "reviewer-2021")
READ = 120_000  # reading a picture takes seconds of CPU on this machine: waited for, not timed


def _redeem(site, tmp_path, unit: dict, invoice: bytes, address: str, phone: str):
    (tmp_path / f"invoice-{unit['product_id']}.jpg").write_bytes(invoice)
    (tmp_path / f"sn-{unit['product_id']}.jpg").write_bytes(unit["photo"])
    log_in(site, unit["email"], factories.PASSWORD)
    page = site.visit(f"/promotions/redeem?product={unit['product_id']}&promotion={unit['promotion_id']}")
    expect(page.get_by_role("heading", name="Promotion Redeem Confirm")).to_be_visible()
    page.get_by_label("Proof of purchase").set_input_files(str(tmp_path / f"invoice-{unit['product_id']}.jpg"))
    expect(page.locator('#redeem-invoice-checklist [data-check="model"]')).to_be_visible(timeout=READ)
    page.get_by_label("Product Barcode / S/N photo").set_input_files(str(tmp_path / f"sn-{unit['product_id']}.jpg"))
    expect(page.locator('#redeem-photo-checklist [data-check="serial"]')).to_have_attribute(
        "data-status", "found", timeout=READ)
    page.get_by_label("Zipcode").fill("97205")
    page.get_by_label("Address").fill(address)
    page.get_by_label("Contact Number").fill(phone)
    _answer_captcha(page, "rd")
    page.get_by_role("button", name="Redeem", exact=True).click()
    page.wait_for_url(re.compile(r"/promotions/redeem/done"), timeout=READ)
    page = site.visit("/promotions/history")
    return page.get_by_role("row").filter(has_text=unit["promotion_name"])


def test_clean_claims_are_decided_at_once_risky_ones_wait_explained_and_the_sample_is_audited(
        site, new_site, tmp_path):
    from rxapp import db
    from rxapp.models import EmailMessage, Redemption

    reviewer = new_site()
    log_in(reviewer, *REVIEWER)
    promos = reviewer.visit("/admin/promotions")
    policy = promos.get_by_role("form", name="Game On Bundle")
    policy.get_by_label("Audit sample (%)").fill("100")
    policy.get_by_role("button", name="Save policy").click()
    expect(promos.get_by_text("Game On Bundle: automatic decisions on")).to_be_visible()
    try:
        clean = clean_unit("e2e-fast-clean")
        row = _redeem(site, tmp_path, clean, clean["invoice"], "7 Clean Road\nPortland, OR", "+1 503 555 0177")
        expect(row).to_contain_text("Redeem Success")
        expect(row.get_by_role("button", name="Copy code")).to_be_visible()
        with db.session_scope() as s:
            first = s.exec(select(Redemption).where(Redemption.user_id == clean["user_id"])).one()
            kinds = s.exec(select(EmailMessage.kind).where(EmailMessage.redemption_id == first.id)).all()
        assert len(kinds) == 2, kinds  # received, then success with the code

        copier = clean_unit("e2e-fast-copy")
        other = new_site()
        row = _redeem(other, tmp_path, copier, clean["invoice"], "8 Other Road\nPortland, OR", "+1 503 555 0188")
        expect(row).to_contain_text("Redeem qualification under reviewing")
        second = factories.latest_claim_id(copier["user_id"])

        page = reviewer.visit(f"/admin/claim?id={second}")
        signals = page.locator("#risk-signals")
        expect(signals).to_contain_text(f"The same invoice file was sent with claim #{first.id}.")
        page.screenshot(path=str(ARTIFACTS / "fast-track-signals.png"), full_page=True)

        queue = reviewer.visit("/admin")
        queue.get_by_label("Risk").select_option(label="Automatic approvals to audit")
        queue.get_by_role("button", name="Apply filters").click()
        queue.get_by_role("link", name=f"#{first.id}", exact=True).click()
        page = reviewer.page
        expect(page.get_by_text("Approved automatically")).to_be_visible()
        page.get_by_role("button", name="Confirm approval").click()
        expect(page.locator("#risk-signals")).to_contain_text("Audit: confirmed")
        reviewer.check_a11y()
    finally:
        from rxapp.models import Promotion
        from rxapp.services import decision_policy

        with db.session_scope() as s:
            game = s.exec(select(Promotion).where(Promotion.slug == "game-on-bundle")).one()
            rid = factories.reviewer_id()
            decision_policy.update_policy(session=s, actor_id=rid, promotion_id=game.id, enabled=True,
                                          daily_cap=100, sample_percent=10)
