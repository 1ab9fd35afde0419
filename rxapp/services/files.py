"""Private uploads: the invoice / S/N-photo check, storage, thumbnails and signed links.

What a customer uploads is untrusted bytes.  This module promises:

* **Checked by content, not by name.**  JPEG, GIF or PNG by magic bytes *and*
  by Pillow's own detection; anything else is refused with a message naming
  what the file really is ("This file is a PDF document, not an image …").
* **Size enforced while reading.**  At most ``MAX_BYTES`` (10 MB); reading
  stops at ``MAX_BYTES + 1`` and the upload is refused.  A declared size
  (``size_hint``, e.g. ``rx.UploadFile.size``) over the limit is refused
  before anything is read.  Bytes are spooled to ``files_dir/tmp``, never
  held whole in memory.
* **Decompression bombs refused from the header**, before any pixel is
  decoded: the dimensions are parsed from the first bytes (PNG IHDR, GIF
  screen, JPEG SOF) and more than ``MAX_PIXELS`` (40 megapixels) is refused.
* **Truncated or corrupt files refused**: ``verify()`` plus a full decode
  (JPEG decodes at a reduced DCT scale, which still reads every byte).
* **Width after EXIF orientation** at most ``MAX_WIDTH`` (1600 px).  A wider
  image is *not* refused: it is kept as a temporary file (``expires_at`` one
  hour ahead) and the result offers "Resize for me" (``resize_for_me``).
* **Nothing of a refused file is kept**: no file on disk, no row.
* **Private storage**: ``settings.files_dir`` (never below Reflex's public
  ``/_upload`` folder), random names, mode 0600, plus a private JPEG
  thumbnail (at most 320 px).  Links are short-lived signed tokens
  (``signed_url`` / ``open_for_token``) for the owner and for reviewers.

Refusals raise ``UploadRefused`` (a ``FieldErrors`` keyed by the form field,
by default the file kind's value: ``"invoice"`` or ``"serial_photo"``) with a
``reason`` code for tests and logs.  No Reflex import here: the caller hands
over a sync stream (``rx.UploadFile`` itself works, see ``_source``), or feeds
chunks into an ``UploadSpool`` from an async chunk iterator.
"""

from __future__ import annotations

import hashlib
import inspect
import io
import math
import os
import re
import secrets
import stat
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from PIL import Image, ImageOps
from sqlmodel import Session, select

from rxapp import settings
from rxapp.services import signing
from rxapp.models import FileKind, Redemption, RegisteredProduct, Role, StoredFile, User, utcnow
from rxapp.services.errors import FieldErrors, NotFound

MiB = 1024 * 1024
MAX_BYTES = 10 * MiB
MAX_WIDTH = 1600
MAX_PIXELS = 40_000_000
THUMB_BOX = (320, 320)
TEMP_TTL = timedelta(hours=1)
CHUNK = 256 * 1024
# Enough bytes to find the dimensions of any sane file (JPEG EXIF can be 64 KB+).
HEADER_WINDOW = 512 * 1024
FILE_PURPOSE = "file"

_FORMATS = {  # Pillow format -> (content type, extension)
    "JPEG": ("image/jpeg", ".jpg"),
    "PNG": ("image/png", ".png"),
    "GIF": ("image/gif", ".gif"),
}
_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{20,80}$")
_WHAT = {
    FileKind.invoice: "your invoice",
    FileKind.serial_photo: "the serial number sticker",
}
_ACCEPT = "Please upload a JPG, GIF or PNG picture of {what}."


# --------------------------------------------------------------------------- results & errors


class UploadRefused(FieldErrors):
    """The upload was refused; ``errors[field]`` says what is wrong and what to do.

    ``reason`` is one of: ``empty``, ``too_big``, ``not_image``, ``too_many_pixels``,
    ``corrupt``.
    """

    def __init__(self, field: str, reason: str, message: str):
        super().__init__({field: message})
        self.field = field
        self.reason = reason
        self.message = message


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


@dataclass(frozen=True)
class _Checked:
    """A spooled file that passed every check."""

    spool_path: Path
    fmt: str
    size: int
    sha256: str
    width: int  # displayed (after EXIF orientation)
    height: int
    thumb: bytes  # the JPEG thumbnail, made from the checking decode


# --------------------------------------------------------------------------- paths


def files_root() -> Path:
    """The private folder (created 0700); refuses to be inside a public folder."""
    root = settings.get().files_dir.resolve()
    for public in _public_dirs():
        if root == public or public in root.parents:
            raise RuntimeError(f"Private files folder {root} is inside the public folder {public}")
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    return root


