"""The captcha every form shares: the question is shown, the answer stays server-side.

Beside the question the page gets a proof-of-work puzzle (``captcha_pow``);
the browser solves it on its own (``components/captcha_pow.py``) and sends the
proof with the form as ``captcha_proof``.  The server checks both.
"""

from __future__ import annotations

import reflex as rx

from rxapp import db
from rxapp.db import session_scope
from rxapp.services import captcha as captcha_service
from rxapp.state import parse
from rxapp.state.session import anyone

PROOF_LIMIT = 4000


class CaptchaMixin(rx.State, mixin=True):
    captcha_question: str = ""
    # The proof-of-work puzzle (public by design: no answer, no secret in it).
    captcha_pow: str = ""
    # Counts the questions drawn: the answer box is keyed by it, so every new
    # question (even one with the same text) starts with an empty box.
    captcha_round: int = 0
    # Only the challenge's opaque id, and only on the server.
    _captcha_id: str = ""

    def _draw_captcha(self) -> None:
        with session_scope() as s:
            challenge = captcha_service.new_challenge(session=s)
        self._captcha_id = challenge.id
        self.captcha_question = challenge.question
        self.captcha_pow = challenge.pow
        self.captcha_round += 1

    def _ensure_captcha(self) -> None:
        """For a page's on_load: keep the question on screen while it can still be answered, else draw one.

        An on_load also runs again when the connection comes back (a reload of the page state, a late
        hydrate on a busy machine): a new question then would empty the answer the person already typed.
        A new question is drawn only when there is none or it can no longer be answered (used: a
        refused submit draws its own; expired).  One near its end is renewed instead
        (``captcha.keep_open``): same question, same answer box, a new puzzle for the browser.
        """
        if self._captcha_id and self.captcha_question:
            kept = db.run(captcha_service.keep_open, challenge_id=self._captcha_id)
            if kept is not None:
                if kept.pow:
                    self.captcha_pow = kept.pow
                return
        self._draw_captcha()

    def _captcha_problem(self, form) -> str | None:
        """Use up the current challenge; the message for the Captcha field, or None when passed."""
        answer = parse.field(form, "captcha", 20)
        with session_scope() as s:
            outcome = captcha_service.consume(
                session=s, challenge_id=self._captcha_id, answer=answer,
                proof=parse.field(form, "captcha_proof", PROOF_LIMIT),
            )
        return captcha_service.message(outcome, answer)

    @anyone
    def reformat_captcha(self):
        """The seed's Reformat button: a new question."""
        self._draw_captcha()
