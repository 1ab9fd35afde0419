"""The reviewer console: queue, claim detail, reason templates (+ the management pages).

Registered by ``add_pages(app, member, reviewer)``; every page goes through
``reviewer(...)``, which puts ``SessionState.require_reviewer`` first.
"""

from __future__ import annotations

import reflex as rx
from reflex_base.constants import Dirs
from reflex_base.utils.imports import ImportVar
from reflex_base.vars import VarData
from reflex_base.vars.base import Var

from rxapp import routes
from rxapp.components.forms import error_line, field_label
from rxapp.components.shell import ACCENT, member_page
from rxapp.state.admin import ClaimState as C
from rxapp.state.uploads import file_url
from rxapp.state.admin import QueueState as Q
from rxapp.state.admin import TemplatesState as T

KEYBOARD_HELP = "Keyboard: A approve · N needs info · R reject · J next · K previous"

SELECT_STYLE = {
    "width": "100%",
    "height": "36px",
    "border": "1px solid #c8c8cf",
    "border_radius": "4px",
    "padding": "0 8px",
    "background": "white",
    "font_size": "0.95rem",
}
STATUS_COLORS = (("under_review", "amber"), ("needs_info", "blue"), ("approved", "green"), ("rejected", "red"))


def backend_href(path) -> Var:
    """An absolute URL on the backend for a path var (the frontend may be served elsewhere)."""
    path = Var.create(path) if not isinstance(path, Var) else path
    return Var(
        _js_expr=f"(getBackendURL(env.PING).origin + {path})",
        _var_data=VarData.merge(
            path._get_all_var_data(),
            VarData(
                imports={
                    f"$/{Dirs.STATE_PATH}": [ImportVar(tag="getBackendURL")],
                    "$/env.json": [ImportVar(tag="env", is_default=True)],
                }
            ),
        ),
    ).to(str)


def status_badge(status, label) -> rx.Component:
    return rx.badge(label, color_scheme=rx.match(status, *STATUS_COLORS, "gray"), variant="soft", size="2", high_contrast=True)


def _select(fid: str, label: str, name: str, options, *, default_value="", placeholder: str = "Any",
            errors=None, on_change=None, with_placeholder: bool = True) -> rx.Component:
    props = {"id": fid, "name": name, "default_value": default_value, "style": SELECT_STYLE}
    if on_change is not None:
        props["on_change"] = on_change
    return rx.box(
        field_label(label, fid),
        rx.el.select(
            rx.el.option(placeholder, value="") if with_placeholder else rx.fragment(),
            rx.foreach(options, lambda o: rx.el.option(o[1], value=o[0])),
            **props,
        ),
        error_line(rx.cond(errors.contains(name), errors[name].to(str), ""), fid) if errors is not None
        else rx.fragment(),
        width="100%",
    )


def _input(fid: str, label: str, name: str, *, default_value="", type: str = "text", errors=None,
           placeholder: str = "", max_length: int = 120) -> rx.Component:
    return rx.box(
        field_label(label, fid),
        rx.input(id=fid, name=name, type=type, default_value=default_value, placeholder=placeholder,
                 max_length=max_length, size="2", width="100%", aria_describedby=f"{fid}-error"),
        error_line(rx.cond(errors.contains(name), errors[name].to(str), ""), fid) if errors is not None
        else rx.fragment(),
        width="100%",
    )


def _notice(message, kind="ok") -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(
            message,
            icon=rx.match(kind, ("conflict", "triangle-alert"), ("error", "circle-alert"), "info"),
            color_scheme=rx.match(kind, ("conflict", "orange"), ("error", "red"), "green"),
            size="1",
            role="status",
            margin_bottom="12px",
        ),
    )


# =========================================================================== queue


def _status_tabs() -> rx.Component:
    return rx.flex(
        rx.foreach(
            Q.counts,
            lambda c: rx.button(
                c["label"],
                rx.badge(c["count"], variant="solid", color_scheme="gray", radius="full", high_contrast=True),
                on_click=Q.show_status(c["status"]),
                variant=rx.cond(c["current"] == "yes", "solid", "outline"),
                aria_pressed=rx.cond(c["current"] == "yes", "true", "false"),
                size="2",
                type="button",
            ),
        ),
        gap="8px",
        wrap="wrap",
        margin_bottom="12px",
        role="group",
        aria_label="Claims per status",
    )


