"""The one database of the member center.

Every table of the product lives here.  The database itself guards the
invariants that matter (see the ``__table_args__`` of each table):

* one *active* registration per serial (partial unique index),
* one claim per (product, promotion),
* each promotion code unique within its promotion and held by at most one claim,
* foreign keys everywhere, statuses as enums.

Timestamps are aware UTC (``utcnow()``); dates are calendar dates.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timezone

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Aware UTC now: what every timestamp column stores."""
    return datetime.now(timezone.utc)


# --------------------------------------------------------------------------- enums


class Role(str, enum.Enum):
    customer = "customer"
    reviewer = "reviewer"
    admin = "admin"


class Channel(str, enum.Enum):
    """Where a product was bought (the seed's "Where did you purchase")."""

    retail = "retail"
    online = "online"
    reseller = "reseller"


class FileKind(str, enum.Enum):
    invoice = "invoice"
    serial_photo = "serial_photo"


class PrizeType(str, enum.Enum):
    digital_code = "digital_code"
    physical = "physical"


class RedemptionStatus(str, enum.Enum):
    under_review = "under_review"
    needs_info = "needs_info"
    approved = "approved"
    rejected = "rejected"


class ShippingStatus(str, enum.Enum):
    preparing = "preparing"
    shipped = "shipped"
    delivered = "delivered"


class MissingDocument(str, enum.Enum):
    """What a needs-info decision asks the customer for."""

    invoice = "invoice"
    serial_photo = "serial_photo"
    recipient = "recipient"
    other = "other"


class SerialAttemptKind(str, enum.Enum):
    chk_wrong = "chk_wrong"
    already_registered = "already_registered"


class EmailStatus(str, enum.Enum):
    pending = "pending"
    sending = "sending"
    sent = "sent"
    failed = "failed"


def _enum(e: type[enum.Enum], name: str) -> sa.Enum:
    """A named SQL enum stored by value (portable across SQLite and PostgreSQL).

    PostgreSQL gets a native ENUM type; SQLite gets a CHECK constraint.
    """
    return sa.Enum(
        e,
        name=name,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
        # SQLite has no native enum: without this it would store any string.
        create_constraint=True,
    )


# --------------------------------------------------------------------------- places


class Region(SQLModel, table=True):
    """A country or territory the vendor sells in (ISO 3166-1 alpha-2)."""

    code: str = Field(primary_key=True, max_length=2)
    name: str = Field(max_length=100)


class Store(SQLModel, table=True):
    """A store in a region; partner stores qualify for promotions that ask for one."""

    id: int | None = Field(default=None, primary_key=True)
    region_code: str = Field(foreign_key="region.code", index=True, max_length=2)
    name: str = Field(max_length=120)
    channel: Channel = Field(sa_type=_enum(Channel, "channel"))
    is_partner: bool = True

    __table_args__ = (sa.UniqueConstraint("region_code", "name", name="uq_store_region_name"),)


# --------------------------------------------------------------------------- accounts


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # Stored lower-cased: uniqueness regardless of case is held by the database.
    email: str = Field(max_length=254, sa_column_kwargs={"unique": True})
    password_hash: str = Field(max_length=255)
    first_name: str = Field(max_length=80)
    last_name: str = Field(default="", max_length=80)
    region_code: str = Field(foreign_key="region.code", max_length=2)
    phone_e164: str = Field(default="", max_length=20)
    newsletter: bool = False
    reward_program: bool = False
    role: Role = Field(default=Role.customer, sa_type=_enum(Role, "role"))
    email_verified_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    # The language the account chose (a tag of ``rxapp.i18n.LANGUAGES``); "" until it chooses one.
    language: str = Field(default="", max_length=8, sa_column_kwargs={"server_default": ""})


class LoginSession(SQLModel, table=True):
    """A signed-in browser.  The client holds the token; we keep only its hash."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None
    user_agent: str = Field(default="", max_length=300)
    ip_address: str = Field(default="", max_length=64)


class LoginAttempt(SQLModel, table=True):
    """Every log-in try, for throttling by account and by client address."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, index=True)
    ip_address: str = Field(default="", max_length=64, index=True)
    succeeded: bool = False
    created_at: datetime = Field(default_factory=utcnow, index=True)


class CaptchaChallenge(SQLModel, table=True):
    """An arithmetic question; the answer never leaves the server."""

    id: str = Field(primary_key=True, max_length=43)
    question: str = Field(max_length=40)
    answer: int
    expires_at: datetime
    used_at: datetime | None = None


# --------------------------------------------------------------------------- catalog


