"""The prize's recipient: the parcel form cleaned and checked, and its address key.

One job: validate what a customer types as recipient (names, zipcode,
address, a phone number valid for the product's region) and normalise an
address for the "same address" links the reviewer sees.
"""

from __future__ import annotations

import functools

import re
import unicodedata
from dataclasses import asdict, dataclass, fields

import phonenumbers
from sqlmodel import Session

from rxapp import i18n
from rxapp.i18n import N_, _
from rxapp.models import Region
from rxapp.services.errors import FieldErrors


@dataclass(frozen=True)
class Recipient:
    first_name: str
    last_name: str
    zipcode: str
    address: str
    phone: str
    note: str


CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_ZIP = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]{1,18}[A-Za-z0-9]$|^[A-Za-z0-9]{2}$")


def _region_name(session: Session, code: str) -> str:
    """The region's name in the event's language (CLDR), else the name in the database."""
    region = session.get(Region, code)
    return i18n.territory(code, region.name if region else code)


@functools.lru_cache(maxsize=512)
def example_phone(region_code: str) -> str:
    """A mobile number of ``region_code`` as people write it internationally ("" when none), for the
    message of a wrong one (worked out once per region: phonenumbers parses its example each time)."""
    example = phonenumbers.example_number_for_type(region_code, phonenumbers.PhoneNumberType.MOBILE)
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.INTERNATIONAL) if example else ""


def validate_recipient(*, session: Session, data: dict, region_code: str) -> Recipient:
    """Clean the recipient form or raise ``FieldErrors`` keyed by field name.

    Fields: first_name*, last_name*, zipcode*, address* (several lines),
    contact_number* (a valid number for the product's region, stored E.164),
    note.
    """
    errors: dict[str, str] = {}

    def text(key: str, label: str, max_len: int, missing: str = "") -> str:
        """``label``: the field's name (an ``N_`` source); ``missing``: the message when it is left empty
        ("" for an optional field).  The messages in the event's language."""
        value = str(data.get(key) or "").strip()
        if CONTROL_CHARS.search(value.replace("\r", "").replace("\t", " ") if key in ("address", "note") else value):
            errors[key] = _("{field} contains characters we cannot print on a parcel; please retype it.").format(
                field=_(label))
        elif missing and not value:
            errors[key] = _(missing)
        elif len(value) > max_len:
            errors[key] = _("{field} can be at most {max} characters (it has {n}).").format(
                field=_(label), max=max_len, n=len(value))
        return value

    first = text("first_name", N_("First name"), 80, N_("Please enter the first name."))
    last = text("last_name", N_("Last name"), 80, N_("Please enter the last name."))
    zipcode = " ".join(text("zipcode", N_("Zipcode"), 20, N_("Please enter the zipcode.")).split()).upper()
    if "zipcode" not in errors and not _ZIP.match(zipcode):
        errors["zipcode"] = _("Please enter the zipcode with letters, digits, spaces or '-' only, e.g. 75011.")
    raw_address = str(data.get("address") or "").replace("\r\n", "\n").replace("\r", "\n")
    address = "\n".join(line.strip() for line in raw_address.split("\n") if line.strip())
    if CONTROL_CHARS.search(address.replace("\t", " ")):
        errors["address"] = _("Address contains characters we cannot print on a parcel; please retype it.")
    elif not address:
        errors["address"] = _("Please enter the address (street, city; several lines are fine).")
    elif len(address) > 500:
        errors["address"] = _("Address can be at most 500 characters (it has {n}).").format(n=len(address))
    note = text("note", N_("Note"), 1000)
    raw_phone = str(data.get("contact_number") or "").strip()
    phone = ""
    if not raw_phone:
        errors["contact_number"] = _("Please enter a contact number, so the courier can reach you.")
    else:
        example_text = example_phone(region_code)
        try:
            parsed = phonenumbers.parse(raw_phone, region_code)
            if not phonenumbers.is_valid_number(parsed):
                raise phonenumbers.NumberParseException(0, "invalid")
            phone = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        except phonenumbers.NumberParseException:
            region = _region_name(session, region_code)
            errors["contact_number"] = (
                _("This is not a valid phone number for {region}: please check the digits, e.g. {example}.")
                if example_text else _("This is not a valid phone number for {region}: please check the digits.")
            ).format(region=region, example=example_text)
    if errors:
        raise FieldErrors(errors)
    return Recipient(first, last, zipcode, address, phone, note)


def recipient_columns(recipient: Recipient) -> dict:
    """A checked recipient as a claim's columns, with its address key."""
    return {**asdict(recipient), "address_key": address_key(recipient.zipcode, recipient.address)}


def claim_recipient(claim) -> dict:
    """The recipient a claim holds, by field name (first_name … note)."""
    return {f.name: getattr(claim, f.name) for f in fields(Recipient)}


def address_key(zipcode: str, address: str) -> str:
    """Lower-cased, accent- and punctuation-free "zipcode address", for same-address links."""
    raw = unicodedata.normalize("NFKD", f"{zipcode} {address}")
    raw = "".join(ch for ch in raw if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", raw).split())[:500]
