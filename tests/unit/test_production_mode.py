"""Demo off means no demo: accounts a demo seed made cannot log in, nor keep a session."""

from __future__ import annotations

import pytest

from rxapp import settings
from rxapp.models import Role
from rxapp.services import accounts, demo_seed, sessions
from rxapp.services.errors import FieldErrors
from tests.factories.rows import PASSWORD, make_user


@pytest.fixture
def demo_env(monkeypatch):
    def set_demo(on: bool):
        monkeypatch.setenv("RXAPP_DEMO", "1" if on else "0")
        settings.reset()

    yield set_demo
    settings.reset()


@pytest.mark.parametrize("email", sorted(demo_seed.DEMO_EMAILS))
def test_a_demo_seeded_account_is_refused_when_demo_mode_is_off(session, email):
    make_user(session, email=email, role=Role.admin)
    session.commit()
    with pytest.raises(FieldErrors) as refused:
        accounts.authenticate(session=session, email=email, password=PASSWORD, ip_address="203.0.113.9",
                              demo_mode=False)
    assert refused.value.errors == {"password": accounts.MSG_LOGIN_FAILED}  # the same as a wrong password
    user = accounts.authenticate(session=session, email=email, password=PASSWORD, ip_address="203.0.113.9",
                                 demo_mode=True)
    assert user.email == email


def test_the_default_follows_the_app_setting(session, demo_env):
    email = demo_seed.DEMO_USERS[0].email
    make_user(session, email=email)
    session.commit()
    demo_env(False)
    with pytest.raises(FieldErrors):
        accounts.authenticate(session=session, email=email, password=PASSWORD, ip_address="")
    demo_env(True)
    assert accounts.authenticate(session=session, email=email, password=PASSWORD, ip_address="").email == email


def test_a_real_account_logs_in_with_demo_mode_off(session):
    make_user(session, email="real.customer@example.com")
    session.commit()
    user = accounts.authenticate(session=session, email="real.customer@example.com", password=PASSWORD,
                                 ip_address="", demo_mode=False)
    assert user.email == "real.customer@example.com"


def test_a_demo_accounts_session_ends_when_demo_mode_is_off(session, demo_env):
    demo_env(True)
    user = make_user(session, email=demo_seed.DEMO_USERS[2].email, role=Role.reviewer)
    token, _login = sessions.create(session=session, user_id=user.id, user_agent="t", ip_address="")
    assert sessions.resolve(session=session, token=token) is not None
    demo_env(False)
    assert sessions.resolve(session=session, token=token) is None
