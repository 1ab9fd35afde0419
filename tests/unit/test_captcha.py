"""Arithmetic captcha: answer only on the server, single use, 5-minute expiry."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from rxapp.models import CaptchaChallenge, utcnow
from rxapp.services import captcha

QUESTION = re.compile(r"^(\d{1,2}) ([+-]) (\d{1,2}) =$")


def _answer(session, challenge_id: str) -> int:
    return session.get(CaptchaChallenge, challenge_id).answer


def test_challenge_shows_only_id_and_question(session):
    before = utcnow()
    ch = captcha.new_challenge(session=session)
    after = utcnow()
    assert [f.name for f in dataclasses.fields(ch)] == ["id", "question"]
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
    assert captcha.check(session=session, challenge_id=ch.id, answer=answer) is True
    assert captcha.check(session=session, challenge_id=ch.id, answer=answer) is False
    assert session.get(CaptchaChallenge, ch.id).used_at is not None


def test_wrong_answer_uses_the_challenge_up(session):
    ch = captcha.new_challenge(session=session)
    right = _answer(session, ch.id)
    assert captcha.check(session=session, challenge_id=ch.id, answer=str(right + 1)) is False
    assert captcha.consume(session=session, challenge_id=ch.id, answer=str(right)) is captcha.Outcome.expired


def test_spaces_are_tolerated(session):
    for form in ("  {} ", "{}\t", " {}\n"):
        ch = captcha.new_challenge(session=session)
        answer = form.format(_answer(session, ch.id))
        assert captcha.check(session=session, challenge_id=ch.id, answer=answer)
    ch = captcha.new_challenge(session=session)
    digits = str(_answer(session, ch.id))
    assert captcha.check(session=session, challenge_id=ch.id, answer=" ".join(digits))


def test_non_numeric_answers_fail_and_use_it_up(session):
    for junk in ("", "abc", "2 6x", "-3", "26.0", "1e1", "٢٦", None, [], {}, True, 3.0):
        ch = captcha.new_challenge(session=session)
        assert captcha.consume(session=session, challenge_id=ch.id, answer=junk) is captcha.Outcome.wrong
        assert session.get(CaptchaChallenge, ch.id).used_at is not None


def test_expires_after_five_minutes(session):
    start = utcnow()
    early = captcha.new_challenge(session=session, now=start)
    late = captcha.new_challenge(session=session, now=start)
    ok = str(_answer(session, early.id))
    assert captcha.check(session=session, challenge_id=early.id, answer=ok, now=start + timedelta(minutes=4, seconds=59))
    late_answer = str(_answer(session, late.id))
    assert (
        captcha.consume(session=session, challenge_id=late.id, answer=late_answer, now=start + timedelta(minutes=5))
        is captcha.Outcome.expired
    )


def test_unknown_and_junk_ids_fail(session):
    for junk in ("nope", "", None, 42, ["x"], "x" * 500, "\ud800"):
        assert captcha.check(session=session, challenge_id=junk, answer="1") is False


def test_purge_expired_keeps_live_ones(session):
    now = utcnow()
    old = captcha.new_challenge(session=session, now=now - timedelta(minutes=10))
    used = captcha.new_challenge(session=session, now=now)
    captcha.check(session=session, challenge_id=used.id, answer="0", now=now)
    live = captcha.new_challenge(session=session, now=now)
    session.commit()
    assert captcha.purge_expired(session=session, now=now) == 2
    left = set(session.exec(select(CaptchaChallenge.id)).all())
    assert left == {live.id}
    assert old.id not in left


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answer=st.one_of(st.none(), st.text(max_size=30), st.integers(), st.floats(), st.lists(st.integers())))
def test_check_never_raises(session, answer):
    ch = captcha.new_challenge(session=session)
    expected = _answer(session, ch.id)
    result = captcha.check(session=session, challenge_id=ch.id, answer=answer)
    assert isinstance(result, bool)
    if (type(answer) is int and answer == expected) or (isinstance(answer, str) and answer.strip() == str(expected)):
        assert result
    if result:
        assert (type(answer) is int and answer == expected) or (
            isinstance(answer, str) and re.sub("[^0-9]", "", answer) == str(expected)
        )
