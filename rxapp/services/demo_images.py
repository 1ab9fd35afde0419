"""Demo pictures drawn with Pillow: store invoices, S/N sticker photos and barcode bars.

Each picture is drawn once per process and cached (the demo reset must stay
well under 5 s).
"""

from __future__ import annotations

import functools
import hashlib
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont


_STORE_ADDRESSES = {
    "Best Buy": ("Best Buy Co., Inc.", "7601 Penn Avenue South", "Richfield, MN 55423"),
    "Newegg": ("Newegg Inc.", "17560 Rowland Street", "City of Industry, CA 91748"),
    "Amazon.com": ("Amazon.com Services LLC", "410 Terry Avenue North", "Seattle, WA 98109"),
    "Micro Center": ("Micro Center", "1100 Steelwood Road", "Columbus, OH 43212"),
}
_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation")


@functools.lru_cache(maxsize=None)
def _font(size: int, bold: bool = False, mono: bool = False):
    if mono:
        names = ["DejaVuSansMono-Bold.ttf" if bold else "DejaVuSansMono.ttf", "LiberationMono-Regular.ttf"]
    else:
        names = ["DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf",
                 "LiberationSans-Bold.ttf" if bold else "LiberationSans-Regular.ttf"]
    for folder in _FONT_DIRS:
        for name in names:
            path = Path(folder) / name
            if path.exists():
                return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def barcode_bars(text: str) -> list[int]:
    """A barcode-like pattern for ``text``: alternating bar / gap widths (1..4 units).

    Deterministic (derived from a hash of the text), with guard bars at both
    ends; it looks like a Code 128 barcode but is not meant to be scanned.
    """
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    bars = [2, 1, 1, 1]
    for byte in digest[:24]:
        bars += [1 + (byte & 3), 1 + ((byte >> 2) & 3), 1 + ((byte >> 4) & 3), 1 + ((byte >> 6) & 1)]
    return bars + [1, 1, 2, 1, 2]


@dataclass(frozen=True)
class InvoiceSpec:
    """What a demo invoice shows (hashable: the rendered bytes are cached per spec)."""

    store: str
    number: str
    order_number: str
    day: date
    buyer: tuple[str, ...]
    lines: tuple[tuple[int, str, float], ...]  # (quantity, description, unit price before tax)
    tax_rate: float = 0.0825


def _money(value: float) -> str:
    return f"${value:,.2f}"


@functools.lru_cache(maxsize=64)
def invoice_image(spec: InvoiceSpec) -> bytes:
    """A realistic store invoice as a JPEG (1240 px wide, like an A4 scan at 150 dpi)."""
    w, h = 1240, 1320
    im = Image.new("RGB", (w, h), (253, 253, 250))
    d = ImageDraw.Draw(im)
    ink, muted, rule = (25, 25, 30), (95, 98, 105), (200, 202, 208)
    legal = _STORE_ADDRESSES.get(spec.store, (spec.store, "", ""))
    brand = spec.store.lower() if "." in spec.store else spec.store  # "amazon.com", "Best Buy"
    d.text((80, 70), brand, font=_font(54, bold=True), fill=ink)
    d.text((w - 80, 78), "INVOICE", font=_font(46, bold=True), fill=ink, anchor="ra")
    d.text((w - 80, 136), "Tax invoice / Facture", font=_font(22), fill=muted, anchor="ra")
    y = 160
    for line in legal:
        if line:
            d.text((80, y), line, font=_font(22), fill=muted)
            y += 30
    d.line([(80, 270), (w - 80, 270)], fill=rule, width=2)
    # Buyer and invoice facts, two columns.
    d.text((80, 300), "Bill to / Ship to:", font=_font(24, bold=True), fill=ink)
    for i, line in enumerate(spec.buyer):
        d.text((80, 338 + i * 32), line, font=_font(24), fill=ink)
    facts = [
        ("Invoice number:", spec.number),
        ("Order number:", spec.order_number),
        ("Order date:", spec.day.strftime("%m/%d/%Y")),
        ("Invoice date:", spec.day.strftime("%m/%d/%Y")),
    ]
    for i, (label, value) in enumerate(facts):
        d.text((700, 300 + i * 36), label, font=_font(24, bold=True), fill=ink)
        d.text((w - 80, 300 + i * 36), value, font=_font(24), fill=ink, anchor="ra")
    # The lines.
    top = 520
    d.rectangle([(80, top), (w - 80, top + 48)], fill=(236, 237, 240))
    cols = [(96, "Qty"), (170, "Description"), (850, "Unit price"), (w - 96, "Total")]
    for x, label in cols:
        anchor = "ra" if x == w - 96 else "la"
        d.text((x, top + 12), label, font=_font(22, bold=True), fill=ink, anchor=anchor)
    y = top + 70
    subtotal = 0.0
    for qty, description, unit in spec.lines:
        total = qty * unit
        subtotal += total
        d.text((110, y), str(qty), font=_font(24), fill=ink, anchor="ma")
        d.text((170, y), description, font=_font(24), fill=ink)
        d.text((850, y), _money(unit), font=_font(24), fill=ink)
        d.text((w - 96, y), _money(total), font=_font(24), fill=ink, anchor="ra")
        y += 46
        d.line([(80, y - 8), (w - 80, y - 8)], fill=rule, width=1)
    tax = round(subtotal * spec.tax_rate, 2)
    y += 30
    for label, value, bold in (
        ("Subtotal", _money(subtotal), False),
        (f"Sales tax ({spec.tax_rate * 100:.2f} %)", _money(tax), False),
        ("TOTAL", _money(subtotal + tax), True),
    ):
        d.text((760, y), label, font=_font(26 if bold else 24, bold=bold), fill=ink)
        d.text((w - 96, y), value, font=_font(26 if bold else 24, bold=bold), fill=ink, anchor="ra")
        y += 44
    d.text((80, y + 40), "Payment: Visa ending in 4417 · Paid in full", font=_font(22), fill=muted)
    d.text((80, h - 110), f"Thank you for shopping at {spec.store}. Keep this invoice as proof of purchase "
           "for your warranty.", font=_font(20), fill=muted)
    d.text((80, h - 78), "Returns within 15 days with this invoice. This document was issued electronically.",
           font=_font(20), fill=muted)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=86)
    return buf.getvalue()


