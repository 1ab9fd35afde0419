"""Where a browser goes after log-in (services.landing): the role's own page unless a safe next= says otherwise."""

from __future__ import annotations

import pytest

from rxapp import routes
from rxapp.models import Role
from rxapp.services import landing


@pytest.mark.parametrize(("role", "home"), [
    (Role.customer, routes.ACCOUNT_OVERVIEW),
    (Role.reviewer, routes.ADMIN),
    (Role.admin, routes.ADMIN),
    ("reviewer", routes.ADMIN),
    ("nobody", routes.ACCOUNT_OVERVIEW),
    (None, routes.ACCOUNT_OVERVIEW),
])
def test_each_role_lands_where_its_work_is(role, home):
    assert landing.after_log_in(role=role) == home
    assert landing.after_log_in(role=role, next_path=None) == home


@pytest.mark.parametrize("role", [Role.customer, Role.reviewer, Role.admin])
@pytest.mark.parametrize("next_path", [
    "/admin/insights", "%2Fadmin%2Fclaim%3Fid%3D7", "/promotions/history", "/account/profile", "/admin?x=1",
])
def test_a_safe_next_wins_for_every_role(role, next_path):
    from urllib.parse import unquote

    assert landing.after_log_in(role=role, next_path=next_path) == unquote(next_path)


@pytest.mark.parametrize("next_path", [
    "//evil.example/admin", "%2F%2Fevil.example", "https://evil.example/admin", "/admin\\@evil", "admin",
    "/login", "/adminx", "/\t/evil.example", "", 42, ["/admin"], "/" + "a" * 3000,
])
def test_an_unsafe_next_falls_back_to_the_roles_page(next_path):
    assert landing.after_log_in(role=Role.reviewer, next_path=next_path) == routes.ADMIN
    assert landing.after_log_in(role=Role.customer, next_path=next_path) == routes.ACCOUNT_OVERVIEW
