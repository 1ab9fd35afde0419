"""Two app instances behind nginx serve one set of customers (issue 12).

Runs in the distributed pass of ``make test`` (``tests/distributed.py``):
the session's app is then ``cluster.Cluster``, two instances behind nginx on
one PostgreSQL, one Redis and one file store.  A customer follows their Redeem
History through the proxy, its browser pinned to one instance; the reviewer's
browser is pinned to the other (``Cluster.pin``: nginx routes a test cookie),
and the test checks which instance holds each tab's socket (what Reflex's
Redis token manager records); the reviewer approves, and the customer's page
shows it without a reload.
"""

from __future__ import annotations

import os
import pickle

import pytest
from playwright.sync_api import expect

from tests import distributed
from tests.e2e.conftest import log_in
from tests.factories.flows import CUSTOMER_PASSWORD, create_claim

pytestmark = pytest.mark.skipif(
    not distributed.ACTIVE,
    reason="needs the distributed pass (RXAPP_TEST_DATABASE_URL and RXAPP_TEST_REDIS_URL; make test runs it)",
)


def instance_of(page) -> str:
    """The id of the backend instance that holds this tab's websocket (from Redis)."""
    import redis

    token = page.evaluate("() => window.sessionStorage.getItem('token')")
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    try:
        raw = client.get(f"token_manager_socket_record_{token}")
    finally:
        client.close()
    assert raw, f"no socket record for tab {token}"
    return str(pickle.loads(raw).instance_id)  # noqa: S301 - Reflex's own record, in this run's Redis db


def test_a_decision_made_through_one_instance_reaches_a_customer_on_the_other(app, site, new_site):
    assert len(app.procs) == 2 and app.nginx is not None
    claim = create_claim()

    app.pin(site.page.context, 0)  # every request of the customer's browser goes to instance 0
    log_in(site, claim["email"], CUSTOMER_PASSWORD)
    history = site.visit("/promotions/history")
    row = history.get_by_role("row").filter(has_text=claim["serial"])
    expect(row).to_contain_text("Redeem qualification under reviewing")
    customer_instance = instance_of(history)

    reviewer = new_site()
    app.pin(reviewer.page.context, 1)  # and the reviewer's to instance 1
    log_in(reviewer, "reviewer@member-center.test", "reviewer-2021")
    console = reviewer.visit(f"/admin/claim?id={claim['id']}")
    assert instance_of(console) != customer_instance, "both tabs' sockets are held by one instance"

    console.get_by_role("button", name="Approve", exact=True).click()
    expect(row).to_contain_text("Redeem Success", timeout=20_000)
    assert instance_of(history) == customer_instance  # no reload: the same socket got the push
