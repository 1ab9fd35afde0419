"""The prize's recipient: the parcel form cleaned and checked, and its address key.

One job: validate what a customer types as recipient (names, zipcode,
address, a phone number valid for the product's region) and normalise an
address for the "same address" links the reviewer sees.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, fields

import phonenumbers
from sqlmodel import Session

from rxapp import i18n
from rxapp.i18n import N_
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
    region = session.get(Region, code)
    return i18n.territory(code, region.name) if region else code


# The fields' names in the messages, and what an empty required field is told (whole sentences).
_LABELS = {"first_name": N_("First name"), "last_name": N_("Last name"), "zipcode": N_("Zipcode"),
           "address": N_("Address"), "note": N_("Note")}
_MISSING = {"first_name": N_("Please enter the first name."), "last_name": N_("Please enter the last name."),
            "zipcode": N_("Please enter the zipcode.")}
MSG_UNPRINTABLE = N_("{field} contains characters we cannot print on a parcel; please retype it.")
MSG_TOO_LONG = N_("{field} can be at most {n} characters (it has {count}).")


def validate_recipient(*, session: Session, data: dict, region_code: str) -> Recipient:
    """Clean the recipient form or raise ``FieldErrors`` keyed by field name.

    Fields: first_name*, last_name*, zipcode*, address* (several lines),
    contact_number* (a valid number for the product's region, stored E.164),
    note.
    """
    errors: dict[str, str] = {}

    def label(key: str) -> str:
        return i18n.gettext(_LABELS[key])

    def text(key: str, max_len: int, required: bool = True) -> str:
        value = str(data.get(key) or "").strip()
        if CONTROL_CHARS.search(value.replace("\r", "").replace("\t", " ") if key in ("address", "note") else value):
            errors[key] = i18n.gettext(MSG_UNPRINTABLE).format(field=label(key))
        elif required and not value:
            errors[key] = i18n.gettext(_MISSING[key])
        elif len(value) > max_len:
            errors[key] = i18n.gettext(MSG_TOO_LONG).format(field=label(key), n=max_len, count=len(value))
        return value

    first = text("first_name", 80)
    last = text("last_name", 80)
    zipcode = " ".join(text("zipcode", 20).split()).upper()
    if "zipcode" not in errors and not _ZIP.match(zipcode):
        errors["zipcode"] = i18n.gettext(
            "Please enter the zipcode with letters, digits, spaces or '-' only, e.g. 75011.")
    raw_address = str(data.get("address") or "").replace("\r\n", "\n").replace("\r", "\n")
    address = "\n".join(line.strip() for line in raw_address.split("\n") if line.strip())
    if CONTROL_CHARS.search(address.replace("\t", " ")):
        errors["address"] = i18n.gettext(MSG_UNPRINTABLE).format(field=label("address"))
    elif not address:
        errors["address"] = i18n.gettext("Please enter the address (street, city; several lines are fine).")
    elif len(address) > 500:
        errors["address"] = i18n.gettext(MSG_TOO_LONG).format(field=label("address"), n=500, count=len(address))
    note = text("note", 1000, required=False)
    raw_phone = str(data.get("contact_number") or "").strip()
    phone = ""
    if not raw_phone:
        errors["contact_number"] = i18n.gettext("Please enter a contact number, so the courier can reach you.")
    else:
        example = phonenumbers.example_number_for_type(region_code, phonenumbers.PhoneNumberType.MOBILE)
        example = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.INTERNATIONAL) if example else ""

        try:
            parsed = phonenumbers.parse(raw_phone, region_code)
            if not phonenumbers.is_valid_number(parsed):
                raise phonenumbers.NumberParseException(0, "invalid")
            phone = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        except phonenumbers.NumberParseException:
            region = _region_name(session, region_code)
            errors["contact_number"] = (
                i18n.gettext("This is not a valid phone number for {region}: please check the digits, e.g. "
                             "{example}.").format(region=region, example=example) if example
                else i18n.gettext("This is not a valid phone number for {region}: please check the digits.").format(
                    region=region))
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
