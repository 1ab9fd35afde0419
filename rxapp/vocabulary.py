"""The one vocabulary: every user-visible label of a domain value, defined once.

Services (emails, read models), states and pages all read their words from
here, so a status or a document never has two names.  Each text is marked with
``N_`` (gettext's "no-op" marker): a translation catalog picks the strings up
(``pybabel extract -k N_``) while this module stays plain data with no Reflex
import.  The ``*_label`` functions accept an enum member, its value or junk
(a label for junk is "").
"""

from __future__ import annotations

import enum

from rxapp import i18n

from rxapp.models import (
    Channel,
    EmailStatus,
    MissingDocument,
    PrizeType,
    RedemptionStatus,
    Role,
    ShippingStatus,
)


def N_(text: str) -> str:
    """Mark a string for the translation catalog without translating it here."""
    return text


# Claim status: the reviewer's short word, and the customer's words (the seed's).
STATUS = {
    RedemptionStatus.under_review: N_("Under review"),
    RedemptionStatus.needs_info: N_("Needs info"),
    RedemptionStatus.approved: N_("Approved"),
    RedemptionStatus.rejected: N_("Rejected"),
}
STATUS_FOR_CUSTOMER = {
    RedemptionStatus.under_review: N_("Redeem qualification under reviewing"),
    RedemptionStatus.approved: N_("Redeem Success"),
    RedemptionStatus.needs_info: N_("Please complete your claim."),
    RedemptionStatus.rejected: N_("Rejected"),
}
# The document a needs-info decision asks for: its name in a list, and in a sentence.
DOCUMENT = {
    MissingDocument.invoice: N_("Invoice"),
    MissingDocument.serial_photo: N_("S/N photo"),
    MissingDocument.recipient: N_("Recipient data"),
    MissingDocument.other: N_("Other"),
}
DOCUMENT_IN_SENTENCE = {
    MissingDocument.invoice: N_("the invoice (proof of purchase)"),
    MissingDocument.serial_photo: N_("the photo of the S/N sticker"),
    MissingDocument.recipient: N_("the recipient information"),
    MissingDocument.other: N_("more information"),
}
# A physical prize's parcel: the console's word, and the customer's.
SHIPPING = {
    ShippingStatus.preparing: N_("Preparing"),
    ShippingStatus.shipped: N_("Shipped"),
    ShippingStatus.delivered: N_("Delivered"),
}
SHIPPING_FOR_CUSTOMER = {
    ShippingStatus.preparing: N_("Preparing your prize"),
    ShippingStatus.shipped: N_("Shipped"),
    ShippingStatus.delivered: N_("Delivered"),
}
CHANNEL = {
    Channel.retail: N_("Retail store"),
    Channel.online: N_("Online retailer"),
    Channel.reseller: N_("Reseller"),
}
PRIZE_TYPE = {
    PrizeType.digital_code: N_("Digital code"),
    PrizeType.physical: N_("Physical prize"),
}
MEMBERSHIP = {
    Role.customer: N_("Member"),
    Role.reviewer: N_("Member · Reviewer"),
    Role.admin: N_("Member · Administrator"),
}
EMAIL_STATUS = {
    EmailStatus.pending: N_("waiting to send"),
    EmailStatus.sending: N_("sending"),
    EmailStatus.sent: N_("sent"),
    EmailStatus.failed: N_("failed"),
}
# Eligibility rules (``services.eligibility.RULES``) as the console lists them.
RULE = {
    "running": N_("Promotion running when submitted"),
    "eligible_model": N_("Eligible model"),
    "purchase_date": N_("Purchase date inside the period"),
    "region": N_("Eligible region"),
    "partner_store": N_("Partner store"),
    "purchase_proof": N_("Invoice on file"),
    "not_claimed": N_("Not already redeemed"),
    "customer_limit": N_("Per-customer limit"),
    "stock": N_("Stock left"),
    "product": N_("Product"),
}


def _label(table: dict, value) -> str:
    if value is None or value == "":
        return ""
    if not isinstance(value, enum.Enum):
        enum_cls = type(next(iter(table)))
        try:
            value = enum_cls(value)
        except (ValueError, TypeError):
            return ""
    return table.get(value, "")


def _labeller(table: dict, fallback: str = ""):
    """The ``*_label`` function of one table: its label for a value, else ``fallback``."""

    def label(value) -> str:
        """In the current language (``rxapp.i18n``): the tables hold the English source."""
        return i18n.gettext(_label(table, value) or fallback) if (_label(table, value) or fallback) else ""

    return label


status_label = _labeller(STATUS)
document_label = _labeller(DOCUMENT)
document_in_sentence = _labeller(DOCUMENT_IN_SENTENCE)
shipping_label = _labeller(SHIPPING)
channel_label = _labeller(CHANNEL)
prize_type_label = _labeller(PRIZE_TYPE)
membership_label = _labeller(MEMBERSHIP, fallback=MEMBERSHIP[Role.customer])
email_status_label = _labeller(EMAIL_STATUS)


def rule_label(rule: str) -> str:
    return RULE.get(rule, "") or rule.replace("_", " ").capitalize()


def customer_status_text(status, reason: str = "") -> str:
    """The claim's status as the customer reads it (the seed's wording, in the current language; the
    reviewer's reason as typed)."""
    status = RedemptionStatus(status)
    if status == RedemptionStatus.needs_info and reason:
        return reason
    if status == RedemptionStatus.rejected and reason:
        return i18n.gettext("Rejected: {reason}").format(reason=reason)
    return i18n.gettext(STATUS_FOR_CUSTOMER[status])


def customer_shipping_text(status, tracking_number: str = "") -> str:
    """A physical prize's parcel in the customer's words ("Shipped · tracking …")."""
    text = _label(SHIPPING_FOR_CUSTOMER, status)
    if text and tracking_number:
        return i18n.gettext("{state} · tracking {number}").format(state=i18n.gettext(text), number=tracking_number)
    return i18n.gettext(text) if text else ""


def options(table: dict) -> list[list[str]]:
    """``[[value, label], …]`` for a select, in the table's order."""
    return [[key.value if isinstance(key, enum.Enum) else str(key), label] for key, label in table.items()]
