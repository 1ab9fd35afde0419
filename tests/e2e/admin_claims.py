"""Fresh claims for the reviewer-console tests (browser and state), made through the services.

Plain functions on ``rxapp.db`` (no browser, no pytest): the e2e app runs in
the test process, and the state tests share their database the same way.
"""

from __future__ import annotations

import itertools
import os
from datetime import timedelta

CUSTOMER_PASSWORD = "Console-Test-Password-2026"
_n = itertools.count(1)


def create_claim(*, promotion: str = "game-on-bundle", category: str = "monitor",
                 email_prefix: str = "e2e-admin") -> dict:
    """A new customer (password ``CUSTOMER_PASSWORD``) with one product of ``category`` and its claim
    for ``promotion``, under review, with a real invoice image and S/N photo.

    Returns {"id", "serial", "email", "user_id"}.
    """
    from sqlmodel import select

    from rxapp import db
    from rxapp.models import Channel, FileKind, ProductCategory, ProductModel, Promotion, Store, User
    from rxapp.services import clock, demo_images, demo_seed, file_store, products, claims
    from rxapp.services.passwords import hash_password

    n = next(_n)
    tag = f"{os.getpid()}-{n}"
    with db.session_scope() as s:
        today = clock.today(s)
        bought = today - timedelta(days=5)
        user = User(email=f"{email_prefix}-{tag}@example.test",
                    password_hash=hash_password(CUSTOMER_PASSWORD), first_name="Pat", last_name=f"Tester{n}",
                    region_code="US")
        s.add(user)
        s.flush()
        cat = s.exec(select(ProductCategory).where(ProductCategory.slug == category)).one()
        models = s.exec(
            select(ProductModel)
            .where(ProductModel.category_id == cat.id, ProductModel.release_date <= bought)
            .order_by(ProductModel.name)
        ).all()
        model, record = next((m, r) for m in models if (r := demo_seed.first_free_serial(s, m)) is not None)
        store = s.exec(select(Store).where(Store.region_code == "US", Store.name == "Best Buy")).one()
        spec = demo_images.InvoiceSpec(
            store="Best Buy", number=f"INV-E2E-{tag}", order_number=f"E2E-{tag}", day=bought,
            buyer=("Pat Tester", "1 Main Street", "Portland, OR"),
            lines=((1, f"MSI {model.name} {model.model_number}", 329.99),),
        )
        invoice = file_store.check_and_store_stream(session=s, owner_id=user.id, kind=FileKind.invoice,
                                               chunks=demo_images.invoice_image(spec), filename="invoice.jpg")
        photo = file_store.check_and_store_stream(
            session=s, owner_id=user.id, kind=FileKind.serial_photo, filename="sn.jpg",
            chunks=demo_images.serial_photo_image(record.serial, record.chk, model.name, model.model_number,
                                                cat.name))
        product = products.register(
            session=s, user_id=user.id, serial=record.serial, chk=record.chk, region_code="US",
            store_id=store.id, purchase_date=bought, channel=Channel.retail, invoice_file_id=invoice.file_id,
        )
        promo = s.exec(select(Promotion).where(Promotion.slug == promotion)).one()
        claim = claims.submit(
            session=s, user_id=user.id, product_id=product.id, promotion_id=promo.id,
            recipient={"first_name": "Pat", "last_name": "Tester", "zipcode": "97205",
                       "address": f"{n} Main Street\nPortland, OR", "contact_number": "+1 503 555 0142",
                       "note": ""},
            serial_photo_file_id=photo.file_id,
        )
        return {"id": claim.id, "serial": record.serial, "email": user.email, "user_id": user.id}


def approve(claim_id: int, reviewer_email: str = "reviewer@member-center.test") -> None:
    """Approve a claim as the demo reviewer (a physical prize starts "preparing")."""
    from sqlmodel import select

    from rxapp import db
    from rxapp.models import User
    from rxapp.services import claims

    with db.write_session() as s:
        reviewer = s.exec(select(User).where(User.email == reviewer_email)).one()
        claims.decide(session=s, claim_id=claim_id, reviewer_id=reviewer.id, decision="approve")
