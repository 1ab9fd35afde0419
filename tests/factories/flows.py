"""Flows: customers, products, sessions and claims in each status, made through the services.

Two kinds of callers:

* on the app's database (``rxapp.db``): the browser tests (the app under test
  runs in this process, AppHarnessProd, on the database the session fixture
  prepared, so ``rxapp.db.session_scope()`` reaches the same data the browser
  sees) and the state tests (which share their database the same way):
  ``make_customer``, ``register_product``, ``decide``, ``create_claim``,
  ``approve``, ``session_token_for`` …
* on a test's own session (unit tests): ``claim`` and friends, which move a
  claim to the status asked for through ``services.claims``' own transitions
  (submit, decide, resubmit, ship) — never by assigning status fields.
"""

from __future__ import annotations

import itertools
import os
from datetime import timedelta

from sqlmodel import select

from rxapp import db
from rxapp.models import CaptchaChallenge, Channel, FileKind, Promotion, User
from rxapp.services import (
    accounts,
    captcha,
    catalog,
    claim_history,
    claims,
    clock,
    demo_seed,
    file_store,
    products,
)
from tests.factories.captcha_proof import solve
from tests.factories.images import image_bytes

PASSWORD = "Seed-Flow-Password-2026"
_counter = itertools.count(1)


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
            captcha_proof=solve(challenge.pow),
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


# --------------------------------------------------------------------------- reviewer-console claims (app database)

CUSTOMER_PASSWORD = "Console-Test-Password-2026"
_claim_counter = itertools.count(1)


def create_claim(*, promotion: str = "game-on-bundle", category: str = "monitor",
                 email_prefix: str = "e2e-admin", language: str = "") -> dict:
    """A new customer (password ``CUSTOMER_PASSWORD``; ``language``: the account's, "" for none chosen)
    with one product of ``category`` and its claim for ``promotion``, under review, with a real invoice
    image and S/N photo.

    Returns {"id", "serial", "email", "user_id"}.
    """
    from sqlmodel import select

    from rxapp import db
    from rxapp.models import Channel, FileKind, ProductCategory, ProductModel, Promotion, Store, User
    from rxapp.services import claims, clock, demo_images, demo_seed, file_store, products
    from rxapp.services.passwords import hash_password

    n = next(_claim_counter)
    tag = f"{os.getpid()}-{n}"
    with db.session_scope() as s:
        today = clock.today(s)
        bought = today - timedelta(days=5)
        user = User(email=f"{email_prefix}-{tag}@example.test",
                    password_hash=hash_password(CUSTOMER_PASSWORD), first_name="Pat", last_name=f"Tester{n}",
                    region_code="US", language=language)
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


# --------------------------------------------------------------------------- sessions (app database)


def session_token_for(email: str, *, ip: str = "198.51.100.200", user_agent: str = "pytest") -> tuple[str, int]:
    """A real session (token, session id) for the user with ``email``, as log-in would make."""
    from sqlmodel import select

    from rxapp import db
    from rxapp.models import User
    from rxapp.services import sessions

    with db.session_scope() as s:
        user = s.exec(select(User).where(User.email == email)).one()
        token, login = sessions.create(session=s, user_id=user.id, user_agent=user_agent, ip_address=ip)
        return token, login.id


# --------------------------------------------------------------------------- claims in a status (a test's session)

CLAIM_RECIPIENT = {"first_name": "Ada", "last_name": "Lovelace", "zipcode": "75001", "address": "1 Rue de la Paix",
                   "contact_number": "+33123456789", "note": ""}
TRACKING = "1Z999AA10123456784"


