"""Desks syncing through a real server process: leases, drafts, files, lost answers, outages."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from clerk_app import errors
from clerk_app.clock import VIETNAM
from clerk_app.records import IncomingDraft, OutgoingDraft
from clerk_app.storage.sync_models import SyncConflict
from clerk_app.workspace import Workspace
from sync.client import ServerClient
from sync.conflicts import list_conflicts, resolve
from sync.engine import DeskSync
from tests.sync.conftest import NEW_PASSWORD, RunningServer, check_all, connect

YEAR = datetime.now(VIETNAM).year


def register(desk: Path, n: int, make_pdf: Any = None, prefix: str = "VB") -> list[str]:
    ids = []
    with Workspace.open(desk, actor="clerk") as ws:
        for i in range(n):
            files = [make_pdf(f"{prefix} {i}")] if make_pdf else []
            ids.append(
                ws.register_incoming(
                    IncomingDraft(
                        issuer="Sở Tài chính",
                        reference=f"{i + 1}/{prefix}-STC",
                        issued_on=None,
                        doc_type="Công văn",
                        subject=f"Về việc quyết toán {prefix} {i}",
                        files=files,
                    )
                ).document.summary.id
            )
    return ids


def file_hashes(desk: Path) -> set[str]:
    with Workspace.open(desk) as ws:
        reg = ws.register_for("incoming", YEAR)
        return {f.sha256 for r in ws.register_rows(reg.id, 0, 100) for f in ws.document(r.id).files}


def sync(desk: Path) -> Any:
    with DeskSync(desk) as d:
        return d.sync()


def test_lease_holder_numbers_and_others_get_drafts_numbered_on_release(
    server: RunningServer, new_desk: Any, make_pdf: Any
) -> None:
    a, b = new_desk("a"), new_desk("b")
    connect(server, a, "nvan1.ubnd")
    connect(server, b, "ttbinh1.ubnd")
    sync(a)
    with DeskSync(a) as d:
        lease = d.acquire_lease("incoming", YEAR)
    assert lease["lease_epoch"] == 1 and lease["last_number"] == 0
    register(a, 3, make_pdf, "A")
    report = sync(a)
    assert report.rejected == [], report.rejected
    assert report.files_sent == len(file_hashes(a)) >= 3

    with DeskSync(b) as d:
        for i in range(2):
            d.draft_incoming(
                IncomingDraft(
                    issuer="Sở Nội vụ",
                    reference=f"{i + 1}/SNV",
                    issued_on=None,
                    doc_type="Công văn",
                    subject=f"Dự thảo {i}",
                )
            )
        report = d.sync()
        state = d.state()
    assert report.received == 3 and report.files_received == len(file_hashes(a))
    assert state.drafts_waiting == 2  # provisional: A holds the lease, no number is printed

    with DeskSync(a) as d:
        # The release syncs first: the holder's round cedes the two numbers the drafts wait
        # for (or the release numbers them); b's register below shows them either way.
        released = d.release_lease("incoming", YEAR)
    assert released["lease_desk_id"] is None and released["last_number"] == 5
    sync(a)
    sync(b)
    with DeskSync(b) as d:
        assert d.state().drafts_waiting == 0
    check_all(server, a, b)
    with Workspace.open(b) as ws:
        rows = ws.register_rows(ws.register_for("incoming", YEAR).id, 0, 10)
        assert [r.subject for r in rows][3:] == ["Dự thảo 0", "Dự thảo 1"]
        first = ws.document(rows[0].id)
        assert ws.file_bytes(first.files[0].sha256).startswith(b"%PDF")


def test_same_batch_delivered_twice_is_applied_once(server: RunningServer, new_desk: Any) -> None:
    a = new_desk("a")
    connect(server, a, "nvan1.ubnd")
    with DeskSync(a) as d:
        d.sync()
        d.acquire_lease("incoming", YEAR)
    register(a, 4)
    from sync import desk_store

    with DeskSync(a) as d:
        with d.db.read() as s:
            batch = desk_store.pending_mutations(s, d.desk_id, 100)
        with d._client() as client:
            first = client.upload(batch)  # the answer is "lost": the desk never records it
            second = client.upload(batch)
    assert [r["status"] for r in first["results"]] == ["ok"] * 4
    assert all(r.get("repeated") for r in second["results"])
    assert [r["number"] for r in second["results"]] == [1, 2, 3, 4]
    report = sync(a)
    assert report.sent == 4 and report.rejected == []
    check_all(server, a)


def test_two_desks_offline_registering_at_once_converge(
    server: RunningServer, new_desk: Any
) -> None:
    a, b = new_desk("a"), new_desk("b")
    connect(server, a, "nvan1.ubnd")
    connect(server, b, "ttbinh1.ubnd")
    with DeskSync(a) as d:
        d.sync()
        d.acquire_lease("incoming", YEAR)
    with DeskSync(b) as d:
        d.sync()
        d.acquire_lease("outgoing", YEAR)
    server.kill()
    register(a, 5)
    with Workspace.open(b) as ws:
        for i in range(3):
            ws.register_outgoing(
                OutgoingDraft(
                    doc_type="Quyết định",
                    subject=f"QĐ {i}",
                    signer="Nguyễn Văn Hùng",
                    recipients="Như Điều 3",
                )
            )
    for desk in (a, b):
        with DeskSync(desk) as d, pytest.raises(errors.ServerUnreachable):
            d.sync()
        with DeskSync(desk) as d:
            st = d.state()
            assert not st.online and st.offline_since is not None and st.waiting > 0
    server.start()
    for desk in (a, b, a):
        sync(desk)
    check_all(server, a, b)
    with DeskSync(a) as d:
        outages = d.outages()
        assert len(outages) == 1 and outages[0].ended_at is not None
        assert d.state().online


def test_lease_revoked_while_holder_offline_goes_to_reconciliation(
    server: RunningServer, new_desk: Any
) -> None:
    a, b, admin = new_desk("a"), new_desk("b"), new_desk("admin")
    connect(server, a, "nvan1.ubnd")
    connect(server, b, "ttbinh1.ubnd")
    connect(server, admin, "qtri1.ubnd", role="admin")
    with DeskSync(a) as d:
        d.sync()
        d.acquire_lease("incoming", YEAR)
    register(a, 2, prefix="truoc")
    sync(a)
    register(a, 2, prefix="ngoai-tuyen")  # A is cut off: these wait in its outbox
    with DeskSync(admin) as d:
        revoked = d.release_lease("incoming", YEAR, force=True, lost_through=0)
    assert revoked["lease_desk_id"] is None and revoked["lease_epoch"] == 2
    with DeskSync(b) as d:
        d.draft_incoming(
            IncomingDraft(
                issuer="Sở Y tế",
                reference="9/SYT",
                issued_on=None,
                doc_type="Công văn",
                subject="Sau thu hồi",
            )
        )
        d.sync()
    report = sync(a)
    assert [r["reason"] for r in report.rejected] == ["lease_revoked", "lease_revoked"]
    assert report.conflicts == 1  # the server's number 3 is A's offline number 3: a person decides
    with DeskSync(admin) as d, d._client() as client:
        queue = client.reconciliation()
    assert [q["reason"] for q in queue] == ["lease_revoked", "lease_revoked"]
    sync(admin)
    sync(b)
    registers = check_all_but(server, b, admin)
    assert len(registers[("incoming", "chung", YEAR)]) == 3
    # The number clash stays open until a person settles it, and then counts no more.
    with DeskSync(a) as d:
        waiting = d.state().conflicts
        [clash] = [r for r in list_conflicts(d) if r.kind == "number"]
        with Workspace.open(a, actor="nvan1.ubnd") as ws:
            resolve(ws, d, clash.key, {}, "giữ số của máy chủ")
        assert d.state().conflicts == waiting - 1
        with d.db.read() as s:
            row = s.get_one(SyncConflict, int(clash.key.split(":")[1]))
        assert (row.resolved_by, row.resolved_at is not None) == ("nvan1.ubnd", True)


def check_all_but(server: RunningServer, *desks: Path) -> Any:
    from tests.sync.conftest import check_desk, check_server

    registers = check_server(server)
    for desk in desks:
        check_desk(desk, registers)
    return registers


def test_offline_login_uses_the_cached_verifier(server: RunningServer, new_desk: Any) -> None:
    a = new_desk("a")
    connect(server, a, "nvan1.ubnd")
    server.kill()
    with DeskSync(a) as d:
        assert d.login(NEW_PASSWORD) == {"online": False, "username": "nvan1.ubnd"}
        with pytest.raises(errors.OfflineLoginRefused) as err:
            d.login("sai-mat-khau")
        assert err.value.reason == "wrong_password"
    server.start()
    with DeskSync(a) as d:
        assert d.login(NEW_PASSWORD)["online"] is True


def test_a_user_of_another_agency_sees_nothing(server: RunningServer, new_desk: Any) -> None:
    a = new_desk("a")
    connect(server, a, "nvan1.ubnd")
    with DeskSync(a) as d:
        d.sync()
        d.acquire_lease("incoming", YEAR)
    register(a, 2)
    sync(a)
    server.agency("STC", "Sở Tài chính")
    server.user("lvc1.stc", agency="STC")
    other = new_desk("other", code="STC")
    with DeskSync(other) as d:
        d.connect(server.url, "lvc1.stc", "mat-khau-ban-dau", NEW_PASSWORD)
        with d._client() as client:
            assert client.changes(0)["changes"] == []
            with Workspace.open(a) as ws:
                doc_id = ws.register_rows(ws.register_for("incoming", YEAR).id, 0, 1)[0].id
            answer = client.upload(
                [
                    {
                        "seq": 1,
                        "mutation_id": "m-1",
                        "at": datetime.now(VIETNAM).isoformat(),
                        "op": "cancel",
                        "entity": "document",
                        "entity_id": doc_id,
                        "payload": {"reason": "x"},
                    }
                ]
            )
            assert answer["results"][0]["reason"] == "unknown_document"
        with pytest.raises(errors.ServerRefused) as refused:
            d.connect(server.url, "nvan1.ubnd", NEW_PASSWORD)
        assert refused.value.reason == "desk_of_other_agency"
    with DeskSync(new_desk("stray", code="STC")) as d, pytest.raises(errors.AgencyMismatch):
        d.connect(server.url, "nvan1.ubnd", NEW_PASSWORD)
    check_all_but(server, a)


def test_old_desk_is_told_to_upgrade(server: RunningServer) -> None:
    import httpx

    r = httpx.get(server.url + "/v1/hello", headers={"X-Clerk-Protocol": "0"})
    assert r.status_code == 426 and r.json()["error"]["code"] == "protocol_too_old"
    with ServerClient(server.url) as client:
        assert client.hello()["protocol"] == 1


def test_a_draft_saved_for_the_server_to_number_has_an_audit_entry(new_desk: Any) -> None:
    from sqlalchemy import select

    from clerk_app.storage.models import AuditEntry

    a = new_desk("a")
    with DeskSync(a, actor="ttbinh1.ubnd") as d:
        draft_id = d.draft_incoming(
            IncomingDraft(
                issuer="Sở Nội vụ",
                reference="3/SNV",
                issued_on=None,
                doc_type="Công văn",
                subject="Dự thảo chờ số",
            )
        )
        with d.db.read() as s:
            entries = (
                s.execute(select(AuditEntry).where(AuditEntry.entity_id == draft_id))
                .scalars()
                .all()
            )
            found = [(e.action, e.entity, e.actor) for e in entries]
    assert found == [("draft_incoming", "draft", "ttbinh1.ubnd")]
    with Workspace.open(a) as ws:
        assert ws.verify_audit().ok
