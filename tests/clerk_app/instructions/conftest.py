"""Fixtures of the secretary's desk: a workspace with units, people and documents to instruct on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from clerk_app.clock import VIETNAM
from clerk_app.instructions.secretary import Secretary
from clerk_app.records import IncomingDraft
from clerk_app.workspace import Workspace


@pytest.fixture
def secretary(workspace: Workspace) -> Secretary:
    workspace.add_unit("TC", "Phòng Tài chính - Kế hoạch")
    workspace.add_person("Nguyễn Văn Đức", "KT", "Trưởng phòng")
    return Secretary(workspace)


@pytest.fixture
def incoming(workspace: Workspace, make_pdf: Callable[..., Path]) -> Callable[..., str]:
    """Register an incoming document (with a scan unless told otherwise); returns its id."""

    def make(
        subject: str = "Về việc báo cáo tình hình", *, scan: bool = True, urgency: str = "Thường"
    ) -> str:
        files = [make_pdf("CÔNG VĂN", subject)] if scan else []
        registered = workspace.register_incoming(
            IncomingDraft(
                issuer="Sở Tài chính",
                reference="15/STC-NS",
                issued_on=None,
                doc_type="Công văn",
                subject=subject,
                urgency=urgency,
                received_at=datetime(2026, 3, 10, 7, 45, tzinfo=VIETNAM),
                files=files,
                allow_duplicate=True,
            )
        )
        return registered.document.summary.id

    return make


@pytest.fixture
def desk(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A desk made through the command line, with the units KT and VP."""
    from tests.clerk_app.instructions.test_instruction_cli import run

    d = tmp_path / "desk"
    for args in (
        ["init", "--agency-name", "Ủy ban nhân dân tỉnh Phú Yên", "--agency-code", "UBND"],
        ["add-unit", "--code", "KT", "--name", "Phòng Kinh tế"],
        ["add-unit", "--code", "VP", "--name", "Văn phòng"],
    ):
        code, _, err = run(capsys, d, *args, "--json")
        assert code == 0, err
    return d
