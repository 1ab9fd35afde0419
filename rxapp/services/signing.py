"""Short-lived signed tokens (HMAC-SHA256 with the app's secret key).

Used for links that must work without a session lookup but must not be
guessable or reusable forever: private file links, email verification.
A token is ``base64url(payload).expiry.signature``; the purpose is part of
the signed text, so a token for one purpose never verifies for another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

from rxapp import settings


class BadSignature(Exception):
    """The token is malformed, forged, for another purpose or expired."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(purpose: str, body: str, key: str | None) -> str:
    secret = (key or settings.get().secret_key).encode()
    return _b64(hmac.new(secret, f"{purpose}|{body}".encode(), hashlib.sha256).digest())


def sign(purpose: str, payload: dict, ttl_seconds: int, *, key: str | None = None, now: float | None = None) -> str:
    """A token carrying ``payload`` for ``purpose``, valid for ``ttl_seconds``."""
    expires = int((now if now is not None else time.time()) + ttl_seconds)
    body = f"{_b64(json.dumps(payload, separators=(',', ':'), sort_keys=True).encode())}.{expires}"
    return f"{body}.{_mac(purpose, body, key)}"


def verify(purpose: str, token: str, *, key: str | None = None, now: float | None = None) -> dict:
    """The payload of a valid token; raises ``BadSignature`` otherwise."""
    try:
        data, expires, mac = token.split(".")
        body = f"{data}.{expires}"
        if not hmac.compare_digest(mac, _mac(purpose, body, key)):
            raise BadSignature("bad signature")
        if int(expires) < (now if now is not None else time.time()):
            raise BadSignature("expired")
        payload = json.loads(_unb64(data))
    except BadSignature:
        raise
    except Exception:  # noqa: BLE001 - any malformed token is simply bad
        raise BadSignature("malformed") from None
    if not isinstance(payload, dict):
        raise BadSignature("malformed")
    return payload
