"""Migration 0002 builds exactly the secretary's models, and goes down to 0001 cleanly."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from clerk_app.storage import secretary_models
from clerk_app.storage.database import Database, alembic_config
from clerk_app.storage.models import Base
from clerk_app.storage.schema import METADATA, include_object

TABLES = {
    m.__tablename__
    for m in vars(secretary_models).values()
    if isinstance(m, type) and issubclass(m, Base) and m is not Base
}


def _move(db: Database, direction: str, target: str) -> None:
    config = alembic_config(db.engine)
    with db.engine.begin() as conn:
        config.attributes["connection"] = conn
        getattr(command, direction)(config, target)


def test_0002_builds_the_secretary_tables_and_goes_down(tmp_path: Path) -> None:
    assert {
        "calendar_override",
        "delegation",
        "instruction",
        "assignment",
        "handover_entry",
        "assigned_task",
        "task_status_update",
    } == TABLES
    db = Database(tmp_path / "s.sqlite3")
    _move(db, "upgrade", "0002")
    with db.engine.connect() as conn:
        # Later desks' migrations may not be applied here; only differences naming ours count.
        context = MigrationContext.configure(conn, opts={"include_object": include_object})
        diffs = compare_metadata(context, METADATA)
    assert [d for d in diffs if any(t in repr(d) for t in TABLES)] == []
    _move(db, "downgrade", "0001")
    with db.engine.connect() as conn:
        assert not TABLES & set(inspect(conn).get_table_names())
    _move(db, "upgrade", "0002")
    with db.engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) >= TABLES
    db.close()