def _public_dirs() -> list[Path]:
    # Reflex serves REFLEX_UPLOADED_FILES_DIR (default ./uploaded_files) at /_upload,
    # and the built frontend from .web; a private file must live in neither.
    upload = os.environ.get("REFLEX_UPLOADED_FILES_DIR") or "uploaded_files"
    return [
        Path(upload).resolve(),
        (settings.PROJECT_ROOT / "uploaded_files").resolve(),
        (settings.PROJECT_ROOT / ".web").resolve(),
        (settings.PROJECT_ROOT / "assets").resolve(),
    ]


def _tmp_dir() -> Path:
    d = files_root() / "tmp"
    d.mkdir(exist_ok=True, mode=0o700)
    return d


def _path_for(key: str) -> Path:
    if not _KEY_RE.match(key or ""):
        raise NotFound("This file is not available.")
    return files_root() / key


def _new_key() -> str:
    return secrets.token_urlsafe(24)


def _open_private(path: Path):
    """A new file for writing, created exclusively with mode 0600."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return os.fdopen(fd, "wb")


def _unlink(path: Path | None) -> None:
    if path is None:
        return
    try:
        path.unlink()
    except FileNotFoundError:
        pass


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


# --------------------------------------------------------------------------- sniffing


def _sniff(head: bytes) -> str:
    """Pillow format name for an accepted type, else a description of what the bytes are."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head.startswith(b"%PDF") or b"%PDF-" in head[:1024]:
        return "a PDF document"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "a WebP picture"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"mif1", b"msf1", b"hevc", b"heim", b"heis"):
            return "a HEIC photo (the iPhone format)"
        if brand in (b"avif", b"avis"):
            return "an AVIF picture"
        return "a video or HEIC file"
    if head[:2] == b"BM":
        return "a BMP picture"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "a TIFF picture"
    if head[:4] == b"PK\x03\x04":
        return "a ZIP archive or Office document"
    if head[:2] == b"MZ" or head[:4] == b"\x7fELF":
        return "a program"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "an Office document"
    if head[:4] == b"8BPS":
        return "a Photoshop file"
    text = head[:4096].lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").lower()
    if b"<svg" in head[:4096].lower():
        return "an SVG drawing"
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<meta")):
        return "a web page (HTML)"
    if text.startswith((b"<?xml", b"<")):
        return "an XML or web document"
    try:
        head[:4096].decode("utf-8")
        return "a text file"
    except UnicodeDecodeError:
        return ""


def _header_dims(fmt: str, head: bytes) -> tuple[int, int] | None:
    """(width, height) as stored, from the header alone; None when not yet in ``head``."""
    if fmt == "PNG":
        if len(head) < 24:
            return None
        if head[12:16] != b"IHDR":
            return (0, 0)
        return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    if fmt == "GIF":
        if len(head) < 10:
            return None
        return int.from_bytes(head[6:8], "little"), int.from_bytes(head[8:10], "little")
    if fmt == "JPEG":
        i = 2
        n = len(head)
        while i + 4 <= n:
            if head[i] != 0xFF:
                return (0, 0)  # not a marker where one must be: corrupt
            marker = head[i + 1]
            if marker == 0xFF:  # fill byte
                i += 1
                continue
            if marker in (0x01, *range(0xD0, 0xD8)):  # standalone markers
                i += 2
                continue
            seg = int.from_bytes(head[i + 2 : i + 4], "big")
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                if i + 9 > n:
                    return None
                h = int.from_bytes(head[i + 5 : i + 7], "big")
                w = int.from_bytes(head[i + 7 : i + 9], "big")
                return w, h
            if marker == 0xDA or seg < 2:  # scan before any frame header, or bad length
                return (0, 0)
            i += 2 + seg
        return None
    return None


# --------------------------------------------------------------------------- messages


def _mb(size: int) -> str:
    return f"{math.ceil(size * 10 / MiB) / 10:.1f} MB"


def _msg_too_big(size: int | None) -> str:
    what = f"The file is {_mb(size)}" if size else "The file is larger than 10 MB"
    return f"{what}; the limit is 10 MB. Please upload a smaller photo or scan."


