"""A round's scans start with it (issue 12, uploads ≥ 0.5× a raw POST), against the real server on
SQLite and PostgreSQL: they are asked about and sent while the desk asks where it stands, a
registration still goes only once its scans are on the server, a round that fails leaves no
stream running, and a desk killed between its scans and its registrations loses nothing. The
feed that brings the desk's registrations back is checked with a few reads, not a few each."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from clerk_app import errors
from clerk_app.records import IncomingDraft
from sync import desk_store
from sync import protocol as p
from sync.client import ServerClient
from sync.engine import DeskSync
from tests.sync.conftest import RunningServer, check_all
from tests.sync.test_engine import file_hashes, register, sync
from tests.sync.test_faults import kill_desk_after
from tests.sync.test_online import holder_and_other


def _telling(call: Any, event: threading.Event) -> Any:
    """A client call that sets `event` as it starts (from whichever thread makes it)."""

    def run(self: ServerClient, *args: Any, **kwargs: Any) -> Any:
        event.set()
        return call(self, *args, **kwargs)

    return run


def _standing_after(event: threading.Event, came: list[bool]) -> Any:
    """The desk's standing, answered only once `event` is set (whether it came: `came`)."""
    standing = ServerClient.desk_standing

    def held(self: ServerClient, since: int, *, once: bool = False) -> dict[str, Any]:
        came.append(event.wait(10))
        return standing(self, since, once=once)

    return held


