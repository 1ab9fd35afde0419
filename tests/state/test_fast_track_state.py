"""The fast track through the Redeem handler: a clean claim is approved at once, a re-used invoice waits."""

from __future__ import annotations

from sqlmodel import select

from rxapp import db
from rxapp.models import EmailMessage, PromotionCode, Redemption, RedemptionStatus
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
