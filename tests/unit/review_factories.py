"""Small builders of the reviewer console's world (regions, stores, products, promotions, claims).

Shared by the review queue, claim export, claim review, reason template,
insights and promotions-admin tests.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, timezone

from sqlmodel import select

from rxapp.models import (
    Channel,
    FileKind,
    PrizeType,
    ProductCategory,
    ProductModel,
    Promotion,
    PromotionCategory,
    PromotionRegion,
    Redemption,
    RedemptionStatus,
    Region,
    RegisteredProduct,
    Role,
    SerialRecord,
    Store,
    StoredFile,
    User,
)

S = RedemptionStatus
_seq = itertools.count(1)


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


def _promotion(s, name=None, categories=(), regions=("FR",), **kw):
    n = next(_seq)
    p = Promotion(
        slug=f"promo-{n}",
        name=name or f"Promotion {n}",
        starts_on=kw.pop("starts_on", date(2024, 1, 1)),
        ends_on=kw.pop("ends_on", date(2024, 12, 31)),
        prize_type=kw.pop("prize_type", PrizeType.physical),
        prize_name=kw.pop("prize_name", "Mouse pad"),
        physical_stock=kw.pop("physical_stock", 100),
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


def _claim(s, product, promotion, *, status=S.under_review, due_on=date(2024, 5, 1), submitted=None, address="1 Rue de la Paix", invoice=None, photo=None):
    submitted = submitted or datetime(2024, 4, 10, 9, 0, tzinfo=timezone.utc)
    r = Redemption(
        user_id=product.user_id,
        product_id=product.id,
        promotion_id=promotion.id,
        status=status,
        invoice_file_id=invoice.id if invoice else None,
        serial_photo_file_id=photo.id if photo else None,
        first_name="Ada",
        last_name="Lovelace",
        zipcode="75001",
        address=address,
        address_key=" ".join(address.lower().replace(",", " ").split()),
        phone="+33123456789",
        submitted_at=submitted,
        due_on=due_on,
    )
    s.add(r)
    s.flush()
    return r


def _reviewer(s):
    return _user(s, role=Role.reviewer)


def _rid(s) -> int:
    """The id of a reviewer (the first one, made on demand): the acting user of read-side calls."""
    found = s.exec(select(User).where(User.role == Role.reviewer).order_by(User.id)).first()
    return (found or _reviewer(s)).id
