"""The evidence pre-check at My Products' "Replace" (issue 17): the new invoice is read once and its
checklist shown against the product as registered."""

from __future__ import annotations

from sqlmodel import select

from tests.factories import flows as factories


def test_a_replaced_invoice_is_read_once_and_its_checklist_shown(new_client):
    from rxapp import db
    from rxapp.models import EvidenceReading, RegisteredProduct, Store
    from rxapp.state.my_products import MyProductsState
    from tests.factories.evidence_samples import invoice_without_date

    user_id, email = factories.make_customer("state-replace")
    unit = factories.register_product(user_id)
    token, _ = factories.session_token_for(email)
    with db.session_scope() as s:
        product = s.get(RegisteredProduct, unit["product_id"])
        store = s.get(Store, product.store_id).name

    page = new_client(path="/products")
    page._store_token(token)
    page.call(MyProductsState.load, path="/products")
    page.call(MyProductsState.start_replace, path="/products", product_id=str(unit["product_id"]))
    page.upload(MyProductsState.upload_replacement, "undated.png",
                invoice_without_date(model_name=unit["model"], store=store), content_type="image/png")
    shown = page.get(MyProductsState)
    assert shown.message == "The purchase proof was replaced." and not shown.invoice_checking
    assert shown.checked_product_name == unit["model"]
    checks = {c["key"]: c for c in shown.invoice_checks}
    assert checks["model"]["ok"] == "yes" and checks["store"]["ok"] == "yes", checks
    assert checks["date"]["status"] == "not_found" and "Reviewers usually ask" in checks["date"]["advice"]
    with db.session_scope() as s:
        file_id = s.get(RegisteredProduct, unit["product_id"]).invoice_file_id
        assert len(s.exec(select(EvidenceReading).where(EvidenceReading.file_id == file_id)).all()) == 1

    # Reading it again (the handler a resize ends with) keeps the one reading and the same checklist.
    page.call(MyProductsState.check_replacement, path="/products")
    assert page.get(MyProductsState).invoice_checks == shown.invoice_checks
    with db.session_scope() as s:
        assert len(s.exec(select(EvidenceReading).where(EvidenceReading.file_id == file_id)).all()) == 1


def test_a_reading_that_ends_after_another_reviewer_decided_keeps_the_decision_form(new_client, monkeypatch):
    """The claim page reads unread pictures in the background; when the reading ends it shows their checks
    and nothing else.  Reloading the whole claim there swapped the decision form (and the reason being
    typed in it) for "Decided" under the reviewer's hands when another reviewer had decided meanwhile;
    the reviewer learns that on sending, with who won (the two-reviewers browser test)."""
    import asyncio
    import threading

    from rxapp.services import evidence_check
    from rxapp.state.console.claim import ClaimState

    claim = factories.create_claim(email_prefix="state-evidence-race")
    started, release = threading.Event(), threading.Event()
    real = evidence_check.read_file

    def held(**kwargs):
        started.set()
        release.wait(timeout=60)  # until the other reviewer has decided
        return real(**kwargs)

    monkeypatch.setattr(evidence_check, "read_file", held)
    tab = new_client()
    token, _ = factories.session_token_for("reviewer@member-center.test")
    tab._store_token(token)
    path = f"/admin/claim?id={claim['id']}"
    tab.open(path)
    tab.call(ClaimState.load, path=path)
    assert tab.get(ClaimState).claim["open"] and tab.get(ClaimState).evidence_reading
    while not started.is_set():
        tab.driver.run(asyncio.sleep(0.05))
    factories.approve(claim["id"], reviewer_email="admin@member-center.test")
    release.set()
    for _ in range(2400):
        shown = tab.get(ClaimState)
        if not shown.evidence_reading:
            break
        tab.driver.run(asyncio.sleep(0.05))
    shown = tab.get(ClaimState)
    assert not shown.evidence_reading and {e["status"] for e in shown.evidence} != {"unread"}, shown.evidence
    assert shown.claim["open"], "the decision form was swapped for the decided claim under the reviewer"
