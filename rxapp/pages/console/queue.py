"""The claim queue: counts per status, filters, keyset pages, bulk approve, CSV export."""

from __future__ import annotations

import reflex as rx

from rxapp import vocabulary
from rxapp.components.status import review_status_badge
from rxapp.components.forms import field, notice, select_field
from rxapp.components.i18n import T, Tf
from rxapp.i18n import N_
from rxapp.components.links import backend_url
from rxapp.components.layout import grid_of
from rxapp.components.shell import ACCENT, member_page
from rxapp.components.table import data_table
from rxapp.services import queue_filter
from rxapp.state.console.queue import QueueState as Q


def _status_tabs() -> rx.Component:
    return rx.flex(
        rx.foreach(
            Q.counts,
            lambda c: rx.button(
                c["label"],
                rx.badge(c["count"], variant="solid", color_scheme="gray", radius="full", high_contrast=True),
                on_click=Q.show_status(c["status"]),
                variant=rx.cond(c["current"] == "yes", "solid", "outline"),
                aria_pressed=rx.cond(c["current"] == "yes", "true", "false"), size="2", type="button",
            ),
        ),
        gap="8px", wrap="wrap", margin_bottom="12px", role="group", aria_label=T("Claims per status"),
    )


def _filters() -> rx.Component:
    statuses = [["all", T("All statuses")], *[[v, T(label)] for v, label in vocabulary.options(vocabulary.STATUS)]]
    return rx.form(
        grid_of({"initial": "1", "sm": "2", "md": "3"},
            select_field("Status", "status", statuses, Q.errors, default_value=Q.f_status, placeholder=None,
                         id_prefix="q", compact=True),
            select_field("Promotion", "promotion", Q.promotion_options, Q.errors, default_value=Q.f_promotion,
                         placeholder=N_("Any promotion"), id_prefix="q", compact=True),
            select_field("Region / Location", "region", Q.region_options, Q.errors, default_value=Q.f_region,
                         placeholder=N_("Any region"), id_prefix="q", compact=True),
            field("Submitted from", "from", Q.errors, type="date", default_value=Q.f_from, id_prefix="q",
                  compact=True, max_length=10),
            field("Submitted to", "to", Q.errors, type="date", default_value=Q.f_to, id_prefix="q", compact=True,
                  max_length=10),
            select_field("Evidence checks", "checks", [[k, T(v)] for k, v in queue_filter.CHECKS.items()], Q.errors,
                         default_value=Q.f_checks, placeholder=N_("Any check result"), id_prefix="q", compact=True),
            select_field("Risk", "risk", [[k, T(v)] for k, v in queue_filter.RISK.items()], Q.errors,
                         default_value=Q.f_risk, placeholder=N_("Any risk"), id_prefix="q", compact=True),
            select_field("Sort by", "order", [[k, T(v)] for k, v in queue_filter.ORDERS.items()], Q.errors,
                         default_value=Q.f_order, placeholder=None, id_prefix="q", compact=True),
            field("Search", "search", Q.errors, default_value=Q.f_search, id_prefix="q", compact=True,
                  placeholder=T("S/N, email or claim number"), max_length=120),
            width="100%",
        ),
        rx.hstack(
            rx.button(T("Apply filters"), type="submit", size="2"),
            rx.button(T("Clear"), type="button", variant="outline", size="2", on_click=Q.clear_filters),
            spacing="2", margin_top="10px",
        ),
        key=Q.form_key.to(str), on_submit=Q.apply_filters, reset_on_submit=False, padding="12px",
        border="1px solid #eee", border_radius="6px", margin_bottom="12px", aria_label=T("Queue filters"),
    )


def _hidden_matches() -> rx.Component:
    """A search's matches the filters hide: said plainly, with the one click that shows them."""
    return rx.cond(
        Q.hidden.length() > 0,
        rx.callout(
            rx.flex(
                rx.text(Q.hidden["text"], size="2"),
                rx.flex(
                    rx.cond(Q.hidden["status"] == "yes",
                            rx.button(T("Show all statuses"), type="button", size="1", on_click=Q.show_status("all"))),
                    rx.cond(Q.hidden["others"] == "yes",
                            rx.button(T("Search all claims"), type="button", size="1", variant="outline",
                                      on_click=Q.search_everywhere)),
                    gap="8px", wrap="wrap",
                ),
                direction="column", gap="8px",
            ),
            icon="search", color_scheme="amber", size="1", role="status", margin_bottom="12px", id="hidden-matches",
        ),
    )


