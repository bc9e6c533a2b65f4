"""Originals of a registration killed before its commit are removed by the idle-time upkeep."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

from clerk_app.records import IncomingDraft
from clerk_app.workspace import Workspace

KILLED_WITH_A_FILE = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from clerk_app.records import IncomingDraft
    from clerk_app.storage import search_index
    from clerk_app.workspace import Workspace

    data_dir, marker, scan = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])

    def stall(*args):
        marker.write_text("inside")
        time.sleep(60)

    search_index.index_document = stall
    with Workspace.open(data_dir) as ws:
        ws.register_incoming(IncomingDraft(
            issuer="Sở Nội vụ", reference="1/SNV", issued_on=None, doc_type="Công văn",
            subject="Sẽ không bao giờ được ghi", files=[scan], allow_duplicate=True,
        ))
    """
)


def blobs(ws: Workspace) -> set[str]:
    root = ws.data_dir / "files"
    return {p.name for p in root.rglob("*") if p.is_file() and p.parent.parent.parent == root}


def registered(ws: Workspace, scan: Path) -> None:
    ws.register_incoming(
        IncomingDraft(
            issuer="Sở Tài chính",
            reference="5/STC",
            issued_on=None,
            doc_type="Công văn",
            subject="Đã đăng ký",
            files=[scan],
        )
    )


def kill_inside_the_transaction(ws: Workspace, scan: Path, marker: Path) -> None:
    env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_WITH_A_FILE, str(ws.data_dir), str(marker), str(scan)],
        env=env,
    )
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None, "the child ended before reaching the transaction"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def test_upkeep_removes_the_originals_of_a_registration_that_never_committed(
    workspace: Workspace, make_pdf: Callable[..., Path], tmp_path: Path
) -> None:
    kept = make_pdf("Công văn đã đăng ký")
    registered(workspace, kept)
    before = blobs(workspace)
    kill_inside_the_transaction(workspace, make_pdf("Bản quét bị bỏ dở"), tmp_path / "inside")
    left = blobs(workspace) - before
    assert left, "the dead registration stored its scan before the transaction"

    # A note younger than the limit may belong to a registration still running: kept.
    assert workspace.maintain().orphans_removed == 0
    assert blobs(workspace) - before == left

    done = workspace.maintain(orphan_age_s=0)
    assert done.orphans_removed == len(left)
    assert blobs(workspace) == before
    assert workspace.maintain(orphan_age_s=0).orphans_removed == 0
    assert workspace.verify_audit().ok


def test_a_dead_registration_of_bytes_already_registered_removes_nothing(
    workspace: Workspace, make_pdf: Callable[..., Path], tmp_path: Path
) -> None:
    scan = make_pdf("Cùng một bản quét")
    registered(workspace, scan)
    before = blobs(workspace)
    kill_inside_the_transaction(workspace, scan, tmp_path / "inside")
    assert workspace.maintain(orphan_age_s=0).orphans_removed == 0
    assert blobs(workspace) == before
