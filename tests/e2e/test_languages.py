"""The member center in the customer's language (issue 16), in Chromium against the production build.

The expected words come from the repo's catalogs (``i18n.gettext``), so the tests read what a
German or Taiwanese customer reads without copying translations into the test.
"""

from __future__ import annotations

from playwright.sync_api import expect

from rxapp import i18n
from tests.e2e.conftest import Site, log_in, open_context
from tests.e2e.test_accounts import PASSWORD, make_account, unique_email


def de(text: str) -> str:
    return i18n.gettext(text, "de")


def zh(text: str) -> str:
    return i18n.gettext(text, "zh-TW")


def _browser_in(app, browser, locale: str) -> Site:
    ctx = open_context(browser, locale=locale)
    return Site(ctx.new_page(), app.frontend_url)


def test_a_taiwanese_browser_gets_the_log_in_page_in_traditional_chinese(app, browser):
    site = _browser_in(app, browser, "zh-TW")
    try:
        page = site.visit("/login")
        expect(page.get_by_role("heading", name=zh("Log in"), exact=True)).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", "zh-TW")
        page.get_by_label(zh("Email")).fill("nobody@example.com")
        page.get_by_label(zh("Password"), exact=True).fill("wrong-password-123")
        page.get_by_role("button", name=zh("Log in ›")).click()
        expect(page.get_by_text(zh("The email or password is incorrect."))).to_be_visible()
    finally:
        site.page.context.close()


def test_switching_language_keeps_a_half_filled_sign_up_form(site):
    page = site.visit("/signup")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_label("Email").fill("half-filled@example.com")
    page.get_by_label("First Name").fill("Greta")
    page.get_by_label("Contact Number").fill("+49 30 1234567")

    page.get_by_label("Language").select_option("de")
    expect(page.get_by_role("heading", name=de("Sign Up"), exact=True)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_label(de("Email"))).to_have_value("half-filled@example.com")
    expect(page.get_by_label(de("First Name"))).to_have_value("Greta")
    expect(page.get_by_label(de("Contact Number"))).to_have_value("+49 30 1234567")

    # The server answers in German too, next to the field, and nothing typed is lost.
    page.get_by_role("button", name=de("Sign Up ›")).click()
    expect(page.get_by_text(de("Please agree to the Privacy Policy to create your account."))).to_be_visible()
    expect(page.get_by_label(de("First Name"))).to_have_value("Greta")

    # The choice stays with this browser on the next visit.
    page = site.visit("/login")
    expect(page.get_by_role("heading", name=de("Log in"), exact=True)).to_be_visible()
    page.get_by_label(i18n.gettext("Language", "de")).select_option("en")
    expect(page.get_by_role("heading", name="Log in", exact=True)).to_be_visible()


def test_the_account_s_language_follows_the_member_to_another_browser(app, site, browser):
    email = unique_email("lang")
    make_account(email)
    log_in(site, email, PASSWORD)
    page = site.visit("/account/profile")
    page.get_by_label("Preferred language").select_option("zh-TW")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name=zh("My Profile"), exact=True)).to_be_visible()

    other = _browser_in(app, browser, "de-DE")  # another device, whose browser prefers German
    try:
        page = other.visit("/login")
        expect(page.get_by_role("heading", name=de("Log in"), exact=True)).to_be_visible()
        page.get_by_label(de("Email")).fill(email)
        page.get_by_label(de("Password"), exact=True).fill(PASSWORD)
        page.get_by_role("button", name=de("Log in ›")).click()
        page.wait_for_url(lambda url: "/login" not in url)
        expect(page.get_by_role("link", name=zh("My Profile"))).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", "zh-TW")
    finally:
        other.page.context.close()
