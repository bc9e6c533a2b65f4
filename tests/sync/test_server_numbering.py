"""The server numbers desks' drafts by the desk's rules: QPPL with the year, copies apart."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from clerk_app.clock import vietnam_date
from clerk_app.records import OutgoingDraft
from sync.engine import DeskSync
from sync.server.models import RegisterCounter, ServerDocument
from tests.sync.conftest import RunningServer, connect


def _draft(doc_type: str, *, qppl: bool = False) -> OutgoingDraft:
    return OutgoingDraft(
        doc_type=doc_type,
        subject=f"Về việc {doc_type.lower()}",
        signer="Nguyễn Văn Hùng",
        recipients="Sở Nội vụ",
        qppl=qppl,
    )


def test_drafts_numbered_by_the_server_follow_the_series_rules(
    sqlite_server: RunningServer, new_desk: Any
) -> None:
    desk = new_desk("a")
    connect(sqlite_server, desk, "nvan1.ubnd")
    year = vietnam_date(datetime.now(UTC)).year
    with DeskSync(desk) as d:
        ids = {
            "individual": d.draft_outgoing(_draft("Quyết định")),
            "qppl": d.draft_outgoing(_draft("Quyết định", qppl=True)),
            "copy": d.draft_outgoing(_draft("Bản sao y")),
            "second": d.draft_outgoing(_draft("Quyết định")),
        }
        d.sync()
    with sqlite_server.db.read() as s:
        rows = s.execute(
            select(ServerDocument.id, RegisterCounter.series, ServerDocument.data).join(
                RegisterCounter, RegisterCounter.id == ServerDocument.counter_id
            )
        ).all()
    by_id = {i: (series, data["reference"].split("-")[0]) for i, series, data in rows}
    assert [by_id[draft_id] for draft_id in ids.values()] == [
        ("chung", "01/QĐ"),
        ("QPPL", f"01/{year}/QĐ"),
        ("SAO", "01/SY"),
        ("chung", "02/QĐ"),
    ]
