"""The demo seed: a seeded database holds everything the demo flows need."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlmodel import Session, select

from rxapp import db
from rxapp.models import (
    PrizeType,
    ProductCategory,
    ProductModel,
    Promotion,
    PromotionCategory,
    PromotionCode,
    PromotionModel,
    PromotionRegion,
    ReasonTemplate,
    RegisteredProduct,
    Role,
    SerialRecord,
    Store,
    User,
)
from rxapp.services import clock, demo_seed, products, serials
from rxapp.services.passwords import verify_password

TODAY = date(2025, 3, 14)


@pytest.fixture()
def seeded(session):
    result = demo_seed.seed(session=session, today=TODAY)
    session.commit()
    assert result["skipped"] is False
    return session


def test_seed_fills_an_empty_database_once(session):
    assert demo_seed.is_empty(session)
    first = demo_seed.seed(session=session, today=TODAY)
    session.commit()
    assert first["serials"] == demo_seed.UNITS_PER_MODEL * len(session.exec(select(ProductModel)).all())
    assert not demo_seed.is_empty(session)
    assert demo_seed.seed(session=session, today=TODAY) == {"skipped": True}
    assert len(session.exec(select(User)).all()) == len(demo_seed.DEMO_USERS)


def test_the_seed_walkthroughs_promotions_with_their_2021_dates(seeded):
    def promo(name):
        p = seeded.exec(select(Promotion).where(Promotion.name == name)).one()
        cats = seeded.exec(
            select(ProductCategory.name).join(PromotionCategory).where(PromotionCategory.promotion_id == p.id)
        ).all()
        return p, set(cats)

    xmas, cats = promo("Christmas Deal")
    assert (xmas.starts_on, xmas.ends_on) == (date(2021, 12, 1), date(2021, 12, 31))
    assert cats == {"Monitor", "Desktop"}
    assert xmas.prize_type == PrizeType.digital_code and "Steam" in xmas.prize_name
    passion, cats = promo("Live in Everyday Passion")
    assert (passion.starts_on, passion.ends_on, cats) == (date(2021, 7, 1), date(2021, 9, 30), {"Laptop"})
    modern, cats = promo("Back to Modern")
    assert (modern.starts_on, modern.ends_on, cats) == (date(2021, 6, 17), date(2021, 7, 18), {"Monitor"})


def test_promotions_run_around_today_with_regions_and_prize_stock(seeded):
    running = demo_seed.running_promotions(seeded, TODAY)
    assert len(running) >= 2
    assert {p.prize_type for p in running} == {PrizeType.digital_code, PrizeType.physical}
    for p in seeded.exec(select(Promotion)).all():
        regions = seeded.exec(
            select(PromotionRegion.region_code).where(PromotionRegion.promotion_id == p.id)
        ).all()
        assert "US" in regions or "GB" in regions, p.name
        codes = seeded.exec(select(PromotionCode.code).where(PromotionCode.promotion_id == p.id)).all()
        if p.prize_type == PrizeType.digital_code:
            assert len(codes) >= 30 and len(set(codes)) == len(codes)
            assert all(re.fullmatch(r"[A-Z]{3,4}-[A-Z2-9]{4}-[A-Z2-9]{4}", c) for c in codes)
        else:
            assert codes == [] and p.physical_stock and p.physical_stock > 0
    xmas_codes = seeded.exec(
        select(PromotionCode.code).join(Promotion).where(Promotion.slug == "christmas-deal-2021")
    ).all()
    assert len(xmas_codes) == 50 and all(c.startswith("XMAS-") for c in xmas_codes)
    # One promotion lists models: only those qualify.
    listed = seeded.exec(select(ProductModel.name).join(PromotionModel)).all()
    assert set(listed) == {"MAG B650 TOMAHAWK WIFI", "MPG Z790 EDGE WIFI"}


def test_reason_templates(seeded):
    texts = {t.text: t for t in seeded.exec(select(ReasonTemplate)).all()}
    invoice = texts["Please provide the invoice with your product name on it, thanks."]
    assert invoice.missing_document == "invoice"
    sn = texts["Please upload a photo of the S/N sticker on the product itself, not on the package."]
    assert sn.missing_document == "serial_photo"
    assert any(t.missing_document == "recipient" for t in texts.values())
    assert sum(t.is_rejection for t in texts.values()) == 2
    # One German and one Traditional Chinese template for the demo of issue 16; the others English.
    assert sorted(t.language for t in texts.values() if t.language != "en") == ["de", "zh-TW"]


def test_demo_users_log_in_with_their_documented_passwords(seeded):
    roles = set()
    for demo in demo_seed.DEMO_USERS:
        user = seeded.exec(select(User).where(User.email == demo.email)).one()
        assert verify_password(demo.password, user.password_hash)
        assert user.password_hash.startswith("$argon2id$")
        assert user.role == demo.role and user.email_verified_at is not None
        roles.add(user.role)
    assert roles == {Role.customer, Role.reviewer, Role.admin}
    emails = [d.email for d in demo_seed.DEMO_USERS]
    assert {"demo@member-center.test", "new@member-center.test", "reviewer@member-center.test",
            "admin@member-center.test"} == set(emails)


def test_demo_customer_owns_products_that_fit_running_promotions(seeded):
    demo = seeded.exec(select(User).where(User.email == "demo@member-center.test")).one()
    new = seeded.exec(select(User).where(User.email == "new@member-center.test")).one()
    assert products.my_products(session=seeded, user_id=new.id) == []
    owned = seeded.exec(select(RegisteredProduct).where(RegisteredProduct.user_id == demo.id)).all()
    assert 2 <= len(owned) <= 4
    running = demo_seed.running_promotions(seeded, TODAY)
    fitting = 0
    for product in owned:
        model = seeded.get(ProductModel, seeded.get(SerialRecord, product.serial_id).model_id)
        store = seeded.get(Store, product.store_id)
        assert store.region_code == product.region_code == demo.region_code and store.is_partner
        assert model.release_date <= product.purchase_date <= TODAY
        for p in running:
            cats = seeded.exec(
                select(PromotionCategory.category_id).where(PromotionCategory.promotion_id == p.id)
            ).all()
            if model.category_id in cats and p.starts_on <= product.purchase_date <= p.ends_on:
                fitting += 1
                break
    assert fitting >= 2
    rows = products.my_products(session=seeded, user_id=demo.id)
    assert {r["product_name"] for r in rows} >= {"Optix MPG341CQR"}  # the seed's Christmas Deal monitor


def test_demo_stickers_are_free_units_for_the_running_promotions(seeded):
    clock.set_demo_date(seeded, TODAY)
    stickers = demo_seed.demo_stickers(session=seeded, limit=24)
    assert len(stickers) == 24
    assert len({s["serial"] for s in stickers}) == 24
    assert len({s["model"] for s in stickers}) >= 6  # spread over the models
    registered = set(seeded.exec(select(RegisteredProduct.serial_id)).all())
    for s in stickers:
        record = seeded.exec(select(SerialRecord).where(SerialRecord.serial == s["serial"])).one()
        assert record.chk == s["chk"] and record.id not in registered
        assert s["promotions"], s
        # Each one can be registered right away.
        category = seeded.exec(
            select(ProductCategory).where(ProductCategory.slug == s["category_slug"])
        ).one()
        assert serials.hints(session=seeded, category_id=category.id, raw=s["serial"]).status == "found"


def test_seed_works_for_a_demo_date_in_2021(session):
    demo_seed.seed(session=session, today=date(2021, 12, 15))
    session.commit()
    demo = session.exec(select(User).where(User.email == "demo@member-center.test")).one()
    for product in session.exec(select(RegisteredProduct).where(RegisteredProduct.user_id == demo.id)).all():
        model = session.get(ProductModel, session.get(SerialRecord, product.serial_id).model_id)
        assert model.release_date <= product.purchase_date <= date(2021, 12, 15)


def test_seed_is_deterministic(tmp_path):
    registries = []
    for name in ["a", "b"]:
        url = f"sqlite:///{tmp_path / name}.db"
        db.migrate(url)
        with Session(db.get_engine(url)) as s:
            demo_seed.seed(session=s, today=TODAY)
            s.commit()
            units = select(SerialRecord.serial, SerialRecord.chk).order_by(SerialRecord.id)
            registries.append(s.exec(units).all())
            registries.append(s.exec(select(PromotionCode.code).order_by(PromotionCode.id)).all())
        db.get_engine(url).dispose()
        db._engines.pop(url, None)
    assert registries[0] == registries[2] and registries[1] == registries[3]
