"""Alembic environment: runs the migrations on the connection `compliance.store` hands over.

In: `config.attributes["connection"]` (an open connection inside a transaction), or else the
`sqlalchemy.url` option. Out: the schema at the requested revision. No `fileConfig` here: the
application's logging stays as the application set it.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from compliance.store.engine import make_engine, migrating
from compliance.store.tables import Base

config = context.config
target_metadata = Base.metadata


def run_offline() -> None:
    """Write the migration SQL for `sqlalchemy.url` instead of running it."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_on(connection: Connection) -> None:
    """Run the migrations on `connection`; batch mode lets later revisions alter SQLite tables."""
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Run on the given connection, or on a new engine for `sqlalchemy.url` in one transaction."""
    connection = config.attributes.get("connection")
    if connection is not None:
        run_on(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with migrating(engine) as new_connection:
            run_on(new_connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
