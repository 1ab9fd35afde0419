"""Promotion management for reviewers: create, edit (with a guard for existing claims), stock rows.

A promotion's rules are its period, its categories (or, when listed, its
models), its regions, the partner-store rule, the per-customer limit and the
prize.  Once customers have claimed, an edit that would have refused some of
those claims raises ``NeedsConfirmation`` listing what it would break; the
same edit with ``confirm=True`` is saved.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, select

from rxapp import i18n
from rxapp.i18n import N_, _, ngettext
from rxapp.models import (
    PrizeType, ProductCategory, ProductModel, Promotion, PromotionCategory, PromotionCode,
    PromotionModel, PromotionRegion, Redemption, RedemptionStatus, Region, RegisteredProduct,
    SerialRecord, Store,
)
from rxapp.services import access, codes
from rxapp.services.errors import FieldErrors, NotFound, ServiceError

MAX_DUE_DAYS = 60
MAX_CUSTOMER_LIMIT = 100
TRUE = {"1", "true", "yes", "on"}
MULTILINE = {"description", "prize_instructions"}


class NeedsConfirmation(ServiceError):
    """The edit would take away rules that existing claims relied on; ``warnings`` say which."""

    def __init__(self, warnings: list[str]):
        super().__init__(
            _("This change affects claims customers already made: {warnings} Save again with confirmation to "
              "apply it anyway.").format(warnings=" ".join(warnings))
        )
        self.warnings = list(warnings)


# --------------------------------------------------------------------------- form


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by "-" (at most 60 characters)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-")


def _ids(value) -> list:
    if value is None or value == "":
        return []
    if isinstance(value, (str, int)):
        value = [value]
    return list(value)


def _as_date(value, field: str, message: str, errors: dict) -> date | None:
    """``message``: the field's own sentence, marked ``N_`` by the caller."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        errors[field] = _(message)
        return None


def _as_int(value, field: str, low: int, high: int | None, message: str, errors: dict) -> int | None:
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except (TypeError, ValueError):
        errors[field] = message
        return None
    if isinstance(value, bool) or number < low or (high is not None and number > high):
        errors[field] = message
        return None
    return number


def _as_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in TRUE


def _text(form: dict, field: str, limit: int, errors: dict, missing: str | None, too_long: str) -> str:
    """``missing`` (None: optional) and ``too_long`` (with ``{limit}`` and ``{count}``): the field's own
    sentences, marked ``N_`` by the caller."""
    raw = str(form.get(field) or "")
    # One-line fields collapse their spaces; long texts keep their line breaks.
    value = raw.strip() if field in MULTILINE else " ".join(raw.split())
    if missing and not value:
        errors[field] = _(missing)
    elif len(value) > limit:
        errors[field] = _(too_long).format(limit=limit, count=len(value))
    return value


