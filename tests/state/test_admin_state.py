"""The reviewer console's handlers, called directly: customers and strangers get nothing, change nothing.

Every handler of the console's states is sent, through Reflex's real event
processing, with payloads that *would* act if the caller were a reviewer (a
real claim id, a real template, a real promotion, a real user): from a
signed-in customer and from a signed-out tab.  The database must not change,
no claim data may reach the client, and the customer ends on Account
Overview.  A reviewer and an admin doing the same prove the payloads were
real.
"""

from __future__ import annotations

import asyncio

import json

import pytest
from sqlmodel import select

from rxapp.state.console.claim import ClaimState
from rxapp.state.console.insights import InsightsState
from rxapp.state.console.promotions import PromotionsAdminState
from rxapp.state.console.queue import QueueState
from rxapp.state.console.templates import TemplatesState
from rxapp.state.console.users import UsersState
from tests.factories.flows import approve, create_claim
from tests.factories.flows import session_token_for
from tests.state.test_guard import table_fingerprints

CUSTOMER = "demo@member-center.test"
REVIEWER = "reviewer@member-center.test"
ADMIN = "admin@member-center.test"
CONSOLE_STATES = (
    QueueState,
    ClaimState,
    TemplatesState,
    PromotionsAdminState,
    InsightsState,
    UsersState,
)


@pytest.fixture(scope="module")
def facts(app_db):
    """Real ids to aim at: an open claim, a template, a digital promotion, a customer."""
    from rxapp import db
    from rxapp.models import PrizeType, Promotion, ReasonTemplate, Redemption, RedemptionStatus, User
    from rxapp.services import demo_claims

    with db.session_scope() as s:
        demo_claims.seed_claims(session=s)
    with db.session_scope() as s:
        open_claim = s.exec(select(Redemption.id).where(Redemption.status == RedemptionStatus.under_review)
                            .order_by(Redemption.id)).first()
    if open_claim is None:  # tests that ran first made (and decided) every claim: seed_claims did nothing
        create_claim(email_prefix="state-facts")
    with db.session_scope() as s:
        claim = s.exec(select(Redemption).where(Redemption.status == RedemptionStatus.under_review)
                       .order_by(Redemption.id)).first()
        assert claim is not None, "the demo data has a claim under review"
        serial_owner = s.get(User, claim.user_id)
        return {
            "claim_id": claim.id,
            "claim_email": serial_owner.email,
            "template_id": s.exec(select(ReasonTemplate.id)).first(),
            "promotion_id": s.exec(select(Promotion.id).where(Promotion.prize_type == PrizeType.digital_code)).first(),
            "customer_id": s.exec(select(User.id).where(User.email == "new@member-center.test")).one(),
        }


def attacks(f: dict) -> list[tuple[object, dict]]:
    """(handler, payload) pairs that would change or reveal something for a reviewer."""
    Q, C, T = QueueState, ClaimState, TemplatesState
    P, I, U = PromotionsAdminState, InsightsState, UsersState
    cid = f["claim_id"]
    promo = {"name": "Hijacked", "starts_on": "2020-01-01", "ends_on": "2030-01-01", "prize_type": "digital_code",
             "prize_name": "x", "per_customer_limit": "9", "due_working_days": "5", "cat-1": "on", "reg-US": "on"}
    return [
        (Q.load, {}),
        (Q.apply_filters, {"form": {"status": "all", "search": ""}}),
        (Q.show_status, {"status": "all"}),
        (Q.clear_filters, {}),
        (Q.next_page, {}),
        (Q.prev_page, {}),
        (Q.approve_selected, {"form": {f"claim-{cid}": "on"}}),
        (Q.undo_bulk_approval, {}),
        (C.load, {}),
        (C.approve, {}),
        (C.needs_info, {"form": {"reason": "Send it again", "missing_document": "invoice"}}),
        (C.reject, {"form": {"reason": "No"}}),
        (C.pick_template, {"template_id": str(f["template_id"])}),
        (C.advance_shipping, {"form": {"status": "shipped", "tracking_number": "1Z999"}}),
        (T.load, {}),
        (T.add, {"form": {"text": "Injected reason", "missing_document": "other"}}),
        (T.start_edit, {"template_id": str(f["template_id"])}),
        (T.save_edit, {"form": {"text": "Changed", "missing_document": "other"}}),
        (T.cancel_edit, {}),
        (T.delete, {"template_id": str(f["template_id"])}),
        (P.load, {}),
        (P.new_promotion, {}),
        (P.edit_promotion, {"promotion_id": str(f["promotion_id"])}),
        (P.save, {"form": promo}),
        (P.save_anyway, {}),
        (P.close_form, {}),
        (P.choose_codes_promotion, {"value": str(f["promotion_id"])}),
        (P.import_pasted, {"form": {"codes": "HACK-0001\nHACK-0002"}}),
        (I.load, {}),
        (I.set_days, {"value": "90"}),
        (U.load, {}),
        (U.search, {"form": {"query": "@"}}),
        (U.grant_reviewer, {"user_id": str(f["customer_id"])}),
        (U.remove_reviewer, {"user_id": str(f["customer_id"])}),
    ]


