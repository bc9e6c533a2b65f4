"""The demo agency: consistent registers, an intact audit chain, and no half-built desk."""

from __future__ import annotations

from pathlib import Path

import pytest

from clerk_app import demo, errors
from clerk_app.workspace import Workspace


def test_demo_builds_a_consistent_desk(tmp_path: Path) -> None:
    path = demo.build_demo(tmp_path / "demo", 500)
    with Workspace.open(path) as ws:
        regs = {r.kind: r for r in ws.registers()}
        letters = 12
        assert regs["incoming"].last_number + regs["outgoing"].last_number == 500 + letters
        for reg in regs.values():
            numbers = [d.number for d in ws.iter_register(reg.id)]
            assert numbers == list(range(1, reg.last_number + 1))
        assert ws.verify_audit().ok
        newest = ws.search("", limit=1)[0]
        assert [f.role for f in ws.document(newest.id).files] == ["original", "ocr_text"]
        outgoing = ws.register_rows(regs["outgoing"].id, 0, 3)
        assert outgoing[0].reference.startswith("01/")
        assert ws.pending_handover_count() > 0
        assert len(ws.units()) == len(demo.UNITS)


def test_interrupted_demo_leaves_no_desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(demo, "_register_letters", fail)
    with pytest.raises(KeyboardInterrupt):
        demo.build_demo(tmp_path / "demo", 100)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(errors.NotInitialised):
        Workspace.open(tmp_path / "demo")


def test_demo_refuses_a_folder_in_use(tmp_path: Path) -> None:
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "something.txt").write_text("x")
    with pytest.raises(errors.AlreadyInitialised):
        demo.build_demo(tmp_path / "used", 10)
