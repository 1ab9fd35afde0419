"""Arithmetic captcha: a question as text, the answer kept only on the server.

A challenge is a row of ``CaptchaChallenge``; the browser sees only its id and
question (``Challenge``).  Each challenge answers at most once: ``check``
marks it used whether the answer was right or wrong, so a wrong answer means
drawing a new question.  Challenges expire after ``TTL``.

Consumption is flushed, not committed.  The caller must commit it even when it
then rejects the form; a rolled-back transaction would make the challenge
usable again.  (``accounts.sign_up`` and ``accounts.authenticate`` commit
before they raise.)
"""

from __future__ import annotations

import enum
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from rxapp.models import CaptchaChallenge
from rxapp.services import clock

TTL = timedelta(minutes=5)
# Blank characters people type or paste around (and inside) a number.
_BLANKS = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
_ANSWER = re.compile(r"[0-9]{1,6}")
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True)
class Challenge:
    """What the browser may see: an opaque id and the question text."""

    id: str
    question: str


class Outcome(str, enum.Enum):
    """Why ``consume`` accepted or refused an answer."""

    right = "right"
    wrong = "wrong"
    expired = "expired"  # or already used, or unknown id: the same to the customer


def _make_question() -> tuple[str, int]:
    """A small sum or difference whose answer is never negative."""
    if secrets.randbelow(2):
        a, b = 1 + secrets.randbelow(49), 1 + secrets.randbelow(9)
        return f"{a} + {b} =", a + b
    a = 10 + secrets.randbelow(40)
    b = 1 + secrets.randbelow(9)
    return f"{a} - {b} =", a - b


def new_challenge(*, session: Session, now: datetime | None = None) -> Challenge:
    """Store a new question (expiring after ``TTL``) and return its id and text (flushed)."""
    now = now or clock.now()
    question, answer = _make_question()
    row = CaptchaChallenge(
        id=secrets.token_urlsafe(32),
        question=question,
        answer=answer,
        expires_at=now + TTL,
    )
    session.add(row)
    session.flush()
    return Challenge(id=row.id, question=row.question)


def _parse_answer(answer: object) -> int | None:
    if isinstance(answer, bool):
        return None
    if isinstance(answer, int):
        return answer
    if not isinstance(answer, str):
        return None
    text = _BLANKS.sub("", answer)
    if not _ANSWER.fullmatch(text):
        return None
    return int(text)


def consume(
    *, session: Session, challenge_id: object, answer: object, now: datetime | None = None
) -> Outcome:
    """Use up the challenge and say whether ``answer`` was right.

    A challenge is consumed by one atomic UPDATE (only an unused, unexpired
    row matches), so two concurrent answers cannot both succeed.  Unknown,
    used and expired challenges report ``Outcome.expired``; anything that is
    not a whole number reports ``Outcome.wrong``.  Never raises for junk input.
    """
    now = now or clock.now()
    if not isinstance(challenge_id, str) or not _ID.fullmatch(challenge_id):
        return Outcome.expired
    result = session.execute(
        sa.update(CaptchaChallenge)
        .where(
            CaptchaChallenge.id == challenge_id,
            CaptchaChallenge.used_at.is_(None),
            CaptchaChallenge.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return Outcome.expired
    expected = session.exec(select(CaptchaChallenge.answer).where(CaptchaChallenge.id == challenge_id)).one()
    # Keep the identity map honest after the bulk UPDATE.
    cached = session.get(CaptchaChallenge, challenge_id)
    if cached is not None:
        session.refresh(cached)
    session.flush()
    return Outcome.right if _parse_answer(answer) == expected else Outcome.wrong


def check(*, session: Session, challenge_id: object, answer: object, now: datetime | None = None) -> bool:
    """True only for the right answer to an unused, unexpired challenge; always uses it up."""
    return consume(session=session, challenge_id=challenge_id, answer=answer, now=now) is Outcome.right


def purge_expired(*, session: Session, now: datetime | None = None) -> int:
    """Delete expired and used challenges; returns how many (flushed)."""
    now = now or clock.now()
    result = session.execute(
        sa.delete(CaptchaChallenge)
        .where(sa.or_(CaptchaChallenge.expires_at <= now, CaptchaChallenge.used_at.is_not(None)))
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return result.rowcount or 0