def _filters() -> rx.Component:
    statuses = [["all", "All statuses"], ["under_review", "Under review"], ["needs_info", "Needs info"],
                ["approved", "Approved"], ["rejected", "Rejected"]]
    return rx.form(
        rx.grid(
            _select("q-status", "Status", "status", statuses, default_value=Q.f_status, errors=Q.errors,
                    with_placeholder=False),
            _select("q-promotion", "Promotion", "promotion", Q.promotion_options, default_value=Q.f_promotion,
                    placeholder="Any promotion", errors=Q.errors),
            _select("q-region", "Region / Location", "region", Q.region_options, default_value=Q.f_region,
                    placeholder="Any region", errors=Q.errors),
            _input("q-from", "Submitted from", "from", type="date", default_value=Q.f_from, errors=Q.errors),
            _input("q-to", "Submitted to", "to", type="date", default_value=Q.f_to, errors=Q.errors),
            _input("q-search", "Search", "search", default_value=Q.f_search, errors=Q.errors,
                   placeholder="S/N, email or claim number"),
            columns=rx.breakpoints(initial="1", sm="2", md="3"),
            spacing="3",
            width="100%",
        ),
        rx.hstack(
            rx.button("Apply filters", type="submit", size="2"),
            rx.button("Clear", type="button", variant="outline", size="2", on_click=Q.clear_filters),
            spacing="2",
            margin_top="10px",
        ),
        key=Q.form_key.to(str),
        on_submit=Q.apply_filters,
        reset_on_submit=False,
        padding="12px",
        border="1px solid #eee",
        border_radius="6px",
        margin_bottom="12px",
        aria_label="Queue filters",
    )


def _queue_row(r) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.el.input(type="checkbox", name="claim-" + r["claim_id"], value="on",
                        aria_label="Select claim #" + r["claim_id"],
                        style={"width": "17px", "height": "17px", "accent_color": ACCENT}),
        ),
        rx.table.cell(rx.link("#" + r["claim_id"], href=r["href"], weight="bold")),
        rx.table.cell(
            rx.text(r["due_on"], white_space="nowrap"),
            rx.cond(r["overdue"] == "yes", rx.badge("overdue", color_scheme="red", variant="solid", size="1")),
        ),
        rx.table.cell(status_badge(r["status"], r["status_label"])),
        rx.table.cell(r["promotion_name"]),
        rx.table.cell(rx.text(r["product_name"]), rx.text(r["serial"], size="1", color="#555",
                                                           font_family="monospace")),
        rx.table.cell(rx.text(r["customer_email"], size="2")),
        rx.table.cell(r["region_code"], " · ", r["store_name"]),
        rx.table.cell(rx.text(r["submitted_on"], white_space="nowrap")),
    )


def _queue_table() -> rx.Component:
    headers = ["Select", "Claim", "Due", "Status", "Promotion", "Product / S/N", "Customer", "Region · Store",
               "Submitted"]
    return rx.form(
        rx.flex(
            rx.button("Approve selected", type="submit", size="2", color_scheme="green", high_contrast=True),
            rx.link(rx.button("Export CSV", type="button", variant="outline", size="2", tab_index=-1),
                    href=backend_href(Q.export_href), is_external=True, aria_label="Export CSV"),
            rx.spacer(),
            rx.text("Page ", Q.page_no, size="2", color="#555"),
            rx.button("Previous page", type="button", variant="outline", size="2", on_click=Q.prev_page,
                      disabled=Q.page_no <= 1),
            rx.button("Next page", type="button", variant="outline", size="2", on_click=Q.next_page,
                      disabled=~Q.has_next),
            gap="8px",
            align="center",
            wrap="wrap",
            margin_bottom="8px",
        ),
        rx.box(
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
                rx.table.body(rx.foreach(Q.rows, _queue_row)),
                size="1",
                variant="surface",
                width="100%",
            ),
            overflow_x="auto",
            width="100%",
        ),
        rx.cond(
            Q.loaded & (Q.rows.length() == 0),
            rx.text("No claims match these filters.", color="#555", padding="12px"),
        ),
        key="bulk-" + Q.page_no.to(str) + "-" + Q.rows.length().to(str) + Q.message,
        on_submit=Q.approve_selected,
        reset_on_submit=True,
        aria_label="Claims",
    )


