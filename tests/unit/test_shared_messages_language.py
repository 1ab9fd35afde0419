"""Messages of the shared services in the event's language (issue 16): the recipient form's errors, the
access refusals, a session's browser name, a refused download's body.  English stays the source."""

from __future__ import annotations

import pytest

from rxapp import i18n
from rxapp.services import access, recipients, sessions
from rxapp.services.errors import FieldErrors, Forbidden
from tests.factories import rows as f


def de(text: str) -> str:
    return i18n.gettext(text, "de")


def _errors(session, data: dict, lang: str) -> dict[str, str]:
    with i18n.using(lang), pytest.raises(FieldErrors) as exc:
        recipients.validate_recipient(session=session, data=data, region_code="FR")
    return exc.value.errors


def test_the_recipient_form_s_errors_follow_the_language(session):
    f.make_region(session, "FR")
    bad = {"first_name": " ", "last_name": "x" * 81, "zipcode": "75 011 !", "address": "", "contact_number": "12"}
    english, german = _errors(session, bad, "en"), _errors(session, bad, "de")
    assert english["first_name"] == "Please enter the first name."
    assert english["last_name"] == "Last name can be at most 80 characters (it has 81)."
    assert "France" in english["contact_number"] and "+33" in english["contact_number"]
    assert german["first_name"] == de("Please enter the first name.") != english["first_name"]
    assert german["last_name"] == de("{field} can be at most {max} characters (it has {n}).").format(
        field=de("Last name"), max=80, n=81)
    assert german["zipcode"] == de("Please enter the zipcode with letters, digits, spaces or '-' only, e.g. 75011.")
    assert german["address"] == de("Please enter the address (street, city; several lines are fine).")
    assert "Frankreich" in german["contact_number"] and "+33" in german["contact_number"]  # the region's German name
    chinese = _errors(session, bad, "zh-TW")
    assert chinese["first_name"] == i18n.gettext("Please enter the first name.", "zh-TW") != english["first_name"]
    assert "法國" in chinese["contact_number"]


def test_access_refusals_and_browser_names_follow_the_language(session):
    customer = f.make_user(session)
    with i18n.using("de"), pytest.raises(Forbidden) as exc:
        access.require_admin(session=session, user_id=customer.id)
    assert exc.value.message == de(access.MSG_ADMINS_ONLY) != access.MSG_ADMINS_ONLY
    with i18n.using("zh-TW"), pytest.raises(Forbidden) as exc:
        access.require_reviewer(session=session, user_id=customer.id)
    assert exc.value.message == i18n.gettext(access.MSG_REVIEWERS_ONLY, "zh-TW") != access.MSG_REVIEWERS_ONLY
    agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
    assert sessions.describe_user_agent(agent) == "Chrome 126 on Windows"
    with i18n.using("de"):
        assert sessions.describe_user_agent(agent) == "Chrome 126 unter Windows"
        assert sessions.describe_user_agent("") == de("Unknown browser") != "Unknown browser"


def test_a_refused_download_says_not_found_in_the_browser_s_language():
    from starlette.requests import Request

    from rxapp.api import browser

    def request(headers: dict[str, str]) -> Request:
        raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        return Request({"type": "http", "method": "GET", "path": "/", "headers": raw, "query_string": b""})

    assert browser.not_found_text(request({})) == "Not found"
    assert browser.not_found_text(request({"Accept-Language": "de-DE,de;q=0.9"})) == de("Not found") != "Not found"
    # The language chosen in the app (its cookie) wins over the browser's.
    chosen = request({"Accept-Language": "de-DE", "Cookie": "mc_lang=zh-TW"})
    assert browser.not_found_text(chosen) == i18n.gettext("Not found", "zh-TW")
    assert browser.not_found_text(None) == "Not found"


def test_moments_on_screen_are_written_the_reader_s_way_and_exports_stay_iso():
    from datetime import date, datetime

    from rxapp import formatting

    moment, day = datetime(2021, 12, 15, 9, 30), date(2021, 12, 15)
    assert formatting.shown_when(moment) == formatting.when(moment) == "2021-12-15 09:30 UTC"
    assert formatting.shown_when(day) == "2021-12-15" and formatting.shown_when(None) == ""
    with i18n.using("de"):
        assert formatting.shown_when(moment) == "15.12.2021 09:30 UTC"
        assert formatting.shown_when(day) == "15.12.2021"
        assert formatting.when(moment) == "2021-12-15 09:30 UTC"  # CSV and other machine-read text
    with i18n.using("zh-TW"):
        assert formatting.shown_when(moment) == "2021年12月15日 09:30 UTC"
