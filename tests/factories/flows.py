"""Data for browser tests, made through the services in the test process.

The app under test runs in this process (AppHarnessProd), on the database the
session fixture prepared, so ``rxapp.db.session_scope()`` reaches the same data
the browser sees.
"""

from __future__ import annotations

import io
import itertools
from datetime import timedelta

from PIL import Image, ImageDraw
from sqlmodel import select

from rxapp import db
from rxapp.models import CaptchaChallenge, Channel, FileKind, Promotion, User
from rxapp.services import accounts, captcha, catalog, clock, demo_seed, file_store, products
from rxapp.services import claim_history, claims

PASSWORD = "Seed-Flow-Password-2026"
_counter = itertools.count(1)


def image_bytes(width: int = 1200, height: int = 800, text: str = "INVOICE", fmt: str = "PNG") -> bytes:
    im = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(im)
    draw.rectangle([20, 20, width - 20, height - 20], outline="black", width=3)
    draw.text((40, 40), text, fill="black")
    buf = io.BytesIO()
    im.save(buf, fmt)
    return buf.getvalue()


def make_customer(prefix: str = "customer", region: str = "US") -> tuple[int, str]:
    """A signed-up customer (through accounts.sign_up); returns (user id, email)."""
    email = f"{prefix}-{next(_counter)}-{id(object())}@example.com"
    with db.session_scope() as s:
        challenge = captcha.new_challenge(session=s)
        answer = s.get(CaptchaChallenge, challenge.id).answer
        user = accounts.sign_up(
            session=s,
            form={
                "email": email, "password": PASSWORD, "confirm_password": PASSWORD,
                "first_name": "Casey", "last_name": "Flow", "region": region, "phone": "",
                "consent": True,
            },
            captcha_id=challenge.id,
            captcha_answer=str(answer),
        )
        return user.id, email


_used_serials: set[str] = set()


def register_product(
    user_id: int,
    promotion_slug: str = "game-on-bundle",
    region: str = "US",
    *,
    category_slug: str | None = None,
    partner: bool = True,
    days_ago: int = 7,
    with_invoice: bool = True,
) -> dict:
    """Register a demo unit (fit for the promotion, or of ``category_slug``) with the services.

    Default: bought a week ago at a partner retail store of ``region``, with an invoice.
    """
    with db.session_scope() as s:
        promo = s.exec(select(Promotion).where(Promotion.slug == promotion_slug)).one()
        stickers = demo_seed.demo_stickers(session=s, limit=200)
        sticker = next(
            st for st in stickers
            if st["serial"] not in _used_serials
            and (st["category_slug"] == category_slug if category_slug else promo.name in st["promotions"])
        )
        _used_serials.add(sticker["serial"])
        store = next(st for st in catalog.stores_for_region(session=s, region_code=region)
                     if st["is_partner"] == partner and (st["channel"] == Channel.retail.value or not partner))
        invoice_id = None
        if with_invoice:
            invoice_id = file_store.check_and_store_stream(
                session=s, owner_id=user_id, kind=FileKind.invoice,
                chunks=image_bytes(text=f"INVOICE {sticker['model']}"), filename="invoice.png",
            ).file_id
        product = products.register(
            session=s, user_id=user_id, serial=sticker["serial"], chk=sticker["chk"], region_code=region,
            store_id=store["id"], purchase_date=clock.today(s) - timedelta(days=days_ago),
            channel=Channel(store["channel"]), invoice_file_id=invoice_id, require_invoice=with_invoice,
        )
        return {"product_id": product.id, "promotion_id": promo.id, "promotion_name": promo.name,
                "model": sticker["model"], "serial": sticker["serial"]}


def reviewer_id() -> int:
    email = next(u.email for u in demo_seed.DEMO_USERS if u.role.value == "reviewer")
    with db.session_scope() as s:
        return s.exec(select(User.id).where(User.email == email)).one()


def latest_claim_id(user_id: int) -> int:
    with db.session_scope() as s:
        return claim_history.history(session=s, user_id=user_id)[0]["claim_id"]


def decide(claim_id: int, decision: str, reason: str = "", missing_document=None) -> None:
    with db.session_scope() as s:
        claims.decide(session=s, claim_id=claim_id, reviewer_id=reviewer_id(), decision=decision,
                           reason=reason, missing_document=missing_document)
