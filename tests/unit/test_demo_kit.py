"""The demo kit: personas, one-click reset, the demo date — and none of it without demo mode."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from sqlmodel import Session, SQLModel

from rxapp import db, i18n, settings
from rxapp.models import AppSetting, EmailMessage, Role, StoredFile, User
from rxapp.services import clock, demo_claims, demo_kit, demo_seed, outbox
from rxapp.services.errors import FieldErrors, Forbidden, NotFound


# The personas plus the other customers whose claims fill the reviewer's queue.
SEEDED_USERS = len(demo_seed.DEMO_USERS) + len(demo_claims.EXTRA_CUSTOMERS)


@pytest.fixture(autouse=True)
def demo(monkeypatch, tmp_path):
    monkeypatch.setenv("RXAPP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RXAPP_DEMO", "1")
    settings.reset()
    yield
    settings.reset()


def demo_off(monkeypatch):
    monkeypatch.setenv("RXAPP_DEMO", "0")
    settings.reset()


def counts(engine) -> dict[str, int]:
    with engine.connect() as c:
        return {
            t.name: c.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in SQLModel.metadata.sorted_tables
        }


def persona_ids(engine) -> dict[str, int]:
    with Session(engine) as s:
        return {p["key"]: demo_kit.persona_user_id(session=s, key=p["key"]) for p in demo_kit.personas()}


# --------------------------------------------------------------------------- personas


def test_personas_cover_the_four_roles_a_presenter_needs():
    people = demo_kit.personas()
    assert len(people) == len(demo_seed.DEMO_USERS) == 4
    assert len({p["key"] for p in people}) == 4
    assert {p["role"] for p in people} == {"customer", "reviewer", "admin"}
    descriptions = " ".join(p["description"] for p in people)
    assert "claims in every status" in descriptions
    assert "brand-new customer" in descriptions
    for p, u in zip(people, demo_seed.DEMO_USERS):
        assert set(p) == {"key", "label", "email", "role", "role_label", "description"}
        assert p["email"] == u.email and p["label"] == u.label and p["role_label"] == p["role"]
        assert u.password not in repr(p)  # the switcher never ships passwords


def test_personas_speak_the_current_language():
    """The card's name, badge and description in the tab's language; the email and the role key stay."""
    with i18n.using("de"):
        people = demo_kit.personas()
    english = demo_kit.personas()
    for german, source in zip(people, english):
        assert german["email"] == source["email"] and german["role"] == source["role"]
        assert german["description"] != source["description"] and german["label"] != source["label"]
    assert {p["role_label"] for p in people} == {"Kunde", "Prüfer", "Admin"}


def test_persona_user_id_reaches_only_demo_accounts(engine):
    demo_kit.reset(engine=engine)
    with Session(engine) as s:
        s.add(User(email="stranger@example.com", password_hash="x", first_name="S", region_code="US"))
        s.commit()
        for p in demo_kit.personas():
            uid = demo_kit.persona_user_id(session=s, key=p["key"])
            user = s.get(User, uid)
            assert user.email == p["email"] and user.role.value == p["role"]
            assert demo_kit.persona_user_id(session=s, key=p["email"].upper()) == uid
        for bad in ("stranger@example.com", "stranger", "", "root", None):
            with pytest.raises(NotFound):
                demo_kit.persona_user_id(session=s, key=bad)


def test_a_missing_persona_account_says_to_reset(session):
    with pytest.raises(NotFound, match="Reset demo data"):
        demo_kit.persona_user_id(session=session, key=demo_kit.personas()[0]["key"])


# --------------------------------------------------------------------------- reset


def test_reset_puts_back_exactly_the_seeded_state_quickly(engine):
    files_dir = settings.get().files_dir
    first = demo_kit.reset(engine=engine)
    seeded = counts(engine)
    ids = persona_ids(engine)
    assert seeded["user"] == SEEDED_USERS and seeded["serialrecord"] > 0 and seeded["promotion"] > 0

    # A presenter's session: new rows everywhere, a demo date, private files.
    with Session(engine) as s:
        s.add(User(email="visitor@example.com", password_hash="x", first_name="V", region_code="US"))
        outbox.enqueue(
            session=s, to_email="visitor@example.com", kind="welcome", subject="Hi", body_text="hi"
        )
        demo_kit.set_demo_date(session=s, value=date(2021, 12, 1))
        s.commit()
    (files_dir / "ab").mkdir(parents=True, exist_ok=True)
    (files_dir / "ab" / "invoice.png").write_bytes(b"x")
    (files_dir / "loose.jpg").write_bytes(b"y")

    second = demo_kit.reset(engine=engine)
    print(f"\ndemo reset: first {first:.3f} s, second {second:.3f} s")

    assert counts(engine) == seeded
    assert persona_ids(engine) == ids  # identities restart: the same ids every time
    with Session(engine) as s:
        assert s.execute(sa.select(User).where(User.email == "visitor@example.com")).first() is None
        assert s.execute(sa.select(EmailMessage).where(EmailMessage.kind == "welcome")).first() is None
        assert demo_kit.get_demo_date(session=s) is None
        assert clock.today(s) == datetime.now(timezone.utc).date()
    # Only the seeded claims' private files are left (plus the spool folder).
    with Session(engine) as s:
        keys = {k for f in s.execute(sa.select(StoredFile)).scalars() for k in (f.storage_key, f.thumb_key) if k}
    assert files_dir.is_dir() and {p.name for p in files_dir.iterdir()} - {"tmp"} == keys
    assert not any(p.name.startswith(".reset-trash") for p in files_dir.parent.iterdir())
    with db.get_engine(str(engine.url)).connect() as c:  # the migration stamp survives
        assert c.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar_one() == 1


def test_reset_works_through_a_session_factory(engine):
    seconds = demo_kit.reset(session_factory=lambda: Session(engine, expire_on_commit=False))
    print(f"\ndemo reset via session factory: {seconds:.3f} s")
    assert counts(engine)["user"] == SEEDED_USERS


def test_a_failing_reset_changes_nothing(engine, monkeypatch):
    demo_kit.reset(engine=engine)
    with Session(engine) as s:
        s.add(User(email="keep@example.com", password_hash="x", first_name="K", region_code="US"))
        s.commit()
    before = counts(engine)
    files_dir = settings.get().files_dir
    (files_dir / "keep.png").write_bytes(b"k")

    def broken_seeder(*, session):
        raise RuntimeError("seeder broke")

    monkeypatch.setattr(demo_claims, "seed_claims", broken_seeder)
    with pytest.raises(RuntimeError):
        demo_kit.reset(engine=engine)
    assert counts(engine) == before
    assert (files_dir / "keep.png").read_bytes() == b"k"
    assert not any(p.name.startswith(".reset-trash") for p in files_dir.parent.iterdir())


def test_reset_runs_the_claim_seeder_in_the_same_transaction(engine, monkeypatch):
    def seed_claims(*, session):
        outbox.enqueue(
            session=session, to_email="demo@member-center.test", kind="extra", subject="s", body_text="t"
        )

    monkeypatch.setattr(demo_claims, "seed_claims", seed_claims)
    demo_kit.reset(engine=engine)
    demo_kit.reset(engine=engine)
    with Session(engine) as s:
        assert len(s.execute(sa.select(EmailMessage).where(EmailMessage.kind == "extra")).all()) == 1


@pytest.mark.postgres
def test_reset_on_postgresql(pg_url):
    engine = db.get_engine(pg_url)
    first = demo_kit.reset(engine=engine)
    seeded = counts(engine)
    ids = persona_ids(engine)
    with Session(engine) as s:
        s.add(User(email="visitor@example.com", password_hash="x", first_name="V", region_code="US"))
        s.commit()
    second = demo_kit.reset(engine=engine)
    print(f"\ndemo reset on PostgreSQL: first {first:.3f} s, second {second:.3f} s")
    assert counts(engine) == seeded
    assert persona_ids(engine) == ids
    engine.dispose()


# --------------------------------------------------------------------------- demo date


def test_demo_date_moves_today_and_clears(session):
    assert demo_kit.get_demo_date(session=session) is None
    assert demo_kit.set_demo_date(session=session, value=date(2021, 12, 1)) == date(2021, 12, 1)
    session.commit()
    assert demo_kit.get_demo_date(session=session) == date(2021, 12, 1)
    assert clock.today(session) == date(2021, 12, 1)
    assert demo_kit.set_demo_date(session=session, value=" 2021-11-20 ") == date(2021, 11, 20)
    moment = datetime(2022, 1, 2, 3, 4, tzinfo=timezone.utc)
    assert demo_kit.set_demo_date(session=session, value=moment) == date(2022, 1, 2)
    assert demo_kit.set_demo_date(session=session, value="") is None
    assert demo_kit.get_demo_date(session=session) is None
    demo_kit.set_demo_date(session=session, value=date(2021, 12, 1))
    demo_kit.set_demo_date(session=session, value=None)
    assert clock.today(session) == datetime.now(timezone.utc).date()


@given(day=st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)))
@hsettings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_demo_date_range_is_2000_to_2100(session, day):
    demo_kit.set_demo_date(session=session, value=date(2021, 1, 1))
    if date(2000, 1, 1) <= day <= date(2100, 12, 31):
        assert demo_kit.set_demo_date(session=session, value=day.isoformat()) == day
        assert demo_kit.get_demo_date(session=session) == day
    else:
        with pytest.raises(FieldErrors) as info:
            demo_kit.set_demo_date(session=session, value=day)
        assert set(info.value.errors) == {"demo_date"}
        assert "2000" in info.value.errors["demo_date"] and "2100" in info.value.errors["demo_date"]
        assert demo_kit.get_demo_date(session=session) == date(2021, 1, 1)  # unchanged


@pytest.mark.parametrize("bad", ["tomorrow", "2021-13-01", "01/12/2021", 20211201, ["2021-12-01"]])
def test_a_bad_demo_date_is_a_field_error(session, bad):
    with pytest.raises(FieldErrors) as info:
        demo_kit.set_demo_date(session=session, value=bad)
    assert "YYYY-MM-DD" in info.value.errors["demo_date"]


# --------------------------------------------------------------------------- sticker sheet


def test_sticker_sheet_lists_unregistered_demo_units(engine):
    demo_kit.reset(engine=engine)
    with Session(engine) as s:
        sheet = demo_kit.sticker_sheet(session=s, limit=10)
    assert 0 < len(sheet) <= 10
    assert all(len(row["chk"]) == 3 and row["serial"] and row["model"] for row in sheet)


# --------------------------------------------------------------------------- demo mode off


def test_with_demo_mode_off_every_demo_kit_function_refuses(engine, monkeypatch):
    demo_kit.reset(engine=engine)
    with Session(engine) as s:
        demo_kit.set_demo_date(session=s, value=date(2021, 12, 1))
        s.add(User(email="visitor@example.com", password_hash="x", first_name="V", region_code="US",
                   role=Role.customer))
        s.commit()
    files_dir = settings.get().files_dir
    (files_dir / "private.png").write_bytes(b"p")
    before = counts(engine)

    demo_off(monkeypatch)
    with Session(engine) as s:
        calls = [
            lambda: demo_kit.assert_demo(),
            lambda: demo_kit.personas(),
            lambda: demo_kit.persona_user_id(session=s, key="demo"),
            lambda: demo_kit.reset(engine=engine),
            lambda: demo_kit.reset(session_factory=lambda: Session(engine)),
            lambda: demo_kit.set_demo_date(session=s, value=None),
            lambda: demo_kit.set_demo_date(session=s, value=date(2021, 1, 1)),
            lambda: demo_kit.get_demo_date(session=s),
            lambda: demo_kit.sticker_sheet(session=s),
        ]
        for call in calls:
            with pytest.raises(Forbidden):
                call()
        s.rollback()
        assert s.get(AppSetting, clock.DEMO_DATE_KEY).value == "2021-12-01"
    assert counts(engine) == before
    assert (files_dir / "private.png").exists()
