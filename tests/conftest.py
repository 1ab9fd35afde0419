"""Shared fixtures: a fresh, migrated SQLite database file per test.

Set MEMBER_CENTER_PG_URL (e.g. postgresql://postgres@127.0.0.1:5432/test) to
also run the tests marked ``postgres`` against a real PostgreSQL.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlmodel import Session

from rxapp import db


@pytest.fixture()
def db_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'test.db'}"
    db.migrate(url)
    return url


@pytest.fixture()
def engine(db_url):
    engine = db.get_engine(db_url)
    yield engine
    engine.dispose()
    db._engines.pop(db_url, None)


@pytest.fixture()
def session(engine):
    """A session on a fresh migrated database; the test commits as it likes."""
    with Session(engine, expire_on_commit=False) as s:
        yield s


PG_URL = os.environ.get("MEMBER_CENTER_PG_URL", "")


@pytest.fixture()
def pg_url():
    """A clean, migrated PostgreSQL database, or a skip when none is configured."""
    if not PG_URL:
        pytest.skip("MEMBER_CENTER_PG_URL is not set")
    import sqlalchemy as sa

    engine = sa.create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    db.migrate(PG_URL)
    yield PG_URL
    db._engines.pop(PG_URL, None)
