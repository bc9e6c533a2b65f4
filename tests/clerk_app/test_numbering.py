"""Numbers under pressure: concurrent desks' processes and a process killed mid-registration."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from clerk_app.records import IncomingDraft
from clerk_app.workspace import Workspace

WORKER = textwrap.dedent(
    """
    import sys
    from datetime import date
    from pathlib import Path
    from clerk_app.records import IncomingDraft
    from clerk_app.workspace import Workspace

    data_dir, tag, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    with Workspace.open(data_dir, actor=tag) as ws:
        for i in range(count):
            ws.register_incoming(IncomingDraft(
                issuer="Sở Nội vụ", reference=f"{i}/{tag}", issued_on=None,
                doc_type="Công văn", subject=f"Văn bản {i} của {tag}",
            ))
    """
)

KILLED_MID_TRANSACTION = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from clerk_app.records import IncomingDraft
    from clerk_app.storage import search_index
    from clerk_app.workspace import Workspace

    data_dir, marker = Path(sys.argv[1]), Path(sys.argv[2])

    def stall(*args):
        marker.write_text("inside")
        time.sleep(60)

    search_index.index_document = stall
    with Workspace.open(data_dir) as ws:
        ws.register_incoming(IncomingDraft(
            issuer="Sở Nội vụ", reference="1/SNV", issued_on=None, doc_type="Công văn",
            subject="Sẽ không bao giờ được ghi",
        ))
    """
)


def _python(script: str, *args: str) -> subprocess.Popen[bytes]:
    env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    return subprocess.Popen([sys.executable, "-c", script, *args], env=env)


def test_concurrent_processes_never_share_or_skip_a_number(workspace: Workspace) -> None:
    procs = [_python(WORKER, str(workspace.data_dir), f"desk{i}", "25") for i in range(3)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    reg = workspace.register_for("incoming", workspace.registers()[0].year)
    numbers = [d.number for d in workspace.iter_register(reg.id)]
    assert numbers == list(range(1, 76))
    assert reg.last_number == 75
    assert workspace.verify_audit().ok


def test_process_killed_inside_the_numbering_transaction_leaves_nothing(
    workspace: Workspace, tmp_path: Path
) -> None:
    marker = tmp_path / "inside"
    proc = _python(KILLED_MID_TRANSACTION, str(workspace.data_dir), str(marker))
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None, "the child ended before reaching the transaction"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    year = workspace.registers()[0].year
    assert workspace.register_for("incoming", year).last_number == 0
    assert workspace.search("bao gio duoc ghi") == []
    assert workspace.outbox_pending() == 5  # init, two registers, two units: nothing more
    # The desk keeps working after the crash: the number the dead process held was never
    # committed, so it was never printed and is issued now.
    doc = workspace.register_incoming(
        IncomingDraft(
            issuer="A", reference="2/A", issued_on=None, doc_type="Công văn", subject="Sau sự cố"
        )
    )
    assert doc.document.summary.number == 1
    assert workspace.verify_audit().ok


def test_a_connected_desk_without_the_lease_does_not_number(workspace: Workspace) -> None:
    from datetime import UTC, datetime

    from clerk_app import errors
    from clerk_app.storage.sync_models import SyncLease, SyncLink

    with workspace._db.write() as s:
        s.add(
            SyncLink(
                id=1,
                server_url="http://127.0.0.1:1",
                username="nvan1.ubnd",
                role="clerk",
                server_agency_id="x",
                connected_at=datetime.now(UTC),
            )
        )
    draft = IncomingDraft(
        issuer="A", reference="1/A", issued_on=None, doc_type="Công văn", subject="B"
    )
    with pytest.raises(errors.NumberingLeaseNotHeld) as caught:
        workspace.register_incoming(draft)
    assert "không giữ quyền cấp số" in str(caught.value)
    year = workspace.registers()[0].year
    assert workspace.register_for("incoming", year).last_number == 0
    with workspace._db.write() as s:
        s.add(
            SyncLease(kind="incoming", series="chung", year=year, holder_desk_id=workspace.desk_id)
        )
    assert workspace.register_incoming(draft).document.summary.number == 1