def _console_vars(client) -> str:
    allvars = client.frontend_vars()
    names = {cls.get_full_name() for cls in CONSOLE_STATES}
    return json.dumps({k: v for k, v in allvars.items() if k in names}, default=str)


@pytest.mark.parametrize("who", ["customer", "signed out"])
def test_console_handlers_give_nothing_and_change_nothing(new_client, facts, who):
    client = new_client()
    if who == "customer":
        token, _ = session_token_for(CUSTOMER)
        client._store_token(token)
    client.open("/account")
    before = table_fingerprints()
    for handler, payload in attacks(facts):
        path = f"/admin/claim?id={facts['claim_id']}" if handler is ClaimState.load else "/admin"
        result = client.call(handler, path=path, **payload)
        assert not result.errors, (handler, result.errors)
        target = " ".join(result.redirects)
        if who == "customer":
            assert "/account" in target, (handler, result.redirects)
        else:
            assert "/login" in target, (handler, result.redirects)
    assert table_fingerprints() == before
    shown = _console_vars(client)
    assert facts["claim_email"] not in shown
    assert "export/claims.csv" not in shown
    assert "/files/" not in shown
    for cls in CONSOLE_STATES:
        state = client.get(cls)
        for name in ("rows", "counts", "facts", "events", "linked", "per_day"):
            assert not getattr(state, name, []), (cls.__name__, name)


def test_the_same_payloads_act_for_a_reviewer(new_client, facts, monkeypatch):
    """Control: the payloads above are real (a reviewer sees the queue and decides the claim)."""
    from rxapp import db
    from rxapp.models import Redemption
    from rxapp.services import pending_approvals

    monkeypatch.setattr(pending_approvals, "UNDO_SECONDS", 0.05)  # the approval's undo window, shortened

    client = new_client()
    token, _ = session_token_for(REVIEWER)
    client._store_token(token)
    client.open("/admin")
    r = client.call(QueueState.load, path="/admin")
    assert not r.errors and not r.redirects
    queue = client.get(QueueState)
    assert str(facts["claim_id"]) in [row["claim_id"] for row in queue.rows]
    assert queue.export_href.startswith("/export/claims.csv?t=")

    r = client.call(ClaimState.load, path=f"/admin/claim?id={facts['claim_id']}")
    claim = client.get(ClaimState)
    assert not r.errors and claim.found and claim.claim["status"] == "under_review"
    assert claim.invoice_url.startswith("/files/")
    # The evidence pre-check: the claim's pictures are read off the loop, then their checks are shown.
    for _ in range(2400):  # OCR takes seconds of CPU: let the background task run until it is done
        shown = client.get(ClaimState)
        if not shown.evidence_reading and all(e["status"] != "unread" for e in shown.evidence):
            break
        client.driver.run(asyncio.sleep(0.25))
    claim = client.get(ClaimState)
    assert claim.evidence and all(e["status"] != "unread" for e in claim.evidence), claim.evidence
    assert {e["source"] for e in claim.evidence} == {"Invoice", "S/N photo"}
    r = client.call(ClaimState.needs_info, form={"reason": "", "missing_document": ""})
    assert set(client.get(ClaimState).errors) == {"needs_info.reason", "needs_info.missing_document"}
    r = client.call(ClaimState.approve)
    assert not r.errors
    assert client.get(ClaimState).message.startswith("Approved: Redeem Success.")
    with db.session_scope() as s:
        assert s.get(Redemption, facts["claim_id"]).status.value == "approved"

    # A second decision on the same (now stale) version is refused with who decided it.
    r = client.call(ClaimState.reject, form={"reason": "Too late"})
    state = client.get(ClaimState)
    assert state.message_kind == "conflict"
    assert state.message.startswith(f"Already decided by {REVIEWER} at ")
    # A reviewer is not an admin: the Users page shows nothing and grants nothing.
    client.call(UsersState.load, path="/admin/users")
    before = table_fingerprints()
    client.call(UsersState.grant_reviewer, user_id=str(facts["customer_id"]))
    assert table_fingerprints() == before
    assert client.get(UsersState).allowed is False