def _clean(session: Session, form: dict, *, promotion_id: int | None) -> dict:
    """The form checked field by field; raises ``FieldErrors`` naming every bad field."""
    errors: dict[str, str] = {}
    out: dict = {}
    out["name"] = _text(form, "name", 120, errors, N_("Please enter the promotion name."),
                        N_("Please keep the promotion name under {limit} characters (it has {count})."))
    out["description"] = _text(form, "description", 1000, errors, None,
                               N_("Please keep the description under {limit} characters (it has {count})."))
    out["prize_name"] = _text(form, "prize_name", 120, errors, N_("Please enter the prize name."),
                              N_("Please keep the prize name under {limit} characters (it has {count})."))
    out["prize_instructions"] = _text(
        form, "prize_instructions", 1000, errors, None,
        N_("Please keep the prize instructions under {limit} characters (it has {count})."))

    slug = slugify(str(form.get("slug") or "")) if form.get("slug") else ""
    if form.get("slug") and not slug:
        errors["slug"] = _("Please use letters or digits in the web address (e.g. christmas-deals).")
    out["slug"] = slug

    starts = _as_date(form.get("starts_on"), "starts_on",
                      N_("Please enter the start of the period as a date (YYYY-MM-DD)."), errors)
    ends = _as_date(form.get("ends_on"), "ends_on", N_("Please enter the end of the period as a date (YYYY-MM-DD)."),
                    errors)
    if starts and ends and ends < starts:
        errors["ends_on"] = _("The period must end on or after its start ({start}).").format(
            start=i18n.format_date(starts))
    out["starts_on"], out["ends_on"] = starts, ends

    try:
        out["prize_type"] = PrizeType(form.get("prize_type"))
    except ValueError:
        out["prize_type"] = None
        errors["prize_type"] = _("Please choose the prize type: a digital code or a physical gift.")
    if out["prize_type"] == PrizeType.physical:
        out["physical_stock"] = _as_int(
            form.get("physical_stock"), "physical_stock", 0, None,
            _("Please enter how many gifts are in stock (0 or more)."), errors,
        )
    else:
        out["physical_stock"] = None  # digital prizes count their code pool

    out["per_customer_limit"] = _as_int(
        form.get("per_customer_limit", 1), "per_customer_limit", 1, MAX_CUSTOMER_LIMIT,
        _("Please enter how many claims one customer may make (1 to {max}).").format(max=MAX_CUSTOMER_LIMIT), errors,
    )
    out["due_working_days"] = _as_int(
        form.get("due_working_days", 14), "due_working_days", 1, MAX_DUE_DAYS,
        _("Please enter the review time in working days (1 to {max}).").format(max=MAX_DUE_DAYS), errors,
    )
    out["requires_partner_store"] = _as_bool(form.get("requires_partner_store", True))

    try:
        category_ids = sorted({int(x) for x in _ids(form.get("category_ids"))})
        model_ids = sorted({int(x) for x in _ids(form.get("model_ids"))})
    except (TypeError, ValueError):
        category_ids, model_ids = [], []
        errors["category_ids"] = _("Please choose categories from the list.")
    region_codes = sorted({str(x).strip().upper() for x in _ids(form.get("region_codes")) if str(x).strip()})

    if not category_ids:
        errors.setdefault("category_ids", _("Please choose at least one product category."))
    else:
        found = set(session.exec(select(ProductCategory.id).where(ProductCategory.id.in_(category_ids))).all())
        if set(category_ids) - found:
            errors["category_ids"] = _("Some chosen categories no longer exist. Please reload the page.")
    if model_ids:
        models = session.exec(select(ProductModel).where(ProductModel.id.in_(model_ids))).all()
        if len(models) != len(model_ids):
            errors["model_ids"] = _("Some chosen models no longer exist. Please reload the page.")
        else:
            outside = sorted(m.name for m in models if m.category_id not in category_ids)
            if outside and "category_ids" not in errors:
                errors["model_ids"] = ngettext(
                    "{models} is not in the chosen categories: add the category or remove the model.",
                    "{models} are not in the chosen categories: add the category or remove the model.",
                    len(outside)).format(models=", ".join(outside))
    if region_codes:  # none chosen: every region (as eligibility reads it)
        found = set(session.exec(select(Region.code).where(Region.code.in_(region_codes))).all())
        unknown = sorted(set(region_codes) - found)
        if unknown:
            errors["region_codes"] = _("Unknown region code: {codes}.").format(codes=", ".join(unknown))
    out["category_ids"], out["model_ids"], out["region_codes"] = category_ids, model_ids, region_codes

    if slug:
        taken = session.exec(
            select(Promotion.id).where(
                Promotion.slug == slug, *([Promotion.id != promotion_id] if promotion_id else [])
            )
        ).first()
        if taken:
            errors["slug"] = _("The web address '{slug}' is used by another promotion. Please choose another.").format(
                slug=slug)
    if errors:
        raise FieldErrors(errors)
    return out


