"""Opening the desk database: engine, SQLite pragmas, transactions, migrations; no domain rules."""

from __future__ import annotations

import os
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from clerk_app import errors

DB_FILENAME = "clerk.sqlite3"
# Bumped with every migration; tests check it equals Alembic's head, so opening an up-to-date
# database needs no Alembic import (start-up time matters for a desk opened all day).
HEAD_REVISION = "0010"

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

# File systems on which SQLite's locking is unreliable and the database corrupts.
_NETWORK_FS = {
    "nfs",
    "nfs4",
    "cifs",
    "smb",
    "smb2",
    "smb3",
    "smbfs",
    "ncpfs",
    "afs",
    "9p",
    "fuse.sshfs",
    "sshfs",
    "fuse.rclone",
    "davfs",
    "fuse.davfs2",
    "glusterfs",
    "ceph",
    "fuse.glusterfs",
    "lustre",
    "gpfs",
}


def mount_fs_type(path: Path, mounts_text: str | None = None) -> str:
    """File-system type of the mount holding `path` (Linux /proc/mounts); '' when unknown."""
    if mounts_text is None:
        try:
            mounts_text = Path("/proc/mounts").read_text()
        except OSError:
            return ""
    best, best_type = "", ""
    target = str(path.resolve())
    for line in mounts_text.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        mount_point = parts[1].replace("\\040", " ")
        inside = target == mount_point or target.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) >= len(best):
            best, best_type = mount_point, parts[2]
    return best_type


def refuse_network_share(data_dir: Path, mounts_text: str | None = None) -> None:
    """Raise NetworkShareRefused when `data_dir` lies on a network file system."""
    if sys.platform == "win32":
        resolved = str(data_dir.resolve())
        if resolved.startswith("\\\\"):
            raise errors.NetworkShareRefused(str(data_dir), "UNC")
        import ctypes

        drive = os.path.splitdrive(resolved)[0] + "\\"
        if ctypes.windll.kernel32.GetDriveTypeW(drive) == 4:  # type: ignore[attr-defined]
            raise errors.NetworkShareRefused(str(data_dir), "ổ mạng")
        return
    fs_type = mount_fs_type(data_dir, mounts_text)
    if fs_type in _NETWORK_FS:
        raise errors.NetworkShareRefused(str(data_dir), fs_type)


# The desk checkpoints its WAL and merges its search index when idle (Database.maintain);
# SQLite's own checkpoint, which would otherwise run inside a registration's COMMIT every
# 1,000 pages, is kept only as a backstop for processes that never idle (scripts, bulk loads).
DESK_AUTOCHECKPOINT_PAGES = 10_000
# How long a desk waits for another process's write lock before telling the clerk it is locked.
BUSY_TIMEOUT_MS = 10_000


