"""Private files against the running app: every role, every way to reach an invoice or S/N photo, one table.

The backend runs as production runs it (``served_app.ServedApp``: migrate,
then ``uvicorn --factory rxapp.rxapp:app``) over a demo-seeded database with
customer A's claim (an invoice and an S/N photo).  Each role talks plain HTTP
to it with its own browser's session cookie (``mc_files``, what SessionState
sets after log-in), made by ``services.sessions.create`` on the same database.

``EXPECTED`` declares the outcome of every (way, role) pair; a way or a role
missing from it fails.  Only the owner, reviewers and admins see a file, only
through a link signed for themselves and still valid; the public upload
folder serves none of it.  The uploads' own matrix (``/_upload``: oversize,
slow, signed-out, mislabelled) is ``tests/state/test_upload_guard.py``; here
the running server shows that a signed-out upload is refused before its body.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from rxapp import db, routes, settings
from rxapp.api import browser
from rxapp.models import StoredFile, User
from rxapp.services import demo_seed, file_links, sessions, signing
from tests.factories import flows
from tests.unit.served_app import ServedApp, app_env

ROLES = ("visitor", "owner", "other customer", "reviewer", "admin")
OK, NO = 200, 404


@dataclass(frozen=True)
class Who:
    role: str
    user_id: int | None
    cookie: str | None


def _own(viewer: Who, owner_id: int) -> int:
    """The id a link is signed for: the viewer's own, or (a visitor has none) the owner's."""
    return viewer.user_id if viewer.user_id is not None else owner_id


def _swap_file(token: str, file_id: int, other_id: int) -> str:
    """The viewer's own link with another file's id put into it (the signature kept)."""
    data, expires, mac = token.split(".")
    payload = signing._b64(signing._unb64(data).replace(b'"f":%d' % file_id, b'"f":%d' % other_id))
    return f"{payload}.{expires}.{mac}"


# Each way: (file, viewer, facts) -> (method, path).  ``facts``: owner id, the other file's id, its row.
WAYS: dict[str, Callable[..., tuple[str, str]]] = {
    "own link": lambda f, v, x: ("GET", file_links.signed_url(file_id=f, user_id=_own(v, x["owner"]))),
    "own thumbnail link": lambda f, v, x: (
        "GET", file_links.signed_url(file_id=f, user_id=_own(v, x["owner"]), thumb=True)),
    "own link, HEAD": lambda f, v, x: ("HEAD", file_links.signed_url(file_id=f, user_id=_own(v, x["owner"]))),
    "own link, an hour long (the reviewer console's)": lambda f, v, x: (
        "GET", file_links.signed_url(file_id=f, user_id=_own(v, x["owner"]), ttl_seconds=3600)),
    "the owner's link, passed on": lambda f, v, x: ("GET", file_links.signed_url(file_id=f, user_id=x["owner"])),
    "own link, expired": lambda f, v, x: ("GET", f"{routes.FILES}/" + signing.sign(
        file_links.FILE_PURPOSE, {"f": f, "u": _own(v, x["owner"]), "t": 0}, 60, now=time.time() - 120)),
    "own link, expiry stretched": lambda f, v, x: ("GET", _stretch(
        file_links.signed_url(file_id=f, user_id=_own(v, x["owner"])))),
    "own link, file id swapped": lambda f, v, x: ("GET", f"{routes.FILES}/" + _swap_file(
        file_links.signed_url(file_id=x["other"], user_id=_own(v, x["owner"])).removeprefix(f"{routes.FILES}/"),
        x["other"], f)),
    "own link, signed with a guessed key": lambda f, v, x: ("GET", f"{routes.FILES}/" + signing.sign(
        file_links.FILE_PURPOSE, {"f": f, "u": _own(v, x["owner"]), "t": 0}, 300, key="g" * 40)),
    "a token of another purpose": lambda f, v, x: ("GET", f"{routes.FILES}/" + signing.sign(
        "email-verify", {"f": f, "u": _own(v, x["owner"]), "t": 0}, 300)),
    "the file id as the token": lambda f, v, x: ("GET", f"{routes.FILES}/{f}"),
    "public upload folder, by storage key": lambda f, v, x: ("GET", f"/_upload/{x['row'].storage_key}"),
    "public upload folder, by thumbnail key": lambda f, v, x: ("GET", f"/_upload/{x['row'].thumb_key}"),
    "public upload folder, climbing out": lambda f, v, x: (
        "GET", f"/_upload/%2e%2e/data/private/{x['row'].storage_key}"),
}


def _stretch(url: str) -> str:
    data, expires, mac = url.removeprefix(f"{routes.FILES}/").split(".")
    return f"{routes.FILES}/{data}.{int(expires) + 86400}.{mac}"


#                                                 visitor owner other  reviewer admin
EXPECTED: dict[str, tuple[int, int, int, int, int]] = {
    "own link":                                     (NO, OK, NO, OK, OK),
    "own thumbnail link":                           (NO, OK, NO, OK, OK),
    "own link, HEAD":                               (NO, OK, NO, OK, OK),
    "own link, an hour long (the reviewer console's)": (NO, OK, NO, OK, OK),
    "the owner's link, passed on":                  (NO, OK, NO, NO, NO),
    "own link, expired":                            (NO, NO, NO, NO, NO),
    "own link, expiry stretched":                   (NO, NO, NO, NO, NO),
    "own link, file id swapped":                    (NO, NO, NO, NO, NO),
    "own link, signed with a guessed key":          (NO, NO, NO, NO, NO),
    "a token of another purpose":                   (NO, NO, NO, NO, NO),
    "the file id as the token":                     (NO, NO, NO, NO, NO),
    "public upload folder, by storage key":         (NO, NO, NO, NO, NO),
    "public upload folder, by thumbnail key":       (NO, NO, NO, NO, NO),
    "public upload folder, climbing out":           (NO, NO, NO, NO, NO),
}


def test_the_table_declares_every_way_and_every_role():
    assert set(EXPECTED) == set(WAYS)
    assert all(len(row) == len(ROLES) for row in EXPECTED.values())


# --------------------------------------------------------------------------- the running app


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The backend running over a demo database with customer A's claim (invoice + S/N photo)."""
    data = tmp_path_factory.mktemp("files-matrix") / "data"
    mp = pytest.MonkeyPatch()
    for key, value in app_env(data).items():
        if key.startswith(("RXAPP_", "DATABASE_URL", "REFLEX_UPLOADED")):
            mp.setenv(key, value)
    settings.reset()
    try:
        db.migrate()
        with db.session_scope() as s:
            demo_seed.seed(session=s)
        claim = flows.create_claim(email_prefix="matrix-owner")
        other_id, _ = flows.make_customer("matrix-other")
        with db.session_scope() as s:
            owner_row = s.get(User, claim["user_id"])
            files = {f.kind.value: f for f in s.exec(select(StoredFile).where(StoredFile.owner_id == owner_row.id))}
            staff = {u.role.value: u.id for u in s.exec(select(User).where(
                User.email.in_([u.email for u in demo_seed.DEMO_USERS if u.role.value in ("reviewer", "admin")])))}
            people = {"owner": owner_row.id, "other customer": other_id, **staff}
            who = {"visitor": Who("visitor", None, None)}
            for role, uid in people.items():
                token, _ = sessions.create(session=s, user_id=uid, user_agent="pytest", ip_address="")
                who[role] = Who(role, uid, token)
        tmp = data.parent / "server-tmp"  # the server's TMPDIR: where Starlette would spool an upload
        tmp.mkdir()
        with ServedApp(data, TMPDIR=str(tmp)) as app:
            yield {"app": app, "who": who, "files": files, "owner": claim["user_id"], "data": data, "tmp": tmp}
    finally:
        db.dispose_all()
        mp.undo()
        settings.reset()


