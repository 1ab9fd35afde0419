"""The captcha's proof of work: a hidden form field the browser fills by itself.

The field carries the puzzle (``data-challenge``, the state's ``captcha_pow``);
``captcha_pow.js`` solves it (SHA-256, a few tens of thousands of tries) while
the person types the answer, and holds back a form sent before the proof is
ready until it is.  The form then sends ``captcha_proof`` with ``captcha``.
"""

from __future__ import annotations

from pathlib import Path

import reflex as rx

SOLVER_JS = Path(__file__).with_name("captcha_pow.js").read_text(encoding="utf-8")


def proof_input(pow) -> rx.Component:
    """The hidden ``captcha_proof`` field for the puzzle ``pow`` (remounted for each new puzzle)."""
    return rx.el.input(
        type="hidden",
        name="captcha_proof",
        key=pow,
        custom_attrs={"data-challenge": pow},
        # Compiled into the page (run_script), not eval()ed: the Content-Security-Policy forbids eval.
        on_mount=rx.run_script(SOLVER_JS.strip().rstrip(";")),
    )