def test_an_admin_grants_and_removes_the_reviewer_role(new_client, facts):
    from rxapp import db
    from rxapp.models import User

    client = new_client()
    token, _ = session_token_for(ADMIN)
    client._store_token(token)
    client.open("/admin/users")
    client.call(UsersState.load, path="/admin/users")
    client.call(UsersState.search, form={"query": "new@member"})
    users = client.get(UsersState)
    assert users.allowed and [u["email"] for u in users.rows] == ["new@member-center.test"]
    client.call(UsersState.grant_reviewer, user_id=str(facts["customer_id"]))
    with db.session_scope() as s:
        assert s.get(User, facts["customer_id"]).role.value == "reviewer"
    client.call(UsersState.remove_reviewer, user_id=str(facts["customer_id"]))
    with db.session_scope() as s:
        assert s.get(User, facts["customer_id"]).role.value == "customer"


def test_code_pool_import_reports_line_by_line_and_imports_all_or_nothing(new_client, facts):
    from rxapp import db
    from rxapp.services import codes

    client = new_client()
    token, _ = session_token_for(REVIEWER)
    client._store_token(token)
    client.open("/admin/promotions")
    P = PromotionsAdminState
    client.call(P.load, path="/admin/promotions")
    pid = facts["promotion_id"]
    with db.session_scope() as s:
        before = codes.stock(session=s, promotion_id=pid)["total"]
    client.call(P.import_pasted, form={"codes": "NEWC-0001"})
    assert "Choose the promotion" in client.get(P).codes_message
    client.call(P.choose_codes_promotion, value=str(pid))
    client.call(P.import_pasted, form={"codes": "code\nNEWC-0001\n\nNEWC-0001\nbad code!"})
    state = client.get(P)
    assert not state.codes_ok and state.codes_message.startswith("Nothing was imported")
    assert [r["line"] for r in state.codes_report] == ["3", "4", "5"]
    with db.session_scope() as s:
        assert codes.stock(session=s, promotion_id=pid)["total"] == before
    client.call(P.import_pasted, form={"codes": "NEWC-0001\nNEWC-0002\n"})
    state = client.get(P)
    assert state.codes_ok and state.codes_message == "Imported 2 codes from the pasted text."
    with db.session_scope() as s:
        assert codes.stock(session=s, promotion_id=pid)["total"] == before + 2


def test_promotion_form_keeps_input_and_shows_field_errors(new_client):
    client = new_client()
    token, _ = session_token_for(REVIEWER)
    client._store_token(token)
    client.open("/admin/promotions")
    P = PromotionsAdminState
    client.call(P.load, path="/admin/promotions")
    client.call(P.new_promotion)
    client.call(P.save, form={"name": "Spring Deal", "starts_on": "2030-05-01", "ends_on": "2030-04-01",
                              "prize_type": "digital_code", "prize_name": "", "per_customer_limit": "1",
                              "due_working_days": "10", "reg-US": "on"})
    state = client.get(P)
    assert {"ends_on", "prize_name", "category_ids"} <= set(state.errors)
    assert state.form["name"] == "Spring Deal" and state.form_regions == ["US"]
    client.call(P.save, form={"name": "Spring Deal", "starts_on": "2030-04-01", "ends_on": "2030-05-01",
                              "prize_type": "digital_code", "prize_name": "Steam code", "per_customer_limit": "1",
                              "due_working_days": "10", "reg-US": "on", "cat-1": "on"})
    state = client.get(P)
    assert state.errors == {} and state.message == "Saved “Spring Deal”."
    assert "Spring Deal" in [r["name"] for r in state.rows]