def _queue_row(r) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.el.input(type="checkbox", name="claim-" + r["claim_id"], value="on",
                        aria_label=Tf("Select claim #{id}", id=r["claim_id"]),
                        style={"width": "17px", "height": "17px", "accent_color": ACCENT}),
        ),
        rx.table.cell(
            rx.link("#" + r["claim_id"], href=r["href"], weight="bold"),
            rx.cond(r["risk"] != "", rx.badge(rx.icon("triangle-alert", size=12, aria_hidden="true"), r["risk"],
                                              color_scheme="amber", size="1", margin_left="4px",
                                              title=T("Risk signals"))),
        ),
        rx.table.cell(
            rx.text(r["due_on"], white_space="nowrap"),
            rx.cond(r["overdue"] == "yes", rx.badge(T("overdue"), color_scheme="red", variant="solid", size="1")),
        ),
        rx.table.cell(review_status_badge(r["status"], r["status_label"])),
        rx.table.cell(r["promotion_name"]),
        rx.table.cell(rx.text(r["product_name"]), rx.text(r["serial"], size="1", color="#555",
                                                           font_family="monospace")),
        rx.table.cell(rx.text(r["customer_email"], size="2")),
        rx.table.cell(r["region_code"], " · ", r["store_name"]),
        rx.table.cell(rx.text(r["submitted_on"], white_space="nowrap")),
    )


def _queue_table() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.button(T("Approve selected"), type="submit", size="2", color_scheme="green", high_contrast=True),
            rx.link(rx.button(T("Export CSV"), type="button", variant="outline", size="2", tab_index=-1),
                    href=backend_url(Q.export_href), is_external=True, aria_label=T("Export CSV")),
            rx.spacer(),
            rx.text(Tf("Page {n}", n=Q.page_no), size="2", color="#555"),
            rx.button(T("Previous page"), type="button", variant="outline", size="2", on_click=Q.prev_page,
                      disabled=Q.page_no <= 1),
            rx.button(T("Next page"), type="button", variant="outline", size="2", on_click=Q.next_page,
                      disabled=~Q.has_next),
            gap="8px", align="center", wrap="wrap", margin_bottom="8px",
        ),
        data_table(("Select", "Claim", "Due", "Status", "Promotion", "Product / S/N", "Customer", "Region · Store",
                    "Submitted"), Q.rows, _queue_row, size="1", variant="surface", width="100%"),
        rx.cond(
            Q.loaded & (Q.rows.length() == 0),
            rx.text(T("No claims match these filters."), color="#555", padding="12px"),
        ),
        key="bulk-" + Q.page_no.to(str) + "-" + Q.rows_key.to(str) + Q.message,
        on_submit=Q.approve_selected, reset_on_submit=True, aria_label=T("Claims"),
    )


def _bulk_report() -> rx.Component:
    return rx.cond(
        Q.bulk_report.length() > 0,
        rx.box(
            rx.foreach(
                Q.bulk_report,
                lambda r: rx.hstack(
                    rx.cond(r["ok"] == "yes",  # two fixed icons: an icon named by a var loads every icon
                            rx.icon("check", size=16, color="#1a7f37", aria_hidden="true"),
                            rx.icon("x", size=16, color="#b35c00", aria_hidden="true")),
                    rx.text(r["claim"], weight="bold", size="2"),
                    rx.text(r["text"], size="2"),
                    spacing="2", align="start",
                ),
            ),
            padding="10px", border="1px solid #eee", border_radius="6px", margin_bottom="12px",
            id="bulk-report",
        ),
    )


def _pending_batch() -> rx.Component:
    """A bulk approve inside its undo window: which claims, when it is committed, and one Undo for all."""
    return rx.cond(
        Q.batch.length() > 0,
        rx.flex(
            rx.callout(
                rx.text(Tf("Approved {claims} — committed in {seconds} s. Until then no code is issued and nothing "
                           "is sent.", claims=Q.batch["claims"], seconds=Q.batch["seconds"])),
                icon="clock", color_scheme="green", size="1", role="status", id="pending-bulk-approval",
                flex="1", min_width="220px",
            ),
            rx.button(T("Undo"), type="button", size="3", variant="outline", on_click=Q.undo_bulk_approval),
            gap="8px", align="center", wrap="wrap", margin_bottom="12px",
        ),
    )


def queue() -> rx.Component:
    return member_page(
        "Claim Queue",
        rx.text(rx.cond(Q.f_order == "risk",
                        T("Riskiest first: the claims with the most risk signals, then the oldest due. Open a claim "
                          "to see its documents and decide."),
                        T("Oldest due first. Open a claim to see its documents and decide.")),
                size="2", color="#555", margin_bottom="10px"),
        _status_tabs(),
        _filters(),
        _hidden_matches(),
        notice(Q.message),
        _pending_batch(),
        _bulk_report(),
        _queue_table(),
    )
