"""Fixtures for sync tests: a real clerk-server process (uvicorn) on loopback over SQLite or
PostgreSQL, desks as separate data directories, and the invariants checked after each run.

The server process is started once per test module and backend, not once per test: starting it
(imports, migrations, a PostgreSQL database) costs more than most tests. Each test still gets an
empty server: `RunningServer.reset()` empties its database and files folder and starts the
process again when the test before left it killed, with a fault point or other options, or with
failed logins in its memory (the login throttle lives in the process).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text

from clerk_app.storage.database import DB_FILENAME
from clerk_app.storage.models import Document, OutboxEntry, Register
from clerk_app.workspace import Workspace
from sync.server import accounts
from sync.server.database import ServerDatabase
from sync.server.models import (
    Agency,
    AppliedMutation,
    Base,
    NumberVoid,
    RegisterCounter,
    ServerDocument,
)

PASSWORD = "mat-khau-ban-dau"
NEW_PASSWORD = "mat-khau-moi-2026"
ROOT = Path(__file__).resolve().parents[2]


def wait_for_marker(marker: Path, proc: subprocess.Popen[bytes] | None, what: str) -> None:
    """Wait until the process under test touches `marker` at its fault point, where it then
    waits to be killed: a kill test kills at a known step, never after a guessed sleep. The
    limit only stops a hung test; it asserts no speed."""
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert proc is None or proc.poll() is None, f"{what} ended before its fault point"
        assert time.monotonic() < deadline, f"{what} never reached its fault point"
        time.sleep(0.02)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fresh_pg_url() -> str:
    base = os.environ.get("CLERK_TEST_PG_URL")
    if not base:
        pytest.fail(
            "CLERK_TEST_PG_URL is not set: server tests need PostgreSQL. Run them through "
            "scripts/test, or `bash scripts/start-postgres.sh run <pytest command>`."
        )
    name = "clerk_srv_" + uuid.uuid4().hex[:12]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return base.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server_backend(request: pytest.FixtureRequest) -> str:
    """The server's database engine; a module whose subject is the desk overrides it."""
    return str(request.param)


@pytest.fixture
def server_db_url(server_backend: str, tmp_path: Path) -> str:
    if server_backend == "sqlite":
        return f"sqlite:///{tmp_path / 'server.sqlite3'}"
    return fresh_pg_url()


# A login the server refused: its throttle (in the process's memory) now remembers a failure.
REFUSED_LOGIN = re.compile(rb'"POST /v1/login HTTP/[0-9.]+" 4[0-9][0-9]')