def _msg_not_image(kind: FileKind, what: str) -> str:
    accept = _ACCEPT.format(what=_WHAT[kind])
    if not what:
        return f"This file is not a JPG, GIF or PNG image. {accept}"
    if "picture" in what or "photo" in what:  # an image, but of a type we do not take
        return f"This file is {what}, not a JPG, GIF or PNG image. {accept}"
    return f"This file is {what}, not an image. {accept}"


def _msg_pixels(w: int | None = None, h: int | None = None) -> str:
    limit = f"the limit is {MAX_PIXELS // 1_000_000} megapixels. Please upload a smaller photo or scan."
    if not (w and h):
        return f"The image has too many pixels; {limit}"
    return f"The image is {w} × {h} pixels ({w * h / 1_000_000:,.0f} megapixels); {limit}"


def _msg_corrupt(kind: FileKind) -> str:
    return (
        "This image is damaged or incomplete and cannot be opened. "
        f"Please save or export it again and upload the new file of {_WHAT[kind]}."
    )


def _msg_empty() -> str:
    return "The file is empty (0 bytes). Please choose the photo or scan again and upload it."


def too_wide_message(width: int) -> str:
    return (
        f"The image is {width} px wide; the limit is {MAX_WIDTH} px. "
        "Use “Resize for me” or upload a narrower image."
    )


# --------------------------------------------------------------------------- the spool


