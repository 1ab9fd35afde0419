"""Can this product redeem this promotion?  The seed's FAQ as live checks.

Each rule is one small pure function over plain facts (``ProductFacts``,
``PromotionFacts`` and a few counts) that returns ``None`` when the rule
holds, or a plain-words reason with the data that broke it.  The facts are
loaded in a handful of queries, so the All Promotions page costs the same few
queries however many products and promotions a customer has.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session

from rxapp import db, i18n
from rxapp.models import (
    PrizeType, ProductCategory, ProductModel, Promotion, PromotionCategory, PromotionModel,
    PromotionRegion, Redemption, RedemptionStatus, Region, RegisteredProduct, SerialRecord, Store,
)
from rxapp.services import clock, codes
from rxapp.services.errors import NotFound
from rxapp.vocabulary import customer_status_text


@dataclass(frozen=True)
class ProductFacts:
    """What the rules need to know about one registered product."""

    id: int
    user_id: int
    serial: str
    model_id: int
    model_name: str
    category_id: int
    category_name: str
    region_code: str
    region_name: str
    store_id: int
    store_name: str
    store_region_code: str
    store_is_partner: bool
    purchase_date: date
    invoice_file_id: int | None


@dataclass(frozen=True)
class PromotionFacts:
    """What the rules need to know about one promotion (with its rule lists)."""

    id: int
    name: str
    starts_on: date
    ends_on: date
    prize_type: PrizeType
    prize_name: str
    physical_stock: int | None
    per_customer_limit: int
    requires_partner_store: bool
    model_ids: frozenset[int] = frozenset()
    model_names: tuple[str, ...] = ()
    category_ids: frozenset[int] = frozenset()
    category_names: tuple[str, ...] = ()
    region_codes: frozenset[str] = frozenset()
    region_names: tuple[str, ...] = ()

    @property
    def period(self) -> str:
        """The period as the current language writes its dates ("2021-12-01 ~ 2021-12-31")."""
        return f"{i18n.format_date(self.starts_on)} ~ {i18n.format_date(self.ends_on)}"


@dataclass(frozen=True)
class Reason:
    rule: str
    message: str


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reasons: list[Reason] = field(default_factory=list)


# --------------------------------------------------------------------------- rules
# The reasons are written in the current event's language (``rxapp.i18n``); data (model, store and
# region names) stays as it is.

_ = i18n.gettext


def _names(items) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return _("{items} or {last}").format(items=", ".join(items[:-1]), last=items[-1])


def rule_running(promotion: PromotionFacts, today: date) -> str | None:
    """The promotion accepts claims today (today within its period)."""
    if today < promotion.starts_on:
        return _("This promotion has not started yet: it runs {period}.").format(period=promotion.period)
    if today > promotion.ends_on:
        return _("This promotion ended on {date} (it ran {period}).").format(
            date=i18n.format_date(promotion.ends_on), period=promotion.period)
    return None


def rule_eligible_model(product: ProductFacts, promotion: PromotionFacts) -> str | None:
    """Listed models, when any, are the only ones that qualify; else the listed categories."""
    if promotion.model_ids:
        if product.model_id in promotion.model_ids:
            return None
        return _("{model} is not one of the models of this promotion ({models}).").format(
            model=product.model_name, models=_names(promotion.model_names))
    if promotion.category_ids and product.category_id not in promotion.category_ids:
        return _("{model} is a {category} product; this promotion is for {categories} products.").format(
            model=product.model_name, category=product.category_name,
            categories=_names(promotion.category_names))
    return None


def rule_purchase_date(product: ProductFacts, promotion: PromotionFacts) -> str | None:
    """The product was bought inside the promotion period."""
    bought = i18n.format_date(product.purchase_date)
    if product.purchase_date < promotion.starts_on:
        return _("Bought on {date}, before the promotion period {period}.").format(
            date=bought, period=promotion.period)
    if product.purchase_date > promotion.ends_on:
        return _("Bought on {date}, after the promotion period {period}.").format(
            date=bought, period=promotion.period)
    return None


def rule_region(product: ProductFacts, promotion: PromotionFacts) -> str | None:
    """The product was bought in one of the promotion's regions (no regions listed: all)."""
    if not promotion.region_codes or product.region_code in promotion.region_codes:
        return None
    return _("Bought in {region} ({code}); this promotion is only for {regions}.").format(
        region=i18n.territory(product.region_code, product.region_name), code=product.region_code,
        regions=_names(promotion.region_names))


