"""Issue 14, findings 10-12, through the real handlers: where log-in lands, a search the status filter
hides, approve (one claim or a bulk selection) with an undo window, unsent reasons kept per claim."""

from __future__ import annotations

import time

import pytest

from rxapp.state.auth import LoginState
from rxapp.state.console.claim import ClaimState
from rxapp.state.console.queue import QueueState
from tests.factories.flows import approve, create_claim, session_token_for

REVIEWER = ("reviewer@member-center.test", "reviewer-2021")
CUSTOMER = ("demo@member-center.test", "demo-customer-2021")


def _status(claim_id: int) -> str:
    from rxapp import db
    from rxapp.models import Redemption

    with db.session_scope() as s:
        return s.get(Redemption, claim_id).status.value


def _reviewer(new_client):
    client = new_client()
    token, _ = session_token_for(REVIEWER[0])
    client._store_token(token)
    client.open("/admin")
    client.call(QueueState.load, path="/admin")
    return client


@pytest.mark.parametrize(("who", "query", "lands"), [
    (REVIEWER, None, "/admin"),
    (CUSTOMER, None, "/account"),
    (REVIEWER, {"next": "/admin/insights"}, "/admin/insights"),
    (CUSTOMER, {"next": "/promotions/history"}, "/promotions/history"),
    (REVIEWER, {"next": "//evil.example/admin"}, "/admin"),
])
def test_log_in_lands_where_the_role_works_unless_a_safe_next_says_otherwise(new_client, who, query, lands):
    page = "/login"  # the harness adds ``query`` to the address
    client = new_client(path="/login")
    client.call(LoginState.load, path=page, query=query)
    result = client.call(LoginState.submit, path=page, query=query, form={"email": who[0], "password": who[1]})
    assert result.redirects == [lands], (result.redirects, result.errors)
    # Opening the log-in page again while signed in sends the browser to the same place.
    assert client.call(LoginState.load, path=page, query=query).redirects == [lands]


def test_a_search_hidden_by_the_status_filter_is_explained_and_shown_in_one_click(new_client):
    claim = create_claim(email_prefix="hidden-search")
    approve(claim["id"])
    client = _reviewer(new_client)
    client.call(QueueState.apply_filters, path="/admin", form={"status": "under_review", "search": claim["email"]})
    queue = client.get(QueueState)
    assert queue.rows == []
    assert queue.hidden["text"] == (f"1 claim matching “{claim['email']}” is hidden by the Status filter "
                                   "(Under review): Approved (1).")
    assert queue.hidden["status"] == "yes" and not queue.hidden["others"]
    client.call(QueueState.show_status, path="/admin", status="all")
    queue = client.get(QueueState)
    assert [r["claim_id"] for r in queue.rows] == [str(claim["id"])] and queue.hidden == {}
    assert (queue.f_status, queue.f_search) == ("all", claim["email"])


def test_approve_waits_for_its_undo_window_and_undo_takes_it_back(new_client, monkeypatch):
    from rxapp.services import pending_approvals

    claim = create_claim(email_prefix="undo-window")
    client = _reviewer(new_client)
    client.call(ClaimState.load, path=f"/admin/claim?id={claim['id']}")
    monkeypatch.setattr(pending_approvals, "UNDO_SECONDS", 60)
    client.call(ClaimState.approve, path=f"/admin/claim?id={claim['id']}")
    state = client.get(ClaimState)
    assert state.pending == {"by": "you", "seconds": "60", "code": "yes"} and state.claim["status"] == "under_review"
    assert _status(claim["id"]) == "under_review"
    client.call(ClaimState.undo_approval, path=f"/admin/claim?id={claim['id']}")
    state = client.get(ClaimState)
    assert state.pending == {} and state.message == "Approval undone: the claim is still under review."
    assert _status(claim["id"]) == "under_review"

    # A short window: the tab commits the approval when it ends and says so.
    monkeypatch.setattr(pending_approvals, "UNDO_SECONDS", 0.05)
    client.call(ClaimState.approve, path=f"/admin/claim?id={claim['id']}")
    for _ in range(100):
        if _status(claim["id"]) == "approved" and client.get(ClaimState).message:
            break
        time.sleep(0.05)
    state = client.get(ClaimState)
    assert _status(claim["id"]) == "approved"
    assert state.message.startswith("Approved: Redeem Success. Code GAME-") and state.pending == {}
    client.call(ClaimState.undo_approval, path=f"/admin/claim?id={claim['id']}")
    assert client.get(ClaimState).message == "Too late to undo: the approval was already committed."


def _code_issued(claim_id: int) -> bool:
    from sqlmodel import select

    from rxapp import db
    from rxapp.models import PromotionCode

    with db.session_scope() as s:
        code = s.exec(select(PromotionCode).where(PromotionCode.redemption_id == claim_id)).first()
        return bool(code and code.issued_at)


