"""Image bytes: what a file really is, its size in pixels, a decode check, thumbnails and resizing.

Checked by content, not by name: JPEG, GIF or PNG by magic bytes *and* by
Pillow's own detection (``sniff`` names anything else: "a PDF document", ...).
Decompression bombs are refused from the header (``header_dims``) before any
pixel is decoded; ``decode_check`` verifies and decodes every byte once and
makes the thumbnail from that decode.  Also the refusal (``UploadRefused``) and
the texts shown under an upload field.  No storage and no database here
(see ``file_store``).
"""

from __future__ import annotations

import io
import math
from pathlib import Path

from PIL import Image, ImageOps

from rxapp.models import FileKind
from rxapp.services.errors import FieldErrors

MiB = 1024 * 1024
MAX_BYTES = 10 * MiB
MAX_WIDTH = 1600
MAX_PIXELS = 40_000_000
THUMB_BOX = (320, 320)
# Enough bytes to find the dimensions of any sane file (JPEG EXIF can be 64 KB+).
HEADER_WINDOW = 512 * 1024

FORMATS = {  # Pillow format -> (content type, extension)
    "JPEG": ("image/jpeg", ".jpg"),
    "PNG": ("image/png", ".png"),
    "GIF": ("image/gif", ".gif"),
}
_WHAT = {
    FileKind.invoice: "your invoice",
    FileKind.serial_photo: "the serial number sticker",
}
_ACCEPT = "Please upload a JPG, GIF or PNG picture of {what}."


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


# --------------------------------------------------------------------------- sniffing


def sniff(head: bytes) -> str:
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


def header_dims(fmt: str, head: bytes) -> tuple[int, int] | None:
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


def too_big_message(size: int | None) -> str:
    what = f"The file is {_mb(size)}" if size else "The file is larger than 10 MB"
    return f"{what}; the limit is 10 MB. Please upload a smaller photo or scan."


def one_file_message(kind: FileKind) -> str:
    return f"Please choose one file at a time: one JPG, GIF or PNG picture of {_WHAT[kind]}."


def not_image_message(kind: FileKind, what: str) -> str:
    accept = _ACCEPT.format(what=_WHAT[kind])
    if not what:
        return f"This file is not a JPG, GIF or PNG image. {accept}"
    if "picture" in what or "photo" in what:  # an image, but of a type we do not take
        return f"This file is {what}, not a JPG, GIF or PNG image. {accept}"
    return f"This file is {what}, not an image. {accept}"


def pixels_message(w: int | None = None, h: int | None = None) -> str:
    limit = f"the limit is {MAX_PIXELS // 1_000_000} megapixels. Please upload a smaller photo or scan."
    if not (w and h):
        return f"The image has too many pixels; {limit}"
    return f"The image is {w} × {h} pixels ({w * h / 1_000_000:,.0f} megapixels); {limit}"


def corrupt_message(kind: FileKind) -> str:
    return (
        "This image is damaged or incomplete and cannot be opened. "
        f"Please save or export it again and upload the new file of {_WHAT[kind]}."
    )


def empty_message() -> str:
    return "The file is empty (0 bytes). Please choose the photo or scan again and upload it."


def too_wide_message(width: int) -> str:
    return (
        f"The image is {width} px wide; the limit is {MAX_WIDTH} px. "
        "Use “Resize for me” or upload a narrower image."
    )


# --------------------------------------------------------------------------- decoding


class TooManyPixels(Exception):
    pass


def displayed_size(im: Image.Image) -> tuple[int, int]:
    """Size after EXIF orientation (what ImageOps.exif_transpose would give)."""
    w, h = im.size
    try:
        orientation = im.getexif().get(0x0112)
    except Exception:  # noqa: BLE001 - a broken EXIF block just means no rotation
        orientation = None
    return (h, w) if orientation in (5, 6, 7, 8) else (w, h)


def decode_check(path: Path, fmt: str) -> tuple[int, int, bytes]:
    """Open with Pillow as ``fmt`` only, verify, decode every byte once; (width, height, thumbnail).

    The one decode also makes the thumbnail, so a PNG is decoded once, not twice.
    """
    with Image.open(path, formats=[fmt]) as im:
        if im.format != fmt:
            raise ValueError("format mismatch")
        if im.width * im.height > MAX_PIXELS:
            raise TooManyPixels(im.width, im.height)
        im.verify()
    with Image.open(path, formats=[fmt]) as im:
        if im.width * im.height > MAX_PIXELS:  # GIF frames may grow the canvas
            raise TooManyPixels(im.width, im.height)
        displayed = displayed_size(im)  # before draft() shrinks the decoded size
        if fmt == "JPEG":
            # Decode at a reduced DCT scale (down to 1/8, never below the thumbnail's
            # size): every byte is still read, so truncation is caught, but memory is
            # a fraction of the full picture.
            scale = min(THUMB_BOX[0] / im.width, THUMB_BOX[1] / im.height, 1.0)
            im.draft(im.mode, (max(1, round(im.width * scale)), max(1, round(im.height * scale))))
        im.load()
    try:
        thumb = thumbnail(im)
    except Exception:  # noqa: BLE001 - a sound image we cannot shrink is stored without a thumbnail
        thumb = b""
    return displayed[0], displayed[1], thumb


def thumbnail(im: Image.Image) -> bytes:
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


def resized_to_max_width(src: Path, content_type: str) -> bytes:
    """The image at ``src`` scaled to ``MAX_WIDTH`` px wide, same format, EXIF orientation applied.

    Keeps the aspect ratio and the ICC profile, drops the rest of the EXIF (e.g.
    GPS); an animated GIF keeps only its first frame.
    """
    fmt = {v[0]: k for k, v in FORMATS.items()}[content_type]
    buf = io.BytesIO()
    with Image.open(src, formats=[fmt]) as im:
        icc = im.info.get("icc_profile")
        target_w = MAX_WIDTH
        disp_w, disp_h = displayed_size(im)
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
    return buf.getvalue()