def _unique_slug(session: Session, base: str, promotion_id: int | None) -> str:
    base = base or "promotion"
    candidate, n = base, 1
    while session.exec(
        select(Promotion.id).where(Promotion.slug == candidate, *([Promotion.id != promotion_id] if promotion_id else []))
    ).first():
        n += 1
        suffix = f"-{n}"
        candidate = base[: 60 - len(suffix)] + suffix
    return candidate


def _save(session: Session, promotion: Promotion, data: dict) -> Promotion:
    for key in (
        "name", "description", "starts_on", "ends_on", "prize_type", "prize_name", "prize_instructions",
        "physical_stock", "per_customer_limit", "requires_partner_store", "due_working_days",
    ):
        setattr(promotion, key, data[key])
    promotion.slug = data["slug"] or _unique_slug(session, slugify(data["name"]), promotion.id)
    session.add(promotion)
    session.flush()
    for table in (PromotionCategory, PromotionModel, PromotionRegion):
        session.execute(sa.delete(table).where(table.promotion_id == promotion.id))
    session.add_all(PromotionCategory(promotion_id=promotion.id, category_id=c) for c in data["category_ids"])
    session.add_all(PromotionModel(promotion_id=promotion.id, model_id=m) for m in data["model_ids"])
    session.add_all(PromotionRegion(promotion_id=promotion.id, region_code=r) for r in data["region_codes"])
    session.flush()
    return promotion


def create_promotion(*, session: Session, actor_id: int, form: dict) -> Promotion:
    """A new promotion from the form (flushed).

    Form keys: name, slug (optional: made from the name), description,
    starts_on, ends_on, category_ids, model_ids (optional: then only those
    models qualify), region_codes, requires_partner_store, per_customer_limit,
    prize_type, prize_name, prize_instructions, physical_stock (physical
    prizes), due_working_days.  Raises ``Forbidden`` and ``FieldErrors``.
    """
    access.check_reviewer(session=session, user_id=actor_id)
    data = _clean(session, form, promotion_id=None)
    return _save(session, Promotion(**{k: data[k] for k in ("name", "starts_on", "ends_on", "prize_type", "prize_name")}, slug=""), data)


# --------------------------------------------------------------------------- edit guard


def current_form(*, session: Session, promotion_id: int) -> dict:
    """The promotion as a form dict (what the edit page starts from)."""
    p = session.get(Promotion, promotion_id)
    if p is None:
        raise NotFound(_("This promotion does not exist. Please reload the list."))

    def linked(table, column):
        return sorted(session.exec(select(column).where(table.promotion_id == p.id)).all())

    return {
        "name": p.name, "slug": p.slug, "description": p.description,
        "starts_on": p.starts_on, "ends_on": p.ends_on,
        "prize_type": p.prize_type.value, "prize_name": p.prize_name, "prize_instructions": p.prize_instructions,
        "physical_stock": p.physical_stock, "per_customer_limit": p.per_customer_limit,
        "requires_partner_store": p.requires_partner_store, "due_working_days": p.due_working_days,
        "category_ids": linked(PromotionCategory, PromotionCategory.category_id),
        "model_ids": linked(PromotionModel, PromotionModel.model_id),
        "region_codes": linked(PromotionRegion, PromotionRegion.region_code),
    }


def _claims_facts(session: Session, promotion_id: int) -> list:
    """Facts of the promotion's live claims (not rejected): what the rules looked at."""
    R, P, S, M, ST = (t.__table__ for t in (Redemption, RegisteredProduct, SerialRecord, ProductModel, Store))
    stmt = (
        sa.select(
            R.c.id, R.c.user_id, P.c.purchase_date, M.c.id.label("model_id"), M.c.category_id,
            P.c.region_code, ST.c.is_partner, ST.c.region_code.label("store_region"),
        )
        .select_from(
            R.join(P, P.c.id == R.c.product_id)
            .join(S, S.c.id == P.c.serial_id)
            .join(M, M.c.id == S.c.model_id)
            .join(ST, ST.c.id == P.c.store_id)
        )
        .where(R.c.promotion_id == promotion_id, R.c.status != RedemptionStatus.rejected)
    )
    return session.connection().execute(stmt).all()


