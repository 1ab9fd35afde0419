"""What a picture says about itself, kept with its file when it is read: a perceptual hash and an editor.

* ``perceptual_hash`` - a 256-bit pHash (``imagehash``) of the picture turned upright, in grey, trimmed
  to its ink (so a crop of the paper's margin changes nothing): two
  copies of one invoice (re-saved as JPEG, scaled, lightly cropped) lie a few bits apart, two different
  invoices dozens.  ``distance`` counts the differing bits; ``NEAR`` is the most that still counts as
  "the same picture" (measured in ``bench/bench_risk.py``'s corpus).
* ``editing_software`` - the program the metadata names when it is an image editor (EXIF Software,
  XMP CreatorTool, a PNG's Software text), e.g. "Adobe Photoshop 25.0"; "" for cameras, scanners and
  plain encoders.
"""

from __future__ import annotations

import io
import re

import imagehash
from PIL import Image, ImageOps

HASH_SIZE = 16  # 16 × 16 = 256 bits, 64 hex digits
NEAR = 40  # of 256 bits: re-saved/scaled/5 % cropped copies measure < 30, distinct invoices > 70
EDITORS = re.compile(r"photoshop|gimp|affinity|pixelmator|paint\.net|lightroom|snapseed|picsart|canva|"
                     r"photopea|krita|corel|fotor|inkscape", re.I)
_EXIF_SOFTWARE = 0x0131


def perceptual_hash(data: bytes) -> str:
    """The picture's pHash as 64 hex digits ("" when it cannot be decoded)."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.draft("L", (512, 512))  # JPEG: decode at a fraction of the size, plenty for 32 × 32
            upright = ImageOps.exif_transpose(im).convert("L")
            return str(imagehash.phash(_content(upright), hash_size=HASH_SIZE))
    except Exception:  # noqa: BLE001 - a picture we cannot decode has no hash
        return ""


def _content(grey: Image.Image) -> Image.Image:
    """The part of the picture with ink on it: a crop that only trims the paper's margin changes nothing."""
    small = grey.copy()
    small.thumbnail((600, 600))
    ink = small.point(lambda v: 255 if v < 160 else 0).getbbox()
    if not ink:
        return small
    x0, y0, x1, y1 = ink
    if (x1 - x0) * (y1 - y0) < 0.05 * small.width * small.height:
        return small  # a speck of ink: keep the whole picture
    return small.crop(ink)


def distance(a: str, b: str) -> int:
    """Bits that differ between two hashes (a large number when either is missing)."""
    if not a or not b or len(a) != len(b):
        return 1 << 16
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def editing_software(data: bytes) -> str:
    """The image editor named in the picture's metadata, or ""."""
    names: list[str] = []
    try:
        with Image.open(io.BytesIO(data)) as im:
            software = im.getexif().get(_EXIF_SOFTWARE)
            if software:
                names.append(str(software))
            for key in ("Software", "software"):
                if isinstance(im.info.get(key), str):
                    names.append(im.info[key])
            xmp = im.info.get("xmp") or im.info.get("XML:com.adobe.xmp") or b""
            if isinstance(xmp, bytes):
                xmp = xmp.decode("utf-8", "replace")
            m = re.search(r"CreatorTool(?:>|=\")([^<\"]{1,80})", xmp or "")
            if m:
                names.append(m.group(1))
    except Exception:  # noqa: BLE001 - unreadable metadata says nothing
        return ""
    for name in names:
        if EDITORS.search(name):
            return name.strip()[:80]
    return ""
