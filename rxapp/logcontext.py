"""Log lines an operator can follow: each carries the request's id and, where there is one, the claim's.

* ``request_scope(request_id)`` (entered by the handler guard in
  ``state/session.py`` for every event: ``<client token prefix>:<event
  number>``) puts the request's id on every log line written meanwhile;
* ``claim_id=`` (``extra={"claim_id": …}``, as ``services/claim_events``
  does on each claim transition and the mail sender on each claim email)
  puts the claim's id on that line;
* ``install()`` (called by ``rxapp/rxapp.py`` and the CLI) adds the filter
  and a handler to the ``rxapp`` logger, writing
  ``… INFO rxapp.services.claim_events [req=3f9c2a1b:17 claim=42] claim 42 under_review -> approved``,
  so ``grep 'claim=42'`` shows one claim's story and ``grep 'req=3f9c2a1b:17'``
  one request's lines.

No Reflex import: services use it too.
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import logging
import sys

_request: contextvars.ContextVar[str] = contextvars.ContextVar("rxapp_request", default="-")
_counter = itertools.count(1)
FORMAT = "%(asctime)s %(levelname)s %(name)s [req=%(request_id)s claim=%(claim_id)s] %(message)s"


def new_request_id(client_token: object) -> str:
    """A request id: the client's token prefix (never the whole token) and a running number."""
    prefix = client_token[:8] if isinstance(client_token, str) and client_token else "anon"
    return f"{prefix}:{next(_counter)}"


def current_request_id() -> str:
    return _request.get()


@contextlib.contextmanager
def request_scope(request_id: str):
    token = _request.set(request_id)
    try:
        yield request_id
    finally:
        try:
            _request.reset(token)
        except ValueError:  # left from another context (a resumed generator): just clear
            _request.set("-")


class ContextFilter(logging.Filter):
    """Adds ``request_id`` and ``claim_id`` (``-`` when none) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = _request.get()
        if getattr(record, "claim_id", None) is None:
            record.claim_id = "-"
        return True


def install(level: int = logging.INFO) -> logging.Logger:
    """Log the app's lines (``rxapp.*``) to stderr with both ids; idempotent."""
    logger = logging.getLogger("rxapp")
    if not any(isinstance(h, _Handler) for h in logger.handlers):
        handler = _Handler(sys.stderr)
        handler.addFilter(ContextFilter())
        handler.setFormatter(logging.Formatter(FORMAT))
        logger.addHandler(handler)
    logger.setLevel(level)
    return logger


class _Handler(logging.StreamHandler):
    """The app's own handler (so ``install`` can tell it from others)."""
