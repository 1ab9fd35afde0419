"""The demo claims: ``seed_claims`` puts claims in every status on top of the demo seed.

Claims go through the real services (products.register, claims.submit /
decide / ship with the demo reviewer as actor), so each has its audit rows,
its outbox emails and private invoice / S/N photo files like a real upload.
"""

from __future__ import annotations

import random
import secrets
from contextlib import contextmanager
from datetime import date, datetime, time as dtime, timedelta, timezone

import sqlalchemy as sa
from sqlmodel import Session, select

from rxapp.models import (
    AppSetting,
    Channel,
    EmailMessage,
    FileKind,
    MissingDocument,
    ProductCategory,
    ProductModel,
    Promotion,
    Redemption,
    RedemptionEvent,
    RegisteredProduct,
    Role,
    SerialRecord,
    ShippingStatus,
    Store,
    StoredFile,
    User,
    utcnow,
)
from rxapp.services import claims, clock, file_store, products
from rxapp.services.demo_images import InvoiceSpec, invoice_image, serial_photo_image
from rxapp.services.demo_seed import (  # noqa: F401 - EXTRA_CUSTOMERS is read from here too
    DEMO_USERS,
    EXTRA_CUSTOMERS,
    REASON_TEMPLATES,
    first_free_serial,
    hashed_demo_password,
)


# The seed's "Please provide the invoice with your product name on it, thanks."
NEEDS_INFO_REASON = REASON_TEMPLATES[0][0]
REJECTED_REASON = (
    "Best Buy confirmed that this order was cancelled and refunded, so the monitor does not qualify "
    "for the promotion."
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
        self.s = session
        self.today = today
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
        result = file_store.check_and_store_stream(
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
        record = first_free_serial(self.s, model)
        invoice_id = self.invoice_for(user, model, bought, store, named=named_invoice,
                                      copy_of=invoice_bytes_of)
        with _business_day(self.s, max(bought, min(self.today, bought + timedelta(days=2)))):
            product = products.register(
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
        products.replace_invoice(
            session=self.s, user_id=user.id, product_id=product.id, invoice_file_id=file_id
        )

    # ----------------------------------------------------------------- claims

    def claim(self, user: User, product: RegisteredProduct | None, slug: str, day: date, hour: int = 10):
        if product is None or slug not in self.promos:
            return None
        recipient = {"first_name": user.first_name, "last_name": user.last_name, **_recipient(user)}
        photo = self.serial_photo(user, product)
        with _business_day(self.s, day):
            claim = claims.submit(
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
            claims.decide(
                session=self.s, claim_id=claim.id, reviewer_id=self.reviewer.id, decision=decision,
                reason=reason, missing_document=missing,
            )
        self.stamp(claim, at, decided=True)
        return claim

    def ship(self, claim, status: ShippingStatus, at: datetime, tracking: str = ""):
        if claim is None:
            return None
        claims.ship(
            session=self.s, claim_id=claim.id, reviewer_id=self.reviewer.id, status=status,
            tracking_number=tracking, expected_version=claim.version,
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
        user = User(email=email, password_hash=hashed_demo_password(_LOCKED_PASSWORD), first_name=first,
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
        products.replace_invoice(
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
