"""Product Registration wizard and My Products, driven through their handlers.

Signed in with a real session token; every event goes through Reflex's event
processing (tests/state/conftest.py).  The services are tested on their own in
tests/unit; here: the wizard keeps what was typed, checks each step on the
server, registers on the last step, and refuses what is not the customer's.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from tests.factories.flows import session_token_for


def png_bytes(width: int, height: int = 600) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (240, 240, 240)).save(buf, "PNG")
    return buf.getvalue()


def free_unit(*, with_zero: bool = False) -> dict:
    """An unregistered demo unit (serial, chk, category_slug…); optionally one with a 0 digit."""
    from rxapp import db
    from rxapp.services import demo_seed

    with db.session_scope() as s:
        units = demo_seed.demo_stickers(session=s, limit=120)
    if with_zero:
        units = [u for u in units if "0" in u["serial"]]
    assert units, "no free demo unit"
    return units[len(units) // 2]


def signed_in(new_client, email: str | None = None):
    """A tab signed in as ``email`` (default: a new customer of its own, so no other test's draft is there)."""
    if email is None:
        from tests.factories.flows import make_customer

        email = make_customer("wizard")[1]
    token, session_id = session_token_for(email)
    client = new_client(path="/products/register")
    client._store_token(token)
    return client, session_id


def captcha_answer_of(state) -> str:
    from rxapp import db

    with db.get_engine().connect() as conn:
        return str(conn.execute(sa.text("SELECT answer FROM captchachallenge WHERE id = :i"),
                                {"i": state._captcha_id}).scalar_one())


def captcha_form(state) -> dict:
    """The captcha as the browser sends it: the typed answer and the proof of work its script solved."""
    from tests.factories.captcha_proof import solve

    return {"captcha": captcha_answer_of(state), "captcha_proof": solve(state.captcha_pow)}


def category_id_for(client, slug: str) -> str:
    from rxapp.state.registration import RegistrationState

    cats = client.get(RegistrationState).categories
    return next(c["id"] for c in cats if c["slug"] == slug)


def fill_to_step_four(client, unit: dict) -> None:
    from rxapp.state.registration import RegistrationState as R

    client.call(R.load)
    client.call(R.choose_category, category_id=category_id_for(client, unit["category_slug"]))
    client.call(R.next_step)
    client.call(R.set_serial, value=unit["serial"].lower())
    client.call(R.next_step)
    client.call(R.set_chk, value=unit["chk"])
    client.call(R.next_step)
    assert client.get(R).step == 4, client.get(R).errors


def register_through_the_wizard(client, unit: dict, tmp_path: Path) -> None:
    """Every step, as a customer would, ending on My Products."""
    from rxapp import db
    from rxapp.services import clock
    from rxapp.state.registration import MyProductsState
    from rxapp.state.registration import RegistrationState as R

    fill_to_step_four(client, unit)
    client.call(R.set_region, value="US")
    state = client.get(R)
    client.call(R.set_store, value=state.stores[0][0])
    with db.session_scope() as s:
        today = clock.today(s)
    client.call(R.set_purchase_date, value=today.isoformat())
    client.call(R.set_channel, value="retail")
    client.upload(R.upload_invoice, "invoice.png", png_bytes(1200), content_type="image/png")
    state = client.get(R)
    assert state.invoice_ok, state.invoice_message
    result = client.call(R.submit, form=captcha_form(state))
    assert result.redirects == ["/products"], (client.get(R).errors, result.errors)
    client.call(MyProductsState.load, path="/products")
    rows = client.get(MyProductsState).rows
    assert any(r["serial"] == unit["serial"] for r in rows), rows


def test_register_a_product_through_every_step(new_client, tmp_path):
    client, _sid = signed_in(new_client)
    unit = free_unit()
    register_through_the_wizard(client, unit, tmp_path)
    from rxapp.state.registration import MyProductsState

    row = next(r for r in client.get(MyProductsState).rows if r["serial"] == unit["serial"])
    assert row["warranty_text"].endswith("days left")
    assert row["has_invoice"] == "yes"


def test_back_and_forward_keep_what_was_typed(new_client):
    from rxapp.state.registration import RegistrationState as R

    client, _sid = signed_in(new_client)
    unit = free_unit()
    fill_to_step_four(client, unit)
    client.call(R.set_region, value="US")
    client.call(R.set_channel, value="online")
    client.call(R.back)
    client.call(R.back)
    state = client.get(R)
    assert state.step == 2
    assert state.serial == unit["serial"]  # typed in lower case, kept as printed on the sticker
    assert state.product_name
    client.call(R.next_step)
    client.call(R.next_step)
    state = client.get(R)
    assert state.step == 4
    assert (state.chk, state.region, state.channel) == (unit["chk"], "US", "online")


def test_each_step_is_checked_on_the_server(new_client):
    from rxapp.state.registration import RegistrationState as R

    client, _sid = signed_in(new_client)
    unit = free_unit(with_zero=True)
    client.call(R.load)
    client.call(R.next_step)
    assert client.get(R).errors == {"category": "Please choose the category of your product."}
    client.call(R.choose_category, category_id="99999")  # not a category: ignored
    assert client.get(R).category_id == ""
    client.call(R.choose_category, category_id=category_id_for(client, unit["category_slug"]))
    client.call(R.next_step)
    # "O" typed for 0: the hint says so and offers the registry serial.
    typed = unit["serial"].replace("0", "O", 1)
    client.call(R.set_serial, value=typed)
    state = client.get(R)
    assert state.hint_status == "confusable"
    assert 'the letter "O" instead of the number "0"' in state.hint_message
    assert state.suggestion == unit["serial"]
    client.call(R.next_step)
    assert client.get(R).step == 2 and "serial" in client.get(R).errors
    client.call(R.use_suggestion)
    client.call(R.next_step)
    assert client.get(R).step == 3
    wrong = f"{(int(unit['chk']) + 1) % 1000:03d}"
    client.call(R.set_chk, value=wrong)
    client.call(R.next_step)
    state = client.get(R)
    assert state.step == 3
    assert "does not match" in state.errors["chk"]
    # Step 4 cannot be submitted before it is reached, whatever the payload.
    client.call(R.set_chk, value=unit["chk"])
    result = client.call(R.submit, form={"captcha": "1"})
    assert result.redirects == [] and client.get(R).step == 3


def test_submit_re_checks_everything_and_keeps_the_draft(new_client):
    from rxapp.state.registration import RegistrationState as R

    client, _sid = signed_in(new_client)
    unit = free_unit()
    fill_to_step_four(client, unit)
    state = client.get(R)
    result = client.call(R.submit, form=captcha_form(state))
    assert result.redirects == []
    state = client.get(R)
    assert {"store", "purchase_date", "channel", "invoice"} <= set(state.errors)
    assert state.step == 4 and state.serial == unit["serial"] and state.chk == unit["chk"]
    # A wrong captcha: its own message and a new question.
    question = state.captcha_question
    client.call(R.submit, form={**captcha_form(state), "captcha": "9999"})
    state = client.get(R)
    assert state.errors["captcha"] == "That answer is not right. Please solve the new question."
    # The right answer without the browser's proof of work: refused, and it says why.
    client.call(R.submit, form={"captcha": captcha_answer_of(state)})
    state = client.get(R)
    assert "needs JavaScript" in state.errors["captcha"]
    assert state._captcha_id and state.captcha_question  # a new question was drawn
    del question


def test_a_too_wide_invoice_gets_the_width_and_resize_for_me(new_client):
    from rxapp.state.registration import RegistrationState as R

    client, _sid = signed_in(new_client)
    fill_to_step_four(client, free_unit())
    client.upload(R.upload_invoice, "wide.png", png_bytes(2400), content_type="image/png")
    state = client.get(R)
    assert state.invoice_too_wide and not state.invoice_ok
    assert "2400" in state.invoice_message
    client.call(R.resize_invoice)
    state = client.get(R)
    assert state.invoice_ok and not state.invoice_too_wide
    assert state.invoice_thumb.startswith("/files/")
    # A refused file says why and keeps the earlier good invoice.
    client.upload(R.upload_invoice, "page.png", b"<html><script>alert(1)</script></html>", content_type="image/png")
    state = client.get(R)
    assert state.invoice_ok and state.invoice_message and state.invoice_name


def test_a_serial_registered_to_another_account_is_refused_with_a_clear_message(new_client, tmp_path):
    from rxapp.state.registration import RegistrationState as R

    first, _ = signed_in(new_client, "new@member-center.test")
    unit = free_unit()
    register_through_the_wizard(first, unit, tmp_path)
    second, _ = signed_in(new_client, "demo@member-center.test")
    second.call(R.load)
    second.call(R.choose_category, category_id=category_id_for(second, unit["category_slug"]))
    second.call(R.next_step)
    second.call(R.set_serial, value=unit["serial"])
    second.call(R.next_step)
    second.call(R.set_chk, value=unit["chk"])
    second.call(R.next_step)
    state = second.get(R)
    assert state.step == 3
    message = " ".join(state.errors.values())
    assert "already registered" in message and "support" in message.lower()


def test_my_products_refuses_a_product_that_is_not_the_customers(new_client):
    from rxapp.state.registration import MyProductsState

    client, _sid = signed_in(new_client, "new@member-center.test")
    client.call(MyProductsState.load, path="/products")
    for junk in ("1", 1, "999999", None, "'; --"):
        client.call(MyProductsState.start_replace, product_id=junk)
        assert client.get(MyProductsState).replacing in ("",) + tuple(
            r["id"] for r in client.get(MyProductsState).rows)
    # Another customer's product id (the demo customer's first product).
    from rxapp import db
    from rxapp.models import RegisteredProduct, User
    from sqlmodel import select

    with db.session_scope() as s:
        demo = s.exec(select(User).where(User.email == "demo@member-center.test")).one()
        other_id = s.exec(select(RegisteredProduct.id).where(RegisteredProduct.user_id == demo.id)).first()
    client.call(MyProductsState.cancel_replace)
    client.call(MyProductsState.start_replace, product_id=str(other_id))
    assert client.get(MyProductsState).replacing == ""


@pytest.mark.parametrize("handler_name", ["load", "next_step", "submit", "resize_invoice"])
def test_signed_out_wizard_calls_redirect_to_log_in(new_client, handler_name):
    from rxapp.state.registration import RegistrationState as R

    client = new_client(path="/products/register")
    handler = getattr(R, handler_name)
    kwargs = {"form": {"captcha": "1"}} if handler_name == "submit" else {}
    result = client.call(handler, **kwargs)
    assert any(r.startswith("/login?next=") for r in result.redirects), result.redirects


# --------------------------------------------------------------------------- issue 14: the draft, one message


def test_the_draft_is_the_accounts_a_new_tab_comes_back_to_the_same_step(new_client):
    from rxapp.state.registration import RegistrationState as R

    client, _sid = signed_in(new_client)
    email = _email_of(client)
    unit = free_unit()
    fill_to_step_four(client, unit)
    client.call(R.set_region, value="US")
    online = next(st for st in client.get(R).stores if st[2] == "online")
    client.call(R.set_store, value=online[0])
    assert client.get(R).channel == "online"  # the store's name says it: preselected
    client.upload(R.upload_invoice, "invoice.png", png_bytes(1200), content_type="image/png")
    question = client.get(R).captcha_question

    # The same tab loads the page again (a reconnect's late on_load): nothing is reset, not the captcha.
    client.call(R.load)
    state = client.get(R)
    assert (state.step, state.store_id, state.channel, state.invoice_ok) == (4, online[0], "online", True)
    assert state.captcha_question == question

    # Another tab (a reload, another worker): the account's draft, from the database.
    other, _ = signed_in(new_client, email)
    other.call(R.load)
    state = other.get(R)
    assert (state.step, state.category_id, state.serial, state.chk) == (
        4, category_id_for(other, unit["category_slug"]), unit["serial"], unit["chk"])
    assert (state.region, state.store_id, state.channel) == ("US", online[0], "online")
    assert state.invoice_ok and state.invoice_name == "invoice.png" and state.invoice_thumb.startswith("/files/")


def test_a_registered_product_ends_the_draft(new_client, tmp_path):
    from rxapp.state.registration import RegistrationState as R

    client, _sid = signed_in(new_client)
    register_through_the_wizard(client, free_unit(), tmp_path)
    client.call(R.load, path="/products/register")
    state = client.get(R)
    assert (state.step, state.category_id, state.serial) == (1, "", "")


def test_a_serial_of_another_category_switches_in_one_click(new_client):
    from rxapp import db
    from rxapp.services import demo_seed
    from rxapp.state.registration import RegistrationState as R

    client, _sid = signed_in(new_client)
    with db.session_scope() as s:
        monitor = next(u for u in demo_seed.demo_stickers(session=s, limit=200) if u["category_slug"] == "monitor")
    client.call(R.load)
    client.call(R.choose_category, category_id=category_id_for(client, "laptop"))
    client.call(R.next_step)
    client.call(R.set_serial, value=monitor["serial"].lower())
    state = client.get(R)
    assert state.hint_status == "other_category" and state.switch_category == "Monitor"
    client.call(R.next_step)
    state = client.get(R)
    assert state.step == 2 and state.errors["serial"] == state.hint_message  # one message, shown once
    client.call(R.switch_to_category)
    state = client.get(R)
    assert state.category_id == category_id_for(client, "monitor") and state.hint_status == "found"
    assert state.errors == {} and state.serial == monitor["serial"]
    client.call(R.next_step)
    assert client.get(R).step == 3


def _email_of(client) -> str:
    from rxapp import db
    from rxapp.services import sessions
    from rxapp.state.session import SessionState

    token = client.storage[f"{SessionState.get_full_name()}.token"]
    with db.session_scope() as s:
        return sessions.resolve(session=s, token=token).email


def test_the_invoice_is_checked_after_upload_and_the_checklist_follows_what_is_typed(new_client):
    """The evidence pre-check: "Checking your invoice…" runs off the loop; the checklist shows before Next."""
    from datetime import date

    from rxapp import db
    from rxapp.models import Store
    from rxapp.state.registration import RegistrationState as R
    from tests.factories.evidence_corpus import invoice_for

    client, _sid = signed_in(new_client)
    fill_to_step_four(client, free_unit())
    client.call(R.set_region, value="US")
    store_id = client.get(R).stores[0][0]
    client.call(R.set_store, value=store_id)
    with db.session_scope() as s:
        store = s.get(Store, int(store_id)).name
    bought = date(2024, 3, 14)
    client.call(R.set_purchase_date, value=bought.isoformat())
    model = client.get(R).product_name

    lacking = invoice_for(model_name="Ergonomic Office Chair", store=store, purchase_date=bought)
    client.upload(R.upload_invoice, "other.png", lacking, content_type="image/png")
    state = client.get(R)
    assert state.invoice_ok and not state.invoice_checking
    checks = {c["key"]: c for c in state.invoice_checks}
    assert checks["model"]["ok"] == "" and model in checks["model"]["message"]
    assert "Reviewers usually ask" in checks["model"]["advice"]
    assert checks["date"]["ok"] == "yes" and checks["store"]["ok"] == "yes"

    client.upload(R.upload_invoice, "invoice.png", invoice_for(model_name=model, store=store, purchase_date=bought),
                  content_type="image/png")
    checks = {c["key"]: c for c in client.get(R).invoice_checks}
    assert checks["model"]["ok"] == "yes", checks["model"]

    # A date typed afterwards is compared with the kept reading at once (no second reading).
    client.call(R.set_purchase_date, value="2024-03-15")
    checks = {c["key"]: c for c in client.get(R).invoice_checks}
    assert checks["date"]["status"] == "contradicts" and "14 Mar 2024" in checks["date"]["message"]
