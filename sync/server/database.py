"""The server's database: engine for PostgreSQL or SQLite, write transactions, migrations; no rules."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session

from clerk_app.storage.database import begin_sqlite, sqlite_pragmas

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, future=True)
        # The desk's hooks: WAL, synchronous=FULL, and BEGIN IMMEDIATE for writers, which on
        # SQLite (no row locks) serialises numbering the way SELECT … FOR UPDATE does on
        # PostgreSQL. A longer busy timeout: many desks write to one server.
        event.listen(engine, "connect", sqlite_pragmas(busy_timeout_ms=30_000))
        event.listen(engine, "begin", begin_sqlite)
        return engine
    return create_engine(url, future=True, pool_size=10, max_overflow=10, pool_pre_ping=True)


class ServerDatabase:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"

    @contextmanager
    def write(self) -> Iterator[Session]:
        with self.engine.connect() as conn:
            conn = conn.execution_options(clerk_write=True)
            with Session(bind=conn, expire_on_commit=False) as session, session.begin():
                yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(bind=self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    def migrate(self) -> None:
        from alembic import command

        config = alembic_config(self.url)
        with self.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    def current_revision(self) -> str | None:
        with self.engine.connect() as conn:
            try:
                row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
            except Exception:
                return None
            return None if row is None else str(row[0])

    def close(self) -> None:
        self.engine.dispose()


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config
