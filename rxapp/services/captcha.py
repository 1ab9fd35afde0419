"""Arithmetic captcha plus a proof of work: the answer kept only on the server.

A challenge is a row of ``CaptchaChallenge``; the browser sees only its id,
question and a proof-of-work puzzle (``Challenge``).  The puzzle is an ALTCHA
v2 challenge (``altcha`` library: SHA-256, deterministic counter, HMAC-signed
with a key derived from the app's secret, expiring with the question, and
bound to this challenge's id).  The page's script solves it while the person
types the answer; ``consume`` requires both: the arithmetic answer (which a
regular expression over the page can read) and the solved puzzle (which only
computing ~``POW_MAX_COUNTER``/2 hashes gives).  Each challenge answers at most once: ``check``
marks it used whether the answer was right or wrong, so a wrong answer means
drawing a new question.  Challenges expire after ``TTL``.

Consumption is flushed, not committed.  The caller must commit it even when it
then rejects the form; a rolled-back transaction would make the challenge
usable again.  (``accounts.sign_up`` and ``accounts.authenticate`` commit
before they raise.)
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import altcha
import sqlalchemy as sa
from sqlmodel import Session

from rxapp import db, settings
from rxapp.i18n import N_, _
from rxapp.models import CaptchaChallenge
from rxapp.services import clock

TTL = timedelta(minutes=5)
# A question a page keeps (``keep_open``) is given a new TTL when less than this is left.
RENEW_BEFORE = timedelta(minutes=1)
# Proof of work: the browser tries counters 0, 1, 2... until SHA-256(salt +
# nonce + counter) starts with the signed prefix; the counter is drawn in
# [0, POW_MAX_COUNTER), so on average POW_MAX_COUNTER / 2 hashes, at most
# POW_MAX_COUNTER (headless Chromium on this machine: see SECURITY.md).
POW_ALGORITHM = "SHA-256"
POW_COST = 1
POW_MAX_COUNTER = 100_000
_MAX_PROOF = 4000
# Blank characters people type or paste around (and inside) a number.
_BLANKS = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
_ANSWER = re.compile(r"[0-9]{1,6}")
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True)
class Challenge:
    """What the browser may see: an opaque id, the question text and the
    proof-of-work puzzle (JSON; it carries no answer and no secret)."""

    id: str
    question: str
    pow: str


class Outcome(str, enum.Enum):
    """Why ``consume`` accepted or refused an answer."""

    right = "right"
    wrong = "wrong"
    expired = "expired"  # or already used, or unknown id: the same to the customer
    no_proof = "no_proof"  # the proof of work is missing, wrong, expired or for another challenge


def _pow_key() -> bytes:
    """The HMAC key of the puzzles: derived from the app's secret, never sent anywhere."""
    return hmac.new(settings.get().secret_key.encode(), b"captcha-proof-of-work", hashlib.sha256).digest()


def _binding(challenge_id: str) -> str:
    """What ties a puzzle to its question (a hash: the id itself stays on the server)."""
    return hashlib.sha256(b"captcha|" + challenge_id.encode()).hexdigest()[:32]


