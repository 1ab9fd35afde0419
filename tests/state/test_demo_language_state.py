"""The demo kit and the Mailbox in the tab's language (issue 16): what their handlers write, and the dates.

A fresh account whose tab chose German (the persona accounts keep their own language for the other tests).
"""

from __future__ import annotations

import re

from tests.factories.flows import session_token_for
from tests.state.test_account_state import fresh_email, make_account
from tests.state.test_demo_state import present


def de(text: str) -> str:
    from rxapp import i18n

    return i18n.gettext(text, "de")


def _german_tab(new_client, path: str):
    from rxapp.state.session import SessionState

    email = fresh_email()
    make_account(email)
    token, _ = session_token_for(email)
    tab = new_client(path=path)
    tab._store_token(token)
    tab.open(path)
    tab.call(SessionState.choose_language, path=path, lang="de")
    assert tab.get(SessionState).lang == "de"
    return tab


def test_the_demo_kit_answers_in_german_and_writes_dates_the_german_way(new_client):
    from rxapp import db, i18n
    from rxapp.services import clock, demo_kit
    from rxapp.state import demo
    from rxapp.state.demo import DemoState as D
    from rxapp.state.session import SessionState

    tab = _german_tab(new_client, "/demo")
    tab.call(D.load, path="/demo")
    kit = tab.get(D)
    assert kit.demo_on and not kit.presenter
    assert {p["description"] for p in kit.personas} == {de(p["description"]) for p in demo_kit.personas()}
    with db.session_scope() as s:
        today = clock.today(s)
    assert kit.today_text == de("Today for the rules is {day} (the real date).").format(
        day=i18n.format_date(today, "de"))

    tab.call(D.set_demo_date, path="/demo", form={"demo_date": "2021-12-15"})
    assert tab.get(D).message == de(demo.PASSCODE_FIRST) != demo.PASSCODE_FIRST
    tab.call(D.unlock, path="/demo", form={"passcode": "not-the-passcode"})
    assert tab.get(D).passcode_error == de(demo.PASSCODE_WRONG) != demo.PASSCODE_WRONG
    present(tab)
    assert tab.get(D).message == de("Unlocked: you are presenting.")
    try:
        tab.call(D.set_demo_date, path="/demo", form={"demo_date": "2021-12-15"})
        kit = tab.get(D)
        assert kit.message == de("Demo date set to {day}.").format(day="15.12.2021")
        assert kit.today_text == de("Today for the rules is {day} (the demo date).").format(day="15.12.2021")
        assert kit.demo_date == "2021-12-15"  # the date input's value stays ISO
        assert tab.get(SessionState).demo_date == "15.12.2021"  # the banner's
        for bad, expected in (("15/12/2021", "Enter the demo date as YYYY-MM-DD, for example 2021-12-01."),
                              ("1999-01-01", "Pick a demo date between 1 January 2000 and 31 December 2100."),
                              ("", "Pick a date, or press “Clear” to go back to today.")):
            tab.call(D.set_demo_date, path="/demo", form={"demo_date": bad})
            assert tab.get(D).date_error == de(expected) != expected, bad
    finally:
        with db.session_scope() as s:
            demo_kit.set_demo_date(session=s, value=None)
    tab.call(D.clear_demo_date, path="/demo")
    assert tab.get(D).message == de("Demo date cleared: today is the real date.")


def test_the_mailbox_answers_in_german_and_dates_its_emails_the_german_way(new_client):
    from rxapp import vocabulary
    from rxapp.services import mailbox
    from rxapp.state.demo import MailboxState as M

    tab = _german_tab(new_client, "/demo/mailbox")
    tab.call(M.load, path="/demo/mailbox")
    box = tab.get(M)
    assert box.rows, "the welcome email"
    for row in box.rows:
        assert re.fullmatch(r"\d{2}\.\d{2}\.\d{4} \d{2}:\d{2} UTC", row["time"]), row["time"]
        assert row["status_label"] == de(vocabulary.EMAIL_STATUS[vocabulary.EmailStatus(row["status"])])
    assert box.smtp_note == de("No SMTP server is configured: emails are not sent out, this Mailbox shows what "
                               "was written.")
    tab.call(M.open_message, path="/demo/mailbox", message_id=box.rows[0]["id"])
    assert re.fullmatch(r"\d{2}\.\d{2}\.\d{4} \d{2}:\d{2} UTC", tab.get(M).selected["time"])
    tab.call(M.open_message, path="/demo/mailbox", message_id="987654321")
    assert tab.get(M).message == de(mailbox.MSG_NOT_HERE) != mailbox.MSG_NOT_HERE
