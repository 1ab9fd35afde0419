"""The second test pass: PostgreSQL + Redis, the engines of a multi-host deployment.

``make test`` runs every test once on SQLite (the default, what a fresh
machine has) and, when ``RXAPP_TEST_DATABASE_URL`` and ``RXAPP_TEST_REDIS_URL``
are set, the database, state and browser tests a second time with
``RXAPP_TEST_PASS=distributed``:

* each database test gets a database of its own on that server, cloned from
  a migrated template made once per run, and dropped after the test;
* the state tests run on a demo-seeded PostgreSQL database of their own, their
  tabs kept by Reflex's Redis state manager in a Redis db of their own
  (``RXAPP_TEST_STATE_REDIS=0`` keeps them in memory instead);
* the browser tests run against two app instances behind nginx
  (``tests/e2e/cluster.py``), on a database and a Redis db of their own.

Everything this run creates carries its run id and is removed at the end:
databases ``rxapp_test_<run>_…`` and the Redis db it claimed (the first empty
one of 1–15, claimed with a marker key and flushed afterwards).
"""

from __future__ import annotations

import itertools
import os
import secrets

import sqlalchemy as sa

ACTIVE = os.environ.get("RXAPP_TEST_PASS") == "distributed"
SERVER_URL = os.environ.get("RXAPP_TEST_DATABASE_URL") or os.environ.get("MEMBER_CENTER_PG_URL", "")
REDIS_URL = os.environ.get("RXAPP_TEST_REDIS_URL", "")
RUN_ID = f"{os.getpid()}_{secrets.token_hex(3)}"
_counter = itertools.count(1)
_OWNER_KEY = "rxapp-test-run"


def _admin_engine() -> sa.Engine:
    return sa.create_engine(SERVER_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def _url_for(name: str) -> str:
    return sa.engine.make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)


def created_any() -> bool:
    return _created


_created = False


def new_database(*, template: str | None = None, tag: str = "db") -> str:
    """A new empty (or ``template``-cloned) database on the test server; returns its URL."""
    global _created
    _created = True
    name = f"rxapp_test_{RUN_ID}_{tag}{next(_counter)}"
    clause = f" TEMPLATE {sa.engine.make_url(template).database}" if template else ""
    engine = _admin_engine()
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"{clause}')
    finally:
        engine.dispose()
    return _url_for(name)


def empty_database(url: str) -> None:
    """Every table of the app emptied, ids restarting at 1: a fresh database at a fraction of the cost.

    DELETE, children first, and the sequences set back (TRUNCATE takes about a second here).
    """
    from rxapp import db
    from rxapp.models import SQLModel

    with db.get_engine(url).begin() as conn:
        for table in reversed(SQLModel.metadata.sorted_tables):
            conn.exec_driver_sql(f'DELETE FROM "{table.name}"')
        conn.exec_driver_sql(
            "SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'S' AND n.nspname = 'public'"
        )


def drop_database(url: str) -> None:
    from rxapp import db

    engine = db._engines.pop(url, None)
    if engine is not None:
        engine.dispose()
    admin = _admin_engine()
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{sa.engine.make_url(url).database}" WITH (FORCE)')
    finally:
        admin.dispose()


def drop_leftovers() -> None:
    """Drop every database of this run (a test that failed half-way may leave one)."""
    admin = _admin_engine()
    try:
        with admin.connect() as conn:
            names = [r[0] for r in conn.exec_driver_sql(
                "SELECT datname FROM pg_database WHERE datname LIKE %(p)s", {"p": f"rxapp_test_{RUN_ID}_%"}
            )]
            for name in names:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


def claim_redis_db() -> str:
    """The URL of an empty Redis db (1–15) on the test server, marked as this run's."""
    import redis

    base = sa.engine.make_url(REDIS_URL.replace("redis://", "postgresql://", 1))  # host/port parsing only
    for number in range(1, 16):
        url = f"redis://{base.host or '127.0.0.1'}:{base.port or 6379}/{number}"
        client = redis.Redis.from_url(url)
        try:
            if client.dbsize() == 0 and client.set(_OWNER_KEY, RUN_ID, nx=True):
                return url
        finally:
            client.close()
    raise RuntimeError("no empty Redis db (1-15) for the distributed test pass")


def release_redis_db(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        if client.get(_OWNER_KEY) in (RUN_ID.encode(), None):
            client.flushdb()
    finally:
        client.close()