def test_bulk_approve_waits_for_its_undo_window_and_one_undo_takes_the_batch_back(new_client, monkeypatch):
    from rxapp.services import pending_approvals

    a, b = create_claim(email_prefix="bulk-undo"), create_claim(email_prefix="bulk-undo")
    client = _reviewer(new_client)
    client.call(QueueState.apply_filters, path="/admin", form={"status": "under_review", "search": "bulk-undo-"})
    ticked = {f"claim-{a['id']}": "on", f"claim-{b['id']}": "on"}
    monkeypatch.setattr(pending_approvals, "UNDO_SECONDS", 60)
    client.call(QueueState.approve_selected, path="/admin", form=ticked)
    queue = client.get(QueueState)
    assert queue.batch == {"claims": f"#{a['id']}, #{b['id']}", "count": "2", "seconds": "60"}
    assert queue.message == "Approved 2 of 2 selected claims."
    # Nothing is decided, no code issued, while the window lasts.
    assert (_status(a["id"]), _status(b["id"])) == ("under_review", "under_review")
    assert not _code_issued(a["id"]) and not _code_issued(b["id"])
    # A second bulk approve inside the window is refused with the reason.
    client.call(QueueState.approve_selected, path="/admin", form=ticked)
    assert client.get(QueueState).message.startswith("Your last bulk approve is still in its undo window")
    client.call(QueueState.undo_bulk_approval, path="/admin")
    queue = client.get(QueueState)
    assert queue.batch == {} and queue.message == "Approval undone for 2 of 2 claims: they are still under review."
    assert (_status(a["id"]), _status(b["id"])) == ("under_review", "under_review")
    assert not _code_issued(a["id"]) and not _code_issued(b["id"])

    # A short window: the tab commits the batch when it ends, and says how each claim went.
    monkeypatch.setattr(pending_approvals, "UNDO_SECONDS", 0.05)
    client.call(QueueState.apply_filters, path="/admin", form={"status": "under_review", "search": "bulk-undo-"})
    client.call(QueueState.approve_selected, path="/admin", form=ticked)
    for _ in range(100):
        if client.get(QueueState).message.startswith("Bulk approve committed"):
            break
        time.sleep(0.05)
    queue = client.get(QueueState)
    assert queue.message == "Bulk approve committed: 2 of 2 claims approved." and queue.batch == {}
    assert all(r["text"].startswith("Approved: Redeem Success. Code GAME-") for r in queue.bulk_report)
    assert (_status(a["id"]), _status(b["id"])) == ("approved", "approved")
    assert _code_issued(a["id"]) and _code_issued(b["id"])
    # Too late: Undo has nothing left to take back.
    assert not client.call(QueueState.undo_bulk_approval, path="/admin").errors
    assert (_status(a["id"]), _status(b["id"])) == ("approved", "approved")


def test_an_approval_left_by_a_closed_tab_is_committed_by_the_settler(new_client, monkeypatch):
    from rxapp.services import pending_approvals
    from rxapp.state import background

    claim = create_claim(email_prefix="closed-tab")
    client = _reviewer(new_client)
    client.call(ClaimState.load, path=f"/admin/claim?id={claim['id']}")
    monkeypatch.setattr(pending_approvals, "UNDO_SECONDS", 60)
    client.call(ClaimState.approve, path=f"/admin/claim?id={claim['id']}")
    assert background.settle_approvals_once() == 0  # still inside its window
    from rxapp import db
    from rxapp.models import PendingApproval, utcnow

    with db.write_session() as s:  # the window ends (the tab that would have watched it is gone)
        s.get(PendingApproval, claim["id"]).due_at = utcnow()
    assert background.settle_approvals_once() == 1
    assert _status(claim["id"]) == "approved"


def test_an_unsent_reason_is_kept_per_claim_while_moving_between_claims(new_client):
    first, second = create_claim(email_prefix="draft-a"), create_claim(email_prefix="draft-b")
    client = _reviewer(new_client)
    a, b = f"/admin/claim?id={first['id']}", f"/admin/claim?id={second['id']}"
    client.call(ClaimState.load, path=a)
    client.call(ClaimState.keep_draft, path=a, which="rej", text="The invoice looks edited.")
    client.call(ClaimState.load, path=b)
    state = client.get(ClaimState)
    assert state.draft_rej == "" and f"unsent reason for claim #{first['id']} is kept" in state.draft_note
    client.call(ClaimState.load, path=a)
    state = client.get(ClaimState)
    assert state.draft_rej == "The invoice looks edited." and state.draft_note == ""
    # Sent: the draft is gone.
    client.call(ClaimState.reject, path=a, form={"reason": "The invoice looks edited."})
    client.call(ClaimState.load, path=b)
    assert client.get(ClaimState).draft_note == ""
    # Junk is ignored.
    assert not client.call(ClaimState.keep_draft, path=b, which="password", text="x").errors
    assert client.get(ClaimState).draft_rej == ""
