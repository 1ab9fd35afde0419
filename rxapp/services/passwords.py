"""Password hashing: the passlib API (from libpass) with argon2id.

A hash made with older parameters (or another scheme) verifies and is
flagged for an upgrade at the next log-in (``needs_update``).
"""

from __future__ import annotations

from passlib.context import CryptContext

_context = CryptContext(
    schemes=["argon2"],
    argon2__type="ID",
    argon2__memory_cost=19456,
    argon2__time_cost=2,
    argon2__parallelism=1,
)

# A real hash to verify against when the account does not exist, so a log-in
# for an unknown email spends the same time as one for a known email.
_DUMMY_HASH = _context.hash("not-a-real-password-only-for-timing")
DUMMY_HASH = _DUMMY_HASH  # a hash no password matches (a stand-in account's)


# passlib refuses longer secrets (PasswordSizeError); the sign-up rules stop well before.
MAX_BYTES = 4096


def acceptable(password: object) -> bool:
    """True when ``password`` can be hashed at all: a str that encodes to at most MAX_BYTES of UTF-8."""
    if not isinstance(password, str):
        return False
    try:
        return len(password.encode("utf-8")) <= MAX_BYTES
    except UnicodeEncodeError:  # lone surrogates, e.g. from a crafted JSON payload
        return False


def hash_password(password: str) -> str:
    return _context.hash(password)


def verify_password(password: object, password_hash: str | None) -> bool:
    """True when ``password`` matches ``password_hash``.

    With no hash, or a password that cannot be hashed (wrong type, too long,
    unencodable), it still spends one verification against a dummy hash and
    says False, so the answer takes the same time either way.  Never raises.
    """
    if not password_hash or not acceptable(password):
        _context.verify(password if acceptable(password) else "", _DUMMY_HASH)
        return False
    try:
        return _context.verify(password, password_hash)
    except (ValueError, TypeError):
        return False


def needs_update(password_hash: str) -> bool:
    return _context.needs_update(password_hash)
