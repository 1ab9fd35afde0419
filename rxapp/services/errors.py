"""Small, named errors that services raise and states turn into messages."""

from __future__ import annotations


class ServiceError(Exception):
    """Base of every rule violation a service reports to its caller."""

    def __init__(self, message: str = ""):
        super().__init__(message)
        self.message = message


class FieldErrors(ServiceError):
    """Bad input: one message per form field, shown under that field."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


class NotFound(ServiceError):
    """The thing does not exist, or does not belong to the caller (same answer)."""


class Forbidden(ServiceError):
    """The caller may not do this (no session, wrong role)."""


class Conflict(ServiceError):
    """The data changed under the caller, or the action was already done."""


class Locked(ServiceError):
    """Too many tries; ``until`` says when the next try is allowed."""

    def __init__(self, message: str, until):
        super().__init__(message)
        self.until = until
