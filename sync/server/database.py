"""The server's database: engine for PostgreSQL or SQLite, write transactions, migrations; no rules."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy issues BEGIN itself (see _on_begin); pysqlite's own handling is unreliable.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # SQLite has no row locks: writers take the database's write lock at BEGIN, which
    # serialises numbering the way SELECT … FOR UPDATE does on PostgreSQL.
    mode = "BEGIN IMMEDIATE" if conn.get_execution_options().get("clerk_write") else "BEGIN"
    conn.exec_driver_sql(mode)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, future=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
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
