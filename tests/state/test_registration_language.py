"""Product Registration and My Products in the tab's language (issue 16).

The wizard's messages come from the services and the state of the event that wrote them: a German or a
Traditional Chinese tab gets them in its language (an unknown serial, a wrong CHK, a refused upload from a
background handler), My Products writes its dates the language's way.  English is covered by
tests/state/test_registration_state.py, whose messages must stay exactly as they are.
"""

from __future__ import annotations

from datetime import date

from tests.state.test_registration_state import category_id_for, fill_to_step_four, free_unit, signed_in


def _in_language(new_client, lang: str):
    from rxapp.state.session import SessionState

    client, _sid = signed_in(new_client)
    client.call(SessionState.choose_language, path="/products/register", lang=lang)
    assert client.get(SessionState).lang == lang
    return client


def _unknown_serial_like(unit: dict) -> str:
    """A serial in the unit's format that is not in the registry."""
    from rxapp import db
    from rxapp.services import serials

    head, last = unit["serial"][:-1], unit["serial"][-1]
    with db.session_scope() as s:
        for digit in "0123456789":
            candidate = head + digit
            if digit != last and serials.find_serial(session=s, raw=candidate) is None:
                return candidate
    raise AssertionError("every variation is registered")


def test_an_unknown_serial_is_refused_in_german_and_in_chinese(new_client):
    from rxapp import i18n
    from rxapp.state.registration import RegistrationState as R

    english = ("We cannot find this serial number. Please compare it with the sticker "
               'character by character (mind "0" and "O", "1" and "l").')
    unit = free_unit()
    for lang in ("de", "zh-TW"):
        client = _in_language(new_client, lang)
        client.call(R.load)
        client.call(R.next_step)
        assert client.get(R).errors == {
            "category": i18n.gettext("Please choose the category of your product.", lang)}
        client.call(R.choose_category, category_id=category_id_for(client, unit["category_slug"]))
        client.call(R.next_step)
        client.call(R.set_serial, value=_unknown_serial_like(unit))
        client.call(R.next_step)
        state = client.get(R)
        assert state.step == 2
        assert state.errors["serial"] == i18n.gettext(english, lang) != english


def test_a_wrong_chk_says_how_many_tries_are_left_in_the_tab_s_language(new_client):
    from rxapp import i18n
    from rxapp.state.registration import RegistrationState as R

    client = _in_language(new_client, "zh-TW")
    unit = free_unit()
    client.call(R.load)
    client.call(R.choose_category, category_id=category_id_for(client, unit["category_slug"]))
    client.call(R.next_step)
    client.call(R.set_serial, value=unit["serial"])
    client.call(R.next_step)
    client.call(R.set_chk, value=f"{(int(unit['chk']) + 1) % 1000:03d}")
    client.call(R.next_step)
    message = client.get(R).errors["chk"]
    one = ('This CHK code does not match the serial number. Please check the 3 digits after "CHK" on the sticker. '
           "{n} try left before this serial number is locked for an hour.")
    many = one.replace("{n} try left", "{n} tries left")
    assert message in {i18n.ngettext(one, many, n, "zh-TW").format(n=n) for n in range(1, 5)}
    assert "CHK" in message and "does not match" not in message


def test_a_refused_upload_is_explained_in_the_tab_s_language(new_client):
    """The upload handler runs in the background: it speaks the tab's language too."""
    from rxapp import i18n
    from rxapp.state.registration import RegistrationState as R

    client = _in_language(new_client, "de")
    fill_to_step_four(client, free_unit())
    client.upload(R.upload_invoice, "scan.pdf", b"%PDF-1.4\n%...\n", content_type="application/pdf")
    state = client.get(R)
    accept = i18n.gettext("Please upload a JPG, GIF or PNG picture of your invoice.", "de")
    expected = i18n.gettext("This file is {what}, not an image. {accept}", "de").format(
        what=i18n.gettext("a PDF document", "de"), accept=accept)
    assert state.invoice_message == expected
    assert "PDF-Dokument" in expected and not state.invoice_ok


def test_my_products_writes_its_dates_the_language_s_way(new_client, tmp_path):
    from rxapp.state.registration import MyProductsState
    from rxapp.state.session import SessionState
    from tests.state.test_registration_state import register_through_the_wizard

    client, _sid = signed_in(new_client)
    unit = free_unit()
    register_through_the_wizard(client, unit, tmp_path)
    english = next(r for r in client.get(MyProductsState).rows if r["serial"] == unit["serial"])
    purchase = date.fromisoformat(english["purchase_date"])  # English keeps ISO dates
    client.call(SessionState.choose_language, path="/products", lang="de")
    client.call(MyProductsState.load, path="/products")
    german = next(r for r in client.get(MyProductsState).rows if r["serial"] == unit["serial"])
    assert german["purchase_date"] == purchase.strftime("%d.%m.%Y")
    assert german["warranty_text"].startswith("noch ") and german["warranty_text"].endswith(" Tage")
    client.call(SessionState.choose_language, path="/products", lang="zh-TW")
    client.call(MyProductsState.load, path="/products")
    chinese = next(r for r in client.get(MyProductsState).rows if r["serial"] == unit["serial"])
    assert chinese["purchase_date"] == f"{purchase.year}年{purchase.month}月{purchase.day}日"
    assert chinese["warranty_end"].endswith("日") and "天" in chinese["warranty_text"]
