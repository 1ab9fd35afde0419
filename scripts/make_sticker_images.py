"""Draw assets/stickers/<category>.png: where the S/N sticker sits, and what it looks like.

Run from the project root:  .venv/bin/python scripts/make_sticker_images.py
The PNGs are committed; run this again only when a picture should change.
Each picture: a light background, the product's outline (left), the sticker
spot highlighted on it, an arrow to an enlarged sticker (right) with its
"S/N" and "CHK" fields, and a one-line caption.
"""

from __future__ import annotations

import math
import random
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rxapp.services.catalog_data import CATEGORIES  # noqa: E402
from rxapp.services.serial_format import example_serial  # noqa: E402

W, H = 640, 400
BG = (247, 247, 249)
INK = (52, 56, 64)
MUTED = (120, 126, 136)
BODY = (226, 229, 234)
RED = (204, 0, 0)
HILITE = (255, 214, 0)
WHITE = (255, 255, 255)

_FONT_DIRS = ["/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation"]


def font(size: int, bold: bool = False, mono: bool = False) -> ImageFont.ImageFont:
    names = (
        ["DejaVuSansMono-Bold.ttf" if bold else "DejaVuSansMono.ttf"]
        if mono
        else ["DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf", "LiberationSans-Regular.ttf"]
    )
    for d in _FONT_DIRS:
        for n in names:
            path = Path(d) / n
            if path.exists():
                return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def arrow(d: ImageDraw.ImageDraw, start, end, width=4):
    d.line([start, end], fill=RED, width=width)
    ang = math.atan2(end[1] - start[1], end[0] - start[0])
    size = 14
    left = (end[0] - size * math.cos(ang - 0.45), end[1] - size * math.sin(ang - 0.45))
    right = (end[0] - size * math.cos(ang + 0.45), end[1] - size * math.sin(ang + 0.45))
    d.polygon([end, left, right], fill=RED)


def spot(d: ImageDraw.ImageDraw, box):
    """The sticker on the product: a highlighted small label."""
    x0, y0, x1, y1 = box
    d.rectangle((x0 - 4, y0 - 4, x1 + 4, y1 + 4), outline=HILITE, width=4)
    d.rectangle(box, fill=WHITE, outline=RED, width=2)
    for i in range(3):
        y = y0 + 5 + i * (y1 - y0 - 10) / 2
        d.line((x0 + 5, y, x1 - 5, y), fill=INK, width=1)


def sticker(d: ImageDraw.ImageDraw, origin, serial: str, chk: str):
    """The enlarged sticker: S/N with a barcode, and the CHK field."""
    x, y = origin
    w, h = 250, 150
    d.rounded_rectangle((x, y, x + w, y + h), radius=8, fill=WHITE, outline=RED, width=3)
    d.text((x + 12, y + 8), "S/N", font=font(14, bold=True), fill=MUTED)
    d.text((x + 12, y + 26), serial, font=font(19, bold=True, mono=True), fill=INK)
    rng = random.Random(serial)
    bx = x + 12
    while bx < x + w - 14:
        bw = rng.choice([1, 1, 2, 3])
        d.rectangle((bx, y + 56, bx + bw - 1, y + 92), fill=INK)
        bx += bw + rng.choice([1, 2, 2, 3])
    d.line((x + 10, y + 102, x + w - 10, y + 102), fill=BODY, width=2)
    d.text((x + 12, y + 112), "CHK", font=font(14, bold=True), fill=MUTED)
    d.rectangle((x + 60, y + 108, x + 118, y + 138), outline=HILITE, width=3)
    d.text((x + 67, y + 111), chk, font=font(20, bold=True, mono=True), fill=INK)
    d.text((x + 130, y + 115), "MADE IN TW", font=font(12), fill=MUTED)


# Each product outline draws itself into the left half and returns the sticker box.
def draw_monitor(d):
    d.rounded_rectangle((40, 70, 300, 235), radius=10, fill=BODY, outline=INK, width=3)  # back of panel
    d.rectangle((130, 120, 210, 190), outline=MUTED, width=2)  # VESA plate
    for cx, cy in [(145, 135), (195, 135), (145, 175), (195, 175)]:
        d.ellipse((cx - 4, cy - 4, cx + 4, cy + 4), fill=MUTED)
    d.rectangle((155, 235, 185, 295), fill=BODY, outline=INK, width=3)  # stand
    d.rounded_rectangle((100, 295, 240, 312), radius=6, fill=BODY, outline=INK, width=3)
    d.rectangle((240, 200, 262, 214), fill=INK)  # power input
    d.text((44, 44), "Back of the monitor", font=font(14, bold=True), fill=INK)
    return (222, 160, 286, 190)