def rule_partner_store(product: ProductFacts, promotion: PromotionFacts) -> str | None:
    """When the promotion asks for it: bought from a partner store of the product's region."""
    if not promotion.requires_partner_store:
        return None
    if not product.store_is_partner:
        return _("Bought at {store}, which is not a partner store; this promotion needs a purchase from a "
                 "partner store.").format(store=product.store_name)
    if product.store_region_code != product.region_code:
        return _("Bought at {store}, a partner store of {store_region}, not of {region} where the product was "
                 "registered.").format(store=product.store_name, store_region=product.store_region_code,
                                       region=i18n.territory(product.region_code, product.region_name))
    return None


def rule_purchase_proof(product: ProductFacts) -> str | None:
    """A proof of purchase (invoice) is on file."""
    if product.invoice_file_id is None:
        return _("No proof of purchase on file: upload the invoice of this product first.")
    return None


def rule_not_claimed(existing_status: RedemptionStatus | None, submitted_on: date | None = None) -> str | None:
    """No claim exists yet for this product and promotion (a rejected claim stays final)."""
    if existing_status is None:
        return None
    # Each sentence whole, with and without the day (a translation places the day itself).
    if existing_status == RedemptionStatus.rejected:
        dated = _("This product's claim for this promotion on {date} was rejected; a rejected claim is final.")
        plain = _("This product's claim for this promotion was rejected; a rejected claim is final.")
    elif existing_status == RedemptionStatus.needs_info:
        dated = _("Already redeemed on {date}: the claim waits for a document from you. Use Redeem Again in "
                  "Redeem History.")
        plain = _("Already redeemed: the claim waits for a document from you. Use Redeem Again in Redeem "
                  "History.")
    elif existing_status == RedemptionStatus.approved:
        dated, plain = _("Already redeemed on {date}: Redeem Success."), _("Already redeemed: Redeem Success.")
    else:
        dated = _("Already redeemed on {date}: the claim is under review.")
        plain = _("Already redeemed: the claim is under review.")
    return dated.format(date=i18n.format_date(submitted_on)) if submitted_on else plain


def rule_customer_limit(promotion: PromotionFacts, other_claims: int) -> str | None:
    """The customer's claims (not rejected) on other products stay under the promotion's limit."""
    limit = promotion.per_customer_limit
    if other_claims < limit:
        return None
    return i18n.ngettext("You have reached this promotion's limit of {n} claim per customer.",
                         "You have reached this promotion's limit of {n} claims per customer.", limit).format(n=limit)


def rule_stock(promotion: PromotionFacts, available: int | None) -> str | None:
    """Prizes are left: free codes (digital) or physical stock minus claims; ``None`` = unlimited."""
    if available is None or available > 0:
        return None
    return _("Out of stock: every {prize} of this promotion has been claimed.").format(prize=promotion.prize_name)


RULES = (
    "running",
    "eligible_model",
    "purchase_date",
    "region",
    "partner_store",
    "purchase_proof",
    "not_claimed",
    "customer_limit",
    "stock",
)


