"""The server's database: engine for PostgreSQL or SQLite, write transactions, migrations; no rules."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session

from clerk_app.storage.database import begin_sqlite, sqlite_pragmas

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
SQLITE_BUSY_MS = 30_000


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, future=True)
        # The desk's hooks: WAL, synchronous=FULL, and BEGIN IMMEDIATE for writers, which on
        # SQLite (no row locks) serialises numbering the way SELECT … FOR UPDATE does on
        # PostgreSQL. A longer busy timeout: many desks write to one server.
        event.listen(engine, "connect", sqlite_pragmas(busy_timeout_ms=SQLITE_BUSY_MS))
        event.listen(engine, "begin", begin_sqlite)
        return engine
    return create_engine(url, future=True, pool_size=10, max_overflow=10, pool_pre_ping=True)


class WriterQueue:
    """This process's SQLite writers, let in one at a time in the order they asked.

    SQLite has one write lock for the whole database, and a writer refused it at BEGIN
    IMMEDIATE does not wait on the lock: it sleeps and tries again (1, 2, 5 … 100 ms apart).
    A scan's row (a few ms) asking while a batch of registrations holds the lock slept on
    well past its release, and each later batch could take the lock in between: 0.2–0.5 s
    lost per scan in an upload. Queued here, a writer is handed the lock the moment the one
    before it commits. Other processes (the admin's commands) still meet SQLite's own wait;
    a writer nested in another on the same thread, or one that waited `timeout_s` in vain,
    goes on to BEGIN IMMEDIATE as before and meets it too."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._held = False
        self._owner: int | None = None
        self._waiting: deque[threading.Event] = deque()

    def enter(self, timeout_s: float) -> bool:
        """Wait for this thread's turn; False when it was not taken (see above)."""
        me = threading.get_ident()
        with self._guard:
            if self._owner == me:
                return False
            if not self._held:
                self._held, self._owner = True, me
                return True
            turn = threading.Event()
            self._waiting.append(turn)
        handed = turn.wait(timeout_s)
        with self._guard:
            if handed or turn.is_set():  # handed over, perhaps just as the wait ran out
                self._owner = me
                return True
            self._waiting.remove(turn)
            return False

    def leave(self) -> None:
        with self._guard:
            self._owner = None
            if self._waiting:
                self._waiting.popleft().set()  # still held: now the next writer's
            else:
                self._held = False


class ServerDatabase:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        # PostgreSQL needs no queue: its writers lock rows (the agency's, a counter's), and a
        # scan's row waits for no registration.
        self._writers = WriterQueue() if self.is_sqlite else None

    @contextmanager
    def write(self) -> Iterator[Session]:
        queued = self._writers is not None and self._writers.enter(SQLITE_BUSY_MS / 1000)
        try:
            with self.engine.connect() as conn:
                conn = conn.execution_options(clerk_write=True)
                with Session(bind=conn, expire_on_commit=False) as session, session.begin():
                    yield session
        finally:
            if queued:
                assert self._writers is not None
                self._writers.leave()

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