def _epoch(moment: datetime) -> int:
    """Unix seconds of a moment (naive datetimes are UTC here, as everywhere in the app)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def _new_pow(challenge_id: str, expires_at: datetime) -> str:
    puzzle = altcha.create_challenge(
        POW_ALGORITHM,
        POW_COST,
        counter=secrets.randbelow(POW_MAX_COUNTER),
        expires_at=_epoch(expires_at),
        data={"c": _binding(challenge_id)},
        hmac_secret=_pow_key(),
    )
    return json.dumps(puzzle.to_dict(), separators=(",", ":"))


def proof_is_valid(*, challenge_id: str, proof: object, now: datetime | None = None) -> bool:
    """True for a solved puzzle of this challenge, signed by us and not expired.

    ``proof`` is the ALTCHA payload the browser sends (base64 JSON of the
    puzzle and its solution).  Never raises for junk input.
    """
    now = now or clock.now()
    if not isinstance(proof, str) or not proof or len(proof) > _MAX_PROOF:
        return False
    try:
        payload = altcha.Payload.from_base64(proof)
        params = payload.challenge.parameters
        if (
            params.algorithm != POW_ALGORITHM
            or params.cost != POW_COST
            or not isinstance(params.data, dict)
            or params.data.get("c") != _binding(challenge_id)
            or not isinstance(params.expires_at, int)
            or params.expires_at <= _epoch(now)
        ):
            return False
        return bool(altcha.verify_solution(payload, _pow_key()).verified)
    except Exception:  # noqa: BLE001 - any malformed proof is simply no proof
        return False


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
    return Challenge(id=row.id, question=row.question, pow=_new_pow(row.id, now + TTL))


def keep_open(*, session: Session, challenge_id: object, now: datetime | None = None) -> Challenge | None:
    """The challenge a page already shows, kept for the person answering it; None when it can no
    longer be answered (used, expired, unknown, junk): the page draws a new one then.

    A question that can still be answered is never replaced: someone may be typing its answer (a
    page's on_load runs again when its connection comes back).  One near its end (less than
    ``RENEW_BEFORE`` left) gets a new lifetime of ``TTL`` and a new proof-of-work puzzle, so it does
    not expire under the person's hands: ``pow`` is then the new puzzle, else "" (the page's puzzle
    stands).  The question, its answer and its single use do not change.
    """
    now = now or clock.now()
    if not isinstance(challenge_id, str) or not _ID.fullmatch(challenge_id):
        return None
    row = session.get(CaptchaChallenge, challenge_id)
    if row is None or row.used_at is not None or row.expires_at <= now:
        return None
    if row.expires_at > now + RENEW_BEFORE:
        return Challenge(id=row.id, question=row.question, pow="")
    row.expires_at = now + TTL
    session.add(row)
    session.flush()
    return Challenge(id=row.id, question=row.question, pow=_new_pow(row.id, row.expires_at))


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


# One statement, built once: the challenge is used up (only an unused, unexpired one matches) and its
# answer read back.
_CONSUME = (
    sa.update(CaptchaChallenge)
    .where(CaptchaChallenge.id == sa.bindparam("challenge_id"), CaptchaChallenge.used_at.is_(None),
           CaptchaChallenge.expires_at > sa.bindparam("now"))
    .values(used_at=sa.bindparam("now"))
    .returning(CaptchaChallenge.answer)
)


def consume(
    *, session: Session, challenge_id: object, answer: object, proof: object, now: datetime | None = None
) -> Outcome:
    """Use up the challenge and say whether ``answer`` was right and ``proof`` solved its puzzle.

    A challenge is consumed by one atomic UPDATE (only an unused, unexpired
    row matches), so two concurrent answers cannot both succeed.  Unknown,
    used and expired challenges report ``Outcome.expired``; a missing or bad
    proof of work reports ``Outcome.no_proof`` (even with the right answer);
    anything that is not a whole number reports ``Outcome.wrong``.  Never
    raises for junk input.
    """
    now = now or clock.now()
    if not isinstance(challenge_id, str) or not _ID.fullmatch(challenge_id):
        return Outcome.expired
    expected = db.execute(session, _CONSUME, {"challenge_id": challenge_id, "now": now}).scalar()
    if expected is None:
        return Outcome.expired
    # Keep the identity map honest after the UPDATE: a loaded row reads itself again when next used.
    cached = session.identity_map.get(session.identity_key(CaptchaChallenge, challenge_id))
    if cached is not None:
        session.expire(cached)
    if not proof_is_valid(challenge_id=challenge_id, proof=proof, now=now):
        return Outcome.no_proof
    return Outcome.right if _parse_answer(answer) == expected else Outcome.wrong


def check(
    *, session: Session, challenge_id: object, answer: object, proof: object, now: datetime | None = None
) -> bool:
    """True only for the right answer and proof to an unused, unexpired challenge; always uses it up."""
    return consume(session=session, challenge_id=challenge_id, answer=answer, proof=proof, now=now) is Outcome.right


MSG_WRONG = N_("That answer is not right. Please solve the new question.")
MSG_EXPIRED = N_("That question has expired. Please solve the new question.")
MSG_MISSING = N_("Please answer the question to continue.")
MSG_NO_PROOF = N_(
    "Your browser did not finish the automatic check that comes with the question "
    "(it needs JavaScript). Please wait a moment after the new question appears, then send again."
)


def message(outcome: Outcome, answer: object) -> str | None:
    """What the form says under the Captcha field for this outcome (None when right)."""
    if outcome is Outcome.right:
        return None
    if answer is None or (isinstance(answer, str) and not answer.strip()):
        return _(MSG_MISSING)
    if outcome is Outcome.expired:
        return _(MSG_EXPIRED)
    if outcome is Outcome.no_proof:
        return _(MSG_NO_PROOF)
    return _(MSG_WRONG)


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