def evaluate(
    product: ProductFacts,
    promotion: PromotionFacts,
    *,
    today: date,
    existing_status: RedemptionStatus | None,
    existing_submitted_on: date | None,
    other_claims: int,
    available: int | None,
) -> Eligibility:
    """All rules for one (product, promotion), in the order the FAQ asks them.

    When a claim already exists, the limit and stock rules are not asked: that
    claim already counts and already holds its prize.
    """
    results = [
        ("running", rule_running(promotion, today)),
        ("eligible_model", rule_eligible_model(product, promotion)),
        ("purchase_date", rule_purchase_date(product, promotion)),
        ("region", rule_region(product, promotion)),
        ("partner_store", rule_partner_store(product, promotion)),
        ("purchase_proof", rule_purchase_proof(product)),
        ("not_claimed", rule_not_claimed(existing_status, existing_submitted_on)),
    ]
    if existing_status is None:
        results += [
            ("customer_limit", rule_customer_limit(promotion, other_claims)),
            ("stock", rule_stock(promotion, available)),
        ]
    reasons = [Reason(rule, message) for rule, message in results if message]
    return Eligibility(eligible=not reasons, reasons=reasons)


# --------------------------------------------------------------------------- loading
# Every statement is built once, with bind parameters, and runs on the session's connection: the All
# Promotions page asks them on every visit, and building a statement per call (SQLAlchemy's coercions)
# cost more than running it.


_PRODUCTS = (
    sa.select(  # ``ProductFacts``' fields, in their order
        RegisteredProduct.id, RegisteredProduct.user_id, SerialRecord.serial, ProductModel.id, ProductModel.name,
        ProductCategory.id, ProductCategory.name, RegisteredProduct.region_code, Region.name, Store.id, Store.name,
        Store.region_code, Store.is_partner, RegisteredProduct.purchase_date, RegisteredProduct.invoice_file_id,
    )
    .join(SerialRecord, SerialRecord.id == RegisteredProduct.serial_id)
    .join(ProductModel, ProductModel.id == SerialRecord.model_id)
    .join(ProductCategory, ProductCategory.id == ProductModel.category_id)
    .join(Region, Region.code == RegisteredProduct.region_code)
    .join(Store, Store.id == RegisteredProduct.store_id)
    .where(RegisteredProduct.user_id == sa.bindparam("user_id"), RegisteredProduct.is_active)
    .order_by(RegisteredProduct.registered_at.desc(), RegisteredProduct.id.desc())
)
_ONE_PRODUCT = _PRODUCTS.where(RegisteredProduct.id == sa.bindparam("product_id"))


def load_products(session: Session, *, user_id: int, product_id: int | None = None) -> list[ProductFacts]:
    """The user's active products (or the one asked for), as facts, in one query."""
    if product_id is None:
        rows = db.execute(session, _PRODUCTS, {"user_id": user_id})
    else:
        rows = db.execute(session, _ONE_PRODUCT, {"user_id": user_id, "product_id": product_id})
    return [ProductFacts(*row) for row in rows]


def _linked_part(kind: str, promotion_id, on, number, code, name, sort):
    return (sa.select(sa.literal(kind).label("kind"), promotion_id.label("pid"), number.label("number"),
                      code.label("code"), name.label("name"), sort.label("sort"))
            .join(name.class_, on).where(promotion_id.in_(sa.bindparam("ids", expanding=True))))


# What each promotion lists through its link tables, in one statement: (kind, promotion id, id or code,
# name), models and regions by name, categories in their order.
_NO_NUMBER, _NO_CODE, _NO_SORT = sa.null().cast(sa.Integer), sa.null().cast(sa.String), sa.literal(0)
_LINKED = sa.union_all(
    _linked_part("model", PromotionModel.promotion_id, ProductModel.id == PromotionModel.model_id,
                 ProductModel.id, _NO_CODE, ProductModel.name, _NO_SORT),
    _linked_part("category", PromotionCategory.promotion_id, ProductCategory.id == PromotionCategory.category_id,
                 ProductCategory.id, _NO_CODE, ProductCategory.name, ProductCategory.sort_order),
    _linked_part("region", PromotionRegion.promotion_id, Region.code == PromotionRegion.region_code,
                 _NO_NUMBER, Region.code, Region.name, _NO_SORT),
).order_by(sa.literal_column("kind"), sa.literal_column("sort"), sa.literal_column("name"))


