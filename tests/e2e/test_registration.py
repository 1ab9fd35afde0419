"""Browser tests of issue 4: the registration wizard, My Products, and private invoices.

Demo units (serial + CHK, as printed on the demo sticker sheet) come from
``services.demo_seed.demo_stickers`` in this process; the customer's actions
all go through the browser.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request

from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import log_in
from tests.e2e.test_accounts import PASSWORD, answer_captcha, make_account, unique_email


def free_unit(*, with_zero: bool = False) -> dict:
    from rxapp import db
    from rxapp.services import demo_seed

    with db.session_scope() as s:
        units = demo_seed.demo_stickers(session=s, limit=120)
    if with_zero:
        units = [u for u in units if "0" in u["serial"]]
    assert units
    return units[len(units) // 3]


def wide_invoice(tmp_path, width: int = 2400) -> str:
    path = tmp_path / "invoice-wide.png"
    im = Image.new("RGB", (width, 1000), "white")
    im.save(path, "PNG")
    return str(path)


def category_name(slug: str) -> str:
    from rxapp import db
    from rxapp.services import catalog

    with db.session_scope() as s:
        return next(c["name"] for c in catalog.categories(session=s) if c["slug"] == slug)


def steps_one_to_three(page, unit: dict, *, serial: str | None = None) -> None:
    page.get_by_label(category_name(unit["category_slug"]), exact=True).check()
    expect(page.get_by_role("heading", name="How to Identify Product Serial Number?")).to_be_visible()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Serial Number").fill(serial or unit["serial"])
    if serial is None:
        expect(page.get_by_text(re.compile(r"^Found: "))).to_be_visible()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_label("CHK")).to_be_visible()


def test_register_a_product_through_every_step(site, tmp_path):
    email = unique_email("register")
    make_account(email)
    log_in(site, email, PASSWORD)
    unit = free_unit(with_zero=True)
    page = site.visit("/products/register")
    expect(page.get_by_label("Registration steps")).to_be_visible()

    # Step 1: the category, with where its sticker is.
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("Please choose the category of your product.")).to_be_visible()
    page.get_by_label(category_name(unit["category_slug"]), exact=True).check()
    expect(page.get_by_role("img", name=re.compile(r"S.N sticker location"))).to_be_visible()
    page.get_by_role("button", name="Next").click()

    # Step 2: an "O" typed where the format wants the digit 0 gets the hint and the fix.
    typed = unit["serial"].replace("0", "O", 1)
    page.get_by_label("Serial Number").fill(typed)
    expect(page.locator("#reg-serial-hint")).to_contain_text('the letter "O" instead of the number "0"')
    page.get_by_role("button", name=f"Use {unit['serial']}").click()
    expect(page.get_by_label("Serial Number")).to_have_value(unit["serial"])
    expect(page.get_by_text(re.compile(r"^Found: "))).to_be_visible()
    expect(page.get_by_text(unit["model"]).first).to_be_visible()
    site.check_a11y()
    page.get_by_role("button", name="Next").click()

    # Step 3: a wrong CHK gets a message; the right one goes on.
    wrong = f"{(int(unit['chk']) + 7) % 1000:03d}"
    page.get_by_label("CHK").fill(wrong)
    page.get_by_role("button", name="Next").click()
    expect(page.locator("#reg-chk-error")).to_contain_text("does not match")
    # Back and forward keep what was typed.
    page.get_by_role("button", name="Back").click()
    expect(page.get_by_label("Serial Number")).to_have_value(unit["serial"])
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_label("CHK")).to_have_value(wrong)
    page.get_by_label("CHK").fill(unit["chk"])
    page.get_by_role("button", name="Next").click()

    # Step 4: purchase details, the invoice check, captcha.
    expect(page.get_by_label("Store Name")).to_be_visible()
    page.get_by_label("Region / Location").select_option("US")
    store = page.get_by_label("Store Name").locator("option").nth(1)
    page.get_by_label("Store Name").select_option(store.get_attribute("value"))
    from rxapp import db
    from rxapp.services import clock

    with db.session_scope() as s:
        bought = clock.today(s)
    page.get_by_label("Purchase Date").fill(bought.isoformat())
    page.get_by_label("Retail store").check()

    page.get_by_label("Invoice Upload").set_input_files(wide_invoice(tmp_path))
    expect(page.locator("#invoice-message")).to_contain_text("2400")
    page.get_by_role("button", name="Resize for me").click()
    expect(page.locator("#invoice-message")).to_contain_text("Resized to 1600 px")
    thumb = page.get_by_role("img", name="Invoice Upload preview")
    expect(thumb).to_be_visible()
    # The private thumbnail really loads from the backend in this browser.
    page.wait_for_function(
        "() => { const i = document.querySelector('img[alt=\"Invoice Upload preview\"]');"
        " return i && i.complete && i.naturalWidth > 0; }")
    site.check_a11y()

    answer_captcha(page, "reg")
    page.get_by_role("button", name="Next").click()
    page.wait_for_url(re.compile(r"/products/?$"))
    site.wait_ready()
    row = page.get_by_role("row").filter(has_text=unit["serial"])
    expect(row).to_contain_text(unit["model"])
    expect(row).to_contain_text(bought.isoformat())
    expect(row).to_contain_text(re.compile(r"\d+ days left"))
    site.check_a11y()


def test_a_second_account_cannot_register_the_same_serial(site, new_site):
    from rxapp import db
    from rxapp.services import catalog, clock, products
    from rxapp.models import Channel

    owner_id = make_account(unique_email("owner"))
    unit = free_unit()
    with db.session_scope() as s:
        store = catalog.stores_for_region(session=s, region_code="US")[0]
        products.register(session=s, user_id=owner_id, serial=unit["serial"], chk=unit["chk"], region_code="US",
                          store_id=store["id"], purchase_date=clock.today(s), channel=Channel.retail,
                          invoice_file_id=None, require_invoice=False)

    email = unique_email("second")
    make_account(email)
    log_in(site, email, PASSWORD)
    page = site.visit("/products/register")
    steps_one_to_three(page, unit)
    page.get_by_label("CHK").fill(unit["chk"])
    page.get_by_role("button", name="Next").click()
    message = page.get_by_role("alert").filter(has_text="already registered")
    expect(message).to_be_visible()
    expect(message).to_contain_text(re.compile("support", re.I))
    expect(page.get_by_label("Store Name")).to_have_count(0)  # still on step 3


def _status(url: str, cookie: str | None = None) -> int:
    req = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_an_invoice_is_private_to_its_owner(site, new_site, tmp_path, app):
    from rxapp import db
    from rxapp.models import StoredFile
    from sqlmodel import select

    email = unique_email("private")
    owner_id = make_account(email)
    log_in(site, email, PASSWORD)
    unit = free_unit()
    page = site.visit("/products/register")
    steps_one_to_three(page, unit)
    page.get_by_label("CHK").fill(unit["chk"])
    page.get_by_role("button", name="Next").click()
    path = tmp_path / "ok.png"
    Image.new("RGB", (900, 600), "white").save(path, "PNG")
    page.get_by_label("Invoice Upload").set_input_files(str(path))
    thumb = page.get_by_role("img", name="Invoice Upload preview")
    expect(thumb).to_be_visible()
    src = thumb.get_attribute("src")
    assert re.match(r"^https?://[^/]+/files/[^/]+$", src), src
    # The owner's browser gets it (its session cookie goes along).
    assert page.request.get(src).status == 200

    # A signed-out visitor with the very same link gets nothing.
    visitor = new_site()
    assert visitor.page.request.get(src).status == 404
    assert _status(src) == 404
    # Another customer, signed in, with the same link: nothing.
    other_email = unique_email("other")
    make_account(other_email)
    other = new_site()
    log_in(other, other_email, PASSWORD)
    assert other.page.request.get(src).status == 404

    # Not under Reflex's public upload folder, under any name, nor by guessing.
    with db.session_scope() as s:
        row = s.exec(select(StoredFile).where(StoredFile.owner_id == owner_id)).first()
    backend = src.split("/files/")[0]
    for url in (
        f"{backend}/_upload/{row.storage_key}",
        f"{backend}/_upload/{row.thumb_key}",
        f"{backend}/_upload/{row.original_name}",
        f"{backend}/files/{row.id}",
        f"{backend}/files/{row.storage_key}",
        f"{backend}/files/{src.rsplit('/', 1)[1][:-4]}AAAA",
    ):
        assert other.page.request.get(url).status == 404, url
        assert visitor.page.request.get(url).status == 404, url
