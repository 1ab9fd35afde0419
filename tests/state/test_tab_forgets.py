"""A tab's state does not outlive its session (hardening finding 1).

A reviewer opens the queue and a claim, then logs out (or the session is
revoked, or another account signs in on the tab): no var of any state of that
tab may still hold the queue rows, the claim, the recipient's address or the
export link, and a customer who logs in next on the same tab receives none of
it.  The check reads every frontend var of every state, as the browser is sent
them on a reconnect (hydration).
"""

from __future__ import annotations

import json

from rxapp.state.console.claim import ClaimState
from rxapp.state.console.queue import QueueState
from rxapp.state.session import SessionState
from tests.factories.flows import create_claim

REVIEWER = ("reviewer@member-center.test", "reviewer-2021")
CUSTOMER = ("new@member-center.test", "new-customer-2021")


def _reviewer_tab(new_client):
    claim_id = create_claim(email_prefix="tab-forgets")["id"]
    client = new_client(path="/login")
    client.log_in(*REVIEWER)
    client.call(QueueState.load, path="/admin")
    client.call(ClaimState.load, path=f"/admin/claim?id={claim_id}")
    queue, claim = client.get(QueueState), client.get(ClaimState)
    assert queue.rows and queue.export_href and claim.found and claim.recipient, "the reviewer saw data"
    secrets = {
        "a customer's email in the queue": queue.rows[0]["customer_email"],
        "a serial in the queue": queue.rows[0]["serial"],
        "the export link": queue.export_href,
        # The 3-digit CHK alone could turn up inside any date: look for the fact as the page holds it.
        "the claim's CHK": json.dumps(["CHK", dict(claim.facts)["CHK"]]),
        "the recipient's address": dict(claim.recipient)["Address"],
        "the recipient's phone": dict(claim.recipient)["Contact Number"],
    }
    return client, secrets


def _leaks(client, secrets: dict[str, str]) -> list[str]:
    text = json.dumps(client.frontend_vars(), default=str)
    return [what for what, value in secrets.items() if value and value in text]


def test_log_out_leaves_nothing_of_what_the_reviewer_saw(new_client):
    client, secrets = _reviewer_tab(new_client)
    client.call(SessionState.log_out, path="/admin")
    assert _leaks(client, secrets) == []
    assert client.get(SessionState).signed_in is False


def test_the_next_person_on_the_tab_receives_nothing_of_the_last(new_client):
    client, secrets = _reviewer_tab(new_client)
    client.call(SessionState.log_out, path="/admin")
    result = client.log_in(*CUSTOMER)
    sent = json.dumps([result.deltas], default=str)
    assert [what for what, value in secrets.items() if value in sent] == []
    assert _leaks(client, secrets) == []


def test_a_revoked_session_makes_the_tab_forget_on_its_next_event(new_client):
    from rxapp import db
    from rxapp.services import sessions

    client, secrets = _reviewer_tab(new_client)
    token = client.get(SessionState).token
    with db.session_scope() as s:
        sessions.revoke_by_token(session=s, token=token)
    client.call(QueueState.next_page, path="/admin")
    assert _leaks(client, secrets) == []


def test_signing_in_as_someone_else_on_a_signed_in_tab_forgets_the_first(new_client):
    client, secrets = _reviewer_tab(new_client)
    client.log_in(*CUSTOMER)  # the log-in form, reached again on the same tab
    assert _leaks(client, secrets) == []
