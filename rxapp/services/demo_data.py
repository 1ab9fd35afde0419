"""Demo data: everything a presenter (and the tests) need on an empty database.

``seed`` fills an empty database with the catalog, regions and stores, a
deterministic serial registry, the seed walkthrough's three 2021 promotions,
promotions running around "today" (so every flow can be shown live), their
code pools, the reviewer's reason templates, the demo accounts of
``DEMO_USERS``, and a few registered products for the demo customer.  It
adds no claims (the redemption service's demo data goes on top).

Fast by design (the demo "reset" must take well under 5 s): the registry goes
in with one executemany insert, and the four demo passwords are hashed once
per process (argon2id is slow on purpose).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from rxapp.models import (
    Channel,
    MissingDocument,
    PrizeType,
    ProductCategory,
    ProductModel,
    Promotion,
    PromotionCategory,
    PromotionCode,
    PromotionModel,
    PromotionRegion,
    ReasonTemplate,
    RegisteredProduct,
    Role,
    SerialRecord,
    Store,
    User,
    utcnow,
)
from rxapp.services import catalog, clock
from rxapp.services.passwords import hash_password

UNITS_PER_MODEL = 300
REGISTRY_SEED = 2021
CODES_PER_DIGITAL_PROMOTION = 50


@dataclass(frozen=True)
class DemoUser:
    email: str
    password: str
    role: Role
    label: str
    first_name: str
    last_name: str
    region_code: str


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("demo@member-center.test", "demo-customer-2021", Role.customer,
             "Customer with registered products", "Alex", "Morgan", "US"),
    DemoUser("new@member-center.test", "new-customer-2021", Role.customer,
             "Brand-new customer (nothing registered)", "Sam", "Taylor", "GB"),
    DemoUser("reviewer@member-center.test", "reviewer-2021", Role.reviewer,
             "Reviewer (claim queue)", "Robin", "Lee", "TW"),
    DemoUser("admin@member-center.test", "admin-2021", Role.admin,
             "Admin (promotions and code pools)", "Jordan", "Chen", "DE"),
)

REASON_TEMPLATES: tuple[tuple[str, MissingDocument, bool], ...] = (
    ("Please provide the invoice with your product name on it, thanks.", MissingDocument.invoice, False),
    ("Please upload a photo of the S/N sticker on the product itself, not on the package.",
     MissingDocument.serial_photo, False),
    ("Please provide the invoice showing the purchase date and the store name, thanks.",
     MissingDocument.invoice, False),
    ("Please complete your recipient address (street and number, zipcode and city) "
     "so we can ship your prize.",
     MissingDocument.recipient, False),
    ("The purchase date on the invoice is outside the promotion period.", MissingDocument.other, True),
    ("The product was not bought from a partner store in your region.", MissingDocument.other, True),
)

_EU = ["GB", "IE", "DE", "FR", "ES", "IT", "NL", "BE", "AT", "CH", "PL", "SE", "NO", "DK", "FI", "CZ", "PT"]
_NORTH_AMERICA = ["US", "CA"]
_ASIA = ["TW", "JP", "KR", "HK", "SG", "MY", "TH"]

# Hash each demo password once per process: argon2id takes ~50 ms a time.
_HASHES: dict[str, str] = {}


def _password_hash(password: str) -> str:
    if password not in _HASHES:
        _HASHES[password] = hash_password(password)
    return _HASHES[password]


def is_empty(session: Session) -> bool:
    """True when the database has no users and no categories (nothing seeded)."""
    return (
        session.exec(select(User.id).limit(1)).first() is None
        and session.exec(select(ProductCategory.id).limit(1)).first() is None
    )


def _promotion_specs(today: date) -> list[dict]:
    return [
        # The seed walkthrough's three, with their real dates.
        dict(
            slug="christmas-deal-2021", name="Christmas Deal",
            description="Buy an eligible monitor or desktop in December 2021 and get a Steam game code.",
            starts_on=date(2021, 12, 1), ends_on=date(2021, 12, 31),
            prize_type=PrizeType.digital_code, prize_name="Steam game code",
            prize_instructions="Activate the code in the Steam client: Games > Activate a Product on Steam.",
            categories=["monitor", "desktop"], regions=_NORTH_AMERICA + _EU, code_prefix="XMAS",
        ),
        dict(
            slug="live-in-everyday-passion-2021", name="Live in Everyday Passion",
            description="Buy an eligible laptop between July and September 2021 and get a Modern sleeve.",
            starts_on=date(2021, 7, 1), ends_on=date(2021, 9, 30),
            prize_type=PrizeType.physical, prize_name="Modern series laptop sleeve", physical_stock=120,
            categories=["laptop"], regions=["TW", "US", "GB", "DE", "FR"],
        ),
        dict(
            slug="back-to-modern-2021", name="Back to Modern",
            description="Buy an eligible monitor between 17 June and 18 July 2021 and get a Steam code.",
            starts_on=date(2021, 6, 17), ends_on=date(2021, 7, 18),
            prize_type=PrizeType.digital_code, prize_name="Back to School Steam code",
            prize_instructions="Activate the code in the Steam client: Games > Activate a Product on Steam.",
            categories=["monitor"], regions=_EU, code_prefix="BTM",
        ),
        # Running around today, so every flow can be shown live.
        dict(
            slug="game-on-bundle", name="Game On Bundle",
            description="Buy an eligible monitor or graphics card and get a Steam Wallet code.",
            starts_on=today - timedelta(days=60), ends_on=today + timedelta(days=60),
            prize_type=PrizeType.digital_code, prize_name="Steam Wallet code (30 USD)",
            prize_instructions="Redeem the code in the Steam client: Games > Redeem a Steam Wallet Code.",
            categories=["monitor", "graphics-card"], regions=_NORTH_AMERICA + _EU + _ASIA, code_prefix="GAME",
        ),
        dict(
            slug="gear-up-backpack", name="Gear Up Backpack",
            description="Register an eligible laptop or desktop and we send you a gaming backpack.",
            starts_on=today - timedelta(days=30), ends_on=today + timedelta(days=90),
            prize_type=PrizeType.physical, prize_name="Gaming backpack", physical_stock=40,
            prize_instructions="Shipped to your recipient address within 8-12 weeks after approval.",
            categories=["laptop", "desktop"], regions=["US", "CA", "GB", "DE", "FR", "TW"],
        ),
        dict(
            slug="board-upgrade-bonus", name="Board Upgrade Bonus",
            description="Selected AM5 and LGA1700 motherboards come with a 3DMark key.",
            starts_on=today - timedelta(days=14), ends_on=today + timedelta(days=45),
            prize_type=PrizeType.digital_code, prize_name="3DMark Advanced Edition key",
            prize_instructions="Enter the key in 3DMark under Settings > Registration.",
            categories=["motherboard"], models=["MAG B650 TOMAHAWK WIFI", "MPG Z790 EDGE WIFI"],
            regions=["US", "GB", "DE", "FR", "TW"], code_prefix="MOBO", code_count=30,
        ),
    ]


_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are typed too


def promotion_codes(prefix: str, count: int, seed: str) -> list[str]:
    """``count`` distinct deterministic codes like "XMAS-7KQ2-M9TR"."""
    rng = random.Random(seed)
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < count:
        code = "-".join([prefix] + ["".join(rng.choice(_CODE_ALPHABET) for _ in range(4)) for _ in range(2)])
        if code not in seen:
            seen.add(code)
            out.append(code)
    return out


def _seed_promotions(session: Session, today: date) -> dict[str, Promotion]:
    cats = {c.slug: c for c in session.exec(select(ProductCategory)).all()}
    models = {m.name: m for m in session.exec(select(ProductModel)).all()}
    out = {}
    for spec in _promotion_specs(today):
        spec = dict(spec)
        category_slugs = spec.pop("categories")
        model_names = spec.pop("models", [])
        region_codes = spec.pop("regions")
        prefix = spec.pop("code_prefix", None)
        code_count = spec.pop("code_count", CODES_PER_DIGITAL_PROMOTION)
        promo = Promotion(**spec)
        session.add(promo)
        session.flush()
        session.add_all(
            PromotionCategory(promotion_id=promo.id, category_id=cats[c].id) for c in category_slugs
        )
        session.add_all(PromotionModel(promotion_id=promo.id, model_id=models[n].id) for n in model_names)
        session.add_all(PromotionRegion(promotion_id=promo.id, region_code=r) for r in region_codes)
        if prefix:
            session.execute(
                sa.insert(PromotionCode),
                [
                    {"promotion_id": promo.id, "code": code, "created_at": utcnow()}
                    for code in promotion_codes(prefix, code_count, seed=promo.slug)
                ],
            )
        out[promo.slug] = promo
    session.flush()
    return out


def _seed_users(session: Session) -> dict[str, User]:
    out = {}
    now = utcnow()
    for demo in DEMO_USERS:
        user = User(
            email=demo.email,
            password_hash=_password_hash(demo.password),
            first_name=demo.first_name,
            last_name=demo.last_name,
            region_code=demo.region_code,
            role=demo.role,
            email_verified_at=now,
        )
        session.add(user)
        out[demo.email] = user
    session.flush()
    return out


def _first_free_serial(session: Session, model: ProductModel) -> SerialRecord:
    return session.exec(
        select(SerialRecord)
        .where(SerialRecord.model_id == model.id, ~_registered(SerialRecord.id))
        .order_by(SerialRecord.id)
    ).first()


def _registered(serial_id_column):
    return (
        select(RegisteredProduct.id)
        .where(RegisteredProduct.serial_id == serial_id_column, RegisteredProduct.is_active.is_(True))
        .exists()
    )


def _seed_demo_products(session: Session, user: User, today: date) -> list[RegisteredProduct]:
    models = {m.name: m for m in session.exec(select(ProductModel)).all()}
    stores = {s.name: s for s in session.exec(select(Store).where(Store.region_code == "US")).all()}
    # (preferred models, purchase date, store, channel): the first model already
    # on sale at that date is used, so a demo date in the past still works.
    plan = [
        (["MAG 274QRF-QD", "Optix MAG27CQ"], today - timedelta(days=20), "Best Buy", Channel.retail),
        (["GeForce RTX 4070 GAMING X TRIO 12G", "GeForce RTX 3060 VENTUS 2X 12G OC"],
         today - timedelta(days=9), "Newegg", Channel.online),
        (["Modern 14", "Prestige 14"], today - timedelta(days=4), "Amazon.com", Channel.online),
        (["Optix MPG341CQR"], date(2021, 12, 6), "Micro Center", Channel.retail),
    ]
    out = []
    for names, bought, store_name, channel in plan:
        model = next((models[n] for n in names if models[n].release_date <= bought), None)
        if model is None or bought > today:
            continue
        record = _first_free_serial(session, model)
        product = RegisteredProduct(
            user_id=user.id,
            serial_id=record.id,
            region_code="US",
            store_id=stores[store_name].id,
            channel=channel,
            purchase_date=bought,
        )
        session.add(product)
        session.flush()
        out.append(product)
    return out


def seed(*, session: Session, today: date | None = None) -> dict:
    """Fill an empty database with the demo data; flushes, the caller commits.

    Returns counts of what was created, or {"skipped": True} when the database
    is not empty (nothing is changed then).  ``today`` (default: the business
    date) anchors the promotions that run "now" and the demo purchases.
    """
    if not is_empty(session):
        return {"skipped": True}
    today = today or clock.today(session)
    catalog.ensure_catalog(session=session)
    catalog.ensure_regions(session=session)
    units = catalog.seed_registry(session=session, per_model=UNITS_PER_MODEL, seed=REGISTRY_SEED)
    promotions = _seed_promotions(session, today)
    session.add_all(
        ReasonTemplate(text=text, missing_document=doc, is_rejection=rejection)
        for text, doc, rejection in REASON_TEMPLATES
    )
    users = _seed_users(session)
    products = _seed_demo_products(session, users[DEMO_USERS[0].email], today)
    session.flush()
    return {
        "skipped": False,
        "serials": units,
        "promotions": len(promotions),
        "users": len(users),
        "products": len(products),
    }


def running_promotions(session: Session, today: date) -> list[Promotion]:
    return session.exec(
        select(Promotion)
        .where(Promotion.starts_on <= today, Promotion.ends_on >= today)
        .order_by(Promotion.ends_on, Promotion.id)
    ).all()


def demo_stickers(*, session: Session, limit: int = 24) -> list[dict]:
    """Unregistered demo units for a printable sticker sheet, fit for the running promotions.

    Spread round-robin over the eligible models (a promotion's model list, or
    its categories' models).  Each row: serial, chk, model, model_number,
    category, category_slug, promotions (names of the running promotions it
    fits).  Falls back to any model when nothing runs today.
    """
    today = clock.today(session)
    fits: dict[int, list[str]] = {}
    for promo in running_promotions(session, today):
        model_ids = session.exec(
            select(PromotionModel.model_id).where(PromotionModel.promotion_id == promo.id)
        ).all()
        if not model_ids:
            model_ids = session.exec(
                select(ProductModel.id)
                .join(PromotionCategory, PromotionCategory.category_id == ProductModel.category_id)
                .where(PromotionCategory.promotion_id == promo.id)
            ).all()
        for model_id in model_ids:
            fits.setdefault(model_id, []).append(promo.name)
    if not fits:
        fits = {m: [] for m in session.exec(select(ProductModel.id)).all()}

    rows = session.exec(
        select(ProductModel, ProductCategory)
        .join(ProductCategory)
        .where(ProductModel.id.in_(list(fits)))
        .order_by(ProductCategory.sort_order, ProductModel.name)
    ).all()
    per_model = -(-limit // max(1, len(rows)))  # ceiling
    pools = []
    for model, category in rows:
        records = session.exec(
            select(SerialRecord)
            .where(SerialRecord.model_id == model.id, ~_registered(SerialRecord.id))
            .order_by(SerialRecord.id.desc())  # the seed registers from the other end
            .limit(per_model)
        ).all()
        pools.append([
            {
                "serial": r.serial,
                "chk": r.chk,
                "model": model.name,
                "model_number": model.model_number,
                "category": category.name,
                "category_slug": category.slug,
                "promotions": fits.get(model.id, []),
            }
            for r in records
        ])
    out: list[dict] = []
    while len(out) < limit and any(pools):
        for pool in pools:
            if pool and len(out) < limit:
                out.append(pool.pop(0))
    return out



# --------------------------------------------------------------------------- demo claims
#
# Claims in every status, made through the real services (products.register,
# redemptions.submit / decide / set_shipping with the demo reviewer as actor),
# so each has its audit rows, its outbox emails and private invoice / S/N
# photo files like a real upload.  The pictures are drawn with Pillow once per
# process and cached (the demo reset must stay well under 5 s).

import functools  # noqa: E402 - this part was appended to the module
import hashlib  # noqa: E402
import io  # noqa: E402
import secrets  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from datetime import datetime, time as dtime, timezone  # noqa: E402
from pathlib import Path  # noqa: E402

from rxapp.models import (  # noqa: E402
    AppSetting,
    EmailMessage,
    FileKind,
    Redemption,
    RedemptionEvent,
    ShippingStatus,
    StoredFile,
)

# The seed's "Please provide the invoice with your product name on it, thanks."
NEEDS_INFO_REASON = REASON_TEMPLATES[0][0]
REJECTED_REASON = (
    "Best Buy confirmed that this order was cancelled and refunded, so the monitor does not qualify "
    "for the promotion."
)
# Other customers whose claims keep the reviewer's queue busy.  Nobody can log
# in as them: their password is random per process.
EXTRA_CUSTOMERS: tuple[tuple[str, str, str], ...] = (
    ("jamie.rivera@member-center.test", "Jamie", "Rivera"),
    ("casey.brooks@member-center.test", "Casey", "Brooks"),
)
DEMO_RECIPIENT = {
    "zipcode": "97205",
    "address": "1420 SW Harbor View Drive, Apt 4B\nPortland, OR",
    "contact_number": "+1 503 555 0142",
    "note": "",
}
# Where each customer's prizes go; Casey Brooks shares the demo customer's
# address on purpose (the reviewer sees a "same address" link).
_RECIPIENTS = {
    "jamie.rivera@member-center.test": {
        "zipcode": "60614", "address": "2250 N Clark Street, Unit 9\nChicago, IL",
        "contact_number": "+1 312 555 0187", "note": "Please leave the parcel with the doorman.",
    },
}
_PRICES = {  # list price by category, USD
    "monitor": 329.99, "desktop": 1049.00, "laptop": 799.00, "graphics-card": 599.99, "motherboard": 219.99,
}
_STORE_ADDRESSES = {
    "Best Buy": ("Best Buy Co., Inc.", "7601 Penn Avenue South", "Richfield, MN 55423"),
    "Newegg": ("Newegg Inc.", "17560 Rowland Street", "City of Industry, CA 91748"),
    "Amazon.com": ("Amazon.com Services LLC", "410 Terry Avenue North", "Seattle, WA 98109"),
    "Micro Center": ("Micro Center", "1100 Steelwood Road", "Columbus, OH 43212"),
}
_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation")


@functools.lru_cache(maxsize=None)
def _font(size: int, bold: bool = False, mono: bool = False):
    from PIL import ImageFont

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
    from PIL import Image, ImageDraw

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
    from PIL import Image, ImageDraw

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


def _recipient(user: User) -> dict:
    return _RECIPIENTS.get(user.email, DEMO_RECIPIENT)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, dtime(hour, minute), tzinfo=timezone.utc)


@contextmanager
def _business_day(session: Session, day: date):
    """Run services as if "today" were ``day`` (the demo date), then put the setting back."""
    row = session.get(AppSetting, clock.DEMO_DATE_KEY)
    before = None if row is None else row.value
    clock.set_demo_date(session, day)
    try:
        yield
    finally:
        row = session.get(AppSetting, clock.DEMO_DATE_KEY)
        if before is None:
            session.delete(row)
        else:
            row.value = before
            session.add(row)
        session.flush()


class _ClaimSeeder:
    """Builds the demo claims in one session; every step goes through a service."""

    def __init__(self, session: Session, today: date):
        from rxapp.services import files, products, redemptions

        self.s = session
        self.today = today
        self.files, self.products, self.redemptions = files, products, redemptions
        self.models = {m.name: m for m in session.exec(select(ProductModel)).all()}
        self.categories = {c.id: c for c in session.exec(select(ProductCategory)).all()}
        self.stores = {s.name: s for s in session.exec(select(Store).where(Store.region_code == "US")).all()}
        self.promos = {p.slug: p for p in session.exec(select(Promotion)).all()}
        self.users = {u.email: u for u in session.exec(select(User)).all()}
        self.reviewer = self.users[DEMO_USERS[2].email]
        self.invoice_bytes: dict[int, bytes] = {}
        self.created: list[Redemption] = []

    # ----------------------------------------------------------------- files

    def store_file(self, user: User, kind: FileKind, data: bytes, filename: str) -> int:
        result = self.files.check_and_store_stream(
            session=self.s, owner_id=user.id, kind=kind, chunks=data, filename=filename
        )
        return result.file_id

    def invoice(self, user: User, store: str, day: date, lines, *, order_seed: str
                ) -> tuple[int, InvoiceSpec]:
        rng = random.Random(order_seed)
        spec = InvoiceSpec(
            store=store,
            number=f"INV-{day:%Y%m}-{rng.randrange(10_000, 99_999)}",
            order_number=f"{rng.randrange(100, 999)}-{rng.randrange(1_000_000, 9_999_999)}",
            day=day,
            buyer=(f"{user.first_name} {user.last_name}", *_recipient(user)["address"].split("\n"),
                   _recipient(user)["zipcode"]),
            lines=tuple(lines),
        )
        data = invoice_image(spec)
        file_id = self.store_file(user, FileKind.invoice, data, f"invoice-{spec.number}.jpg")
        self.invoice_bytes[file_id] = data
        return file_id, spec

    def serial_photo(self, user: User, product: RegisteredProduct) -> int:
        record = self.s.get(SerialRecord, product.serial_id)
        model = self.s.get(ProductModel, record.model_id)
        category = self.categories[model.category_id]
        data = serial_photo_image(record.serial, record.chk, model.name, model.model_number, category.name)
        return self.store_file(user, FileKind.serial_photo, data, f"sn-{record.serial}.jpg")

    # ----------------------------------------------------------------- products

    def pick_model(self, names: list[str], bought: date) -> ProductModel | None:
        return next((self.models[n] for n in names if self.models[n].release_date <= bought), None)

    def product_lines(self, model: ProductModel, *, named: bool = True) -> list[tuple[int, str, float]]:
        category = self.categories[model.category_id]
        price = _PRICES.get(category.slug, 199.0)
        if named:
            first = (1, f"MSI {model.name} {model.model_number}"[:58], price)
        else:  # what a careless store prints: no product name (the needs-info case)
            first = (1, f"{category.name} computer hardware, item 1 of 2", price)
        return [first, (1, "Standard shipping", 0.0), (1, "Protection plan, 2 years (declined)", 0.0)]

    def register(self, user: User, names: list[str], bought: date, store: str, channel: Channel,
                 *, named_invoice: bool = True, invoice_bytes_of: RegisteredProduct | None = None):
        """A product registered through the wizard's service, with its invoice; None if no model fits."""
        model = self.pick_model(names, bought)
        if model is None or bought > self.today:
            return None
        record = _first_free_serial(self.s, model)
        invoice_id = self.invoice_for(user, model, bought, store, named=named_invoice,
                                      copy_of=invoice_bytes_of)
        with _business_day(self.s, max(bought, min(self.today, bought + timedelta(days=2)))):
            product = self.products.register(
                session=self.s, user_id=user.id, serial=record.serial, chk=record.chk, region_code="US",
                store_id=self.stores[store].id, purchase_date=bought, channel=channel,
                invoice_file_id=invoice_id,
            )
        return product

    def invoice_for(self, user, model, bought, store, *, named=True, copy_of=None) -> int:
        if copy_of is not None:  # the very same picture another account uploaded
            source = self.s.get(StoredFile, copy_of.invoice_file_id)
            data = self.invoice_bytes[source.id]
            return self.store_file(user, FileKind.invoice, data, source.original_name)
        file_id, _spec = self.invoice(
            user, store, bought, self.product_lines(model, named=named),
            order_seed=f"{user.email}|{model.name}"
        )
        return file_id

    def attach_invoice(self, user: User, product: RegisteredProduct, store: str) -> None:
        record = self.s.get(SerialRecord, product.serial_id)
        model = self.s.get(ProductModel, record.model_id)
        file_id = self.invoice_for(user, model, product.purchase_date, store)
        self.products.replace_invoice(
            session=self.s, user_id=user.id, product_id=product.id, invoice_file_id=file_id
        )

    # ----------------------------------------------------------------- claims

    def claim(self, user: User, product: RegisteredProduct | None, slug: str, day: date, hour: int = 10):
        if product is None or slug not in self.promos:
            return None
        recipient = {"first_name": user.first_name, "last_name": user.last_name, **_recipient(user)}
        photo = self.serial_photo(user, product)
        with _business_day(self.s, day):
            claim = self.redemptions.submit(
                session=self.s, user_id=user.id, product_id=product.id, promotion_id=self.promos[slug].id,
                recipient=recipient, serial_photo_file_id=photo,
            )
        self.stamp(claim, _at(day, hour, 12), submitted=True)
        self.created.append(claim)
        return claim

    def decide(self, claim, decision: str, at: datetime, reason: str = "", missing=None):
        if claim is None:
            return None
        with _business_day(self.s, at.date()):
            self.redemptions.decide(
                session=self.s, claim_id=claim.id, reviewer_id=self.reviewer.id, decision=decision,
                reason=reason, missing_document=missing,
            )
        self.stamp(claim, at, decided=True)
        return claim

    def ship(self, claim, status: ShippingStatus, at: datetime, tracking: str = ""):
        if claim is None:
            return None
        self.redemptions.set_shipping(
            session=self.s, claim_id=claim.id, reviewer_id=self.reviewer.id, status=status,
            tracking_number=tracking,
        )
        self.stamp(claim, at)
        return claim

    def stamp(self, claim: Redemption, at: datetime, *, submitted: bool = False,
              decided: bool = False) -> None:
        """Date the claim's newest audit row and email (and the claim) at ``at``: a believable history."""
        at = min(at, utcnow() - timedelta(minutes=1))  # never in the future
        event_id = self.s.exec(
            select(RedemptionEvent.id).where(RedemptionEvent.redemption_id == claim.id)
            .order_by(RedemptionEvent.id.desc())
        ).first()
        self.s.execute(sa.update(RedemptionEvent).where(RedemptionEvent.id == event_id).values(created_at=at))
        mail_id = self.s.exec(
            select(EmailMessage.id).where(EmailMessage.redemption_id == claim.id)
            .order_by(EmailMessage.id.desc())
        ).first()
        if mail_id is not None and (submitted or decided):
            self.s.execute(
                sa.update(EmailMessage).where(EmailMessage.id == mail_id)
                .values(created_at=at, next_attempt_at=at)
            )
        values = {}
        if submitted:
            values["submitted_at"] = at
        if decided:
            values["decided_at"] = at
        if values:
            self.s.execute(sa.update(Redemption).where(Redemption.id == claim.id).values(**values))
        self.s.flush()



def _extra_customer(session: Session, email: str, first: str, last: str) -> User:
    user = session.exec(select(User).where(User.email == email)).first()
    if user is None:
        user = User(email=email, password_hash=_password_hash(_LOCKED_PASSWORD), first_name=first,
                    last_name=last, region_code="US", role=Role.customer, email_verified_at=utcnow())
        session.add(user)
        session.flush()
    return user


# Random per process: the extra customers exist for the reviewer's queue, not to log in.
_LOCKED_PASSWORD = secrets.token_urlsafe(24)


def seed_claims(*, session: Session, today: date | None = None) -> dict:
    """The demo customer's claims in every status, plus other customers' claims for the queue.

    Runs on a database just filled by ``seed`` (``demo_kit.reset`` and
    ``rxapp.cli seed-if-empty`` call it after ``seed``, in the same
    transaction); does nothing when claims exist already.  Everything goes
    through the services (registration, submit, decide, shipping) with the
    demo reviewer as actor, so audit rows and outbox emails exist; invoices
    and S/N photos are private ``StoredFile`` uploads.  Then the timestamps
    are moved to a believable history around ``today`` (default: the
    business date).  Flushes; the caller commits.  Returns counts.

    The demo customer ends with: Game On Bundle rejected (monitor) and
    approved with a code (graphics card), Gear Up Backpack waiting for an
    invoice (needs info, the seed's reason), Board Upgrade Bonus under review
    (a new motherboard), Live in Everyday Passion 2021 approved and shipped;
    the Christmas Deal stays free to redeem live.  Other customers: one claim
    re-using the demo customer's invoice picture, one with the same address,
    one Christmas Deal 2021 approved as history.  The brand-new customer
    stays empty.
    """
    if session.exec(select(Redemption.id).limit(1)).first() is not None:
        return {"skipped": True}
    today = today or clock.today(session)
    users = {u.email: u for u in session.exec(select(User)).all()}
    customer = users.get(DEMO_USERS[0].email)
    if customer is None or users.get(DEMO_USERS[2].email) is None:
        return {"skipped": True}
    seeder = _ClaimSeeder(session, today)
    stores = seeder.stores

    # The demo customer's products from ``seed`` get their invoices.
    own = session.exec(
        select(RegisteredProduct).where(RegisteredProduct.user_id == customer.id)
        .order_by(RegisteredProduct.id)
    ).all()
    store_names = {s.id: s.name for s in stores.values()}
    by_category: dict[str, RegisteredProduct] = {}
    for product in own:
        record = session.get(SerialRecord, product.serial_id)
        model = session.get(ProductModel, record.model_id)
        slug = seeder.categories[model.category_id].slug
        key = "monitor-2021" if product.purchase_date.year == 2021 and slug == "monitor" else slug
        by_category.setdefault(key, product)
        if slug == "laptop" and key == "laptop":
            continue  # its invoice lacks the product name: attached below
        seeder.attach_invoice(customer, product, store_names[product.store_id])
    laptop = by_category.get("laptop")
    if laptop is not None:
        record = session.get(SerialRecord, laptop.serial_id)
        model = session.get(ProductModel, record.model_id)
        file_id = seeder.invoice_for(customer, model, laptop.purchase_date, store_names[laptop.store_id],
                                     named=False)
        seeder.products.replace_invoice(
            session=session, user_id=customer.id, product_id=laptop.id, invoice_file_id=file_id
        )

    # Game On Bundle: the monitor's claim rejected, then the graphics card's approved with its code.
    monitor, gpu = by_category.get("monitor"), by_category.get("graphics-card")
    if monitor is not None:
        day = min(today, monitor.purchase_date + timedelta(days=2))
        c = seeder.claim(customer, monitor, "game-on-bundle", day, hour=9)
        seeder.decide(c, "reject", _at(min(today, day + timedelta(days=3)), 14, 5), reason=REJECTED_REASON)
    if gpu is not None:
        day = min(today, gpu.purchase_date + timedelta(days=1))
        c = seeder.claim(customer, gpu, "game-on-bundle", day, hour=18)
        seeder.decide(c, "approve", _at(min(today, day + timedelta(days=2)), 11, 40))
    # Gear Up Backpack: the invoice shows no product name -> the seed's needs-info reason.
    if laptop is not None:
        day = min(today, laptop.purchase_date + timedelta(days=1))
        c = seeder.claim(customer, laptop, "gear-up-backpack", day, hour=20)
        seeder.decide(c, "needs_info", _at(min(today, day + timedelta(days=1)), 10, 15),
                      reason=NEEDS_INFO_REASON, missing=MissingDocument.invoice)
    # Board Upgrade Bonus: a new motherboard, waiting for the reviewer.
    board = seeder.register(customer, ["MAG B650 TOMAHAWK WIFI", "MPG Z790 EDGE WIFI"],
                            today - timedelta(days=6), "Micro Center", Channel.retail)
    seeder.claim(customer, board, "board-upgrade-bonus", today - timedelta(days=2), hour=8)
    # Live in Everyday Passion (2021): approved, then shipped -- the physical prize's history.
    sleeve_laptop = seeder.register(customer, ["GF63 Thin", "Modern 14"], date(2021, 8, 14), "Best Buy",
                                    Channel.retail)
    c = seeder.claim(customer, sleeve_laptop, "live-in-everyday-passion-2021", date(2021, 8, 16), hour=19)
    seeder.decide(c, "approve", _at(date(2021, 8, 24), 10, 30))
    seeder.ship(c, ShippingStatus.shipped, _at(date(2021, 9, 2), 16, 0), tracking="1Z999AA10123456784")

    # Other customers, for the reviewer's queue and its linked claims.
    jamie = _extra_customer(session, *EXTRA_CUSTOMERS[0])
    casey = _extra_customer(session, *EXTRA_CUSTOMERS[1])
    if gpu is not None:  # the very same invoice picture as the demo customer's graphics card
        twin = seeder.register(jamie, ["Radeon RX 7800 XT GAMING TRIO CLASSIC 16G",
                                       "GeForce RTX 3060 VENTUS 2X 12G OC"],
                               gpu.purchase_date, "Newegg", Channel.online, invoice_bytes_of=gpu)
        day = min(today, gpu.purchase_date + timedelta(days=3))
        seeder.claim(jamie, twin, "game-on-bundle", day, hour=22)
    xmas = seeder.register(casey, ["Trident 3 Arctic"], date(2021, 12, 8), "Micro Center", Channel.retail)
    c = seeder.claim(casey, xmas, "christmas-deal-2021", date(2021, 12, 10), hour=12)
    seeder.decide(c, "approve", _at(date(2021, 12, 16), 9, 20))
    desktop = seeder.register(casey, ["MAG Infinite S3", "MEG Aegis Ti5", "Trident 3 Arctic"],
                              today - timedelta(days=12), "Best Buy", Channel.retail)
    seeder.claim(casey, desktop, "gear-up-backpack", today - timedelta(days=1), hour=7)  # same address

    session.flush()
    statuses: dict[str, int] = {}
    for claim in seeder.created:
        session.refresh(claim)
        statuses[claim.status.value] = statuses.get(claim.status.value, 0) + 1
    return {"skipped": False, "claims": len(seeder.created), "statuses": statuses}
