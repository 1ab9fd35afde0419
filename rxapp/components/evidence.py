"""The evidence pre-check's checklist under an upload field: "Checking your invoice…", then ✓ / ✗ per check.

One component for every upload page (registration, Redeem Confirm and Again, My Products' Replace);
the state side is ``rxapp.state.evidence.EvidenceMixin``.
"""

from __future__ import annotations

import reflex as rx

from rxapp.components.i18n import T
from rxapp.i18n import N_

# Each text one whole sentence (a translation words it its own way): by the checklist's noun, and the
# footnote by the page's ``replace_hint`` (a hint not listed here shows its English sentence).
_CHECKING = {"invoice": N_("Checking your invoice…"), "S/N photo": N_("Checking your S/N photo…")}
_READ = {"invoice": N_("What we read on your invoice"), "S/N photo": N_("What we read on your S/N photo")}
_ADVICE = {
    "choose another file above to replace it": N_(
        "This is advice to avoid a reviewer's question later: you can go on as it is, or "
        "choose another file above to replace it."),
    "choose another file above to replace the invoice": N_(
        "This is advice to avoid a reviewer's question later: you can go on as it is, or "
        "choose another file above to replace the invoice."),
    "press Replace again to upload another file": N_(
        "This is advice to avoid a reviewer's question later: you can go on as it is, or "
        "press Replace again to upload another file."),
    "upload another file above to replace the invoice": N_(
        "This is advice to avoid a reviewer's question later: you can go on as it is, or "
        "upload another file above to replace the invoice."),
    "upload another photo above to replace it": N_(
        "This is advice to avoid a reviewer's question later: you can go on as it is, or "
        "upload another photo above to replace it."),
}
_BLOCKED = {
    "upload another photo above to replace it": N_(
        "Before you redeem: upload another photo above to replace it, or confirm the serial number below."),
    "upload another file above to replace the invoice": N_(
        "Before you redeem: upload another file above to replace the invoice, or confirm the serial number below."),
}


def _check_item(c) -> rx.Component:
    ok = c["ok"] == "yes"
    return rx.el.li(
        rx.hstack(
            rx.text(rx.cond(ok, "✓", "✗"), weight="bold", color=rx.cond(ok, "#1a7f37", "#c0101c"), aria_hidden="true"),
            rx.box(
                rx.text(c["message"], size="2"),
                rx.cond(c["advice"] != "", rx.text(c["advice"], size="1", color="#555")),
            ),
            spacing="2", align="start",
        ),
        data_status=c["status"], data_check=c["key"], style={"list_style": "none", "margin": "4px 0"},
    )


def checklist(checking, checks, note, *, noun: str = "invoice", element_id: str = "invoice-checklist",
              replace_hint: str = "choose another file above to replace it", blocked=None) -> rx.Component:
    """ "Checking your <noun>…" while it is read, then what it says against what was typed (advice only).

    ``blocked`` (a bool var): a finding that is not advice (a barcode contradicting the serial) - the
    footnote then says it must be dealt with instead of "you can go on as it is".
    """
    advice = rx.text(T(_ADVICE.get(replace_hint) or (
        f"This is advice to avoid a reviewer's question later: you can go on as it is, or {replace_hint}.")),
        size="1", color="#555")
    if blocked is not None:
        advice = rx.cond(blocked, rx.text(T(_BLOCKED.get(replace_hint) or (
            f"Before you redeem: {replace_hint}, or confirm the serial number below.")),
            size="1", color="#555"), advice)
    return rx.box(
        rx.cond(
            checking,
            rx.hstack(rx.spinner(size="2"), rx.text(T(_CHECKING.get(noun) or f"Checking your {noun}…"), size="2"), spacing="2",
                      align="center", id=f"{element_id}-checking"),
        ),
        rx.cond(
            checks.length() > 0,
            rx.box(
                rx.text(T(_READ.get(noun) or f"What we read on your {noun}"), weight="bold", size="2"),
                rx.el.ul(rx.foreach(checks, _check_item), style={"padding": "0", "margin": "4px 0"}),
                advice,
                id=element_id, padding="10px 12px", border="1px solid #e5e5ea", border_radius="6px",
                background="#fcfcfd",
            ),
        ),
        rx.cond(note != "", rx.text(note, size="2", color="#555")),
        role="status", aria_live="polite", margin_bottom="12px",
    )
