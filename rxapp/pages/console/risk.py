"""The claim page's risk signals and the audit of an automatic approval (``RiskState``), and the
Promotions page's decision policies (``PolicyState``)."""

from __future__ import annotations

import reflex as rx

from rxapp.components.forms import notice
from rxapp.components.i18n import T
from rxapp.state.console.policy import PolicyState as P
from rxapp.state.console.risk import RiskState as R


def _signal(s) -> rx.Component:
    return rx.hstack(
        rx.icon("triangle-alert", size=16, color="#b45309", flex_shrink="0", aria_hidden="true"),
        rx.text(s["sentence"], size="2"),
        spacing="2", align="start", padding_y="2px", role="listitem",
    )


def _audit_form() -> rx.Component:
    return rx.form(
        rx.text(T("This automatic approval is in the audit sample: confirm it, or flag what is wrong."),
                size="2"),
        rx.el.label(T("Audit note"), html_for="audit-note", style={"fontSize": "13px", "fontWeight": "600"}),
        rx.text_area(id="audit-note", name="note", max_length=500, rows="2", width="100%"),
        rx.cond(R.errors.contains("note"), rx.text(R.errors["note"], size="1", color="#c0101c", role="alert")),
        rx.hstack(
            rx.button(T("Confirm approval"), type="button", on_click=R.confirm_audit, size="2"),
            rx.button(T("Flag approval"), type="submit", size="2", variant="outline", color_scheme="red"),
            spacing="2",
        ),
        on_submit=R.flag_audit, key=R.form_key, width="100%",
    )


def risk_panel() -> rx.Component:
    """The signals in their sentences, and the audit of an automatic approval."""
    return rx.card(
        rx.heading(T("Risk signals"), size="3", as_="h2", margin_bottom="6px"),
        rx.cond(
            R.signals.length() > 0,
            rx.vstack(rx.foreach(R.signals, _signal), spacing="1", role="list", aria_label=T("Risk signals")),
            rx.text(T("No risk signal."), size="2", color="#1a7f37"),
        ),
        rx.cond(R.automatic == "yes",
                rx.badge(T("Approved automatically"), color_scheme="blue", margin_top="8px")),
        rx.cond(R.audit_state == "sampled", rx.box(_audit_form(), margin_top="8px")),
        rx.cond(R.audit_state == "confirmed",
                rx.text(T("Audit: confirmed"), " · ", R.audited, size="2", margin_top="6px")),
        rx.cond(R.audit_state == "flagged",
                rx.text(T("Audit: flagged"), " · ", R.audited, " · ", R.audit_note, size="2", color="#c0101c",
                        margin_top="6px")),
        notice(R.errors.get("form", ""), "error"),
        width="100%", id="risk-signals",
    )


# A number a reviewer edits must look like a field (the reset leaves a bare input borderless).
_NUMBER_STYLE = {"border": "1px solid #8b8d98", "borderRadius": "4px", "padding": "2px 6px", "height": "28px",
                 "background": "white", "fontSize": "14px", "marginLeft": "4px"}


def _policy_row(p) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(p["name"], weight="bold", size="2"),
                      rx.cond(p["changed"] != "", rx.text(T("Changed by"), " ", p["changed"], size="1",
                                                             color="#666"))),
        rx.table.cell(
            rx.form(
                rx.el.input(type="hidden", name="promotion", value=p["id"]),
                rx.hstack(
                    rx.el.label(
                        rx.el.input(type="checkbox", name="enabled", default_checked=p["enabled"] == "yes"),
                        " ", T("Decide automatically"), style={"fontSize": "14px"},
                    ),
                    rx.el.label(T("Daily cap"), " ",
                                rx.el.input(name="daily_cap", default_value=p["daily_cap"], input_mode="numeric",
                                            size=6, max_length=6, style=_NUMBER_STYLE), style={"fontSize": "14px"}),
                    rx.el.label(T("Audit sample (%)"), " ",
                                rx.el.input(name="sample_percent", default_value=p["sample_percent"],
                                            input_mode="numeric", size=3, max_length=3, style=_NUMBER_STYLE),
                                style={"fontSize": "14px"}),
                    rx.button(T("Save policy"), type="submit", size="1"),
                    rx.cond(p["enabled"] == "yes",
                            rx.button(T("Turn off now"), type="button", size="1", color_scheme="red",
                                      variant="outline", on_click=P.turn_off(p["id"]))),
                    spacing="3", align="center", wrap="wrap",
                ),
                rx.cond(P.errors.contains(p["id"]),
                        rx.text(P.errors[p["id"]].values().join(" "), size="1", color="#c0101c", role="alert")),
                on_submit=P.save_policy, key=P.form_key.to_string() + p["id"],
                aria_label=p["name"],
            ),
        ),
    )


def policy_panel() -> rx.Component:
    return rx.card(
        rx.heading(T("Automatic decisions"), size="4", as_="h2", margin_bottom="4px"),
        rx.text(T("A claim whose every rule and check passes and that no risk signal flags is approved at "
                  "once by “Automatic decision”, up to the daily cap; the audit sample also goes to the "
                  "audit queue. Everything else waits for a reviewer."), size="2", color="#444"),
        notice(P.message, "ok"),
        rx.table.root(
            rx.table.header(rx.table.row(rx.table.column_header_cell(T("Promotion")),
                                         rx.table.column_header_cell(T("Policy")))),
            rx.table.body(rx.foreach(P.policies, _policy_row)),
            size="1", width="100%",
        ),
        width="100%", id="decision-policies",
    )