class ProductCategory(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=40, sa_column_kwargs={"unique": True})
    name: str = Field(max_length=60)
    # A regular expression over the normalised serial (upper case, no spaces).
    serial_pattern: str = Field(max_length=200)
    # The same format for people: "#" a digit, "A" a letter, other chars literal.
    serial_format: str = Field(max_length=40)
    warranty_months: int
    sticker_text: str = Field(max_length=400)
    sticker_image: str = Field(max_length=200)
    sort_order: int = 0


class ProductModel(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    category_id: int = Field(foreign_key="productcategory.id", index=True)
    name: str = Field(max_length=120, sa_column_kwargs={"unique": True})
    model_number: str = Field(max_length=40)
    release_date: date


class SerialRecord(SQLModel, table=True):
    """The factory's serial registry: one row per unit built."""

    id: int | None = Field(default=None, primary_key=True)
    serial: str = Field(max_length=40, sa_column_kwargs={"unique": True})
    chk: str = Field(max_length=3)
    model_id: int = Field(foreign_key="productmodel.id", index=True)

    __table_args__ = (sa.CheckConstraint("length(chk) = 3", name="ck_serial_chk_len"),)


class SerialAttempt(SQLModel, table=True):
    """Failed CHK tries (for the lock) and refused duplicate registrations (for reviewers)."""

    id: int | None = Field(default=None, primary_key=True)
    serial: str = Field(max_length=40, index=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    kind: SerialAttemptKind = Field(sa_type=_enum(SerialAttemptKind, "serialattemptkind"))
    created_at: datetime = Field(default_factory=utcnow, index=True)


# --------------------------------------------------------------------------- files


class StoredFile(SQLModel, table=True):
    """A private upload (invoice or S/N photo), kept outside any public folder."""

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    kind: FileKind = Field(sa_type=_enum(FileKind, "filekind"))
    storage_key: str = Field(max_length=80, sa_column_kwargs={"unique": True})
    thumb_key: str = Field(default="", max_length=80)
    sha256: str = Field(max_length=64, index=True)
    content_type: str = Field(max_length=40)
    size: int
    width: int
    height: int
    original_name: str = Field(default="", max_length=200)
    # Set while a file waits for an offer ("Resize for me"); swept after it.
    expires_at: datetime | None = Field(default=None, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    # Kept when the file is read (``services.image_marks``): its perceptual hash (hex; "" until read),
    # for near-duplicate pictures, and the editing program its metadata names ("" when none).
    phash: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})
    edited_with: str = Field(default="", max_length=80, sa_column_kwargs={"server_default": ""})


class EvidenceReading(SQLModel, table=True):
    """What an uploaded picture says (its text lines with boxes, its barcodes), read once when uploaded.

    ``data`` is the JSON of ``ocr_reader.Reading``; ``error`` is set (and ``data``
    empty) when the picture could not be read.  The checks against what the
    customer typed are computed from it when shown (``services.evidence_check``).
    """

    id: int | None = Field(default=None, primary_key=True)
    file_id: int = Field(foreign_key="storedfile.id", ondelete="CASCADE", sa_column_kwargs={"unique": True})
    owner_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")  # the file's owner
    engine: str = Field(default="", max_length=120)
    data: str = Field(default="{}", sa_type=sa.Text)
    error: str = Field(default="", max_length=200)
    seconds: float = 0.0
    created_at: datetime = Field(default_factory=utcnow)


# --------------------------------------------------------------------------- products


class RegisteredProduct(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    serial_id: int = Field(foreign_key="serialrecord.id", index=True)
    region_code: str = Field(foreign_key="region.code", max_length=2)
    store_id: int = Field(foreign_key="store.id")
    channel: Channel = Field(sa_type=_enum(Channel, "channel"))
    purchase_date: date
    invoice_file_id: int | None = Field(default=None, foreign_key="storedfile.id")
    is_active: bool = True
    registered_at: datetime = Field(default_factory=utcnow)

    __table_args__ = (
        # One active registration per serial: a released product can be registered again.
        sa.Index(
            "uq_registered_active_serial",
            "serial_id",
            unique=True,
            sqlite_where=sa.text("is_active"),
            postgresql_where=sa.text("is_active"),
        ),
    )


# --------------------------------------------------------------------------- promotions


class Promotion(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=60, sa_column_kwargs={"unique": True})
    name: str = Field(max_length=120)
    description: str = Field(default="", max_length=1000)
    starts_on: date
    ends_on: date
    prize_type: PrizeType = Field(sa_type=_enum(PrizeType, "prizetype"))
    prize_name: str = Field(max_length=120)
    prize_instructions: str = Field(default="", max_length=1000)
    # Physical prizes count stock here; digital prizes count their code pool.
    physical_stock: int | None = None
    per_customer_limit: int = 1
    requires_partner_store: bool = True
    due_working_days: int = 14
    created_at: datetime = Field(default_factory=utcnow)
    # The fast track (``services.decision_policy``): off unless a reviewer turns it on.
    auto_decide: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    auto_daily_cap: int = Field(default=100, sa_column_kwargs={"server_default": "100"})
    audit_sample_percent: int = Field(default=10, sa_column_kwargs={"server_default": "10"})

    __table_args__ = (
        sa.CheckConstraint("ends_on >= starts_on", name="ck_promotion_period"),
        sa.CheckConstraint("per_customer_limit >= 1", name="ck_promotion_limit"),
    )


class PromotionCategory(SQLModel, table=True):
    promotion_id: int = Field(foreign_key="promotion.id", primary_key=True, ondelete="CASCADE")
    category_id: int = Field(foreign_key="productcategory.id", primary_key=True)


class PromotionModel(SQLModel, table=True):
    """When a promotion lists models, only those models qualify (else its categories do)."""

    promotion_id: int = Field(foreign_key="promotion.id", primary_key=True, ondelete="CASCADE")
    model_id: int = Field(foreign_key="productmodel.id", primary_key=True)


class PromotionRegion(SQLModel, table=True):
    promotion_id: int = Field(foreign_key="promotion.id", primary_key=True, ondelete="CASCADE")
    region_code: str = Field(foreign_key="region.code", primary_key=True, max_length=2)


class PromotionCode(SQLModel, table=True):
    """One prize code.  ``redemption_id`` is set when a claim reserves it (at submission)."""

    id: int | None = Field(default=None, primary_key=True)
    promotion_id: int = Field(foreign_key="promotion.id", index=True)
    code: str = Field(max_length=80)
    redemption_id: int | None = Field(
        default=None, foreign_key="redemption.id", sa_column_kwargs={"unique": True}
    )
    reserved_at: datetime | None = None
    issued_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)

    __table_args__ = (sa.UniqueConstraint("promotion_id", "code", name="uq_code_per_promotion"),)


# --------------------------------------------------------------------------- claims


class Redemption(SQLModel, table=True):
    """A customer's claim of one promotion for one registered product."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    product_id: int = Field(foreign_key="registeredproduct.id", index=True)
    promotion_id: int = Field(foreign_key="promotion.id", index=True)
    status: RedemptionStatus = Field(
        default=RedemptionStatus.under_review,
        sa_type=_enum(RedemptionStatus, "redemptionstatus"),
        index=True,
    )
    invoice_file_id: int | None = Field(default=None, foreign_key="storedfile.id")
    serial_photo_file_id: int | None = Field(default=None, foreign_key="storedfile.id")
    first_name: str = Field(max_length=80)
    last_name: str = Field(max_length=80)
    zipcode: str = Field(max_length=20)
    address: str = Field(max_length=500)
    # Lower-cased, punctuation-free address, for "same address" links.
    address_key: str = Field(default="", max_length=500, index=True)
    phone: str = Field(max_length=20)
    note: str = Field(default="", max_length=1000)
    submitted_at: datetime = Field(default_factory=utcnow)
    due_on: date
    decided_at: datetime | None = None
    reason: str = Field(default="", max_length=500)
    missing_document: MissingDocument | None = Field(
        default=None, sa_type=_enum(MissingDocument, "missingdocument")
    )
    shipping_status: ShippingStatus | None = Field(
        default=None, sa_type=_enum(ShippingStatus, "shippingstatus")
    )
    tracking_number: str = Field(default="", max_length=80)
    # The evidence pre-check's verdict for the queue's filter: "passed", "failed", or "" while the
    # claim's files have not been read (``services.evidence_check.claim_evidence``, kept with the claim).
    evidence_summary: str = Field(default="", max_length=10, sa_column_kwargs={"server_default": ""})
    # The risk signals found when it was submitted (JSON list of {key, sentence}) and their count, for
    # the queue; the fast track's approval (``decided_automatically``) and its audit: "" / "sampled" /
    # "confirmed" / "flagged" (``services.decision_policy``).
    risk_signals: str = Field(default="", sa_type=sa.Text, sa_column_kwargs={"server_default": ""})
    risk_score: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    decided_automatically: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    audit_state: str = Field(default="", max_length=10, index=True, sa_column_kwargs={"server_default": ""})
    audited_by: int | None = Field(default=None, foreign_key="user.id")
    audited_at: datetime | None = None
    audit_note: str = Field(default="", max_length=500, sa_column_kwargs={"server_default": ""})
    # Bumped by every transition: two reviewers cannot both decide one version.
    version: int = 1

    __table_args__ = (
        sa.UniqueConstraint("product_id", "promotion_id", name="uq_claim_product_promotion"),
        # The queue: oldest due first, keyset-paged by (due_on, id).
        sa.Index("ix_redemption_queue", "status", "due_on", "id"),
        # The queue filtered by promotion, and the queue over every status.
        sa.Index("ix_redemption_promotion_queue", "promotion_id", "status", "due_on", "id"),
        sa.Index("ix_redemption_due", "due_on", "id"),
        # The queue riskiest first: (risk_score DESC, due_on, id) within a status, walked forwards and back.
        sa.Index("ix_redemption_risk_queue", "status", sa.text("risk_score DESC"), "due_on", "id"),
        sa.Index("ix_redemption_promotion_risk_queue", "promotion_id", "status", sa.text("risk_score DESC"),
                 "due_on", "id"),
    )


class RedemptionEvent(SQLModel, table=True):
    """The audit trail of a claim, and the customer's timeline."""

    id: int | None = Field(default=None, primary_key=True)
    redemption_id: int = Field(foreign_key="redemption.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    from_status: RedemptionStatus | None = Field(
        default=None, sa_type=_enum(RedemptionStatus, "redemptionstatus")
    )
    to_status: RedemptionStatus = Field(sa_type=_enum(RedemptionStatus, "redemptionstatus"))
    reason: str = Field(default="", max_length=500)
    # A JSON snapshot of what the claim held before this change.
    snapshot: str = Field(default="", sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow, index=True)


class PendingApproval(SQLModel, table=True):
    """An approval inside its undo window (``services.pending_approvals``): committed when ``due_at``
    passes, by whichever comes first — the reviewer's tab, the app's settler task, the next read."""

    # One pending approval per claim, held by the database.
    redemption_id: int = Field(foreign_key="redemption.id", primary_key=True)
    reviewer_id: int = Field(foreign_key="user.id")
    # The claim version the reviewer approved: a claim changed meanwhile is not approved blind.
    expected_version: int
    created_at: datetime = Field(default_factory=utcnow)
    due_at: datetime = Field(index=True)


class PolicyChange(SQLModel, table=True):
    """A change of a promotion's decision policy: who, when, what it was and became (JSON)."""

    id: int | None = Field(default=None, primary_key=True)
    promotion_id: int = Field(foreign_key="promotion.id", index=True, ondelete="CASCADE")
    actor_id: int = Field(foreign_key="user.id")
    before: str = Field(default="", max_length=500)
    after: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


class ReasonTemplate(SQLModel, table=True):
    """Reviewer's ready-made reasons, e.g. the seed's invoice one."""

    id: int | None = Field(default=None, primary_key=True)
    text: str = Field(max_length=500, sa_column_kwargs={"unique": True})
    missing_document: MissingDocument = Field(sa_type=_enum(MissingDocument, "missingdocument"))
    is_rejection: bool = False
    # The language the reason is written in (a tag of ``rxapp.i18n.LANGUAGES``): offered first to a
    # reviewer deciding a claim of a customer who reads that language.  The text itself is never translated.
    language: str = Field(default="en", max_length=8, sa_column_kwargs={"server_default": "en"})


class RegistrationDraft(SQLModel, table=True):
    """A customer's unfinished product registration (one per account, plain JSON of the wizard's fields).

    Kept in the database, not in the tab: a reload, another tab or another worker resumes it.
    """

    user_id: int = Field(primary_key=True, foreign_key="user.id")
    data: str = Field(default="", sa_type=sa.Text)
    updated_at: datetime = Field(default_factory=utcnow)


# --------------------------------------------------------------------------- email & settings


class EmailMessage(SQLModel, table=True):
    """The outbox: written in the same transaction as the change it reports."""

    id: int | None = Field(default=None, primary_key=True)
    to_email: str = Field(max_length=254, index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    redemption_id: int | None = Field(default=None, foreign_key="redemption.id", index=True)
    kind: str = Field(max_length=40)
    subject: str = Field(max_length=200)
    body_text: str = Field(sa_type=sa.Text)
    body_html: str = Field(default="", sa_type=sa.Text)
    # RFC 5322 Message-ID: the same on every retry, so a resend is recognisable.
    message_id: str = Field(max_length=200, sa_column_kwargs={"unique": True})
    status: EmailStatus = Field(
        default=EmailStatus.pending, sa_type=_enum(EmailStatus, "emailstatus"), index=True
    )
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    sent_at: datetime | None = None


class AppSetting(SQLModel, table=True):
    """Small runtime settings (e.g. the demo date)."""

    key: str = Field(primary_key=True, max_length=60)
    value: str = Field(default="", max_length=500)
