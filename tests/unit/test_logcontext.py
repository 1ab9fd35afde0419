"""Log lines carry the request's id and the claim's id, so one claim can be followed through the logs."""

from __future__ import annotations

import io
import logging

from rxapp import logcontext
from tests.unit.test_claims import submit, world  # noqa: F401 - the fixture is used by name


def _capture():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logcontext.ContextFilter())
    handler.setFormatter(logging.Formatter(logcontext.FORMAT))
    logger = logging.getLogger("rxapp")
    logger.addHandler(handler)
    old = logger.level
    logger.setLevel(logging.INFO)
    return stream, lambda: (logger.removeHandler(handler), logger.setLevel(old))


def test_a_claim_transition_logs_the_claim_and_the_request(session, world):
    stream, done = _capture()
    try:
        with logcontext.request_scope(logcontext.new_request_id("abcdef0123456789")) as request_id:
            claim = submit(session, world)
    finally:
        done()
    line = next(line for line in stream.getvalue().splitlines() if "under_review" in line)
    assert f"[req={request_id} claim={claim.id}]" in line
    assert request_id.startswith("abcdef01:") and "abcdef0123" not in request_id  # never the whole token


def test_lines_outside_a_request_or_a_claim_say_so():
    stream, done = _capture()
    try:
        logging.getLogger("rxapp.test").warning("plain")
    finally:
        done()
    assert "[req=- claim=-] plain" in stream.getvalue()


def test_install_is_idempotent():
    logger = logcontext.install()
    count = len(logger.handlers)
    logcontext.install()
    assert len(logger.handlers) == count
