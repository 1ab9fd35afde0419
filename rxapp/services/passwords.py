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


def hash_password(password: str) -> str:
    return _context.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """True when ``password`` matches; with no hash, burns the same time and says False."""
    if not password_hash:
        _context.verify(password, _DUMMY_HASH)
        return False
    try:
        return _context.verify(password, password_hash)
    except (ValueError, TypeError):
        return False


def needs_update(password_hash: str) -> bool:
    return _context.needs_update(password_hash)
