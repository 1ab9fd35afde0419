"""Every page a customer can open, checked as a class (issue 14, findings 5, 6, 7, 9, 14, 15).

* every page fits a 390 px phone without sideways scrolling (finding 6), the reviewer console's too;
* every member page shows the side menu, the FAQ included (finding 7);
* every link on every page leads to a page that exists, and the seed's links are real (finding 5);
* a notice belongs to the page it was raised for (finding 9);
* a demo date is said plainly on every page, with a way back for the presenter (finding 14);
* the Mailbox shows a whole message once, and each message has its own address (finding 15).

The pages are the app's own list (every page ``rxapp/rxapp.py`` adds), so a new page is checked
without touching this file.
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from rxapp import routes
from rxapp.services import clock
from tests.e2e.conftest import ARTIFACTS, Site, check_console, log_in, open_context
from tests.factories import flows as factories

PHONE = {"width": 390, "height": 844}
# Reviewer-only pages (a customer is sent away) and the page of unknown addresses.
NOT_FOR_CUSTOMERS = {routes.ADMIN, routes.ADMIN_CLAIM, routes.ADMIN_PROMOTIONS, routes.ADMIN_TEMPLATES,
                     routes.ADMIN_INSIGHTS, routes.ADMIN_USERS, "/" + routes.NOT_FOUND}
SIGNED_OUT_ONLY = {routes.LOGIN, routes.SIGNUP, routes.PASSWORD_FORGOT, routes.PASSWORD_RESET}


def app_routes(app) -> list[str]:
    """Every page the app adds (as paths), but the reviewer console's and the 404 page."""
    found = []
    for key in app.app_instance._unevaluated_pages:
        path = "/" + key.strip("/")
        path = "/" if path == "/index" else path
        if path not in NOT_FOR_CUSTOMERS:
            found.append(path)
    return sorted(found)


@pytest.fixture()
def customer(app):
    """A customer with a claim under review (and its emails) and a second product that can redeem."""
    made = factories.create_claim(email_prefix="pages")
    product = factories.register_product(made["user_id"])
    made["redeem"] = f"{routes.REDEEM}?product={product['product_id']}&promotion={product['promotion_id']}"
    return made


def customer_pages(app, made) -> list[str]:
    """Every page a signed-in customer can open, with the query a page needs to show its content."""
    from rxapp import db
    from rxapp.services import mailbox

    with db.session_scope() as s:
        message_id = mailbox.list_messages(session=s, actor_id=made["user_id"])[0]["id"]
    given = {routes.REDEEM: made["redeem"], routes.CLAIM: f"{routes.CLAIM}?id={made['id']}",
             routes.MAILBOX_MESSAGE: f"{routes.MAILBOX_MESSAGE}?id={message_id}"}
    return [given.get(p, p) for p in app_routes(app) if p not in SIGNED_OUT_ONLY]