class UploadSpool:
    """Receives an upload chunk by chunk and checks it; refuses as early as it can.

    ``feed(chunk)`` raises ``UploadRefused`` as soon as the bytes so far are
    over the limit, not an accepted type, or announce too many pixels; the
    spooled bytes are deleted before it raises.  ``finish()`` runs the
    remaining checks (decode) and returns the checked spool.  Always call
    ``discard()`` when done (it is idempotent), or use it as a context manager.
    """

    def __init__(self, *, kind: FileKind, field: str | None = None, size_hint: int | None = None):
        self.kind = FileKind(kind)
        self.field = field or self.kind.value
        self.size_hint = size_hint
        self._path: Path | None = None
        self._fh = None
        self._sha = hashlib.sha256()
        self._size = 0
        self._head = bytearray()
        self._fmt: str | None = None
        self._dims: tuple[int, int] | None = None
        if size_hint is not None and size_hint > MAX_BYTES:
            self._refuse("too_big", _msg_too_big(size_hint))

    def __enter__(self) -> UploadSpool:
        return self

    def __exit__(self, *exc) -> None:
        self.discard()

    @property
    def size(self) -> int:
        return self._size

    def _refuse(self, reason: str, message: str):
        self.discard()
        raise UploadRefused(self.field, reason, message)

    def discard(self) -> None:
        """Close and delete the spooled bytes (safe to call twice)."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        _unlink(self._path)
        self._path = None
        self._head = bytearray()

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        if self._size + len(chunk) > MAX_BYTES:
            # Over the limit: stop here, before keeping a byte more.
            self._size += len(chunk)
            hint = self.size_hint if self.size_hint and self.size_hint > MAX_BYTES else None
            self._refuse("too_big", _msg_too_big(hint))
        self._size += len(chunk)
        if self._fh is not None:
            self._write(chunk)
            return
        # Until the type and the dimensions are known the bytes stay in memory (at most
        # HEADER_WINDOW and a chunk): a wrong type or a bomb never touches the disk.
        self._head += chunk
        self._check_head(final=False)
        if self._fmt is not None and self._dims is not None:
            self._spill()

    def _spill(self) -> None:
        self._path = _tmp_dir() / f"{secrets.token_urlsafe(18)}.part"
        self._fh = _open_private(self._path)
        self._write(self._head)
        self._head = bytearray()

    def _write(self, data) -> None:
        self._fh.write(data)
        self._sha.update(data)

    def _check_head(self, *, final: bool) -> None:
        head = self._head  # a bytearray, read in place (no copies per chunk)
        if self._fmt is None:
            found = _sniff(head)
            # Our three types are known from 8 bytes; naming anything else needs more.
            if not final and (len(head) < 8 or (found not in _FORMATS and len(head) < 4096)):
                return
            if found not in _FORMATS:
                self._refuse("not_image", _msg_not_image(self.kind, found))
            self._fmt = found
        if self._dims is None:
            dims = _header_dims(self._fmt, head)
            if dims is None:
                if final or len(head) >= HEADER_WINDOW:
                    # Unusually long metadata before the frame header: stop looking here;
                    # finish() still checks Pillow's size before decoding any pixel.
                    self._dims = (-1, -1)
                return
            w, h = dims
            if w <= 0 or h <= 0:
                self._refuse("corrupt", _msg_corrupt(self.kind))
            if w * h > MAX_PIXELS:
                self._refuse("too_many_pixels", _msg_pixels(w, h))
            self._dims = dims

    def finish(self) -> _Checked:
        """All bytes are in: decode-check the file; returns the checked spool."""
        if self._size == 0:
            self._refuse("empty", _msg_empty())
        if self._fh is None:
            self._check_head(final=True)
            self._spill()
        self._fh.close()
        self._fh = None
        try:
            width, height, thumb = _decode_check(self._path, self._fmt)
        except _Pixels as exc:
            self._refuse("too_many_pixels", _msg_pixels(*exc.args))
        except Image.DecompressionBombError:
            self._refuse("too_many_pixels", _msg_pixels())
        except Exception:  # noqa: BLE001 - any decoder failure means a damaged file
            self._refuse("corrupt", _msg_corrupt(self.kind))
        return _Checked(self._path, self._fmt, self._size, self._sha.hexdigest(), width, height, thumb)


class _Pixels(Exception):
    pass


def _displayed(im: Image.Image) -> tuple[int, int]:
    """Size after EXIF orientation (what ImageOps.exif_transpose would give)."""
    w, h = im.size
    try:
        orientation = im.getexif().get(0x0112)
    except Exception:  # noqa: BLE001 - a broken EXIF block just means no rotation
        orientation = None
    return (h, w) if orientation in (5, 6, 7, 8) else (w, h)


def _decode_check(path: Path, fmt: str) -> tuple[int, int, bytes]:
    """Open with Pillow as ``fmt`` only, verify, decode every byte once; (width, height, thumbnail).

    The one decode also makes the thumbnail, so a PNG is decoded once, not twice.
    """
    with Image.open(path, formats=[fmt]) as im:
        if im.format != fmt:
            raise ValueError("format mismatch")
        if im.width * im.height > MAX_PIXELS:
            raise _Pixels(im.width, im.height)
        im.verify()
    with Image.open(path, formats=[fmt]) as im:
        if im.width * im.height > MAX_PIXELS:  # GIF frames may grow the canvas
            raise _Pixels(im.width, im.height)
        displayed = _displayed(im)  # before draft() shrinks the decoded size
        if fmt == "JPEG":
            # Decode at a reduced DCT scale (down to 1/8, never below the thumbnail's
            # size): every byte is still read, so truncation is caught, but memory is
            # a fraction of the full picture.
            scale = min(THUMB_BOX[0] / im.width, THUMB_BOX[1] / im.height, 1.0)
            im.draft(im.mode, (max(1, round(im.width * scale)), max(1, round(im.height * scale))))
        im.load()
    try:
        thumb = _thumbnail(im)
    except Exception:  # noqa: BLE001 - a sound image we cannot shrink is stored without a thumbnail
        thumb = b""
    return displayed[0], displayed[1], thumb


def _source(chunks) -> tuple[Callable[[], bytes | None], int | None]:
    """A pull function over ``chunks`` and the size the source declares, if any.

    Accepts bytes, an iterable of bytes, a sync file-like with ``read(n)``, or an
    object such as ``rx.UploadFile`` whose ``read`` is async but which carries the
    sync ``.file`` (and ``.size``).
    """
    declared = None
    if isinstance(chunks, (bytes, bytearray, memoryview)):
        chunks = [bytes(chunks)]
    read = getattr(chunks, "read", None)
    if read is not None and inspect.iscoroutinefunction(read) and hasattr(chunks, "file"):
        declared = getattr(chunks, "size", None)
        chunks = chunks.file
        read = chunks.read
    if read is not None:
        if declared is None:
            declared = _remaining_size(chunks)
        return (lambda: read(CHUNK)), declared
    it = iter(chunks)
    return (lambda: next(it, None)), declared


def _remaining_size(fh) -> int | None:
    """Bytes left in a regular file behind ``fh`` (without moving it), else None."""
    try:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            return None
        return max(0, st.st_size - fh.tell())
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None


# --------------------------------------------------------------------------- storing


def _thumbnail(im: Image.Image) -> bytes:
    """A JPEG of at most 320 px from a loaded image: orientation applied, transparency on white.

    Shrinks first (in place: the caller is done with ``im``), so no full-size
    copy is made; the square box fits either way round, so rotating after is fine.
    """
    if im.mode in ("1", "P", "PA") and max(im.size) > 4 * max(THUMB_BOX):
        # Pillow resizes palette images by nearest neighbour only: cut them down to
        # a few times the box that way, then convert and finish smoothly.
        im.thumbnail((4 * THUMB_BOX[0], 4 * THUMB_BOX[1]), Image.Resampling.NEAREST)
    if im.mode in ("1", "P", "PA"):
        im = im.convert("RGBA" if im.mode != "1" else "L")
    # reduce() (the fast first step) has no 16-bit or float support: plain resize there.
    gap = None if im.mode.startswith(("I", "F")) else 2.0
    im.thumbnail(THUMB_BOX, Image.Resampling.LANCZOS, reducing_gap=gap)
    im = ImageOps.exif_transpose(im)
    if im.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        # 16-bit grey: scale to 8 bits rather than clipping to white.
        im = im.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    elif im.mode == "F":
        im = im.convert("L")
    if im.mode in ("P", "PA", "LA", "RGBA", "La", "RGBa") or "transparency" in im.info:
        rgba = im.convert("RGBA")
        im = Image.new("RGB", rgba.size, "white")
        im.paste(rgba, mask=rgba.getchannel("A"))
    elif im.mode not in ("RGB", "L"):
        im = im.convert("RGB")  # CMYK, YCbCr
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=82, optimize=True)
    return buf.getvalue()


def _store(
    *, session: Session, owner_id: int, kind: FileKind, checked: _Checked, filename: str, temporary: bool
) -> StoredFile:
    root = files_root()
    key, thumb_key = _new_key(), _new_key()
    path, thumb = root / key, root / thumb_key
    try:
        os.replace(checked.spool_path, path)
        os.chmod(path, 0o600)
        if checked.thumb:
            with _open_private(thumb) as fh:
                fh.write(checked.thumb)
        else:
            thumb_key = ""
        row = StoredFile(
            owner_id=owner_id,
            kind=FileKind(kind),
            storage_key=key,
            thumb_key=thumb_key,
            sha256=checked.sha256,
            content_type=_FORMATS[checked.fmt][0],
            size=checked.size,
            width=checked.width,
            height=checked.height,
            original_name=sanitize_name(filename),
            expires_at=(utcnow() + TEMP_TTL) if temporary else None,
        )
        session.add(row)
        session.flush()
    except BaseException:
        _unlink(checked.spool_path)
        _unlink(path)
        _unlink(thumb)
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
        message=too_wide_message(row.width) if too_wide else "",
        expires_at=row.expires_at,
    )


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
    pull, declared = _source(chunks)
    declared = size_hint if size_hint is not None else declared
    with UploadSpool(kind=kind, field=field, size_hint=declared) as spool:
        while True:
            chunk = pull()
            if not chunk:
                break
            spool.feed(chunk)
        checked = spool.finish()
        row = _store(
            session=session,
            owner_id=owner_id,
            kind=kind,
            checked=checked,
            filename=filename,
            temporary=checked.width > MAX_WIDTH,
        )
    return _result(row)


def store_spool(
    *, session: Session, owner_id: int, spool: UploadSpool, filename: str
) -> UploadResult:
    """Finish and store a spool fed by the caller (e.g. from an async chunk iterator).

    Same promises and errors as ``check_and_store_stream``; discards the spool.
    """
    with spool:
        checked = spool.finish()
        row = _store(
            session=session,
            owner_id=owner_id,
            kind=spool.kind,
            checked=checked,
            filename=filename,
            temporary=checked.width > MAX_WIDTH,
        )
    return _result(row)


def _owned(session: Session, owner_id: int, file_id: int) -> StoredFile:
    row = session.get(StoredFile, int(file_id))
    if row is None or row.owner_id != owner_id:
        raise NotFound("This file is no longer available. Please upload it again.")
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
        raise NotFound("This file is no longer available. Please upload it again.")
    src = _path_for(row.storage_key)
    if not src.exists():
        raise NotFound("This file is no longer available. Please upload it again.")
    fmt = {v[0]: k for k, v in _FORMATS.items()}[row.content_type]
    buf = io.BytesIO()
    with Image.open(src, formats=[fmt]) as im:
        icc = im.info.get("icc_profile")
        target_w = MAX_WIDTH
        disp_w, disp_h = _displayed(im)
        target_h = max(1, round(disp_h * target_w / disp_w))
        if fmt == "JPEG":
            swapped = (disp_w, disp_h) != im.size
            im.draft(im.mode, (target_h, target_w) if swapped else (target_w, target_h))
        im = ImageOps.exif_transpose(im)
        if im.mode in ("P", "PA") or (fmt == "GIF") or im.mode == "1":
            im = im.convert("RGBA")
        out = im.resize((target_w, target_h), Image.Resampling.LANCZOS)
        opts: dict = {}
        if icc and fmt in ("JPEG", "PNG"):
            opts["icc_profile"] = icc
        if fmt == "JPEG":
            if out.mode not in ("RGB", "L", "CMYK"):
                out = out.convert("RGB")
            out.save(buf, "JPEG", quality=90, optimize=True, **opts)
        elif fmt == "PNG":
            out.save(buf, "PNG", optimize=False, **opts)
        else:
            out.save(buf, "GIF")
    result = check_and_store_stream(
        session=session,
        owner_id=owner_id,
        kind=FileKind(row.kind),
        chunks=buf.getvalue(),
        filename=row.original_name,
    )
    _delete(session, row)
    session.flush()
    return result


def require_usable(
    *, session: Session, owner_id: int, file_id: int, kind: FileKind | None = None
) -> StoredFile:
    """The caller's permanent file ``file_id`` (of ``kind`` if given), for attaching to a record.

    Raises ``NotFound`` for another user's file, a missing one, a temporary
    (too-wide) one, or one of another kind.
    """
    row = _owned(session, owner_id, file_id)
    if row.expires_at is not None or (kind is not None and FileKind(row.kind) != FileKind(kind)):
        raise NotFound("This file is no longer available. Please upload it again.")
    return row


def _delete(session: Session, row: StoredFile) -> None:
    keys = [row.storage_key, row.thumb_key]
    session.delete(row)
    session.flush()
    root = files_root()
    for key in keys:
        if key and _KEY_RE.match(key):
            _unlink(root / key)


def _referenced_ids(session: Session) -> set[int]:
    ids: set[int] = set()
    columns = (RegisteredProduct.invoice_file_id, Redemption.invoice_file_id, Redemption.serial_photo_file_id)
    for col in columns:
        ids.update(i for i in session.exec(select(col).where(col.is_not(None))).all())
    return ids


def sweep_expired(*, session: Session, now: datetime | None = None) -> int:
    """Delete temporary files past their expiry (file, thumbnail and row); returns how many.

    A temporary file that some record references anyway is left alone.  Also
    removes spool leftovers older than an hour (a crashed upload).  Flushes;
    the caller commits.
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
    cutoff = time.time() - TEMP_TTL.total_seconds()
    for leftover in _tmp_dir().glob("*.part"):
        try:
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink()
        except FileNotFoundError:
            pass
    return count


