"""Engine and sessions for the one database (no Reflex import).

SQLite runs with WAL and foreign keys on; PostgreSQL is used as it is.
Services receive a ``Session``; callers own the transaction with
``session_scope()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import Session

from rxapp import settings

_engines: dict[str, sa.Engine] = {}


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=15000")
    cur.close()


def _strip(value):
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_strip(v) for v in value)
    return value


def _no_nul_characters(_conn, _cursor, statement, parameters, _context, _executemany):
    """Drop NUL characters from every text a statement carries, on every engine.

    PostgreSQL refuses them in text ("cannot contain NUL (0x00) bytes") and
    SQLite would store them: a NUL typed or sent by a client (a user agent, an
    email field) would fail a log-in on one engine and be kept on the other.
    One place, so no text column needs its own check.
    """
    return statement, _strip(parameters)


def make_engine(url: str) -> sa.Engine:
    """A new engine for ``url`` with this project's connection settings."""
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 15},
            pool_size=10,
            max_overflow=20,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "before_cursor_execute", _no_nul_characters, retval=True)
        # Let SQLAlchemy issue BEGIN itself, so BEGIN IMMEDIATE can be chosen per use.
        return engine
    engine = sa.create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    event.listen(engine, "before_cursor_execute", _no_nul_characters, retval=True)
    return engine


def get_engine(url: str | None = None) -> sa.Engine:
    """The shared engine for ``url`` (default: the configured database)."""
    url = url or settings.get().database_url
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]


def dispose_all() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back on error."""
    with Session(get_engine(url), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def execute(session: Session, statement, params: dict | None = None) -> sa.CursorResult:
    """Run a prebuilt Core statement (built once, with ``sa.bindparam``) on the session's connection.

    The hot paths (the session guard before every event, the S/N hint on every keystroke, the All
    Promotions page) build their statements once at import: building one per call (SQLAlchemy's
    coercions) cost more than running it, and the connection skips the ORM's execution layer.  What
    the session holds unflushed is flushed first, as ``session.execute`` would (autoflush), so a
    statement sees the caller's own changes.
    """
    if session.new or session.dirty or session.deleted:
        session.flush()
    return session.connection().execute(statement, params or {})


def run(fn, /, **kwargs):
    """``fn(session=…, **kwargs)`` in a transaction of its own: a handler's one service call."""
    with session_scope() as session:
        return fn(session=session, **kwargs)


def run_writing(fn, /, **kwargs):
    """``run`` in a *writing* transaction (``write_session``: SQLite's write lock taken up front)."""
    with write_session() as session:
        return fn(session=session, **kwargs)


def alembic_config(connection=None):
    """Alembic's config for this project, optionally bound to a connection."""
    from alembic.config import Config

    cfg = Config(str(settings.PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(settings.PROJECT_ROOT / "alembic"))
    cfg.attributes["configure_logger"] = False
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def migrate(url: str | None = None) -> None:
    """Bring the database at ``url`` to the newest migration (idempotent).

    On PostgreSQL an advisory lock keeps several starting workers from
    migrating at once; SQLite serialises writers by itself.
    """
    from alembic import command

    engine = get_engine(url)
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_lock(727274)"))
        try:
            command.upgrade(alembic_config(connection), "head")
            connection.commit()
        finally:
            if connection.dialect.name == "postgresql":
                connection.execute(sa.text("SELECT pg_advisory_unlock(727274)"))
                connection.commit()


@contextmanager
def write_session(url: str | None = None) -> Iterator[Session]:
    """One *writing* transaction: like ``session_scope``, but on SQLite it
    starts with ``BEGIN IMMEDIATE``.

    SQLite allows one writer at a time.  A deferred transaction that read first
    and writes later can fail at once with "database is locked" when another
    writer committed in between (the busy timeout cannot help an upgrade).
    Taking the write lock up front makes concurrent writers queue politely
    (up to the 15 s busy timeout) and lets them read what they will change.
    PostgreSQL needs nothing special here.
    """
    with Session(get_engine(url), expire_on_commit=False) as session:
        try:
            if session.get_bind().dialect.name == "sqlite":
                session.connection().exec_driver_sql("BEGIN IMMEDIATE")
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
