"""``POST /_upload`` at the ASGI level: nothing is read past the headers unless the caller may upload there.

Each test sends a real multipart request through the app's own ASGI
transformers (``rx.App(api_transformer=…)``, so the guard the app installs) in
front of Reflex's real upload endpoint (``reflex._upload.upload``), whose
events run on the state tests' real event processor.  The body comes from a
generator that counts what the server pulls, and every pull also measures the
temporary space in use (Starlette's spooled files, which are unlinked open
files, and the private upload spool folder).
"""

from __future__ import annotations

import asyncio
import inspect
import os
import tempfile
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest
import reflex as rx
from starlette.applications import Starlette
from starlette.routing import Route

from rxapp.services import file_folder
from rxapp.state import upload_guard
from rxapp.state.console.promotions import CSV_MAX_BYTES, PromotionsAdminState
from rxapp.state.promotions import RedeemState
from rxapp.state.registration import RegistrationState
from rxapp.state.session import access_of, app_state_classes
from tests.factories.flows import session_token_for
from tests.factories.images import image_bytes

CUSTOMER = "demo@member-center.test"
REVIEWER = "reviewer@member-center.test"
MiB = 1024 * 1024
CHUNK = 64 * 1024
BOUNDARY = "----rxappTestBoundary7MA4YWxkTrZu0gW"


def handler_name(handler) -> str:
    from reflex_base.utils.format import format_event_handler

    return format_event_handler(handler)


# --------------------------------------------------------------------------- a body and a measuring client


def multipart(file_size: int, *, field_name: str = "files", filename: str = "codes.csv", head: bytes = b"",
              args: str | None = None, content_type: str = "text/csv"):
    """(the chunks of a multipart body with one file of ``file_size`` bytes, its total size), made lazily."""
    pre = b""
    if args is not None:
        pre += (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"__reflex_event_args\"\r\n\r\n"
                f"{args}\r\n").encode()
    pre += (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field_name}\"; filename=\"{filename}\"\r\n"
            f"Content-Type: {content_type}\r\n\r\n").encode()
    post = f"\r\n--{BOUNDARY}--\r\n".encode()
    total = len(pre) + file_size + len(post)

    def chunks():
        yield pre
        sent = 0
        if head:
            yield head[:file_size]
            sent = min(len(head), file_size)
        filler = b"a,b\r\n" * (CHUNK // 5)
        while sent < file_size:
            piece = filler[: min(len(filler), file_size - sent)]
            sent += len(piece)
            yield piece
        yield post

    return chunks, total


def temp_bytes(tmp: Path) -> int:
    """Bytes in temporary files now: open (unlinked) files under ``tmp`` and the private spool folder."""
    total = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
            if target.startswith(str(tmp)):
                total += os.fstat(int(fd)).st_size
        except OSError:
            continue
    spool = file_folder.tmp_dir()
    for entry in os.scandir(spool):
        try:
            total += entry.stat().st_size
        except OSError:
            continue
    return total


@dataclass
class Outcome:
    status: int = 0
    body: bytes = b""
    pulled: int = 0
    body_size: int = 0
    peak_temp: int = 0
    messages: list = field(default_factory=list)


async def post(asgi, *, client_token: str, handler: str, chunks, body_size: int, tmp: Path,
               content_length: bool = True, content_type: str | None = None, delay: float = 0.0,
               gate: asyncio.Event | None = None) -> Outcome:
    """One POST /_upload through ``asgi``; the body is pulled chunk by chunk (and measured)."""
    out = Outcome(body_size=body_size)
    headers = [
        (b"reflex-client-token", client_token.encode()),
        (b"reflex-event-handler", handler.encode()),
        (b"content-type", (content_type or f"multipart/form-data; boundary={BOUNDARY}").encode()),
    ]
    if content_length:
        headers.append((b"content-length", str(body_size).encode()))
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": upload_guard.upload_path(), "raw_path": upload_guard.upload_path().encode(), "root_path": "",
        "query_string": b"", "headers": headers, "client": ("198.51.100.9", 5000), "server": ("testserver", 80),
    }
    it = iter(chunks())
    pending = next(it, None)
    done = asyncio.Event()

    async def receive():
        nonlocal pending
        if pending is None:
            await done.wait()
            return {"type": "http.disconnect"}
        if gate is not None:
            await gate.wait()
        if delay:
            await asyncio.sleep(delay)
        piece, pending = pending, next(it, None)
        out.pulled += len(piece)
        out.peak_temp = max(out.peak_temp, temp_bytes(tmp))
        return {"type": "http.request", "body": piece, "more_body": pending is not None}

    async def send(message):
        out.messages.append(message)
        if message["type"] == "http.response.start":
            out.status = message["status"]
        elif message["type"] == "http.response.body":
            out.body += message.get("body", b"")

    try:
        await asyncio.wait_for(asgi(scope, receive, send), timeout=120)
    finally:
        done.set()
    out.peak_temp = max(out.peak_temp, temp_bytes(tmp))
    return out


