"""user_roles.find_users: the admin's search for the Users & roles page."""

import pytest

from rxapp.models import Role
from rxapp.services import user_roles
from rxapp.services.errors import Forbidden
from tests.factories.rows import make_user


def test_admin_finds_users_by_part_of_their_email(session):
    admin = make_user(session, email="boss@vendor.test", role=Role.admin)
    make_user(session, email="alice@example.com")
    make_user(session, email="bob@example.com")
    make_user(session, email="carol_x@other.test", role=Role.reviewer)
    found = user_roles.find_users(session=session, actor_id=admin.id, query="EXAMPLE")
    assert [r["email"] for r in found] == ["alice@example.com", "bob@example.com"]
    assert found[0]["role"] == "customer"
    # "_" and "%" are literal characters, not wildcards.
    assert [r["email"] for r in user_roles.find_users(session=session, actor_id=admin.id, query="l_x")] == [
        "carol_x@other.test"
    ]
    assert user_roles.find_users(session=session, actor_id=admin.id, query="%") == []


def test_empty_query_lists_reviewers_and_admins(session):
    admin = make_user(session, email="boss@vendor.test", role=Role.admin)
    make_user(session, email="alice@example.com")
    make_user(session, email="rev@vendor.test", role=Role.reviewer)
    found = user_roles.find_users(session=session, actor_id=admin.id, query="  ")
    assert [r["email"] for r in found] == ["boss@vendor.test", "rev@vendor.test"]


@pytest.mark.parametrize("role", [Role.customer, Role.reviewer])
def test_only_an_admin_may_search(session, role):
    someone = make_user(session, role=role)
    with pytest.raises(Forbidden):
        user_roles.find_users(session=session, actor_id=someone.id, query="example")
    with pytest.raises(Forbidden):
        user_roles.find_users(session=session, actor_id=None, query="example")
