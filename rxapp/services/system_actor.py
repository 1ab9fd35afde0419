"""The named system user that automatic decisions are made by, and how its name reads on a timeline.

Its password hash is no argon2 hash, so nobody can sign in as it; its address is in ``.invalid``
(RFC 2606), so no mail reaches anyone.  ``decision_policy`` decides as it; ``claim_history`` names
its events "Automatic decision" for the customer and the reviewer alike.
"""

from __future__ import annotations

import secrets

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from rxapp.i18n import N_
from rxapp.models import Region, Role, User

SYSTEM_EMAIL = "automatic-decision@system.invalid"
SYSTEM_NAME = N_("Automatic decision")


def system_actor(session: Session) -> User:
    """The system user (made the first time it is needed)."""
    user = session.exec(select(User).where(User.email == SYSTEM_EMAIL)).first()
    if user is not None:
        return user
    try:
        with session.begin_nested():
            # "!…" is no argon2 hash: nobody can sign in as the system.  Random, so it is no short string
            # that any text containing "!" would match (the frontend-secrets check compares hashes).
            user = User(email=SYSTEM_EMAIL, password_hash="!" + secrets.token_hex(32), first_name=SYSTEM_NAME,
                        region_code=_region(session), role=Role.reviewer)
            session.add(user)
    except IntegrityError:
        user = session.exec(select(User).where(User.email == SYSTEM_EMAIL)).one()
    return user


def _region(session: Session) -> str:
    return session.exec(select(Region.code).order_by(Region.code)).first() or "US"
