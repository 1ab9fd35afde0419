"""The demo kit's states (personas, reset, demo date, sticker sheet, Mailbox) and the background tasks.

Driven through Reflex's real event processing (tests/state/conftest.py) with
real session tokens.  The app under test runs with RXAPP_DEMO=1; the
demo-off tests switch it off here (environment + ``settings.reset()``) and
check that every handler refuses and nothing changes.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from tests.factories.flows import session_token_for

CUSTOMER = "demo@member-center.test"
REVIEWER = "reviewer@member-center.test"


def signed_in(new_client, email: str, path: str = "/demo"):
    token, session_id = session_token_for(email)
    client = new_client(path=path)
    client._store_token(token)
    return client, token


def present(client) -> None:
    """This tab types the presenter passcode (what ``make run`` prints)."""
    from rxapp import settings
    from rxapp.state.demo import DemoState as D

    client.call(D.unlock, form={"passcode": settings.get().presenter_passcode})
    assert client.get(D).presenter, client.get(D).passcode_error


def fingerprint() -> dict[str, str]:
    """{table: sha256 of its rows} for every table (what "nothing changed" means)."""
    from rxapp import db

    engine = db.get_engine()
    meta = sa.MetaData()
    meta.reflect(engine)
    out = {}
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            rows = conn.execute(sa.select(table).order_by(*order)).all()
            out[table.name] = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()
    return out


def viewer_email(client) -> str:
    """Who the client's stored token belongs to now (checked in the database)."""
    from rxapp import db
    from rxapp.services import sessions
    from rxapp.state.session import SessionState

    token = client.get(SessionState).token
    with db.session_scope() as s:
        found = sessions.resolve(session=s, token=token)
        return found.email if found else ""


def real_reviewer() -> str:
    """A reviewer account no demo seed made (it works with demo mode off)."""
    import secrets

    from rxapp import db
    from rxapp.models import Role
    from tests.factories.rows import make_user

    email = f"reviewer-{secrets.token_hex(4)}@example.com"
    with db.session_scope() as s:
        make_user(s, email=email, role=Role.reviewer, region_code="US")
    return email


@pytest.fixture()
def demo_off(monkeypatch):
    from rxapp import settings

    monkeypatch.setenv("RXAPP_DEMO", "0")
    settings.reset()
    yield
    monkeypatch.setenv("RXAPP_DEMO", "1")
    settings.reset()


# --------------------------------------------------------------------------- demo mode off


def test_with_demo_mode_off_every_demo_handler_refuses_and_changes_nothing(new_client, demo_off):
    from rxapp.state.demo import DemoState as D
    from rxapp.state.demo import MailboxState as M
    from rxapp.state.demo import StickerSheetState as S

    # A demo account's session ends with demo mode (sessions.resolve): a real reviewer tries instead.
    demo_client, _ = signed_in(new_client, REVIEWER)
    assert viewer_email(demo_client) == ""
    reviewer_email = real_reviewer()
    client, _token = signed_in(new_client, reviewer_email)
    before = fingerprint()
    calls = [
        (D.load, {}),
        (D.switch_persona, {"key": "admin"}),
        (D.switch_persona, {"key": "demo"}),
        (D.reset_demo, {}),
        (D.set_demo_date, {"form": {"demo_date": "2021-12-15"}}),
        (D.use_christmas_deal_date, {}),
        (D.clear_demo_date, {}),
        (S.load, {}),
        (M.load, {}),
        (M.filter_recipient, {"form": {"recipient": CUSTOMER}}),
        (M.show_all, {}),
        (M.open_message, {"message_id": "1"}),
    ]
    for handler, payload in calls:
        result = client.call(handler, **payload)
        assert not result.errors, (handler, result.errors)
    assert fingerprint() == before
    assert viewer_email(client) == reviewer_email  # no persona switch happened
    demo, sheet, mail = client.get(D), client.get(S), client.get(M)
    assert not demo.demo_on and demo.personas == [] and "Demo mode is off" in demo.message
    assert not sheet.demo_on and sheet.stickers == []
    assert not mail.demo_on and mail.rows == [] and mail.selected == {}


