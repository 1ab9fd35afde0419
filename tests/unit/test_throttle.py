"""Log-in throttling: 5 failures in 15 minutes lock an account or an address for 15 minutes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rxapp.services import throttle
from rxapp.services.errors import Locked

T0 = datetime(2026, 3, 1, 19, 27, 0, tzinfo=timezone.utc)


def fail(session, at, email="ann@example.com", ip="10.0.0.1"):
    throttle.record(session=session, email=email, ip_address=ip, succeeded=False, now=at)


def succeed(session, at, email="ann@example.com", ip="10.0.0.1"):
    throttle.record(session=session, email=email, ip_address=ip, succeeded=True, now=at)


def locked(session, at, email="ann@example.com", ip="10.0.0.1") -> Locked | None:
    try:
        throttle.check(session=session, email=email, ip_address=ip, now=at)
    except Locked as exc:
        return exc
    return None


def test_four_failures_do_not_lock_the_fifth_does(session):
    for i in range(4):
        fail(session, T0 + timedelta(minutes=i))
    assert locked(session, T0 + timedelta(minutes=4)) is None
    fail(session, T0 + timedelta(minutes=4))
    exc = locked(session, T0 + timedelta(minutes=4))
    assert exc is not None
    assert exc.until == T0 + timedelta(minutes=19)  # 15 minutes from the fifth failure
    assert exc.message == "Too many failed log-ins. Try again in 15 minutes (after 19:46 UTC)."


def test_message_counts_down_and_the_lock_ends(session):
    for i in range(5):
        fail(session, T0 + timedelta(seconds=i))
    fifth = T0 + timedelta(seconds=4)
    assert "Try again in 5 minutes" in locked(session, fifth + timedelta(minutes=10)).message
    assert "Try again in 1 minute (" in locked(session, fifth + timedelta(minutes=14, seconds=30)).message
    assert locked(session, fifth + timedelta(minutes=15)) is None


def test_failures_spread_over_more_than_the_window_do_not_lock(session):
    for i in range(10):
        fail(session, T0 + timedelta(minutes=4 * i))  # never 5 within 15 minutes
    assert locked(session, T0 + timedelta(minutes=36)) is None


def test_lock_uses_up_its_failures(session):
    for i in range(5):
        fail(session, T0 + timedelta(minutes=i))
    after = T0 + timedelta(minutes=4 + 15)
    assert locked(session, after) is None
    fail(session, after)  # one more right after the lock: a fresh count, not a new lock
    assert locked(session, after) is None


def test_tries_during_a_lock_do_not_extend_it(session):
    for i in range(5):
        fail(session, T0 + timedelta(seconds=i))
    for i in range(10):
        fail(session, T0 + timedelta(minutes=5, seconds=i))  # slipped in while locked
    assert locked(session, T0 + timedelta(minutes=5)).until == T0 + timedelta(minutes=15, seconds=4)
    assert locked(session, T0 + timedelta(minutes=15, seconds=4)) is None


def test_email_is_case_and_space_insensitive(session):
    for i, email in enumerate(["Ann@Example.com", " ann@example.com", "ANN@EXAMPLE.COM", "ann@example.com ", "aNn@example.com"]):
        fail(session, T0 + timedelta(seconds=i), email=email, ip=f"10.0.0.{i}")
    assert locked(session, T0 + timedelta(seconds=5), ip="10.9.9.9") is not None


def test_success_resets_the_account_count(session):
    for i in range(4):
        fail(session, T0 + timedelta(seconds=i), ip=f"10.0.1.{i}")
    succeed(session, T0 + timedelta(seconds=10), ip="10.0.2.1")
    for i in range(4):
        fail(session, T0 + timedelta(seconds=20 + i), ip=f"10.0.3.{i}")
    assert locked(session, T0 + timedelta(seconds=30), ip="10.0.4.1") is None
    fail(session, T0 + timedelta(seconds=31), ip="10.0.5.1")
    assert locked(session, T0 + timedelta(seconds=31), ip="10.0.4.1") is not None


def test_address_lock_counts_across_emails_and_ignores_successes(session):
    ip = "203.0.113.7"
    for i in range(4):
        fail(session, T0 + timedelta(seconds=i), email=f"user{i}@example.com", ip=ip)
    succeed(session, T0 + timedelta(seconds=5), email="mine@example.com", ip=ip)
    assert locked(session, T0 + timedelta(seconds=6), email="new@example.com", ip=ip) is None
    fail(session, T0 + timedelta(seconds=7), email="user9@example.com", ip=ip)
    exc = locked(session, T0 + timedelta(seconds=8), email="someone-else@example.com", ip=ip)
    assert exc is not None and "from your network" in exc.message and "Try again in 15 minutes" in exc.message
    # The same emails from another address are not locked (none of them had 5 failures).
    assert locked(session, T0 + timedelta(seconds=8), email="user0@example.com", ip="198.51.100.1") is None


def test_unknown_address_is_never_locked_as_an_address(session):
    for i in range(10):
        fail(session, T0 + timedelta(seconds=i), email=f"u{i}@example.com", ip="")
    assert locked(session, T0 + timedelta(seconds=10), email="x@example.com", ip="") is None


def test_captcha_after_three_failures_and_reset_by_success(session):
    for i in range(2):
        fail(session, T0 + timedelta(seconds=i))
    assert not throttle.captcha_required(session=session, email="ann@example.com", now=T0 + timedelta(seconds=3))
    fail(session, T0 + timedelta(seconds=3))
    assert throttle.captcha_required(session=session, email="ANN@example.com", now=T0 + timedelta(seconds=4))
    assert not throttle.captcha_required(session=session, email="bob@example.com", now=T0 + timedelta(seconds=4))
    # ...and no longer once those failures are older than the window.
    assert not throttle.captcha_required(session=session, email="ann@example.com", now=T0 + timedelta(minutes=16))
    succeed(session, T0 + timedelta(seconds=5))
    assert not throttle.captcha_required(session=session, email="ann@example.com", now=T0 + timedelta(seconds=6))


def test_thresholds_are_module_constants(session, monkeypatch):
    monkeypatch.setattr(throttle, "IP_MAX_FAILURES", 20)
    for i in range(10):
        fail(session, T0 + timedelta(seconds=i), email=f"u{i}@example.com", ip="192.0.2.1")
    assert locked(session, T0 + timedelta(seconds=10), email="v@example.com", ip="192.0.2.1") is None


def test_purge_old(session):
    fail(session, T0 - timedelta(days=40))
    fail(session, T0)
    assert throttle.purge_old(session=session, now=T0) == 1


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    email=st.one_of(st.none(), st.integers(), st.text(max_size=400), st.sampled_from(["\ud800@x.com", "a" * 1000])),
    ip=st.one_of(st.none(), st.lists(st.integers()), st.text(max_size=100), st.just("\udfff")),
    succeeded=st.booleans(),
)
def test_junk_never_raises_anything_but_locked(session, email, ip, succeeded):
    throttle.record(session=session, email=email, ip_address=ip, succeeded=succeeded)
    session.commit()
    try:
        throttle.check(session=session, email=email, ip_address=ip)
    except Locked as exc:
        assert exc.until > T0
    assert isinstance(throttle.captcha_required(session=session, email=email), bool)


@pytest.mark.parametrize("n,expect", [(4, False), (5, True)])
def test_threshold_boundary_within_window(session, n, expect):
    # n failures all inside 14m59s of each other.
    for i in range(n):
        fail(session, T0 + timedelta(seconds=i * 224))
    assert (locked(session, T0 + timedelta(minutes=15)) is not None) is expect