def _bulk_report() -> rx.Component:
    return rx.cond(
        Q.bulk_report.length() > 0,
        rx.box(
            rx.foreach(
                Q.bulk_report,
                lambda r: rx.hstack(
                    rx.icon(rx.cond(r["ok"] == "yes", "check", "x"), size=16,
                            color=rx.cond(r["ok"] == "yes", "#1a7f37", "#b35c00"), aria_hidden="true"),
                    rx.text(r["claim"], weight="bold", size="2"),
                    rx.text(r["text"], size="2"),
                    spacing="2",
                    align="start",
                ),
            ),
            padding="10px",
            border="1px solid #eee",
            border_radius="6px",
            margin_bottom="12px",
            id="bulk-report",
        ),
    )


def queue() -> rx.Component:
    return member_page(
        "Claim Queue",
        rx.text("Oldest due first. Open a claim to see its documents and decide.", size="2", color="#555",
                margin_bottom="10px"),
        _status_tabs(),
        _filters(),
        _notice(Q.message),
        _bulk_report(),
        _queue_table(),
    )


# =========================================================================== claim detail

IMAGE_JS = """
(function (id, op) {
  var el = document.getElementById(id); if (!el) { return; }
  var z = parseFloat(el.dataset.z || '1'), r = parseInt(el.dataset.r || '0', 10);
  if (op === 'in') { z = Math.min(z * 1.5, 6); }
  else if (op === 'out') { z = Math.max(z / 1.5, 1); }
  else if (op === 'rot') { r = (r + 90) % 360; }
  else { z = 1; r = 0; }
  el.dataset.z = z; el.dataset.r = r;
  el.style.width = (z * 100) + '%';
  el.style.transform = 'rotate(' + r + 'deg)';
  el.parentElement.style.padding = (r % 180) ? '18% 0' : '0';
})('IMG_ID', 'IMG_OP');
"""


def _image_js(img_id: str, op: str) -> str:
    return IMAGE_JS.replace("IMG_ID", img_id).replace("IMG_OP", op)


def _image_viewer(title: str, key: str, url, meta) -> rx.Component:
    img_id = f"img-{key}"

    def op(name: str, label: str, icon: str) -> rx.Component:
        return rx.icon_button(rx.icon(icon, size=16, aria_hidden="true"), size="1", variant="soft",
                              type="button", aria_label=f"{label} {title}", title=f"{label} {title}",
                              on_click=rx.call_script(_image_js(img_id, name)))

    return rx.box(
        rx.hstack(
            rx.heading(title, size="3", as_="h3"),
            rx.spacer(),
            op("in", "Zoom in", "zoom-in"),
            op("out", "Zoom out", "zoom-out"),
            op("rot", "Rotate", "rotate-cw"),
            op("reset", "Reset", "scan"),
            rx.cond(url != "", rx.link(rx.icon("external-link", size=16, aria_hidden="true"),
                                       href=file_url(url), is_external=True,
                                       aria_label=f"Open the {title} full size", title="Open full size")),
            align="center",
            spacing="2",
            margin_bottom="6px",
        ),
        rx.cond(
            url != "",
            rx.box(
                rx.box(
                    rx.el.img(src=file_url(url), id=img_id, alt=title + " of claim #" + C.claim["id"].to(str),
                              key=url, on_click=rx.call_script(_image_js(img_id, "in")),
                              style={"width": "100%", "max_width": "none", "display": "block",
                                     "transform_origin": "center center", "cursor": "zoom-in",
                                     "transition": "transform 0.15s"}),
                ),
                height="520px",
                overflow="auto",
                border="1px solid #ddd",
                border_radius="4px",
                background="#f6f6f6",
                tab_index=0,
                aria_label=f"{title} (scrollable)",
                role="region",
            ),
            rx.box(rx.text(f"No {title.lower()} on file.", color="#b35c00", size="2"), padding="16px",
                   border="1px dashed #ddd", border_radius="4px"),
        ),
        rx.text(meta, size="1", color="#666", margin_top="4px"),
        width="100%",
        min_width="0",
    )