def sqlite_pragmas(
    synchronous: str = "FULL",
    busy_timeout_ms: int = 10_000,
    autocheckpoint_pages: int | None = None,
) -> Any:
    """The connect hook of every SQLite engine of the project (desk and embedded server)."""

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN (pysqlite's own handling is unreliable).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        if autocheckpoint_pages is not None:
            cursor.execute(f"PRAGMA wal_autocheckpoint={int(autocheckpoint_pages)}")
        cursor.close()

    return on_connect


def begin_sqlite(conn: Any) -> None:
    # Writers take the write lock at BEGIN so two desks' processes never both read the same
    # "last number"; readers begin deferred and never block writers under WAL.
    mode = "BEGIN IMMEDIATE" if conn.get_execution_options().get("clerk_write") else "BEGIN"
    conn.exec_driver_sql(mode)


def make_engine(db_path: Path, synchronous: str = "FULL") -> Engine:
    """Engine for the desk database.

    FULL, not NORMAL: under WAL, NORMAL can lose a committed numbering transaction on power
    loss, and a number already printed on paper would then be issued again. Only bulk loads
    of a fresh demo, which have nothing to lose, pass OFF.
    """
    engine = create_engine(f"sqlite:///{db_path}", future=True)
    event.listen(
        engine,
        "connect",
        sqlite_pragmas(
            synchronous,
            busy_timeout_ms=BUSY_TIMEOUT_MS,
            autocheckpoint_pages=DESK_AUTOCHECKPOINT_PAGES,
        ),
    )
    event.listen(engine, "begin", begin_sqlite)
    return engine


@dataclass(frozen=True)
class Maintenance:
    """What one idle-time maintain() did: WAL frames seen and copied back to the database."""

    wal_frames: int
    checkpointed: int
    busy: bool
    orphans_removed: int = 0  # blobs of registrations that never committed (files/pending.py)


class Database:
    """The desk's SQLite database with its read and write transactions."""

    def __init__(self, db_path: Path, synchronous: str = "FULL") -> None:
        self.path = db_path
        self.engine = make_engine(db_path, synchronous)
        # Committed write transactions since the last maintain(); read by the idle timer.
        self.writes_since_maintenance = 0

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction (BEGIN IMMEDIATE … COMMIT); everything in it lands or nothing."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(clerk_write=True)
            with Session(bind=conn, expire_on_commit=False) as session, session.begin():
                yield session
        self.writes_since_maintenance += 1

    def maintain(self, merge_pages: int = 200) -> Maintenance:
        """Idle-time upkeep: merge search-index segments, then checkpoint the WAL.

        Run when nobody is registering (the app calls it off the GUI thread after a quiet
        spell), so that neither the FTS5 automerge nor the WAL checkpoint lands inside a
        registration's COMMIT. PASSIVE never waits for readers and never blocks a writer.
        """
        self.writes_since_maintenance = 0
        with self.engine.connect() as conn:
            conn = conn.execution_options(clerk_write=True)
            with conn.begin():
                has_fts = conn.execute(
                    text("SELECT 1 FROM sqlite_master WHERE name='document_fts'")
                ).first()
                if has_fts:
                    conn.execute(
                        text(
                            "INSERT INTO document_fts(document_fts, rank) VALUES('merge', :pages)"
                        ),
                        {"pages": merge_pages},
                    )
            # On the raw connection: SQLAlchemy would wrap the PRAGMA in a BEGIN, and SQLite
            # refuses to checkpoint from inside a transaction.
            raw = conn.connection.driver_connection
            assert raw is not None
            busy, log, done = raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return Maintenance(wal_frames=int(log), checkpointed=int(done), busy=bool(busy))

    def check(self, *, full: bool | None = None) -> None:
        """When the desk opens: the file is whole, and writable now.

        A damaged, truncated, locked or read-only database raises its typed error here, so the
        clerk reads what to do before working, rather than a failure at the first registration.
        `full`: run SQLite's `PRAGMA quick_check`, which reads every page (about 1.7 s per
        100,000 documents on the bench machine); None runs it on databases up to
        FULL_CHECK_MAX_BYTES and leaves larger ones to `clerk verify-audit`, the header and
        length checks below catching a truncated or overwritten file at every opening.
        """
        # Under WAL a write lands in the -wal file first, so a read-only database file would
        # only fail at the checkpoint, long after the clerk was told the number was issued.
        for needed in (self.path, self.path.parent):
            if needed.exists() and not os.access(needed, os.W_OK):
                raise errors.DatabaseReadOnly(str(self.path))
        problem = header_problem(self.path)
        if problem:
            raise errors.DatabaseDamaged(str(self.path), problem)
        if full is None:
            full = self.path.stat().st_size <= FULL_CHECK_MAX_BYTES
        try:
            with self.engine.connect() as conn:
                raw = conn.connection.driver_connection
                assert raw is not None
                if full:
                    found = [str(r[0]) for r in raw.execute("PRAGMA quick_check(5)").fetchall()]
                    if found != ["ok"]:
                        raise errors.DatabaseDamaged(str(self.path), "; ".join(found)[:300])
                else:
                    raw.execute("PRAGMA schema_version").fetchone()  # reads the schema pages
                # Takes and frees the write lock: a read-only file or another program holding
                # the database fails here, with nothing written.
                raw.execute("BEGIN IMMEDIATE")
                raw.execute("ROLLBACK")
        except DBAPIError as exc:
            raise storage_error(exc, self.path) from exc
        except sqlite3.Error as exc:
            raise storage_error(exc, self.path) from exc

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(bind=self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    def close(self) -> None:
        self.engine.dispose()

    # --- schema ----------------------------------------------------------------------------

    def current_revision(self) -> str | None:
        with self.engine.connect() as conn:
            has_table = conn.execute(
                text("SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'")
            ).first()
            if not has_table:
                return None
            row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
            return None if row is None else str(row[0])

    def migrate(self) -> None:
        """Bring the schema to head; refuse a database made by a newer version of the app."""
        current = self.current_revision()
        if current == HEAD_REVISION:
            return
        from alembic import command
        from alembic.script import ScriptDirectory

        config = alembic_config(self.engine)
        known = {rev.revision for rev in ScriptDirectory.from_config(config).walk_revisions()}
        if current is not None and current not in known:
            raise errors.DatabaseNewerThanApp(current)
        with self.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")


# Databases up to this size get the full page check at every opening (about 0.4 s at this
# size on the bench machine); larger ones get it from `clerk verify-audit`.
FULL_CHECK_MAX_BYTES = 64 * 1024 * 1024
_SQLITE_MAGIC = b"SQLite format 3\x00"


def header_problem(path: Path) -> str:
    """What the first 100 bytes say is wrong with the file ("" when nothing): not an SQLite
    database, or shorter than the page count its header records (cut off by a copy or a disk)."""
    try:
        with path.open("rb") as fh:
            header = fh.read(100)
        size = path.stat().st_size
    except FileNotFoundError:
        return ""
    if not header:
        return ""  # a new, empty file: SQLite writes the header with the first table
    if len(header) < 100 or not header.startswith(_SQLITE_MAGIC):
        return "not an SQLite database"
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    change_counter = header[24:28]
    valid_for = header[92:96]
    # The header's page count is trusted only when it was written with the last change.
    if pages and change_counter == valid_for and size < pages * page_size:
        return f"truncated: {size} bytes of {pages * page_size}"
    return ""


def storage_error(exc: BaseException, path: Path) -> errors.ClerkError:
    """The typed error for an SQLite failure: damaged, locked, read-only, or a disk failure."""
    orig = getattr(exc, "orig", None) or exc
    detail = str(orig)
    lowered = detail.lower()
    if "locked" in lowered or "busy" in lowered:
        return errors.DatabaseLocked(str(path))
    if "readonly" in lowered or "read-only" in lowered or "unable to open" in lowered:
        return errors.DatabaseReadOnly(str(path))
    if "malformed" in lowered or "not a database" in lowered or "corrupt" in lowered:
        return errors.DatabaseDamaged(str(path), detail)
    return errors.StorageFailed(detail)


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", str(engine.url))
    return config
