"""Smoke: the shell renders, every menu entry opens a real page, axe is happy."""

import re

from playwright.sync_api import expect

from rxapp.components.shell import MEMBER_MENU, TOP_LINKS
from tests.e2e.conftest import open_context


def test_home_shows_the_three_steps_and_the_vendor_sections(site):
    page = site.visit("/")
    expect(page.get_by_role("heading", name="Member Center", level=1)).to_be_visible()
    for label, _route in TOP_LINKS:
        expect(page.get_by_role("link", name=label, exact=True)).to_be_visible()
    expect(page.get_by_text("Register your product")).to_be_visible()


def test_every_top_section_opens_a_page_that_says_what_it_is(site):
    for label, route in TOP_LINKS:
        page = site.visit(route)
        expect(page.locator("h1")).to_have_text(re.compile(label.replace("'", "."), re.I))
        expect(page.locator("main")).not_to_contain_text("404")


def test_every_member_menu_entry_opens_a_page(customer_site):
    site = customer_site
    entries = []
    for group in MEMBER_MENU:
        if group.route:
            entries.append((group.title, group.route))
        entries.extend(group.items)
    for label, route in entries:
        page = site.visit(route)
        assert page.url.rstrip("/").endswith(route), f"{label}: landed on {page.url}"
        expect(page.locator("main h1")).to_be_visible()
        expect(page.locator("body")).not_to_contain_text("Traceback")
        # The menu link of the page is marked as the current one.
        expect(page.get_by_role("navigation", name="Member center").get_by_role("link", name=label, exact=True)
               ).to_be_visible()


def test_signed_out_visitor_is_sent_to_log_in_and_back(site):
    page = site.visit("/account/profile", check_a11y=False)
    page.wait_for_url(re.compile(r"/login\?next="))
    site.wait_ready()
    page.get_by_label("Email").fill("demo@member-center.test")
    page.get_by_label("Password", exact=True).fill("demo-customer-2021")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/account/profile/?$"))
    expect(page.locator("main h1")).to_have_text("My Profile")


def test_phone_width_folds_the_menu_into_a_drawer(app, browser):
    ctx = open_context(browser, viewport={"width": 390, "height": 844})
    try:
        page = ctx.new_page()
        page.goto(app.frontend_url.rstrip("/") + "/")
        page.wait_for_selector("#app-ready", state="attached")
        expect(page.get_by_role("navigation", name="Vendor sections")).to_be_hidden()
        page.get_by_role("button", name="Open menu").click()
        expect(page.get_by_role("link", name="Product Registration")).to_be_visible()
    finally:
        ctx.close()