def _allowed(rules: dict, c) -> dict[str, bool]:
    """Which rule each claim passes under ``rules`` (a form); empty lists allow all, as in eligibility."""
    if rules["model_ids"]:
        model_ok = c.model_id in rules["model_ids"]
    else:
        model_ok = not rules["category_ids"] or c.category_id in rules["category_ids"]
    return {
        "model": model_ok,
        "period": rules["starts_on"] <= c.purchase_date <= rules["ends_on"],
        "region": not rules["region_codes"] or c.region_code in rules["region_codes"],
        "partner": not rules["requires_partner_store"] or (bool(c.is_partner) and c.store_region == c.region_code),
    }


def edit_warnings(*, session: Session, promotion_id: int, old: dict, new: dict) -> list[str]:
    """What the edit ``old`` → ``new`` (``current_form`` → cleaned form) takes away from existing claims."""
    facts = _claims_facts(session, promotion_id)
    if not facts:
        return []
    broken: dict[str, list[int]] = {"model": [], "period": [], "region": [], "partner": []}
    for c in facts:
        before, after = _allowed(old, c), _allowed(new, c)
        for rule in broken:
            if before[rule] and not after[rule]:
                broken[rule].append(c.id)
    # Each rule's sentence (singular, plural), in the language of the event that asked.
    messages = {
        "period": (N_("{n} claim ({ids}): their purchase date falls outside the new period {start} – {end}."),
                   N_("{n} claims ({ids}): their purchase date falls outside the new period {start} – {end}.")),
        "model": (N_("{n} claim ({ids}): their product's model or category is no longer part of the promotion."),
                  N_("{n} claims ({ids}): their product's model or category is no longer part of the promotion.")),
        "region": (N_("{n} claim ({ids}): their region is no longer part of the promotion."),
                   N_("{n} claims ({ids}): their region is no longer part of the promotion.")),
        "partner": (N_("{n} claim ({ids}): they were bought outside a partner store of their region."),
                    N_("{n} claims ({ids}): they were bought outside a partner store of their region.")),
    }
    warnings = []
    for rule, ids in broken.items():
        if ids:
            shown = ", ".join(f"#{i}" for i in sorted(ids)[:5]) + (" …" if len(ids) > 5 else "")
            # Both forms are entries of their own (N_): English, German and Chinese choose as ``n != 1`` does.
            warnings.append(_(messages[rule][len(ids) != 1]).format(
                n=len(ids), ids=shown, start=i18n.format_date(new["starts_on"]),
                end=i18n.format_date(new["ends_on"])))
    per_user = Counter(c.user_id for c in facts)
    over = sum(1 for n in per_user.values() if n > new["per_customer_limit"] >= 1)
    if over and new["per_customer_limit"] < old["per_customer_limit"]:
        warnings.append(ngettext(
            "{n} customer already made more claims than the new limit of {limit} per customer.",
            "{n} customers already made more claims than the new limit of {limit} per customer.", over,
        ).format(n=over, limit=new["per_customer_limit"]))
    if new["prize_type"] != old["prize_type"]:
        kind = _("digital code") if PrizeType(old["prize_type"]) == PrizeType.digital_code else _("physical")
        warnings.append(ngettext(
            "{n} claim were made for a {kind} prize; changing the prize type changes what those customers receive.",
            "{n} claims were made for a {kind} prize; changing the prize type changes what those customers receive.",
            len(facts),
        ).format(n=len(facts), kind=kind))
    elif new["prize_type"] == PrizeType.physical and new["physical_stock"] is not None and new["physical_stock"] < len(facts):
        warnings.append(ngettext(
            "The new stock of {stock} is below the {n} claim already holding a gift.",
            "The new stock of {stock} is below the {n} claims already holding a gift.", len(facts),
        ).format(stock=new["physical_stock"], n=len(facts)))
    return warnings