def _facts_list(rows) -> rx.Component:
    return rx.el.dl(
        rx.foreach(
            rows,
            lambda f: rx.box(
                rx.el.dt(f[0], style={"color": "#666", "font_size": "0.8rem"}),
                rx.el.dd(f[1], style={"margin": "0", "font_weight": "600", "white_space": "pre-line",
                                      "overflow_wrap": "anywhere"}),
                padding_y="4px",
                border_bottom="1px solid #f0f0f0",
            ),
        ),
        style={"margin": "0"},
    )


def _checks() -> rx.Component:
    return rx.box(
        rx.heading("Eligibility checks (now)", size="3", as_="h2", margin_bottom="6px"),
        rx.foreach(
            C.checks,
            lambda ch: rx.hstack(
                rx.icon(rx.cond(ch["ok"] == "yes", "circle-check", "circle-x"), size=16,
                        color=rx.cond(ch["ok"] == "yes", "#1a7f37", "#c0101c"), aria_hidden="true",
                        flex_shrink="0", margin_top="2px"),
                rx.box(
                    rx.text(ch["rule"], weight="bold", size="2"),
                    rx.cond(ch["ok"] == "yes", rx.fragment(), rx.text(ch["message"], size="1", color="#c0101c")),
                ),
                spacing="2",
                align="start",
                padding_y="2px",
            ),
        ),
        rx.cond(C.eligible == "unknown", rx.text("The eligibility service is not available.", size="2")),
    )


def _shipping_panel() -> rx.Component:
    """An approved physical prize: its shipping state and the one step forward."""
    status_error = error_line(
        rx.cond(C.errors.contains("shipping.status"), C.errors["shipping.status"].to(str), ""), "ship-status"
    )
    to_shipped = rx.form(
        rx.el.input(type="hidden", name="status", value="shipped"),
        rx.box(
            field_label("Tracking number", "ship-tracking", required=True),
            rx.input(id="ship-tracking", name="tracking_number", max_length=80, size="2", width="100%",
                     aria_describedby="ship-tracking-error", auto_complete="off", spell_check=False),
            error_line(rx.cond(C.errors.contains("shipping.tracking_number"),
                               C.errors["shipping.tracking_number"].to(str), ""), "ship-tracking"),
        ),
        rx.button("Mark as shipped", type="submit", size="2", color_scheme="blue", high_contrast=True),
        status_error,
        on_submit=C.advance_shipping,
        reset_on_submit=False,
        display="flex",
        flex_direction="column",
        gap="8px",
        width="100%",
        aria_label="Mark as shipped",
    )
    to_delivered = rx.form(
        rx.el.input(type="hidden", name="status", value="delivered"),
        rx.button("Mark as delivered", type="submit", size="2", color_scheme="green", high_contrast=True),
        status_error,
        on_submit=C.advance_shipping,
        reset_on_submit=False,
        width="100%",
        aria_label="Mark as delivered",
    )
    return rx.cond(
        C.claim["shipping"] != "",
        rx.box(
            rx.heading("Shipping", size="3", as_="h3", margin_bottom="4px"),
            rx.text(
                "State: ", rx.text.strong(C.claim["shipping_label"]),
                rx.cond(C.claim["tracking"] != "", rx.fragment(" · tracking ", rx.code(C.claim["tracking"]))),
                size="2", id="shipping-state",
            ),
            rx.match(
                C.claim["next_shipping"],
                ("shipped", to_shipped),
                ("delivered", to_delivered),
                rx.fragment(),
            ),
            key="ship-" + C.form_key.to(str),
            display="flex",
            flex_direction="column",
            gap="8px",
            margin_top="10px",
            padding_top="10px",
            border_top="1px solid #eee",
            id="shipping-panel",
        ),
    )


