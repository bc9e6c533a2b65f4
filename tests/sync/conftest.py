"""Fixtures for sync tests: a real clerk-server process (uvicorn) on loopback over SQLite or
PostgreSQL, desks as separate data directories, and the invariants checked after each run."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
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
    NumberVoid,
    RegisterCounter,
    ServerDocument,
)

PASSWORD = "mat-khau-ban-dau"
NEW_PASSWORD = "mat-khau-moi-2026"
ROOT = Path(__file__).resolve().parents[2]


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


@pytest.fixture(params=["sqlite", "postgresql"])
def server_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'server.sqlite3'}"
    return fresh_pg_url()


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
                    *self.args,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )
        deadline = time.monotonic() + 30
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

    def agency(self, code: str = "UBND", name: str = "Ủy ban nhân dân tỉnh Phú Yên") -> None:
        with self.db.write() as s:
            accounts.create_agency(s, code, name, datetime.now(UTC))

    def user(self, username: str, role: str = "clerk", agency: str = "UBND") -> None:
        with self.db.write() as s:
            accounts.create_account(s, agency, username, role, PASSWORD, datetime.now(UTC))


@pytest.fixture
def server(server_db_url: str, tmp_path: Path) -> Iterator[RunningServer]:
    srv = RunningServer(server_db_url, tmp_path)
    srv.agency()
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


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


@pytest.fixture
def sqlite_server(tmp_path: Path) -> Iterator[RunningServer]:
    """A real server over SQLite only, for tests whose subject is the desk, not the database."""
    srv = RunningServer(f"sqlite:///{tmp_path / 'server.sqlite3'}", tmp_path)
    srv.agency()
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()
