"""GET /files/{token} over HTTP: the owner and reviewers get the file, nobody else does.

The app under test is a Starlette app with ``rxapp.api.files.routes`` plus a
copy of what Reflex itself serves publicly: ``rx.get_upload_dir()`` at
``/_upload`` (``StaticFiles``, as Reflex mounts it).  A link works only in a
browser signed in as its viewer: ``sign_in`` gives the test client that
viewer's session cookie, as SessionState does in the browser.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import pytest
import reflex as rx
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from rxapp import settings
from rxapp.api import browser
from rxapp.api import files as files_api
from rxapp.models import FileKind, Role, StoredFile
from rxapp.services import file_links, file_store, sessions, signing
from tests.unit import upload_corpus
from tests.unit.test_file_store import make_user

with warnings.catch_warnings():
    # Starlette's TestClient prefers httpx2; httpx is what is installed here, and works.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient


@pytest.fixture()
def env(tmp_path, monkeypatch, db_url):
    """Settings, the route's database and the test session all point at one tmp database."""
    monkeypatch.setenv("RXAPP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("REFLEX_UPLOADED_FILES_DIR", str(tmp_path / "uploaded_files"))
    settings.reset()
    yield tmp_path
    settings.reset()


@pytest.fixture()
def client(env):
    public = rx.get_upload_dir()
    app = Starlette(routes=[*files_api.routes, Mount("/_upload", StaticFiles(directory=public), name="uploads")])
    with TestClient(app) as c:
        yield c


@pytest.fixture()
def stored(session, env):
    """Alice's invoice (with an unusual name) plus the other people involved."""
    alice = make_user(session, "alice@example.com")
    bob = make_user(session, "bob@example.com")
    reviewer = make_user(session, "rev@example.com", Role.reviewer)
    data = upload_corpus.encode(upload_corpus.gradient((1200, 900)), "JPEG", quality=90)
    result = file_store.check_and_store_stream(
        session=session, owner_id=alice.id, kind=FileKind.invoice, chunks=data, filename="Rechnung März 2021 (scan).JPG"
    )
    session.commit()
    return {"alice": alice, "bob": bob, "reviewer": reviewer, "file_id": result.file_id, "bytes": data}


def sign_in(client, session, user) -> str:
    """Give the client ``user``'s session cookie (what SessionState sets after log-in)."""
    token, _login = sessions.create(session=session, user_id=user.id, user_agent="pytest", ip_address="")
    session.commit()
    client.cookies.set(browser.SESSION_COOKIE, token)
    return token


def test_the_owner_gets_the_file_with_private_headers(client, stored, session):
    sign_in(client, session, stored["alice"])
    r = client.get(file_links.signed_url(file_id=stored["file_id"], user_id=stored["alice"].id))
    assert r.status_code == 200
    assert r.content == stored["bytes"]
    assert r.headers["content-type"] == "image/jpeg"
    assert r.headers["cache-control"] == "private, no-store"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-security-policy"] == "default-src 'none'"
    assert r.headers["content-disposition"].startswith("inline; filename")
    assert "Rechnung%20M%C3%A4rz%202021%20%28scan%29.JPG" in r.headers["content-disposition"]


def test_reviewer_gets_it_and_the_thumbnail_is_small(client, stored, session):
    sign_in(client, session, stored["reviewer"])
    r = client.get(file_links.signed_url(file_id=stored["file_id"], user_id=stored["reviewer"].id))
    assert r.status_code == 200 and r.content == stored["bytes"]
    sign_in(client, session, stored["alice"])
    t = client.get(file_links.signed_url(file_id=stored["file_id"], user_id=stored["alice"].id, thumb=True))
    assert t.status_code == 200 and t.headers["content-type"] == "image/jpeg"
    assert 0 < len(t.content) < len(stored["bytes"])


def _not_found(r) -> None:
    assert r.status_code == 404
    assert r.text == "Not found"
    assert r.headers["cache-control"] == "private, no-store"


def test_a_link_is_no_use_outside_its_viewers_signed_in_browser(client, stored, session):
    url = file_links.signed_url(file_id=stored["file_id"], user_id=stored["alice"].id)
    # A signed-out visitor holding alice's link.
    _not_found(client.get(url))
    # Bob, signed in, holding alice's link.
    sign_in(client, session, stored["bob"])
    _not_found(client.get(url))
    # A forged or revoked session cookie.
    client.cookies.set(browser.SESSION_COOKIE, "forged-" + "x" * 40)
    _not_found(client.get(url))
    token = sign_in(client, session, stored["alice"])
    assert client.get(url).status_code == 200
    sessions.revoke_by_token(session=session, token=token)
    session.commit()
    _not_found(client.get(url))


def test_nobody_else_gets_it(client, stored, session):
    sign_in(client, session, stored["bob"])
    fid, alice, bob = stored["file_id"], stored["alice"].id, stored["bob"].id
    good = file_links.signed_url(file_id=fid, user_id=alice).removeprefix("/files/")
    data, expires, mac = good.split(".")
    forged_payload = signing._b64(b'{"f":%d,"t":0,"u":%d}' % (fid, bob))
    attempts = {
        "a signed link for another customer": file_links.signed_url(file_id=fid, user_id=bob),
        "bob swaps his id into alice's link": f"/files/{forged_payload}.{expires}.{mac}",
        "signed with a guessed key": "/files/" + signing.sign("file", {"f": fid, "u": bob, "t": 0}, 300, key="g" * 40),
        "expired": "/files/" + signing.sign("file", {"f": fid, "u": alice, "t": 0}, 60, now=time.time() - 120),
        "tampered signature": f"/files/{data}.{expires}.{mac[:-3]}xyz",
        "stretched expiry": f"/files/{data}.{int(expires) + 86400}.{mac}",
        "a token of another purpose": "/files/" + signing.sign("email-verify", {"f": fid, "u": alice, "t": 0}, 300),
        "guessing": "/files/1",
        "no token (signed-out visitor)": "/files/",
    }
    for what, url in attempts.items():
        r = client.get(url)
        assert r.status_code == 404, what
        if url != "/files/":
            _not_found(r)


def test_not_reachable_under_the_public_upload_folder(client, stored, session, env):
    row = session.get(StoredFile, stored["file_id"])
    private = settings.get().files_dir.resolve()
    public = rx.get_upload_dir().resolve()
    web = (settings.PROJECT_ROOT / ".web").resolve()
    for folder in (public, web, (settings.PROJECT_ROOT / "uploaded_files").resolve()):
        assert folder != private and folder not in private.parents
    # The public mount really serves what is in it …
    (public / "hello.txt").write_text("public")
    assert client.get("/_upload/hello.txt").text == "public"
    # … and none of the private names, however asked.
    rel = Path("..") / private.relative_to(env) / row.storage_key
    for url in (
        f"/_upload/{row.storage_key}",
        f"/_upload/{row.thumb_key}",
        f"/_upload/{rel.as_posix()}",
        f"/_upload/%2e%2e/data/private/{row.storage_key}",
    ):
        assert client.get(url).status_code == 404, url


def test_a_deleted_file_is_gone_from_its_link(client, stored, session):
    sign_in(client, session, stored["alice"])
    url = file_links.signed_url(file_id=stored["file_id"], user_id=stored["alice"].id)
    row = session.get(StoredFile, stored["file_id"])
    (settings.get().files_dir / row.storage_key).unlink()
    _not_found(client.get(url))
