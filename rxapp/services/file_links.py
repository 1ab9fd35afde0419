"""Signed links to private files: ``signed_url`` makes one, ``open_for_token`` checks one.

A link names its viewer and expires; opening it re-checks that the viewer
may (still) see the file (``file_store.can_view``).
"""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from rxapp import routes
from rxapp.models import StoredFile, utcnow
from rxapp.services import file_folder, file_store, signing
from rxapp.services.errors import NotFound

FILE_PURPOSE = "file"


def signed_url(*, file_id: int, user_id: int, thumb: bool = False, ttl_seconds: int = 300) -> str:
    """``/files/<token>``: a link for ``user_id`` to view the file (or its thumbnail).

    The link names its viewer; ``open_for_token`` re-checks that viewer, so a
    link passed to someone else is no use once the viewer loses access, and
    every link expires after ``ttl_seconds``.
    """
    token = signing.sign(
        FILE_PURPOSE,
        {"f": int(file_id), "u": int(user_id), "t": 1 if thumb else 0},
        ttl_seconds,
    )
    return f"{routes.FILES}/{token}"


def link_viewer(token: str) -> int | None:
    """The viewer a link names, if its signature and expiry hold; else None."""
    try:
        return int(signing.verify(FILE_PURPOSE, token)["u"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def open_for_token(*, session: Session, token: str) -> tuple[Path, str, str]:
    """(path, content type, download name) for a valid link.

    Raises ``NotFound`` for a forged, tampered, expired or other-purpose token,
    a viewer who may not (or no longer) view the file, or a missing file: one
    answer for all, so a prober learns nothing.
    """
    try:
        payload = signing.verify(FILE_PURPOSE, token)
        file_id, user_id, thumb = int(payload["f"]), int(payload["u"]), bool(payload.get("t"))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise NotFound("This link is not valid.") from None
    if not file_store.can_view(session=session, user_id=user_id, file_id=file_id):
        raise NotFound("This link is not valid.")
    row = session.get(StoredFile, file_id)
    if row.expires_at is not None and row.expires_at <= utcnow():
        raise NotFound("This link is not valid.")
    key = row.thumb_key if thumb else row.storage_key
    path = file_folder.private_path(key)
    if not path.is_file():
        raise NotFound("This link is not valid.")
    name = row.original_name or "upload"
    if thumb:
        return path, "image/jpeg", f"thumb-{Path(name).stem or 'upload'}.jpg"
    return path, row.content_type, name
