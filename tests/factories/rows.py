"""Rows: small builders of real rows through the ORM (flushed, not committed).

Every builder takes the session first and sensible defaults for the rest, so a
test names only what it is about.  Claims are not rows here: a claim in a
status comes from ``tests.factories.flows`` (the services' own transitions).

Two sets of defaults live here: the ``make_*`` builders (customer side:
Christmas 2021 promotions, digital codes) and the ``_``-prefixed builders of
the reviewer console's world (2024 promotions, physical prizes), shared by the
review queue, claim export, claim review, reason template, insights and
promotions-admin tests.
"""

from __future__ import annotations

import functools
import itertools
import secrets
from datetime import date, datetime, timezone

from sqlmodel import Session, select

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
    RedemptionStatus,
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


# --------------------------------------------------------------------------- the reviewer console's world

S = RedemptionStatus


def _region(s, code="FR"):
    r = s.get(Region, code)
    if r is None:
        r = Region(code=code, name=f"Region {code}")
        s.add(r)
        s.flush()
    return r


def _store(s, region="FR", name=None, partner=True):
    _region(s, region)
    st_ = Store(region_code=region, name=name or f"Store {next(_seq)}", channel=Channel.retail, is_partner=partner)
    s.add(st_)
    s.flush()
    return st_


def _category(s, slug=None):
    n = next(_seq)
    c = ProductCategory(
        slug=slug or f"cat{n}",
        name=f"Category {n}",
        serial_pattern=r"^[A-Z0-9]{6,20}$",
        serial_format="AAAAAA",
        warranty_months=24,
        sticker_text="On the back.",
        sticker_image="sticker.png",
    )
    s.add(c)
    s.flush()
    return c


def _model(s, category=None, name=None):
    category = category or _category(s)
    n = next(_seq)
    m = ProductModel(
        category_id=category.id, name=name or f"Model {n}", model_number=f"MS-{n}", release_date=date(2020, 1, 1)
    )
    s.add(m)
    s.flush()
    return m


def _user(s, email=None, role=Role.customer, region="FR"):
    _region(s, region)
    u = User(
        email=(email or f"user{next(_seq)}@example.com").lower(),
        password_hash="x",
        first_name="Ada",
        last_name="Lovelace",
        region_code=region,
        phone_e164="+33123456789",
        role=role,
    )
    s.add(u)
    s.flush()
    return u


def _file(s, owner, kind=FileKind.invoice, sha=None):
    n = next(_seq)
    f = StoredFile(
        owner_id=owner.id,
        kind=kind,
        storage_key=f"key{n}",
        sha256=sha or f"{n:064x}",
        content_type="image/png",
        size=1000 + n,
        width=800,
        height=600,
        original_name=f"file{n}.png",
    )
    s.add(f)
    s.flush()
    return f


def _product(s, user, *, serial=None, model=None, region="FR", store=None, invoice=None, active=True, serial_rec=None):
    if serial_rec is None:
        serial_rec = SerialRecord(serial=serial or f"SN{next(_seq):08d}", chk="123", model_id=(model or _model(s)).id)
        s.add(serial_rec)
        s.flush()
    store = store or _store(s, region)
    p = RegisteredProduct(
        user_id=user.id,
        serial_id=serial_rec.id,
        region_code=region,
        store_id=store.id,
        channel=Channel.retail,
        purchase_date=date(2024, 3, 1),
        invoice_file_id=invoice.id if invoice else None,
        is_active=active,
    )
    s.add(p)
    s.flush()
    return p


def _promotion(s, name=None, categories=(), regions=("FR", "DE"), **kw):
    n = next(_seq)
    p = Promotion(
        slug=f"promo-{n}",
        name=name or f"Promotion {n}",
        starts_on=kw.pop("starts_on", date(2024, 1, 1)),
        ends_on=kw.pop("ends_on", date(2024, 12, 31)),
        prize_type=kw.pop("prize_type", PrizeType.physical),
        prize_name=kw.pop("prize_name", "Mouse pad"),
        physical_stock=kw.pop("physical_stock", 100),
        per_customer_limit=kw.pop("per_customer_limit", 100),
        **kw,
    )
    s.add(p)
    s.flush()
    for c in categories:
        s.add(PromotionCategory(promotion_id=p.id, category_id=c.id))
    for r in regions:
        _region(s, r)
        s.add(PromotionRegion(promotion_id=p.id, region_code=r))
    s.flush()
    return p


def _claim(s, product, promotion, *, status=S.under_review, due_on=date(2024, 5, 1), submitted=None, **kw):
    """A claim in ``status`` made through the services' transitions (``tests.factories.flows.claim``),
    submitted 2024-04-10 09:00 UTC and due 2024-05-01 unless told."""
    from tests.factories import flows

    submitted = submitted or datetime(2024, 4, 10, 9, 0, tzinfo=timezone.utc)
    return flows.claim(s, product, promotion, status=status, due_on=due_on, submitted=submitted, **kw)


def _reviewer(s):
    return _user(s, role=Role.reviewer)


def _rid(s) -> int:
    """The id of a reviewer (the first one, made on demand): the acting user of read-side calls."""
    found = s.exec(select(User).where(User.role == Role.reviewer).order_by(User.id)).first()
    return (found or _reviewer(s)).id
