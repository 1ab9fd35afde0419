"""Two app instances behind nginx serve one set of customers (issue 12).

Runs in the distributed pass of ``make test`` (``tests/distributed.py``):
the session's app is then ``cluster.Cluster``, two instances behind nginx on
one PostgreSQL, one Redis and one file store.  A customer follows their Redeem
History through the proxy; a reviewer's browser is moved until its socket is
held by the *other* instance (which instance holds a tab's socket is what
Reflex's Redis token manager records); the reviewer approves, and the
customer's page shows it without a reload.
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

    log_in(site, claim["email"], CUSTOMER_PASSWORD)
    history = site.visit("/promotions/history")
    row = history.get_by_role("row").filter(has_text=claim["serial"])
    expect(row).to_contain_text("Redeem qualification under reviewing")
    customer_instance = instance_of(history)

    reviewer = new_site()
    log_in(reviewer, "reviewer@member-center.test", "reviewer-2021")
    console = reviewer.visit(f"/admin/claim?id={claim['id']}")
    for _ in range(12):  # round robin: a reload or two lands on the other instance
        if instance_of(console) != customer_instance:
            break
        console.reload()
        reviewer.wait_ready()
    assert instance_of(console) != customer_instance, "the reviewer never reached the other instance"

    console.get_by_role("button", name="Approve", exact=True).click()
    expect(row).to_contain_text("Redeem Success", timeout=20_000)
    assert instance_of(history) == customer_instance  # no reload: the same socket got the push
