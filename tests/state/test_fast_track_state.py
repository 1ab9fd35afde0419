"""The fast track through the Redeem handler: a clean claim is approved at once, a re-used invoice waits."""

from __future__ import annotations

from sqlmodel import select

from rxapp import db
from rxapp.models import EmailMessage, PromotionCode, Redemption, RedemptionStatus
from rxapp.state import offload
from tests.factories import flows
from tests.factories.fast_track import clean_unit
from tests.state.test_registration_state import captcha_form

RECIPIENT = {"first_name": "Casey", "last_name": "Flow", "zipcode": "97205", "contact_number": "+1 503 555 0142",
             "note": ""}


def _redeem(new_client, unit: dict, *, invoice: bytes, address: str, phone: str):
    from rxapp.state.promotions import RedeemState

    token, _ = flows.session_token_for(unit["email"])
    client = new_client(path="/promotions/redeem")
    client._store_token(token)
    query = {"product": str(unit["product_id"]), "promotion": str(unit["promotion_id"])}
    client.call(RedeemState.load, path="/promotions/redeem", query=query)
    client.upload(RedeemState.upload_invoice, "invoice.jpg", invoice, content_type="image/jpeg")
    client.upload(RedeemState.upload_photo, "sticker.jpg", unit["photo"], content_type="image/jpeg")
    state = client.get(RedeemState)
    form = {**RECIPIENT, "address": address, "contact_number": phone, **captcha_form(state)}
    result = client.call(RedeemState.submit, path="/promotions/redeem", query=query, form=form)
    assert result.redirects == ["/promotions/redeem/done"], client.get(RedeemState).errors
    offload.drain()  # the fast track decides behind the customer's answer
    with db.session_scope() as s:
        return s.exec(select(Redemption).where(Redemption.user_id == unit["user_id"])).one()


def test_a_clean_claim_is_approved_at_once_and_a_reused_invoice_waits_with_its_signal(new_client):
    first = clean_unit("fast-clean")
    claim = _redeem(new_client, first, invoice=first["invoice"], address="7 Clean Road\nPortland, OR",
                    phone="+1 503 555 0177")
    assert claim.status == RedemptionStatus.approved and claim.decided_automatically, claim.risk_signals
    with db.session_scope() as s:
        code = s.exec(select(PromotionCode).where(PromotionCode.redemption_id == claim.id)).one()
        assert code.issued_at is not None
        kinds = s.exec(select(EmailMessage.kind).where(EmailMessage.redemption_id == claim.id)).all()
    assert len(kinds) == 2

    second = clean_unit("fast-reuse")
    copied = _redeem(new_client, second, invoice=first["invoice"], address="8 Other Road\nPortland, OR",
                     phone="+1 503 555 0188")
    assert copied.status == RedemptionStatus.under_review and not copied.decided_automatically
    assert "same_invoice" in copied.risk_signals and f"#{claim.id}" in copied.risk_signals


def _reviewer_tab(new_client, path: str):
    from tests.state.test_console_findings_state import REVIEWER

    client = new_client(path=path)
    token, _ = flows.session_token_for(REVIEWER[0])
    client._store_token(token)
    client.open(path)
    return client


def test_a_reviewer_sets_the_policy_and_audits_a_sampled_automatic_approval(new_client):
    from rxapp.models import PolicyChange
    from rxapp.state.console.policy import PolicyState
    from rxapp.state.console.queue import QueueState
    from rxapp.state.console.risk import RiskState

    admin = _reviewer_tab(new_client, "/admin/promotions")
    admin.call(PolicyState.load, path="/admin/promotions")
    game = next(p for p in admin.get(PolicyState).policies if p["name"] == "Game On Bundle")
    assert game["enabled"] == "yes"
    admin.call(PolicyState.save_policy, path="/admin/promotions",
               form={"promotion": game["id"], "enabled": "on", "daily_cap": "lots", "sample_percent": "100"})
    assert admin.get(PolicyState).errors[game["id"]]["daily_cap"] == "Enter a whole number from 0 to 100000."
    admin.call(PolicyState.save_policy, path="/admin/promotions",
               form={"promotion": game["id"], "enabled": "on", "daily_cap": "500", "sample_percent": "100"})
    state = admin.get(PolicyState)
    assert state.message == "Game On Bundle: automatic decisions on, at most 500 a day, 100% of them audited."
    try:
        unit = clean_unit("fast-audit")
        claim = _redeem(new_client, unit, invoice=unit["invoice"], address="3 Audit Way\nPortland, OR",
                        phone="+1 503 555 0133")
        assert claim.decided_automatically and claim.audit_state == "sampled", claim.risk_signals

        queue = _reviewer_tab(new_client, "/admin")
        queue.call(QueueState.load, path="/admin")
        queue.call(QueueState.apply_filters, path="/admin", form={"status": "under_review", "risk": "audit"})
        assert str(claim.id) in [r["claim_id"] for r in queue.get(QueueState).rows]

        page = _reviewer_tab(new_client, "/admin/claim")
        query = {"id": str(claim.id)}
        page.call(RiskState.load, path="/admin/claim", query=query)
        risk = page.get(RiskState)
        assert risk.signals == [] and risk.automatic == "yes" and risk.audit_state == "sampled"
        page.call(RiskState.flag_audit, path="/admin/claim", query=query, form={"note": ""})
        assert page.get(RiskState).errors == {"note": "Say what is wrong with this approval."}
        page.call(RiskState.confirm_audit, path="/admin/claim", query=query)
        risk = page.get(RiskState)
        assert risk.audit_state == "confirmed" and risk.audited.startswith("reviewer@member-center.test")
    finally:
        admin.call(PolicyState.turn_off, path="/admin/promotions", promotion_id=game["id"])
        assert admin.get(PolicyState).message.endswith("automatic decisions off; every claim waits for a reviewer.")
        admin.call(PolicyState.save_policy, path="/admin/promotions",
                   form={"promotion": game["id"], "enabled": "on", "daily_cap": "100", "sample_percent": "10"})
    with db.session_scope() as s:
        changes = s.exec(select(PolicyChange).where(PolicyChange.promotion_id == int(game["id"]))).all()
    assert len(changes) == 3  # the sample raised, turned off at once, back on as it was