def test_signed_out_the_demo_kit_sends_to_log_in_and_does_nothing(new_client):
    from rxapp.state.demo import DemoState as D

    client = new_client(path="/demo")
    before = fingerprint()
    calls = ((D.load, {}), (D.switch_persona, {"key": "admin"}), (D.reset_demo, {}),
             (D.set_demo_date, {"form": {"demo_date": "2021-12-15"}}), (D.clear_demo_date, {}))
    for handler, payload in calls:
        result = client.call(handler, **payload)
        assert any(r.startswith("/login") for r in result.redirects), handler
    assert fingerprint() == before
    assert client.get(D).personas == []


# --------------------------------------------------------------------------- personas


def test_switching_persona_signs_in_as_that_persona_and_ends_the_old_session(new_client):
    from rxapp import db
    from rxapp.models import LoginSession
    from rxapp.services import sessions
    from rxapp.state.demo import DemoState as D
    from rxapp.state.session import SessionState

    client, old_token = signed_in(new_client, CUSTOMER)
    client.call(D.load)
    present(client)
    demo = client.get(D)
    assert demo.demo_on and [p["key"] for p in demo.personas] == ["demo", "new", "reviewer", "admin"]
    assert all("password" not in str(p).lower() for p in demo.personas)
    assert demo.signed_in_as == CUSTOMER

    result = client.call(D.switch_persona, key="reviewer")
    assert viewer_email(client) == REVIEWER
    assert client.get(SessionState).role == "reviewer" and result.redirects  # to the reviewer's start page
    with db.session_scope() as s:
        assert sessions.resolve(session=s, token=old_token) is None  # the customer's session ended
        assert s.execute(sa.select(sa.func.count()).select_from(LoginSession)).scalar_one() >= 1

    result = client.call(D.switch_persona, key="stranger@example.com")
    assert viewer_email(client) == REVIEWER and "no such demo persona" in client.get(D).message
    for junk in (None, 7, {"key": "admin"}, "A" * 5000):
        client.call(D.switch_persona, key=junk)
        assert viewer_email(client) == REVIEWER


def test_without_the_passcode_a_signed_in_stranger_cannot_become_admin(new_client):
    """Hardening finding 4: demo mode used to hand any signed-in account the admin persona."""
    from rxapp import db
    from rxapp.services import clock
    from rxapp.state.demo import PASSCODE_FIRST, DemoState as D
    from rxapp.state.session import SessionState

    client, _token = signed_in(new_client, CUSTOMER)
    client.call(D.load)
    before = fingerprint()
    for handler, payload in ((D.switch_persona, {"key": "admin"}), (D.reset_demo, {}),
                             (D.set_demo_date, {"form": {"demo_date": "2021-12-15"}}),
                             (D.use_christmas_deal_date, {}), (D.clear_demo_date, {})):
        client.call(handler, **payload)
        assert client.get(D).message == PASSCODE_FIRST
    assert viewer_email(client) == CUSTOMER and client.get(SessionState).role == "customer"
    assert fingerprint() == before
    with db.session_scope() as s:
        assert clock.demo_date(s) is None
    # Wrong passcodes unlock nothing, and a tab gets a few tries only.
    for guess in ("", "0000000000", None, {"passcode": "x"}, "A" * 500):
        client.call(D.unlock, form={"passcode": guess})
    assert client.get(D).presenter is False and client.get(D).passcode_error
    present_error = client.get(D).passcode_error
    from rxapp import settings

    client.call(D.unlock, form={"passcode": settings.get().presenter_passcode})
    assert client.get(D).presenter is False and "Too many" in client.get(D).passcode_error != present_error


def test_the_presenter_stays_unlocked_across_persona_switches_but_not_after_log_out(new_client):
    from rxapp.state.demo import DemoState as D
    from rxapp.state.session import SessionState

    client, _token = signed_in(new_client, CUSTOMER)
    client.call(D.load)
    present(client)
    client.call(D.switch_persona, key="reviewer")
    client.call(D.switch_persona, key="demo")
    assert viewer_email(client) == CUSTOMER
    client.call(SessionState.log_out)
    assert client.get(SessionState)._presenter is False


def test_every_landing_route_is_a_page_of_the_app(rx_app):
    """Each persona starts on a page the app really has (rxapp.py registers them all); others on the overview."""
    from rxapp import routes
    from rxapp.state import demo as demo_state

    pages = {route.strip("/") for route in rx_app._unevaluated_pages}
    for key in demo_state.LANDING:
        assert demo_state.landing_route(key).strip("/") in pages, key
    assert demo_state.landing_route("nobody") == routes.ACCOUNT_OVERVIEW


