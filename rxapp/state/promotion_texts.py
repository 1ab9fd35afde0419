"""The promotion states' words: the Redeem form's field names, dates as the tab's language writes them."""

from __future__ import annotations

from datetime import date

import reflex as rx

from rxapp import i18n
from rxapp.i18n import N_
from rxapp.state.session import SessionState

# The names the page shows for each field (a refused Redeem names them at the button).
FIELD_NAMES = {"invoice": N_("Proof of purchase"), "serial_photo": N_("Product Barcode / S/N photo"),
               "first_name": N_("First Name"), "last_name": N_("Last Name"), "zipcode": N_("Zipcode"),
               "address": N_("Address"), "contact_number": N_("Contact Number"), "note": N_("Note"),
               "captcha": N_("Captcha"), "confirm_serial": N_("The serial number is right")}


def shown_date(iso: str) -> str:
    """An ISO date from a service as the tab's language writes it (2026-11-29, 29.11.2026, 2026年11月29日)."""
    try:
        return i18n.format_date(date.fromisoformat(str(iso)[:10])) if iso else ""
    except ValueError:
        return str(iso)


async def in_tab_language(state: rx.State):
    """A live refresh (the poller, not an event of the tab) writes in the tab's language."""
    return i18n.using((await state.get_state(SessionState)).lang)
