"""Issue 18: the queue's order is a filter-bar choice, riskiest first by default for the open claims, kept
while paging (through the real handlers)."""

from __future__ import annotations

from datetime import date, timedelta

from rxapp import db
from rxapp.models import Redemption
from rxapp.state.console import queue as queue_module
from rxapp.state.console.queue import QueueState
from tests.factories.flows import create_claim, session_token_for
from tests.state.test_console_findings_state import REVIEWER


def _claims(prefix: str) -> dict[str, int]:
    """Four open claims: (risk signals, days due after the first) as named."""
    shape = {"old": (0, 0), "risky2": (1, 1), "risky": (1, 3), "riskier": (2, 6)}
    ids = {name: create_claim(email_prefix=prefix)["id"] for name in shape}
    with db.write_session() as s:
        for name, (risk, days) in shape.items():
            claim = s.get(Redemption, ids[name])
            claim.risk_score, claim.due_on = risk, date(2024, 3, 1) + timedelta(days=days)
            s.add(claim)
    return ids


def _reviewer_on_queue(new_client):
    """A tab signed in as the demo reviewer, on the claim queue (its load run)."""
    client = new_client()
    token, _ = session_token_for(REVIEWER[0])
    client._store_token(token)
    client.open("/admin")
    client.call(QueueState.load, path="/admin")
    return client


def test_the_reviewer_chooses_riskiest_or_due_first_and_paging_keeps_it(new_client, monkeypatch):
    monkeypatch.setattr(queue_module, "PAGE_SIZE", 2)
    ids = _claims("queue-order")
    client = _reviewer_on_queue(new_client)
    Q = QueueState
    assert client.get(Q).f_order == "risk"  # the open queue's default

    def shown():
        return [int(r["claim_id"]) for r in client.get(Q).rows]

    form = {"status": "under_review", "search": "queue-order-"}
    client.call(Q.apply_filters, form={**form, "order": "risk"})
    assert shown() == [ids["riskier"], ids["risky2"]]
    assert [r["risk"] for r in client.get(Q).rows] == ["2", "1"]  # the signals shown with each claim
    client.call(Q.next_page)
    assert shown() == [ids["risky"], ids["old"]] and client.get(Q).page_no == 2
    client.call(Q.prev_page)
    assert shown() == [ids["riskier"], ids["risky2"]]

    client.call(Q.apply_filters, form={**form, "order": "due"})
    assert shown() == [ids["old"], ids["risky2"]] and client.get(Q).f_order == "due"
    client.call(Q.next_page)
    assert shown() == [ids["risky"], ids["riskier"]]
    # Another status tab keeps the reviewer's choice; every status at once reads due first and says so.
    client.call(Q.show_status, status="under_review")
    assert client.get(Q).f_order == "due"
    client.call(Q.apply_filters, form={**form, "status": "all", "order": "risk"})
    assert client.get(Q).f_order == "due" and shown() == [ids["old"], ids["risky2"]]
    # A made-up order is a message on the field, the queue unchanged.
    client.call(Q.apply_filters, form={**form, "order": "sideways"})
    assert "order" in client.get(Q).errors
    client.call(Q.clear_filters)
    assert client.get(Q).f_order == "risk"


def test_a_fresh_tab_load_keeps_both_forms_and_a_changed_filter_remakes_them(new_client, monkeypatch):
    """The forms' keys (what remakes them, clearing what was typed or ticked): a fresh tab's load keeps the
    first filter form and the claims' form (the rows coming in place of none), which show what they must;
    a load after the filter changed remakes the filter form, and fewer rows remake the claims' form."""
    monkeypatch.setattr(queue_module, "PAGE_SIZE", 2)
    _claims("queue-keys")
    client = _reviewer_on_queue(new_client)
    Q = QueueState
    first = client.get(Q)
    assert (first.form_key, first.rows_key, len(first.rows)) == (0, 0, 2)

    client.call(Q.apply_filters, form={"status": "under_review", "search": "queue-keys-", "order": "due"})
    assert client.get(Q).rows_key == 0  # as many rows as before: the ticks stay, as with the old key
    client.call(Q.load, path="/admin")  # the page again (a reload): its fields must show this filter
    assert client.get(Q).form_key == 1 and client.get(Q).f_order == "due"
    client.call(Q.apply_filters, form={"status": "under_review", "search": "queue-keys-nothing"})
    assert client.get(Q).rows == [] and client.get(Q).rows_key == 1  # fewer rows: the boxes are cleared
