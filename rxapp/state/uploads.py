"""Receiving private uploads (invoices, S/N photos) from Reflex's streaming upload.

The bytes arrive chunk by chunk (``rx.UploadChunkIterator``) and go straight
into ``services.upload_spool.UploadSpool``, which refuses as early as it can (10 MB,
type by content, pixel count); nothing reaches Reflex's public upload folder.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import reflex as rx

from rxapp import i18n
from rxapp.db import session_scope
from rxapp.models import FileKind
from rxapp.services import file_links, file_store, images, upload_spool
from rxapp.services.errors import FieldErrors, ServiceError
from rxapp.state import offload

# What one invoice or S/N photo may weigh (``@upload_limit(uploads.MAX_BYTES)`` on the handlers).
MAX_BYTES = images.MAX_BYTES


@dataclass(frozen=True)
class Received:
    file_id: int | None
    name: str
    message: str
    too_wide: bool
    ok: bool


async def receive(chunks: rx.UploadChunkIterator, *, owner_id: int, kind: FileKind) -> Received | None:
    """Spool, check and store one uploaded file; a refusal carries its message.

    ``None`` when no file came at all (an empty drop): the field keeps what it showed.
    """
    spool = upload_spool.UploadSpool(kind=kind, field="file")
    name = ""
    arrived = False
    try:
        async for chunk in chunks:
            arrived = True
            if not name:
                name = chunk.filename or ""
            spool.feed(chunk.data)
        if not arrived:
            return None
        # Decoding a large image takes up to a second: keep the event loop free.
        result = await offload.call(_store, spool, owner_id, name)
    except FieldErrors as exc:
        spool.discard()
        await _drain(chunks)
        return Received(None, name, next(iter(exc.errors.values()), i18n.gettext("This file cannot be used.")), False, False)
    except ServiceError as exc:
        spool.discard()
        await _drain(chunks)
        return Received(None, name, exc.message or i18n.gettext("This file cannot be used."), False, False)
    finally:
        spool.discard()
    return Received(result.file_id, file_store.sanitize_name(name), result.message, result.too_wide, not result.too_wide)


async def _drain(chunks: rx.UploadChunkIterator) -> None:
    """Read the rest of a refused upload and drop it.

    Reflex answers the upload request with a 400 when its handler stops reading
    before the body ends ("Upload handler returned before consuming all upload
    chunks"), which the browser logs as a failed request.  A refusal is not a
    failure of the request: its reason is under the field.  Reading on (at most
    the handler's declared limit: the /_upload guard cuts off anything longer)
    lets the request end normally.
    """
    with contextlib.suppress(Exception):  # the body broke off: nothing left to read
        async for _ in chunks:
            pass


def refused(reasons, *, kind: FileKind) -> Received:
    """A file the drop zone refused before sending it (over ``MAX_BYTES``, or more than one file).

    ``reasons``: for each refused file, the drop zone's error codes and its size
    (``["file-too-large size=11534336"]``), from the browser: read defensively.  The message is the one the
    server gives for the same file.
    """
    items = [r[:200] for r in reasons[:5] if isinstance(r, str)] if isinstance(reasons, list) else []
    codes = set(" ".join(items).split())
    size = next((int(c[5:]) for c in codes if c.startswith("size=") and c[5:].isdigit()), None)
    if "too-many-files" in codes or len(items) > 1:
        message = images.one_file_message(kind)
    elif "file-too-large" in codes:
        message = images.too_big_message(size)
    else:
        message = images.not_image_message(kind, "")
    return Received(None, "", message, False, False)


def _store(spool: upload_spool.UploadSpool, owner_id: int, name: str) -> file_store.UploadResult:
    with session_scope() as s:
        return file_store.store_spool(session=s, owner_id=owner_id, spool=spool, filename=name)


def _resize(owner_id: int, file_id: int) -> file_store.UploadResult:
    with session_scope() as s:
        return file_store.resize_for_me(session=s, owner_id=owner_id, file_id=file_id)


async def resize(*, owner_id: int, file_id: int) -> Received:
    """"Resize for me": a 1600 px copy replaces the too-wide upload (decoded in a thread)."""
    try:
        result = await offload.call(_resize, owner_id, file_id)
    except ServiceError as exc:
        return Received(None, "", exc.message, False, False)
    return Received(result.file_id, result.original_name, "", False, True)


def thumb_url(*, file_id: int | None, user_id: int) -> str:
    """A short-lived signed link (``/files/<token>``) to the file's thumbnail (private).

    The state keeps this path; the page shows it through ``components.links.file_url``.
    """
    if not file_id:
        return ""
    return file_links.signed_url(file_id=file_id, user_id=user_id, thumb=True)
