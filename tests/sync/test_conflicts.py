"""Settling a sync conflict: the correction chosen and the decision land together or not at all."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from clerk_app.records import IncomingDraft
from clerk_app.storage.sync_models import SyncConflict
from clerk_app.workspace import Workspace
from sync import conflicts
from sync.engine import DeskSync


def _desk_with_a_number_conflict(desk: Path) -> tuple[str, str]:
    """A registered document and a server row that would renumber it (kept as a conflict)."""
    with Workspace.open(desk, actor="nvan1.ubnd") as ws:
        summary = ws.register_incoming(
            IncomingDraft(
                issuer="Sở Tài chính",
                reference="5/STC",
                issued_on=None,
                doc_type="Công văn",
                subject="Trích yếu trên bàn",
            )
        ).document.summary
    server_row = {"direction": "incoming", "number": 9, "subject": "Trích yếu trên máy chủ"}
    with DeskSync(desk) as d, d.db.write() as s:
        row = SyncConflict(
            entity_id=summary.id,
            reason="number_differs",
            server_data=json.dumps(server_row),
            at=datetime.now(UTC),
        )
        s.add(row)
        s.flush()
        return summary.id, f"conflict:{row.id}"


def test_a_failed_decision_takes_its_correction_back(
    new_desk: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk = new_desk("a")
    doc_id, key = _desk_with_a_number_conflict(desk)

    def broken(*_args: Any) -> None:
        raise RuntimeError("disk gone while marking the decision")

    monkeypatch.setattr(conflicts, "mark_resolved", broken)
    with Workspace.open(desk, actor="nvan1.ubnd") as ws, DeskSync(desk) as d:
        with pytest.raises(RuntimeError):
            conflicts.resolve(ws, d, key, {"subject": conflicts.SERVER}, "theo máy chủ")
        detail = ws.document(doc_id)
        assert detail.summary.subject == "Trích yếu trên bàn"
        assert "correct" not in [h.action for h in detail.history]
        assert [r.key for r in conflicts.list_conflicts(d)] == [key]

    monkeypatch.undo()
    with Workspace.open(desk, actor="nvan1.ubnd") as ws, DeskSync(desk) as d:
        conflicts.resolve(ws, d, key, {"subject": conflicts.SERVER}, "theo máy chủ")
        detail = ws.document(doc_id)
        assert detail.summary.subject == "Trích yếu trên máy chủ"
        actions = [h.action for h in detail.history]
        assert actions[-2:] == ["correct", conflicts.RESOLVE_ACTION]
        assert conflicts.list_conflicts(d) == []