def _linked(session: Session, ids: list[int]) -> dict[str, dict[int, list]]:
    """``{kind: {promotion id: [(id or code, name)]}}``: the models, categories and regions listed."""
    linked: dict[str, dict[int, list]] = {kind: {i: [] for i in ids} for kind in ("model", "category", "region")}
    if ids:
        for kind, pid, number, code, name, _sort in db.execute(session, _LINKED, {"ids": ids}):
            linked[kind][pid].append((number if code is None else code, name))
    return linked


def load_promotions(session: Session, promotions: list) -> list[PromotionFacts]:
    """Promotions (``Promotion`` or ``_RUNNING`` rows) with their model, category and region lists (one query)."""
    linked = _linked(session, [p.id for p in promotions])
    models, cats, regions = linked["model"], linked["category"], linked["region"]
    return [
        PromotionFacts(
            id=p.id,
            name=p.name,
            starts_on=p.starts_on,
            ends_on=p.ends_on,
            prize_type=p.prize_type,
            prize_name=p.prize_name,
            physical_stock=p.physical_stock,
            per_customer_limit=p.per_customer_limit,
            requires_partner_store=p.requires_partner_store,
            model_ids=frozenset(m for m, _ in models[p.id]),
            model_names=tuple(n for _, n in models[p.id]),
            category_ids=frozenset(c for c, _ in cats[p.id]),
            category_names=tuple(n for _, n in cats[p.id]),
            region_codes=frozenset(c for c, _ in regions[p.id]),
            region_names=tuple(i18n.territory(c, n) for c, n in regions[p.id]),  # in the current language
        )
        for p in promotions
    ]


_PHYSICAL_CLAIMED = (
    sa.select(Redemption.promotion_id, sa.func.count(Redemption.id))
    .where(Redemption.promotion_id.in_(sa.bindparam("ids", expanding=True)),
           Redemption.status != RedemptionStatus.rejected)
    .group_by(Redemption.promotion_id)
)


def load_available(session: Session, promotions: list[PromotionFacts]) -> dict[int, int | None]:
    """Prizes left per promotion (``None`` = unlimited physical stock), in two queries."""
    digital = [p.id for p in promotions if p.prize_type == PrizeType.digital_code]
    physical = [p for p in promotions if p.prize_type == PrizeType.physical and p.physical_stock is not None]
    free = codes.available_by_promotion(session=session, promotion_ids=digital)
    result: dict[int, int | None] = {p.id: None for p in promotions}
    for pid in digital:
        result[pid] = free.get(pid, 0)
    if physical:
        claimed = dict(db.execute(session, _PHYSICAL_CLAIMED, {"ids": [p.id for p in physical]}).all())
        for p in physical:
            result[p.id] = max(0, p.physical_stock - claimed.get(p.id, 0))
    return result


_USER_CLAIMS = sa.select(
    Redemption.product_id, Redemption.promotion_id, Redemption.id, Redemption.status, Redemption.submitted_at,
    Redemption.reason,
).where(Redemption.user_id == sa.bindparam("user_id"), Redemption.promotion_id.in_(sa.bindparam("ids", expanding=True)))


def _user_claims(session: Session, *, user_id: int, promotion_ids: list[int]):
    """(product_id, promotion_id) -> (claim id, status, submitted date, reason) of the user."""
    if not promotion_ids:
        return {}
    rows = db.execute(session, _USER_CLAIMS, {"user_id": user_id, "ids": promotion_ids})
    return {(r[0], r[1]): (r[2], r[3], r[4].date(), r[5]) for r in rows}


def _other_claims(claims: dict, product_id: int, promotion_id: int) -> int:
    return sum(
        1
        for (prod, promo), (_, status, _, _) in claims.items()
        if promo == promotion_id and prod != product_id and status != RedemptionStatus.rejected
    )


# --------------------------------------------------------------------------- public API


