"""The evidence pre-check in a browser (issue 17): the Redeem page reads the invoice and the S/N photo
as they are uploaded and shows a checklist; a barcode contradicting the serial must be replaced or
confirmed; the reviewer's queue filters the claim under "a check failed".

The pictures come from the generated corpus (``tests.factories.evidence_corpus``), with known answers.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlmodel import select

from tests.e2e.conftest import ARTIFACTS, log_in
from tests.e2e.test_redeem_flow import _answer_captcha
from tests.factories import flows as factories
from tests.factories.evidence_samples import invoice_for, invoice_without_date, other_serial, sticker_for

REVIEWER = ("reviewer@member-center.test", "reviewer-2021")
# Reading a picture takes seconds of CPU on this machine: the checklist is waited for, not timed.
READ = 90_000


def _bought(product_id: int):
    from rxapp import db
    from rxapp.models import RegisteredProduct, Store

    with db.session_scope() as s:
        product = s.get(RegisteredProduct, product_id)
        return product.purchase_date, s.get(Store, product.store_id).name


def test_the_redeem_page_checks_the_evidence_and_the_queue_filters_the_failed_check(site, new_site, tmp_path):
    user_id, email = factories.make_customer("evidence")
    unit = factories.register_product(user_id)
    bought, store = _bought(unit["product_id"])
    model, serial = unit["model"], unit["serial"]
    wrong = other_serial(serial)
    files = {
        "undated.png": invoice_without_date(model_name=model, store=store),
        "invoice.png": invoice_for(model_name=model, store=store, purchase_date=bought),
        "sticker.png": sticker_for(serial=wrong, model_name=model),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)

    log_in(site, email, factories.PASSWORD)
    page = site.visit(f"/promotions/redeem?product={unit['product_id']}&promotion={unit['promotion_id']}")
    expect(page.get_by_role("heading", name="Promotion Redeem Confirm")).to_be_visible()

    # An invoice without a date: the checklist says so, with the advice.
    page.get_by_label("Proof of purchase").set_input_files(str(tmp_path / "undated.png"))
    invoice_checks = page.locator("#redeem-invoice-checklist")
    date_check = invoice_checks.locator('[data-check="date"]')
    expect(date_check).to_contain_text("No purchase date found on the invoice", timeout=READ)
    expect(date_check).to_contain_text("Reviewers usually ask for one")
    expect(date_check).to_contain_text("✗")

    # The invoice of this purchase replaces it: its model is found ✓ (and its date now).
    page.get_by_label("Proof of purchase").set_input_files(str(tmp_path / "invoice.png"))
    model_check = invoice_checks.locator('[data-check="model"]')
    expect(invoice_checks.locator('[data-check="date"]')).to_have_attribute("data-status", "found", timeout=READ)
    expect(model_check).to_have_attribute("data-status", "found")
    expect(model_check).to_contain_text(f"{model} found on the invoice")
    expect(model_check).to_contain_text("✓")

    # An S/N photo whose barcode reads another serial: said plainly, and the box to confirm.
    page.get_by_label("Product Barcode / S/N photo").set_input_files(str(tmp_path / "sticker.png"))
    conflict = page.locator("#serial-conflict")
    expect(conflict).to_contain_text(f"The barcode on your photo reads {wrong}, you typed {serial}", timeout=READ)
    serial_check = page.locator("#redeem-photo-checklist [data-check=\"serial\"]")
    expect(serial_check).to_have_attribute("data-status", "contradicts")
    # the serial is the registered one, not editable on this page: the advice says what can be done here
    expect(serial_check).to_contain_text("Upload a photo of this product's own sticker, or confirm")
    expect(serial_check).not_to_contain_text("Correct the serial number")
    page.screenshot(path=str(ARTIFACTS / "evidence-redeem.png"), full_page=True)
    site.check_a11y()

    # Redeem without confirming: refused next to the photo, nothing typed lost.
    page.get_by_label("Zipcode").fill("10001")
    page.get_by_label("Address").fill("350 Fifth Avenue\nNew York, NY")
    page.get_by_label("Contact Number").fill("+1 212 736 3100")
    _answer_captcha(page, "rd")
    page.get_by_role("button", name="Redeem", exact=True).click()
    expect(page.locator("#serial-photo-message")).to_contain_text(f"The barcode on your photo reads {wrong}")
    expect(page.get_by_label("Zipcode")).to_have_value("10001")
    expect(page.get_by_label("Address")).to_have_value("350 Fifth Avenue\nNew York, NY")

    # Confirmed: sent.
    page.get_by_label(f"I confirm the serial number {serial} is right").check()
    _answer_captcha(page, "rd")
    page.get_by_role("button", name="Redeem", exact=True).click()
    page.wait_for_url(re.compile(r"/promotions/redeem/done"))

    # The reviewer's queue: under "A check failed", not under "All checks passed".
    claim_id = factories.latest_claim_id(user_id)
    reviewer = new_site()
    log_in(reviewer, *REVIEWER)
    queue = reviewer.visit("/admin")
    queue.get_by_label("Search").fill(serial)
    queue.get_by_label("Evidence checks").select_option(label="A check failed")
    queue.get_by_role("button", name="Apply filters").click()
    expect(queue.get_by_role("link", name=f"#{claim_id}", exact=True)).to_be_visible()
    queue.screenshot(path=str(ARTIFACTS / "evidence-queue.png"), full_page=True)
    reviewer.check_a11y()
    queue.get_by_label("Evidence checks").select_option(label="All checks passed")
    queue.get_by_role("button", name="Apply filters").click()
    expect(queue.get_by_text("No claims match these filters.")).to_be_visible()
    expect(queue.get_by_role("link", name=f"#{claim_id}", exact=True)).to_have_count(0)
    # checked at submit: not among the claims no check has read yet
    queue.get_by_label("Evidence checks").select_option(label="Not checked yet")
    queue.get_by_role("button", name="Apply filters").click()
    expect(queue.get_by_text("No claims match these filters.")).to_be_visible()


def test_my_products_replace_checks_the_new_invoice(site, tmp_path):
    user_id, email = factories.make_customer("evidence-replace")
    unit = factories.register_product(user_id)
    bought, store = _bought(unit["product_id"])
    undated = tmp_path / "undated.png"
    undated.write_bytes(invoice_without_date(model_name=unit["model"], store=store))

    log_in(site, email, factories.PASSWORD)
    page = site.visit("/products")
    page.get_by_role("button", name=f"Replace purchase proof of {unit['model']}").click()
    page.get_by_label("New purchase proof").set_input_files(str(undated))
    checks = page.locator("#replace-checklist")
    expect(checks.locator('[data-check="date"]')).to_contain_text("No purchase date found on the invoice",
                                                                   timeout=READ)
    expect(checks.locator('[data-check="model"]')).to_have_attribute("data-status", "found")
    page.screenshot(path=str(ARTIFACTS / "evidence-my-products.png"), full_page=True)
    site.check_a11y()