def _too_wide(page, path: str) -> str:
    """What makes the page at ``path`` wider than the phone ("" when nothing does), with a screenshot."""
    width = page.evaluate("document.documentElement.scrollWidth")
    # A box that scrolls sideways inside the page hides its columns just the same.
    hidden = page.evaluate("""() => [...document.querySelectorAll('main *')].filter(el => {
        const s = getComputedStyle(el);
        return (s.overflowX === 'auto' || s.overflowX === 'scroll') && el.scrollWidth > el.clientWidth + 1;
    }).length""")
    if width <= PHONE["width"] and not hidden:
        return ""
    ARTIFACTS.mkdir(exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_") or "home"
    page.screenshot(path=str(ARTIFACTS / f"too-wide-{name}.png"), full_page=True)
    return f"{path}: {width}px wide, {hidden} box(es) scrolling sideways"


def test_every_page_fits_a_phone_without_sideways_scrolling(app, browser, customer):
    ctx = open_context(browser, viewport=PHONE)
    try:
        site = Site(ctx.new_page(), app.frontend_url)
        signed_out = sorted(SIGNED_OUT_ONLY | {routes.HOME, routes.FAQ, routes.PRIVACY_POLICY})
        too_wide = []
        for n, path in enumerate([*signed_out, *customer_pages(app, customer)]):
            if n == len(signed_out):
                log_in(site, customer["email"], factories.CUSTOMER_PASSWORD)
            too_wide.append(_too_wide(site.visit(path), path))
        too_wide = [t for t in too_wide if t]
        assert not too_wide, "pages wider than a 390 px phone:\n" + "\n".join(too_wide)

        # My Products: every column of the product, and its Replace button, on screen.
        page = site.visit(routes.MY_PRODUCTS)
        replace = page.get_by_role("button", name=re.compile(r"^Replace purchase proof of"))
        expect(replace.first).to_be_in_viewport(ratio=1)
        expect(page.get_by_text(re.compile(r"^until \d")).first).to_be_in_viewport(ratio=1)
        check_console(ctx)
    finally:
        ctx.close()


def console_pages(app, claim_id: int) -> list[str]:
    """Every page of the reviewer console the app adds, with the query a page needs to show its content."""
    found = sorted("/" + key.strip("/") for key in app.app_instance._unevaluated_pages
                   if ("/" + key.strip("/")).startswith(routes.ADMIN))
    assert routes.ADMIN_INSIGHTS in found and routes.ADMIN_CLAIM in found, found
    return [f"{p}?id={claim_id}" if p == routes.ADMIN_CLAIM else p for p in found]


def test_every_console_page_fits_a_phone_and_the_insights_read_on_it(app, browser):
    """The console on a 390 px phone: no page scrolls sideways, and the Insights' needs-info and rejection
    bars keep their names readable and their bars wide (a chart's 150 px label column took half the
    phone)."""
    from rxapp.models import MissingDocument

    claim = factories.create_claim(email_prefix="console-phone", promotion="game-on-bundle")
    factories.decide(claim["id"], "needs_info", "Please provide the invoice with your product name on it, thanks.",
                     MissingDocument.invoice)
    ctx = open_context(browser, viewport=PHONE)
    try:
        site = Site(ctx.new_page(), app.frontend_url)
        log_in(site, "admin@member-center.test", "admin-2021")
        # The claim page's Timeline and Emails stack on a phone like every data table (axe checks them too).
        too_wide = [_too_wide(site.visit(path), path) for path in console_pages(app, claim["id"])]
        too_wide = [t for t in too_wide if t]
        assert not too_wide, "console pages wider than a 390 px phone:\n" + "\n".join(too_wide)

        page = site.visit(routes.ADMIN_INSIGHTS)
        by_promotion = page.get_by_role("list", name="Needs info and rejections by promotion")
        item = by_promotion.get_by_role("listitem").filter(has_text="Game On Bundle")
        expect(item).to_contain_text(re.compile(r"Needs info [1-9]\d* · Rejected \d+"))
        for lst in page.get_by_role("list").all():
            for li in lst.get_by_role("listitem").all():
                box = li.bounding_box()
                assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], li.inner_text()
        longest = page.evaluate("""() => Math.max(0, ...[...document.querySelectorAll('.mc-bar')].map(
            b => b.getBoundingClientRect().width))""")
        assert longest >= 0.6 * PHONE["width"], f"the longest bar is {longest:.0f} px on a {PHONE['width']} px phone"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "console-insights-phone.png"), full_page=True)
        check_console(ctx)
    finally:
        ctx.close()


def test_every_member_page_shows_the_side_menu(app, site, customer):
    log_in(site, customer["email"], factories.CUSTOMER_PASSWORD)
    missing = []
    for path in customer_pages(app, customer):
        page = site.visit(path, check_a11y=False)
        menu = page.get_by_role("navigation", name="Member center")
        if not menu.is_visible() or not menu.get_by_role("link", name="My Products").is_visible():
            missing.append(path)
    assert not missing, "pages without the side menu: " + ", ".join(missing)


def _links(page) -> list[dict]:
    return page.evaluate("""() => [...document.querySelectorAll('a, .rt-Link, [role=link]')].map(a => ({
        text: (a.innerText || a.getAttribute('aria-label') || '').trim().slice(0, 60),
        href: a.getAttribute('href'), tag: a.tagName}))""")


def _goes_nowhere(link: dict) -> bool:
    """Text styled as a link without an address, or an address that is only "#" (this page, nowhere)."""
    href = link["href"] or ""
    return (link["tag"] != "A" or not href.strip() or href.startswith("javascript:")
            or ("#" in href and urlparse(href).fragment == ""))


