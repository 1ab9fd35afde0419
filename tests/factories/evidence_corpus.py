"""A corpus of invoices and S/N stickers with known answers, drawn here with Pillow.

Used by the evidence pre-check's tests (a small subset) and by
``bench/bench_evidence.py`` (all of it).  Everything is generated from a seed:
the same ``invoice_corpus()`` call gives the same pictures on every machine
that has the same fonts.

Invoices: English, French, German and Traditional Chinese; several fonts and
sizes; the purchase date in the formats customers' invoices use (11/10/2019,
2019-10-11, 11 Oct 2019, 11.10.2019, 2019年10月11日 …); model names and store
names from the catalog, long names wrapped in their column; slight rotation,
blur, noise, JPEG, and "photos of paper at an angle" (a perspective warp onto a
table with uneven light).

Stickers: the serial as a Code 128 barcode or a QR code (drawn from the module
patterns ``python-barcode`` and ``segno`` compute) beside the printed serial;
blur, rotation, low light.  A few have no barcode at all, to exercise reading
the printed serial.

Fonts: DejaVu (Latin) and a CJK font for Traditional Chinese (WenQuanYi Micro
Hei, Debian's ``fonts-wqy-microhei``, which ``make setup`` installs), found
with ``fc-match``.
"""

from __future__ import annotations

import io
import random
import subprocess
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont

from rxapp.services.catalog_data import MODELS, _STORES, CATEGORIES
from rxapp.services.serial_format import random_serial

# --------------------------------------------------------------------------- fonts

LATIN_FONTS = [
    "DejaVu Sans",
    "DejaVu Sans:bold",
    "DejaVu Serif",
    "DejaVu Sans Mono",
    "DejaVu Sans:condensed",
    "DejaVu Serif:condensed",
]
CJK_FONT = "WenQuanYi Micro Hei:lang=zh-tw"


class MissingFont(RuntimeError):
    pass


@lru_cache(maxsize=None)
def font_path(pattern: str) -> str:
    """The file ``fc-match`` picks for ``pattern``; refuses a fallback to another family."""
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{file}\n%{family}", pattern], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:  # pragma: no cover - machine set-up
        raise MissingFont(f"fc-match failed for {pattern!r}: {exc}") from exc
    path, _, families = out.partition("\n")
    wanted = pattern.split(":")[0].lower()
    if wanted not in families.lower():
        raise MissingFont(
            f"font {wanted!r} is not installed (fc-match offered {families!r}); "
            "`make setup` installs it (Debian: fonts-dejavu-core, fonts-wqy-microhei)"
        )
    return path


