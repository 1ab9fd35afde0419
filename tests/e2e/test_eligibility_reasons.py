"""All Promotions explains, per product, which rule fails — the seed's FAQ as live checks.

One customer, one product per failing rule, two promotions made through the
promotion service; one test per rule reads that product's reason on the page.
"""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from rxapp import db
from rxapp.models import FileKind
from rxapp.services import catalog, clock, file_store, promotions_admin, claims
from tests.factories import flows as factories
from tests.e2e.conftest import log_in

RULE_PROMO = "Rule Check Monitors"
SOLD_OUT = "Sold Out Backpacks"


@pytest.fixture(scope="module")
def scenario(app):
    reviewer = factories.reviewer_id()
    with db.session_scope() as s:
        today = clock.today(s)
        cats = {c["slug"]: c["id"] for c in catalog.categories(session=s)}
        common = {"starts_on": today - timedelta(days=30), "ends_on": today + timedelta(days=30),
                  "due_working_days": 14, "prize_instructions": ""}
        promotions_admin.create_promotion(session=s, actor_id=reviewer, form={
            **common, "name": RULE_PROMO, "category_ids": [cats["monitor"]], "region_codes": ["US"],
            "requires_partner_store": True, "per_customer_limit": 1, "prize_type": "physical",
            "prize_name": "Monitor light bar", "physical_stock": 50})
        promotions_admin.create_promotion(session=s, actor_id=reviewer, form={
            **common, "name": SOLD_OUT, "category_ids": [cats["monitor"]], "region_codes": [],
            "requires_partner_store": False, "per_customer_limit": 5, "prize_type": "physical",
            "prize_name": "Backpack", "physical_stock": 0})
    user_id, email = factories.make_customer("rules")
    slug = "rule-check-monitors"
    made = {
        "eligible_model": factories.register_product(user_id, slug, category_slug="laptop"),
        "purchase_date": factories.register_product(user_id, slug, category_slug="monitor", days_ago=45),
        "region": factories.register_product(user_id, slug, "GB", category_slug="monitor"),
        "partner_store": factories.register_product(user_id, slug, category_slug="monitor", partner=False),
        "purchase_proof": factories.register_product(user_id, slug, category_slug="monitor", with_invoice=False),
        "claimed": factories.register_product(user_id, slug, category_slug="monitor"),
        "customer_limit": factories.register_product(user_id, slug, category_slug="monitor"),
    }
    photo_owner = made["claimed"]
    with db.session_scope() as s:
        photo = file_store.check_and_store_stream(session=s, owner_id=user_id, kind=FileKind.serial_photo,
                                             chunks=factories.image_bytes(800, 600, "S/N"), filename="sn.png")
        claims.submit(session=s, user_id=user_id, product_id=photo_owner["product_id"],
                           promotion_id=photo_owner["promotion_id"], serial_photo_file_id=photo.file_id,
                           recipient={"first_name": "Casey", "last_name": "Flow", "zipcode": "10001",
                                      "address": "1 Main St\nNew York", "contact_number": "+12127363100"})
    return {"email": email, "products": made}


EXPECTED = {
    "eligible_model": "this promotion is for Monitor products",
    "purchase_date": "before the promotion period",
    "region": "this promotion is only for",
    "partner_store": "which is not a partner store",
    "purchase_proof": "No proof of purchase on file",
    "customer_limit": "limit of 1 claim per customer",
}


@pytest.mark.parametrize("rule", sorted(EXPECTED))
def test_each_failing_rule_is_explained(site, scenario, rule):
    log_in(site, scenario["email"], factories.PASSWORD)
    page = site.visit("/promotions")
    product = scenario["products"][rule]
    card = page.locator(".rt-Card").filter(has=page.get_by_role("heading", name=RULE_PROMO))
    summary = card.locator("summary")
    if card.locator("details[open]").count() == 0:
        summary.click()
    offer = page.get_by_role("list", name=f"Why {product['model']} is not eligible").filter(
        has_text=EXPECTED[rule])
    expect(offer.first).to_be_visible()


def test_claimed_product_shows_its_claim_instead_of_a_button(site, scenario):
    log_in(site, scenario["email"], factories.PASSWORD)
    page = site.visit("/promotions")
    card = page.locator(".rt-Card").filter(has=page.get_by_role("heading", name=RULE_PROMO))
    expect(card).to_contain_text("Redeem qualification under reviewing")


def test_out_of_stock_is_explained(site, scenario):
    log_in(site, scenario["email"], factories.PASSWORD)
    page = site.visit("/promotions")
    card = page.locator(".rt-Card").filter(has=page.get_by_role("heading", name=SOLD_OUT))
    expect(card.get_by_text("Out of stock").first).to_be_visible()