class RunningServer:
    """`clerk-server serve` as a child process; kill() is kill -9."""

    def __init__(self, db_url: str, root: Path) -> None:
        self.db_url = db_url
        self.files_dir = root / "server-files"
        self.log = root / "server.log"
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.env: dict[str, str] = {}  # set before start(): a fault point, say
        self.args: list[str] = []  # more `serve` options
        self.log_level = "warning"
        self.db = ServerDatabase(db_url)
        self.db.migrate()

    def start(self) -> None:
        env = os.environ | {"PYTHONPATH": str(ROOT)} | self.env
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "sync.server.cli",
                    "serve",
                    "--db",
                    self.db_url,
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--files-dir",
                    str(self.files_dir),
                    "--log-level",
                    self.log_level,
                    *self.args,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )
        deadline = time.monotonic() + 120  # only stops a hung start: CI shares two cores
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()}")
            try:
                httpx.get(self.url + "/v1/hello", headers={"X-Clerk-Protocol": "1"}, timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def stop(self) -> None:
        self.kill()
        self.db.close()

    def kill_at_fault(self, step: str, marker: Path, work: Callable[[], object]) -> None:
        """Run `work` (a desk's request) while the server stops at fault point `step`; kill -9
        it there, check the desk was told the server is unreachable, start it again."""
        from clerk_app import errors

        self.kill()
        self.env = {"CLERK_SERVER_FAULT": step, "CLERK_SERVER_FAULT_MARKER": str(marker)}
        self.start()
        outcome: list[object] = []

        def run() -> None:
            try:
                outcome.append(work())
            except errors.ServerUnreachable as exc:
                outcome.append(exc)

        worker = threading.Thread(target=run)
        worker.start()
        wait_for_marker(marker, self.proc, f"the server (fault point {step})")
        self.kill()
        worker.join(120)
        assert not worker.is_alive()
        assert isinstance(outcome[0], errors.ServerUnreachable), outcome
        self.env = {}
        self.start()

    def reset(self) -> None:
        """An empty server for the next test, in the running process when nothing in its
        memory can differ from a fresh one (see the module docstring)."""
        log = self.log.read_bytes() if self.log.exists() else b""
        if self.env or self.args or REFUSED_LOGIN.search(log):
            self.kill()
        self.env, self.args = {}, []
        self.log.write_bytes(b"")  # the server appends (O_APPEND): it goes on from the start
        self.wipe()
        self.agency()
        if self.proc is None or self.proc.poll() is not None:
            self.proc = None
            self.start()

    def wipe(self) -> None:
        """Delete every row (the schema stays migrated) and every stored file."""
        tables = list(reversed(Base.metadata.sorted_tables))
        with self.db.engine.begin() as conn:
            if self.db.is_sqlite:
                for table in tables:
                    conn.execute(table.delete())
            else:
                quote = conn.dialect.identifier_preparer.quote
                names = ", ".join(quote(t.name) for t in tables)
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        if self.files_dir.exists():
            for entry in self.files_dir.iterdir():
                if entry.is_dir():
                    shutil.rmtree(entry)
                    if entry.name == "partial":  # made once, when the process starts
                        entry.mkdir()
                else:
                    entry.unlink()

    def agency(self, code: str = "UBND", name: str = "Ủy ban nhân dân tỉnh Phú Yên") -> None:
        with self.db.write() as s:
            accounts.create_agency(s, code, name, datetime.now(UTC))

    def user(self, username: str, role: str = "clerk", agency: str = "UBND") -> None:
        with self.db.write() as s:
            accounts.create_account(s, agency, username, role, PASSWORD, datetime.now(UTC))


def _shared_server(db_url: str, root: Path) -> Iterator[RunningServer]:
    srv = RunningServer(db_url, root)
    srv.log_level = "info"  # access lines: reset() reads refused logins from them
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def module_server(
    server_backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp(f"server-{server_backend}")
    url = f"sqlite:///{root / 'server.sqlite3'}" if server_backend == "sqlite" else fresh_pg_url()
    yield from _shared_server(url, root)


@pytest.fixture
def server(module_server: RunningServer) -> RunningServer:
    """The module's server process, emptied for this test, with the agency UBND."""
    module_server.reset()
    return module_server


@pytest.fixture
def new_desk(tmp_path: Path) -> Any:
    """A desk's data directory of the agency UBND, not yet connected."""

    def make(name: str, code: str = "UBND") -> Path:
        path = tmp_path / name
        Workspace.init(
            path,
            agency_name="Ủy ban nhân dân tỉnh Phú Yên",
            agency_code=code,
            year=2026,
            actor=f"{name}.ubnd",
        ).close()
        return path

    return make


def connect(server: RunningServer, desk: Path, username: str, role: str = "clerk") -> None:
    from sync.engine import DeskSync

    server.user(username, role)
    with DeskSync(desk) as d:
        d.connect(server.url, username, PASSWORD, NEW_PASSWORD)


H = {"X-Clerk-Protocol": "1"}


def raw_session(
    server: RunningServer,
    username: str,
    role: str = "clerk",
    desk_id: str | None = None,
    agency: str = "UBND",
) -> dict[str, str]:
    """Headers of a session made by hand over HTTP (an account that is no desk of ours): its
    own desk id and credential, the first password changed."""
    server.user(username, role, agency)
    desk = desk_id or f"desk-of-{username}"
    r = httpx.post(
        server.url + "/v1/login",
        headers=H,
        json={
            "username": username,
            "password": PASSWORD,
            "desk_id": desk,
            "desk_credential": "secret-of-" + desk,
        },
    )
    assert r.status_code == 200, r.text
    auth = H | {"Authorization": f"Bearer {r.json()['token']}"}
    httpx.post(
        server.url + "/v1/password", headers=auth, json={"old": PASSWORD, "new": NEW_PASSWORD}
    ).raise_for_status()
    return auth


def run_clerk(desk: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"CLERK_DATA_DIR": str(desk), "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "clerk_app", *args], capture_output=True, text=True, env=env
    )
    if check and result.returncode != 0:
        raise AssertionError(f"clerk {args} failed: {result.stderr}")
    return result


# --- invariants ------------------------------------------------------------------------------


def check_server(
    server: RunningServer, agency_code: str | None = None
) -> dict[tuple[str, str, int], dict[int, str]]:
    """No duplicate number, numbers contiguous from 1 but for recorded voids, mutations applied
    once; the registers (of one agency when the server holds several)."""
    registers: dict[tuple[str, str, int], dict[int, str]] = {}
    query = select(RegisterCounter)
    if agency_code is not None:
        query = query.join(Agency, Agency.id == RegisterCounter.agency_id).where(
            Agency.code == agency_code
        )
    with server.db.read() as s:
        for counter in s.execute(query).scalars():
            numbers = list(
                s.execute(
                    select(ServerDocument.number, ServerDocument.id)
                    .where(
                        ServerDocument.counter_id == counter.id, ServerDocument.number.is_not(None)
                    )
                    .order_by(ServerDocument.number)
                )
            )
            got = [n for n, _ in numbers]
            assert len(got) == len(set(got)), f"duplicate numbers in {counter.kind} {counter.year}"
            voids = set(
                s.execute(
                    select(NumberVoid.number).where(NumberVoid.counter_id == counter.id)
                ).scalars()
            )
            assert not voids & set(got), (counter.kind, sorted(voids & set(got)))
            # Gap-free but for the recorded voids.
            assert sorted([*got, *voids]) == list(range(1, counter.last_number + 1)), (
                counter.kind,
                got,
                sorted(voids),
            )
            registers[(counter.kind, counter.series, counter.year)] = {n: i for n, i in numbers}
        dupes = s.execute(
            select(AppliedMutation.desk_id, AppliedMutation.seq, func.count())
            .group_by(AppliedMutation.desk_id, AppliedMutation.seq)
            .having(func.count() > 1)
        ).all()
        assert dupes == []
    return registers


def check_desk(desk: Path, registers: dict[tuple[str, str, int], dict[int, str]]) -> None:
    """Every outbox entry answered, the desk's registers equal the server's, the file sound."""
    engine = create_engine(f"sqlite:///{desk / DB_FILENAME}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
        waiting = conn.execute(
            select(func.count()).select_from(OutboxEntry).where(OutboxEntry.acked_at.is_(None))
        ).scalar_one()
        assert waiting == 0, f"{desk.name}: {waiting} mutations not answered"
        local: dict[tuple[str, str, int], dict[int, str]] = {}
        for kind, series, year, number, doc_id in conn.execute(
            select(
                Register.kind, Register.series, Register.year, Document.number, Document.id
            ).join(Document, Document.register_id == Register.id)
        ):
            local.setdefault((kind, series, year), {})[number] = doc_id
    engine.dispose()
    for key, numbers in registers.items():
        assert local.get(key, {}) == numbers, f"{desk.name} differs from the server in {key}"
    for key, numbers in local.items():
        assert numbers == registers.get(key, {}), (
            f"{desk.name} has numbers the server lacks in {key}"
        )


def check_all(server: RunningServer, *desks: Path) -> None:
    registers = check_server(server)
    for desk in desks:
        check_desk(desk, registers)


@pytest.fixture(scope="module")
def module_sqlite_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp("server-sqlite")
    yield from _shared_server(f"sqlite:///{root / 'server.sqlite3'}", root)


@pytest.fixture
def sqlite_server(module_sqlite_server: RunningServer) -> RunningServer:
    """A real server over SQLite only, for tests whose subject is the desk, not the database."""
    module_sqlite_server.reset()
    return module_sqlite_server