def _request(app: ServedApp, who: Who, method: str, path: str) -> httpx.Response:
    cookies = {browser.SESSION_COOKIE: who.cookie} if who.cookie else {}
    with httpx.Client(base_url=app.url, cookies=cookies, timeout=30) as client:
        return client.request(method, path)


@pytest.mark.parametrize("kind", ["invoice", "serial_photo"])
def test_every_role_against_every_way_to_reach_a_private_file(served, kind):
    app, files = served["app"], served["files"]
    row = files[kind]
    other = files["serial_photo" if kind == "invoice" else "invoice"]
    private = settings.get().files_dir / row.storage_key
    body = private.read_bytes()
    facts = {"owner": served["owner"], "other": other.id, "row": row}
    wrong = []
    for way, make in WAYS.items():
        for role, expected in zip(ROLES, EXPECTED[way], strict=True):
            who = served["who"][role]
            method, path = make(row.id, who, facts)
            r = _request(app, who, method, path)
            if r.status_code != expected:
                wrong.append(f"{way} as {role}: {r.status_code}, expected {expected}")
                continue
            if expected == OK:
                assert r.headers["cache-control"] == "private, no-store"
                assert r.headers["x-content-type-options"] == "nosniff"
                if method == "GET" and "thumbnail" not in way:
                    assert r.content == body, (way, role)
            else:
                assert row.storage_key.encode() not in r.content and r.content[:4] != body[:4], (way, role)
    assert not wrong, "\n".join(wrong)


