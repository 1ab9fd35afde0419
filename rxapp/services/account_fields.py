"""Checking account form fields: text, checkboxes, email, names, region, phone; finding the user.

Form input arrives as a dict from the browser and is never trusted: any value
may be missing, of the wrong type, huge or odd unicode.  Each check returns
(clean value, message for the customer or None) and never raises for bad
input.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

import email_validator
import phonenumbers
from sqlmodel import Session, func, select

from rxapp.models import Region, User
from rxapp.i18n import _
from rxapp.services.errors import NotFound

NAME_MAX = 80
EMAIL_MAX = 254
_TRUE_WORDS = {"1", "true", "on", "yes", "y", "checked"}


def text_value(value: object) -> str | None:
    """A form value as text: None/missing -> "", str and numbers as text, anything else -> None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return None


def flag(value: object) -> bool:
    """A checkbox value: True, 1 or "on"/"true"/"yes"; anything else is unticked."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value == 1
    if isinstance(value, str):
        return value.strip().lower() in _TRUE_WORDS
    return False


def has_bad_chars(text: str) -> bool:
    """Control characters, lone surrogates and line/paragraph separators."""
    return any(unicodedata.category(ch) in {"Cc", "Cs", "Zl", "Zp"} for ch in text)


def form_mapping(form: object) -> Mapping:
    return form if isinstance(form, Mapping) else {}


def normalise_email(value: object) -> tuple[str | None, str | None]:
    """(normalised lower-case email, None) or (None, message for the customer).  No DNS lookups."""
    text = text_value(value)
    if text is None or not text.strip():
        return None, _("Please enter your email address.")
    text = text.strip()
    if len(text) > EMAIL_MAX or has_bad_chars(text):
        return None, _("Please check your email address: it is not a valid email address.")
    try:
        result = email_validator.validate_email(text, check_deliverability=False)
    except email_validator.EmailNotValidError as exc:
        return None, _("Please check your email address. {reason}").format(reason=exc)
    normalised = result.normalized.lower()
    if len(normalised) > EMAIL_MAX:
        return None, _("Please check your email address: it is too long.")
    return normalised, None


def check_name(value: object, *, label: str, required: bool) -> tuple[str, str | None]:
    text = text_value(value)
    if text is None:
        return "", _("Please enter your {label} as text.").format(label=_(label))
    text = unicodedata.normalize("NFC", text.strip())
    if not text:
        return "", (_("Please enter your {label}.").format(label=_(label)) if required else None)
    if has_bad_chars(text):
        return "", (
            _("Your {label} contains characters we cannot accept, such as line breaks. Please remove them.")
            .format(label=_(label))
        )
    if len(text) > NAME_MAX:
        return "", _("Your {label} can be at most {n} characters long.").format(label=_(label), n=NAME_MAX)
    return text, None


def check_region(session: Session, value: object) -> tuple[Region | None, str | None]:
    text = text_value(value)
    code = (text or "").strip().upper()
    region = session.get(Region, code) if len(code) == 2 and code.isascii() and code.isalpha() else None
    if region is None:
        return None, _("Please choose your region / location from the list.")
    return region, None


def check_phone(value: object, region: Region | None) -> tuple[str, str | None]:
    """(E.164 number or "" when none was given, message or None)."""
    text = text_value(value)
    if text is None:
        return "", _("Please enter your contact number as digits, e.g. +1 201 555 0123.")
    text = text.strip()
    if not text:
        return "", None
    if region is None:
        return "", _("Please choose your region / location first, so we can check this number.")
    example = phonenumbers.example_number_for_type(region.code, phonenumbers.PhoneNumberType.MOBILE)
    hint = (
        " " + _("For example: {number}.").format(
            number=phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.INTERNATIONAL))
        if example
        else ""
    )
    invalid = _("This is not a valid contact number for {region}. Please check it.").format(
        region=region.name) + hint
    if len(text) > 40 or has_bad_chars(text):
        return "", invalid
    try:
        number = phonenumbers.parse(text, region.code)
    except phonenumbers.NumberParseException:
        return "", invalid
    if not phonenumbers.is_valid_number_for_region(number, region.code):
        return "", invalid
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None


def email_taken(session: Session, email: str, *, except_user_id: int | None = None) -> bool:
    stmt = select(User.id).where(func.lower(User.email) == email.lower())
    if except_user_id is not None:
        stmt = stmt.where(User.id != except_user_id)
    return session.exec(stmt).first() is not None


def get_user(session: Session, user_id: object) -> User:
    user = session.get(User, user_id) if isinstance(user_id, int) and not isinstance(user_id, bool) else None
    if user is None:
        raise NotFound(_("We could not find your account. Please log in again."))
    return user
