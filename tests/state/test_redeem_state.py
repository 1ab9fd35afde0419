"""Promotion Redeem Confirm / Redeem Again, driven through their handlers (issue 14, findings 2 and 8).

Redeem Again requires only what the reviewer asked for; a second on_load of the same page (a reconnect's
late hydrate) keeps the captcha, the uploads and the form; a refused Redeem says why at the button.
"""

from __future__ import annotations

import io

from PIL import Image

from rxapp.models import MissingDocument
from tests.factories import flows as factories
from tests.state.test_registration_state import captcha_answer_of, captcha_form


def png_bytes(width: int = 900, height: int = 600, colour=(200, 220, 240)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buf, "PNG")
    return buf.getvalue()


def again_tab(new_client, missing: MissingDocument):
    from rxapp.state.promotions import RedeemState

    claim = factories.create_claim(email_prefix=f"state-again-{missing.value}")
    factories.decide(claim["id"], "needs_info", "Please send the document asked for.", missing)
    token, _ = factories.session_token_for(claim["email"])
    client = new_client(path="/promotions/redeem")
    client._store_token(token)
    query = {"claim": str(claim["id"])}
    client.call(RedeemState.load, path="/promotions/redeem", query=query)
    return client, claim, query


def recipient_form(state) -> dict:
    return {**state.recipient, **captcha_form(state)}


def test_redeem_again_marks_and_requires_only_the_asked_document(new_client):
    from rxapp.state.promotions import RedeemState

    client, _claim, query = again_tab(new_client, MissingDocument.serial_photo)
    state = client.get(RedeemState)
    assert state.again and (state.invoice_need, state.photo_need) == ("optional", "required")
    assert state.invoice_on_file and state.photo_on_file
    # Without a new S/N photo: refused at the field, and the button says what to look at.
    client.call(RedeemState.submit, path="/promotions/redeem", query=query, form=recipient_form(state))
    errors = client.get(RedeemState).errors
    assert errors["serial_photo"].startswith("Please upload a new S/N photo")
    assert errors["form"] == "Nothing was sent. Please check: Product Barcode / S/N photo."
    # With it (and no new invoice: the one on file is used): sent.
    client.upload(RedeemState.upload_photo, "sticker.png", png_bytes(), content_type="image/png")
    state = client.get(RedeemState)
    assert state.photo_ok and not state.photo_on_file
    result = client.call(RedeemState.submit, path="/promotions/redeem", query=query, form=recipient_form(state))
    assert result.redirects == ["/promotions/redeem/done"], client.get(RedeemState).errors


def test_a_second_on_load_of_the_same_page_keeps_the_captcha_and_the_uploads(new_client):
    from rxapp.state.promotions import RedeemState

    client, _claim, query = again_tab(new_client, MissingDocument.invoice)
    client.upload(RedeemState.upload_invoice, "invoice.png", png_bytes(colour=(250, 250, 250)),
                  content_type="image/png")
    before = client.get(RedeemState)
    kept = (before.captcha_question, before._captcha_id, before.form_key, before.new_invoice_name,
            before.invoice_thumb)
    assert before.new_invoice_name == "invoice.png"
    # The connection comes back: hydrate, then the page's on_load again.
    client.open("/promotions/redeem", query=query)
    after = client.get(RedeemState)
    assert (after.captcha_question, after._captcha_id, after.form_key, after.new_invoice_name,
            after.invoice_thumb) == kept
    result = client.call(RedeemState.submit, path="/promotions/redeem", query=query, form=recipient_form(after))
    assert result.redirects == ["/promotions/redeem/done"], client.get(RedeemState).errors


def test_a_refused_redeem_draws_a_new_question_and_names_the_fields_at_the_button(new_client):
    from rxapp.state.promotions import RedeemState

    client, _claim, query = again_tab(new_client, MissingDocument.invoice)
    state = client.get(RedeemState)
    first = state._captcha_id
    # A wrong answer uses the question up: the refusal draws a new one and says why at the button.
    client.call(RedeemState.submit, path="/promotions/redeem", query=query,
                form={**recipient_form(state), "captcha": str(int(captcha_answer_of(state)) + 1)})
    refused = client.get(RedeemState)
    assert refused.errors["captcha"].startswith("That answer is not right")
    assert refused.errors["form"] == "Nothing was sent. Please check: Captcha."
    assert refused._captcha_id != first
    # And a second on_load after it keeps the new question (it is still open).
    second = refused._captcha_id
    client.open("/promotions/redeem", query=query)
    assert client.get(RedeemState)._captcha_id == second


