"""The upload test corpus, generated at test time (no binary blobs in git).

``build(dir)`` writes every case into ``dir`` and returns them.  Each case
names the file as a customer would upload it and what the check must answer:
a refusal ``reason`` (with a piece of its message), ``"too_wide"`` (kept
temporarily for "Resize for me") or ``"ok"``.

Images come from Pillow; the few files Pillow cannot make on purpose (a
20000 × 20000 PNG without 400 MB of pixels in memory, a patched JPEG frame
header, a PDF, HTML, SVG …) are written byte by byte here.
"""

from __future__ import annotations

import io
import random
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

MiB = 1024 * 1024


@dataclass(frozen=True)
class Case:
    name: str  # the file name the customer uploads
    path: Path
    expect: str  # a refusal reason, "too_wide" or "ok"
    says: str = ""  # a piece of the message (refusals and too_wide)
    width: int = 0  # expected displayed width (ok / too_wide)
    height: int = 0
    fmt: str = ""  # "JPEG" / "PNG" / "GIF" for accepted files


# --------------------------------------------------------------------------- makers


def noisy(size: tuple[int, int], mode: str = "RGB", seed: int = 1) -> Image.Image:
    """Random pixels: photographs compress about as badly."""
    rnd = random.Random(seed)
    bands = len(Image.new(mode, (1, 1)).getbands())
    return Image.frombytes(mode, size, rnd.randbytes(size[0] * size[1] * bands))


def gradient(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """A smooth picture with some structure (compresses well)."""
    g = Image.linear_gradient("L").resize(size)
    if mode == "L":
        return g
    r = Image.linear_gradient("L").rotate(90).resize(size)
    b = g.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return Image.merge("RGB", (g, r, b)).convert(mode)


def encode(im: Image.Image, fmt: str, **opts) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **opts)
    return buf.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def write_flat_png(path: Path, width: int, height: int) -> None:
    """A valid 1-bit greyscale PNG of any size, streamed: 20000 × 20000 is ~50 KB on disk."""
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    comp = zlib.compressobj(9)
    parts = []
    rows_per_block = max(1, (4 * MiB) // len(row))
    done = 0
    while done < height:
        n = min(rows_per_block, height - done)
        parts.append(comp.compress(row * n))
        done += n
    parts.append(comp.flush())
    with open(path, "wb") as fh:
        fh.write(b"\x89PNG\r\n\x1a\n")
        fh.write(_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)))
        fh.write(_chunk(b"IDAT", b"".join(parts)))
        fh.write(_chunk(b"IEND", b""))


