"""Hostile payloads for a handler, derived from its signature (and, for a form, the fields it reads).

For each parameter: another account's id that a parameter of that name takes
(its session for ``session_id``, its product for ``product_id`` …; as a number
and as a string), wrong types (None, a list, a dict, a huge int, a negative id),
hostile strings (SQL, a path with a NUL and markup), a string of almost a megabyte (just under the
websocket's frame limit, so it reaches the app; a bigger frame is Reflex's to
refuse, see the suite's own test), the argument missing, and extra keys
(``user_id``, ``role``, ``id`` of someone else).  A ``form: dict`` gets each of
these as the value of every field the handler reads.  Every call also carries
the other account's ids in the page's query string (``?id=…&claim=…``), which
the pages' ``load`` handlers read.
"""

from __future__ import annotations

import inspect
import re

from tests.e2e.attacker.world import Account

HUGE = 990_000  # characters: a frame just under Reflex's 1,000,000-byte websocket limit
_FORM_FIELD = re.compile(r"""(?:form(?:\.get)?\(?\s*[\[,(]\s*|form\[)\s*["'](\w+)["']""")


def params(fn) -> list[str]:
    sig = inspect.signature(fn)
    return [p.name for p in list(sig.parameters.values())[1:]
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


def form_fields(fn) -> list[str]:
    """The fields a handler reads from its form, as its source names them (parse.field(form, "x") …)."""
    try:
        source = inspect.getsource(inspect.unwrap(fn))
    except (OSError, TypeError):
        return []
    return sorted(set(_FORM_FIELD.findall(source))) or ["email", "id", "value"]


def _target(victim: Account | None, param: str) -> int:
    """The victim's id a parameter of that name would take (its session for ``session_id`` …)."""
    if victim is None:
        return 1
    for word, ids in (("session", victim.session_ids), ("product", victim.product_ids),
                      ("template", victim.template_ids),
                      ("message", victim.message_ids), ("claim", victim.claim_ids), ("user", [victim.user_id])):
        if word in param and ids:
            return ids[0]
    return (victim.claim_ids or [victim.user_id])[0]


def values(victim: Account | None, param: str = "") -> list:
    target = _target(victim, param)
    return [
        target, str(target),  # another account's id, as a number and as a string
        None, [], {"$gt": ""}, 2**70, -1,  # wrong types and out-of-range numbers
        "1 OR 1=1; DROP TABLE user;--", "../../../../etc/passwd\u0000<script>x</script>",
        # Not here: a lone UTF-16 surrogate ("\udc80").  Such an event never reaches Reflex's handler
        # and is never acknowledged (the socket stays up; the event is lost before any app code), so
        # it tests the transport, not the app.
    ]


def huge(n_fields: int = 1) -> str:
    return "A" * (HUGE // max(n_fields, 1))


def query(victim: Account | None) -> dict[str, str]:
    """A page query string naming the victim's things (the pages' load handlers read these keys)."""
    if victim is None:
        return {"id": "1", "next": "//evil.example/"}
    return {
        "id": str(victim.claim_ids[0]) if victim.claim_ids else str(victim.user_id),
        "claim": str(victim.claim_ids[0]) if victim.claim_ids else "1",
        "product": str(victim.product_ids[0]) if victim.product_ids else "1",
        "promotion": "1",
        "token": "forged-token",
        "next": "//evil.example/account",
    }


def for_handler(fn, victim: Account | None) -> list[tuple[str, dict]]:
    """(label, payload) pairs for one handler."""
    names = params(fn)
    extra = {"user_id": victim.user_id if victim else 1, "role": "admin",
             "id": (victim.claim_ids or [1])[0] if victim else 1}
    if not names:
        return [("no arguments", {}), ("extra keys", extra)]
    # The other parameters of a call hold the victim's ids too, never an id of the demo data.
    filler = {n: str(_target(victim, n)) for n in names}
    out: list[tuple[str, dict]] = [("missing arguments", {}), ("extra keys", {**filler, **extra})]
    for name in names:
        if name == "form":
            fields = form_fields(fn)
            for v in values(victim, "user_id"):
                out.append((f"form fields = {_short(v)}", {"form": {f: v for f in fields} | {"user_id": extra["user_id"]}}))
            out.append(("form fields huge", {"form": {f: huge(len(fields)) for f in fields}}))
            out += [("form = None", {"form": None}), ("form = list", {"form": [1, 2]}), ("form = str", {"form": "x"})]
        else:
            out += [(f"{name} = {_short(v)}", {**filler, name: v}) for v in values(victim, name)]
            out.append((f"{name} huge", {**filler, name: huge()}))
    return out


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 24 else text[:21] + "…"
