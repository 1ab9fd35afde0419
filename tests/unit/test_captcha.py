"""Arithmetic captcha + proof of work: answer only on the server, single use, 5-minute expiry."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from rxapp.models import CaptchaChallenge, utcnow
from rxapp.services import captcha
from tests.factories.captcha_proof import solve

QUESTION = re.compile(r"^(\d{1,2}) ([+-]) (\d{1,2}) =$")


def _answer(session, challenge_id: str) -> int:
    return session.get(CaptchaChallenge, challenge_id).answer


def _proof_of(ch) -> str:
    """A valid proof without brute force: the counter is read back by solving (cached per puzzle)."""
    return solve(ch.pow)


def test_challenge_shows_only_id_and_question(session):
    before = utcnow()
    ch = captcha.new_challenge(session=session)
    after = utcnow()
    assert [f.name for f in dataclasses.fields(ch)] == ["id", "question", "pow"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", ch.id)
    assert QUESTION.match(ch.question)
    row = session.get(CaptchaChallenge, ch.id)
    assert row.question == ch.question
    assert row.used_at is None
    assert before + timedelta(minutes=5) <= row.expires_at <= after + timedelta(minutes=5)


def test_questions_are_small_sums_or_differences_never_negative(session):
    ids = set()
    for _ in range(300):
        ch = captcha.new_challenge(session=session)
        ids.add(ch.id)
        a, op, b = QUESTION.match(ch.question).groups()
        expected = int(a) + int(b) if op == "+" else int(a) - int(b)
        assert expected >= 0
        assert _answer(session, ch.id) == expected
    assert len(ids) == 300


def test_right_answer_passes_once(session):
    ch = captcha.new_challenge(session=session)
    answer = str(_answer(session, ch.id))
    proof = solve(ch.pow)
    assert captcha.check(session=session, challenge_id=ch.id, answer=answer, proof=proof) is True
    assert captcha.check(session=session, challenge_id=ch.id, answer=answer, proof=proof) is False
    assert session.get(CaptchaChallenge, ch.id).used_at is not None


def test_a_challenge_the_session_holds_reads_as_used_after_the_answer(session):
    """The answer is checked by one UPDATE outside the ORM: a row the session already holds must not go on
    showing the challenge unused."""
    ch = captcha.new_challenge(session=session)
    row = session.get(CaptchaChallenge, ch.id)  # held here, so it stays in the session's identity map
    assert row.used_at is None
    assert captcha.check(session=session, challenge_id=ch.id, answer=str(row.answer), proof=solve(ch.pow))
    assert row.used_at is not None


def test_wrong_answer_uses_the_challenge_up(session):
    ch = captcha.new_challenge(session=session)
    right = _answer(session, ch.id)
    proof = solve(ch.pow)
    assert captcha.check(session=session, challenge_id=ch.id, answer=str(right + 1), proof=proof) is False
    assert (captcha.consume(session=session, challenge_id=ch.id, answer=str(right), proof=proof)
            is captcha.Outcome.expired)


def test_spaces_are_tolerated(session):
    for form in ("  {} ", "{}\t", " {}\n"):
        ch = captcha.new_challenge(session=session)
        answer = form.format(_answer(session, ch.id))
        assert captcha.check(session=session, challenge_id=ch.id, answer=answer, proof=solve(ch.pow))
    ch = captcha.new_challenge(session=session)
    digits = str(_answer(session, ch.id))
    assert captcha.check(session=session, challenge_id=ch.id, answer=" ".join(digits), proof=solve(ch.pow))


def test_non_numeric_answers_fail_and_use_it_up(session):
    for junk in ("", "abc", "2 6x", "-3", "26.0", "1e1", "٢٦", None, [], {}, True, 3.0):
        ch = captcha.new_challenge(session=session)
        outcome = captcha.consume(session=session, challenge_id=ch.id, answer=junk, proof=solve(ch.pow))
        assert outcome is captcha.Outcome.wrong
        assert session.get(CaptchaChallenge, ch.id).used_at is not None


def test_expires_after_five_minutes(session):
    start = utcnow()
    early = captcha.new_challenge(session=session, now=start)
    late = captcha.new_challenge(session=session, now=start)
    ok = str(_answer(session, early.id))
    assert captcha.check(session=session, challenge_id=early.id, answer=ok, proof=solve(early.pow),
                         now=start + timedelta(minutes=4, seconds=59))
    late_answer = str(_answer(session, late.id))
    assert (
        captcha.consume(session=session, challenge_id=late.id, answer=late_answer, proof=solve(late.pow),
                        now=start + timedelta(minutes=5))
        is captcha.Outcome.expired
    )


def test_unknown_and_junk_ids_fail(session):
    for junk in ("nope", "", None, 42, ["x"], "x" * 500, "\ud800"):
        assert captcha.check(session=session, challenge_id=junk, answer="1", proof="x") is False


def test_purge_expired_keeps_live_ones(session):
    now = utcnow()
    old = captcha.new_challenge(session=session, now=now - timedelta(minutes=10))
    used = captcha.new_challenge(session=session, now=now)
    captcha.check(session=session, challenge_id=used.id, answer="0", proof="", now=now)
    live = captcha.new_challenge(session=session, now=now)
    session.commit()
    assert captcha.purge_expired(session=session, now=now) == 2
    left = set(session.exec(select(CaptchaChallenge.id)).all())
    assert left == {live.id}
    assert old.id not in left


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answer=st.one_of(st.none(), st.text(max_size=30), st.integers(), st.floats(), st.lists(st.integers())))
def test_check_never_raises(session, answer, monkeypatch):
    monkeypatch.setattr(captcha, "POW_MAX_COUNTER", 300)  # 150 examples: an easy puzzle each
    ch = captcha.new_challenge(session=session)
    expected = _answer(session, ch.id)
    result = captcha.check(session=session, challenge_id=ch.id, answer=answer, proof=_proof_of(ch))
    assert isinstance(result, bool)
    if (type(answer) is int and answer == expected) or (isinstance(answer, str) and answer.strip() == str(expected)):
        assert result
    if result:
        assert (type(answer) is int and answer == expected) or (
            isinstance(answer, str) and re.sub("[^0-9]", "", answer) == str(expected)
        )


# --------------------------------------------------------------------------- the proof of work


def _right(session, ch) -> str:
    return str(_answer(session, ch.id))


def test_the_regex_answer_without_proof_is_refused(session):
    """The finding: reading "24 + 2 =" off the page is not enough any more."""
    for missing in (None, "", "   "):
        ch = captcha.new_challenge(session=session)
        a, op, b = QUESTION.match(ch.question).groups()
        regex_answer = str(int(a) + int(b) if op == "+" else int(a) - int(b))
        outcome = captcha.consume(session=session, challenge_id=ch.id, answer=regex_answer, proof=missing)
        assert outcome is captcha.Outcome.no_proof
        assert captcha.message(outcome, regex_answer) == captcha.MSG_NO_PROOF
        # ...and the question is used up all the same.
        assert captcha.consume(session=session, challenge_id=ch.id, answer=regex_answer,
                               proof=solve(ch.pow)) is captcha.Outcome.expired


def test_the_puzzle_holds_no_answer_and_no_secret(session):
    ch = captcha.new_challenge(session=session)
    puzzle = json.loads(ch.pow)
    params = puzzle["parameters"]
    assert params["algorithm"] == "SHA-256" and params["cost"] == 1
    assert ch.id not in ch.pow

    def texts(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key != "algorithm":
                    yield from texts(value)
        elif isinstance(node, list):
            for value in node:
                yield from texts(value)
        elif isinstance(node, str):
            yield re.sub(r"[0-9a-f]{16,}", "", node)  # hashes and salts aside

    # The answer is in no text of the puzzle (numbers such as its expiry may contain its digits by chance).
    answer = str(_answer(session, ch.id))
    assert not any(re.search(rf"(?<!\d){answer}(?!\d)", text) for text in texts(puzzle))
    from rxapp import settings

    assert settings.get().secret_key not in ch.pow
    assert captcha._pow_key().hex() not in ch.pow


def test_the_counter_stays_under_the_difficulty_bound(session):
    import base64

    for _ in range(3):
        ch = captcha.new_challenge(session=session)
        payload = json.loads(base64.b64decode(solve(ch.pow)))
        assert 0 <= payload["solution"]["counter"] < captcha.POW_MAX_COUNTER


def test_a_wrong_proof_is_refused(session):
    import base64

    def tampered(ch, change) -> str:
        payload = json.loads(base64.b64decode(solve(ch.pow)))
        change(payload)
        return base64.b64encode(json.dumps(payload).encode()).decode()

    def bump_counter(p):
        p["solution"]["counter"] += 1

    def other_key(p):
        p["solution"]["derivedKey"] = "00" * 32

    def easier_prefix(p):
        p["challenge"]["parameters"]["keyPrefix"] = "0"

    def unsigned(p):
        p["challenge"].pop("signature")

    def rebind(p):
        p["challenge"]["parameters"]["data"] = {"c": "0" * 32}

    def longer_life(p):
        p["challenge"]["parameters"]["expiresAt"] += 3600

    for change in (bump_counter, other_key, easier_prefix, unsigned, rebind, longer_life):
        ch = captcha.new_challenge(session=session)
        assert captcha.consume(session=session, challenge_id=ch.id, answer=_right(session, ch),
                               proof=tampered(ch, change)) is captcha.Outcome.no_proof, change.__name__
    for junk in ("x", "e30=", base64.b64encode(b"[]").decode(), "A" * 5000, 42, ["x"], {"a": 1}):
        ch = captcha.new_challenge(session=session)
        assert captcha.consume(session=session, challenge_id=ch.id, answer=_right(session, ch),
                               proof=junk) is captcha.Outcome.no_proof


def test_a_proof_signed_with_another_key_is_refused(session):
    import altcha

    ch = captcha.new_challenge(session=session)
    params = json.loads(ch.pow)["parameters"]
    forged = altcha.create_challenge("SHA-256", 1, counter=3, expires_at=params["expiresAt"],
                                     data=params["data"], hmac_secret="not-our-key")
    proof = solve(json.dumps(forged.to_dict()))
    assert captcha.consume(session=session, challenge_id=ch.id, answer=_right(session, ch),
                           proof=proof) is captcha.Outcome.no_proof


def test_a_proof_is_good_for_its_own_question_only_and_once(session):
    first = captcha.new_challenge(session=session)
    second = captcha.new_challenge(session=session)
    proof = solve(first.pow)
    # Another question's proof: refused (it is bound to its question).
    assert captcha.consume(session=session, challenge_id=second.id, answer=_right(session, second),
                           proof=proof) is captcha.Outcome.no_proof
    assert captcha.consume(session=session, challenge_id=first.id, answer=_right(session, first),
                           proof=proof) is captcha.Outcome.right
    # Reused: the question it belongs to is used up.
    assert captcha.consume(session=session, challenge_id=first.id, answer=_right(session, first),
                           proof=proof) is captcha.Outcome.expired


def test_an_expired_proof_is_refused(session):
    real = utcnow()
    # Drawn 6 minutes ago: its puzzle expired a minute ago (the library checks the real time)...
    ch = captcha.new_challenge(session=session, now=real - timedelta(minutes=6))
    proof = solve(ch.pow)
    assert captcha.proof_is_valid(challenge_id=ch.id, proof=proof, now=real) is False
    # ...even when the caller's clock says the question itself is still open.
    assert captcha.consume(session=session, challenge_id=ch.id, answer=_right(session, ch), proof=proof,
                           now=real - timedelta(minutes=2)) is captcha.Outcome.no_proof
    fresh = captcha.new_challenge(session=session, now=real)
    fresh_proof = solve(fresh.pow)
    assert captcha.proof_is_valid(challenge_id=fresh.id, proof=fresh_proof, now=real + timedelta(minutes=4))
    assert not captcha.proof_is_valid(challenge_id=fresh.id, proof=fresh_proof, now=real + timedelta(minutes=5))


def test_a_question_a_page_keeps_stays_until_used_and_is_renewed_near_its_end(session):
    now = utcnow()
    ch = captcha.new_challenge(session=session, now=now)
    kept = captcha.keep_open(session=session, challenge_id=ch.id, now=now + timedelta(minutes=2))
    assert kept == captcha.Challenge(id=ch.id, question=ch.question, pow="")  # the page's puzzle stands
    # Near its end (someone may be typing the answer): the same question, a new lifetime and a new puzzle.
    late = now + captcha.TTL - timedelta(seconds=30)
    renewed = captcha.keep_open(session=session, challenge_id=ch.id, now=late)
    assert (renewed.id, renewed.question) == (ch.id, ch.question) and renewed.pow and renewed.pow != ch.pow
    after = late + timedelta(minutes=2)  # past the first lifetime: still answerable, with the new puzzle
    assert not captcha.proof_is_valid(challenge_id=ch.id, proof=solve(ch.pow), now=after)
    assert captcha.consume(session=session, challenge_id=ch.id, answer=_right(session, ch),
                           proof=solve(renewed.pow), now=after) is captcha.Outcome.right
    # Used: nothing to keep (the page draws a new question).
    assert captcha.keep_open(session=session, challenge_id=ch.id, now=after) is None
    gone = captcha.new_challenge(session=session, now=now)
    assert captcha.keep_open(session=session, challenge_id=gone.id, now=now + captcha.TTL) is None  # expired
    for junk in ("", None, 3, "x" * 43, ["a"]):
        assert captcha.keep_open(session=session, challenge_id=junk) is None