def _decision_panel() -> rx.Component:
    open_panel = rx.vstack(
        rx.button("Approve", id="decide-approve", on_click=C.approve, size="3", color_scheme="green", high_contrast=True,
                  width="100%", type="button"),
        rx.form(
            rx.heading("Needs info", size="3", as_="h3"),
            _select("ni-template", "Reason template", "template", C.needs_info_templates,
                    placeholder="Pick a template…", on_change=C.pick_template),
            rx.box(
                field_label("Reason for the customer", "ni-reason"),
                rx.text_area(id="ni-reason", name="reason", rows="3", max_length=500, width="100%",
                             aria_describedby="ni-reason-error"),
                error_line(rx.cond(C.errors.contains("needs_info.reason"), C.errors["needs_info.reason"].to(str),
                                   ""), "ni-reason"),
            ),
            _select("ni-doc", "Missing document", "missing_document", C.document_options,
                    placeholder="Choose…"),
            error_line(rx.cond(C.errors.contains("needs_info.missing_document"),
                               C.errors["needs_info.missing_document"].to(str), ""), "ni-doc"),
            rx.button("Ask for information", type="submit", size="2", color_scheme="blue", high_contrast=True, margin_top="8px"),
            on_submit=C.needs_info,
            reset_on_submit=False,
            width="100%",
            display="flex",
            flex_direction="column",
            gap="6px",
            aria_label="Needs info",
        ),
        rx.form(
            rx.heading("Reject (final)", size="3", as_="h3"),
            _select("rej-template", "Rejection template", "template", C.reject_templates,
                    placeholder="Pick a template…", on_change=C.pick_template),
            rx.box(
                field_label("Reason for rejection", "rej-reason"),
                rx.text_area(id="rej-reason", name="reason", rows="2", max_length=500, width="100%",
                             aria_describedby="rej-reason-error"),
                error_line(rx.cond(C.errors.contains("reject.reason"), C.errors["reject.reason"].to(str), ""),
                           "rej-reason"),
            ),
            rx.button("Reject", type="submit", size="2", variant="outline", color_scheme="red", margin_top="8px"),
            on_submit=C.reject,
            reset_on_submit=False,
            width="100%",
            display="flex",
            flex_direction="column",
            gap="6px",
            aria_label="Reject",
        ),
        spacing="4",
        width="100%",
        key=C.form_key.to(str),
    )
    closed = rx.box(
        rx.text("Decided: ", rx.text.strong(C.claim["status_text"]), size="2"),
        rx.cond(C.claim["decided_at"] != "", rx.text("At ", C.claim["decided_at"], size="2", color="#555")),
        rx.cond(C.claim["code"] != "", rx.text("Prize code issued: ", rx.code(C.claim["code"], id="issued-code"),
                                               size="2")),
        _shipping_panel(),
        rx.cond(C.claim["status"] == "needs_info",
                rx.text("Waiting for the customer to send: ", C.claim["missing_document"], size="2",
                        color="#555")),
    )
    return rx.card(
        rx.heading("Decision", size="4", as_="h2", margin_bottom="8px"),
        rx.cond(C.claim["open"] == "yes", open_panel, closed),
        rx.text(KEYBOARD_HELP, size="1", color="#555", margin_top="10px", id="keyboard-help"),
        width="100%",
    )


def _claim_nav() -> rx.Component:
    return rx.flex(
        rx.link(rx.hstack(rx.icon("arrow-left", size=14, aria_hidden="true"), rx.text("Queue"), spacing="1",
                          align="center"), href=routes.ADMIN),
        rx.spacer(),
        rx.cond(C.prev_href != "", rx.link("‹ Previous claim (K)", href=C.prev_href, id="claim-prev")),
        rx.cond(C.next_href != "", rx.link("Next claim (J) ›", href=C.next_href, id="claim-next")),
        gap="14px",
        align="center",
        margin_bottom="10px",
        wrap="wrap",
    )


