"""What a sync round writes into the desk database: the feed's documents keep the desk's text."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from clerk_app.clock import VIETNAM
from clerk_app.records import IncomingDraft
from clerk_app.workspace import Workspace
from sync.engine import DeskSync
from tests.sync.conftest import RunningServer, connect

YEAR = datetime.now(VIETNAM).year


def _found(desk: Path, words: str) -> list[str]:
    with Workspace.open(desk) as ws:
        return [r.id for r in ws.search(words)]


def test_own_document_keeps_its_pdf_and_ocr_text_in_search_through_a_sync_round(
    sqlite_server: RunningServer, new_desk: Any, make_pdf: Any
) -> None:
    a = new_desk("a")
    connect(sqlite_server, a, "nvan1.ubnd")
    with DeskSync(a) as d:
        d.sync()
        d.acquire_lease("incoming", YEAR)
    # Words that are only in the PDF's own text, and only in what OCR read from the scan.
    scan = make_pdf("Bien ban kiem tra hien truong khaosat")
    with Workspace.open(a, actor="nvan1.ubnd") as ws:
        detail = ws.register_incoming(
            IncomingDraft(
                issuer="Sở Tài chính",
                reference="7/STC",
                issued_on=None,
                doc_type="Công văn",
                subject="Về việc quyết toán",
                files=[scan],
            )
        ).document
        doc_id = detail.summary.id
        ws.set_ocr_text(doc_id, detail.files[0].id, "chữ viết tay của lãnh đạo phêduyệt")
    assert _found(a, "khaosat") == [doc_id]
    assert _found(a, "pheduyet") == [doc_id]

    with DeskSync(a) as d:
        first = d.sync()
    # Another desk changes the document: the feed brings it back to A changed, and A's sync
    # store writes its row again (its own, unchanged, coming back is skipped altogether).
    b = new_desk("b")
    connect(sqlite_server, b, "ttbinh1.ubnd")
    with DeskSync(b) as d:
        d.sync()
    with Workspace.open(b, actor="ttbinh1.ubnd") as ws:
        ws.correct(doc_id, {"notes": "Bản giấy lưu ở Văn phòng"}, "ghi nơi lưu")
    with DeskSync(b) as d:
        d.sync()
    with DeskSync(a) as d:
        again = d.sync()
    assert first.rejected == [] and again.rejected == []
    with Workspace.open(a) as ws:
        actions = [h.action for h in ws.document(doc_id).history]
    assert "sync_updated" in actions or "sync_received" in actions, actions
    assert _found(a, "khaosat") == [doc_id]
    assert _found(a, "pheduyet") == [doc_id]
    assert _found(a, "quyet toan") == [doc_id]
    with Workspace.open(a) as ws:
        assert ws.document(doc_id).summary.notes == "Bản giấy lưu ở Văn phòng"
    assert _found(a, "giay luu van phong") == [doc_id]  # and the change is searched too
