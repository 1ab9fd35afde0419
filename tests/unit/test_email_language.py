"""Emails in the customer's language (issue 16): the account's language at the moment the email is
written, text and HTML parts; the reviewer's reason reaches the customer as typed; dates as the
language writes them."""

from __future__ import annotations

import pytest

from rxapp import i18n
from tests.unit.test_claims import INVOICE_REASON, decide, emails_of, submit, world  # noqa: F401 - fixture


def _speaks(session, user, lang: str) -> None:
    user.language = lang
    session.add(user)
    session.commit()


@pytest.mark.parametrize("lang", ["de", "zh-TW"])
def test_a_claim_s_emails_are_written_in_the_account_s_language(session, world, lang):  # noqa: F811
    _speaks(session, world["user"], lang)
    claim = submit(session, world)
    decide(session, world, claim, "needs_info", reason=INVOICE_REASON, missing_document="invoice")
    received, needs_info = emails_of(session, claim)[-2:]

    t = lambda text: i18n.gettext(text, lang)  # noqa: E731
    assert t("Dear Customer,") != "Dear Customer,"
    assert received.subject == t("[No Reply] {vendor} Redeem Notice - {outcome}").format(
        vendor="MSI", outcome=t("Received"))
    due = i18n.format_date(claim.due_on, lang)
    assert due != claim.due_on.isoformat() and due in received.body_text and due in received.body_html
    for mail in (received, needs_info):
        assert mail.body_text.startswith(t("Dear Customer,"))
        assert t("Dear Customer,") in mail.body_html and f'lang="{lang}"' in mail.body_html
        assert "Dear Customer" not in mail.body_text + mail.body_html
    # What the reviewer typed reaches the customer as typed, inside the customer's language.
    assert t("Reason : {reason}").format(reason=INVOICE_REASON) in needs_info.body_text
    assert needs_info.subject.endswith(t("Documents needed"))


def test_an_account_without_a_language_gets_english(session, world):  # noqa: F811
    claim = submit(session, world)
    mail = emails_of(session, claim)[-1]
    assert mail.body_text.startswith("Dear Customer,")
    assert claim.due_on.isoformat() in mail.body_text


def test_the_language_is_the_account_s_when_the_email_is_written(session, world):  # noqa: F811
    """An email already written stays as written; the next follows the account's new language."""
    claim = submit(session, world)
    _speaks(session, world["user"], "de")
    decide(session, world, claim, "needs_info", reason=INVOICE_REASON, missing_document="invoice")
    first, second = emails_of(session, claim)[-2:]
    assert first.body_text.startswith("Dear Customer,")
    assert second.body_text.startswith(i18n.gettext("Dear Customer,", "de"))


def test_account_overview_names_the_region_in_the_current_language(session, world):  # noqa: F811
    from rxapp.services import profiles

    user_id = world["user"].id
    english = profiles.overview(session=session, user_id=user_id)["region"]
    with i18n.using("de"):
        german = profiles.overview(session=session, user_id=user_id)["region"]
    assert german == i18n.territory(world["user"].region_code, english, "de") != english