def test_a_submit_on_a_page_that_never_loaded_says_why(new_client):
    from rxapp.state.promotions import RedeemState

    token, _ = factories.session_token_for("demo@member-center.test")
    client = new_client(path="/promotions/redeem")
    client._store_token(token)
    client.call(RedeemState.submit, path="/promotions/redeem", form={"zipcode": "10001"})
    state = client.get(RedeemState)
    assert state.errors["form"].startswith("Nothing was sent: this page is out of date.")
    assert state.recipient["zipcode"] == "10001"


def test_a_file_the_drop_zone_refuses_gets_the_servers_words(new_client):
    """The drop zone sends only what must not be sent at all: too big (with its size), more than one file."""
    from rxapp.state.promotions import RedeemState

    client, _claim, query = again_tab(new_client, MissingDocument.serial_photo)
    client.call(RedeemState.refuse_photo, path="/promotions/redeem", query=query,
                reasons=["file-too-large size=11539456"])
    assert client.get(RedeemState).photo_message == (
        "The file is 11.1 MB; the limit is 10 MB. Please upload a smaller photo or scan.")
    client.call(RedeemState.refuse_photo, path="/promotions/redeem", query=query,
                reasons=["too-many-files size=100", "too-many-files size=200"])
    assert client.get(RedeemState).photo_message.startswith("Please choose one file at a time")
    for junk in ([], [1], ["size=abc file-too-large"], "x", None, ["a" * 10_000]):
        result = client.call(RedeemState.refuse_photo, path="/promotions/redeem", query=query, reasons=junk)
        assert not result.errors
        assert client.get(RedeemState).photo_message


def test_a_barcode_contradicting_the_serial_is_refused_until_confirmed_and_nothing_typed_is_lost(new_client):
    """The S/N rule on the server: the photo's barcode reads another serial than the product's, so the
    submit is refused with the sentence next to the photo (and the box to confirm); what was typed stays."""
    from sqlmodel import select

    from rxapp import db
    from rxapp.models import Redemption
    from rxapp.state import offload
    from rxapp.state.promotions import RedeemState
    from tests.factories.evidence_samples import other_serial, sticker_for

    user_id, email = factories.make_customer("state-sn-rule")
    unit = factories.register_product(user_id)
    token, _ = factories.session_token_for(email)
    client = new_client(path="/promotions/redeem")
    client._store_token(token)
    query = {"product": str(unit["product_id"]), "promotion": str(unit["promotion_id"])}
    client.call(RedeemState.load, path="/promotions/redeem", query=query)

    wrong = other_serial(unit["serial"])
    client.upload(RedeemState.upload_photo, "sticker.png", sticker_for(serial=wrong), content_type="image/png")
    state = client.get(RedeemState)
    assert state.photo_ok and not state.photo_checking
    assert [c["status"] for c in state.photo_checks] == ["contradicts"], state.photo_checks
    # the serial is the registered one, not editable here: the advice names what the customer can do
    assert state.photo_checks[0]["advice"].startswith("Upload a photo of this product's own sticker")
    assert "Correct the serial" not in state.photo_checks[0]["advice"]
    assert state.serial_conflict.startswith(f"The barcode on your photo reads {wrong}, you typed {unit['serial']}")

    typed = {"first_name": "Robin", "last_name": "Typed", "zipcode": "97205", "address": "1 Main Street\nPortland",
             "contact_number": "+1 503 555 0100", "note": "please hurry"}
    # A client that skips the page's box (or the page itself): refused on the server.
    result = client.call(RedeemState.submit, path="/promotions/redeem", query=query,
                         form={**typed, **captcha_form(state)})
    assert result.redirects == []
    refused = client.get(RedeemState)
    assert refused.errors["serial_photo"] == refused.serial_conflict
    assert "confirm_serial" in refused.errors
    assert refused.recipient == typed and refused.photo_ok and refused.photo_checks
    with db.session_scope() as s:
        assert s.exec(select(Redemption).where(Redemption.user_id == user_id)).first() is None

    # Confirmed: sent, and the claim keeps "a check failed" for the reviewers' queue filter.
    result = client.call(RedeemState.submit, path="/promotions/redeem", query=query,
                         form={**typed, **captcha_form(refused), "confirm_serial": "on"})
    assert result.redirects == ["/promotions/redeem/done"], client.get(RedeemState).errors
    offload.drain()  # the verdict is kept behind the customer's answer (state/fast_track.py)
    with db.session_scope() as s:
        claim = s.exec(select(Redemption).where(Redemption.user_id == user_id)).one()
        assert claim.evidence_summary == "failed"
