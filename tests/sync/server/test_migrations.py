"""The server's migrations build exactly its models, on PostgreSQL and on SQLite."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from sync.server.database import ServerDatabase
from sync.server.models import Base


def test_server_migrations_build_exactly_the_models(server_db_url: str) -> None:
    db = ServerDatabase(server_db_url)
    db.migrate()
    assert db.current_revision() == "0006"
    with db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    db.close()
