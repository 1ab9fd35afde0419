"""Receiving private uploads (invoices, S/N photos) from Reflex's streaming upload.

The bytes arrive chunk by chunk (``rx.UploadChunkIterator``) and go straight
into ``services.upload_spool.UploadSpool``, which refuses as early as it can (10 MB,
type by content, pixel count); nothing reaches Reflex's public upload folder.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import reflex as rx
from reflex.vars.base import Var, VarData

from rxapp.db import session_scope
from rxapp.models import FileKind
from rxapp.services import file_links, file_store, upload_spool
from rxapp.services.errors import FieldErrors, ServiceError


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
        result = await asyncio.to_thread(_store, spool, owner_id, name)
    except FieldErrors as exc:
        spool.discard()
        return Received(None, name, next(iter(exc.errors.values()), "This file cannot be used."), False, False)
    except ServiceError as exc:
        spool.discard()
        return Received(None, name, exc.message or "This file cannot be used.", False, False)
    finally:
        spool.discard()
    return Received(result.file_id, file_store.sanitize_name(name), result.message, result.too_wide, not result.too_wide)


def _store(spool: upload_spool.UploadSpool, owner_id: int, name: str) -> file_store.UploadResult:
    with session_scope() as s:
        return file_store.store_spool(session=s, owner_id=owner_id, spool=spool, filename=name)


def _resize(owner_id: int, file_id: int) -> file_store.UploadResult:
    with session_scope() as s:
        return file_store.resize_for_me(session=s, owner_id=owner_id, file_id=file_id)


async def resize(*, owner_id: int, file_id: int) -> Received:
    """"Resize for me": a 1600 px copy replaces the too-wide upload (decoded in a thread)."""
    try:
        result = await asyncio.to_thread(_resize, owner_id, file_id)
    except ServiceError as exc:
        return Received(None, "", exc.message, False, False)
    return Received(result.file_id, result.original_name, "", False, True)


def thumb_url(*, file_id: int | None, user_id: int) -> str:
    """A short-lived signed link (``/files/<token>``) to the file's thumbnail (private).

    The state keeps this path; the page shows it through ``file_url``.
    """
    if not file_id:
        return ""
    return file_links.signed_url(file_id=file_id, user_id=user_id, thumb=True)


# The backend's base URL as the browser sees it.  ``/files/…`` is a backend
# route: with ``reflex run --env prod --single-port`` the page and the backend
# share one origin, but under AppHarnessProd (and any split deployment) the
# page is served by a separate static server, where a relative link would miss
# the backend.  Reflex's own ``getBackendURL`` resolves ``env.UPLOAD`` (the
# configured ``api_url`` + "/_upload", its host adjusted to the page's host
# when it is localhost) in the browser; dropping "/_upload" leaves the base.
_BACKEND_BASE = Var(
    _js_expr='getBackendURL(env.UPLOAD).href.replace(/\\/_upload\\/?$/, "")',
    _var_data=VarData(
        imports={
            "$/utils/state": "getBackendURL",
            "$/env.json": rx.ImportVar(tag="env", is_default=True),
        }
    ),
).to(str)


def file_url(path) -> Var:
    """The ``src``/``href`` for a private-file path (``/files/<token>``) on the backend.

    ``path`` is a str or a string Var (state field); an empty path stays empty,
    so ``rx.cond(path != "", …)`` keeps working.
    """
    path_var = Var.create(path).to(str)
    return rx.cond(path_var != "", _BACKEND_BASE + path_var, "").to(str)