def test_a_link_dies_with_its_viewers_session_and_role(served):
    """Log-out (a revoked session) and a lost reviewer role end a link that worked."""
    from rxapp.models import Role
    from rxapp.services import user_roles

    app, row = served["app"], served["files"]["invoice"]
    with db.session_scope() as s:
        former = flows.make_customer("matrix-former-reviewer")[0]
        admin = served["who"]["admin"].user_id
        user_roles.set_role(session=s, actor_id=admin, user_id=former, role=Role.reviewer)
        token, _ = sessions.create(session=s, user_id=former, user_agent="pytest", ip_address="")
    who = Who("reviewer", former, token)
    url = file_links.signed_url(file_id=row.id, user_id=former)
    assert _request(app, who, "GET", url).status_code == OK
    with db.session_scope() as s:
        user_roles.set_role(session=s, actor_id=admin, user_id=former, role=Role.customer)
    assert _request(app, who, "GET", url).status_code == NO
    owner = served["who"]["owner"]
    with db.session_scope() as s:
        late_token, _ = sessions.create(session=s, user_id=owner.user_id, user_agent="pytest", ip_address="")
    late = Who("owner", owner.user_id, late_token)
    own = file_links.signed_url(file_id=row.id, user_id=owner.user_id)
    assert _request(app, late, "GET", own).status_code == OK
    with db.session_scope() as s:
        sessions.revoke_by_token(session=s, token=late_token)
    assert _request(app, late, "GET", own).status_code == NO


def test_the_running_server_refuses_a_signed_out_upload_before_its_body(served):
    """A signed-out 50 MB POST /_upload naming the invoice handler: 401, and no temporary space is used meanwhile."""
    from reflex_base.utils.format import format_event_handler

    from rxapp.state.registration import RegistrationState

    app = served["app"]
    peak = {"temp": 0, "sent": 0}

    def body():
        chunk = b"\0" * (64 * 1024)
        for _ in range(800):
            peak["temp"] = max(peak["temp"], _server_temp_bytes(served))
            peak["sent"] += len(chunk)
            yield chunk

    try:
        with httpx.Client(base_url=app.url, timeout=30) as client:
            status = client.post("/_upload", content=body(), headers={
                "reflex-client-token": "a-tab-nobody-opened",
                "reflex-event-handler": format_event_handler(RegistrationState.upload_invoice),
                "content-type": "multipart/form-data; boundary=x"}).status_code
    except httpx.TransportError:
        status = None  # the server answered and closed the connection while the body was still going
    assert status in (401, None), status
    assert peak["temp"] == 0 and _server_temp_bytes(served) == 0


def _server_temp_bytes(served) -> int:
    """Temporary space the server uses now: files it holds open in its TMPDIR, and the private spool folder."""
    tmp, spool = str(served["tmp"]), served["data"] / "private" / "tmp"
    total = 0
    for fd in Path(f"/proc/{served['app'].process.pid}/fd").iterdir():
        try:
            if os.readlink(fd).startswith(tmp):
                total += os.stat(fd).st_size
        except OSError:
            continue
    for folder in (Path(tmp), spool):
        if folder.exists():
            total += sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    return total
