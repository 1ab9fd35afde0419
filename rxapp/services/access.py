"""Who may do what: the one place where a service checks the acting user's role.

Every service whose rule depends on who acts takes the actor's id and calls
one of these first, inside its own transaction: the role is read from the
database at that moment, never taken from a flag the caller passes.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session

from rxapp import db
from rxapp.i18n import N_, _
from rxapp.models import Role, User
from rxapp.services.errors import Forbidden

REVIEWER_ROLES = frozenset({Role.reviewer, Role.admin})

# English sources (``N_``), raised in the language of the event (``_``).
MSG_REVIEWERS_ONLY = N_("Only reviewers can do this. Please sign in with a reviewer account.")
MSG_ADMINS_ONLY = N_("Only an administrator can do this.")


_ROLE = sa.select(User.__table__.c.role).where(User.__table__.c.id == sa.bindparam("user_id", type_=sa.Integer))


def _valid_id(user_id: object) -> bool:
    return isinstance(user_id, int) and not isinstance(user_id, bool) and 0 < user_id < 2**63


def _user(session: Session, user_id: object) -> User | None:
    return session.get(User, user_id) if _valid_id(user_id) else None


def role_of(session: Session, user_id: object) -> Role | None:
    """The role of user ``user_id`` as stored now (None: no such user), without loading the row."""
    if not _valid_id(user_id):
        return None
    role = db.execute(session, _ROLE, {"user_id": user_id}).scalar()
    return None if role is None else Role(role)


def is_reviewer(user: User | None) -> bool:
    return user is not None and Role(user.role) in REVIEWER_ROLES


def require_user(*, session: Session, user_id: object) -> User:
    """The acting user (any role). Raises ``Forbidden`` for an unknown id."""
    user = _user(session, user_id)
    if user is None:
        raise Forbidden(_("Please log in again."))
    return user


def check_reviewer(*, session: Session, user_id: object) -> None:
    """Raises ``Forbidden`` unless ``user_id`` is a reviewer or an admin: the check of every reviewer's
    service that does not need the acting user's row (the queue's pages, one claim, the insights, the
    edits that record only the actor's id): one indexed read of the role alone (loading the ORM row was
    half of a queue page's time)."""
    if role_of(session, user_id) not in REVIEWER_ROLES:
        raise Forbidden(_(MSG_REVIEWERS_ONLY))


def require_reviewer(*, session: Session, user_id: object) -> User:
    """The acting user when a reviewer or an admin (for a service that records who acted). Raises
    ``Forbidden`` otherwise."""
    user = _user(session, user_id)
    if not is_reviewer(user):
        raise Forbidden(_(MSG_REVIEWERS_ONLY))
    return user


def require_admin(*, session: Session, user_id: object, message: str = MSG_ADMINS_ONLY) -> User:
    """The acting user when an admin. Raises ``Forbidden`` otherwise (``message``: an English source marked
    with ``N_``, raised in the event's language)."""
    user = _user(session, user_id)
    if user is None or Role(user.role) is not Role.admin:
        raise Forbidden(_(message))
    return user