# --------------------------------------------------------------------------- the stack under test


@pytest.fixture()
def tmp_spool(tmp_path, monkeypatch):
    """Temporary files of this test (Starlette's spooled uploads) go under their own folder."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return tmp


@pytest.fixture()
def stack(driver, rx_app, monkeypatch):
    """The app's api transformers (the Starlette routes left out) around Reflex's real /_upload endpoint."""
    from reflex._upload import upload
    from reflex_base.event.context import EventContext

    shim = SimpleNamespace(event_processor=driver.processor)
    asgi = Starlette(routes=[Route(upload_guard.upload_path(), upload(shim), methods=["POST"])])
    transformers = rx_app.api_transformer
    for transform in transformers if isinstance(transformers, (list, tuple)) else [transformers]:
        if not isinstance(transform, Starlette):
            asgi = transform(asgi)
    # A fresh budget per test; the guard finds the state manager where the app keeps it (EventContext).
    fresh = upload_guard.Budget(upload_guard.TOTAL_BUDGET)
    monkeypatch.setattr(upload_guard, "budget", fresh)
    if isinstance(asgi, upload_guard.UploadGuard):
        asgi.budget = fresh

    async def call(**kw):
        try:
            EventContext.get()
        except LookupError:
            EventContext.set(driver.processor._root_context)
        return await post(asgi, **kw)

    return SimpleNamespace(run=lambda **kw: driver.run(call(**kw)), asgi=asgi, budget=fresh, call=call)


def tab(new_client, email: str | None, path: str = "/account"):
    client = new_client()
    if email:
        token, _ = session_token_for(email)
        client._store_token(token)
    client.open(path)
    return client


CSV = handler_name(PromotionsAdminState.import_file)
INVOICE = handler_name(RegistrationState.upload_invoice)
PHOTO = handler_name(RedeemState.upload_photo)


# --------------------------------------------------------------------------- the declarations


def test_the_app_installs_the_guard_and_every_upload_handler_declares_its_limit(rx_app):
    transformers = rx_app.api_transformer
    assert upload_guard.UploadGuard in (transformers if isinstance(transformers, (list, tuple)) else [transformers])
    found = []
    for cls in app_state_classes():
        for name, handler in cls.event_handlers.items():
            params = inspect.signature(handler.fn).parameters.values()
            if any("Upload" in str(p.annotation) for p in params):
                found.append(name)
                assert upload_guard.limit_of(handler.fn), f"{cls.__name__}.{name} declares no @upload_limit"
                assert access_of(handler.fn) is not None
    assert {"import_file", "upload_invoice", "upload_photo", "upload_replacement"} <= set(found)


# --------------------------------------------------------------------------- who may upload


@pytest.mark.parametrize("who", [None, CUSTOMER])
def test_a_caller_without_the_role_is_refused_before_the_body_is_read(stack, new_client, tmp_spool, who):
    """The finding: a signed-out 200 MB POST to the CSV import wrote 156-181 MB of temporary files."""
    client = tab(new_client, who)
    chunks, size = multipart(200 * MiB)
    tracemalloc.start()
    try:
        out = stack.run(client_token=client.token, handler=CSV, chunks=chunks, body_size=size, tmp=tmp_spool)
        peak_memory = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert out.status == (401 if who is None else 403), out.body
    assert out.pulled == 0
    assert out.peak_temp == 0
    assert peak_memory < 2 * MiB
    assert client.get(PromotionsAdminState).codes_message == ""


def test_a_tab_the_server_never_saw_is_refused_and_gets_no_state(stack, driver, tmp_spool):
    chunks, size = multipart(10 * MiB)
    out = stack.run(client_token="never-seen-tab", handler=CSV, chunks=chunks, body_size=size, tmp=tmp_spool)
    assert out.status == 401 and out.pulled == 0
    assert not driver.holds_state("never-seen-tab")
    seen = driver.client()
    seen.open("/login")
    assert driver.holds_state(seen.token)  # the check can tell a tab it holds


def test_a_signed_out_tab_cannot_stream_to_the_invoice_handler(stack, new_client, tmp_spool):
    client = tab(new_client, None)
    chunks, size = multipart(50 * MiB, filename="invoice.png", content_type="image/png")
    out = stack.run(client_token=client.token, handler=INVOICE, chunks=chunks, body_size=size, tmp=tmp_spool,
                    content_length=False)
    assert out.status == 401 and out.pulled == 0 and out.peak_temp == 0


@pytest.mark.parametrize("handler", ["rxapp.nowhere.import_file", handler_name(PromotionsAdminState.save), ""])
def test_a_handler_that_takes_no_uploads_is_refused(stack, new_client, tmp_spool, handler):
    client = tab(new_client, REVIEWER, "/admin/promotions")
    chunks, size = multipart(MiB)
    out = stack.run(client_token=client.token, handler=handler, chunks=chunks, body_size=size, tmp=tmp_spool)
    assert out.status == 400 and out.pulled == 0


# --------------------------------------------------------------------------- sizes


def test_a_reviewer_declaring_too_much_is_refused_up_front(stack, new_client, tmp_spool):
    client = tab(new_client, REVIEWER, "/admin/promotions")
    chunks, size = multipart(200 * MiB)
    out = stack.run(client_token=client.token, handler=CSV, chunks=chunks, body_size=size, tmp=tmp_spool)
    assert out.status == 413 and out.pulled == 0 and out.peak_temp == 0


def test_a_body_without_a_length_is_cut_off_at_the_limit(stack, new_client, tmp_spool):
    client = tab(new_client, REVIEWER, "/admin/promotions")
    chunks, size = multipart(200 * MiB)
    tracemalloc.start()
    try:
        out = stack.run(client_token=client.token, handler=CSV, chunks=chunks, body_size=size, tmp=tmp_spool,
                        content_length=False)
        peak_memory = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    allowance = CSV_MAX_BYTES + upload_guard.MULTIPART_OVERHEAD
    assert out.status == 413, out.body
    assert out.pulled <= allowance + CHUNK
    assert out.peak_temp <= allowance
    assert peak_memory < allowance + 4 * MiB
    assert client.get(PromotionsAdminState).codes_message == ""


def test_a_streaming_handler_is_cut_off_at_its_limit(stack, new_client, tmp_spool):
    """A real PNG header then 60 MB: the body is not read past the invoice limit."""
    client = tab(new_client, CUSTOMER, "/products/register")
    chunks, size = multipart(60 * MiB, filename="invoice.png", content_type="image/png",
                             head=image_bytes(800, 600))
    out = stack.run(client_token=client.token, handler=INVOICE, chunks=chunks, body_size=size, tmp=tmp_spool,
                    content_length=False)
    assert out.status in (400, 413), out.body
    assert out.pulled <= 10 * MiB + upload_guard.MULTIPART_OVERHEAD + CHUNK
    assert out.peak_temp <= 10 * MiB + upload_guard.MULTIPART_OVERHEAD
    assert os.listdir(file_folder.tmp_dir()) == []
    # And declared up front: refused before a byte.
    out = stack.run(client_token=client.token, handler=INVOICE, chunks=chunks, body_size=size, tmp=tmp_spool)
    assert out.status == 413 and out.pulled == 0


def test_a_trickling_sender_is_dropped_and_never_holds_more_than_its_limit(stack, new_client, tmp_spool, monkeypatch):
    monkeypatch.setattr(upload_guard, "BODY_DEADLINE", 0.5)
    client = tab(new_client, REVIEWER, "/admin/promotions")
    chunks, size = multipart(CSV_MAX_BYTES)
    out = stack.run(client_token=client.token, handler=CSV, chunks=chunks, body_size=size, tmp=tmp_spool,
                    delay=0.1)
    assert out.status == 408, out.body
    assert out.pulled < size
    assert stack.budget.peak <= size and stack.budget.in_flight == 0


# --------------------------------------------------------------------------- mislabelled bodies


def _bad_bodies():
    good, _ = multipart(100)
    return {
        "not multipart": (lambda: iter([b"just some text, no boundary anywhere" * 100]), "multipart/form-data; "
                          f"boundary={BOUNDARY}"),
        "wrong content type": (good, "text/csv"),
        "no boundary": (good, "multipart/form-data"),
        "file under another name": (multipart(100, field_name="other")[0], None),
        "two files": (lambda: iter([next(good()) , b"x" * 100, f"\r\n--{BOUNDARY}\r\nContent-Disposition: form-data;"
                                    f" name=\"files\"; filename=\"b.csv\"\r\n\r\nyy\r\n--{BOUNDARY}--\r\n".encode()]),
                      None),
        "truncated": (lambda: iter([next(good()), b"x" * 100]), None),
        "a text field only": (lambda: iter([f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"\r\n\r\n"
                                            f"code\r\nA\r\n--{BOUNDARY}--\r\n".encode()]), None),
    }


@pytest.mark.parametrize("case", list(_bad_bodies()))
def test_a_mislabelled_body_is_refused_cleanly(stack, new_client, tmp_spool, case):
    chunks, content_type = _bad_bodies()[case]
    client = tab(new_client, REVIEWER, "/admin/promotions")
    size = sum(len(c) for c in chunks())
    out = stack.run(client_token=client.token, handler=CSV, chunks=chunks, body_size=size, tmp=tmp_spool,
                    content_type=content_type)
    assert out.status in (400, 415), (out.status, out.body)
    assert b"detail" in out.body
    assert [m["type"] for m in out.messages].count("http.response.start") == 1
    assert client.get(PromotionsAdminState).codes_message == ""


def test_a_mislabelled_stream_never_reaches_the_invoice_handler_whole(stack, new_client, tmp_spool):
    client = tab(new_client, CUSTOMER, "/products/register")
    chunks, size = multipart(200_000, filename="invoice.png", content_type="image/png",
                             head=image_bytes(800, 600), field_name="other")
    out = stack.run(client_token=client.token, handler=INVOICE, chunks=chunks, body_size=size, tmp=tmp_spool)
    assert out.status == 400 and out.pulled < 2 * CHUNK
    assert client.get(RegistrationState).invoice_name == ""


# --------------------------------------------------------------------------- the flows still work, within the budget


def test_a_reviewer_imports_a_code_pool_through_the_guard(stack, new_client, tmp_spool):
    client = tab(new_client, REVIEWER, "/admin/promotions")
    client.call(PromotionsAdminState.load, path="/admin/promotions")
    promotion = client.get(PromotionsAdminState).code_promotions[0][0]
    client.call(PromotionsAdminState.choose_codes_promotion, path="/admin/promotions", value=promotion)
    codes = "code\n" + "\n".join(f"GUARD-{i:04d}-OKAY" for i in range(20)) + "\n"
    data = codes.encode()
    pre = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"codes.csv\"\r\n"
           "Content-Type: text/csv\r\n\r\n").encode()
    body = pre + data + f"\r\n--{BOUNDARY}--\r\n".encode()
    out = stack.run(client_token=client.token, handler=CSV, chunks=lambda: iter([body]), body_size=len(body),
                    tmp=tmp_spool)
    assert out.status == 200, out.body
    state = client.get(PromotionsAdminState)
    assert state.codes_message.startswith("Imported 20 codes"), state.codes_message


def test_a_customer_streams_an_invoice_through_the_guard(stack, new_client, tmp_spool):
    client = tab(new_client, CUSTOMER, "/products/register")
    png = image_bytes(1200, 800)
    pre = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"invoice.png\"\r\n"
           "Content-Type: image/png\r\n\r\n").encode()
    body = pre + png + f"\r\n--{BOUNDARY}--\r\n".encode()
    out = stack.run(client_token=client.token, handler=INVOICE, chunks=lambda: iter([body]), body_size=len(body),
                    tmp=tmp_spool)
    assert out.status == 202, out.body
    for _ in range(100):
        if client.get(RegistrationState).invoice_name:
            break
        client.driver.run(asyncio.sleep(0.05))
    assert client.get(RegistrationState).invoice_name == "invoice.png"


def test_parallel_uploads_never_exceed_the_total_budget(stack, driver, new_client, tmp_spool, monkeypatch):
    stack.budget.total = 3 * MiB
    client = tab(new_client, REVIEWER, "/admin/promotions")
    gate = asyncio.Event()

    async def many():
        results = []
        tasks = []
        for _ in range(8):
            chunks, size = multipart(900 * 1024)
            tasks.append(asyncio.ensure_future(stack.call(client_token=client.token, handler=CSV, chunks=chunks,
                                                          body_size=size, tmp=tmp_spool, gate=gate)))
        await asyncio.sleep(0.3)  # every request has come in; the admitted ones wait for their body
        held = stack.budget.in_flight
        gate.set()
        results = await asyncio.gather(*tasks)
        return held, results

    held, results = driver.run(many())
    statuses = sorted(r.status for r in results)
    admitted = [r for r in results if r.status != 503]
    assert statuses.count(503) == 5, statuses
    assert len(admitted) == 3 and held <= 3 * MiB
    assert stack.budget.peak <= 3 * MiB and stack.budget.in_flight == 0
    assert all(r.pulled == 0 for r in results if r.status == 503)
    assert max(r.peak_temp for r in results) <= 3 * MiB


def test_a_file_the_drop_zone_refuses_gets_the_servers_message(new_client):
    """Over 10 MB the browser does not send the file (the guard would answer 413): the field still says why."""
    client = tab(new_client, CUSTOMER, "/products/register")
    # What the page sends: each refused file's error codes (never the file itself).
    client.call(RegistrationState.refuse_invoice, path="/products/register", reasons=["file-too-large"])
    assert "the limit is 10 MB" in client.get(RegistrationState).invoice_message
    for junk in ([], [1], [{"file": 3}], ["file-invalid-type"], "file-too-large", None):
        result = client.call(RegistrationState.refuse_invoice, path="/products/register", reasons=junk)
        assert not result.errors
        assert "not a JPG, GIF or PNG image" in client.get(RegistrationState).invoice_message
