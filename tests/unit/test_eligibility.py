"""Eligibility: each rule on its own, then each rule through ``check`` (one
test per rule, as the customer sees it), then the All Promotions listing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from rxapp.models import FileKind, PrizeType, RedemptionStatus
from rxapp.services import claims, clock
from rxapp.services import eligibility as el
from rxapp.services.errors import NotFound
from tests.factories import rows as f

PRODUCT = el.ProductFacts(
    id=1, user_id=1, serial="K000000000000001", model_id=10, model_name="Optix MPG341CQR",
    category_id=100, category_name="Monitor", region_code="FR", region_name="France",
    store_id=5, store_name="Fnac Paris", store_region_code="FR", store_is_partner=True,
    purchase_date=date(2021, 12, 5), invoice_file_id=7,
)
PROMO = el.PromotionFacts(
    id=1, name="Christmas Deals", starts_on=date(2021, 12, 1), ends_on=date(2021, 12, 31),
    prize_type=PrizeType.digital_code, prize_name="Steam code", physical_stock=None,
    per_customer_limit=1, requires_partner_store=True,
    category_ids=frozenset({100, 101}), category_names=("Monitor", "Desktop"),
)


# --------------------------------------------------------------------------- rules alone


def test_rule_running():
    assert el.rule_running(PROMO, date(2021, 12, 1)) is None
    assert el.rule_running(PROMO, date(2021, 12, 31)) is None
    assert el.rule_running(PROMO, date(2021, 11, 30)) == "This promotion has not started yet: it runs 2021-12-01 ~ 2021-12-31."
    assert "ended on 2021-12-31" in el.rule_running(PROMO, date(2022, 1, 1))


def test_rule_eligible_model_by_category_and_by_model_list():
    assert el.rule_eligible_model(PRODUCT, PROMO) is None
    laptop = replace(PRODUCT, category_id=200, category_name="Laptop", model_name="Modern 14")
    assert el.rule_eligible_model(laptop, PROMO) == (
        "Modern 14 is a Laptop product; this promotion is for Monitor or Desktop products."
    )
    by_model = replace(PROMO, model_ids=frozenset({11}), model_names=("Optix MAG27CQ",))
    # a listed model list wins over the categories: same category, other model → refused
    assert el.rule_eligible_model(PRODUCT, by_model) == (
        "Optix MPG341CQR is not one of the models of this promotion (Optix MAG27CQ)."
    )
    assert el.rule_eligible_model(replace(PRODUCT, model_id=11), by_model) is None
    # no list at all: every product qualifies
    assert el.rule_eligible_model(laptop, replace(PROMO, category_ids=frozenset(), category_names=())) is None


def test_rule_purchase_date_message_names_the_dates():
    early = replace(PRODUCT, purchase_date=date(2021, 11, 20))
    assert el.rule_purchase_date(early, PROMO) == "Bought on 2021-11-20, before the promotion period 2021-12-01 ~ 2021-12-31."
    late = replace(PRODUCT, purchase_date=date(2022, 1, 2))
    assert el.rule_purchase_date(late, PROMO) == "Bought on 2022-01-02, after the promotion period 2021-12-01 ~ 2021-12-31."


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2023, 12, 31)))
def test_rule_purchase_date_holds_exactly_inside_the_period(bought):
    reason = el.rule_purchase_date(replace(PRODUCT, purchase_date=bought), PROMO)
    assert (reason is None) == (PROMO.starts_on <= bought <= PROMO.ends_on)


def test_rule_region():
    assert el.rule_region(PRODUCT, PROMO) is None  # no regions listed: all
    eu = replace(PROMO, region_codes=frozenset({"DE", "IT"}), region_names=("Germany", "Italy"))
    assert el.rule_region(PRODUCT, eu) == "Bought in France (FR); this promotion is only for Germany or Italy."
    assert el.rule_region(replace(PRODUCT, region_code="DE"), eu) is None


def test_rule_partner_store():
    assert el.rule_partner_store(PRODUCT, PROMO) is None
    not_partner = replace(PRODUCT, store_is_partner=False)
    assert "not a partner store" in el.rule_partner_store(not_partner, PROMO)
    abroad = replace(PRODUCT, store_region_code="DE")
    assert el.rule_partner_store(abroad, PROMO) == (
        "Bought at Fnac Paris, a partner store of DE, not of France where the product was registered."
    )
    relaxed = replace(PROMO, requires_partner_store=False)
    assert el.rule_partner_store(not_partner, relaxed) is None
    assert el.rule_partner_store(abroad, relaxed) is None


def test_rule_purchase_proof():
    assert el.rule_purchase_proof(PRODUCT) is None
    assert "upload the invoice" in el.rule_purchase_proof(replace(PRODUCT, invoice_file_id=None))


def test_rule_not_claimed():
    assert el.rule_not_claimed(None) is None
    assert "under review" in el.rule_not_claimed(RedemptionStatus.under_review, date(2021, 12, 1))
    assert "Redeem Again" in el.rule_not_claimed(RedemptionStatus.needs_info)
    assert "Redeem Success" in el.rule_not_claimed(RedemptionStatus.approved)
    assert "rejected claim is final" in el.rule_not_claimed(RedemptionStatus.rejected)


def test_rule_customer_limit():
    assert el.rule_customer_limit(PROMO, 0) is None
    assert el.rule_customer_limit(PROMO, 1) == "You have reached this promotion's limit of 1 claim per customer."
    two = replace(PROMO, per_customer_limit=2)
    assert el.rule_customer_limit(two, 1) is None
    assert "limit of 2 claims" in el.rule_customer_limit(two, 2)


def test_rule_stock():
    assert el.rule_stock(PROMO, None) is None  # unlimited
    assert el.rule_stock(PROMO, 1) is None
    assert el.rule_stock(PROMO, 0) == "Out of stock: every Steam code of this promotion has been claimed."


def test_evaluate_collects_every_failing_rule_in_faq_order():
    bad = replace(PRODUCT, purchase_date=date(2021, 1, 1), invoice_file_id=None, store_is_partner=False)
    result = el.evaluate(
        bad, PROMO, today=date(2021, 12, 10), existing_status=None, existing_submitted_on=None,
        other_claims=0, available=0,
    )
    assert not result.eligible
    assert [r.rule for r in result.reasons] == ["purchase_date", "partner_store", "purchase_proof", "stock"]


# --------------------------------------------------------------------------- each rule through check()


@pytest.fixture()
def world(session):
    """A running promotion (demo date 2021-12-10) and an eligible product."""
    data = f.claimable(session, codes=3)
    session.commit()
    return data


def _check(session, data, product=None, promotion=None):
    product = product or data["product"]
    promotion = promotion or data["promotion"]
    return el.check(session=session, product_id=product.id, promotion_id=promotion.id, user_id=product.user_id)


def _rules(result):
    return [r.rule for r in result.reasons]


def test_check_eligible_product(session, world):
    assert _check(session, world) == el.Eligibility(True, [])


def test_check_promotion_not_running(session, world):
    clock.set_demo_date(session, date(2022, 1, 3))
    result = _check(session, world)
    assert _rules(result) == ["running"]
    assert "ended on 2021-12-31" in result.reasons[0].message
    d = world["product"]
    as_of = el.check(session=session, product_id=d.id, promotion_id=world["promotion"].id, user_id=d.user_id,
                     as_of=date(2021, 12, 20))
    assert as_of.eligible


def test_check_model_not_eligible(session, world):
    other = f.make_product(session, world["user"])  # a product of another category
    result = _check(session, world, product=other)
    assert _rules(result) == ["eligible_model"]


def test_check_model_list_restricts_the_category(session, world):
    listed = f.make_model(session, world["category"], name="Optix MAG27CQ")
    promo = f.make_promotion(session, categories=[world["category"]], models=[listed], codes=1)
    assert _rules(_check(session, world, promotion=promo)) == ["eligible_model"]
    product = f.make_product(session, world["user"], model=listed)
    assert _check(session, world, product=product, promotion=promo).eligible


def test_check_purchase_date_outside_period(session, world):
    product = f.make_product(session, world["user"], model=world["model"], purchase_date=date(2021, 11, 20))
    result = _check(session, world, product=product)
    assert result.reasons == [
        el.Reason("purchase_date", "Bought on 2021-11-20, before the promotion period 2021-12-01 ~ 2021-12-31.")
    ]


def test_check_region_not_eligible(session, world):
    promo = f.make_promotion(session, categories=[world["category"]], regions=["DE"], codes=1)
    result = _check(session, world, promotion=promo)
    assert result.reasons == [el.Reason("region", "Bought in France (FR); this promotion is only for Germany.")]


def test_check_not_a_partner_store(session, world):
    store = f.make_store(session, "FR", name="Marché aux puces", is_partner=False)
    product = f.make_product(session, world["user"], model=world["model"], store=store)
    assert _rules(_check(session, world, product=product)) == ["partner_store"]
    relaxed = f.make_promotion(session, categories=[world["category"]], codes=1, requires_partner_store=False)
    assert _check(session, world, product=product, promotion=relaxed).eligible


def test_check_partner_store_of_another_region(session, world):
    store = f.make_store(session, "DE", name="MediaMarkt Berlin")
    product = f.make_product(session, world["user"], model=world["model"], store=store, region_code="FR")
    result = _check(session, world, product=product)
    assert _rules(result) == ["partner_store"]
    assert "partner store of DE, not of France" in result.reasons[0].message


def test_check_no_purchase_proof(session, world):
    product = f.make_product(session, world["user"], model=world["model"], with_invoice=False)
    assert _rules(_check(session, world, product=product)) == ["purchase_proof"]
    # a replacement invoice given at submission counts as proof
    invoice = f.make_file(session, world["user"], FileKind.invoice)
    assert el.check(
        session=session, product_id=product.id, promotion_id=world["promotion"].id,
        user_id=world["user"].id, invoice_file_id=invoice.id,
    ).eligible


def _submit(session, data, product=None):
    product = product or data["product"]
    return claims.submit(
        session=session, user_id=product.user_id, product_id=product.id, promotion_id=data["promotion"].id,
        recipient=f.RECIPIENT, serial_photo_file_id=data["photo"].id,
    )


def test_check_already_claimed_and_rejected_stays_final(session, world):
    claim = _submit(session, world)
    result = _check(session, world)
    assert _rules(result) == ["not_claimed"] and "under review" in result.reasons[0].message
    reviewer = f.make_user(session, role="reviewer")
    claims.decide(session=session, claim_id=claim.id, reviewer_id=reviewer.id, decision="reject", reason="Fake invoice.")
    result = _check(session, world)
    assert _rules(result) == ["not_claimed"] and "rejected claim is final" in result.reasons[0].message


def test_check_customer_limit(session, world):
    _submit(session, world)
    second = f.make_product(session, world["user"], model=world["model"])
    result = _check(session, world, product=second)
    assert result.reasons == [el.Reason("customer_limit", "You have reached this promotion's limit of 1 claim per customer.")]


def test_check_customer_limit_does_not_count_rejected_claims(session, world):
    claim = _submit(session, world)
    reviewer = f.make_user(session, role="reviewer")
    claims.decide(session=session, claim_id=claim.id, reviewer_id=reviewer.id, decision="reject", reason="No.")
    second = f.make_product(session, world["user"], model=world["model"])
    assert _check(session, world, product=second).eligible


def test_check_digital_stock(session, world):
    empty = f.make_promotion(session, categories=[world["category"]], codes=0)
    result = _check(session, world, promotion=empty)
    assert _rules(result) == ["stock"] and "Out of stock" in result.reasons[0].message


def test_check_physical_stock_counts_claims_that_are_not_rejected(session, world):
    promo = f.make_promotion(
        session, categories=[world["category"]], prize_type=PrizeType.physical, prize_name="MSI backpack", physical_stock=1
    )
    assert _check(session, world, promotion=promo).eligible
    claim = claims.submit(
        session=session, user_id=world["user"].id, product_id=world["product"].id, promotion_id=promo.id,
        recipient=f.RECIPIENT, serial_photo_file_id=world["photo"].id,
    )
    other = f.claimable(session)
    other_product = f.make_product(session, other["user"], model=world["model"])
    result = _check(session, world, product=other_product, promotion=promo)
    assert _rules(result) == ["stock"] and "every MSI backpack" in result.reasons[0].message
    reviewer = f.make_user(session, role="reviewer")
    claims.decide(session=session, claim_id=claim.id, reviewer_id=reviewer.id, decision="reject", reason="No.")
    assert _check(session, world, product=other_product, promotion=promo).eligible


def test_check_refuses_other_peoples_products(session, world):
    stranger = f.make_user(session)
    with pytest.raises(NotFound):
        el.check(session=session, product_id=world["product"].id, promotion_id=world["promotion"].id, user_id=stranger.id)
    with pytest.raises(NotFound):
        el.check(session=session, product_id=world["product"].id, promotion_id=99999, user_id=world["user"].id)


# --------------------------------------------------------------------------- All Promotions


def test_promotions_for_user_lists_running_promotions_with_each_product(session, world):
    ended = f.make_promotion(session, categories=[world["category"]], starts_on=date(2021, 6, 1), ends_on=date(2021, 7, 1))
    laptop = f.make_product(session, world["user"])
    _submit(session, world)
    rows = el.promotions_for_user(session=session, user_id=world["user"].id)
    assert [r["id"] for r in rows] == [world["promotion"].id]  # the ended one is not offered
    assert ended.id not in [r["id"] for r in rows]
    row = rows[0]
    assert row["period"] == "2021-12-01 ~ 2021-12-31"
    assert row["categories"] == [world["category"].name] and row["prize_name"] == "Steam code"
    by_product = {p["product_id"]: p for p in row["products"]}
    claimed = by_product[world["product"].id]
    assert not claimed["eligible"] and claimed["claim_status"] == "under_review"
    assert claimed["claim_status_text"] == "Redeem qualification under reviewing"
    assert [r["rule"] for r in by_product[laptop.id]["reasons"]] == ["eligible_model", "customer_limit"]


def test_promotions_for_user_takes_a_handful_of_queries(session, world, engine):
    """The query count does not grow with products × promotions."""
    for _ in range(6):
        f.make_promotion(session, categories=[world["category"]], codes=2, regions=["FR", "DE"])
    for _ in range(10):
        f.make_product(session, world["user"], model=world["model"])
    session.commit()
    statements: list[str] = []

    def count(conn, cursor, statement, params, context, executemany):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        rows = el.promotions_for_user(session=session, user_id=world["user"].id)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(rows) == 7 and all(len(r["products"]) == 11 for r in rows)
    assert all(p["eligible"] for p in rows[-1]["products"])
    assert len(statements) <= 7, statements


def test_each_promotion_gets_its_own_model_category_and_region_lists_in_order(session, world):
    """The models, categories and regions of several promotions come back from one statement: each list
    belongs to its own promotion, models and regions by name, categories in the catalog's order."""
    first, second = f.make_category(session, name="Zeta"), f.make_category(session, name="Alpha")
    first.sort_order, second.sort_order = 1, 2
    b, a = f.make_model(session, first, name="B-model"), f.make_model(session, second, name="A-model")
    both = f.make_promotion(session, categories=[second, first], models=[b, a], regions=["FR", "DE"])
    bare = f.make_promotion(session)
    only_regions = f.make_promotion(session, regions=["US"])
    session.commit()
    facts = {p.id: p for p in el.load_promotions(session, [both, bare, only_regions])}
    assert facts[both.id].model_names == ("A-model", "B-model")
    assert facts[both.id].model_ids == frozenset({a.id, b.id})
    assert facts[both.id].category_names == ("Zeta", "Alpha")  # sort_order 1, then 2
    assert facts[both.id].category_ids == frozenset({first.id, second.id})
    assert facts[both.id].region_codes == frozenset({"FR", "DE"})
    assert facts[both.id].region_names == ("France", "Germany")
    assert (facts[bare.id].model_ids, facts[bare.id].category_ids, facts[bare.id].region_codes) == (
        frozenset(), frozenset(), frozenset())
    assert facts[only_regions.id].region_codes == frozenset({"US"}) and not facts[only_regions.id].model_ids
