"""GET /export/claims.csv over HTTP: only in the reviewer's own signed-in browser, never as a bearer link.

Hardening finding 2: the CSV link used to download every customer's email for
300 s for anyone holding it, with no cookie.
"""

from __future__ import annotations

import warnings

import pytest
from starlette.applications import Starlette

from rxapp import settings
from rxapp.api import browser
from rxapp.api import export as export_api
from rxapp.models import Role
from rxapp.routes import EXPORT_CLAIMS
from rxapp.services import claim_export, sessions
from tests.factories.rows import make_user

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient


@pytest.fixture()
def client(tmp_path, monkeypatch, db_url):
    monkeypatch.setenv("RXAPP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DATABASE_URL", db_url)
    settings.reset()
    with TestClient(Starlette(routes=export_api.routes)) as c:
        yield c
    settings.reset()


def _sign_in(client, session, user) -> str:
    token, _login = sessions.create(session=session, user_id=user.id, user_agent="pytest", ip_address="")
    session.commit()
    client.cookies.set(browser.SESSION_COOKIE, token)
    return token


def _link(user) -> str:
    return f"{EXPORT_CLAIMS}?t=" + claim_export.link_token(actor_id=user.id, flt={"status": "all"})


def test_the_reviewer_downloads_in_their_own_signed_in_browser(client, session):
    reviewer = make_user(session, role=Role.reviewer)
    session.commit()
    _sign_in(client, session, reviewer)
    r = client.get(_link(reviewer))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.text.splitlines()[0].startswith("claim_id,")
    assert r.headers["cache-control"] == "private, no-store"


def test_the_link_alone_downloads_nothing(client, session):
    reviewer = make_user(session, role=Role.reviewer)
    other = make_user(session, role=Role.reviewer)
    session.commit()
    link = _link(reviewer)
    assert client.get(link).status_code == 404  # no cookie: a bearer of the link
    _sign_in(client, session, other)
    assert client.get(link).status_code == 404  # another reviewer's browser
    client.cookies.set(browser.SESSION_COOKIE, "forged-" + "x" * 40)
    assert client.get(link).status_code == 404
    token = _sign_in(client, session, reviewer)
    assert client.get(link).status_code == 200
    sessions.revoke_by_token(session=session, token=token)
    session.commit()
    assert client.get(link).status_code == 404  # logged out since


def test_a_tampered_or_foreign_purpose_token_is_refused(client, session):
    reviewer = make_user(session, role=Role.reviewer)
    session.commit()
    _sign_in(client, session, reviewer)
    link = _link(reviewer)
    assert client.get(link[:-3] + "AAA").status_code == 404
    assert client.get(f"{EXPORT_CLAIMS}?t=").status_code == 404