# --------------------------------------------------------------------------- demo date


def test_the_demo_date_moves_today_and_clears(new_client):
    from rxapp import db
    from rxapp.services import clock
    from rxapp.state.demo import DemoState as D

    client, _token = signed_in(new_client, CUSTOMER)
    client.call(D.load)
    present(client)
    client.call(D.set_demo_date, form={"demo_date": "2021-12-15"})
    assert "2021-12-15 (the demo date)" in client.get(D).today_text
    with db.session_scope() as s:
        assert clock.today(s) == date(2021, 12, 15)
    for bad in ("15/12/2021", "1999-01-01", "", None):
        client.call(D.set_demo_date, form={"demo_date": bad})
        assert client.get(D).date_error
        with db.session_scope() as s:
            assert clock.today(s) == date(2021, 12, 15)  # unchanged
    client.call(D.clear_demo_date)
    assert "(the real date)" in client.get(D).today_text and client.get(D).date_error == ""
    client.call(D.use_christmas_deal_date)
    assert client.get(D).demo_date == "2021-12-15"
    client.call(D.clear_demo_date)
    with db.session_scope() as s:
        assert clock.demo_date(s) is None


# --------------------------------------------------------------------------- sticker sheet


def test_the_sticker_sheet_shows_free_units_with_a_barcode(new_client):
    from rxapp import db
    from rxapp.models import RegisteredProduct, SerialRecord
    from rxapp.state.demo import StickerSheetState as S

    client, _token = signed_in(new_client, CUSTOMER, path="/demo/stickers")
    client.call(S.load)
    sheet = client.get(S)
    assert sheet.demo_on and 0 < len(sheet.stickers) <= 24
    serials = {row["serial"] for row in sheet.stickers}
    with db.session_scope() as s:
        registered = set(s.execute(sa.select(SerialRecord.serial).join(
            RegisteredProduct, RegisteredProduct.serial_id == SerialRecord.id)).scalars())
        chks = dict(s.execute(sa.select(SerialRecord.serial, SerialRecord.chk)
                              .where(SerialRecord.serial.in_(serials))).all())
    assert not serials & registered
    for row in sheet.stickers:
        assert row["chk"] == chks[row["serial"]]
        svg = base64.b64decode(row["barcode"].split(",", 1)[1]).decode()
        assert row["barcode"].startswith("data:image/svg+xml;base64,") and svg.count("<rect") > 20
        assert "<script" not in svg


# --------------------------------------------------------------------------- mailbox


def _claims_mail() -> None:
    """Make sure the outbox holds emails for two different people."""
    from rxapp import db
    from rxapp.models import User
    from rxapp.services import outbox

    with db.session_scope() as s:
        for email in (CUSTOMER, "new@member-center.test"):
            user = s.execute(sa.select(User).where(User.email == email)).scalar_one()
            outbox.enqueue(session=s, to_email=email, kind="test", subject=f"Hello {user.first_name}",
                           body_text=f"Hi {user.first_name}", body_html=f"<p>Hi {user.first_name}</p>",
                           user_id=user.id)


def test_a_customer_sees_their_own_inbox_and_a_reviewer_every_email(new_client):
    from rxapp.state.demo import MailboxState as M

    _claims_mail()
    customer, _t = signed_in(new_client, CUSTOMER, path="/demo/mailbox")
    customer.call(M.load)
    mine = customer.get(M)
    assert mine.demo_on and not mine.sees_all and mine.rows
    assert {r["to"] for r in mine.rows} == {CUSTOMER}
    times = [r["time"] for r in mine.rows]
    assert times == sorted(times, reverse=True)  # newest first

    reviewer, _t = signed_in(new_client, REVIEWER, path="/demo/mailbox")
    reviewer.call(M.load)
    everything = reviewer.get(M).rows
    assert {CUSTOMER, "new@member-center.test"} <= {r["to"] for r in everything}
    reviewer.call(M.filter_recipient, form={"recipient": " NEW@member-center.test "})
    assert {r["to"] for r in reviewer.get(M).rows} == {"new@member-center.test"}
    someone_elses = reviewer.get(M).rows[0]["id"]
    reviewer.call(M.open_message, message_id=someone_elses)
    opened = reviewer.get(M).selected
    assert opened["to"] == "new@member-center.test" and opened["body_html"].startswith("<p>")
    assert opened["body_text"].startswith("Hi ")
    reviewer.call(M.show_all)
    assert len(reviewer.get(M).rows) == len(everything)

    # The customer cannot open someone else's email, nor widen the filter.
    customer.call(M.open_message, message_id=someone_elses)
    assert customer.get(M).selected == {} and "not in your Mailbox" in customer.get(M).message
    customer.call(M.filter_recipient, form={"recipient": "new@member-center.test"})
    assert {r["to"] for r in customer.get(M).rows} == {CUSTOMER}
    for junk in ("abc", None, "99999999", {"id": 1}):
        customer.call(M.open_message, message_id=junk)
        assert customer.get(M).selected == {}


