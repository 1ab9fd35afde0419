"""A claim under review: evidence side by side, facts, checks, linked claims, timeline and the decision."""

from __future__ import annotations

import reflex as rx

from rxapp import routes
from rxapp.i18n import N_
from rxapp.components.status import review_status_badge
from rxapp.components.forms import field, field_error, notice, select_field, textarea_field
from rxapp.components.i18n import T, Tf
from rxapp.components.links import file_url
from rxapp.components.layout import grid_of, heading_card, stack
from rxapp.components.shell import member_page
from rxapp.components.table import data_table
from rxapp.pages.console.risk import risk_panel
from rxapp.state.console.claim import ClaimState as C

KEYBOARD_HELP = N_("Keyboard: A approve · N needs info · R reject · J next · K previous · U undo")

# Keyboard shortcuts of the claim page: a / n / r / j / k, never while typing.
KEYBOARD_JS = """
(function () {
  if (window.__rxReviewerKeys) { return; }
  window.__rxReviewerKeys = true;
  document.addEventListener('keydown', function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || e.repeat) { return; }
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) { return; }
    if (!document.getElementById('claim-keys')) { return; }
    var click = function (id) { var el = document.getElementById(id); if (el) { e.preventDefault(); el.click(); } };
    var focus = function (id) {
      var el = document.getElementById(id);
      if (el) { e.preventDefault(); el.scrollIntoView({block: 'center'}); el.focus(); }
    };
    switch ((e.key || '').toLowerCase()) {
      case 'a': click('decide-approve'); break;
      case 'u': click('decide-undo'); break;
      case 'n': focus('ni-reason'); break;
      case 'r': focus('rej-reason'); break;
      case 'j': click('claim-next'); break;
      case 'k': click('claim-prev'); break;
    }
  });
})();
"""

IMAGE_JS = """
(function (id, op) {
  var el = document.getElementById(id); if (!el) { return; }
  var frame = document.getElementById(id + '-frame') || el;
  var z = parseFloat(el.dataset.z || '1'), r = parseInt(el.dataset.r || '0', 10);
  if (op === 'in') { z = Math.min(z * 1.5, 6); }
  else if (op === 'out') { z = Math.max(z / 1.5, 1); }
  else if (op === 'rot') { r = (r + 90) % 360; }
  else { z = 1; r = 0; }
  el.dataset.z = z; el.dataset.r = r;
  frame.style.width = (z * 100) + '%';
  frame.style.transform = 'rotate(' + r + 'deg)';
  frame.parentElement.style.padding = (r % 180) ? '18% 0' : '0';
})('IMG_ID', 'IMG_OP');
"""


def _image_js(img_id: str, op: str) -> str:
    """The zoom script for one image, as an expression (``rx.run_script`` compiles it in: no eval under the CSP)."""
    return IMAGE_JS.replace("IMG_ID", img_id).replace("IMG_OP", op).strip().rstrip(";")


def _outline(b) -> rx.Component:
    """One matched (or contradicting) text of the evidence checks, outlined where it is on the picture."""
    return rx.box(
        position="absolute", left=b["left"], top=b["top"], width=b["width"], height=b["height"],
        border=rx.cond(b["ok"] == "yes", "2px solid #1a7f37", "2px solid #c0101c"), border_radius="3px",
        background=rx.cond(b["ok"] == "yes", "rgba(26,127,55,0.10)", "rgba(192,16,28,0.10)"),
        pointer_events="none", title=b["label"], class_name="evidence-outline", data_ok=b["ok"],
    )


def _check_icon(ok) -> rx.Component:
    """A passed (green tick) or failed (red cross) check.  Two fixed icons, not one icon named by a var: that
    would make the page load Lucide's whole icon table (rxapp/frontend_build.py)."""
    common = {"size": 16, "aria_hidden": "true", "flex_shrink": "0", "margin_top": "2px"}
    return rx.cond(ok, rx.icon("circle-check", color="#1a7f37", **common),
                   rx.icon("circle-x", color="#c0101c", **common))


