"""The demo seed: accounts, promotions, codes, the serial registry and demo products on an empty database.

``seed`` fills an empty database with the catalog, regions and stores, a
deterministic serial registry, the seed walkthrough's three 2021 promotions,
promotions running around "today" (so every flow can be shown live), their
code pools, the reviewer's reason templates, the demo accounts of
``DEMO_USERS``, and a few registered products for the demo customer.  It
adds no claims (``demo_claims.seed_claims`` goes on top).

Fast by design (the demo "reset" must take well under 5 s): the registry goes
in with one executemany insert, and the four demo passwords are hashed once
per process (argon2id is slow on purpose).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa
from sqlmodel import Session, select

from rxapp.models import (
    Channel, MissingDocument, PrizeType, ProductCategory, ProductModel, Promotion, PromotionCategory,
    PromotionCode, PromotionModel, PromotionRegion, ReasonTemplate, RegisteredProduct, Role,
    SerialRecord, Store, User, utcnow,
)
from rxapp.i18n import N_
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
             N_("Customer with registered products"), "Alex", "Morgan", "US"),
    DemoUser("new@member-center.test", "new-customer-2021", Role.customer,
             N_("Brand-new customer (nothing registered)"), "Sam", "Taylor", "GB"),
    DemoUser("reviewer@member-center.test", "reviewer-2021", Role.reviewer,
             N_("Reviewer (claim queue)"), "Robin", "Lee", "TW"),
    DemoUser("admin@member-center.test", "admin-2021", Role.admin,
             N_("Admin (promotions and code pools)"), "Jordan", "Chen", "DE"),
)

# Other customers whose claims keep the reviewer's queue busy (``demo_claims``).
# Nobody can log in as them: their password is random per process.
EXTRA_CUSTOMERS: tuple[tuple[str, str, str], ...] = (
    ("jamie.rivera@member-center.test", "Jamie", "Rivera"),
    ("casey.brooks@member-center.test", "Casey", "Brooks"),
)

# Every account a demo seed creates.  With demo mode off they must not work
# (``accounts.authenticate`` and ``sessions.resolve`` refuse them): their
# passwords are printed in the README.
DEMO_EMAILS: frozenset[str] = frozenset(
    [u.email for u in DEMO_USERS] + [email for email, _first, _last in EXTRA_CUSTOMERS]
)


def is_demo_email(email: object) -> bool:
    """True for an address a demo seed gives to one of its accounts."""
    return isinstance(email, str) and email.strip().lower() in DEMO_EMAILS


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
# Templates written in the customers' other languages (issue 16): offered first on the claim of a customer
# who reads that language, and sent as written.
REASON_TEMPLATES_BY_LANGUAGE: tuple[tuple[str, str, MissingDocument, bool], ...] = (
    ("de", "Bitte laden Sie die Rechnung hoch, auf der der Produktname zu sehen ist. Vielen Dank!",
     MissingDocument.invoice, False),
    ("zh-TW", "請上傳顯示產品名稱的發票，謝謝。", MissingDocument.invoice, False),
)

_EU = ["GB", "IE", "DE", "FR", "ES", "IT", "NL", "BE", "AT", "CH", "PL", "SE", "NO", "DK", "FI", "CZ", "PT"]
_NORTH_AMERICA = ["US", "CA"]
_ASIA = ["TW", "JP", "KR", "HK", "SG", "MY", "TH"]

# Hash each demo password once per process: argon2id takes ~50 ms a time.
_HASHES: dict[str, str] = {}


def hashed_demo_password(password: str) -> str:
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
        # The demo shows the fast track (``decision_policy``); a new promotion starts with it off.
        promo = Promotion(**spec, auto_decide=True)
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
            password_hash=hashed_demo_password(demo.password),
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


def first_free_serial(session: Session, model: ProductModel) -> SerialRecord:
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
        record = first_free_serial(session, model)
        product = RegisteredProduct(
            user_id=user.id,
            serial_id=record.id,
            region_code="US",
            store_id=stores[store_name].id,
            channel=channel,
            purchase_date=bought,
            # Registered the day it was bought (not minutes before a claim: ``risk_signals.FRESH_SERIAL``).
            registered_at=datetime.combine(bought, time(12), tzinfo=timezone.utc),
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
    session.add_all(
        ReasonTemplate(text=text, missing_document=doc, is_rejection=rejection, language=language)
        for language, text, doc, rejection in REASON_TEMPLATES_BY_LANGUAGE
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