def _table(headers: list[str], rows, cells) -> rx.Component:
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
            rx.table.body(rx.foreach(rows, lambda r: rx.table.row(*cells(r)))),
            size="1",
            width="100%",
        ),
        overflow_x="auto",
        width="100%",
    )


def _claim_body() -> rx.Component:
    head = rx.flex(
        rx.heading("Claim #", C.claim["id"], size="5", as_="h2"),
        status_badge(C.claim["status"], C.claim["status_label"]),
        rx.text(C.claim["promotion"], " · ", C.claim["prize_type"], size="2", color="#444"),
        rx.spacer(),
        rx.text("Submitted ", C.claim["submitted_at"], size="2", color="#555"),
        rx.text("Due ", rx.text.strong(C.claim["due_on"]), size="2"),
        rx.cond(C.claim["overdue"] == "yes", rx.badge("overdue", color_scheme="red", variant="solid")),
        gap="10px",
        align="center",
        wrap="wrap",
        margin_bottom="12px",
    )
    left = rx.vstack(
        _decision_panel(),
        rx.card(rx.heading("Registration", size="3", as_="h2", margin_bottom="4px"), _facts_list(C.facts),
                width="100%"),
        rx.card(_checks(), width="100%"),
        rx.card(rx.heading("Recipient", size="3", as_="h2", margin_bottom="4px"), _facts_list(C.recipient),
                width="100%"),
        spacing="3",
        width="100%",
        min_width="0",
    )
    right = rx.vstack(
        rx.grid(
            _image_viewer("Invoice", "invoice", C.invoice_url, C.invoice_meta),
            _image_viewer("S/N photo", "serial", C.photo_url, C.photo_meta),
            columns=rx.breakpoints(initial="1", sm="2"),
            spacing="3",
            width="100%",
        ),
        rx.card(
            rx.heading("Linked claims", size="3", as_="h2", margin_bottom="4px"),
            rx.cond(
                C.linked.length() > 0,
                _table(["Why", "Claim", "Customer", "Status", "When"], C.linked, lambda r: [
                    rx.table.cell(r["kind"]),
                    rx.table.cell(rx.cond(r["href"] != "", rx.link(r["claim"], href=r["href"]), "—")),
                    rx.table.cell(r["email"]),
                    rx.table.cell(r["status"]),
                    rx.table.cell(r["at"]),
                ]),
                rx.text("No other claim shares this serial, invoice image or address.", size="2", color="#555"),
            ),
            width="100%",
        ),
        rx.card(
            rx.heading("Timeline", size="3", as_="h2", margin_bottom="4px"),
            _table(["When", "Who", "Change", "Reason"], C.events, lambda e: [
                rx.table.cell(rx.text(e["at"], white_space="nowrap")),
                rx.table.cell(e["actor"]),
                rx.table.cell(e["change"]),
                rx.table.cell(e["reason"]),
            ]),
            width="100%",
            id="claim-timeline",
        ),
        rx.card(
            rx.heading("Emails to the customer", size="3", as_="h2", margin_bottom="4px"),
            _table(["Email", "Delivery", "Tries", "When"], C.emails, lambda m: [
                rx.table.cell(rx.text(m["subject"], size="2"), rx.text(m["kind"], size="1", color="#666")),
                rx.table.cell(rx.badge(m["status"], high_contrast=True, color_scheme=rx.match(
                    m["status"], ("sent", "green"), ("failed", "red"), "gray")),
                    rx.cond(m["error"] != "", rx.text(m["error"], size="1", color="#c0101c"))),
                rx.table.cell(m["attempts"]),
                rx.table.cell(rx.text(m["when"], white_space="nowrap")),
            ]),
            width="100%",
        ),
        spacing="3",
        width="100%",
        min_width="0",
    )
    return rx.box(
        head,
        rx.grid(
            left,
            right,
            columns=rx.breakpoints(initial="1", md="minmax(260px, 300px) minmax(0, 1fr)"),
            spacing="4",
            width="100%",
            min_width="0",
        ),
        rx.el.span(id="claim-keys", hidden=True),
        max_width="100%",
        overflow_x="hidden",
    )