def _reviewer_tab(new_client, email: str, claim_id: int):
    client = new_client()
    token, login_id = session_token_for(email)
    client._store_token(token)
    client.open(f"/admin/claim?id={claim_id}")
    r = client.call(ClaimState.load, path=f"/admin/claim?id={claim_id}")
    assert not r.errors and client.get(ClaimState).found
    # Opening the claim reads its pictures in the background: done before a test fingerprints the tables.
    _until_the_evidence_is_read(client, claim_id)
    return client, login_id


def test_shipping_handler_rechecks_the_role_and_the_session(new_client, facts):
    """A tab that had the claim open as a reviewer moves nothing once the role or the session is gone."""
    from rxapp import db
    from rxapp.models import Role, User
    from rxapp.services import sessions

    claim = create_claim(promotion="gear-up-backpack", category="laptop", email_prefix="state-ship-guard")
    approve(claim["id"])
    with db.session_scope() as s:
        demoted = User(email="demoted-reviewer@member-center.test", password_hash="x", first_name="Dee",
                       last_name="Moted", region_code="US", role=Role.reviewer)
        s.add(demoted)
        s.flush()
        demoted_id = demoted.id
    customer_tab, _ = _reviewer_tab(new_client, "demoted-reviewer@member-center.test", claim["id"])
    signed_out_tab, login_id = _reviewer_tab(new_client, REVIEWER, claim["id"])
    with db.session_scope() as s:
        s.get(User, demoted_id).role = Role.customer
        reviewer_id = s.exec(select(User.id).where(User.email == REVIEWER)).one()
        sessions.revoke(session=s, user_id=reviewer_id, session_id=login_id)

    before = table_fingerprints()
    for tab, goes_to in ((customer_tab, "/account"), (signed_out_tab, "/login")):
        for form in ({"status": "shipped", "tracking_number": "1Z999"}, {"status": "delivered"}):
            r = tab.call(ClaimState.advance_shipping, path=f"/admin/claim?id={claim['id']}",
                         form=form)
            assert not r.errors and goes_to in " ".join(r.redirects), (goes_to, r.redirects)
    assert table_fingerprints() == before


def _until_the_evidence_is_read(client, claim_id: int, timeout: float = 120) -> None:
    """Wait until the claim's invoice and S/N photo have their reading (the claim view reads files of before
    the pre-check in a background task, which writes ``evidencereading`` while the test goes on)."""
    import asyncio
    import time

    from rxapp import db
    from rxapp.models import EvidenceReading, Redemption

    deadline = time.monotonic() + timeout
    while True:
        with db.session_scope() as s:
            claim = s.get(Redemption, claim_id)
            files = {f for f in (claim.invoice_file_id, claim.serial_photo_file_id) if f is not None}
            read = set(s.exec(select(EvidenceReading.file_id).where(EvidenceReading.file_id.in_(files))).all())
        if read >= files:
            return
        assert time.monotonic() < deadline, f"files {sorted(files - read)} were never read"
        client.driver.run(asyncio.sleep(0.2))  # the tab's event loop runs on: the task goes on