def _image_viewer(title: str, key: str, url, meta, boxes, empty) -> rx.Component:
    """``title``: a vocabulary word (in the catalog); ``empty``: what is said when there is no picture."""
    img_id = f"img-{key}"
    what = T(title)

    def op(name: str, label, icon: str) -> rx.Component:
        return rx.icon_button(rx.icon(icon, size=16, aria_hidden="true"), size="1", variant="soft",
                              type="button", aria_label=label, title=label,
                              on_click=rx.run_script(_image_js(img_id, name)))

    return rx.box(
        rx.hstack(
            rx.heading(what, size="3", as_="h3"),
            rx.spacer(),
            op("in", Tf("Zoom in {what}", what=what), "zoom-in"),
            op("out", Tf("Zoom out {what}", what=what), "zoom-out"),
            op("rot", Tf("Rotate {what}", what=what), "rotate-cw"),
            op("reset", Tf("Reset {what}", what=what), "scan"),
            rx.cond(url != "", rx.link(rx.icon("external-link", size=16, aria_hidden="true"),
                                       href=file_url(url), is_external=True,
                                       aria_label=Tf("Open the {what} full size", what=what),
                                       title=T("Open full size"))),
            align="center", spacing="2", margin_bottom="6px",
        ),
        rx.cond(
            url != "",
            rx.box(
                rx.box(
                    rx.el.img(src=file_url(url), id=img_id, alt=Tf("{what} of claim #{id}", what=what, id=C.claim["id"]),
                              key=url, on_click=rx.run_script(_image_js(img_id, "in")),
                              style={"width": "100%", "max_width": "none", "display": "block",
                                     "cursor": "zoom-in"}),
                    rx.foreach(boxes, _outline) if boxes is not None else rx.fragment(),
                    # The frame zooms and turns: the picture and its outlines together.
                    id=f"{img_id}-frame", position="relative", width="100%",
                    style={"transform_origin": "center center", "transition": "transform 0.15s"},
                ),
                # At most this tall (zoomed in, it scrolls): a fixed height left a grey void under a wide
                # image such as the S/N photo.
                max_height="520px", overflow="auto", border="1px solid #ddd", border_radius="4px",
                background="#f6f6f6", tab_index=0, aria_label=Tf("{what} (scrollable)", what=what), role="region",
            ),
            rx.box(rx.text(empty, color="#b35c00", size="2"), padding="16px",
                   border="1px dashed #ddd", border_radius="4px"),
        ),
        rx.text(meta, size="1", color="#666", margin_top="4px"),
        width="100%", min_width="0",
    )


def _facts_list(rows) -> rx.Component:
    return rx.el.dl(
        rx.foreach(
            rows,
            lambda f: rx.box(
                rx.el.dt(f[0], style={"color": "#666", "font_size": "0.8rem"}),
                rx.el.dd(f[1], style={"margin": "0", "font_weight": "600", "white_space": "pre-line",
                                      "overflow_wrap": "anywhere"}),
                padding_y="4px", border_bottom="1px solid #f0f0f0",
            ),
        ),
        style={"margin": "0"},
    )


def _checks() -> rx.Component:
    return rx.box(
        rx.heading(T("Eligibility checks (now)"), size="3", as_="h2", margin_bottom="6px"),
        rx.foreach(
            C.checks,
            lambda ch: rx.hstack(
                _check_icon(ch["ok"] == "yes"),
                rx.box(
                    rx.text(ch["rule"], weight="bold", size="2"),
                    rx.cond(ch["ok"] == "yes", rx.fragment(), rx.text(ch["message"], size="1", color="#c0101c")),
                ),
                spacing="2", align="start", padding_y="2px",
            ),
        ),
        rx.cond(C.eligible == "unknown", rx.text(T("The eligibility service is not available."), size="2")),
    )


