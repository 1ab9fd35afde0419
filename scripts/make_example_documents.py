"""Draw assets/examples/uploaded-documents.png: the seed's "Example of Uploaded Documents".

Run from the project root:  .venv/bin/python scripts/make_example_documents.py
The PNG is committed; run this again only when the picture should change.
Left: a sample invoice (store, date, invoice number, the model on a line);
right: a photo of the S/N sticker on the product itself; each with a caption
naming what a reviewer looks for.  Drawn with the demo data's own image
makers (rxapp/services/demo_images.py), so no outside picture is used.
"""

from __future__ import annotations

import io
import sys
from datetime import date
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rxapp.services import demo_images  # noqa: E402

OUT = ROOT / "assets" / "examples" / "uploaded-documents.png"
W, PAD, CAPTION = 1000, 24, 64
INK, MUTED, RED = (34, 38, 46), (90, 96, 106), (200, 16, 46)


def _fit(png: bytes, width: int) -> Image.Image:
    img = Image.open(io.BytesIO(png)).convert("RGB")
    return img.resize((width, round(img.height * width / img.width)), Image.LANCZOS)


def main() -> None:
    invoice = _fit(demo_images.invoice_image(demo_images.InvoiceSpec(
        store="Best Buy", number="INV-2021-120611", order_number="BB-7741-2093", day=date(2021, 12, 6),
        buyer=("Jordan Example", "1 Main Street", "Portland, OR 97205"),
        lines=((1, "MSI Optix MAG27CQ 27\" Curved Monitor", 329.99),),
    )), 560)
    photo = _fit(demo_images.serial_photo_image("CA2112345678", "147", "Optix MAG27CQ", "3CA8", "Monitor"), 368)
    height = PAD + max(invoice.height, photo.height) + CAPTION + PAD
    sheet = Image.new("RGB", (W, height), (247, 247, 249))
    draw = ImageDraw.Draw(sheet)
    x2 = PAD + invoice.width + PAD
    sheet.paste(invoice, (PAD, PAD))
    sheet.paste(photo, (x2, PAD))
    for x, img, title, text in (
        (PAD, invoice, "1. Invoice / purchase proof", "Store name · purchase date · model name"),
        (x2, photo, "2. S/N sticker on the product", "Not on the package: S/N and CHK readable"),
    ):
        draw.rectangle((x - 2, PAD - 2, x + img.width + 1, PAD + img.height + 1), outline=(200, 200, 206))
        y = PAD + max(invoice.height, photo.height) + 12
        draw.text((x, y), title, fill=RED, font=demo_images._font(22, bold=True))
        draw.text((x, y + 30), text, fill=MUTED, font=demo_images._font(17))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(OUT, optimize=True)
    print(f"{OUT.relative_to(ROOT)}: {sheet.width}x{sheet.height}")


if __name__ == "__main__":
    main()