def _collect(page, path: str, base, dead: list, targets: dict) -> None:
    """The links of ``page`` (at ``path``): those going nowhere into ``dead``, the app's own into ``targets``."""
    for link in _links(page):
        href = urlparse(link["href"] or "")
        if _goes_nowhere(link):
            dead.append(f"{path}: “{link['text']}” goes nowhere")
        elif href.scheme in ("", base.scheme) and href.netloc in ("", base.netloc):
            targets.setdefault(href.path + (f"?{href.query}" if href.query else ""), path)


def test_every_link_on_every_page_leads_to_a_page_that_exists(app, site, customer):
    base = urlparse(app.frontend_url)
    dead, targets = [], {}
    for path in sorted(SIGNED_OUT_ONLY | {routes.HOME, routes.FAQ}):
        _collect(site.visit(path), path, base, dead, targets)
    log_in(site, customer["email"], factories.CUSTOMER_PASSWORD)
    for path in customer_pages(app, customer):
        _collect(site.visit(path, check_a11y=False), path, base, dead, targets)
    for target, found_on in sorted(targets.items()):
        if target.startswith((routes.FILES, routes.EXPORT_CLAIMS, routes.LOGIN, routes.SIGNUP)):
            continue  # private files and the export are the backend's; log-in pages were visited above
        page = site.visit(target, check_a11y=False)
        if page.locator("main h1").inner_text().strip() == "Page not found":
            dead.append(f"{found_on}: a link to {target} finds no page")
    assert not dead, "\n".join(sorted(set(dead)))


REVIEWER = ("reviewer@member-center.test", "reviewer-2021")


def _icons(page) -> list[str]:
    """Every icon or page image a page names (``<link rel=icon>``, ``og:image``), as the page's own URL resolves it."""
    return page.evaluate("""() => [...document.querySelectorAll('link[rel~=icon], meta[property="og:image"]')]
        .map(e => new URL(e.getAttribute('href') || e.getAttribute('content'), document.baseURI).href)""")


def test_no_internal_link_costs_a_redirect_and_every_page_has_its_icon(app, site, new_site, customer):
    """Every address the pages link to answers at once (no 3xx hop: ``rxapp/edge.py`` serves ``/login`` as is),
    and the favicon every page names is there."""
    from tests.e2e.test_edge import fetch

    base = urlparse(app.frontend_url)
    root = app.frontend_url.rstrip("/")
    dead, targets, icons = [], {}, {}

    def crawl(path: str, where: Site = site) -> None:
        page = where.visit(path, check_a11y=False)
        _collect(page, path, base, dead, targets)
        for icon in _icons(page):
            icons.setdefault(icon, path)

    for path in sorted(SIGNED_OUT_ONLY | {routes.HOME, routes.FAQ, routes.PRIVACY_POLICY}):
        crawl(path)
    log_in(site, customer["email"], factories.CUSTOMER_PASSWORD)
    for path in customer_pages(app, customer):
        crawl(path)
    reviewer = new_site()
    log_in(reviewer, *REVIEWER)
    for path in (routes.ADMIN, routes.ADMIN_PROMOTIONS):
        crawl(path, reviewer)
    assert targets and icons, "no link was found: the test proves nothing"
    hops = []
    for target, found_on in sorted(targets.items()):
        if target.startswith((routes.FILES, routes.EXPORT_CLAIMS)):
            continue  # signed, short-lived backend links
        status, headers, _ = fetch(root, target)
        if 300 <= status < 400 or status >= 400:
            hops.append(f"{found_on}: {target} answers {status} {headers.get('location', '')}".rstrip())
    for icon, found_on in sorted(icons.items()):
        parts = urlparse(icon)
        assert parts.netloc == base.netloc, f"{found_on}: icon elsewhere: {icon}"
        status, headers, body = fetch(root, parts.path)
        if status != 200 or not body:
            hops.append(f"{found_on}: its icon {parts.path} answers {status}")
    status, headers, body = fetch(root, "/favicon.ico")
    assert status == 200 and headers.get("content-type", "").startswith("image/") and len(body) > 100
    assert not hops, "\n".join(hops)


