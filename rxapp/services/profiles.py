"""The account pages' data: the profile form, subscriptions, Account Overview and the region choices."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, func, select

from rxapp import i18n
from rxapp.i18n import N_, _
from rxapp.models import Redemption, RedemptionStatus, Region, RegisteredProduct, User
from rxapp.services import account_fields
from rxapp.services.errors import FieldErrors


def regions(*, session: Session) -> list[tuple[str, str]]:
    """Every region as (code, name) in the current language, sorted by that name: the Region / Location
    choices."""
    rows = session.exec(select(Region).order_by(Region.name, Region.code)).all()
    named = [(r.code, i18n.territory(r.code, r.name)) for r in rows]
    return sorted(named, key=lambda pair: (i18n.sort_key(pair[1]), pair[0]))


def profile(*, session: Session, user_id: int) -> dict:
    """The My Profile form's current values: first_name, last_name, region, phone,
    email, newsletter, reward_program.  Raises ``NotFound``."""
    user = account_fields.get_user(session, user_id)
    return {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "region": user.region_code,
        "phone": user.phone_e164,
        "newsletter": user.newsletter,
        "reward_program": user.reward_program,
        "language": user.language,
    }


def update_profile(*, session: Session, user_id: int, form: dict) -> User:
    """Save first_name, last_name, region, phone and (when the form has it) language (flushed).

    The same checks as sign-up; the phone is stored in E.164.  Raises
    ``FieldErrors`` (every problem at once) or ``NotFound``.
    """
    user = account_fields.get_user(session, user_id)
    form = account_fields.form_mapping(form)
    errors: dict[str, str] = {}
    first, problem = account_fields.check_name(form.get("first_name"), label=N_("first name"), required=True)
    if problem:
        errors["first_name"] = problem
    last, problem = account_fields.check_name(form.get("last_name"), label=N_("last name"), required=False)
    if problem:
        errors["last_name"] = problem
    region, problem = account_fields.check_region(session, form.get("region"))
    if problem:
        errors["region"] = problem
    phone, problem = account_fields.check_phone(form.get("phone"), region)
    if problem:
        errors["phone"] = problem
    language = user.language
    if "language" in form:
        language = i18n.known(account_fields.text_value(form.get("language")))
        if language is None:
            errors["language"] = _("Choose one of the languages offered.")
    if errors:
        raise FieldErrors(errors)
    user.first_name, user.last_name, user.region_code, user.phone_e164 = first, last, region.code, phone
    user.language = language
    session.add(user)
    session.flush()
    return user


def update_subscriptions(
    *, session: Session, user_id: int, newsletter: object, reward_program: object
) -> User:
    """Save the Subscribe page's choices (flushed).  Raises ``NotFound``."""
    user = account_fields.get_user(session, user_id)
    user.newsletter = account_fields.flag(newsletter)
    user.reward_program = account_fields.flag(reward_program)
    session.add(user)
    session.flush()
    return user


def overview(*, session: Session, user_id: int) -> dict:
    """Account Overview as a plain dict.

    ``name, first_name, email, verified, role, member_since (date), region,
    products`` (active registrations), ``claims`` ({status value: count} with
    every status present) and ``claims_total``.  Raises ``NotFound``.
    """
    user = account_fields.get_user(session, user_id)
    products = session.exec(
        select(func.count())
        .select_from(RegisteredProduct)
        .where(RegisteredProduct.user_id == user.id, RegisteredProduct.is_active == sa.true())
    ).one()
    claims = {status.value: 0 for status in RedemptionStatus}
    for status, count in session.exec(
        select(Redemption.status, func.count())
        .where(Redemption.user_id == user.id)
        .group_by(Redemption.status)
    ).all():
        claims[RedemptionStatus(status).value] = count
    region = session.get(Region, user.region_code)
    return {
        "name": f"{user.first_name} {user.last_name}".strip(),
        "first_name": user.first_name,
        "email": user.email,
        "verified": user.email_verified_at is not None,
        "role": user.role.value,
        "member_since": user.created_at.date(),
        "region": i18n.territory(region.code, region.name) if region else user.region_code,
        "products": int(products),
        "claims": claims,
        "claims_total": sum(claims.values()),
    }


def set_language(*, session: Session, user_id: int, language: str) -> str:
    """Save the account's language (pages and emails follow it on any device); returns the tag saved.

    Raises ``FieldErrors`` for a language the member center does not speak, ``NotFound``.
    """
    code = i18n.known(language)
    if code is None:
        raise FieldErrors({"language": _("Choose one of the languages offered.")})
    user = account_fields.get_user(session, user_id)
    user.language = code
    session.add(user)
    session.flush()
    return code
