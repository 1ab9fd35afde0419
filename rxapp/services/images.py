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

import functools
import math
from pathlib import Path

from PIL import Image

from rxapp.i18n import N_, _
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
# What to upload, one whole sentence per kind of file (a translation words each sentence its own way).
_ACCEPT = {
    FileKind.invoice: N_("Please upload a JPG, GIF or PNG picture of your invoice."),
    FileKind.serial_photo: N_("Please upload a JPG, GIF or PNG picture of the serial number sticker."),
}
_ONE_FILE = {
    FileKind.invoice: N_("Please choose one file at a time: one JPG, GIF or PNG picture of your invoice."),
    FileKind.serial_photo: N_(
        "Please choose one file at a time: one JPG, GIF or PNG picture of the serial number sticker."),
}
_CORRUPT = {
    FileKind.invoice: N_("This image is damaged or incomplete and cannot be opened. "
                         "Please save or export it again and upload the new file of your invoice."),
    FileKind.serial_photo: N_("This image is damaged or incomplete and cannot be opened. "
                              "Please save or export it again and upload the new file of the serial number sticker."),
}


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
        return N_("a PDF document")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return N_("a WebP picture")
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"mif1", b"msf1", b"hevc", b"heim", b"heis"):
            return N_("a HEIC photo (the iPhone format)")
        if brand in (b"avif", b"avis"):
            return N_("an AVIF picture")
        return N_("a video or HEIC file")
    if head[:2] == b"BM":
        return N_("a BMP picture")
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return N_("a TIFF picture")
    if head[:4] == b"PK\x03\x04":
        return N_("a ZIP archive or Office document")
    if head[:2] == b"MZ" or head[:4] == b"\x7fELF":
        return N_("a program")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return N_("an Office document")
    if head[:4] == b"8BPS":
        return N_("a Photoshop file")
    text = head[:4096].lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").lower()
    if b"<svg" in head[:4096].lower():
        return N_("an SVG drawing")
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<meta")):
        return N_("a web page (HTML)")
    if text.startswith((b"<?xml", b"<")):
        return N_("an XML or web document")
    try:
        head[:4096].decode("utf-8")
        return N_("a text file")
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
    if size:
        return _("The file is {size}; the limit is 10 MB. Please upload a smaller photo or scan.").format(
            size=_mb(size))
    return _("The file is larger than 10 MB; the limit is 10 MB. Please upload a smaller photo or scan.")


def one_file_message(kind: FileKind) -> str:
    return _(_ONE_FILE[kind])


def not_image_message(kind: FileKind, what: str) -> str:
    """``what``: ``sniff``'s English description ("a PDF document"), shown in the current language."""
    accept = _(_ACCEPT[kind])
    if not what:
        return _("This file is not a JPG, GIF or PNG image. {accept}").format(accept=accept)
    if "picture" in what or "photo" in what:  # an image, but of a type we do not take
        return _("This file is {what}, not a JPG, GIF or PNG image. {accept}").format(what=_(what), accept=accept)
    return _("This file is {what}, not an image. {accept}").format(what=_(what), accept=accept)


def pixels_message(w: int | None = None, h: int | None = None) -> str:
    limit = MAX_PIXELS // 1_000_000
    if not (w and h):
        return _("The image has too many pixels; the limit is {limit} megapixels. "
                 "Please upload a smaller photo or scan.").format(limit=limit)
    return _("The image is {width} × {height} pixels ({megapixels} megapixels); the limit is {limit} megapixels. "
             "Please upload a smaller photo or scan.").format(
        width=w, height=h, megapixels=f"{w * h / 1_000_000:,.0f}", limit=limit)


def corrupt_message(kind: FileKind) -> str:
    return _(_CORRUPT[kind])


def empty_message() -> str:
    return _("The file is empty (0 bytes). Please choose the photo or scan again and upload it.")


def too_wide_message(width: int) -> str:
    return _(
        "The image is {width} px wide; the limit is {limit} px. Use “Resize for me” or upload a narrower image."
    ).format(width=width, limit=MAX_WIDTH)


# --------------------------------------------------------------------------- decoding
#
# Pillow reads what a file says about itself (format, size, EXIF orientation, chunk CRCs)
# without decoding a pixel.  The pixels are decoded by libvips (``pyvips``): it streams an
# image through in strips, from the file to the thumbnail or the 1600 px copy, so a
# 6000 × 6000 PNG costs a few MB instead of the 108 MB of a whole decoded picture (and the
# 200 MB more of a full-size resize).  JPEGs are decoded at a reduced DCT scale where it
# can (as Pillow's draft did); every byte is still read once, so damage is caught.


class TooManyPixels(Exception):
    pass


@functools.cache
def _vips():
    """pyvips, set up once: no operation cache (a decoded image is not kept after its request) and one
    thread per image (the handlers' CPU pool already runs one image per core)."""
    # Lazy: importing pyvips loads libvips (a native library) and sets it up; done once, on the first image.
    import pyvips

    pyvips.cache_set_max(0)
    pyvips.concurrency_set(1)
    return pyvips