@lru_cache(maxsize=None)
def font(pattern: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(font_path(pattern), size)


# --------------------------------------------------------------------------- answers


@dataclass(frozen=True)
class InvoiceSample:
    name: str
    language: str  # en, fr, de, zh
    region: str  # the region whose store sold it (for the date order: US writes month first)
    model_name: str  # the model printed on the invoice
    other_model: str  # a catalog model NOT on the invoice (same category when possible)
    purchase_date: date
    date_text: str
    store: str
    other_store: str  # a store of the same region NOT on the invoice
    photo: bool  # a photo of paper at an angle (else a scan)
    png: bytes = field(repr=False)


@dataclass(frozen=True)
class StickerSample:
    name: str
    serial: str
    serial_format: str
    symbology: str  # "code128", "qr" or "none"
    png: bytes = field(repr=False)


# --------------------------------------------------------------------------- dates

_MONTHS = {
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
    "fr": ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."],
    "fr_long": [
        "janvier", "février", "mars", "avril", "mai", "juin",
        "juillet", "août", "septembre", "octobre", "novembre", "décembre",
    ],
    "de": [
        "Januar", "Februar", "März", "April", "Mai", "Juni",
        "Juli", "August", "September", "Oktober", "November", "Dezember",
    ],
}


def date_text(d: date, style: str) -> str:
    """One purchase date as a shop writes it; ``style`` names the format."""
    match style:
        case "dmy_slash":
            return f"{d.day:02d}/{d.month:02d}/{d.year}"
        case "mdy_slash":
            return f"{d.month:02d}/{d.day:02d}/{d.year}"
        case "iso":
            return d.isoformat()
        case "d_mon_y":
            return f"{d.day} {_MONTHS['en'][d.month - 1]} {d.year}"
        case "mon_d_y":
            return f"{_MONTHS['en'][d.month - 1]} {d.day}, {d.year}"
        case "dmy_dot":
            return f"{d.day:02d}.{d.month:02d}.{d.year}"
        case "fr_long":
            return f"{d.day} {_MONTHS['fr_long'][d.month - 1]} {d.year}"
        case "fr_short":
            return f"{d.day} {_MONTHS['fr'][d.month - 1]} {d.year}"
        case "de_long":
            return f"{d.day}. {_MONTHS['de'][d.month - 1]} {d.year}"
        case "zh":
            return f"{d.year}年{d.month}月{d.day}日"
        case "zh_pad":
            return f"{d.year}年{d.month:02d}月{d.day:02d}日"
        case "roc":
            return f"{d.year - 1911}年{d.month:02d}月{d.day:02d}日"
        case "ymd_slash":
            return f"{d.year}/{d.month:02d}/{d.day:02d}"
    raise ValueError(style)


DATE_STYLES = {
    "en": ["dmy_slash", "iso", "d_mon_y", "mdy_slash", "mon_d_y"],
    "fr": ["dmy_slash", "fr_long", "fr_short", "iso"],
    "de": ["dmy_dot", "de_long", "iso", "dmy_dot"],
    "zh": ["zh", "zh_pad", "ymd_slash", "roc"],
}

# --------------------------------------------------------------------------- invoice text

_WORDS = {
    "en": {
        "title": "INVOICE", "no": "Invoice No.", "date": "Date:", "item": "Description", "qty": "Qty",
        "price": "Amount", "subtotal": "Subtotal", "tax": "VAT 20%", "total": "TOTAL",
        "thanks": "Thank you for shopping with us", "due": "Payment due:", "cashier": "Cashier",
        "extras": ["HDMI Cable 2m", "USB-C Adapter", "Extended Care Plan", "Mouse Pad XL"],
    },
    "fr": {
        "title": "FACTURE", "no": "Facture n°", "date": "Date d'achat :", "item": "Désignation", "qty": "Qté",
        "price": "Montant", "subtotal": "Sous-total HT", "tax": "TVA 20 %", "total": "TOTAL TTC",
        "thanks": "Merci de votre visite", "due": "Échéance :", "cashier": "Caisse",
        "extras": ["Câble HDMI 2 m", "Adaptateur USB-C", "Garantie étendue", "Tapis de souris"],
    },
    "de": {
        "title": "RECHNUNG", "no": "Rechnungsnr.", "date": "Datum:", "item": "Artikel", "qty": "Menge",
        "price": "Betrag", "subtotal": "Zwischensumme", "tax": "MwSt. 19 %", "total": "GESAMT",
        "thanks": "Vielen Dank für Ihren Einkauf", "due": "Fällig am:", "cashier": "Kasse",
        "extras": ["HDMI-Kabel 2 m", "USB-C-Adapter", "Garantieverlängerung", "Mauspad XL"],
    },
    "zh": {
        "title": "電子發票證明聯", "no": "發票號碼", "date": "日期：", "item": "品名", "qty": "數量",
        "price": "金額", "subtotal": "小計", "tax": "營業稅 5%", "total": "總計",
        "thanks": "謝謝惠顧", "due": "付款期限：", "cashier": "收銀員",
        "extras": ["HDMI 傳輸線 2米", "USB-C 轉接頭", "延長保固", "電競滑鼠墊"],
    },
}
_LANG_REGIONS = {"en": ["US", "GB"], "fr": ["FR"], "de": ["DE"], "zh": ["TW"]}
_ADDRESS = {
    "US": "1200 Market St, San Jose, CA 95113",
    "GB": "14 High Street, Manchester M4 1HQ",
    "FR": "27 rue de la République, 69002 Lyon",
    "DE": "Königstraße 12, 70173 Stuttgart",
    "TW": "台北市中正區忠孝西路一段 100 號",
}
_CURRENCY = {"US": "$", "GB": "£", "FR": "€", "DE": "€", "TW": "NT$"}


def _stores(region: str) -> list[str]:
    return [name for name, _channel, _partner in _STORES[region]]


def _other_model(rng: random.Random, model: dict) -> str:
    same = [m["name"] for m in MODELS if m["category"] == model["category"] and m["name"] != model["name"]]
    return rng.choice(same)


def _wrap(draw: ImageDraw.ImageDraw, text: str, fnt, width: int) -> list[str]:
    """Word-wrap ``text`` to ``width`` pixels (a CJK string with no spaces is cut anywhere)."""
    words = text.split(" ")
    lines: list[str] = []
    line = ""
    for word in words:
        trial = f"{line} {word}".strip()
        if draw.textlength(trial, font=fnt) <= width or not line:
            line = trial
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def _money(rng: random.Random, low: float, high: float) -> float:
    return round(rng.uniform(low, high), 2)


def _render_invoice(rng: random.Random, *, lang: str, region: str, model: dict, store: str, dtext: str,
                    distractor: str | None) -> Image.Image:
    words = _WORDS[lang]
    face = CJK_FONT if lang == "zh" else rng.choice(LATIN_FONTS)
    bold = CJK_FONT if lang == "zh" else "DejaVu Sans:bold"
    size = rng.randint(22, 32)
    width = rng.randint(900, 1150)
    fnt = font(face, size)
    big = font(bold, int(size * 1.5))
    lh = int(size * 1.45)
    im = Image.new("L", (width, 3000), 255)
    draw = ImageDraw.Draw(im)
    margin = rng.randint(40, 70)
    y = margin
    cur = _CURRENCY[region]

    def line(text: str, x: int = margin, f=fnt):
        nonlocal y
        draw.text((x, y), text, fill=rng.randint(0, 40), font=f)
        y += lh if f is fnt else int(lh * 1.4)

    shop = store.upper() if rng.random() < 0.4 else store
    line(shop, f=big)
    line(_ADDRESS[region])
    y += lh // 2
    line(words["title"], f=big)
    line(f"{words['no']} {rng.choice('ABCFKMT')}{rng.randint(10, 99)}-{rng.randint(100000, 999999)}")
    line(f"{words['date']} {dtext}")
    if distractor:
        line(distractor)
    line(f"{words['cashier']} {rng.randint(1, 12):02d}")
    y += lh // 2
    col_qty = int(width * 0.62)
    col_price = int(width * 0.74)
    draw.line([(margin, y), (width - margin, y)], fill=0, width=2)
    y += 8
    draw.text((margin, y), words["item"], fill=0, font=fnt)
    draw.text((col_qty, y), words["qty"], fill=0, font=fnt)
    draw.text((col_price, y), words["price"], fill=0, font=fnt)
    y += lh
    draw.line([(margin, y), (width - margin, y)], fill=0, width=1)
    y += 8

    name = model["name"]
    style = rng.random()
    if style < 0.25:
        item = f"MSI {name}"
    elif style < 0.45 and model["model_number"]:
        item = f"MSI {name} ({model['model_number']})"
    elif style < 0.6:
        item = name.upper()
    else:
        item = name
    if lang == "zh" and rng.random() < 0.6:
        item = f"{item} {'螢幕' if model['category'] == 'monitor' else '產品'}"
    price = _money(rng, 150, 2500)
    rows = [(item, 1, price)]
    for extra in rng.sample(words["extras"], rng.randint(1, 3)):
        rows.insert(rng.randint(0, len(rows)), (extra, rng.randint(1, 2), _money(rng, 5, 80)))
    total = 0.0
    for text, qty, amount in rows:
        top = y
        for piece in _wrap(draw, text, fnt, col_qty - margin - 20):
            draw.text((margin, y), piece, fill=rng.randint(0, 40), font=fnt)
            y += lh
        draw.text((col_qty + 10, top), str(qty), fill=0, font=fnt)
        draw.text((col_price, top), f"{cur}{amount * qty:,.2f}", fill=0, font=fnt)
        total += amount * qty
    draw.line([(margin, y + 4), (width - margin, y + 4)], fill=0, width=1)
    y += 14
    for label, value in ((words["subtotal"], total / 1.2), (words["tax"], total - total / 1.2),
                         (words["total"], total)):
        draw.text((col_qty - 120, y), label, fill=0, font=fnt)
        draw.text((col_price, y), f"{cur}{value:,.2f}", fill=0, font=fnt)
        y += lh
    y += lh
    line(words["thanks"])
    return im.crop((0, 0, width, y + margin)).convert("RGB")


# --------------------------------------------------------------------------- degrading


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (8 × 8: no numpy needed)."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for col in range(n):
        piv = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[piv] = m[piv], m[col]
        for r in range(n):
            if r != col:
                f = m[r][col] / m[col][col]
                for c in range(col, n + 1):
                    m[r][c] -= f * m[col][c]
    return [m[i][n] / m[i][i] for i in range(n)]


def _perspective_coeffs(dst: list[tuple[float, float]], src: list[tuple[float, float]]) -> list[float]:
    """Pillow's PERSPECTIVE coefficients mapping output points ``dst`` to input points ``src``."""
    a, b = [], []
    for (x, y), (u, v) in zip(dst, src):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        b += [u, v]
    return _solve(a, b)


def _noise(rng: random.Random, im: Image.Image, amount: float) -> Image.Image:
    """Sensor grain: Gaussian noise around 0 added to every pixel (the same on its three channels).

    Drawn from a numpy generator seeded by ``rng`` (Pillow's ``Image.effect_noise`` is unseeded: the
    corpus differed from run to run, and so did the rates measured on it).
    """
    import numpy as np

    sigma = rng.uniform(6, 14) * amount
    grain = np.random.default_rng(rng.getrandbits(64)).normal(0.0, sigma, (im.height, im.width))
    pixels = np.asarray(im.convert("RGB"), dtype=np.float32) + grain[:, :, None].astype(np.float32)
    return Image.fromarray(np.clip(np.rint(pixels), 0, 255).astype(np.uint8), "RGB")


def _photo(rng: random.Random, paper: Image.Image, *, dark: float = 1.0) -> Image.Image:
    """The paper photographed on a table: at an angle, uneven light, a little blur."""
    w, h = paper.size
    out_w = min(1600, int(w * rng.uniform(1.05, 1.2)))
    scale = out_w / (w * 1.15)
    out_h = int(h * scale * 1.15)
    cx, cy = out_w / 2, out_h / 2
    hw, hh = w * scale / 2, h * scale / 2
    j = lambda s: rng.uniform(-s, s)  # noqa: E731
    k = 0.06
    dst = [
        (cx - hw + j(k * hw), cy - hh + j(k * hh)),
        (cx + hw + j(k * hw), cy - hh + j(k * hh)),
        (cx + hw + j(k * hw), cy + hh + j(k * hh)),
        (cx - hw + j(k * hw), cy + hh + j(k * hh)),
    ]
    src = [(0, 0), (w, 0), (w, h), (0, h)]
    coeffs = _perspective_coeffs(dst, src)
    table = Image.new("RGB", (out_w, out_h), (rng.randint(70, 130), rng.randint(60, 110), rng.randint(40, 90)))
    warped = paper.convert("RGBA").transform(
        (out_w, out_h), Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BILINEAR
    )
    table.paste(warped, (0, 0), warped)
    # light falling from one side
    light = Image.linear_gradient("L").resize((out_w, out_h))
    light = light.rotate(rng.choice([0, 90, 180, 270]), expand=False).resize((out_w, out_h))
    low = int(rng.uniform(150, 215) * dark)
    light = light.point(lambda p: low + (255 - low) * p // 255)
    table = Image.composite(table, Image.new("RGB", table.size, 0), light)
    return table


def _degrade_scan(rng: random.Random, im: Image.Image) -> Image.Image:
    angle = rng.uniform(-3, 3)
    im = im.rotate(angle, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=(255, 255, 255))
    return im


def _finish(rng: random.Random, im: Image.Image, *, blur: float, noise: float, max_width: int = 1600) -> bytes:
    if im.width > max_width:
        im = im.resize((max_width, int(im.height * max_width / im.width)), Image.Resampling.LANCZOS)
    if blur > 0:
        im = im.filter(ImageFilter.GaussianBlur(blur))
    if noise > 0:
        im = _noise(rng, im, noise)
    buf = io.BytesIO()
    if rng.random() < 0.6:
        im.save(buf, "JPEG", quality=rng.randint(60, 90))
    else:
        im.save(buf, "PNG", compress_level=1)
    return buf.getvalue()


# --------------------------------------------------------------------------- the corpus


def _date_after(rng: random.Random, released: date) -> date:
    start = max(released, date(2019, 1, 1))
    return start + timedelta(days=rng.randint(10, 900))


def invoice_corpus(n: int = 48, seed: int = 17) -> list[InvoiceSample]:
    """``n`` invoices cycling through the four languages and through the catalog's models."""
    rng = random.Random(seed)
    langs = ["en", "fr", "de", "zh"]
    samples = []
    models = MODELS[:]
    rng.shuffle(models)
    for i in range(n):
        lang = langs[i % 4]
        region = rng.choice(_LANG_REGIONS[lang])
        model = models[i % len(models)]
        stores = _stores(region)
        store = rng.choice(stores)
        other_store = rng.choice([s for s in stores if s != store])
        d = _date_after(rng, model["release_date"])
        styles = DATE_STYLES[lang]
        style = styles[(i // 4) % len(styles)]
        if region != "US" and style in ("mdy_slash", "mon_d_y"):
            style = "dmy_slash"
        if region == "US" and style == "dmy_slash":
            style = "mdy_slash"
        dtext = date_text(d, style)
        distractor = None
        if rng.random() < 0.25:
            due = d + timedelta(days=30)
            due_style = "roc" if style == "roc" else style
            distractor = f"{_WORDS[lang]['due']} {date_text(due, due_style)}"
        paper = _render_invoice(rng, lang=lang, region=region, model=model, store=store, dtext=dtext,
                                distractor=distractor)
        photo = i % 3 == 2
        if photo:
            im = _photo(rng, paper)
            blur, noise = rng.uniform(0.3, 1.0), rng.uniform(0.3, 1.0)
        else:
            im = _degrade_scan(rng, paper)
            blur, noise = rng.choice([0, 0, 0.5, 0.9]), rng.choice([0, 0.5, 1.0])
        png = _finish(rng, im, blur=blur, noise=noise)
        samples.append(InvoiceSample(
            name=f"invoice-{i:02d}-{lang}{'-photo' if photo else ''}",
            language=lang, region=region, model_name=model["name"], other_model=_other_model(rng, model),
            purchase_date=d, date_text=dtext, store=store, other_store=other_store, photo=photo, png=png,
        ))
    return samples


# --------------------------------------------------------------------------- stickers


def _code128_modules(data: str) -> str:
    from barcode.codex import Code128

    class _Code128(Code128):
        # python-barcode 0.16 starts in set C and then folds "START C, switch to X" into "START X"; when the
        # data opens with the digits "99" (value 99, the same number as "switch to C") it folds that pair
        # away too, and the bars say "8-8EK5-6847" for "998-8EK5-6847".  Fold only a real switch.
        def _try_to_optimize(self, encoded: list[int]) -> list[int]:
            return encoded if self.code[:2] == "99" else super()._try_to_optimize(encoded)

    return _Code128(data).build()[0]


def _qr_matrix(data: str) -> list[list[int]]:
    import segno

    qr = segno.make_qr(data, error="m")
    return [list(row) for row in qr.matrix]


def _draw_code128(data: str, module: int, height: int) -> Image.Image:
    modules = _code128_modules(data)
    quiet = 10 * module
    im = Image.new("L", (len(modules) * module + 2 * quiet, height), 255)
    d = ImageDraw.Draw(im)
    for i, bit in enumerate(modules):
        if bit == "1":
            x = quiet + i * module
            d.rectangle([x, 0, x + module - 1, height - 1], fill=0)
    return im


def _draw_qr(data: str, module: int) -> Image.Image:
    matrix = _qr_matrix(data)
    n = len(matrix)
    quiet = 4 * module
    im = Image.new("L", (n * module + 2 * quiet, n * module + 2 * quiet), 255)
    d = ImageDraw.Draw(im)
    for y, row in enumerate(matrix):
        for x, bit in enumerate(row):
            if bit:
                d.rectangle([quiet + x * module, quiet + y * module,
                             quiet + (x + 1) * module - 1, quiet + (y + 1) * module - 1], fill=0)
    return im


def _render_sticker(rng: random.Random, *, serial: str, model: dict, symbology: str) -> Image.Image:
    face = rng.choice(["DejaVu Sans", "DejaVu Sans Mono", "DejaVu Sans:condensed", "DejaVu Sans:bold"])
    size = rng.randint(24, 34)
    fnt = font(face, size)
    small = font(face, int(size * 0.75))
    if symbology == "code128":
        code = _draw_code128(serial, module=rng.choice([2, 3]), height=rng.randint(70, 110))
    elif symbology == "qr":
        code = _draw_qr(serial, module=rng.choice([5, 6, 7]))
    else:
        code = None
    width = max(560, (code.width + 80) if code else 0)
    height = 150 + (code.height + 20 if code else 0) + 60
    im = Image.new("L", (width, height), 255)
    d = ImageDraw.Draw(im)
    d.rectangle([4, 4, width - 5, height - 5], outline=0, width=3)
    y = 20
    d.text((30, y), "MSI", fill=0, font=font("DejaVu Sans:bold", int(size * 1.2)))
    d.text((width - 240, y + 8), f"MODEL: {model['model_number']}", fill=0, font=small)
    y += int(size * 1.8)
    if code is not None and symbology == "qr":
        im.paste(code, (30, y))
        d.text((code.width + 50, y + code.height // 2 - size), f"S/N: {serial}", fill=0, font=fnt)
        d.text((code.width + 50, y + code.height // 2 + 10), f"CHK: {rng.randint(100, 999)}", fill=0,
               font=small)
        y += code.height + 20
    else:
        if code is not None:
            im.paste(code, ((width - code.width) // 2, y))
            y += code.height + 10
        d.text((30, y), f"S/N: {serial}", fill=0, font=fnt)
        y += int(size * 1.3)
        d.text((30, y), f"CHK: {rng.randint(100, 999)}   Made in Taiwan", fill=0, font=small)
        y += int(size * 1.3)
    return im.crop((0, 0, width, max(y + 20, im.height - 40))).convert("RGB")


def sticker_corpus(n: int = 36, seed: int = 30, text_only: int = 6) -> list[StickerSample]:
    """``n`` stickers: Code 128 and QR alternating, the last ``text_only`` with no barcode."""
    rng = random.Random(seed)
    samples = []
    for i in range(n):
        category = CATEGORIES[i % len(CATEGORIES)]
        model = rng.choice([m for m in MODELS if m["category"] == category["slug"]])
        serial = random_serial(rng, category["serial_format"])
        symbology = "none" if i >= n - text_only else ("code128" if i % 2 == 0 else "qr")
        label = _render_sticker(rng, serial=serial, model=model, symbology=symbology)
        angle = rng.uniform(-12, 12) if rng.random() < 0.8 else rng.choice([90, -90, 180]) + rng.uniform(-5, 5)
        label = label.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(235, 235, 235))
        low_light = i % 3 == 1
        if i % 4 == 3:
            im = _photo(rng, label, dark=0.6 if low_light else 1.0)
        else:
            bg = Image.new("RGB", (label.width + 120, label.height + 120), (rng.randint(30, 90),) * 3)
            bg.paste(label, (60, 60))
            im = bg
            if low_light:
                im = ImageEnhance.Brightness(im).enhance(rng.uniform(0.35, 0.6))
                im = ImageEnhance.Contrast(im).enhance(rng.uniform(0.6, 0.9))
        blur = rng.choice([0, 0.6, 1.0, 1.5])
        png = _finish(rng, im, blur=blur, noise=rng.choice([0, 0.5, 1.0]) + (0.8 if low_light else 0))
        samples.append(StickerSample(
            name=f"sticker-{i:02d}-{symbology}{'-dark' if low_light else ''}",
            serial=serial, serial_format=category["serial_format"], symbology=symbology, png=png,
        ))
    return samples


def invoice_for(*, model_name: str, store: str, purchase_date: date, region: str = "US", lang: str = "en",
                seed: int = 1) -> bytes:
    """One clean scanned invoice (PNG) naming ``model_name`` bought at ``store`` on ``purchase_date``
    (any name: a catalog model's, or another product's to make an invoice that lacks it)."""
    rng = random.Random(seed)
    model = next((m for m in MODELS if m["name"] == model_name), None) or {
        "name": model_name, "model_number": "", "category": "monitor",
    }
    style = "mdy_slash" if region == "US" else DATE_STYLES[lang][0]
    paper = _render_invoice(rng, lang=lang, region=region if region in _ADDRESS else "US", model=model,
                            store=store, dtext=date_text(purchase_date, style), distractor=None)
    buf = io.BytesIO()
    paper.save(buf, "PNG", compress_level=1)
    return buf.getvalue()
