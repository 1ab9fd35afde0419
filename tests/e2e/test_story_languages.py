"""The seed's story in Traditional Chinese and in German (issue 16), in Chromium against the production build:
sign up → register a product → redeem → documents requested → Redeem Again → Redeem Success.

The customer's browser asks for the language (``Accept-Language``); every label the test reads and clicks is
the catalog's translation (``i18n.gettext``), checked to differ from the English source, and the dates on
My Products and Redeem History are in the language's format (29.11.2026 / 2026年11月29日).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from rxapp import i18n
from rxapp.models import MissingDocument
from tests.e2e.conftest import Site, open_context
from tests.e2e.test_accounts import PASSWORD, solve, unique_email
from tests.e2e.test_registration import category_name, free_unit, wide_invoice
from tests.factories import flows as factories

REASON = {"de": "Bitte laden Sie die Rechnung mit dem Produktnamen hoch, danke.",
          "zh-TW": "請提供有產品名稱的發票，謝謝。"}


def _captcha(page, t, prefix: str) -> None:
    question = page.locator(f"#{prefix}-captcha-question")
    expect(question).to_have_text(re.compile(r"\d+ [+-] \d+ ="))
    page.get_by_label(t("Captcha"), exact=True).fill(solve(question.inner_text()))


def _today():
    from rxapp import db
    from rxapp.services import clock

    with db.session_scope() as s:
        return clock.today(s)


@pytest.mark.parametrize(("lang", "locale"), [("zh-TW", "zh-TW"), ("de", "de-DE")])
def test_the_seeds_story_in_the_customers_language(app, browser, tmp_path, lang, locale):
    def t(text: str) -> str:
        translated = i18n.gettext(text, lang)
        assert translated != text or text in UNCHANGED.get(lang, ()), f"no {lang} translation for {text!r}"
        return translated

    ctx = open_context(browser, locale=locale)
    site = Site(ctx.new_page(), app.frontend_url)
    try:
        _story(site, t, lang, tmp_path)
    finally:
        ctx.close()


# Labels that are the same word in the language (a brand, a code, a borrowed word).
UNCHANGED = {"de": ("CHK", "Captcha", "Details"), "zh-TW": ("CHK",)}


def _story(site: Site, t, lang: str, tmp_path) -> None:
    # Sign up: the page comes in the browser's language, lang attribute included.
    page = site.visit("/signup")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.get_by_role("heading", name=t("Sign Up"), exact=True)).to_be_visible()
    email = unique_email(f"story-{lang.lower()}")
    page.get_by_label(t("Email")).fill(email)
    page.get_by_label(t("Password"), exact=True).fill(PASSWORD)
    page.get_by_label(t("Confirm Password")).fill(PASSWORD)
    page.get_by_label(t("First Name")).fill("Mei")
    page.get_by_label(t("Last Name")).fill("Lin")
    page.get_by_label(t("Region / Location")).select_option("US")
    page.get_by_label(t("Contact Number")).fill("+1 503 555 0142")
    page.get_by_role("checkbox").last.check()  # the privacy policy's consent
    _captcha(page, t, "signup")
    page.get_by_role("button", name=t("Sign Up ›")).click()
    page.wait_for_url(re.compile(r"/account/?$"))
    site.wait_ready()
    expect(page.locator("main h1")).to_have_text(t("Account Overview"))

    # Register a product through the wizard; My Products shows its date in the language's format.
    unit = free_unit()
    page = site.visit("/products/register")
    page.get_by_label(category_name(unit["category_slug"]), exact=True).check()
    page.get_by_role("button", name=t("Next")).click()
    page.get_by_label(t("Serial Number")).fill(unit["serial"])
    page.get_by_role("button", name=t("Next")).click()
    page.get_by_label(t("CHK")).fill(unit["chk"])
    page.get_by_role("button", name=t("Next")).click()
    page.get_by_label(t("Region / Location")).select_option("US")
    store = page.get_by_label(t("Store Name")).locator("option").nth(1)
    page.get_by_label(t("Store Name")).select_option(store.get_attribute("value"))
    bought = _today()
    page.get_by_label(t("Purchase Date")).fill(bought.isoformat())
    page.get_by_label(t("Retail store")).check()
    page.get_by_label(t("Invoice Upload")).set_input_files(wide_invoice(tmp_path, width=1200))
    expect(page.get_by_role("img", name=t("Invoice Upload preview"))).to_be_visible()
    _captcha(page, t, "reg")
    page.get_by_role("button", name=t("Next")).click()
    page.wait_for_url(re.compile(r"/products/?$"))
    site.wait_ready()
    row = page.get_by_role("row").filter(has_text=unit["serial"])
    expect(row).to_contain_text(i18n.format_date(bought, lang))
    assert i18n.format_date(bought, lang) != bought.isoformat()

    # Redeem a promotion for a product on its model list (registered for this account by the factory).
    user_id = _user_id(email)
    product = factories.register_product(user_id)
    photo = tmp_path / "serial.png"
    photo.write_bytes(factories.image_bytes(900, 600, text=f"S/N {product['serial']}"))
    page = site.visit(f"/promotions/redeem?product={product['product_id']}&promotion={product['promotion_id']}")
    expect(page.get_by_role("heading", name=t("Promotion Redeem Confirm"))).to_be_visible()
    page.get_by_label(t("Product Barcode / S/N photo")).set_input_files(str(photo))
    page.get_by_label(t("Zipcode")).fill("97205")
    page.get_by_label(t("Address")).fill("1420 SW Harbor View Drive\nPortland, OR")
    page.get_by_label(t("Contact Number")).fill("+1 503 555 0142")
    _captcha(page, t, "rd")
    sent_on = {_today()}
    page.get_by_role("button", name=t("Redeem"), exact=True).click()
    page.wait_for_url(re.compile(r"/promotions/redeem/done"))
    sent_on.add(_today())  # around midnight the claim's date is either day

    # Redeem History: the status in the language, the date in its format; a request for the invoice arrives
    # live, in the reviewer's words as typed.
    page = site.visit("/promotions/history")
    row = page.get_by_role("row").filter(has_text=product["serial"])
    expect(row).to_contain_text(t("Redeem qualification under reviewing"))
    expect(row).to_contain_text(re.compile("|".join(re.escape(i18n.format_date(d, lang)) for d in sent_on)))
    claim_id = factories.latest_claim_id(user_id)
    factories.decide(claim_id, "needs_info", REASON[lang], MissingDocument.invoice)
    expect(row).to_contain_text(REASON[lang])
    row.get_by_role("link", name=t("Redeem Again")).click()
    page.wait_for_url(re.compile(r"/promotions/redeem\?claim="))
    expect(page.get_by_role("heading", name=t("Promotion Redeem Ask again"))).to_be_visible()
    site.wait_ready()
    invoice = tmp_path / "invoice-with-model.png"
    invoice.write_bytes(factories.image_bytes(1000, 1400, text=f"INVOICE {product['model']} 2026"))
    page.get_by_label(t("Proof of purchase")).set_input_files(str(invoice))
    _captcha(page, t, "rd")
    page.get_by_role("button", name=t("Redeem"), exact=True).click()
    page.wait_for_url(re.compile(r"/promotions/redeem/done"))

    page = site.visit("/promotions/history")
    row = page.get_by_role("row").filter(has_text=product["serial"])
    factories.decide(claim_id, "approve")
    expect(row).to_contain_text(t("Redeem Success"))
    expect(row.locator("code")).to_have_text(re.compile(r"^GAME-"))


def _user_id(email: str) -> int:
    from sqlmodel import select

    from rxapp import db
    from rxapp.models import User

    with db.session_scope() as s:
        return s.exec(select(User.id).where(User.email == email)).one()