def displayed_size(im: Image.Image) -> tuple[int, int]:
    """Size after EXIF orientation (what ImageOps.exif_transpose would give), from the header alone.

    A PNG's orientation counts when its eXIf chunk comes before the pixels (where Pillow writes it, and
    where libvips, which draws the thumbnail and the resized copy, reads it): looking for one after the
    pixels would make Pillow decode the whole picture.
    """
    w, h = im.size
    if im.format == "PNG" and "exif" not in im.info:
        return w, h
    try:
        orientation = im.getexif().get(0x0112)
    except Exception:  # noqa: BLE001 - a broken EXIF block just means no rotation
        orientation = None
    return (h, w) if orientation in (5, 6, 7, 8) else (w, h)


def decode_check(path: Path, fmt: str) -> tuple[int, int, bytes]:
    """Open with Pillow as ``fmt`` only and verify; decode every byte once; (width, height, thumbnail).

    The one decode (streamed by libvips) also makes the thumbnail.  Raises
    ``TooManyPixels``, or any other exception for a damaged file.
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
        displayed = displayed_size(im)
    return displayed[0], displayed[1], thumbnail(path, fmt)


def _decoded(path: Path, fmt: str, width: int, height: int, *, fit: bool):
    """The image at ``path`` decoded in strips, fitted to ``width`` × ``height`` as displayed, then turned
    upright by its EXIF orientation.

    ``fit``: keep the aspect ratio and never enlarge (else exactly that size).  A JPEG is decoded at
    1/2, 1/4 or 1/8 of its size where that is still no smaller than the result (libjpeg's DCT scaling,
    as Pillow's draft did).  A truncated or damaged file raises ``pyvips.Error`` once the pixels are
    read (by the caller's save).
    """
    vips = _vips()
    opts = {"access": "sequential", "fail_on": "truncated"}
    im = vips.Image.new_from_file(str(path), **opts)  # the header; pixels are read as the result is written
    orientation = im.get("orientation") if im.get_typeof("orientation") else 1
    box_w, box_h = (height, width) if orientation in (5, 6, 7, 8) else (width, height)  # the box, as stored
    if fit:
        scale = min(box_w / im.width, box_h / im.height, 1.0)
        box_w, box_h = max(1, round(im.width * scale)), max(1, round(im.height * scale))
    if fmt == "JPEG":
        shrink = next((s for s in (8, 4, 2) if im.width // s >= box_w and im.height // s >= box_h), 1)
        if shrink > 1:
            im = vips.Image.new_from_file(str(path), shrink=shrink, **opts)
    if (im.width, im.height) != (box_w, box_h):
        alpha, band_format = im.hasalpha(), im.format
        if alpha:  # resample colour weighted by its opacity, or transparent pixels bleed into the edges
            im = im.premultiply()
        # A box filter down to twice the result first, then Lanczos (Pillow's reducing_gap=2): faster, and it
        # holds fewer full-width lines than one Lanczos pass over a large reduction.
        kx, ky = im.width // (2 * box_w), im.height // (2 * box_h)
        if kx >= 2 or ky >= 2:
            im = im.shrink(max(1, kx), max(1, ky))
        im = im.resize(box_w / im.width, vscale=box_h / im.height, kernel="lanczos3")
        if alpha:
            im = im.unpremultiply().cast(band_format)
        if (im.width, im.height) != (box_w, box_h):  # a rounding pixel either way
            im = im.gravity("centre", box_w, box_h, extend="copy")
    if orientation != 1:
        # Turned once it is small: the result is made in memory (a turn reads its input out of order),
        # never the full-size picture.
        im = im.copy_memory().autorot()
    return im


def thumbnail(path: Path, fmt: str) -> bytes:
    """A JPEG of at most 320 px of the image at ``path``: orientation applied, transparency on white,
    16-bit scaled to 8 bits, CMYK to RGB."""
    im = _decoded(path, fmt, THUMB_BOX[0], THUMB_BOX[1], fit=True)
    grey = im.interpretation in ("b-w", "grey16")
    im = im.colourspace("b-w" if grey else "srgb")  # 8 bits a band (16-bit scaled, not clipped)
    if im.hasalpha():
        im = im.flatten(background=[255] * (im.bands - 1))
    return im.jpegsave_buffer(Q=82, optimize_coding=True, keep="none")


def resized_to_max_width(src: Path, content_type: str) -> bytes:
    """The image at ``src`` scaled to ``MAX_WIDTH`` px wide, same format, EXIF orientation applied.

    Keeps the aspect ratio and the ICC profile, drops the rest of the EXIF (e.g.
    GPS); an animated GIF keeps only its first frame.
    """
    fmt = {v[0]: k for k, v in FORMATS.items()}[content_type]
    with Image.open(src, formats=[fmt]) as im:  # the header only
        disp_w, disp_h = displayed_size(im)
    target_h = max(1, round(disp_h * MAX_WIDTH / disp_w))
    out = _decoded(src, fmt, MAX_WIDTH, target_h, fit=False)
    if fmt == "JPEG":
        # 4:2:0 chroma as Pillow saved it (libvips keeps full chroma from Q 90 up: a third larger).
        return out.jpegsave_buffer(Q=90, optimize_coding=True, subsample_mode="on", keep="icc")
    if fmt == "PNG":
        return out.pngsave_buffer(keep="icc")
    return out.gifsave_buffer(keep="none")
