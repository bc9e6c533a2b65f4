"""What makes sync fast without weakening it, against the real server process: small scans
several to a request both ways, an online registration in four requests (no hello, no question
about missing files), the desk's own registrations not rewritten when the feed brings them back,
a batch of files killed before its commit sent again, a batch's bytes checked against its hashes."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from clerk_app.records import IncomingDraft
from clerk_app.storage.models import AuditEntry
from clerk_app.workspace import Workspace
from sync import online
from sync import protocol as p
from sync.engine import DeskSync
from tests.sync.conftest import H, RunningServer, check_all, connect, raw_session
from tests.sync.test_engine import YEAR, file_hashes, register, sync

ACCESS = re.compile(r'"(GET|POST|PUT) (/v1/[^ ?]*)')


def requests_since(server: RunningServer, mark: int) -> list[str]:
    """The requests the server logged after byte `mark` of its log, as "METHOD /path"."""
    text = server.log.read_bytes()[mark:].decode("utf-8", "replace")
    return [f"{m.group(1)} {m.group(2)}" for m in ACCESS.finditer(text)]


def log_mark(server: RunningServer) -> int:
    return server.log.stat().st_size if server.log.exists() else 0


def audit_count(desk: Path, action: str) -> int:
    with DeskSync(desk) as d, d.db.read() as s:
        return int(
            s.execute(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
            ).scalar_one()
        )


def _two_desks(server: RunningServer, new_desk: Any) -> tuple[Path, Path]:
    a, b = new_desk("a"), new_desk("b")
    connect(server, a, "nvan1.ubnd")
    connect(server, b, "ttbinh1.ubnd")
    with DeskSync(a) as d:
        d.acquire_lease("incoming", YEAR)
    return a, b


def test_small_scans_travel_several_to_a_request_both_ways(
    server: RunningServer, new_desk: Any, make_pdf: Any
) -> None:
    a, b = _two_desks(server, new_desk)
    register(a, 6, make_pdf, "LO")  # registered while not syncing (an outage, say)
    shas = file_hashes(a)
    assert len(shas) >= 6

    mark = log_mark(server)
    up = sync(a)
    sent = requests_since(server, mark)
    assert up.rejected == [] and up.files_sent == len(shas)
    # Every scan in one request; none chunk by chunk.
    assert sent.count("POST /v1/files/batch") == 1
    assert not [r for r in sent if r.startswith("PUT /v1/files/")]

    mark = log_mark(server)
    down = sync(b)
    got = requests_since(server, mark)
    assert down.files_received == len(shas)
    assert got.count("POST /v1/files/fetch") == 1
    assert not [r for r in got if r.startswith("GET /v1/files/")]
    with Workspace.open(a) as wa, Workspace.open(b) as wb:
        for sha in shas:
            assert wb.file_bytes(sha) == wa.file_bytes(sha)
    assert not list((b / "sync-partial").iterdir())  # taken into the store by rename
    check_all(server, a, b)


def test_an_online_registration_asks_the_server_four_times(
    server: RunningServer, new_desk: Any, make_pdf: Any
) -> None:
    a, b = _two_desks(server, new_desk)
    sync(a)
    mark = log_mark(server)
    with DeskSync(a) as d:
        got = online.register(
            d,
            IncomingDraft(
                issuer="Sở Tài chính",
                reference="1/ON-STC",
                issued_on=None,
                doc_type="Công văn",
                subject="Về việc đăng ký trực tuyến",
                files=[make_pdf("Trực tuyến")],
            ),
        )
    assert got.number == 1 and got.online
    # Where the desk stands (with the server's time), the scan, the registration, the feed:
    # no hello and no question about missing files on the way.
    assert requests_since(server, mark) == [
        "GET /v1/desk",
        "POST /v1/files/batch",
        "POST /v1/upload",
        "GET /v1/changes",
    ]
    sync(b)
    check_all(server, a, b)


def test_the_desks_own_registrations_are_not_rewritten_when_they_come_back(
    server: RunningServer, new_desk: Any, make_pdf: Any
) -> None:
    a, b = _two_desks(server, new_desk)
    register(a, 4, make_pdf, "OWN")
    report = sync(a)
    # The feed brought back the four registrations unchanged: nothing written on desk A.
    assert report.received == 0
    assert audit_count(a, "sync_updated") == audit_count(a, "sync_received") == 0
    # Desk B writes each document once, however many changes of it a page holds.
    assert sync(b).received == 4
    assert audit_count(b, "sync_received") == 4 and audit_count(b, "sync_updated") == 0
    check_all(server, a, b)


def test_a_batch_of_files_killed_before_its_commit_is_sent_again(
    server: RunningServer, new_desk: Any, make_pdf: Any, tmp_path: Path
) -> None:
    a, b = _two_desks(server, new_desk)
    register(a, 3, make_pdf, "KILL")
    # Every file written, fsynced and in place; the rows saying so not committed.
    server.kill_at_fault("batch_files_synced", tmp_path / "fault-reached", lambda: sync(a))
    report = sync(a)
    assert report.rejected == [] and report.files_sent == len(file_hashes(a))
    assert sync(b).files_received == len(file_hashes(a))
    check_all(server, a, b)


def test_a_batch_is_checked_against_its_hashes_and_stays_within_the_agency(
    server: RunningServer,
) -> None:
    auth = raw_session(server, "nvan1.ubnd")
    good, bad = os.urandom(50_000), os.urandom(30_000)
    sha_good = hashlib.sha256(good).hexdigest()
    sha_bad = hashlib.sha256(b"something else").hexdigest()

    def batch(files: list[tuple[str, int]], body: bytes) -> httpx.Response:
        head = json.dumps({"files": [{"sha256": s, "size": n} for s, n in files]}).encode()
        return httpx.post(
            server.url + p.FILES_BATCH_PATH, headers=auth, content=head + b"\n" + body
        )

    answer = batch([(sha_good, len(good)), (sha_bad, len(bad))], good + bad)
    assert answer.status_code == 200, answer.text
    # The good content is stored; the one not matching its hash is refused alone.
    assert answer.json() == {"complete": [sha_good], "mismatched": [sha_bad]}
    short = batch([(sha_good, len(good))], good[:-1])
    assert short.status_code == 400 and short.json()["error"]["code"] == "malformed"
    no_manifest = httpx.post(server.url + p.FILES_BATCH_PATH, headers=auth, content=good)
    assert no_manifest.status_code == 400

    fetched = httpx.post(
        server.url + p.FILES_FETCH_PATH, headers=auth, json={"files": [sha_bad, sha_good]}
    )
    head, _, body = fetched.content.partition(b"\n")
    assert json.loads(head)["files"] == [
        {"sha256": sha_bad, "missing": True},
        {"sha256": sha_good, "size": len(good)},
    ]
    assert body == good
    # Knowing a hash is not enough to read another agency's file.
    server.agency("STC", "Sở Tài chính")
    other = raw_session(server, "lvc1.stc", agency="STC")
    theirs = httpx.post(server.url + p.FILES_FETCH_PATH, headers=other, json={"files": [sha_good]})
    assert json.loads(theirs.content.partition(b"\n")[0])["files"] == [
        {"sha256": sha_good, "missing": True}
    ]
    unauthenticated = httpx.post(server.url + p.FILES_FETCH_PATH, headers=H, json={"files": []})
    assert unauthenticated.status_code == 401
