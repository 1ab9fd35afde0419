"""``POST /_upload`` for invoices and S/N photos: every private-file handler against oversize, slow,
signed-out and mislabelled bodies, declared in one table.

Runs through the app's own ASGI transformers (the ``UploadGuard`` it
installs) in front of Reflex's real upload endpoint, as
``test_upload_guard.py`` does (its ``stack`` and measuring ``post`` are
reused): every pull of the body also measures the temporary space in use
(Starlette's spooled files and the private spool folder), and tracemalloc
the memory.  After each case nothing of the refused body is stored: no new
``StoredFile`` row for the customer, no file in the private folder, an empty
spool folder.
"""

from __future__ import annotations

import asyncio
import io
import os
import tracemalloc
from dataclasses import dataclass

import pytest
from PIL import Image
from sqlmodel import select

from rxapp import db
from rxapp.models import StoredFile, User
from rxapp.services import file_folder
from rxapp.state import upload_guard
from rxapp.state.promotions import RedeemState
from rxapp.state.registration import MyProductsState, RegistrationState
from tests.factories.images import image_bytes
from tests.state.test_upload_guard import (  # noqa: F401 - fixtures used by name
    BOUNDARY,
    CHUNK,
    CUSTOMER,
    MiB,
    handler_name,
    multipart,
    stack,
    tab,
    tmp_spool,
)


@dataclass(frozen=True)
class Target:
    """A handler that takes a private file, the page it lives on and the var that shows its message."""

    handler: object
    page: str
    state: type
    message: str


# The drop zone's own refusal (before anything is sent), for each target.
REFUSE = {
    "registration invoice": RegistrationState.refuse_invoice,
    "redeem S/N photo": RedeemState.refuse_photo,
    "redeem invoice": RedeemState.refuse_invoice,
    "replacement invoice": MyProductsState.refuse_replacement,
}

TARGETS = {
    "registration invoice": Target(RegistrationState.upload_invoice, "/products/register", RegistrationState,
                                   "invoice_message"),
    "redeem S/N photo": Target(RedeemState.upload_photo, "/promotions/redeem", RedeemState, "photo_message"),
    "redeem invoice": Target(RedeemState.upload_invoice, "/promotions/redeem", RedeemState, "invoice_message"),
    "replacement invoice": Target(MyProductsState.upload_replacement, "/products", MyProductsState,
                                  "replace_message"),
}


def _jpeg_then(junk: bytes) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), "white").save(out, "JPEG")
    return out.getvalue()[:200] + junk