# --------------------------------------------------------------------------- reset


def test_reset_puts_the_demo_back_and_signs_the_same_persona_in_again(new_client):
    from rxapp import db
    from rxapp.models import Redemption, User
    from rxapp.state.demo import DemoState as D
    from rxapp.state.session import SessionState

    client, old_token = signed_in(new_client, CUSTOMER)
    client.call(D.load)
    present(client)
    client.call(D.set_demo_date, form={"demo_date": "2021-12-15"})
    result = client.call(D.reset_demo)
    assert not result.errors, result.errors
    demo = client.get(D)
    print(f"\n{demo.message}")
    assert demo.message.startswith("Demo data reset in ") and CUSTOMER in demo.message
    assert demo.demo_on and demo.presenter and not demo.busy and "(the real date)" in demo.today_text
    assert client.get(SessionState).token != old_token and viewer_email(client) == CUSTOMER
    with db.session_scope() as s:
        assert s.execute(sa.select(sa.func.count()).select_from(Redemption)).scalar_one() > 0  # claims seeded

    # Someone who is not a persona (e.g. signed up live) is signed out by the reset.
    with db.session_scope() as s:
        s.add(User(email="visitor@example.com", password_hash="x", first_name="V", region_code="US"))
    visitor, _t = signed_in(new_client, "visitor@example.com")
    present(visitor)
    visitor.call(D.reset_demo)
    assert "You are signed out" in visitor.get(D).message
    assert not visitor.get(SessionState).signed_in and viewer_email(visitor) == ""


# --------------------------------------------------------------------------- background tasks


def test_the_sweeper_removes_expired_uploads_and_old_sessions():
    from rxapp import db
    from rxapp.models import FileKind, LoginSession, StoredFile, User, utcnow
    from rxapp.services import file_store, sessions
    from rxapp.state import background
    from tests.state.test_registration_state import png_bytes

    with db.session_scope() as s:
        user = s.execute(sa.select(User).where(User.email == CUSTOMER)).scalar_one()
        wide = file_store.check_and_store_stream(session=s, owner_id=user.id, kind=FileKind.invoice,
                                            chunks=png_bytes(1800), filename="wide.png")
        assert wide.too_wide
        s.get(StoredFile, wide.file_id).expires_at = utcnow() - timedelta(minutes=1)
        _token, old = sessions.create(session=s, user_id=user.id, now=utcnow() - timedelta(days=90))
        old_id = old.id
    done = background.sweep_once()
    assert set(done) == {name for name, _sweep in background.SWEEPS} and min(done.values()) >= 0
    assert done["expired uploads"] >= 1 and done["ended log-in sessions"] >= 1
    with db.session_scope() as s:
        assert s.get(StoredFile, wide.file_id) is None and s.get(LoginSession, old_id) is None


def test_background_tasks_are_registered_and_stop_cleanly(rx_app):
    from rxapp.state import background

    names = {getattr(t, "__name__", "") for t in rx_app.get_lifespan_tasks()}
    assert {"run_mail_sender", "run_sweeper"} <= names

    async def start_and_stop():
        # Without SMTP_URL the sender returns at once; the sweeper sweeps, then waits for stop.
        async with background._lifespan(background.run_mail_sender)():
            await asyncio.sleep(0.05)
        async with background._lifespan(background.run_sweeper)():
            await asyncio.sleep(0.2)

    asyncio.run(asyncio.wait_for(start_and_stop(), timeout=15))