def draw_desktop(d):
    d.rounded_rectangle((90, 50, 250, 320), radius=8, fill=BODY, outline=INK, width=3)  # case, rear
    d.rectangle((110, 70, 170, 180), outline=MUTED, width=2)  # rear I/O
    for i in range(6):
        d.rectangle((118, 80 + i * 15, 162, 88 + i * 15), fill=MUTED)
    d.ellipse((185, 75, 235, 125), outline=MUTED, width=2)  # fan
    for i in range(4):
        d.rectangle((110, 200 + i * 22, 230, 210 + i * 22), outline=MUTED, width=2)  # slots
    d.rectangle((180, 270, 235, 305), outline=INK, width=2)  # PSU
    d.text((44, 24), "Back panel of the case", font=font(14, bold=True), fill=INK)
    return (182, 140, 242, 168)


def draw_laptop(d):
    d.polygon([(40, 130), (300, 130), (280, 290), (60, 290)], fill=BODY, outline=INK)  # underside
    d.line([(40, 130), (300, 130), (280, 290), (60, 290), (40, 130)], fill=INK, width=3)
    for i in range(8):
        d.line((95 + i * 10, 215, 95 + i * 10, 260), fill=MUTED, width=3)  # vents
    for cx, cy in [(70, 150), (270, 150), (80, 275), (260, 275)]:
        d.ellipse((cx - 6, cy - 6, cx + 6, cy + 6), outline=INK, width=2)  # feet
    d.text((44, 100), "Bottom of the laptop (hinge at the top)", font=font(14, bold=True), fill=INK)
    return (180, 146, 250, 176)


def draw_graphics_card(d):
    d.rounded_rectangle((30, 110, 310, 240), radius=8, fill=BODY, outline=INK, width=3)  # backplate
    d.rectangle((30, 240, 60, 262), fill=MUTED)  # bracket foot
    d.rectangle((12, 95, 30, 262), fill=MUTED, outline=INK)  # bracket
    d.rectangle((80, 240, 230, 258), fill=(214, 170, 60), outline=INK, width=2)  # PCIe fingers
    for i in range(14):
        d.line((86 + i * 10, 242, 86 + i * 10, 256), fill=INK, width=2)
    d.text((44, 70), "Back of the card (backplate / PCB)", font=font(14, bold=True), fill=INK)
    return (238, 198, 302, 228)


def draw_motherboard(d):
    d.rectangle((50, 50, 290, 320), fill=(214, 222, 214), outline=INK, width=3)  # board
    d.rectangle((120, 80, 190, 150), outline=INK, width=3)  # socket
    for i in range(4):
        d.rectangle((210 + i * 14, 70, 218 + i * 14, 170), fill=MUTED)  # DIMM slots
    for i in range(3):
        d.rectangle((70, 200 + i * 38, 250, 210 + i * 38), fill=INK)  # PCIe slots
    d.rectangle((270, 120, 286, 190), fill=MUTED, outline=INK)  # 24-pin
    d.text((44, 24), "Front of the motherboard", font=font(14, bold=True), fill=INK)
    return (150, 256, 214, 274)


DRAWERS = {
    "monitor": draw_monitor,
    "desktop": draw_desktop,
    "laptop": draw_laptop,
    "graphics-card": draw_graphics_card,
    "motherboard": draw_motherboard,
}


def caption_lines(text: str, width_px: int, f) -> list[str]:
    words, lines, line = text.split(), [], ""
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    for w in words:
        trial = (line + " " + w).strip()
        if probe.textlength(trial, font=f) <= width_px:
            line = trial
        else:
            lines.append(line)
            line = w
    if line:
        lines.append(line)
    return lines


def make(category: dict, out_dir: Path) -> Path:
    img = Image.new("RGB", (W, H), BG)
    d = ImageDraw.Draw(img)
    box = DRAWERS[category["slug"]](d)
    spot(d, box)
    sticker_origin = (370, 120)
    start = ((box[0] + box[2]) // 2 + 30, (box[1] + box[3]) // 2)
    arrow(d, start, (sticker_origin[0] - 6, sticker_origin[1] + 75))
    serial = example_serial(category["serial_format"])
    sticker(d, sticker_origin, serial, "123")
    d.text((370, 88), f"{category['name']} S/N sticker", font=font(16, bold=True), fill=RED)
    first_sentence = category["sticker_text"].split(". ")[0].rstrip(".") + "."
    f = font(14)
    for i, line in enumerate(caption_lines(first_sentence, W - 40, f)[:2]):
        d.text((20, H - 50 + i * 20), line, font=f, fill=INK)
    out = out_dir / f"{category['slug']}.png"
    img.save(out, optimize=True)
    return out


def main() -> None:
    out_dir = ROOT / "assets" / "stickers"
    out_dir.mkdir(parents=True, exist_ok=True)
    for category in CATEGORIES:
        print(make(category, out_dir))


if __name__ == "__main__":
    main()