def _evidence() -> rx.Component:
    """What the invoice and the S/N photo say against the registration (outlined on the pictures)."""
    return rx.box(
        rx.hstack(
            rx.heading(T("Evidence checks"), size="3", as_="h2"),
            rx.cond(C.evidence_summary == "passed", rx.badge(T("all checks passed"), color_scheme="green")),
            rx.cond(C.evidence_summary == "failed", rx.badge(T("a check failed"), color_scheme="red")),
            spacing="2", align="center", margin_bottom="6px", wrap="wrap",
        ),
        rx.cond(C.evidence_reading,
                rx.hstack(rx.spinner(size="1"), rx.text(T("Reading the pictures…"), size="2"), spacing="2",
                          align="center")),
        rx.foreach(
            C.evidence,
            lambda ch: rx.hstack(
                _check_icon(ch["ok"] == "yes"),
                rx.box(
                    rx.text(Tf("{source}: {text}", source=ch["source"], text=ch["message"]), size="2"),
                    rx.cond(ch["matched"] != "", rx.text("“", ch["matched"], "”", size="1", color="#555")),
                ),
                spacing="2", align="start", padding_y="2px", data_check=ch["key"], data_status=ch["status"],
            ),
        ),
        rx.cond((C.evidence.length() == 0) & ~C.evidence_reading,
                rx.text(T("No invoice or S/N photo to check."), size="2", color="#555")),
        id="evidence-checks",
    )


def _shipping_panel() -> rx.Component:
    """An approved physical prize: its shipping state and the one step forward."""
    status_error = field_error(C.errors, "status", "ship-status", "shipping.status")
    to_shipped = rx.form(
        rx.el.input(type="hidden", name="status", value="shipped"),
        field("Tracking number", "tracking_number", C.errors, required=True, max_length=80, compact=True,
              field_id="ship-tracking", error_key="shipping.tracking_number", spell_check=False),
        rx.button(T("Mark as shipped"), type="submit", size="2", color_scheme="blue", high_contrast=True),
        status_error,
        on_submit=C.advance_shipping, reset_on_submit=False, display="flex", flex_direction="column",
        gap="8px", width="100%", aria_label=T("Mark as shipped"),
    )
    to_delivered = rx.form(
        rx.el.input(type="hidden", name="status", value="delivered"),
        rx.button(T("Mark as delivered"), type="submit", size="2", color_scheme="green", high_contrast=True),
        status_error,
        on_submit=C.advance_shipping, reset_on_submit=False, width="100%", aria_label=T("Mark as delivered"),
    )
    return rx.cond(
        C.claim["shipping"] != "",
        rx.box(
            rx.heading(T("Shipping"), size="3", as_="h3", margin_bottom="4px"),
            rx.text(
                T("State:"), " ", rx.text.strong(C.claim["shipping_label"]),
                rx.cond(C.claim["tracking"] != "", rx.fragment(" · ", T("tracking"), " ", rx.code(C.claim["tracking"]))),
                size="2", id="shipping-state",
            ),
            rx.match(
                C.claim["next_shipping"],
                ("shipped", to_shipped),
                ("delivered", to_delivered),
                rx.fragment(),
            ),
            key="ship-" + C.form_key.to(str), display="flex", flex_direction="column", gap="8px",
            margin_top="10px", padding_top="10px", border_top="1px solid #eee", id="shipping-panel",
        ),
    )


