"""Shared fixtures: a fresh, migrated database per test.

SQLite (a file per test) by default.  Set RXAPP_TEST_DATABASE_URL (e.g.
postgresql://postgres@127.0.0.1:5432/test; MEMBER_CENTER_PG_URL is the old
name) to also run the tests marked ``postgres``, each on a database of its own
on that server.  In the second pass of ``make test`` (RXAPP_TEST_PASS=distributed,
see ``tests/distributed.py``) every database test runs on PostgreSQL.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlmodel import Session

from rxapp import db
from tests import distributed


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only: about SQLite itself; not run in the PostgreSQL pass")
    config.addinivalue_line("markers", "in_process: needs the app in the test's own process (not the cluster)")


def pytest_collection_modifyitems(config, items):
    if not distributed.ACTIVE:
        return
    sqlite_only = pytest.mark.skip(reason="about SQLite itself: the first pass ran it")
    in_process = pytest.mark.skip(reason="needs the app in this process; the distributed pass runs it elsewhere")
    no_db = pytest.mark.skip(reason="no database here: the first pass ran it")
    for item in items:
        if "sqlite_only" in item.keywords:
            item.add_marker(sqlite_only)
        elif "in_process" in item.keywords:
            item.add_marker(in_process)
        elif "tests/unit" in str(item.fspath) and not {"db_url", "pg_url"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(no_db)


def pytest_sessionfinish(session, exitstatus):
    if distributed.SERVER_URL and distributed.created_any():
        distributed.drop_leftovers()


@pytest.fixture(scope="session")
def pg_template():
    """A migrated PostgreSQL database that each test's database is cloned from (fast)."""
    url = distributed.new_database(tag="template")
    db.migrate(url)
    db._engines.pop(url).dispose()
    return url


@pytest.fixture(scope="session")
def pg_shared():
    """The distributed pass's one migrated database for the database tests (emptied before each)."""
    url = distributed.new_database(tag="unit")
    db.migrate(url)
    return url


@pytest.fixture()
def db_url(tmp_path: Path, request):
    if distributed.ACTIVE:
        url = request.getfixturevalue("pg_shared")
        distributed.empty_database(url)
        yield url
        return
    url = f"sqlite:///{tmp_path / 'test.db'}"
    db.migrate(url)
    yield url


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


@pytest.fixture()
def pg_url(request):
    """A clean, migrated PostgreSQL database of this test's own, or a skip when none is configured."""
    if not distributed.SERVER_URL:
        pytest.skip("RXAPP_TEST_DATABASE_URL is not set")
    url = distributed.new_database(template=request.getfixturevalue("pg_template"))
    yield url
    distributed.drop_database(url)