def check(
    *,
    session: Session,
    product_id: int,
    promotion_id: int,
    user_id: int,
    invoice_file_id: int | None = None,
    as_of: date | None = None,
) -> Eligibility:
    """Every rule for one of the user's products and one promotion.

    ``invoice_file_id`` (optional) stands for a replacement invoice given at submission.  ``as_of`` is the
    day the "promotion running" rule asks about (default: ``clock.today``); a reviewer re-checking a claim
    passes the day it was submitted, so a claim sent in time is not flagged once the promotion has ended.
    Raises ``NotFound`` when the product is not the user's (or no longer active) or the promotion does not
    exist.
    """
    products = load_products(session, user_id=user_id, product_id=product_id)
    if not products:
        raise NotFound(_("We could not find this product in your account."))
    product = products[0]
    if invoice_file_id is not None:
        product = replace(product, invoice_file_id=invoice_file_id)
    promotion_row = session.get(Promotion, promotion_id)
    if promotion_row is None:
        raise NotFound(_("This promotion does not exist."))
    (promotion,) = load_promotions(session, [promotion_row])
    claims = _user_claims(session, user_id=user_id, promotion_ids=[promotion_id])
    existing = claims.get((product_id, promotion_id))
    available = load_available(session, [promotion])[promotion_id] if existing is None else None
    return evaluate(
        product,
        promotion,
        today=as_of or clock.today(session),
        existing_status=existing[1] if existing else None,
        existing_submitted_on=existing[2] if existing else None,
        other_claims=_other_claims(claims, product_id, promotion_id),
        available=available,
    )


_RUNNING = (
    sa.select(Promotion.id, Promotion.slug, Promotion.name, Promotion.description, Promotion.starts_on,
              Promotion.ends_on, Promotion.prize_type, Promotion.prize_name, Promotion.physical_stock,
              Promotion.per_customer_limit, Promotion.requires_partner_store)
    .where(Promotion.starts_on <= sa.bindparam("today"), Promotion.ends_on >= sa.bindparam("today"))
    .order_by(Promotion.ends_on, Promotion.id)
)


def running_promotions(session: Session, today: date) -> list:
    """The promotions running on ``today``, soonest ending first (rows with the fields the page shows)."""
    return db.execute(session, _RUNNING, {"today": today}).all()


def promotions_for_user(*, session: Session, user_id: int) -> list[dict]:
    """The All Promotions page: each running promotion with, for each of the
    user's products, whether it can redeem, why not, and its claim if any.

    Plain dicts (dates as ISO strings).  At most seven queries, whatever
    the number of products and promotions.
    """
    today = clock.today(session)
    promo_rows = running_promotions(session, today)
    promotions = load_promotions(session, promo_rows)
    products = load_products(session, user_id=user_id)
    claims = _user_claims(session, user_id=user_id, promotion_ids=[p.id for p in promotions])
    available = load_available(session, promotions)
    out = []
    for row, promo in zip(promo_rows, promotions):
        items = []
        for product in products:
            existing = claims.get((product.id, promo.id))
            result = evaluate(
                product,
                promo,
                today=today,
                existing_status=existing[1] if existing else None,
                existing_submitted_on=existing[2] if existing else None,
                other_claims=_other_claims(claims, product.id, promo.id),
                available=available[promo.id],
            )
            items.append(
                {
                    "product_id": product.id,
                    "product_name": product.model_name,
                    "serial": product.serial,
                    "category": product.category_name,
                    "purchase_date": product.purchase_date.isoformat(),
                    "eligible": result.eligible,
                    "reasons": [{"rule": r.rule, "message": r.message} for r in result.reasons],
                    "claim_id": existing[0] if existing else None,
                    "claim_status": existing[1].value if existing else "",
                    "claim_status_text": customer_status_text(existing[1], existing[3]) if existing else "",
                }
            )
        out.append(
            {
                "id": promo.id,
                "slug": row.slug,
                "name": promo.name,
                "description": row.description,
                "starts_on": promo.starts_on.isoformat(),
                "ends_on": promo.ends_on.isoformat(),
                "period": promo.period,
                "categories": list(promo.category_names),
                "models": list(promo.model_names),
                "regions": list(promo.region_names),
                "prize_type": promo.prize_type.value,
                "prize_name": promo.prize_name,
                "available": available[promo.id],
                "products": items,
                "eligible_count": sum(1 for i in items if i["eligible"]),
            }
        )
    return out