def update_promotion(
    *, session: Session, actor_id: int, promotion_id: int, form: dict, confirm: bool = False
) -> Promotion:
    """Edit a promotion (flushed); keys missing from ``form`` keep their value.

    Raises ``Forbidden``, ``NotFound``, ``FieldErrors``, and
    ``NeedsConfirmation(warnings)`` when claims (not rejected) relied on a
    rule the edit removes — narrower period, a category/model/region taken
    away, the partner-store rule switched on, a lower per-customer limit than
    some customer used, a prize type change, physical stock below the claims —
    unless ``confirm`` is true.
    """
    access.check_reviewer(session=session, user_id=actor_id)
    old_form = current_form(session=session, promotion_id=promotion_id)
    # Missing keys keep their value (a rename keeps the slug customers may have bookmarked).
    new = _clean(session, {**old_form, **form}, promotion_id=promotion_id)
    if not confirm:
        warnings = edit_warnings(session=session, promotion_id=promotion_id, old=old_form, new=new)
        if warnings:
            raise NeedsConfirmation(warnings)
    return _save(session, session.get(Promotion, promotion_id), new)


# --------------------------------------------------------------------------- list with stock


def promotion_rows(*, session: Session) -> list[dict]:
    """Every promotion with its claims per status and stock, newest period first.

    Digital prizes: codes total = available (free) + reserved (held by claims
    waiting for a decision) + issued (approved claims).  Physical prizes: stock, claimed (claims not
    rejected) and available = stock − claimed.  ``low`` flags a pool or stock
    running out (fewer than 5, or under 10 %).  Four queries whatever the count.
    """
    promos = session.exec(select(Promotion).order_by(Promotion.starts_on.desc(), Promotion.id.desc())).all()
    R, C = Redemption.__table__, PromotionCode.__table__
    per_status: dict[int, dict[str, int]] = {}
    for pid, status, n in session.connection().execute(
        sa.select(R.c.promotion_id, R.c.status, sa.func.count()).group_by(R.c.promotion_id, R.c.status)
    ):
        per_status.setdefault(pid, {})[RedemptionStatus(status).value] = n
    pool = {
        pid: (total, held, issued)
        for pid, total, held, issued in session.connection().execute(
            sa.select(C.c.promotion_id, sa.func.count(C.c.id), sa.func.count(C.c.redemption_id), sa.func.count(C.c.issued_at))
            .group_by(C.c.promotion_id)
        )
    }
    regions: dict[int, list[str]] = {}
    for pid, code in session.exec(select(PromotionRegion.promotion_id, PromotionRegion.region_code)).all():
        regions.setdefault(pid, []).append(code)
    rows = []
    for p in promos:
        claims = {s.value: per_status.get(p.id, {}).get(s.value, 0) for s in RedemptionStatus}
        live = sum(n for s, n in claims.items() if s != RedemptionStatus.rejected.value)
        row = {
            "promotion_id": p.id,
            "name": p.name,
            "slug": p.slug,
            "starts_on": p.starts_on,
            "ends_on": p.ends_on,
            "prize_type": p.prize_type.value,
            "prize_name": p.prize_name,
            "region_codes": sorted(regions.get(p.id, [])),
            "claims": claims,
        }
        if p.prize_type == PrizeType.digital_code:
            total, held, issued = pool.get(p.id, (0, 0, 0))
            available = total - held
            row.update(total=total, reserved=held - issued, issued=issued, available=available)
        else:
            total = p.physical_stock or 0
            available = max(0, total - live)
            row.update(total=total, reserved=live, issued=None, available=available)
        row["low"] = codes.is_low(total=total, available=available)
        rows.append(row)
    return rows
