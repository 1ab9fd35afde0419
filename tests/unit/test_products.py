"""Product registration, My Products with the warranty, replacing the invoice."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session, select

from rxapp.models import (
    Channel,
    FileKind,
    ProductModel,
    RegisteredProduct,
    Role,
    SerialAttempt,
    SerialAttemptKind,
    SerialRecord,
    Store,
    StoredFile,
    User,
    utcnow,
)
from rxapp.services import catalog, clock, products
from rxapp.services.errors import Conflict, FieldErrors, NotFound

TODAY = date(2024, 6, 15)


@pytest.fixture()
def reg(session):
    catalog.ensure_catalog(session=session)
    catalog.ensure_regions(session=session)
    catalog.seed_registry(session=session, per_model=5)
    clock.set_demo_date(session, TODAY)
    session.commit()
    return session


def make_user(session, email="ann@example.test") -> User:
    user = User(email=email, password_hash="x", first_name="Ann", region_code="US", role=Role.customer)
    session.add(user)
    session.commit()
    return user


def make_file(session, user, kind=FileKind.invoice, expires_at=None) -> StoredFile:
    stored = StoredFile(
        owner_id=user.id, kind=kind, storage_key=secrets.token_hex(16), sha256="0" * 64,
        content_type="image/png", size=1000, width=800, height=600, expires_at=expires_at,
    )
    session.add(stored)
    session.commit()
    return stored


def unit(session, model_name, index=0) -> SerialRecord:
    return session.exec(
        select(SerialRecord).join(ProductModel).where(ProductModel.name == model_name)
        .order_by(SerialRecord.id).offset(index)
    ).first()


def store(session, region, name) -> Store:
    return session.exec(select(Store).where(Store.region_code == region, Store.name == name)).one()


def form(session, user, record, **overrides) -> dict:
    values = dict(
        session=session, user_id=user.id, serial=record.serial, chk=record.chk, region_code="US",
        store_id=store(session, "US", "Best Buy").id, purchase_date=date(2024, 5, 1),
        channel=Channel.retail, invoice_file_id=make_file(session, user).id,
    )
    values.update(overrides)
    return values


# --------------------------------------------------------------------------- register


def test_register_then_the_product_is_in_my_products_with_its_warranty(reg):
    user = make_user(reg)
    record = unit(reg, "Optix MAG27CQ")
    product = products.register(**form(reg, user, record, serial=record.serial.lower(), channel="online"))
    reg.commit()
    assert product.id and product.is_active and product.channel == Channel.online
    [row] = products.my_products(session=reg, user_id=user.id)
    assert row["id"] == product.id
    assert (row["category"], row["product_name"]) == ("Monitor", "Optix MAG27CQ")
    assert row["serial"] == record.serial
    assert row["purchase_date"] == "2024-05-01"
    assert row["warranty_end"] == "2027-05-01"  # monitors: 36 months
    assert row["warranty_text"] == f"{(date(2027, 5, 1) - TODAY).days} days left"
    assert row["has_invoice"] is True


def test_every_field_problem_is_reported_at_once(reg):
    user = make_user(reg)
    other = make_user(reg, "bob@example.test")
    record = unit(reg, "Optix MAG27CQ")
    with pytest.raises(FieldErrors) as e:
        products.register(
            **form(
                reg, user, record, chk=f"{(int(record.chk) + 1) % 1000:03d}", region_code="GB",
                store_id=store(reg, "US", "Best Buy").id, purchase_date=TODAY + timedelta(days=1),
                channel="garage sale", invoice_file_id=make_file(reg, other).id,
            )
        )
    errors = e.value.errors
    assert set(errors) == {"chk", "store", "purchase_date", "channel", "invoice"}
    assert errors["store"] == "Please choose a store in United Kingdom."
    assert errors["purchase_date"] == "The purchase date cannot be in the future."
    assert "Retail store, Online retailer or Reseller" in errors["channel"]
    assert "cannot find this invoice" in errors["invoice"]
    assert reg.exec(select(RegisteredProduct)).all() == []


@pytest.mark.parametrize(
    "overrides, field, words",
    [
        ({"region_code": "ZZ"}, "region", "country or region"),
        ({"region_code": ""}, "region", "country or region"),
        ({"store_id": 999999}, "store", "choose the store"),
        ({"store_id": "x"}, "store", "choose the store"),
        ({"purchase_date": None}, "purchase_date", "purchase date"),
        ({"invoice_file_id": None}, "invoice", "upload"),
        ({"serial": "ZZ0000Z000000"}, "serial", "cannot find"),
        ({"chk": "1"}, "chk", "3 digits"),
    ],
)
def test_one_bad_field(reg, overrides, field, words):
    user = make_user(reg)
    record = unit(reg, "Optix MAG27CQ")
    with pytest.raises(FieldErrors) as e:
        products.register(**form(reg, user, record, **overrides))
    assert set(e.value.errors) == {field}
    assert words in e.value.errors[field]


def test_purchase_before_the_models_release_is_refused(reg):
    user = make_user(reg)
    record = unit(reg, "GeForce RTX 4070 GAMING X TRIO 12G")
    with pytest.raises(FieldErrors) as e:
        products.register(**form(reg, user, record, purchase_date=date(2023, 4, 12)))
    assert "went on sale on 2023-04-13" in e.value.errors["purchase_date"]
    assert products.register(**form(reg, user, record, purchase_date=date(2023, 4, 13))).id


def test_future_follows_the_business_date(reg):
    user = make_user(reg)
    clock.set_demo_date(reg, date(2021, 12, 10))
    reg.commit()
    record = unit(reg, "Optix MPG341CQR")
    with pytest.raises(FieldErrors) as e:
        products.register(**form(reg, user, record, purchase_date=date(2021, 12, 11)))
    assert "future" in e.value.errors["purchase_date"]
    assert products.register(**form(reg, user, record, purchase_date=date(2021, 12, 10))).id


@pytest.mark.parametrize(
    "kind, expires, words",
    [(FileKind.serial_photo, None, "S/N photo"), (FileKind.invoice, True, "Resize for me")],
)
def test_invoice_must_be_a_kept_invoice_file(reg, kind, expires, words):
    user = make_user(reg)
    record = unit(reg, "Optix MAG27CQ")
    stored = make_file(reg, user, kind=kind, expires_at=utcnow() + timedelta(hours=1) if expires else None)
    with pytest.raises(FieldErrors) as e:
        products.register(**form(reg, user, record, invoice_file_id=stored.id))
    assert words in e.value.errors["invoice"]


def test_invoice_may_be_optional_when_the_caller_says_so(reg):
    user = make_user(reg)
    record = unit(reg, "Optix MAG27CQ")
    product = products.register(**form(reg, user, record, invoice_file_id=None), require_invoice=False)
    assert product.invoice_file_id is None


def test_a_second_account_cannot_register_the_same_serial(reg, engine):
    first, second = make_user(reg), make_user(reg, "bob@example.test")
    record = unit(reg, "Modern 14")
    products.register(**form(reg, first, record))
    reg.commit()
    with pytest.raises(Conflict) as e:
        products.register(**form(reg, second, record))
    assert "already registered to another account" in e.value.message
    reg.rollback()
    with Session(engine) as s:
        kinds = s.exec(select(SerialAttempt.kind, SerialAttempt.user_id)).all()
    assert kinds == [(SerialAttemptKind.already_registered, second.id)]
    assert len(reg.exec(select(RegisteredProduct)).all()) == 1


def test_registering_twice_in_one_account_says_it_is_in_my_products(reg):
    user = make_user(reg)
    record = unit(reg, "Modern 14")
    products.register(**form(reg, user, record))
    reg.commit()
    with pytest.raises(FieldErrors) as e:
        products.register(**form(reg, user, record))
    assert "My Products" in e.value.errors["serial"]


def test_the_unique_index_settles_a_race_between_two_accounts(reg, engine):
    """A competing registration commits between our checks and our insert."""
    first, second = make_user(reg), make_user(reg, "bob@example.test")
    record = unit(reg, "Prestige 14")
    values = form(reg, second, record)
    us_store = values["store_id"]

    fired: list[bool] = []

    def competitor(session, flush_context, instances):
        if fired or not any(isinstance(o, RegisteredProduct) for o in session.new):
            return
        fired.append(True)
        with Session(engine) as other:
            other.add(
                RegisteredProduct(user_id=first.id, serial_id=record.id, region_code="US", store_id=us_store,
                                  channel=Channel.retail, purchase_date=date(2024, 5, 2))
            )
            other.commit()

    sa.event.listen(reg, "before_flush", competitor)
    try:
        with pytest.raises(Conflict) as e:
            products.register(**values)
    finally:
        sa.event.remove(reg, "before_flush", competitor)
    assert fired and "already registered to another account" in e.value.message
    with Session(engine) as s:
        owners = s.exec(select(RegisteredProduct.user_id)).all()
        recorded = s.exec(select(SerialAttempt.user_id, SerialAttempt.kind)).all()
    assert owners == [first.id]
    assert recorded == [(second.id, SerialAttemptKind.already_registered)]


# --------------------------------------------------------------------------- My Products


@given(
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
    months=st.integers(0, 120),
)
def test_add_months_is_calendar_arithmetic(start, months):
    end = products.add_months(start, months)
    assert (end.year * 12 + end.month) - (start.year * 12 + start.month) == months
    assert end.day == start.day or (end.day < start.day and (end + timedelta(days=1)).day == 1)


def test_add_months_clamps_to_month_end():
    assert products.add_months(date(2021, 1, 31), 1) == date(2021, 2, 28)
    assert products.add_months(date(2020, 2, 29), 24) == date(2022, 2, 28)
    assert products.add_months(date(2021, 11, 30), 3) == date(2022, 2, 28)


def test_warranty_texts():
    end = date(2024, 6, 15)
    assert products.warranty_text(end, date(2024, 6, 10)) == "5 days left"
    assert products.warranty_text(end, date(2024, 6, 14)) == "1 day left"
    assert products.warranty_text(end, date(2024, 6, 15)) == "expires today"
    assert products.warranty_text(end, date(2024, 6, 16)) == "expired"


def test_my_products_newest_first_own_active_only(reg):
    user, other = make_user(reg), make_user(reg, "bob@example.test")
    laptop = products.register(**form(reg, user, unit(reg, "Modern 14"), purchase_date=date(2022, 6, 15)))
    reg.commit()
    monitor = products.register(
        **form(reg, user, unit(reg, "Optix MAG27CQ"), purchase_date=date(2021, 6, 15))
    )
    reg.commit()
    products.register(**form(reg, other, unit(reg, "Optix MAG27CQ", 1)))
    gone = products.register(
        **form(reg, user, unit(reg, "GF63 Thin"), invoice_file_id=None), require_invoice=False
    )
    gone.is_active = False
    reg.add(gone)
    reg.commit()
    rows = products.my_products(session=reg, user_id=user.id)
    assert [r["id"] for r in rows] == [monitor.id, laptop.id]
    assert rows[0]["warranty_text"] == "expires today"  # 2021-06-15 + 36 months
    assert rows[1]["warranty_text"] == "expires today"  # 2022-06-15 + 24 months
    later = products.my_products(session=reg, user_id=user.id, today=TODAY + timedelta(days=1))
    assert [r["warranty_text"] for r in later] == ["expired", "expired"]
    assert all(r["warranty_expired"] for r in later)


# --------------------------------------------------------------------------- replace the invoice


def test_replace_invoice(reg):
    user, other = make_user(reg), make_user(reg, "bob@example.test")
    product = products.register(**form(reg, user, unit(reg, "Modern 14"), invoice_file_id=None),
                                require_invoice=False)
    reg.commit()
    assert products.my_products(session=reg, user_id=user.id)[0]["has_invoice"] is False
    new = make_file(reg, user)
    products.replace_invoice(session=reg, user_id=user.id, product_id=product.id, invoice_file_id=new.id)
    reg.commit()
    assert reg.get(RegisteredProduct, product.id).invoice_file_id == new.id
    assert products.my_products(session=reg, user_id=user.id)[0]["has_invoice"] is True

    with pytest.raises(NotFound):  # someone else's product
        products.replace_invoice(session=reg, user_id=other.id, product_id=product.id,
                                 invoice_file_id=make_file(reg, other).id)
    with pytest.raises(NotFound):  # someone else's file
        products.replace_invoice(session=reg, user_id=user.id, product_id=product.id,
                                 invoice_file_id=make_file(reg, other).id)
    with pytest.raises(NotFound):
        products.replace_invoice(session=reg, user_id=user.id, product_id=987654, invoice_file_id=new.id)
    with pytest.raises(FieldErrors) as e:
        products.replace_invoice(session=reg, user_id=user.id, product_id=product.id,
                                 invoice_file_id=make_file(reg, user, kind=FileKind.serial_photo).id)
    assert "S/N photo" in e.value.errors["invoice"]
    assert reg.get(RegisteredProduct, product.id).invoice_file_id == new.id