def test_the_seeds_links_are_real_pages(site, customer):
    page = site.visit(routes.SIGNUP)
    for name, heading in (("MSI Privacy Policy", "Privacy Policy"),
                          ("Terms and Conditions", "Reward Program Terms and Conditions"),
                          ("learn more", "MSI Reward Program")):
        page = site.visit(routes.SIGNUP, check_a11y=False)
        page.get_by_role("link", name=name).first.click()
        expect(page.locator("main h1")).to_have_text(re.compile(heading))
        site.wait_ready()
        site.check_a11y()
    # The seed's "Example of Uploaded Documents" picture on the redeem page.
    log_in(site, customer["email"], factories.CUSTOMER_PASSWORD)
    page = site.visit(customer["redeem"])
    expect(page.get_by_role("heading", name="Example of Uploaded Documents")).to_be_visible()
    example = page.get_by_role("img", name=re.compile("Example of uploaded documents"))
    expect(example).to_be_visible()
    assert example.evaluate("img => img.naturalWidth") > 0  # the picture is there, not a broken image


def test_a_notice_belongs_to_the_page_it_was_raised_for(site, customer):
    log_in(site, customer["email"], factories.CUSTOMER_PASSWORD)
    page = site.visit(routes.ADMIN, check_a11y=False)
    page.wait_for_url(re.compile(r"/account/?$"))
    site.wait_ready()
    expect(page.get_by_text("The reviewer console is for reviewers only.")).to_be_visible()
    page.get_by_role("navigation", name="Member center").get_by_role("link", name="My Products").click()
    page.wait_for_url(re.compile(r"/products/?$"))
    site.wait_ready()
    expect(page.locator("main h1")).to_have_text("My Products")
    expect(page.get_by_text("The reviewer console is for reviewers only.")).to_have_count(0)
    page = site.visit(routes.ACCOUNT_OVERVIEW)
    expect(page.get_by_text("The reviewer console is for reviewers only.")).to_have_count(0)


def test_a_demo_date_is_said_on_every_page_and_the_presenter_can_go_back(site, new_site):
    from rxapp import db, settings
    from rxapp.services import demo_kit

    with db.session_scope() as s:
        real = clock.today(s)
    day = real - timedelta(days=3)
    try:
        # A presenter sets the demo date in the Demo Kit.
        log_in(site, "new@member-center.test", "new-customer-2021")
        page = site.visit(routes.DEMO)
        page.get_by_label("Presenter passcode").fill(settings.get().presenter_passcode)
        page.get_by_role("button", name="Unlock").click()
        page.get_by_label("Demo date").fill(day.isoformat())
        page.get_by_role("button", name="Set demo date").click()
        expect(page.locator("#demo-today")).to_contain_text(day.isoformat())

        # A customer redeems meanwhile: every page says which date is in use, and the Redeem Date agrees.
        made = factories.create_claim(email_prefix="demo-date")
        other = new_site()
        for path in (routes.HOME, routes.FAQ):
            banner = other.visit(path).get_by_role("region", name="Demo date")
            expect(banner).to_contain_text(day.isoformat())
        log_in(other, made["email"], factories.CUSTOMER_PASSWORD)
        for path in (routes.ACCOUNT_OVERVIEW, routes.PROMOTIONS, routes.REDEEM_HISTORY):
            banner = other.visit(path).get_by_role("region", name="Demo date")
            expect(banner).to_contain_text(day.isoformat())
            expect(banner).to_contain_text(real.isoformat())
            expect(banner.get_by_role("button", name="Back to the real date")).to_have_count(0)  # no passcode
        row = other.page.get_by_role("row").filter(has_text=made["serial"])
        expect(row.get_by_role("cell").first).to_have_text(day.isoformat())

        # The presenter goes back to the real date in one click, from any page.
        page = site.visit(routes.MY_PRODUCTS)
        page.get_by_role("region", name="Demo date").get_by_role("button", name="Back to the real date").click()
        expect(page.get_by_role("region", name="Demo date")).to_have_count(0)
        expect(page.locator("main h1")).to_have_text("My Products")
        page = site.visit(routes.DEMO)
        expect(page.locator("#demo-today")).to_contain_text("(the real date)")
        expect(other.visit(routes.PROMOTIONS).get_by_role("region", name="Demo date")).to_have_count(0)
    finally:
        with db.session_scope() as s:
            demo_kit.set_demo_date(session=s, value=None)