# --------------------------------------------------------------------------- access


def can_view(*, session: Session, user_id: int, file_id: int) -> bool:
    """True when ``user_id`` owns the file or is a reviewer or an admin."""
    row = session.get(StoredFile, int(file_id))
    user = session.get(User, int(user_id)) if user_id is not None else None
    if row is None or user is None:
        return False
    return row.owner_id == user.id or Role(user.role) in (Role.reviewer, Role.admin)


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
    return f"/files/{token}"


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
    if not can_view(session=session, user_id=user_id, file_id=file_id):
        raise NotFound("This link is not valid.")
    row = session.get(StoredFile, file_id)
    if row.expires_at is not None and row.expires_at <= utcnow():
        raise NotFound("This link is not valid.")
    key = row.thumb_key if thumb else row.storage_key
    path = _path_for(key)
    if not path.is_file():
        raise NotFound("This link is not valid.")
    name = row.original_name or "upload"
    if thumb:
        return path, "image/jpeg", f"thumb-{Path(name).stem or 'upload'}.jpg"
    return path, row.content_type, name


def path_of(*, session: Session, file_id: int) -> Path:
    """The private path of a stored file (for server-side readers such as OCR)."""
    row = session.get(StoredFile, int(file_id))
    if row is None:
        raise NotFound("This file is not available.")
    return _path_for(row.storage_key)


__all__ = [
    "MAX_BYTES",
    "MAX_PIXELS",
    "MAX_WIDTH",
    "UploadRefused",
    "UploadResult",
    "UploadSpool",
    "can_view",
    "check_and_store_stream",
    "files_root",
    "open_for_token",
    "path_of",
    "require_usable",
    "resize_for_me",
    "sanitize_name",
    "signed_url",
    "store_spool",
    "sweep_expired",
    "too_wide_message",
]
