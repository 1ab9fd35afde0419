"""What the shell shows on every page, as the states hold it (issue 14, findings 9, 14, 15).

* a notice belongs to the page it was raised for, and is gone once another page loads;
* while a demo date is set every page's session state carries it (the banner), and only a
  presenter's tab can go back to the real date;
* one email at its own address (``/demo/mailbox/message?id=…``), for its reader only.
"""

from __future__ import annotations

from datetime import date

from tests.factories.flows import session_token_for
from tests.state.test_demo_state import CUSTOMER, present, signed_in


def test_a_notice_is_for_its_page_and_is_dropped_when_another_page_loads(new_client):
    from rxapp.state.console.queue import QueueState
    from rxapp.state.session import MSG_REVIEWERS_ONLY, SessionState

    customer, _t = signed_in(new_client, CUSTOMER, path="/admin")
    refused = customer.call(QueueState.load, path="/admin")
    assert refused.redirects == ["/account"]
    session = customer.get(SessionState)
    assert (session.notice, session.notice_for) == (MSG_REVIEWERS_ONLY, "/account")

    customer.call(SessionState.require_member, path="/account")  # the page it was raised for: kept
    assert customer.get(SessionState).notice == MSG_REVIEWERS_ONLY
    customer.call(SessionState.require_member, path="/products")  # the next page: gone
    assert customer.get(SessionState).notice == ""
    customer.call(SessionState.require_member, path="/account")  # and it does not come back
    assert customer.get(SessionState).notice == ""


def test_a_notice_raised_for_a_public_page_survives_its_own_load(new_client):
    from rxapp.state.auth import LoginState
    from rxapp.state.session import SessionState

    customer, _t = signed_in(new_client, CUSTOMER, path="/account")
    out = customer.call(SessionState.log_out, path="/account")
    assert out.redirects == ["/login"]
    customer.call(LoginState.load, path="/login")
    assert customer.get(SessionState).notice == "You have been logged out."
    customer.call(SessionState.load_public, path="/promotions/faq")
    assert customer.get(SessionState).notice == ""


def test_every_page_says_the_demo_date_and_only_a_presenter_goes_back(new_client):
    from rxapp import db
    from rxapp.services import clock, demo_kit
    from rxapp.state.demo import PASSCODE_FIRST
    from rxapp.state.demo import DemoState as D
    from rxapp.state.session import SessionState

    presenter, _t = signed_in(new_client, CUSTOMER, path="/demo")
    present(presenter)
    try:
        presenter.call(D.set_demo_date, form={"demo_date": "2021-12-15"})
        assert presenter.get(SessionState).demo_date == "2021-12-15"  # at once, on the presenter's tab
        assert presenter.get(SessionState).presenting

        # Another visitor: a signed-out one and a customer without the passcode both see the date.
        visitor = new_client(path="/")
        visitor.call(SessionState.load_public, path="/")
        seen = visitor.get(SessionState)
        assert (seen.demo_date, seen.real_date) == ("2021-12-15", clock.now().date().isoformat())
        other, _t = signed_in(new_client, "new@member-center.test", path="/products")
        other.call(SessionState.require_member, path="/products")
        assert other.get(SessionState).demo_date == "2021-12-15" and not other.get(SessionState).presenting
        other.call(D.back_to_real_date, path="/products")  # no passcode: refused
        assert other.get(D).message == PASSCODE_FIRST
        with db.session_scope() as s:
            assert clock.demo_date(s) == date(2021, 12, 15)

        back = presenter.call(D.back_to_real_date, path="/products")
        assert not back.errors
        assert presenter.get(SessionState).demo_date == ""
        with db.session_scope() as s:
            assert clock.demo_date(s) is None
        other.call(SessionState.require_member, path="/promotions")
        assert other.get(SessionState).demo_date == ""
    finally:
        with db.session_scope() as s:
            demo_kit.set_demo_date(session=s, value=None)


def test_an_email_opens_at_its_own_address_for_its_reader_only(new_client):
    from rxapp import db
    from rxapp.services import mailbox
    from rxapp.state.demo import MailboxState as M
    from tests.state.test_demo_state import _claims_mail

    _claims_mail()
    token, _sid = session_token_for(CUSTOMER)
    with db.session_scope() as s:
        from rxapp.services import sessions

        user_id = sessions.resolve(session=s, token=token).user_id
        mine = mailbox.list_messages(session=s, actor_id=user_id)[0]
        theirs = mailbox.list_messages(session=s, actor_id=user_id, limit=500)
        everyone = [m for m in mailbox.list_messages(session=s, actor_id=_reviewer_id(s), limit=500)
                    if m["to"].lower() != CUSTOMER]
    assert theirs and everyone
    customer, _t = signed_in(new_client, CUSTOMER, path="/demo/mailbox/message")
    customer.call(M.load_message, path=f"/demo/mailbox/message?id={mine['id']}")
    opened = customer.get(M)
    assert opened.selected["subject"] == mine["subject"] and opened.message == ""
    customer.call(M.load_message, path=f"/demo/mailbox/message?id={everyone[0]['id']}")
    assert customer.get(M).selected == {} and "not in your Mailbox" in customer.get(M).message
    for junk in ("", "abc", "-1", "99999999"):
        customer.call(M.load_message, path=f"/demo/mailbox/message?id={junk}")
        assert customer.get(M).selected == {}


def _reviewer_id(s) -> int:
    import sqlalchemy as sa

    from rxapp.models import User

    return s.execute(sa.select(User.id).where(User.email == "reviewer@member-center.test")).scalar_one()
