"""Stored uploads: check and store an upload with its thumbnail, "Resize for me", expiry, who may view.

A checked upload (``upload_spool``) is moved into the private folder
(``file_folder``: random names, mode 0600) with a private JPEG thumbnail and a
``StoredFile`` row.  A too-wide image is kept as a temporary file
(``expires_at`` one hour ahead) and offered "Resize for me"
(``resize_for_me``); ``sweep_expired`` deletes what is left of those, and
``sweep_orphans`` the files a crash left behind without a row.  Who may
view a stored file: ``can_view``.  No Reflex import here: the caller hands over
a sync stream (``rx.UploadFile`` itself works) to ``check_and_store_stream``,
or feeds chunks into an ``UploadSpool`` and calls ``store_spool``.
"""

from __future__ import annotations

import logging
import os
import re
import time
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from rxapp.i18n import _
from rxapp.models import FileKind, Redemption, RegisteredProduct, Role, StoredFile, User, utcnow
from rxapp.services import file_folder, images, upload_spool
from rxapp.services.errors import NotFound

log = logging.getLogger(__name__)

TEMP_TTL = timedelta(hours=1)
# A file younger than this is never an orphan: an upload in progress (on this or another
# worker or host) writes its file, then its row, and commits within seconds; its spool
# file grows for at most the upload guard's body deadline.
ORPHAN_GRACE = timedelta(hours=1)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class UploadResult:
    """A stored upload.  ``too_wide`` means it is temporary and waits for "Resize for me".

    ``width``/``height`` are as displayed (after EXIF orientation).  ``message`` is
    empty when the file is fine, else the text to show under the field.
    """

    file_id: int
    kind: FileKind
    content_type: str
    size: int
    width: int
    height: int
    sha256: str
    original_name: str
    too_wide: bool = False
    message: str = ""
    expires_at: datetime | None = None