def claim(
    session,
    product,
    promotion,
    *,
    status=None,
    shipping=None,
    resubmitted: bool = False,
    reason: str = "",
    missing_document=None,
    address: str | None = None,
    recipient: dict | None = None,
    invoice=None,
    photo=None,
    reviewer_id: int | None = None,
    due_on=None,
    submitted=None,
):
    """A claim of ``product`` for ``promotion`` in ``status``, made through ``services.claims``.

    ``submit`` → under_review; then ``advance`` to approved / needs_info /
    rejected (as the first reviewer, made on demand); ``resubmitted=True``
    first asks for a document and answers it ("Redeem Again", back to
    under_review); ``shipping`` ("shipped", "delivered") moves an approved
    physical prize forward with ``ship``.  The claim is submitted on a day its
    promotion runs (the demo date is put back after), with a fresh S/N photo
    and, when the product has none on file, a fresh invoice.

    ``recipient`` overrides fields of ``CLAIM_RECIPIENT`` (e.g. a phone number of the product's
    region).  ``due_on`` and ``submitted`` (dates, not status fields) are set on the
    submitted claim when a test needs them fixed.
    """
    from rxapp.models import FileKind, RedemptionStatus, User
    from tests.factories import rows

    status = RedemptionStatus(status or RedemptionStatus.under_review)
    owner = session.get(User, product.user_id)
    photo = photo or rows._file(session, owner, FileKind.serial_photo)
    invoice_id = invoice.id if invoice is not None else None
    if invoice_id is None and product.invoice_file_id is None:
        invoice_id = rows._file(session, owner, FileKind.invoice).id
    was = clock.demo_date(session)
    if not (promotion.starts_on <= clock.today(session) <= promotion.ends_on):
        clock.set_demo_date(session, max(promotion.starts_on, min(product.purchase_date, promotion.ends_on)))
    try:
        made = claims.submit(
            session=session, user_id=product.user_id, product_id=product.id, promotion_id=promotion.id,
            recipient={**CLAIM_RECIPIENT, **(recipient or {}), **({"address": address} if address is not None else {})},
            serial_photo_file_id=photo.id, invoice_file_id=invoice_id,
        )
    finally:
        if clock.demo_date(session) != was:
            clock.set_demo_date(session, was)
    if due_on is not None or submitted is not None:
        made.due_on = due_on or made.due_on
        made.submitted_at = submitted or made.submitted_at
        session.add(made)
        session.flush()
    if resubmitted:
        made = advance(session, made, RedemptionStatus.needs_info, missing_document=missing_document,
                       reviewer_id=reviewer_id)
        made = advance(session, made, RedemptionStatus.under_review)
    if status != RedemptionStatus.under_review:
        made = advance(session, made, status, reason=reason, missing_document=missing_document,
                       reviewer_id=reviewer_id)
    for step in ("shipped", "delivered") if shipping else ():
        made = ship(session, made, step, reviewer_id=reviewer_id)
        if step == getattr(shipping, "value", shipping):
            break
    return made


def advance(session, claim, status, *, reason: str = "", missing_document=None, reviewer_id: int | None = None):
    """One transition of ``claim`` to ``status``: a reviewer's ``decide`` (approved, needs_info,
    rejected), or the owner's ``resubmit`` (under_review) with a new copy of the asked document."""
    from rxapp.models import FileKind, MissingDocument, RedemptionStatus, User
    from tests.factories import rows

    status = RedemptionStatus(status)
    if status == RedemptionStatus.under_review:
        owner = session.get(User, claim.user_id)
        return claims.resubmit(
            session=session, user_id=claim.user_id, claim_id=claim.id,
            recipient={**CLAIM_RECIPIENT, "first_name": claim.first_name, "last_name": claim.last_name,
                       "zipcode": claim.zipcode, "address": claim.address, "contact_number": claim.phone,
                       "note": claim.note or ""},
            invoice_file_id=rows._file(session, owner, FileKind.invoice).id,
            serial_photo_file_id=rows._file(session, owner, FileKind.serial_photo).id,
        )
    reviewer_id = reviewer_id or rows._rid(session)
    if status == RedemptionStatus.needs_info:
        return claims.decide(
            session=session, claim_id=claim.id, reviewer_id=reviewer_id, decision="needs_info",
            reason=reason or "Please provide the invoice with your product name on it, thanks.",
            missing_document=MissingDocument(missing_document or MissingDocument.invoice),
        )
    if status == RedemptionStatus.rejected:
        return claims.decide(session=session, claim_id=claim.id, reviewer_id=reviewer_id, decision="reject",
                             reason=reason or "Serial does not exist.")
    return claims.decide(session=session, claim_id=claim.id, reviewer_id=reviewer_id, decision="approve",
                         reason=reason)


def ship(session, claim, status, *, tracking_number: str = TRACKING, reviewer_id: int | None = None):
    """Move an approved physical prize to ``status`` (shipped, delivered) through ``claims.ship``."""
    from tests.factories import rows

    return claims.ship(session=session, claim_id=claim.id, reviewer_id=reviewer_id or rows._rid(session),
                       status=status, tracking_number=tracking_number, expected_version=claim.version)
