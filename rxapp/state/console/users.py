"""Users & Roles (administrators): find accounts, grant or remove the reviewer role.

Reviewers may open the page (it says it is for administrators); searching
and changing roles are declared ``@admin``, and ``services.user_roles``
checks the actor's role again.
"""

from __future__ import annotations

import reflex as rx

from rxapp import db
from rxapp.i18n import N_, _
from rxapp.db import write_session
from rxapp.models import Role
from rxapp.services import user_roles
from rxapp.services.errors import FieldErrors, Forbidden, NotFound
from rxapp.state import parse
from rxapp.state.session import admin, caller, reviewer


# A role as the table shows it (its English word is the value itself).
ROLE_WORDS = {Role.customer.value: N_("customer"), Role.reviewer.value: N_("reviewer"), Role.admin.value: N_("admin")}


class UsersState(rx.State):
    allowed: bool = False
    query: str = ""
    rows: list[dict[str, str]] = []
    message: str = ""
    form_key: int = 0

    def _search(self, actor_id: int) -> None:
        found = db.run(user_roles.find_users, actor_id=actor_id, query=self.query)
        self.rows = [
            {"id": str(u["user_id"]), "email": u["email"], "name": u["name"], "role": u["role"],
             "role_label": _(ROLE_WORDS.get(u["role"], u["role"])),
             "is_reviewer": "yes" if u["role"] == Role.reviewer.value else "",
             "is_admin": "yes" if u["role"] == Role.admin.value else ""}
            for u in found
        ]

    @reviewer
    async def load(self):
        viewer = caller()
        self.message = ""
        if not viewer.is_admin:
            self.allowed, self.rows = False, []
            return
        self.allowed = True
        try:
            self._search(viewer.user_id)
        except Forbidden:
            self.allowed, self.rows = False, []

    @admin
    async def search(self, form: dict):
        viewer = caller()
        self.query = parse.field(form, "query", 254, strip=True)
        self.message = ""
        try:
            self._search(viewer.user_id)
        except Forbidden:
            self.allowed, self.rows = False, []

    async def _set_role(self, user_id, role: Role):
        viewer = caller()
        uid = parse.positive_id(user_id)
        if uid is None:
            return
        try:
            with write_session() as s:
                user = user_roles.set_role(session=s, actor_id=viewer.user_id, user_id=uid, role=role)
                email = user.email
        except (Forbidden, NotFound, FieldErrors) as exc:
            self.message = exc.message
            return
        self.message = (_("{email} is now a reviewer.") if role == Role.reviewer
                        else _("{email} is no longer a reviewer.")).format(email=email)
        self._search(viewer.user_id)

    @admin
    async def grant_reviewer(self, user_id: str):
        return await self._set_role(user_id, Role.reviewer)

    @admin
    async def remove_reviewer(self, user_id: str):
        return await self._set_role(user_id, Role.customer)