def test_the_mailbox_shows_a_whole_message_once_at_its_own_address(site, new_site, customer):
    log_in(site, customer["email"], factories.CUSTOMER_PASSWORD)
    page = site.visit(routes.MAILBOX)
    page.get_by_role("link", name=re.compile("Redeem Notice - Received")).first.click()
    page.wait_for_url(re.compile(r"/demo/mailbox/message\?id=\d+"))
    site.wait_ready()
    address = page.url
    frame = page.frame_locator("iframe")
    expect(frame.get_by_text("Sincerely,")).to_be_visible()
    # The whole message shows in the frame: nothing scrolls inside it, the last line is in it.
    inner = page.frames[1]
    assert inner.evaluate("document.documentElement.scrollHeight <= window.innerHeight + 1")
    # …and once: the plain-text copy is a choice, not a repeat below it.
    expect(page.get_by_text("Sincerely,")).to_have_count(0)
    page.get_by_role("tab", name="Plain text").click()
    expect(page.get_by_text("Sincerely,")).to_have_count(1)
    site.check_a11y()

    # Its own address: it opens directly, and only for its reader.
    page = site.visit(urlparse(address).path + "?" + urlparse(address).query)
    expect(frame.get_by_text("Sincerely,")).to_be_visible()
    stranger = new_site()
    other = factories.create_claim(email_prefix="mailbox-stranger")
    log_in(stranger, other["email"], factories.CUSTOMER_PASSWORD)
    page = stranger.visit(urlparse(address).path + "?" + urlparse(address).query)
    expect(page.get_by_text("This email is not in your Mailbox")).to_be_visible()
    expect(page.locator("iframe")).to_have_count(0)


# A blank Reflex 0.10 page names 9 modules; ours were 34-37 before rxapp/frontend_build.py (issue 15).
MAX_MODULES = 12
CONSOLE_PAGES = (routes.ADMIN, routes.ADMIN_CLAIM, routes.ADMIN_PROMOTIONS, routes.ADMIN_TEMPLATES,
                 routes.ADMIN_INSIGHTS, routes.ADMIN_USERS)


def test_every_page_loads_its_code_in_a_few_compressed_files_a_browser_keeps(app):
    """The production build as a customer's browser gets it (``rxapp/frontend_build.py``, ``rxapp/edge.py``):
    every page names at most MAX_MODULES JavaScript modules, none of them Lucide's table of every icon (an
    icon named by a state var would pull it in); every module and stylesheet comes compressed and is kept a
    year (their names change with their content); the page itself is checked on every visit."""
    from tests.e2e.test_edge import fetch

    root = app.frontend_url.rstrip("/")
    problems, assets = [], {}
    for path in sorted(set(app_routes(app)) | set(CONSOLE_PAGES)):
        status, headers, body = fetch(root, path)
        assert status == 200, f"{path}: {status}"
        if headers.get("cache-control") != "no-cache":
            problems.append(f"{path}: Cache-Control {headers.get('cache-control')!r}")
        html = body.decode()
        modules = re.findall(r'<link rel="modulepreload" href="([^"]+)"', html)
        if len(modules) > MAX_MODULES:
            problems.append(f"{path}: {len(modules)} modules (at most {MAX_MODULES})")
        problems += [f"{path}: loads {m}" for m in modules if "DynamicIcon" in m or "dynamic" in m.lower()]
        for href in modules + re.findall(r'<link[^>]*href="(/assets/[^"]+\.css)"', html):
            assets.setdefault(href, path)
    assert assets, "no module was found: the test proves nothing"
    for href, page in sorted(assets.items()):
        status, headers, body = fetch(root, href, headers={"Accept-Encoding": "br, gzip"})
        if status != 200 or headers.get("cache-control") != "public, max-age=31536000, immutable":
            problems.append(f"{page}: {href} answers {status}, Cache-Control {headers.get('cache-control')!r}")
        if len(body) > 1024 and headers.get("content-encoding") not in ("br", "gzip"):
            problems.append(f"{page}: {href} ({len(body)} bytes) is not compressed")
    assert not problems, "\n".join(problems)