def _decision_panel() -> rx.Component:
    open_panel = stack(
        rx.button(T("Approve"), id="decide-approve", on_click=C.approve, size="3", color_scheme="green", high_contrast=True,
                  width="100%", type="button"),
        rx.form(
            rx.heading(T("Needs info"), size="3", as_="h3"),
            rx.text(Tf("The customer reads {language}: templates in that language are listed first. "
                       "Reasons reach the customer as you type them.", language=C.claim["reads"]),
                    size="1", color="#555", id="templates-language"),
            select_field("Reason template", "template", C.needs_info_templates, None, id_prefix="ni",
                         placeholder=N_("Pick a template…"), on_change=C.pick_template, compact=True),
            textarea_field("Reason for the customer", "reason", C.errors, rows=3, field_id="ni-reason",
                           error_key="needs_info.reason", compact=True, default_value=C.draft_ni,
                           on_blur=lambda v: C.keep_draft("ni", v)),
            select_field("Missing document", "missing_document", C.document_options, C.errors, field_id="ni-doc",
                         error_key="needs_info.missing_document", placeholder=N_("Choose…"), compact=True,
                         default_value=C.draft_doc, on_change=lambda v: C.keep_draft("doc", v)),
            rx.button(T("Ask for information"), type="submit", size="2", color_scheme="blue", high_contrast=True, margin_top="8px"),
            on_submit=C.needs_info, reset_on_submit=False, width="100%", display="flex",
            flex_direction="column", gap="6px", aria_label=T("Needs info"),
        ),
        rx.form(
            rx.heading(T("Reject (final)"), size="3", as_="h3"),
            select_field("Rejection template", "template", C.reject_templates, None, id_prefix="rej",
                         placeholder=N_("Pick a template…"), on_change=C.pick_template, compact=True),
            textarea_field("Reason for rejection", "reason", C.errors, rows=2, field_id="rej-reason",
                           error_key="reject.reason", compact=True, default_value=C.draft_rej,
                           on_blur=lambda v: C.keep_draft("rej", v)),
            rx.button(T("Reject"), type="submit", size="2", variant="outline", color_scheme="red", margin_top="8px"),
            on_submit=C.reject, reset_on_submit=False, width="100%", display="flex", flex_direction="column",
            gap="6px", aria_label=T("Reject"),
        ),
        spacing="4", key=C.form_key.to(str),
    )
    closed = rx.box(
        rx.text(T("Decided:"), " ", rx.text.strong(C.claim["status_text"]), size="2"),
        rx.cond(C.claim["decided_at"] != "", rx.text(Tf("At {when}", when=C.claim["decided_at"]), size="2",
                                                     color="#555")),
        rx.cond(C.claim["code"] != "", rx.text(T("Prize code issued:"), " ",
                                               rx.code(C.claim["code"], id="issued-code"), size="2")),
        _shipping_panel(),
        rx.cond(C.claim["status"] == "needs_info",
                rx.text(Tf("Waiting for the customer to send: {document}", document=C.claim["missing_document"]),
                        size="2", color="#555")),
    )
    waiting = rx.box(
        rx.callout(
            rx.text(C.pending_text),
            icon="clock", color_scheme="green", size="1", role="status", id="pending-approval",
        ),
        rx.button(T("Undo"), id="decide-undo", on_click=C.undo_approval, size="3", variant="outline",
                  width="100%", type="button", margin_top="8px"),
    )
    return heading_card(T("Decision"),
        rx.cond(C.claim["open"] == "yes", rx.cond(C.pending.length() > 0, waiting, open_panel), closed),
        rx.text(T(KEYBOARD_HELP), size="1", color="#555", margin_top="10px", id="keyboard-help"),
        width="100%", gap="8px",
    )


def _claim_nav() -> rx.Component:
    return rx.flex(
        rx.link(rx.hstack(rx.icon("arrow-left", size=14, aria_hidden="true"), rx.text(T("Queue")), spacing="1",
                          align="center"), href=routes.ADMIN),
        rx.spacer(),
        rx.cond(C.prev_href != "", rx.link(T("‹ Previous claim (K)"), href=C.prev_href, id="claim-prev")),
        rx.cond(C.next_href != "", rx.link(T("Next claim (J) ›"), href=C.next_href, id="claim-next")),
        gap="14px", align="center", margin_bottom="10px", wrap="wrap",
    )


def _table(headers: tuple[str, ...], rows, cells) -> rx.Component:
    """``headers``: column titles marked where written (``N_``), translated by ``data_table``."""
    return data_table(headers, rows, lambda r: rx.table.row(*cells(r)), size="1", width="100%")


