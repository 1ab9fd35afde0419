"""A claim under review as the claim page's rows, in the reviewer's language (issue 16).

Plain functions over ``claim_review.claim_detail`` and friends (no Reflex): the registration's facts,
the recipient, the eligibility checks, linked claims, the timeline, the emails, the evidence checks,
a pending approval, and the messages the page's handlers show.  What people typed (names, reasons,
addresses) and codes are shown as they are.
"""

from __future__ import annotations

from rxapp import routes, vocabulary
from rxapp.i18n import N_, _
from rxapp.state.console.dates import shown

# The words of a decision that went through (the message above the page).
DECISION_WORDS = {"needs_info": N_("Asked the customer for information."), "rejected": N_("Rejected.")}
FORM_WORDS = {"decision": N_("Please check the decision form."), "shipping": N_("Please check the shipping form.")}
EVIDENCE_SOURCES = (("invoice", N_("Invoice")), ("serial_photo", N_("S/N photo")))
# An email's delivery state as the console has always written it (its value), translated.
EMAIL_WORDS = {"pending": N_("pending"), "sending": N_("sending"), "sent": N_("sent"), "failed": N_("failed")}


def document_options() -> list[list[str]]:
    """The missing documents for a select, in the current event's language."""
    return [[value, _(label)] for value, label in vocabulary.options(vocabulary.DOCUMENT)]


def approved_text(code: str | None) -> str:
    return _("Approved: Redeem Success. Code {code} issued.").format(code=code) if code \
        else _("Approved: Redeem Success.")


def decided_text(status: str) -> str:
    return _(DECISION_WORDS[status]) if status in DECISION_WORDS else _("Saved.")


def form_text(form_name: str) -> str:
    return _(FORM_WORDS.get(form_name, FORM_WORDS["decision"]))


def shipping_text(label: str, number: str | None) -> str:
    return (_("Shipping: {state} · tracking {number}.").format(state=label, number=number) if number
            else _("Shipping: {state}.").format(state=label))


def facts(reg: dict, cust: dict) -> list[list[str]]:
    store = reg["store"] if reg["store_is_partner"] else _("{store} (not a partner store)").format(store=reg["store"])
    registered = shown(reg["registered_at"])
    return [
        [_("Customer"), f"{cust['name']} · {cust['email']}"],
        [_("Category"), reg["category"]],
        [_("Model"), f"{reg['model']} ({reg['model_number']})"],
        [_("Serial Number"), reg["serial"]],
        ["CHK", reg["chk"]],
        [_("Store"), store],
        [_("Channel"), vocabulary.channel_label(reg["channel"]) or reg["channel"]],
        [_("Purchase Date"), shown(reg["purchase_date"])],
        [_("Region / Location"), f"{reg['region_name']} ({reg['region_code']})"],
        [_("Registered"), registered if reg["is_active"] else _("{when} · released").format(when=registered)],
    ]


def recipient(rec: dict) -> list[list[str]]:
    return [
        [_("Name"), f"{rec['first_name']} {rec['last_name']}".strip()],
        [_("Zipcode"), rec["zipcode"]],
        [_("Address"), rec["address"]],
        [_("Contact Number"), rec["phone"]],
        [_("Note"), rec["note"] or "—"],
    ]


def checks(elig: dict) -> list[dict[str, str]]:
    return [
        {"rule": _(vocabulary.rule_label(ch["rule"])), "ok": "yes" if ch["ok"] else "",
         "message": ch["message"] or _("OK")}
        for ch in elig["checks"]
    ]


def linked(rows: list[dict]) -> list[dict[str, str]]:
    return [
        {
            "kind": _(ln["kind"]),
            "claim": f"#{ln['claim_id']}" if ln["claim_id"] else "",
            "href": f"{routes.ADMIN_CLAIM}?id={ln['claim_id']}" if ln["claim_id"] else "",
            "email": ln["user_email"] or "",
            "status": vocabulary.status_label(ln["status"]),
            "at": shown(ln["at"]),
        }
        for ln in rows
    ]


def events(timeline: list[dict]) -> list[dict[str, str]]:
    return [
        {
            "at": shown(e["at"]),
            "actor": e["actor_email"] or _("system"),
            "change": (vocabulary.status_label(e["from_status"]) or _("new")) + " → "
            + vocabulary.status_label(e["to_status"]),
            "reason": e["reason"] or "",
        }
        for e in timeline
    ]


def emails(states: list[dict]) -> list[dict[str, str]]:
    return [
        {
            "kind": m["kind"],
            "subject": m["subject"],
            "to": m["to"],
            "status": m["status"],
            "status_label": _(EMAIL_WORDS[m["status"]]) if m["status"] in EMAIL_WORDS else m["status"],
            "attempts": str(m["attempts"]),
            "when": shown(m["sent_at"] or m["created_at"]),
            "error": m["last_error"] or "",
        }
        for m in states
    ]


def pending(waiting, viewer_id: int, digital_code: bool) -> tuple[dict[str, str], str]:
    """An approval waiting out its undo window: who, how long (a dict), and the sentence the page shows."""
    seconds = f"{max(1, round(waiting.seconds_left())):d}"
    mine = waiting.reviewer_id == viewer_id
    if digital_code:
        text = (_("Approved — code will be issued in {seconds} s. Until then nothing is sent.") if mine else
                _("Approved — code will be issued in {seconds} s (approved by {by}). Until then nothing is sent."))
    else:
        text = (_("Approved — it takes effect in {seconds} s. Until then nothing is sent.") if mine else
                _("Approved — it takes effect in {seconds} s (approved by {by}). Until then nothing is sent."))
    return {"by": "you" if mine else waiting.reviewer_email, "seconds": seconds,
            "code": "yes" if digital_code else ""}, text.format(seconds=seconds, by=waiting.reviewer_email)


def evidence(evidence: dict) -> tuple[list[dict[str, str]], dict[str, list[dict[str, str]]]]:
    """The evidence checks' rows and each picture's outlines (boxes in % of the picture)."""
    rows, boxes = [], {"invoice": [], "serial_photo": []}
    for part_key, source_word in EVIDENCE_SOURCES:
        part, source = evidence[part_key], _(source_word)
        if part is None:
            continue
        if part["checks"] is None:
            rows.append({"source": source, "key": "", "ok": "", "status": "unread", "matched": "",
                         "message": part["error"] or _("Not read yet.")})
            continue
        for check in part["checks"]:
            rows.append({"source": source, "key": check.key, "ok": "yes" if check.ok else "",
                         "status": check.status.value, "message": check.message, "matched": check.matched})
            if check.box and part["width"] and part["height"]:
                x0, y0, x1, y1 = check.box
                w, h = part["width"], part["height"]
                boxes[part_key].append({
                    "left": f"{100 * x0 / w:.2f}%", "top": f"{100 * y0 / h:.2f}%",
                    "width": f"{100 * (x1 - x0) / w:.2f}%", "height": f"{100 * (y1 - y0) / h:.2f}%",
                    "ok": "yes" if check.ok else "", "label": f"{check.message}: “{check.matched}”",
                })
    return rows, boxes
