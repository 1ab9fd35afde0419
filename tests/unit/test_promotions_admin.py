"""Promotion management: create/edit with field errors, the guard for existing claims, stock rows."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from rxapp.models import (
    PrizeType,
    Promotion,
    PromotionCategory,
    PromotionCode,
    PromotionModel,
    PromotionRegion,
    RedemptionStatus,
    Role,
)
from rxapp.services import promotions_admin as pa
from rxapp.services.errors import FieldErrors, Forbidden, NotFound
from tests.factories.rows import _category, _claim, _model, _product, _region, _reviewer, _store, _user

S = RedemptionStatus


def _form(category, **kw):
    form = {
        "name": "Christmas Deals",
        "starts_on": "2024-11-01",
        "ends_on": "2024-12-31",
        "category_ids": [category.id],
        "region_codes": ["FR", "DE"],
        "requires_partner_store": "on",
        "per_customer_limit": "2",
        "prize_type": "digital_code",
        "prize_name": "Game code",
        "prize_instructions": "Redeem on the store.\nOne use.",
        "due_working_days": "10",
    }
    form.update(kw)
    return form


@pytest.fixture()
def setup(session):
    _region(session, "FR"), _region(session, "DE")
    return {"reviewer": _reviewer(session), "category": _category(session)}


def _links(session, promotion):
    def ids(table, col):
        return sorted(session.exec(select(col).where(table.promotion_id == promotion.id)).all())

    return (
        ids(PromotionCategory, PromotionCategory.category_id),
        ids(PromotionModel, PromotionModel.model_id),
        ids(PromotionRegion, PromotionRegion.region_code),
    )


def test_create_a_promotion_from_the_form(session, setup):
    cat = setup["category"]
    model = _model(session, cat)
    p = pa.create_promotion(
        session=session, actor_id=setup["reviewer"].id, form=_form(cat, model_ids=[str(model.id)])
    )
    assert (p.slug, p.starts_on, p.ends_on, p.prize_type) == ("christmas-deals", date(2024, 11, 1), date(2024, 12, 31), PrizeType.digital_code)
    assert (p.per_customer_limit, p.due_working_days, p.requires_partner_store, p.physical_stock) == (2, 10, True, None)
    assert p.prize_instructions == "Redeem on the store.\nOne use."
    assert _links(session, p) == ([cat.id], [model.id], ["DE", "FR"])
    # Same name again: the web address gets a number.
    again = pa.create_promotion(session=session, actor_id=setup["reviewer"].id, form=_form(cat))
    assert again.slug == "christmas-deals-2"


def test_every_bad_field_is_named(session, setup):
    other_cat = _category(session)
    stray = _model(session, other_cat, name="MEG Z690")
    with pytest.raises(FieldErrors) as e:
        pa.create_promotion(
            session=session,
            actor_id=setup["reviewer"].id,
            form={
                "name": " ",
                "starts_on": "2024-12-31",
                "ends_on": "2024-01-01",
                "category_ids": [setup["category"].id],
                "model_ids": [stray.id],
                "region_codes": ["XX"],
                "per_customer_limit": "0",
                "prize_type": "physical",
                "physical_stock": "-1",
                "prize_name": "",
                "due_working_days": "abc",
            },
        )
    errors = e.value.errors
    assert set(errors) == {
        "name", "ends_on", "model_ids", "region_codes", "per_customer_limit", "physical_stock", "prize_name",
        "due_working_days",
    }
    assert "MEG Z690" in errors["model_ids"] and "XX" in errors["region_codes"]
    with pytest.raises(FieldErrors) as e:
        pa.create_promotion(
            session=session, actor_id=setup["reviewer"].id,
            form=_form(setup["category"], category_ids=[], prize_type="coupon", starts_on="soon"),
        )
    assert set(e.value.errors) == {"category_ids", "prize_type", "starts_on"}


def test_only_reviewers_manage_promotions(session, setup):
    customer = _user(session)
    with pytest.raises(Forbidden):
        pa.create_promotion(session=session, actor_id=customer.id, form=_form(setup["category"]))
    admin = _user(session, role=Role.admin)
    p = pa.create_promotion(session=session, actor_id=admin.id, form=_form(setup["category"]))
    with pytest.raises(Forbidden):
        pa.update_promotion(session=session, actor_id=customer.id, promotion_id=p.id, form={"name": "Mine"})
    assert session.get(Promotion, p.id).name == "Christmas Deals"
    with pytest.raises(NotFound):
        pa.update_promotion(session=session, actor_id=admin.id, promotion_id=p.id + 50, form={})


def test_edits_without_claims_need_no_confirmation(session, setup):
    rid = setup["reviewer"].id
    p = pa.create_promotion(session=session, actor_id=rid, form=_form(setup["category"]))
    p = pa.update_promotion(
        session=session, actor_id=rid, promotion_id=p.id,
        form={"name": "Winter Deals", "ends_on": date(2024, 11, 2), "region_codes": ["FR"], "prize_type": "physical", "physical_stock": 3},
    )
    assert (p.name, p.slug, p.ends_on, p.physical_stock) == ("Winter Deals", "christmas-deals", date(2024, 11, 2), 3)
    assert _links(session, p)[2] == ["FR"]


@pytest.fixture()
def claimed(session, setup):
    """A promotion with two live claims (FR, bought 2024-03-01, at a store that is not a partner)
    and one rejected (DE), all submitted through the services (so the promotion does not ask
    for a partner store)."""
    cat, rid = setup["category"], setup["reviewer"].id
    model = _model(session, cat)
    p = pa.create_promotion(
        session=session, actor_id=rid,
        form=_form(cat, starts_on="2024-01-01", ends_on="2024-12-31", prize_type="physical", physical_stock=10,
                   per_customer_limit=3, requires_partner_store=""),
    )
    ada = _user(session)
    fr_store = _store(session, "FR", partner=False)
    c1 = _claim(session, _product(session, ada, model=model, store=fr_store), p)
    c2 = _claim(session, _product(session, ada, model=model, store=fr_store), p, status=S.approved)
    _claim(session, _product(session, _user(session), model=model, region="DE"), p, status=S.rejected)
    session.commit()
    return {"promotion": p, "claims": (c1, c2), "model": model, "rid": rid, "cat": cat}


@pytest.mark.parametrize(
    "change, words",
    [
        ({"starts_on": "2024-06-01"}, "outside the new period 2024-06-01 – 2024-12-31"),
        ({"category_ids": "OTHER"}, "model or category is no longer part"),
        ({"region_codes": ["DE"]}, "region is no longer part"),
        ({"requires_partner_store": True}, "outside a partner store"),
        ({"per_customer_limit": 1}, "more claims than the new limit of 1"),
        ({"physical_stock": 1}, "below the 2 claims"),
        ({"prize_type": "digital_code"}, "changing the prize type"),
    ],
)
def test_edits_that_break_existing_claims_ask_for_confirmation(session, claimed, change, words):
    p, rid = claimed["promotion"], claimed["rid"]
    if change.get("category_ids") == "OTHER":
        change = {"category_ids": [_category(session).id]}
    if "requires_partner_store" in change:
        pa.update_promotion(session=session, actor_id=rid, promotion_id=p.id, form={"requires_partner_store": False}, confirm=True)
    before = pa.current_form(session=session, promotion_id=p.id)
    with pytest.raises(pa.NeedsConfirmation) as e:
        pa.update_promotion(session=session, actor_id=rid, promotion_id=p.id, form=change)
    assert len(e.value.warnings) == 1 and words in e.value.warnings[0], e.value.warnings
    assert "Save again with confirmation" in e.value.message
    assert pa.current_form(session=session, promotion_id=p.id) == before  # nothing saved
    pa.update_promotion(session=session, actor_id=rid, promotion_id=p.id, form=change, confirm=True)
    after = pa.current_form(session=session, promotion_id=p.id)
    assert after != before


def test_claims_named_in_the_warning_are_the_live_ones(session, claimed):
    p, (c1, c2) = claimed["promotion"], claimed["claims"]
    with pytest.raises(pa.NeedsConfirmation) as e:
        pa.update_promotion(session=session, actor_id=claimed["rid"], promotion_id=p.id, form={"ends_on": "2024-02-01"})
    assert e.value.warnings == [
        f"2 claims (#{c1.id}, #{c2.id}): their purchase date falls outside the new period 2024-01-01 – 2024-02-01."
    ]


def test_widening_rules_or_listing_the_claimed_model_needs_no_confirmation(session, claimed):
    p, rid = claimed["promotion"], claimed["rid"]
    pa.update_promotion(
        session=session, actor_id=rid, promotion_id=p.id,
        form={"starts_on": "2023-01-01", "ends_on": "2025-12-31", "region_codes": ["FR", "DE"], "model_ids": [claimed["model"].id],
              "per_customer_limit": 5, "physical_stock": 2, "name": "Christmas Deals 2024"},
    )
    assert session.get(Promotion, p.id).name == "Christmas Deals 2024"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.dates(date(2023, 6, 1), date(2024, 6, 1)), end=st.dates(date(2024, 1, 1), date(2025, 6, 1)))
def test_a_period_edit_warns_exactly_when_a_purchase_date_falls_out(session, claimed, start, end):
    p, rid = claimed["promotion"], claimed["rid"]
    form = {"starts_on": start, "ends_on": end}
    if end < start:
        with pytest.raises(FieldErrors):
            pa.update_promotion(session=session, actor_id=rid, promotion_id=p.id, form=form)
        return
    breaks = not (start <= date(2024, 3, 1) <= end)
    try:
        pa.update_promotion(session=session, actor_id=rid, promotion_id=p.id, form=form)
        warned = False
    except pa.NeedsConfirmation:
        warned = True
    session.rollback()
    assert warned == breaks


def test_promotion_rows_show_stock_and_low_flags(session, setup):
    rid, cat = setup["reviewer"].id, setup["category"]
    digital = pa.create_promotion(session=session, actor_id=rid, form=_form(cat, name="Game bundle", starts_on="2024-02-01"))
    physical = pa.create_promotion(
        session=session, actor_id=rid,
        form=_form(cat, name="Mouse pad", prize_type="physical", physical_stock="3", starts_on="2024-01-01"),
    )
    ada, bob = _user(session), _user(session)
    model = _model(session, cat)
    now = datetime(2024, 5, 1, tzinfo=timezone.utc)
    for i in range(20):
        session.add(PromotionCode(promotion_id=digital.id, code=f"CODE-{i:04d}"))
    session.flush()
    # Three claims under review: each reserved its code at submission.
    claims = [_claim(session, _product(session, user, model=model), digital) for user in (ada, ada, bob)]
    # One of the reserved codes already shows as issued (the pool counts it so).
    issued = session.exec(select(PromotionCode).where(PromotionCode.redemption_id == claims[0].id)).one()
    issued.issued_at = now
    session.add(issued)
    _claim(session, _product(session, ada, model=model), physical, status=S.approved)
    _claim(session, _product(session, ada, model=model), physical, status=S.rejected)
    session.commit()
    rows = {r["name"]: r for r in pa.promotion_rows(session=session)}
    assert [r["name"] for r in pa.promotion_rows(session=session)] == ["Game bundle", "Mouse pad"]
    g, m = rows["Game bundle"], rows["Mouse pad"]
    # The numbers add up: 17 free + 2 held for claims under review + 1 issued = 20.
    assert (g["total"], g["reserved"], g["issued"], g["available"], g["low"]) == (20, 2, 1, 17, False)
    assert g["available"] + g["reserved"] + g["issued"] == g["total"]
    assert g["claims"] == {"under_review": 3, "needs_info": 0, "approved": 0, "rejected": 0}
    assert (m["total"], m["reserved"], m["available"], m["low"]) == (3, 1, 2, True)
    assert m["region_codes"] == ["DE", "FR"]