@functools.lru_cache(maxsize=64)
def serial_photo_image(serial: str, chk: str, model_name: str, model_number: str, category: str) -> bytes:
    """A photo-like picture of the product's S/N sticker: S/N, CHK and a barcode (JPEG, 1200 px)."""
    w, h = 1200, 800
    im = Image.new("RGB", (w, h), (58, 60, 66))
    d = ImageDraw.Draw(im)
    for i in range(0, h, 6):  # brushed plastic of the product's back
        shade = 54 + (i * 7919) % 13
        d.line([(0, i), (w, i + 40)], fill=(shade, shade + 2, shade + 7), width=3)
    sw, sh = 860, 500
    sticker = Image.new("RGB", (sw, sh), (246, 246, 242))
    s = ImageDraw.Draw(sticker)
    ink = (20, 20, 24)
    s.rectangle([(0, 0), (sw - 1, sh - 1)], outline=(190, 190, 186), width=3)
    s.text((30, 22), "msi", font=_font(54, bold=True), fill=(200, 16, 46))
    s.text((sw - 30, 34), category, font=_font(26), fill=ink, anchor="ra")
    s.text((30, 104), f"Model: {model_number}", font=_font(28, bold=True), fill=ink)
    s.text((30, 144), model_name, font=_font(26), fill=ink)
    bars = barcode_bars(serial)
    x, unit = 30, max(1, (sw - 60) // sum(bars))
    for i, width in enumerate(bars):
        if i % 2 == 0:
            s.rectangle([(x, 200), (x + width * unit - 1, 320)], fill=ink)
        x += width * unit
    s.text((30, 334), f"S/N: {serial}", font=_font(36, bold=True, mono=True), fill=ink)
    s.rectangle([(sw - 230, 384), (sw - 30, 454)], outline=ink, width=3)
    s.text((sw - 130, 419), f"CHK: {chk}", font=_font(34, bold=True, mono=True), fill=ink, anchor="mm")
    s.text((30, 400), "Made in Taiwan · 100-240V~ 50/60Hz", font=_font(22), fill=(90, 90, 96))
    s.text((30, 432), "CE  FC  UKCA  ♻", font=_font(22), fill=(90, 90, 96))
    sticker = sticker.rotate(-2.5, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(58, 60, 66))
    im.paste(sticker, ((w - sticker.width) // 2, (h - sticker.height) // 2))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=84)
    return buf.getvalue()
