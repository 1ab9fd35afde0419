"""Serial hints while typing, the CHK check and its lock, duplicate registrations."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from rxapp.models import (
    Channel,
    ProductCategory,
    ProductModel,
    RegisteredProduct,
    Role,
    SerialAttempt,
    SerialAttemptKind,
    SerialRecord,
    Store,
    User,
    utcnow,
)
from rxapp.services import catalog, catalog_data, serial_format, serials
from rxapp.services.errors import Conflict, FieldErrors, Locked


@pytest.fixture()
def reg(session):
    """Catalog, regions and 20 units per model, committed."""
    catalog.ensure_catalog(session=session)
    catalog.ensure_regions(session=session)
    catalog.seed_registry(session=session, per_model=20)
    session.commit()
    return session


def make_user(session, email="ann@example.test", region="US") -> User:
    user = User(email=email, password_hash="x", first_name="Ann", region_code=region, role=Role.customer)
    session.add(user)
    session.commit()
    return user


def category(session, slug) -> ProductCategory:
    return session.exec(select(ProductCategory).where(ProductCategory.slug == slug)).one()


def unit(session, slug, index=0) -> SerialRecord:
    return session.exec(
        select(SerialRecord)
        .join(ProductModel)
        .join(ProductCategory)
        .where(ProductCategory.slug == slug)
        .order_by(SerialRecord.id)
        .offset(index)
    ).first()


def attempts(engine, kind=None) -> list[SerialAttempt]:
    """Read attempts through a fresh session: what other transactions see."""
    with Session(engine) as s:
        query = select(SerialAttempt)
        if kind:
            query = query.where(SerialAttempt.kind == kind)
        return s.exec(query).all()


# --------------------------------------------------------------------------- normalise


@given(st.text(alphabet="abcdefxyzABC0123456789 -", max_size=20))
def test_normalise_is_idempotent_and_ignores_case_and_spacing(raw):
    for fmt in [None, "###-#AA#-####", "AA####A######"]:
        once = serial_format.normalise(raw, fmt)
        assert serial_format.normalise(once, fmt) == once
        assert once == once.upper() and " " not in once
        assert serial_format.normalise(raw.lower(), fmt) == serial_format.normalise(raw.upper(), fmt)


def test_normalise_puts_the_formats_dashes_back():
    fmt = "###-#AA#-####"
    for raw in ["602-3DA1-0123", "602 3da1 0123", "60233da10123"[:3] + "3da10123", " 602--3DA1 0123 "]:
        assert serial_format.normalise(raw, fmt) == "602-3DA1-0123"
    assert serial_format.normalise("6023", fmt) == "602-3"
    assert serial_format.normalise("602", fmt) == "602"
    assert serial_format.normalise("mb21-10 n004217") == "MB2110N004217"


# --------------------------------------------------------------------------- hints


def test_hint_statuses_while_typing(reg):
    monitor = category(reg, "monitor")
    record = unit(reg, "monitor")
    h = lambda raw: serials.hints(session=reg, category_id=monitor.id, raw=raw)  # noqa: E731

    assert h("").status == "empty" and h("   ").status == "empty"
    typing = h(record.serial[:5].lower())
    assert typing.status == "typing" and "8 more characters" in typing.message

    found = h(" " + record.serial.lower() + " ")
    model = reg.get(ProductModel, record.model_id)
    assert found.status == "found"
    assert found.product_type == "Monitor"
    assert (found.product_name, found.model) == (model.name, model.model_number)
    assert (found.model_id, found.serial_id, found.normalised) == (model.id, record.id, record.serial)

    mismatch = h("602-3DA1")
    assert mismatch.status == "format_mismatch"
    assert mismatch.message.startswith("This does not look like a Monitor serial number.")
    assert "AA####A######" in mismatch.message

    too_long = h(record.serial + "7")
    assert too_long.status == "format_mismatch" and "too long" in too_long.message

    missing = record.serial[:-1] + ("1" if record.serial[-1] != "1" else "2")
    if reg.exec(select(SerialRecord).where(SerialRecord.serial == missing)).first() is None:
        assert h(missing).status == "not_found"


def test_hint_for_letter_O_where_a_digit_is_expected_suggests_the_registry_serial(reg):
    gpu = category(reg, "graphics-card")
    record = unit(reg, "graphics-card")
    # Position 5 of ###-#AA#-#### is a digit; force a registry serial with a 0 there.
    target = record.serial[:4] + "0" + record.serial[5:]
    record.serial = target
    reg.add(record)
    reg.commit()
    typed = target[:4] + "O" + target[5:]
    hint = serials.hints(session=reg, category_id=gpu.id, raw=typed.lower())
    assert hint.status == "confusable"
    assert hint.position == 5
    assert 'Position 5 should be a digit: did you type the letter "O" instead of the number "0"?' in (
        hint.message
    )
    assert hint.suggestion == target
    assert hint.message.endswith(f"Did you mean {target}?")


def test_hint_for_small_l_names_the_small_l_and_partial_input_has_no_suggestion(reg):
    laptop = category(reg, "laptop")
    hint = serials.hints(session=reg, category_id=laptop.id, raw="K2l")
    assert hint.status == "confusable" and hint.suggestion == ""
    assert 'the letter "l" instead of the number "1"' in hint.message


def test_hint_for_digit_zero_where_a_letter_is_expected(reg):
    monitor = category(reg, "monitor")
    hint = serials.hints(session=reg, category_id=monitor.id, raw="M0")
    assert hint.status == "confusable"
    assert 'Position 2 should be a letter: did you type the number "0" instead of the letter "O"?' in (
        hint.message
    )


def test_a_serial_of_another_category_names_it_and_offers_to_switch(reg):
    laptop = category(reg, "laptop")
    monitor = category(reg, "monitor")
    record = unit(reg, "monitor")
    model = reg.get(ProductModel, record.model_id)
    # A monitor's serial (13 characters, "too long" for a laptop's 12) typed under "Laptop", in lower case.
    hint = serials.hints(session=reg, category_id=laptop.id, raw=record.serial.lower())
    assert hint.status == "other_category"
    assert hint.message == (f"This serial number belongs to a Monitor ({model.name}), not a Laptop. "
                            "Switch to Monitor to go on.")
    assert (hint.switch_category_id, hint.switch_category, hint.normalised) == (monitor.id, "Monitor", record.serial)
    # Switched: found.
    assert serials.hints(session=reg, category_id=monitor.id, raw=record.serial.lower()).status == "found"


def test_a_serial_in_another_categorys_format_offers_that_category(reg):
    monitor = category(reg, "monitor")
    gpu = category(reg, "graphics-card")
    unknown = "602-3DA1-0123"
    assert reg.exec(select(SerialRecord).where(SerialRecord.serial == unknown)).first() is None
    hint = serials.hints(session=reg, category_id=monitor.id, raw=unknown)
    assert hint.status == "format_mismatch"
    assert hint.message.startswith("This does not look like a Monitor serial number.")
    assert "It looks like a Graphics Card serial number" in hint.message
    assert (hint.switch_category_id, hint.switch_category) == (gpu.id, "Graphics Card")
    # Nothing like any category: no switch offered.
    assert serials.hints(session=reg, category_id=monitor.id, raw="ZZ").switch_category_id is None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_registry_serial_one_confusion_away_is_suggested(reg, data):
    slug = data.draw(st.sampled_from([c["slug"] for c in catalog_data.CATEGORIES]))
    cat = category(reg, slug)
    record = unit(reg, slug, data.draw(st.integers(0, 19)))
    swaps = {"0": "O", "1": "Il", "5": "S", "8": "B"}
    positions = [i for i, ch in enumerate(record.serial) if ch in swaps and cat.serial_format[i] == "#"]
    if not positions:
        return
    i = data.draw(st.sampled_from(positions))
    wrong = data.draw(st.sampled_from(list(swaps[record.serial[i]])))
    typed = record.serial[:i] + wrong + record.serial[i + 1 :]
    hint = serials.hints(session=reg, category_id=cat.id, raw=typed)
    assert hint.status == "confusable"
    assert hint.suggestion == record.serial
    assert hint.position == i + 1


@pytest.mark.sqlite_only  # reads SQLite's query plan
def test_hints_use_few_indexed_queries(reg, engine):
    monitor = category(reg, "monitor")
    record = unit(reg, "monitor")
    statements: list[str] = []
    listener = lambda conn, cursor, stmt, params, context, executemany: statements.append(stmt)  # noqa: E731
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        for raw in [record.serial, record.serial[:3], record.serial.replace("0", "O"), "ZZZZZZZZZZZZZ"]:
            statements.clear()
            serials.hints(session=reg, category_id=monitor.id, raw=raw)
            assert len(statements) <= 3, statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    plan = reg.connection().exec_driver_sql(
        "EXPLAIN QUERY PLAN SELECT id FROM serialrecord WHERE serial = ?", (record.serial,)
    ).all()
    assert any("USING" in str(row) and "INDEX" in str(row) for row in plan), plan


# --------------------------------------------------------------------------- CHK


def test_right_chk_returns_the_registry_row(reg):
    user = make_user(reg)
    record = unit(reg, "laptop")
    found = serials.check_chk(session=reg, user_id=user.id, serial=record.serial.lower(), chk=record.chk)
    assert found.id == record.id


def _wrong(chk: str) -> str:
    return f"{(int(chk) + 1) % 1000:03d}"


def test_wrong_chk_is_a_field_error_and_is_recorded_even_after_rollback(reg, engine):
    user = make_user(reg)
    record = unit(reg, "laptop")
    with pytest.raises(FieldErrors) as e:
        serials.check_chk(session=reg, user_id=user.id, serial=record.serial, chk=_wrong(record.chk))
    assert "does not match" in e.value.errors["chk"] and "4 tries left" in e.value.errors["chk"]
    reg.rollback()  # what the caller's session_scope does on an error
    assert [a.serial for a in attempts(engine, SerialAttemptKind.chk_wrong)] == [record.serial]


def test_malformed_chk_and_unknown_serial_are_not_counted(reg, engine):
    user = make_user(reg)
    record = unit(reg, "laptop")
    with pytest.raises(FieldErrors) as e:
        serials.check_chk(session=reg, user_id=user.id, serial=record.serial, chk="12")
    assert "3 digits" in e.value.errors["chk"]
    with pytest.raises(FieldErrors) as e:
        serials.check_chk(session=reg, user_id=user.id, serial="K00A00000000", chk="123")
    assert "cannot find" in e.value.errors["serial"]
    assert attempts(engine) == []


def test_five_wrong_chk_lock_the_serial_for_an_hour(reg, engine):
    user = make_user(reg)
    other = make_user(reg, "bob@example.test")
    record = unit(reg, "monitor")
    for _ in range(4):
        with pytest.raises(FieldErrors):
            serials.check_chk(session=reg, user_id=user.id, serial=record.serial, chk=_wrong(record.chk))
        reg.rollback()
    before = utcnow()
    with pytest.raises(Locked) as e:
        serials.check_chk(session=reg, user_id=user.id, serial=record.serial, chk=_wrong(record.chk))
    reg.rollback()
    until = e.value.until
    assert before + timedelta(minutes=59) < until <= utcnow() + timedelta(hours=1)
    assert f"locked until {until.strftime('%H:%M')} UTC" in e.value.message
    # Locked for everyone, even with the right code: guessing from a second account does not help.
    with pytest.raises(Locked):
        serials.check_chk(session=reg, user_id=other.id, serial=record.serial, chk=record.chk)
    assert len(attempts(engine, SerialAttemptKind.chk_wrong)) == 5
    # Another serial is not affected.
    other_unit = unit(reg, "monitor", 1)
    assert serials.check_chk(session=reg, user_id=user.id, serial=other_unit.serial, chk=other_unit.chk)


def _add_attempts(session, user, serial, minutes_ago: list[int]):
    now = utcnow()
    for m in minutes_ago:
        session.add(
            SerialAttempt(serial=serial, user_id=user.id, kind=SerialAttemptKind.chk_wrong,
                          created_at=now - timedelta(minutes=m))
        )
    session.commit()


def test_lock_ends_an_hour_after_the_fifth_try(reg):
    user = make_user(reg)
    record = unit(reg, "desktop")
    # Five tries that ended 61 minutes ago: the lock is over.
    _add_attempts(reg, user, record.serial, [100, 90, 80, 70, 61])
    assert serials.locked_until(session=reg, serial=record.serial) is None
    assert serials.check_chk(session=reg, user_id=user.id, serial=record.serial, chk=record.chk)


def test_lock_holds_a_full_hour_even_when_early_tries_leave_the_window(reg):
    user = make_user(reg)
    record = unit(reg, "desktop")
    # Tries at -110..-59 min: the first has left the last hour, but the run of
    # five ended 59 minutes ago, so one more minute of lock remains.
    _add_attempts(reg, user, record.serial, [110, 100, 90, 80, 59])
    until = serials.locked_until(session=reg, serial=record.serial)
    assert until is not None and until - utcnow() <= timedelta(minutes=1)
    with pytest.raises(Locked):
        serials.check_chk(session=reg, user_id=user.id, serial=record.serial, chk=record.chk)


def test_five_tries_spread_over_more_than_an_hour_do_not_lock(reg):
    user = make_user(reg)
    record = unit(reg, "desktop")
    _add_attempts(reg, user, record.serial, [125, 100, 75, 50])
    assert serials.locked_until(session=reg, serial=record.serial) is None
    with pytest.raises(FieldErrors) as e:
        serials.check_chk(session=reg, user_id=user.id, serial=record.serial, chk=_wrong(record.chk))
    assert "3 tries left" in e.value.errors["chk"]  # the last hour holds -50 min and now


# --------------------------------------------------------------------------- already registered


def _register_directly(session, user, record):
    store = session.exec(select(Store).where(Store.region_code == "US")).first()
    product = RegisteredProduct(
        user_id=user.id, serial_id=record.id, region_code="US", store_id=store.id,
        channel=Channel.retail, purchase_date=date(2024, 5, 1),
    )
    session.add(product)
    session.commit()
    return product


def test_serial_of_another_account_is_a_conflict_recorded_for_reviewers(reg, engine):
    owner = make_user(reg)
    second = make_user(reg, "bob@example.test")
    record = unit(reg, "motherboard")
    _register_directly(reg, owner, record)
    with pytest.raises(Conflict) as e:
        serials.check_chk(session=reg, user_id=second.id, serial=record.serial, chk=record.chk)
    assert "already registered to another account" in e.value.message
    assert "Web Ticket" in e.value.message
    reg.rollback()
    rows = attempts(engine, SerialAttemptKind.already_registered)
    assert [(a.serial, a.user_id) for a in rows] == [(record.serial, second.id)]


def test_own_registration_is_a_serial_field_error(reg, engine):
    owner = make_user(reg)
    record = unit(reg, "motherboard")
    _register_directly(reg, owner, record)
    with pytest.raises(FieldErrors) as e:
        serials.check_chk(session=reg, user_id=owner.id, serial=record.serial, chk=record.chk)
    assert "My Products" in e.value.errors["serial"]
    assert attempts(engine) == []


def test_attempt_goes_into_the_callers_transaction_when_it_holds_the_sqlite_write_lock(reg, engine):
    owner = make_user(reg)
    second = make_user(reg, "bob@example.test")
    record = unit(reg, "motherboard")
    _register_directly(reg, owner, record)
    second.last_name = "Changed"  # the caller has written: it holds SQLite's write lock
    reg.add(second)
    reg.flush()
    with pytest.raises(Conflict):
        serials.check_chk(session=reg, user_id=second.id, serial=record.serial, chk=record.chk)
    reg.commit()  # documented: the caller commits the attempt in this case
    assert len(attempts(engine, SerialAttemptKind.already_registered)) == 1


def test_an_inactive_registration_does_not_block(reg):
    owner = make_user(reg)
    second = make_user(reg, "bob@example.test")
    record = unit(reg, "motherboard")
    product = _register_directly(reg, owner, record)
    product.is_active = False
    reg.add(product)
    reg.commit()
    found = serials.check_chk(session=reg, user_id=second.id, serial=record.serial, chk=record.chk)
    assert found.id == record.id


def test_find_serial_accepts_any_typing(reg):
    record = unit(reg, "graphics-card")
    compact = re.sub("-", "", record.serial).lower()
    assert serials.find_serial(session=reg, raw=compact).id == record.id
    assert serials.find_serial(session=reg, raw="") is None
