"""The database itself refuses what breaks an invariant (SQLite, and PostgreSQL when configured).

Each test makes the violating insert and shows it fails, beside an allowed
neighbour that succeeds (so the test proves the rule, not a broken setup).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DataError, IntegrityError
from sqlmodel import Session

from rxapp import db
from rxapp.models import (
    Channel,
    PrizeType,
    ProductCategory,
    ProductModel,
    Promotion,
    PromotionCode,
    Redemption,
    RegisteredProduct,
    Region,
    SerialAttempt,
    SerialAttemptKind,
    SerialRecord,
    Store,
    User,
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine_any(request):
    if request.param == "sqlite":
        yield request.getfixturevalue("engine")
    else:
        url = request.getfixturevalue("pg_url")
        engine = db.get_engine(url)
        yield engine
        engine.dispose()


@dataclass
class Base:
    user: int
    store: int
    serial: int
    serial2: int
    promo: int
    promo2: int
    product: int
    product2: int
    redemption: int


@pytest.fixture()
def base(engine_any) -> Base:
    with Session(engine_any, expire_on_commit=False) as s:
        s.add(Region(code="US", name="United States"))
        user = User(email="ann@example.test", password_hash="x", first_name="Ann", region_code="US")
        cat = ProductCategory(slug="monitor", name="Monitor", serial_pattern=".*", serial_format="A",
                              warranty_months=36, sticker_text="", sticker_image="")
        s.add_all([user, cat])
        s.flush()
        model = ProductModel(category_id=cat.id, name="Optix MAG27CQ", model_number="3CA8",
                             release_date=date(2018, 9, 1))
        store = Store(region_code="US", name="Best Buy", channel=Channel.retail)
        s.add_all([model, store])
        s.flush()
        serial = SerialRecord(serial="MB2110N004217", chk="123", model_id=model.id)
        serial2 = SerialRecord(serial="MB2110N004218", chk="456", model_id=model.id)
        promos = [
            Promotion(slug=slug, name=slug, starts_on=date(2021, 12, 1), ends_on=date(2021, 12, 31),
                      prize_type=PrizeType.digital_code, prize_name="Steam game code")
            for slug in ("xmas", "modern")
        ]
        s.add_all([serial, serial2, *promos])
        s.flush()
        products = [_product(user.id, sid, store.id) for sid in (serial.id, serial2.id)]
        s.add_all(products)
        s.flush()
        claim = _claim(user.id, products[0].id, promos[0].id)
        s.add(claim)
        s.commit()
        return Base(user.id, store.id, serial.id, serial2.id, promos[0].id, promos[1].id,
                    products[0].id, products[1].id, claim.id)


def _product(user_id, serial_id, store_id, active=True) -> RegisteredProduct:
    return RegisteredProduct(user_id=user_id, serial_id=serial_id, region_code="US", store_id=store_id,
                             channel=Channel.retail, purchase_date=date(2021, 12, 5), is_active=active)


# The one place the tests build a ``Redemption`` row by hand (every other test makes its
# claims through the services' transitions, tests.factories.flows): these tests must write
# rows the services would never write, to prove the database itself refuses them.
def _claim(user_id, product_id, promotion_id) -> Redemption:
    return Redemption(user_id=user_id, product_id=product_id, promotion_id=promotion_id, first_name="Ann",
                      last_name="Lee", zipcode="10001", address="1 Main St", phone="+12125550100",
                      due_on=date(2022, 1, 5))


def allowed(engine, *rows) -> None:
    with Session(engine) as s:
        s.add_all(rows)
        s.commit()


def refused(engine, *rows, error=IntegrityError) -> None:
    with Session(engine) as s:
        s.add_all(rows)
        with pytest.raises(error):
            s.commit()
        s.rollback()


def refused_sql(engine, sql: str, params: dict, error=IntegrityError) -> None:
    with engine.connect() as conn:
        with pytest.raises(error):
            conn.execute(sa.text(sql), params)
        conn.rollback()


# --------------------------------------------------------------------------- invariants


def test_one_active_registration_per_serial(engine_any, base):
    refused(engine_any, _product(base.user, base.serial, base.store))
    # Released registrations may pile up; a new active one needs the old one inactive.
    allowed(engine_any, _product(base.user, base.serial, base.store, active=False))
    allowed(engine_any, _product(base.user, base.serial, base.store, active=False))
    with Session(engine_any) as s:
        s.get(RegisteredProduct, base.product).is_active = False
        s.commit()
    allowed(engine_any, _product(base.user, base.serial, base.store))
    refused(engine_any, _product(base.user, base.serial, base.store))


def test_one_claim_per_product_and_promotion(engine_any, base):
    refused(engine_any, _claim(base.user, base.product, base.promo))
    allowed(engine_any, _claim(base.user, base.product, base.promo2))
    allowed(engine_any, _claim(base.user, base.product2, base.promo))


def test_code_unique_within_its_promotion(engine_any, base):
    allowed(engine_any, PromotionCode(promotion_id=base.promo, code="XMAS-AAAA-BBBB"))
    refused(engine_any, PromotionCode(promotion_id=base.promo, code="XMAS-AAAA-BBBB"))
    allowed(engine_any, PromotionCode(promotion_id=base.promo2, code="XMAS-AAAA-BBBB"))


def test_code_assigned_to_at_most_one_claim(engine_any, base):
    allowed(engine_any, PromotionCode(promotion_id=base.promo, code="C1", redemption_id=base.redemption))
    refused(engine_any, PromotionCode(promotion_id=base.promo, code="C2", redemption_id=base.redemption))
    # Unassigned codes (NULL) are many.
    allowed(engine_any, PromotionCode(promotion_id=base.promo, code="C3"),
            PromotionCode(promotion_id=base.promo, code="C4"))


@pytest.mark.parametrize(
    "make",
    [
        lambda b: _product(b.user, b.serial2, 999_999),  # unknown store
        lambda b: _product(999_999, b.serial2, b.store),  # unknown user
        lambda b: SerialAttempt(serial="X", user_id=999_999, kind=SerialAttemptKind.chk_wrong),
        lambda b: PromotionCode(promotion_id=999_999, code="C"),
        lambda b: PromotionCode(promotion_id=b.promo, code="C", redemption_id=999_999),
    ],
    ids=["store", "user", "attempt-user", "code-promotion", "code-claim"],
)
def test_foreign_keys_are_enforced(engine_any, base, make):
    refused(engine_any, make(base))


def test_foreign_keys_are_enforced_for_raw_sql(engine_any, base):
    refused_sql(
        engine_any,
        "INSERT INTO serialrecord (serial, chk, model_id) VALUES (:s, '123', 999999)",
        {"s": "ZZ0000Z000000"},
    )


@pytest.mark.parametrize(
    "sql, bad, good",
    [
        ("INSERT INTO store (region_code, name, channel, is_partner) VALUES ('US', :n, :v, true)",
         "garage_sale", "online"),
        ("UPDATE redemption SET status = :v", "approved_by_magic", "approved"),
        ("INSERT INTO serialattempt (serial, user_id, kind, created_at) "
         "VALUES ('X', (SELECT min(id) FROM \"user\"), :v, CURRENT_TIMESTAMP)", "guess", "chk_wrong"),
        ("UPDATE \"user\" SET role = :v", "superuser", "reviewer"),
    ],
    ids=["channel", "claim-status", "attempt-kind", "role"],
)
def test_enum_columns_refuse_unknown_values(engine_any, base, sql, bad, good):
    # PostgreSQL's native ENUM refuses the value as bad input; SQLite's CHECK as a constraint.
    error = DataError if engine_any.dialect.name == "postgresql" else IntegrityError
    refused_sql(engine_any, sql, {"v": bad, "n": bad}, error=error)
    with engine_any.begin() as conn:  # the same statement with a known value is fine
        conn.execute(sa.text(sql), {"v": good, "n": good})


@pytest.mark.parametrize(
    "sql, params",
    [
        ("UPDATE promotion SET ends_on = :d", {"d": date(2021, 11, 30)}),
        ("UPDATE promotion SET per_customer_limit = 0", {}),
        ("UPDATE serialrecord SET chk = '12'", {}),
        ("UPDATE serialrecord SET chk = '1234'", {}),
    ],
    ids=["period", "limit", "chk-short", "chk-long"],
)
def test_check_constraints(engine_any, base, sql, params):
    # PostgreSQL refuses a 4-character CHK already by the VARCHAR(3) length (a DataError).
    too_long = "'1234'" in sql and engine_any.dialect.name == "postgresql"
    refused_sql(engine_any, sql, params, error=DataError if too_long else IntegrityError)


@pytest.mark.parametrize(
    "make",
    [
        lambda b: User(email="ann@example.test", password_hash="x", first_name="Twin", region_code="US"),
        lambda b: SerialRecord(serial="MB2110N004217", chk="999", model_id=1),
        lambda b: Store(region_code="US", name="Best Buy", channel=Channel.online),
    ],
    ids=["user-email", "serial", "store-name-in-region"],
)
def test_unique_identities(engine_any, base, make):
    refused(engine_any, make(base))
