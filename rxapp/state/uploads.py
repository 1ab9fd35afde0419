"""Receiving private uploads (invoices, S/N photos) from Reflex's streaming upload.

The bytes arrive chunk by chunk (``rx.UploadChunkIterator``) and go straight
into ``services.files.UploadSpool``, which refuses as early as it can (10 MB,
type by content, pixel count); nothing reaches Reflex's public upload folder.
"""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from rxapp.db import session_scope
from rxapp.models import FileKind
from rxapp.services import files
from rxapp.services.errors import FieldErrors, ServiceError


@dataclass(frozen=True)
class Received:
    file_id: int | None
    name: str
    message: str
    too_wide: bool
    ok: bool


async def receive(chunks: rx.UploadChunkIterator, *, owner_id: int, kind: FileKind) -> Received:
    """Spool, check and store one uploaded file; a refusal carries its message."""
    spool = files.UploadSpool(kind=kind, field="file")
    name = ""
    try:
        async for chunk in chunks:
            if not name:
                name = chunk.filename or ""
            spool.feed(chunk.data)
        with session_scope() as s:
            result = files.store_spool(session=s, owner_id=owner_id, spool=spool, filename=name)
    except FieldErrors as exc:
        spool.discard()
        return Received(None, name, next(iter(exc.errors.values()), "This file cannot be used."), False, False)
    except ServiceError as exc:
        spool.discard()
        return Received(None, name, exc.message or "This file cannot be used.", False, False)
    finally:
        spool.discard()
    return Received(result.file_id, files.sanitize_name(name), result.message, result.too_wide, not result.too_wide)


def resize(*, owner_id: int, file_id: int) -> Received:
    """"Resize for me": a 1600 px copy replaces the too-wide upload."""
    try:
        with session_scope() as s:
            result = files.resize_for_me(session=s, owner_id=owner_id, file_id=file_id)
    except ServiceError as exc:
        return Received(None, "", exc.message, False, False)
    return Received(result.file_id, result.original_name, "", False, True)


def thumb_url(*, file_id: int | None, user_id: int) -> str:
    """A short-lived signed link to the file's thumbnail (private)."""
    if not file_id:
        return ""
    return files.signed_url(file_id=file_id, user_id=user_id, thumb=True)
