"""Small builders of real rows through the ORM (flushed, not committed).

Every builder takes the session first and sensible defaults for the rest, so a
test names only what it is about.
"""

from __future__ import annotations

import functools
import itertools
import secrets
from datetime import date

from sqlmodel import Session

from rxapp.models import (
    Channel,
    FileKind,
    PrizeType,
    ProductCategory,
    ProductModel,
    Promotion,
    PromotionCategory,
    PromotionCode,
    PromotionModel,
    PromotionRegion,
    Region,
    RegisteredProduct,
    Role,
    SerialRecord,
    Store,
    StoredFile,
    User,
)
from rxapp.services.passwords import hash_password

_seq = itertools.count(1)
PASSWORD = "correct horse battery staple"

REGION_NAMES = {"FR": "France", "DE": "Germany", "US": "United States", "TW": "Taiwan", "IT": "Italy"}

RECIPIENT = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "zipcode": "75011",
    "address": "12 rue de la Roquette\nBâtiment B",
    "contact_number": "06 12 34 56 78",
    "note": "",
}


@functools.cache
def password_hash() -> str:
    return hash_password(PASSWORD)


def _n() -> int:
    return next(_seq)


def make_region(session: Session, code: str = "FR", name: str | None = None) -> Region:
    region = session.get(Region, code)
    if region is None:
        region = Region(code=code, name=name or REGION_NAMES.get(code, code))
        session.add(region)
        session.flush()
    return region


def make_store(
    session: Session, region_code: str = "FR", *, name: str | None = None, is_partner: bool = True,
    channel: Channel = Channel.retail,
) -> Store:
    make_region(session, region_code)
    store = Store(region_code=region_code, name=name or f"Store {_n()}", channel=channel, is_partner=is_partner)
    session.add(store)
    session.flush()
    return store


def make_category(session: Session, *, slug: str | None = None, name: str | None = None) -> ProductCategory:
    n = _n()
    category = ProductCategory(
        slug=slug or f"cat-{n}",
        name=name or f"Category {n}",
        serial_pattern=r"^[A-Z0-9]{10,20}$",
        serial_format="AAAA########",
        warranty_months=24,
        sticker_text="On the back, under the barcode.",
        sticker_image="/stickers/monitor.png",
    )
    session.add(category)
    session.flush()
    return category


def make_model(
    session: Session, category: ProductCategory | None = None, *, name: str | None = None,
    release_date: date = date(2020, 1, 1),
) -> ProductModel:
    category = category or make_category(session)
    n = _n()
    model = ProductModel(
        category_id=category.id, name=name or f"Optix MPG{n}", model_number=f"3DA{n:04d}", release_date=release_date
    )
    session.add(model)
    session.flush()
    return model


def make_serial(session: Session, model: ProductModel | None = None, *, serial: str | None = None) -> SerialRecord:
    model = model or make_model(session)
    record = SerialRecord(serial=serial or f"K{_n():015d}", chk="123", model_id=model.id)
    session.add(record)
    session.flush()
    return record


def make_user(
    session: Session, *, email: str | None = None, role: Role = Role.customer, region_code: str = "FR"
) -> User:
    make_region(session, region_code)
    user = User(
        email=email or f"user{_n()}@example.com",
        password_hash=password_hash(),
        first_name="Ada",
        last_name="Lovelace",
        region_code=region_code,
        role=role,
    )
    session.add(user)
    session.flush()
    return user


def make_file(
    session: Session, owner: User, kind: FileKind = FileKind.invoice, *, sha256: str | None = None
) -> StoredFile:
    f = StoredFile(
        owner_id=owner.id,
        kind=kind,
        storage_key=secrets.token_hex(16),
        sha256=sha256 or secrets.token_hex(32),
        content_type="image/png",
        size=1234,
        width=800,
        height=600,
        original_name=f"{kind.value}.png",
    )
    session.add(f)
    session.flush()
    return f


def make_product(
    session: Session,
    user: User,
    *,
    model: ProductModel | None = None,
    store: Store | None = None,
    region_code: str | None = None,
    purchase_date: date = date(2021, 12, 5),
    with_invoice: bool = True,
) -> RegisteredProduct:
    region_code = region_code or (store.region_code if store else "FR")
    make_region(session, region_code)
    store = store or make_store(session, region_code)
    serial = make_serial(session, model)
    invoice = make_file(session, user, FileKind.invoice) if with_invoice else None
    product = RegisteredProduct(
        user_id=user.id,
        serial_id=serial.id,
        region_code=region_code,
        store_id=store.id,
        channel=store.channel,
        purchase_date=purchase_date,
        invoice_file_id=invoice.id if invoice else None,
    )
    session.add(product)
    session.flush()
    return product


def make_promotion(
    session: Session,
    *,
    categories: list[ProductCategory] = (),
    models: list[ProductModel] = (),
    regions: list[str] = (),
    codes: int = 0,
    starts_on: date = date(2021, 12, 1),
    ends_on: date = date(2021, 12, 31),
    prize_type: PrizeType = PrizeType.digital_code,
    prize_name: str = "Steam code",
    physical_stock: int | None = None,
    per_customer_limit: int = 1,
    requires_partner_store: bool = True,
    name: str | None = None,
) -> Promotion:
    n = _n()
    promotion = Promotion(
        slug=f"promo-{n}",
        name=name or f"Christmas Deals {n}",
        starts_on=starts_on,
        ends_on=ends_on,
        prize_type=prize_type,
        prize_name=prize_name,
        prize_instructions="Open Steam, choose Games > Activate a Product on Steam, and enter the code.",
        physical_stock=physical_stock,
        per_customer_limit=per_customer_limit,
        requires_partner_store=requires_partner_store,
    )
    session.add(promotion)
    session.flush()
    for c in categories:
        session.add(PromotionCategory(promotion_id=promotion.id, category_id=c.id))
    for m in models:
        session.add(PromotionModel(promotion_id=promotion.id, model_id=m.id))
    for code in regions:
        make_region(session, code)
        session.add(PromotionRegion(promotion_id=promotion.id, region_code=code))
    for i in range(codes):
        session.add(PromotionCode(promotion_id=promotion.id, code=f"CODE-{promotion.id}-{i:05d}"))
    session.flush()
    return promotion


def claimable(session: Session, *, codes: int = 5, **promo_kwargs):
    """A customer, an eligible product, a running promotion (demo date inside it)
    and an S/N photo: everything a submission needs.  Returns a dict."""
    from rxapp.services import clock

    user = make_user(session)
    category = make_category(session)
    model = make_model(session, category)
    product = make_product(session, user, model=model)
    promotion = make_promotion(session, categories=[category], codes=codes, **promo_kwargs)
    photo = make_file(session, user, FileKind.serial_photo)
    clock.set_demo_date(session, date(2021, 12, 10))
    return {
        "user": user,
        "category": category,
        "model": model,
        "product": product,
        "promotion": promotion,
        "photo": photo,
    }