def claim() -> rx.Component:
    return member_page(
        "Claim Review",
        _claim_nav(),
        _notice(C.message, C.message_kind),
        rx.cond(
            C.found,
            _claim_body(),
            rx.cond(C.missing != "", rx.callout(C.missing, icon="info", color_scheme="gray")),
        ),
    )


# =========================================================================== templates


def _template_form(errors, *, text="", doc="", rejection=False, submit: str, on_submit, prefix: str,
                   on_cancel=None) -> rx.Component:
    return rx.form(
        rx.box(
            field_label("Reason text", f"{prefix}-text", True),
            rx.text_area(id=f"{prefix}-text", name="text", default_value=text, rows="2", max_length=500,
                         width="100%", aria_describedby=f"{prefix}-text-error"),
            error_line(rx.cond(errors.contains("text"), errors["text"].to(str), ""), f"{prefix}-text"),
        ),
        rx.flex(
            rx.box(
                _select(f"{prefix}-doc", "Missing document", "missing_document", T.document_options,
                        default_value=doc, placeholder="Choose…", errors=errors),
                min_width="200px",
            ),
            rx.el.label(
                rx.el.input(type="checkbox", name="is_rejection", value="on", default_checked=rejection,
                            style={"accent_color": ACCENT, "width": "16px", "height": "16px"}),
                "Used for rejections",
                style={"display": "flex", "gap": "6px", "align_items": "center", "font_size": "0.9rem",
                       "margin_top": "20px"},
            ),
            rx.button(submit, type="submit", size="2", margin_top="20px"),
            on_cancel if on_cancel is not None else rx.fragment(),
            gap="12px",
            wrap="wrap",
            align="start",
            margin_top="6px",
        ),
        on_submit=on_submit,
        reset_on_submit=False,
        width="100%",
    )


def _template_row(t) -> rx.Component:
    view = rx.flex(
        rx.box(
            rx.text(t["text"], size="2", weight="medium"),
            rx.text(t["kind"], " · missing: ", t["document_label"], size="1", color="#666"),
            flex="1",
            min_width="0",
        ),
        rx.button("Edit", size="1", variant="outline", on_click=T.start_edit(t["id"]), type="button",
                  aria_label="Edit template: " + t["text"]),
        rx.button("Delete", size="1", variant="outline", color_scheme="red", on_click=T.delete(t["id"]),
                  type="button", aria_label="Delete template: " + t["text"]),
        gap="8px",
        align="center",
    )
    edit = _template_form(
        T.edit_errors, text=t["text"], doc=t["missing_document"], rejection=t["is_rejection"] == "yes",
        submit="Save", on_submit=T.save_edit, prefix="edit",
        on_cancel=rx.button("Cancel", size="2", variant="outline", type="button", on_click=T.cancel_edit,
                            margin_top="20px"),
    )
    return rx.box(rx.cond(T.editing == t["id"], edit, view), padding="10px 0", border_bottom="1px solid #eee")


def templates() -> rx.Component:
    return member_page(
        "Reason Templates",
        rx.text("Ready-made reasons for Needs info and Reject decisions. The customer reads them as written.",
                size="2", color="#555", margin_bottom="10px"),
        _notice(T.message),
        rx.card(
            rx.heading("Add a template", size="3", as_="h2", margin_bottom="6px"),
            rx.box(_template_form(T.errors, submit="Add template", on_submit=T.add, prefix="new"),
                   key=T.form_key.to(str)),
            margin_bottom="14px",
        ),
        rx.box(rx.foreach(T.rows, _template_row)),
    )


# =========================================================================== registration


def add_pages(app, member, reviewer) -> None:
    """Register the console's pages (each behind the reviewer check)."""
    from rxapp.pages import admin_manage  # noqa: PLC0415

    reviewer(routes.ADMIN, queue, "Claim Queue", Q.load)
    reviewer(routes.ADMIN_CLAIM, claim, "Claim Review", C.load)
    reviewer(routes.ADMIN_TEMPLATES, templates, "Reason Templates", T.load)
    admin_manage.add_pages(app, member, reviewer)
