"""Users & roles: an admin finds accounts and gives them the customer, reviewer or admin role."""

from __future__ import annotations

from sqlmodel import Session, select

from rxapp.i18n import N_, _
from rxapp.models import Role, User
from rxapp.services import access, account_fields
from rxapp.services.errors import FieldErrors, Forbidden


def set_role(*, session: Session, actor_id: int, user_id: int, role: Role | str) -> User:
    """Give ``user_id`` the role (flushed).  Only an admin may change roles, and
    an admin cannot take the admin role away from themselves.

    Raises ``Forbidden``, ``NotFound``, or ``FieldErrors({"role": …})`` for an unknown role.
    """
    actor = access.require_admin(session=session, user_id=actor_id, message=N_("Only an administrator can change roles."))
    try:
        new_role = Role(role)
    except ValueError:
        raise FieldErrors({"role": _("Please choose customer, reviewer or admin.")}) from None
    user = account_fields.get_user(session, user_id)
    if user.id == actor.id and new_role is not Role.admin:
        raise Forbidden(_("You cannot remove your own administrator role. Ask another administrator."))
    user.role = new_role
    session.add(user)
    session.flush()
    return user


def find_users(*, session: Session, actor_id: int, query: str, limit: int = 25) -> list[dict]:
    """Accounts whose email contains ``query`` (any case), for the admin's Users & roles page.

    An empty query lists the reviewers and admins.  Each row: user_id, email,
    name, role.  Raises ``Forbidden`` unless ``actor_id`` is an admin.
    """
    access.require_admin(session=session, user_id=actor_id, message=N_("Only an administrator can manage roles."))
    text = " ".join(str(query or "").split()).lower()[:254]
    stmt = select(User)
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(User.email.like(f"%{escaped}%", escape="\\"))
    else:
        stmt = stmt.where(User.role.in_([Role.reviewer, Role.admin]))
    rows = session.exec(stmt.order_by(User.email).limit(max(1, min(int(limit), 100)))).all()
    return [
        {
            "user_id": u.id,
            "email": u.email,
            "name": f"{u.first_name} {u.last_name}".strip(),
            "role": u.role.value,
        }
        for u in rows
    ]
