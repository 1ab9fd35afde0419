"""The seed's whole story in the browser: Redeem → confirm → message → live Redeem History →
documents requested (live) → Redeem Again → approved (live) with the code."""

import re

from playwright.sync_api import expect

from rxapp.models import MissingDocument
from tests.factories import flows as factories
from tests.e2e.conftest import log_in

INVOICE_REASON = "Please provide the invoice with your product name on it, thanks."


def _answer_captcha(page, prefix: str) -> None:
    question = page.locator(f"#{prefix}-captcha-question").inner_text()
    a, op, b = re.match(r"\s*(\d+)\s*([+-])\s*(\d+)", question).groups()
    page.get_by_label("Captcha", exact=True).fill(str(int(a) + int(b) if op == "+" else int(a) - int(b)))


def test_redeem_story_with_live_decisions(site, tmp_path):
    user_id, email = factories.make_customer("story")
    product = factories.register_product(user_id)
    photo = tmp_path / "serial.png"
    photo.write_bytes(factories.image_bytes(900, 600, text=f"S/N {product['serial']}"))
    new_invoice = tmp_path / "invoice-with-model.png"
    new_invoice.write_bytes(factories.image_bytes(1000, 1400, text=f"INVOICE {product['model']} 2026"))

    log_in(site, email, factories.PASSWORD)
    page = site.visit("/promotions")
    page.get_by_role("link", name=f"Redeem {product['promotion_name']} for {product['model']}").click()
    page.wait_for_url(re.compile(r"/promotions/redeem"))
    expect(page.get_by_role("heading", name="Promotion Redeem Confirm")).to_be_visible()
    site.wait_ready()
    expect(page.get_by_text(product["serial"], exact=True)).to_be_visible()
    site.check_a11y()

    page.get_by_label("Product Barcode / S/N photo").set_input_files(str(photo))
    expect(page.get_by_alt_text("Product Barcode / S/N photo preview")).to_be_visible()
    page.get_by_label("Zipcode").fill("10001")
    page.get_by_label("Address").fill("350 Fifth Avenue\nNew York, NY")
    page.get_by_label("Contact Number").fill("+1 212 736 3100")
    _answer_captcha(page, "rd")
    page.get_by_role("button", name="Redeem", exact=True).click()

    page.wait_for_url(re.compile(r"/promotions/redeem/done"))
    expect(page.get_by_text("Your request has been successfully sent")).to_be_visible()
    page.get_by_role("link", name="Redeem History").last.click()
    page.wait_for_url(re.compile(r"/promotions/history"))
    site.wait_ready()
    row = page.get_by_role("row").filter(has_text=product["promotion_name"])
    expect(row).to_contain_text("Redeem qualification under reviewing")
    site.check_a11y()

    # A reviewer asks for a better invoice: the open table shows it without a reload.
    claim_id = factories.latest_claim_id(user_id)
    factories.decide(claim_id, "needs_info", INVOICE_REASON, MissingDocument.invoice)
    expect(row).to_contain_text(INVOICE_REASON)
    row.get_by_role("link", name="Redeem Again").click()

    page.wait_for_url(re.compile(r"/promotions/redeem\?claim="))
    expect(page.get_by_role("heading", name="Promotion Redeem Ask again")).to_be_visible()
    site.wait_ready()
    expect(page.get_by_text(INVOICE_REASON)).to_be_visible()
    page.get_by_label("Proof of purchase").set_input_files(str(new_invoice))
    expect(page.get_by_alt_text("Proof of purchase preview")).to_be_visible()
    expect(page.get_by_label("Zipcode")).to_have_value("10001")
    _answer_captcha(page, "rd")
    page.get_by_role("button", name="Redeem", exact=True).click()
    page.wait_for_url(re.compile(r"/promotions/redeem/done"))

    page.goto(site.url("/promotions/history"))
    site.wait_ready()
    row = page.get_by_role("row").filter(has_text=product["promotion_name"])
    expect(row).to_contain_text("Redeem qualification under reviewing")

    factories.decide(claim_id, "approve")
    expect(row).to_contain_text("Redeem Success")
    expect(row.get_by_role("button", name="Copy code")).to_be_visible()
    code = row.locator("code").inner_text()
    assert code.startswith("GAME-")

    # The claim's timeline keeps every step.
    row.get_by_role("link", name="Details").click()
    site.wait_ready()
    expect(page.get_by_text("How to activate:")).to_be_visible()
    timeline = page.get_by_role("list", name="Timeline")
    for step in ("Claim submitted", "Documents requested", "Sent again (Redeem Again)", "Redeem Success"):
        expect(timeline.get_by_text(step, exact=True)).to_be_visible()
    site.check_a11y()


def test_a_refused_photo_gets_its_reason_under_the_field(site, tmp_path):
    user_id, email = factories.make_customer("refused")
    product = factories.register_product(user_id)
    big = tmp_path / "huge-photo.jpg"
    # A real JPEG with 11 MB of trailing bytes: only its size is wrong.
    big.write_bytes(factories.image_bytes(800, 600, fmt="JPEG") + b"\0" * (11 * 1024 * 1024))
    pdf = tmp_path / "scan.png"
    pdf.write_bytes(b"%PDF-1.4\n% a PDF named .png\n")

    log_in(site, email, factories.PASSWORD)
    # Refused files are no failed requests: the console stays clean (the site fixture checks it).
    page = site.visit(f"/promotions/redeem?product={product['product_id']}&promotion={product['promotion_id']}")
    expect(page.get_by_role("heading", name="Promotion Redeem Confirm")).to_be_visible()
    photo = page.get_by_label("Product Barcode / S/N photo")
    photo.set_input_files(str(big))
    expect(page.locator("#serial-photo-message")).to_contain_text("the limit is 10 MB", timeout=15_000)
    photo.set_input_files(str(pdf))
    expect(page.locator("#serial-photo-message")).to_contain_text("PDF document, not an image")
    site.check_a11y()
