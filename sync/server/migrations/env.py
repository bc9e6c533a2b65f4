"""Alembic environment of the central server's database (PostgreSQL or SQLite); schema only."""

from __future__ import annotations

from typing import Any

from alembic import context

from sync.server.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from sqlalchemy import create_engine

        engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
        with engine.begin() as connection:
            _run(connection)
    else:
        _run(connection)


def _run(connection: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        version_table="alembic_version",
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
