"""Alembic environment: the app's own database URL and metadata.

`alembic upgrade head` and `reflex db migrate` both land here; the URL comes
from rxapp.settings (DATABASE_URL, default SQLite in data/), unless a caller
passes a connection in ``config.attributes["connection"]``.
"""

from logging.config import fileConfig

from alembic import context
from sqlmodel import SQLModel

from rxapp import db, models  # noqa: F401 - models fill SQLModel.metadata

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = SQLModel.metadata


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    from rxapp import settings

    context.configure(
        url=settings.get().database_url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    with db.get_engine().connect() as connection:
        _run(connection)
        connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