def patch_jpeg_size(data: bytes, width: int, height: int) -> bytes:
    """The same JPEG with its frame header claiming another size."""
    i = 2
    while i < len(data):
        marker = data[i + 1]
        seg = int.from_bytes(data[i + 2 : i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return data[: i + 5] + struct.pack(">HH", height, width) + data[i + 9 :]
        i += 2 + seg
    raise ValueError("no frame header")


def with_orientation(im: Image.Image, orientation: int, **opts) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(im, "JPEG", exif=exif, quality=85, **opts)


def animated_gif(size: tuple[int, int], frames: int = 3) -> bytes:
    imgs = [Image.new("RGB", size, c).convert("P") for c in ("red", "green", "blue", "white")[:frames]]
    return encode(imgs[0], "GIF", save_all=True, append_images=imgs[1:], duration=100, loop=0)


def palette_alpha_png(size: tuple[int, int]) -> bytes:
    im = Image.new("P", size, 0)
    im.putpalette([0, 0, 0, 255, 0, 0, 0, 0, 255] + [0] * (256 * 3 - 9))
    for x in range(0, size[0], 4):
        im.putpixel((x, size[1] // 2), 1)
    return encode(im, "PNG", transparency=0)


def png16(size: tuple[int, int]) -> bytes:
    g = Image.linear_gradient("L").resize(size).convert("I").point(lambda v: v * 257)
    data = encode(g.convert("I;16"), "PNG")
    assert Image.open(io.BytesIO(data)).mode == "I;16"
    return data


# --------------------------------------------------------------------------- the corpus


PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
HTML = b"<!DOCTYPE html>\n<html><head><title>Invoice</title></head><body><script>alert(1)</script></body></html>\n"
SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><script>alert(1)</script>'
    b'<rect width="100" height="100" fill="red"/></svg>\n'
)
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64


def build(dest: Path, *, big: bool = True) -> list[Case]:
    """Write the corpus into ``dest``; ``big=False`` skips the 11 MB file."""
    dest.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []

    def add(name: str, data: bytes, expect: str, says: str = "", **kw) -> Case:
        path = dest / name
        path.write_bytes(data)
        case = Case(name=name, path=path, expect=expect, says=says, **kw)
        cases.append(case)
        return case

    photo = encode(noisy((800, 600)), "PNG")
    jpeg = encode(gradient((1200, 900)), "JPEG", quality=90)

    # ---- bad files: each refused with its own message
    add("empty.png", b"", "empty", "The file is empty")
    add("truncated.png", photo[: len(photo) * 6 // 10], "corrupt", "damaged or incomplete")
    add("truncated.jpg", jpeg[: len(jpeg) // 2], "corrupt", "damaged or incomplete")
    bad_crc = bytearray(photo)
    bad_crc[len(bad_crc) // 2] ^= 0xFF  # a flipped byte inside IDAT: the chunk CRC no longer matches
    add("bad_crc.png", bytes(bad_crc), "corrupt", "damaged or incomplete")
    add("magic_then_junk.png", b"\x89PNG\r\n\x1a\n" + random.Random(3).randbytes(2000), "corrupt", "damaged or incomplete")
    zero = bytearray(encode(gradient((64, 64)), "PNG"))
    zero[16:20] = b"\x00\x00\x00\x00"  # IHDR width 0
    add("zero_width.png", bytes(zero), "corrupt", "damaged or incomplete")
    add("page.png", HTML, "not_image", "This file is a web page (HTML), not an image.")
    add("drawing.png", SVG, "not_image", "This file is an SVG drawing, not an image.")
    add(
        "invoice.png",
        PDF,
        "not_image",
        "This file is a PDF document, not an image. Please upload a JPG, GIF or PNG picture of your invoice.",
    )
    add("photo.jpg", encode(gradient((200, 100)), "WEBP"), "not_image", "This file is a WebP picture, not a JPG, GIF or PNG image.")
    add("scan.png", encode(gradient((200, 100)), "BMP"), "not_image", "This file is a BMP picture")
    add("scan.jpg", encode(gradient((200, 100)), "TIFF"), "not_image", "This file is a TIFF picture")
    add("IMG_0001.jpg", HEIC, "not_image", "HEIC photo")
    add("notes.jpg", b"Invoice 2021-12-01\nTotal: 199.00 USD\n", "not_image", "This file is a text file, not an image.")
    add("invoice.docx.png", b"PK\x03\x04" + b"\x14\x00" * 40, "not_image", "a ZIP archive or Office document")
    noise = random.Random(7).randbytes(5000)
    add("random.jpg", b"\x00" + noise, "not_image", "This file is not a JPG, GIF or PNG image.")
    bomb = dest / "bomb_20000.png"
    write_flat_png(bomb, 20000, 20000)
    cases.append(
        Case("bomb_20000.png", bomb, "too_many_pixels", "20000 × 20000 pixels (400 megapixels); the limit is 40 megapixels")
    )
    add("bomb.jpg", patch_jpeg_size(jpeg, 30000, 30000), "too_many_pixels", "30000 × 30000 pixels")
    gif = bytearray(encode(Image.new("P", (10, 10)), "GIF"))
    gif[6:10] = struct.pack("<HH", 65535, 65535)
    add("bomb.gif", bytes(gif), "too_many_pixels", "65535 × 65535 pixels")
    if big:
        # 11.2 MB: a real JPEG followed by padding (decoders ignore bytes after EOI).
        size = int(11.15 * MiB)
        add(
            "big_11mb.jpg",
            jpeg + b"\x00" * (size - len(jpeg)),
            "too_big",
            "The file is 11.2 MB; the limit is 10 MB. Please upload a smaller photo or scan.",
        )

    # ---- too wide: kept for an hour, offered "Resize for me"
    add("wide_1601.gif", encode(gradient((1601, 200)).convert("P"), "GIF"), "too_wide", "1601 px wide", width=1601, height=200, fmt="GIF")
    add("wide_2400.jpg", encode(gradient((2400, 1200)), "JPEG", quality=85), "too_wide", "2400 px wide", width=2400, height=1200, fmt="JPEG")
    add("portrait_rotated_wide.jpg", with_orientation(gradient((1200, 2000)), 6), "too_wide", "2000 px wide", width=2000, height=1200, fmt="JPEG")
    add("wide_cmyk.jpg", encode(gradient((2000, 500), "CMYK"), "JPEG"), "too_wide", "2000 px wide", width=2000, height=500, fmt="JPEG")
    add("wide_16bit.png", png16((2000, 300)), "too_wide", "2000 px wide", width=2000, height=300, fmt="PNG")
    add("wide_palette.png", palette_alpha_png((1800, 200)), "too_wide", "1800 px wide", width=1800, height=200, fmt="PNG")
    add("wide_animated.gif", animated_gif((2000, 100)), "too_wide", "2000 px wide", width=2000, height=100, fmt="GIF")

    # ---- good edge cases
    add("cmyk.jpg", encode(gradient((1200, 800), "CMYK"), "JPEG", quality=90), "ok", width=1200, height=800, fmt="JPEG")
    # Stored 2000 × 1200 (too wide as stored) but EXIF says rotate 90°: displayed 1200 wide.
    add("portrait_exif.jpg", with_orientation(gradient((2000, 1200)), 6), "ok", width=1200, height=2000, fmt="JPEG")
    add("animated.gif", animated_gif((400, 300)), "ok", width=400, height=300, fmt="GIF")
    add("gray16.png", png16((640, 480)), "ok", width=640, height=480, fmt="PNG")
    add("palette_alpha.png", palette_alpha_png((500, 300)), "ok", width=500, height=300, fmt="PNG")
    add("gray.jpg", encode(gradient((900, 700), "L"), "JPEG"), "ok", width=900, height=700, fmt="JPEG")
    add("la.png", encode(gradient((300, 300), "L").convert("LA"), "PNG"), "ok", width=300, height=300, fmt="PNG")
    add("rgba.png", encode(gradient((600, 400), "RGBA"), "PNG"), "ok", width=600, height=400, fmt="PNG")
    add("exactly_1600.png", encode(gradient((1600, 100)), "PNG"), "ok", width=1600, height=100, fmt="PNG")
    add("progressive.jpg", encode(noisy((1000, 800)), "JPEG", quality=80, progressive=True), "ok", width=1000, height=800, fmt="JPEG")
    add("Rechnung März 2021 (scan).JPG", jpeg, "ok", width=1200, height=900, fmt="JPEG")
    return cases


def by_name(cases: list[Case]) -> dict[str, Case]:
    return {c.name: c for c in cases}
