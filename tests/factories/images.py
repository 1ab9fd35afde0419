"""Images: test image bytes (real, decodable pictures) for uploads."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw


def image_bytes(width: int = 1200, height: int = 800, text: str = "INVOICE", fmt: str = "PNG") -> bytes:
    im = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(im)
    draw.rectangle([20, 20, width - 20, height - 20], outline="black", width=3)
    draw.text((40, 40), text, fill="black")
    buf = io.BytesIO()
    im.save(buf, fmt)
    return buf.getvalue()
