"""The attacker suite's fixtures: the production build's backend (the browser tests' ``app``), and the cast."""

from __future__ import annotations

import pytest

from tests.e2e.attacker import world
from tests.e2e.attacker.wire import Server

REVIEWER = ("reviewer@member-center.test", "reviewer-2021")
ADMIN = ("admin@member-center.test", "admin-2021")


@pytest.fixture(scope="session")
def server(app) -> Server:
    """The app under test as a script reaches it: the backend's address and the frontend's origin."""
    host, port = app.backend.servers[0].sockets[0].getsockname()[:2]
    return Server(f"http://{host}:{port}", app.frontend_url, app.app_instance)


@pytest.fixture(scope="session")
def cast(app) -> dict[str, world.Account | None]:
    """The accounts the suite plays, each full of canaries; the signed-out visitor has none."""
    return {
        "signed_out": None,
        "customer_a": world.make_customer("customer_a", "A"),
        "customer_b": world.make_customer("customer_b", "B"),
        "reviewer": world.existing("reviewer", *REVIEWER),
        "admin": world.existing("admin", *ADMIN),
    }
