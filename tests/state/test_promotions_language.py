"""The promotion pages in the tab's language (issue 16): eligibility explanations, a refused Redeem, and
Redeem History's dates, written by the handlers in German and Traditional Chinese (English unchanged).

Driven through Reflex's event processing with real sessions; the catalogs are the repo's own.
"""

from __future__ import annotations

import re

import pytest

from rxapp.models import MissingDocument
from tests.factories import flows as factories
from tests.state.test_redeem_state import again_tab, recipient_form

DATE_SHAPE = {"de": r"^\d{2}\.\d{2}\.\d{4}$", "zh-TW": r"^\d{4}年\d{1,2}月\d{1,2}日$", "en": r"^\d{4}-\d{2}-\d{2}$"}


def _speak(client, lang: str, path: str, **call) -> None:
    from rxapp.state.session import SessionState

    client.call(SessionState.choose_language, path=path, lang=lang, **call)
    assert client.get(SessionState).lang == lang


def _signed_in(new_client, email: str, path: str):
    token, _ = factories.session_token_for(email)
    client = new_client(path=path)
    client._store_token(token)
    return client


@pytest.mark.parametrize("lang", ["de", "zh-TW"])
def test_an_eligibility_explanation_comes_in_the_tab_s_language(new_client, lang):
    """The claimed product's offer says why it cannot redeem again, with the day as the language writes it."""
    from rxapp import db, i18n
    from rxapp.models import Redemption
    from rxapp.state.promotions import PromotionsState

    claim = factories.create_claim(email_prefix=f"state-lang-elig-{lang}")
    with db.session_scope() as s:
        submitted = s.get(Redemption, claim["id"]).submitted_at.date()
    client = _signed_in(new_client, claim["email"], "/promotions")
    client.call(PromotionsState.load, path="/promotions")
    english = [r for card in client.get(PromotionsState).promotions for o in card.offers for r in o.reasons]
    assert f"Already redeemed on {submitted.isoformat()}: the claim is under review." in english

    _speak(client, lang, "/promotions")
    client.call(PromotionsState.load, path="/promotions")
    cards = client.get(PromotionsState).promotions
    reasons = [r for card in cards for o in card.offers for r in o.reasons]
    wanted = i18n.gettext("Already redeemed on {date}: the claim is under review.", lang).format(
        date=i18n.format_date(submitted, lang))
    assert wanted in reasons and wanted not in english
    assert re.search(DATE_SHAPE[lang].strip("^$"), wanted)
    # The promotion's period and the product's purchase date follow too; the counts' sentence as well.
    card = next(c for c in cards if any(o.reasons for o in c.offers))
    assert all(re.match(DATE_SHAPE[lang], part) for part in card.period.split("~"))
    assert card.blocked_text == i18n.ngettext("Why {n} of your products does not qualify",
                                              "Why {n} of your products do not qualify", card.blocked,
                                              lang).format(n=card.blocked)


@pytest.mark.parametrize("lang", ["de", "zh-TW"])
def test_a_refused_redeem_says_why_in_the_tab_s_language(new_client, lang):
    from rxapp import i18n
    from rxapp.state.promotions import RedeemState

    client, _claim, query = again_tab(new_client, MissingDocument.serial_photo)
    _speak(client, lang, "/promotions/redeem", query=query)
    client.call(RedeemState.submit, path="/promotions/redeem", query=query,
                form=recipient_form(client.get(RedeemState)))
    errors = client.get(RedeemState).errors
    assert errors["serial_photo"] == i18n.gettext("Please upload a new S/N photo: {reason}", lang).format(
        reason="Please send the document asked for.")  # the reviewer's reason as typed
    assert errors["form"] == i18n.gettext("Nothing was sent. Please check: {fields}.", lang).format(
        fields=i18n.gettext("Product Barcode / S/N photo", lang))
    assert errors["form"] != "Nothing was sent. Please check: Product Barcode / S/N photo."

    # A recipient field left empty: the service's message, in the same language.
    state = client.get(RedeemState)
    client.call(RedeemState.submit, path="/promotions/redeem", query=query,
                form={**recipient_form(state), "first_name": ""})
    assert client.get(RedeemState).errors["first_name"] == i18n.gettext("Please enter the first name.", lang)


@pytest.mark.parametrize("lang", ["en", "de", "zh-TW"])
def test_redeem_history_rows_carry_dates_as_the_language_writes_them(new_client, lang):
    from rxapp import db, i18n
    from rxapp.models import Redemption
    from rxapp.state.promotions import ClaimState, RedeemHistoryState

    claim = factories.create_claim(email_prefix=f"state-lang-history-{lang}")
    with db.session_scope() as s:
        row = s.get(Redemption, claim["id"])
        submitted, due = row.submitted_at.date(), row.due_on
    client = _signed_in(new_client, claim["email"], "/promotions/history")
    if lang != "en":
        _speak(client, lang, "/promotions/history")
    client.call(RedeemHistoryState.load, path="/promotions/history")
    (history,) = client.get(RedeemHistoryState).rows
    assert history.redeem_date == i18n.format_date(submitted, lang)
    assert history.due_on == i18n.format_date(due, lang)
    assert re.match(DATE_SHAPE[lang], history.redeem_date) and re.match(DATE_SHAPE[lang], history.due_on)
    assert history.status_text == i18n.gettext("Redeem qualification under reviewing", lang)
    if lang == "en":
        assert history.redeem_date == submitted.isoformat()  # English as it always was

    client.call(ClaimState.load, path="/promotions/claim", query={"id": str(claim["id"])})
    timeline = client.get(ClaimState)
    assert timeline.claim["due_on"] == i18n.format_date(due, lang)
    assert timeline.events[0]["label"] == i18n.gettext("Claim submitted", lang)
    assert timeline.events[0]["actor"] == i18n.gettext("You", lang)
    assert timeline.events[0]["date"] == i18n.format_date(submitted, lang)