def test_the_scans_are_asked_about_while_the_desk_asks_where_it_stands(
    server: RunningServer, new_desk: Any, make_pdf: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = holder_and_other(server, new_desk)
    register(a, 3, make_pdf, "ST")
    asked = threading.Event()
    overlapped: list[bool] = []
    # The standing goes only once the scans were asked about: a round that asks about them
    # after its standing waits in vain.
    monkeypatch.setattr(ServerClient, "missing_files", _telling(ServerClient.missing_files, asked))
    monkeypatch.setattr(ServerClient, "desk_standing", _standing_after(asked, overlapped))
    report = sync(a)
    assert overlapped == [True]
    assert report.rejected == [] and report.files_sent == len(file_hashes(a)) >= 3
    sync(b)
    check_all(server, a, b)


def test_the_scans_go_on_the_servers_word_about_them_before_its_standing(
    server: RunningServer, new_desk: Any, make_pdf: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = holder_and_other(server, new_desk)
    register(a, 3, make_pdf, "LM")
    sending = threading.Event()
    went_first: list[bool] = []
    # The standing answers only once a scan's bytes are on their way: scans that wait for it
    # to learn what the server takes wait in vain.
    monkeypatch.setattr(ServerClient, "put_files", _telling(ServerClient.put_files, sending))
    monkeypatch.setattr(ServerClient, "put_chunk", _telling(ServerClient.put_chunk, sending))
    monkeypatch.setattr(ServerClient, "desk_standing", _standing_after(sending, went_first))
    report = sync(a)
    assert went_first == [True]
    assert report.rejected == [] and report.files_sent == len(file_hashes(a)) >= 3
    sync(b)
    check_all(server, a, b)


def test_the_feed_is_asked_while_the_desk_writes_the_last_answers_and_applied_after(
    server: RunningServer, new_desk: Any, make_pdf: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = holder_and_other(server, new_desk)
    register(a, 3, make_pdf, "FA")
    asked = threading.Event()
    order: list[str] = []
    overlapped: list[bool] = []
    record, apply_page = desk_store.record_answers, desk_store.apply_page

    def recording(*args: Any, **kwargs: Any) -> Any:
        # The last answers are written only once the feed was asked: a round that asks it
        # after them waits here in vain.
        overlapped.append(asked.wait(10))
        order.append("answers")
        return record(*args, **kwargs)

    def applying(*args: Any, **kwargs: Any) -> Any:
        order.append("feed")
        return apply_page(*args, **kwargs)

    monkeypatch.setattr(ServerClient, "changes", _telling(ServerClient.changes, asked))
    monkeypatch.setattr(desk_store, "record_answers", recording)
    monkeypatch.setattr(desk_store, "apply_page", applying)
    report = sync(a)
    assert overlapped[-1] is True
    assert order[-2:] == ["answers", "feed"]  # applied after the answers, as before
    assert report.rejected == [] and report.accepted >= 3
    with DeskSync(a) as d:
        assert d.state().waiting == 0
    sync(b)
    check_all(server, a, b)


def test_a_registration_goes_only_once_its_scans_are_on_the_server(
    server: RunningServer, new_desk: Any, make_pdf: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(p, "BATCH_FILE_MAX", 0)  # each scan a request of its own
    a, b = holder_and_other(server, new_desk)
    register(a, 4, make_pdf, "REG")
    with DeskSync(a) as d, d.db.read() as s:
        batch = desk_store.pending_mutations(s, d.desk_id, p.MAX_BATCH)
    # The last registration's scan is held until an earlier registration went up: that one
    # travels while a scan is still on its way.
    last = batch[-1]["files"][0]["sha256"]
    up: set[str] = set()  # scans the server has answered for
    lock = threading.Lock()
    some_went = threading.Event()
    early: list[bool] = []
    premature: list[str] = []
    put_chunk, upload = ServerClient.put_chunk, ServerClient.upload

    def chunk(self: ServerClient, sha: str, size: int, offset: int, data: Any) -> dict[str, Any]:
        if sha == last:
            early.append(some_went.wait(10))
        answer = put_chunk(self, sha, size, offset, data)
        if answer["complete"]:
            with lock:
                up.add(sha)
        return answer

    def uploading(self: ServerClient, mutations: list[dict[str, Any]]) -> dict[str, Any]:
        with lock:
            premature.extend(
                f["sha256"]
                for m in mutations
                for f in m.get("files") or []
                if f["sha256"] not in up
            )
        answer = upload(self, mutations)
        some_went.set()
        return answer

    monkeypatch.setattr(ServerClient, "put_chunk", chunk)
    monkeypatch.setattr(ServerClient, "upload", uploading)
    report = sync(a)
    assert early == [True]  # registrations went while the last scan was held
    assert premature == []  # none named a scan the server had not answered for
    assert report.rejected == [] and report.accepted == len(batch)
    sync(b)
    check_all(server, a, b)


def test_a_round_whose_standing_fails_while_its_scans_travel_leaves_nothing_running(
    server: RunningServer, new_desk: Any, make_pdf: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = holder_and_other(server, new_desk)
    register(a, 3, make_pdf, "DOWN")
    sending = threading.Event()
    uploads: list[int] = []

    def unreachable(self: ServerClient, since: int, *, once: bool = False) -> dict[str, Any]:
        self._learn({p.HELLO_FILES_BATCH: True})  # the scans may go: they travel now
        assert sending.wait(10)
        raise errors.ServerUnreachable(self.base_url, "ReadTimeout")

    monkeypatch.setattr(ServerClient, "put_files", _telling(ServerClient.put_files, sending))
    monkeypatch.setattr(ServerClient, "desk_standing", unreachable)
    monkeypatch.setattr(ServerClient, "upload", lambda _self, m: uploads.append(len(m)))
    with pytest.raises(errors.ServerUnreachable):
        sync(a)
    assert not [t for t in threading.enumerate() if t.name == "sync-files"]
    assert uploads == []  # no registration went without its round's standing
    monkeypatch.undo()

    report = sync(a)  # the scans are on the server already, or go again: nothing lost
    assert report.rejected == [] and report.accepted >= 3
    sync(b)
    check_all(server, a, b)
    with DeskSync(a) as d:
        assert d.state().waiting == 0 and d.state().online


# Where a desk is killed, its scans on their way: after the standing's answer (not yet applied),
# after the server said which scans it lacks, after the scans were stored (registrations unsent).
KILLED_AFTER = (("GET", "/v1/desk"), ("POST", "/v1/files/missing"), ("POST", "/v1/files/batch"))


def test_a_desk_killed_between_its_scans_and_its_registrations_loses_nothing(
    server: RunningServer, new_desk: Any, make_pdf: Any, tmp_path: Path
) -> None:
    a, b = holder_and_other(server, new_desk)
    for n, (method, path) in enumerate(KILLED_AFTER):
        register(a, 4, make_pdf, f"K{n}")
        kill_desk_after(a, method, path, tmp_path / f"stopped-{n}")
    report = sync(a)
    assert report.rejected == []
    got = sync(b)  # every scan of the 12 documents reached the server, and the other desk
    assert got.received == 12 and got.files_received == len(file_hashes(a)) >= 12
    check_all(server, a, b)
    with DeskSync(a) as d:
        assert d.state().waiting == 0


def test_the_contents_a_round_starts_sending_are_those_its_batches_name(
    server: RunningServer, new_desk: Any, make_pdf: Any
) -> None:
    a, b = holder_and_other(server, new_desk)
    register(a, 3, make_pdf, "PU")
    with DeskSync(b) as d:  # not the holder: drafts, their scans named by the draft
        d.draft_incoming(
            IncomingDraft(
                issuer="Sở Xây dựng",
                reference="1/SXD",
                issued_on=None,
                doc_type="Công văn",
                subject="Về việc cấp phép",
                files=[make_pdf("Nhap 1")],
            )
        )
    for desk in (a, b):
        with DeskSync(desk) as d, d.db.read() as s:
            for limit in (1, 2, 5, p.MAX_BATCH):
                batch = desk_store.pending_mutations(s, d.desk_id, limit)
                named = sorted(desk_store.wanted_uploads(batch), key=lambda f: f["sha256"])
                got = sorted(desk_store.pending_uploads(s, limit), key=lambda f: f["sha256"])
                assert got == named
            assert named  # every batch names its scans
    for desk in (a, b, a, b):
        sync(desk)
    check_all(server, a, b)


def _page_reads(desk: Path) -> tuple[int, int]:
    """The feed from its start applied again on the desk (nothing in it is new there): how many
    documents it holds, and the SELECTs applying it issued."""
    reads: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            reads.append(statement)

    with DeskSync(desk) as d:
        with d._client() as client:
            page = client.changes(0, p.MAX_BATCH)
        assert not page["more"]
        event.listen(d.db.engine, "before_cursor_execute", count)
        try:
            with d.ctx.write() as tx:
                applied = desk_store.apply_page(tx, page["changes"], int(page["next"]), d.clock())
        finally:
            event.remove(d.db.engine, "before_cursor_execute", count)
    assert applied == set()  # the desk's own registrations: unchanged, not rewritten
    documents = {c["entity_id"] for c in page["changes"] if c["entity"] == "document"}
    return len(documents), len(reads)


def test_the_desks_own_registrations_coming_back_are_checked_without_a_read_each(
    server: RunningServer, new_desk: Any, make_pdf: Any
) -> None:
    a, _b = holder_and_other(server, new_desk)
    register(a, 2, make_pdf, "FS")
    sync(a)
    short = _page_reads(a)
    register(a, 8, make_pdf, "FL")
    sync(a)
    long = _page_reads(a)
    assert long[0] == 5 * short[0] > 0
    # Five times the documents, the same reads: the page's rows are read together.
    assert long[1] == short[1], (short, long)


def test_the_server_leaves_its_startup_objects_out_of_full_collections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    import uvicorn

    from sync.server import cli

    hooks: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **_kw: hooks.extend(app.router.on_startup))
    db = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    assert cli.main(["serve", "--db", db, "--files-dir", str(tmp_path / "files")]) == 0
    assert cli.freeze_startup_objects in hooks  # run once the server has started
    try:
        cli.freeze_startup_objects()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_a_scans_write_out_starts_as_it_arrives_and_it_is_still_fsynced_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hashlib

    from sync.server import blobs

    started: list[tuple[int, int]] = []
    synced: list[int] = []
    fsync = os.fsync
    monkeypatch.setattr(blobs, "_WRITE_OUT", lambda _fd, offset, n: started.append((offset, n)))
    monkeypatch.setattr(blobs.os, "fsync", lambda fd: (synced.append(fd), fsync(fd))[1])
    step = blobs.WRITEBACK_STEP
    block = os.urandom(step // 2)
    content = blobs.Incoming(tmp_path / "scan", hashlib.sha256(), None)
    for _ in range(5):
        content.write(block)
    # Written out a step at a time while the bytes arrive, not left to the fsync.
    assert started == [(0, step), (step, step)]
    content.sync()
    assert synced  # durable by the fsync, as before, whatever was written out
    assert (tmp_path / "scan").read_bytes() == block * 5
    assert content.hexdigest() == hashlib.sha256(block * 5).hexdigest()
