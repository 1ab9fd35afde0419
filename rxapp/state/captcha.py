"""The captcha every form shares: the question is shown, the answer stays server-side."""

from __future__ import annotations

import reflex as rx

from rxapp.db import session_scope
from rxapp.services import captcha as captcha_service
from rxapp.state.session import anyone


class CaptchaMixin(rx.State, mixin=True):
    captcha_question: str = ""
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
        self.captcha_round += 1

    @anyone
    def reformat_captcha(self):
        """The seed's Reformat button: a new question."""
        self._draw_captcha()