# What a hostile client sends, named as an image: (file name, part content type, bytes).
MISLABELLED = {
    "a PDF named .jpg": ("invoice.jpg", "image/jpeg", b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n" * 50),
    "a script named .jpg": ("photo.jpg", "image/jpeg", b"<script>fetch('/files/'+document.cookie)</script>" * 20),
    "an HTML page named .png": ("scan.png", "image/png", b"<!doctype html><html><body onload=alert(1)>" * 20),
    "an SVG named .gif": ("sn.gif", "image/gif",
                          b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>' * 20),
    "a shell script as text/plain": ("invoice.jpg", "text/plain", b"#!/bin/sh\nrm -rf ~\n" * 50),
    "a JPEG header, then a ZIP": ("invoice.jpg", "image/jpeg", _jpeg_then(b"PK\x03\x04" + os.urandom(4000))),
}

# (how, who) -> what must happen.  "before body": refused from the headers, not a byte read;
# "cut off": refused while streaming, never read past the handler's allowance;
# "refused by content": the handler's check says why under the field and keeps nothing; the request itself
# ends as an accepted one does (202), not as a failed one the browser would log as a network error.
EXPECTED: dict[str, tuple[str | None, str, int | tuple[int, ...]]] = {
    "signed out":                      (None, "before body", 401),
    "oversize, declared":              (CUSTOMER, "before body", 413),
    "oversize, no length":             (CUSTOMER, "cut off", (400, 413)),
    "slow (trickled)":                 (CUSTOMER, "cut off", 408),
    "wrong content type (not multipart)": (CUSTOMER, "before body", 415),
    **{name: (CUSTOMER, "refused by content", 202) for name in MISLABELLED},
}


def _owned_files(email: str) -> set[str]:
    with db.session_scope() as s:
        uid = s.exec(select(User.id).where(User.email == email)).one()
        return {r.storage_key for r in s.exec(select(StoredFile).where(StoredFile.owner_id == uid))}


def _body(how: str):
    """(chunks, size, part content type override, send content-length, request content type)."""
    if how in MISLABELLED:
        filename, ctype, data = MISLABELLED[how]
        pre = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{filename}\"\r\n"
               f"Content-Type: {ctype}\r\n\r\n").encode()
        body = pre + data + f"\r\n--{BOUNDARY}--\r\n".encode()
        return (lambda: iter([body])), len(body), True, None
    png = image_bytes(800, 600)
    if how in ("oversize, declared", "oversize, no length"):
        chunks, size = multipart(60 * MiB, filename="invoice.png", content_type="image/png", head=png)
        return chunks, size, how == "oversize, declared", None
    if how == "slow (trickled)":
        chunks, size = multipart(2 * MiB, filename="invoice.png", content_type="image/png", head=png)
        return chunks, size, True, None
    if how == "wrong content type (not multipart)":
        return (lambda: iter([png])), len(png), True, "image/png"
    chunks, size = multipart(50 * MiB, filename="invoice.png", content_type="image/png", head=png)
    return chunks, size, True, None  # signed out


@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("how", list(EXPECTED))
def test_every_private_file_handler_against_every_hostile_body(stack, new_client, tmp_spool, monkeypatch,
                                                               how, target):
    who, outcome, statuses = EXPECTED[how]
    t = TARGETS[target]
    client = tab(new_client, who, t.page)
    before = _owned_files(CUSTOMER)
    file_folder.tmp_dir()  # exists from here on: only files may come and go
    on_disk_before = set(os.listdir(file_folder.files_root()))
    chunks, size, with_length, content_type = _body(how)
    delay = 0.0
    if how == "slow (trickled)":
        monkeypatch.setattr(upload_guard, "BODY_DEADLINE", 0.5)
        delay = 0.1
    allowance = upload_guard.limit_of(t.handler.fn) + upload_guard.MULTIPART_OVERHEAD
    tracemalloc.start()
    try:
        out = stack.run(client_token=client.token, handler=handler_name(t.handler), chunks=chunks, body_size=size,
                        tmp=tmp_spool, content_length=with_length, content_type=content_type, delay=delay)
        peak_memory = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    statuses = statuses if isinstance(statuses, tuple) else (statuses,)
    assert out.status in statuses, (out.status, out.body)
    if outcome == "before body":
        assert out.pulled == 0 and out.peak_temp == 0
    else:
        assert out.pulled <= allowance + CHUNK
    # Disk and memory stay bounded by the handler's allowance, whatever was sent.
    assert out.peak_temp <= allowance
    assert peak_memory < allowance + 4 * MiB
    assert stack.budget.in_flight == 0
    if outcome == "refused by content":
        message = ""
        for _ in range(200):
            message = getattr(client.get(t.state), t.message)
            if message and "Checking" not in message:
                break
            client.driver.run(asyncio.sleep(0.05))
        assert "not" in message and ("image" in message or "JPG" in message), message
    # Nothing of it is kept.
    assert _owned_files(CUSTOMER) == before
    assert set(os.listdir(file_folder.files_root())) == on_disk_before
    assert os.listdir(file_folder.tmp_dir()) == []


@pytest.mark.parametrize("target", list(TARGETS))
def test_a_file_refused_by_content_ends_its_request_like_an_accepted_one(stack, new_client, tmp_spool, target):
    """A 2 MB PDF arriving in many pieces, as a browser sends it: the handler refuses it at the first piece.

    The request still ends as an accepted one (202): a failed request (Reflex's 400 when a handler stops
    reading early) is logged by the browser as a network error, though nothing went wrong.  The reason is
    under the field, and nothing of the file is kept.
    """
    t = TARGETS[target]
    client = tab(new_client, CUSTOMER, t.page)
    before = _owned_files(CUSTOMER)
    pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n"
    chunks, size = multipart(2 * MiB, filename="invoice.pdf", content_type="application/pdf", head=pdf)
    out = stack.run(client_token=client.token, handler=handler_name(t.handler), chunks=chunks, body_size=size,
                    tmp=tmp_spool, delay=0.005)
    assert out.status == 202, (out.status, out.body)
    message = ""
    for _ in range(200):
        message = getattr(client.get(t.state), t.message)
        if message and "Checking" not in message:
            break
        client.driver.run(asyncio.sleep(0.05))
    assert "PDF document, not an image" in message, message
    assert _owned_files(CUSTOMER) == before
    assert os.listdir(file_folder.tmp_dir()) == []


@pytest.mark.parametrize("target", list(TARGETS))
def test_an_empty_upload_is_no_failed_request_and_changes_nothing(stack, new_client, tmp_spool, target):
    """What the drop zone sends when it refused every file dropped (too big, too many): a multipart body
    without a file.  Its reason is already under the field (``on_drop_rejected``); the request must not
    fail (a 400 is logged by the browser as a network error) and the field keeps what it showed."""
    t = TARGETS[target]
    client = tab(new_client, CUSTOMER, t.page)
    before = _owned_files(CUSTOMER)
    # The drop zone says why first (two files dropped): that reason must survive the empty upload after it.
    client.call(REFUSE[target], reasons=["too-many-files", "too-many-files"])
    shown = getattr(client.get(t.state), t.message)
    assert "one file" in shown, shown
    body = f"--{BOUNDARY}--\r\n".encode()
    out = stack.run(client_token=client.token, handler=handler_name(t.handler), chunks=lambda: iter([body]),
                    body_size=len(body), tmp=tmp_spool)
    assert out.status == 202, (out.status, out.body)
    client.driver.run(asyncio.sleep(0.2))
    assert getattr(client.get(t.state), t.message) == shown
    assert _owned_files(CUSTOMER) == before