def test_a_reviewer_moves_a_physical_claim_forward(new_client, facts):
    from rxapp import db
    from rxapp.models import Redemption
    from rxapp.state.promotions import history_rows

    claim = create_claim(promotion="gear-up-backpack", category="laptop", email_prefix="state-ship")
    approve(claim["id"])
    client, _ = _reviewer_tab(new_client, REVIEWER, claim["id"])
    C = ClaimState
    state = client.get(C)
    assert state.claim["shipping_label"] == "Preparing" and state.claim["next_shipping"] == "shipped"

    # Junk and a missing tracking number: errors by field, nothing saved.
    before = table_fingerprints()
    client.call(C.advance_shipping, form={"status": "shipped", "tracking_number": "  "})
    assert "tracking number" in client.get(C).errors["shipping.tracking_number"]
    client.call(C.advance_shipping, form={"status": "lost"})
    assert "shipping.status" in client.get(C).errors
    client.call(C.advance_shipping, form=["not", "a", "form"])
    assert table_fingerprints() == before

    client.call(C.advance_shipping, form={"status": "shipped", "tracking_number": " 1Z999AA10123456784 "})
    state = client.get(C)
    assert state.errors == {} and state.message_kind == "ok"
    assert state.claim["shipping_label"] == "Shipped" and state.claim["tracking"] == "1Z999AA10123456784"
    assert state.claim["next_shipping"] == "delivered"
    assert any(e["reason"] == "Shipping: shipped (tracking 1Z999AA10123456784)" for e in state.events)
    # What the customer's Redeem History shows (its live refresh reads the same rows).
    (row,) = history_rows(claim["user_id"])
    assert row.shipping == "Shipped · tracking 1Z999AA10123456784"

    # A second tab still showing "Preparing" cannot mark it shipped again over the new state.
    stale, _ = _reviewer_tab(new_client, ADMIN, claim["id"])
    client.call(C.advance_shipping, form={"status": "delivered"})
    assert client.get(C).claim["shipping_label"] == "Delivered" and client.get(C).claim["next_shipping"] == ""
    with db.session_scope() as s:
        version = s.get(Redemption, claim["id"]).version
    stale.call(C.advance_shipping, form={"status": "delivered"})
    told = stale.get(C)
    assert told.message_kind == "conflict" and told.message.startswith(f"Already updated by {REVIEWER} at ")
    assert told.claim["shipping_label"] == "Delivered"
    with db.session_scope() as s:
        assert s.get(Redemption, claim["id"]).version == version


def test_bulk_approve_decides_only_the_versions_the_reviewer_loaded(new_client, facts, monkeypatch):
    import time

    from rxapp import db
    from rxapp.models import Redemption, RedemptionStatus
    from rxapp.services import pending_approvals

    monkeypatch.setattr(pending_approvals, "UNDO_SECONDS", 0.05)  # the batch's undo window, shortened

    fresh = create_claim(email_prefix="state-bulk")
    changed = create_claim(email_prefix="state-bulk")
    client = new_client()
    token, _ = session_token_for(REVIEWER)
    client._store_token(token)
    client.open("/admin")
    Q = QueueState
    client.call(Q.load, path="/admin")
    client.call(Q.apply_filters, form={"status": "under_review", "search": "state-bulk-"})
    assert {r["claim_id"] for r in client.get(Q).rows} == {str(fresh["id"]), str(changed["id"])}
    # Another reviewer asks for information on one of them after the page was read.
    with db.write_session() as s:
        from rxapp.services import claims as claim_service
        from rxapp.models import User

        admin_id = s.exec(select(User.id).where(User.email == ADMIN)).one()
        claim_service.decide(session=s, claim_id=changed["id"], reviewer_id=admin_id, decision="needs_info",
                           reason="Please send a sharper S/N photo.", missing_document="serial_photo")
    client.call(Q.approve_selected, form={f"claim-{fresh['id']}": "on", f"claim-{changed['id']}": "on",
                                          f"claim-{facts['claim_id']}": "on"})
    for _ in range(100):  # the undo window ends: the tab commits the batch and says so
        if client.get(Q).message.startswith("Bulk approve committed"):
            break
        time.sleep(0.05)
    queue = client.get(Q)
    report = {r["claim"]: r for r in queue.bulk_report}
    assert report[f"#{fresh['id']}"]["ok"] == "yes"
    assert report[f"#{fresh['id']}"]["text"].startswith("Approved: Redeem Success.")
    assert report[f"#{changed['id']}"]["ok"] == ""
    assert report[f"#{changed['id']}"]["text"].startswith(f"Already decided by {ADMIN} at ")
    assert "Not on the page you loaded" in report[f"#{facts['claim_id']}"]["text"]
    assert queue.message == "Bulk approve committed: 1 of 1 claims approved."
    with db.session_scope() as s:
        assert s.get(Redemption, fresh["id"]).status == RedemptionStatus.approved
        assert s.get(Redemption, changed["id"]).status == RedemptionStatus.needs_info
