"""Receiving an upload: ``UploadSpool`` takes it chunk by chunk and refuses it as early as it can.

The size is enforced while reading (at most ``images.MAX_BYTES``; a declared
size over it is refused before anything is read).  Until the type and the
dimensions are known the bytes stay in memory; then they are spooled to the
private ``tmp`` folder, never held whole in memory.  Nothing of a refused
upload is kept.  ``pull_chunks`` turns bytes, an iterable, a file or an
``rx.UploadFile`` into chunks.
"""

from __future__ import annotations

import hashlib
import inspect
import io
import os
import secrets
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from rxapp.models import FileKind
from rxapp.services import file_folder, images
from rxapp.services.images import UploadRefused

CHUNK = 256 * 1024


@dataclass(frozen=True)
class CheckedUpload:
    """A spooled file that passed every check."""

    spool_path: Path
    fmt: str
    size: int
    sha256: str
    width: int  # displayed (after EXIF orientation)
    height: int
    thumb: bytes  # the JPEG thumbnail, made from the checking decode


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
        if size_hint is not None and size_hint > images.MAX_BYTES:
            self._refuse("too_big", images.too_big_message(size_hint))

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
        file_folder.unlink(self._path)
        self._path = None
        self._head = bytearray()

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        if self._size + len(chunk) > images.MAX_BYTES:
            # Over the limit: stop here, before keeping a byte more.
            self._size += len(chunk)
            hint = self.size_hint if self.size_hint and self.size_hint > images.MAX_BYTES else None
            self._refuse("too_big", images.too_big_message(hint))
        self._size += len(chunk)
        if self._fh is not None:
            self._write(chunk)
            return
        # Until the type and the dimensions are known the bytes stay in memory (at most
        # images.HEADER_WINDOW and a chunk): a wrong type or a bomb never touches the disk.
        self._head += chunk
        self._check_head(final=False)
        if self._fmt is not None and self._dims is not None:
            self._spill()

    def _spill(self) -> None:
        self._path = file_folder.tmp_dir() / f"{secrets.token_urlsafe(18)}.part"
        self._fh = file_folder.open_private(self._path)
        self._write(self._head)
        self._head = bytearray()

    def _write(self, data) -> None:
        self._fh.write(data)
        self._sha.update(data)

    def _check_head(self, *, final: bool) -> None:
        head = self._head  # a bytearray, read in place (no copies per chunk)
        if self._fmt is None:
            found = images.sniff(head)
            # Our three types are known from 8 bytes; naming anything else needs more.
            if not final and (len(head) < 8 or (found not in images.FORMATS and len(head) < 4096)):
                return
            if found not in images.FORMATS:
                self._refuse("not_image", images.not_image_message(self.kind, found))
            self._fmt = found
        if self._dims is None:
            dims = images.header_dims(self._fmt, head)
            if dims is None:
                if final or len(head) >= images.HEADER_WINDOW:
                    # Unusually long metadata before the frame header: stop looking here;
                    # finish() still checks Pillow's size before decoding any pixel.
                    self._dims = (-1, -1)
                return
            w, h = dims
            if w <= 0 or h <= 0:
                self._refuse("corrupt", images.corrupt_message(self.kind))
            if w * h > images.MAX_PIXELS:
                self._refuse("too_many_pixels", images.pixels_message(w, h))
            self._dims = dims

    def finish(self) -> CheckedUpload:
        """All bytes are in: decode-check the file; returns the checked spool."""
        if self._size == 0:
            self._refuse("empty", images.empty_message())
        if self._fh is None:
            self._check_head(final=True)
            self._spill()
        self._fh.close()
        self._fh = None
        try:
            width, height, thumb = images.decode_check(self._path, self._fmt)
        except images.TooManyPixels as exc:
            self._refuse("too_many_pixels", images.pixels_message(*exc.args))
        except Image.DecompressionBombError:
            self._refuse("too_many_pixels", images.pixels_message())
        except Exception:  # noqa: BLE001 - any decoder failure means a damaged file
            self._refuse("corrupt", images.corrupt_message(self.kind))
        return CheckedUpload(self._path, self._fmt, self._size, self._sha.hexdigest(), width, height, thumb)


def pull_chunks(chunks) -> tuple[Callable[[], bytes | None], int | None]:
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