def sanitize_name(name: str | None) -> str:
    """A display-safe file name: no folders, no control characters, at most 200 chars."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = re.sub(r"[\"<>|:*?]", "_", text).strip(" .")
    if not text:
        return "upload"
    if len(text) > 200:
        stem, dot, ext = text.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            text = stem[: 200 - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            text = text[:200]
    return text


# --------------------------------------------------------------------------- storing


def _store(
    *, session: Session, owner_id: int, kind: FileKind, checked: upload_spool.CheckedUpload, filename: str, temporary: bool
) -> StoredFile:
    root = file_folder.files_root()
    key, thumb_key = file_folder.new_key(), file_folder.new_key()
    path, thumb = root / key, root / thumb_key
    try:
        os.replace(checked.spool_path, path)
        os.chmod(path, 0o600)
        if checked.thumb:
            with file_folder.open_private(thumb) as fh:
                fh.write(checked.thumb)
        else:
            thumb_key = ""
        row = StoredFile(
            owner_id=owner_id,
            kind=FileKind(kind),
            storage_key=key,
            thumb_key=thumb_key,
            sha256=checked.sha256,
            content_type=images.FORMATS[checked.fmt][0],
            size=checked.size,
            width=checked.width,
            height=checked.height,
            original_name=sanitize_name(filename),
            expires_at=(utcnow() + TEMP_TTL) if temporary else None,
        )
        session.add(row)
        session.flush()
    except BaseException:
        file_folder.unlink(checked.spool_path)
        file_folder.unlink(path)
        file_folder.unlink(thumb)
        raise
    return row


def _result(row: StoredFile) -> UploadResult:
    too_wide = row.expires_at is not None
    return UploadResult(
        file_id=row.id,
        kind=FileKind(row.kind),
        content_type=row.content_type,
        size=row.size,
        width=row.width,
        height=row.height,
        sha256=row.sha256,
        original_name=row.original_name,
        too_wide=too_wide,
        message=images.too_wide_message(row.width) if too_wide else "",
        expires_at=row.expires_at,
    )


def _store_finished(
    session: Session, owner_id: int, spool: upload_spool.UploadSpool, filename: str
) -> UploadResult:
    """Finish a fed spool and store it; wider than ``images.MAX_WIDTH`` is kept only temporarily."""
    checked = spool.finish()
    temporary = checked.width > images.MAX_WIDTH
    row = _store(
        session=session, owner_id=owner_id, kind=spool.kind, checked=checked, filename=filename,
        temporary=temporary,
    )
    return _result(row)


def check_and_store_stream(
    *,
    session: Session,
    owner_id: int,
    kind: FileKind,
    chunks,
    filename: str,
    size_hint: int | None = None,
    field: str | None = None,
) -> UploadResult:
    """Check an upload as it streams in and store it privately.

    ``chunks``: bytes, an iterable of bytes, a sync file-like with ``read(n)``,
    or an ``rx.UploadFile`` (its sync ``.file`` and ``.size`` are used).
    ``size_hint``: the size the client declared, if known (refused at once when
    over 10 MB; the count while reading is what really holds).

    Returns the stored file; ``too_wide=True`` means it is temporary (expires in
    an hour) and ``message`` offers "Resize for me".  Raises ``UploadRefused``
    (a ``FieldErrors`` under ``field``, default the kind's value) for an empty,
    too large, non-image, too many pixels or damaged file; nothing of it is
    kept.  Flushes; the caller commits.
    """
    pull, declared = upload_spool.pull_chunks(chunks)
    declared = size_hint if size_hint is not None else declared
    with upload_spool.UploadSpool(kind=kind, field=field, size_hint=declared) as spool:
        while True:
            chunk = pull()
            if not chunk:
                break
            spool.feed(chunk)
        return _store_finished(session, owner_id, spool, filename)


def store_spool(
    *, session: Session, owner_id: int, spool: upload_spool.UploadSpool, filename: str
) -> UploadResult:
    """Finish and store a spool fed by the caller (e.g. from an async chunk iterator).

    Same promises and errors as ``check_and_store_stream``; discards the spool.
    """
    with spool:
        return _store_finished(session, owner_id, spool, filename)


def _owned(session: Session, owner_id: int, file_id: int) -> StoredFile:
    row = session.get(StoredFile, int(file_id))
    if row is None or row.owner_id != owner_id:
        raise NotFound(_("This file is no longer available. Please upload it again."))
    return row


def resize_for_me(*, session: Session, owner_id: int, file_id: int) -> UploadResult:
    """Replace a temporary too-wide upload by a 1600 px wide permanent copy.

    Keeps the aspect ratio and the format; applies the EXIF orientation (and
    drops the rest of the EXIF, e.g. GPS).  An animated GIF keeps only its
    first frame (an invoice needs no animation).  The copy goes through the
    same checks as an upload.  The temporary file and its row are deleted.
    Raises ``NotFound`` when the file is not the caller's, has expired, or is
    not temporary.  Flushes; the caller commits.
    """
    row = _owned(session, owner_id, file_id)
    if row.expires_at is None or row.expires_at <= utcnow():
        raise NotFound(_("This file is no longer available. Please upload it again."))
    src = file_folder.private_path(row.storage_key)
    if not src.exists():
        raise NotFound(_("This file is no longer available. Please upload it again."))
    result = check_and_store_stream(
        session=session,
        owner_id=owner_id,
        kind=FileKind(row.kind),
        chunks=images.resized_to_max_width(src, row.content_type),
        filename=row.original_name,
    )
    _delete(session, row)
    session.flush()
    return result


def _delete(session: Session, row: StoredFile) -> None:
    keys = [row.storage_key, row.thumb_key]
    session.delete(row)
    session.flush()
    root = file_folder.files_root()
    for key in keys:
        if key and file_folder.KEY_RE.match(key):
            file_folder.unlink(root / key)


def _referenced_ids(session: Session) -> set[int]:
    ids: set[int] = set()
    columns = (RegisteredProduct.invoice_file_id, Redemption.invoice_file_id, Redemption.serial_photo_file_id)
    for col in columns:
        ids.update(i for i in session.exec(select(col).where(col.is_not(None))).all())
    return ids


def sweep_expired(*, session: Session, now: datetime | None = None) -> int:
    """Delete temporary files past their expiry (file, thumbnail and row); returns how many.

    A temporary file that some record references anyway is left alone.
    Flushes; the caller commits.
    """
    now = now or utcnow()
    rows = session.exec(
        select(StoredFile).where(StoredFile.expires_at.is_not(None), StoredFile.expires_at <= now)
    ).all()
    in_use = _referenced_ids(session) if rows else set()
    count = 0
    for row in rows:
        if row.id in in_use:
            continue
        _delete(session, row)
        count += 1
    return count


def sweep_orphans(*, session: Session, now: float | None = None) -> int:
    """Remove what a crash leaves in the private folder: files no ``StoredFile`` row names,
    and upload spool files (``tmp/*.part``); only those older than ``ORPHAN_GRACE``.

    A store moves its file into place, writes the thumbnail, then commits the
    row: a process killed in between leaves the files without a row, and one
    killed while an upload streams leaves its spool file.  Nothing younger than
    the grace period is touched, so an upload in progress on another worker
    (whose row is not committed yet) is never removed.  ``now`` is a Unix time
    (default: the real one).  Returns how many files it removed and logs their
    names; reads rows only (the caller's transaction changes nothing).
    """
    cutoff = (time.time() if now is None else now) - ORPHAN_GRACE.total_seconds()
    files: list[str] = []
    spool: list[str] = []
    root = file_folder.files_root()
    named: set[str] | None = None
    for entry in os.scandir(root):
        if not entry.is_file(follow_symlinks=False) or not file_folder.KEY_RE.match(entry.name):
            continue
        if not _older_than(entry, cutoff):
            continue
        if named is None:  # read the names after listing: a file stored meanwhile is young anyway
            named = _named_keys(session)
        if entry.name not in named:
            file_folder.unlink(root / entry.name)
            files.append(entry.name)
    for entry in os.scandir(file_folder.tmp_dir()):
        if entry.name.endswith(".part") and entry.is_file(follow_symlinks=False) and _older_than(entry, cutoff):
            file_folder.unlink(file_folder.tmp_dir() / entry.name)
            spool.append(entry.name)
    if files or spool:
        log.warning("removed %d stored file(s) no row refers to and %d upload spool leftover(s): %s",
                    len(files), len(spool), ", ".join(files + spool))
    return len(files) + len(spool)


def _older_than(entry: os.DirEntry, cutoff: float) -> bool:
    try:
        return entry.stat(follow_symlinks=False).st_mtime < cutoff
    except FileNotFoundError:
        return False


def _named_keys(session: Session) -> set[str]:
    """Every storage and thumbnail key a ``StoredFile`` row holds."""
    keys: set[str] = set()
    for storage_key, thumb_key in session.exec(select(StoredFile.storage_key, StoredFile.thumb_key)).all():
        keys.add(storage_key)
        if thumb_key:
            keys.add(thumb_key)
    return keys


# --------------------------------------------------------------------------- access


def can_view(*, session: Session, user_id: int, file_id: int) -> bool:
    """True when ``user_id`` owns the file or is a reviewer or an admin."""
    row = session.get(StoredFile, int(file_id))
    user = session.get(User, int(user_id)) if user_id is not None else None
    if row is None or user is None:
        return False
    return row.owner_id == user.id or Role(user.role) in (Role.reviewer, Role.admin)