def _claim_body() -> rx.Component:
    head = rx.flex(
        rx.heading(Tf("Claim #{id}", id=C.claim["id"]), size="5", as_="h2"),
        review_status_badge(C.claim["status"], C.claim["status_label"]),
        rx.text(C.claim["promotion"], " · ", C.claim["prize_type"], size="2", color="#444"),
        rx.spacer(),
        rx.text(Tf("Submitted {when}", when=C.claim["submitted_at"]), size="2", color="#555"),
        rx.text(T("Due"), " ", rx.text.strong(C.claim["due_on"]), size="2"),
        rx.cond(C.claim["overdue"] == "yes", rx.badge(T("overdue"), color_scheme="red", variant="solid")),
        gap="10px", align="center", wrap="wrap", margin_bottom="12px",
    )
    left = rx.vstack(
        _decision_panel(),
        risk_panel(),
        rx.card(rx.heading(T("Registration"), size="3", as_="h2", margin_bottom="4px"), _facts_list(C.facts),
                width="100%"),
        rx.card(_checks(), width="100%"),
        rx.card(_evidence(), width="100%"),
        rx.card(rx.heading(T("Recipient"), size="3", as_="h2", margin_bottom="4px"), _facts_list(C.recipient),
                width="100%"),
        spacing="3", width="100%", min_width="0",
    )
    right = rx.vstack(
        grid_of({"initial": "1", "sm": "2"},
            _image_viewer("Invoice", "invoice", C.invoice_url, C.invoice_meta, C.invoice_boxes,
                          T("No invoice on file.")),
            _image_viewer("S/N photo", "serial", C.photo_url, C.photo_meta, C.photo_boxes,
                          T("No s/n photo on file.")),
            width="100%",
        ),
        heading_card(T("Linked claims"),
            rx.cond(
                C.linked.length() > 0,
                _table((N_("Why"), N_("Claim"), N_("Customer"), N_("Status"), N_("When")), C.linked, lambda r: [
                    rx.table.cell(r["kind"]),
                    rx.table.cell(rx.cond(r["href"] != "", rx.link(r["claim"], href=r["href"]), "—")),
                    rx.table.cell(r["email"]),
                    rx.table.cell(r["status"]),
                    rx.table.cell(r["at"]),
                ]),
                rx.text(T("No other claim shares this serial, invoice image or address."), size="2", color="#555"),
            ),
            width="100%", size="3", gap="4px",
        ),
        heading_card(T("Timeline"),
            _table((N_("When"), N_("Who"), N_("Change"), N_("Reason")), C.events, lambda e: [
                rx.table.cell(rx.text(e["at"], white_space="nowrap")),
                rx.table.cell(e["actor"]),
                rx.table.cell(e["change"]),
                rx.table.cell(e["reason"]),
            ]),
            width="100%", id="claim-timeline", size="3", gap="4px",
        ),
        heading_card(T("Emails to the customer"),
            _table((N_("Email"), N_("Delivery"), N_("Tries"), N_("When")), C.emails, lambda m: [
                rx.table.cell(rx.text(m["subject"], size="2"), rx.text(m["kind"], size="1", color="#666")),
                rx.table.cell(rx.badge(m["status_label"], high_contrast=True, color_scheme=rx.match(
                    m["status"], ("sent", "green"), ("failed", "red"), "gray")),
                    rx.cond(m["error"] != "", rx.text(m["error"], size="1", color="#c0101c"))),
                rx.table.cell(m["attempts"]),
                rx.table.cell(rx.text(m["when"], white_space="nowrap")),
            ]),
            width="100%", size="3", gap="4px",
        ),
        spacing="3", width="100%", min_width="0",
    )
    return rx.box(
        head,
        rx.grid(
            left,
            right,
            columns=rx.breakpoints(initial="1", md="minmax(260px, 300px) minmax(0, 1fr)"), spacing="4",
            width="100%", min_width="0",
        ),
        # The keyboard shortcuts, installed once in the browser when the claim page first shows.
        rx.el.span(id="claim-keys", hidden=True, on_mount=rx.run_script(KEYBOARD_JS.strip().rstrip(";"))),
        max_width="100%", overflow_x="hidden",
    )


def claim() -> rx.Component:
    return member_page(
        "Claim Review",
        _claim_nav(),
        notice(C.message, C.message_kind),
        notice(C.draft_note),
        rx.cond(
            C.found,
            _claim_body(),
            rx.cond(C.missing != "", rx.callout(C.missing, icon="info", color_scheme="gray")),
        ),
    )
