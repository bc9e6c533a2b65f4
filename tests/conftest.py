"""Shared fixtures: a desk data directory with a fixed clock, and documents made on the fly."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pymupdf
import pytest

from clerk_app.clock import VIETNAM
from clerk_app.workspace import Workspace

# The test PKI on SoftHSM2 is one session-wide token: the core's and the UI's signing tests
# must share it (a second SoftHSM initialisation in the same process would clash).
sys.path.insert(0, str(Path(__file__).parent / "clerk_app" / "signing"))
pytest_plugins = ["signing_pki", "tests.marking", "tests.modal_guard"]


class SteppingClock:
    """The desk's clock in tests: a fixed start that moves one second per reading."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


START = datetime(2026, 3, 10, 8, 0, tzinfo=VIETNAM)


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock(START)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "desk"


@pytest.fixture(scope="session")
def initialised_desk(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, datetime]:
    """The `workspace` fixture's desk, made once: its data directory and the clock after it.

    Workspace.init's migrations and commits (each a durable fsync) cost a test more than most
    of what it then checks; a copy of the folder is the same desk, to the clock's second.
    """
    clock = SteppingClock(START)
    path = tmp_path_factory.mktemp("initialised") / "desk"
    ws = Workspace.init(
        path,
        agency_name="Ủy ban nhân dân tỉnh Phú Yên",
        agency_code="UBND",
        parent_name="",
        actor="nvan1.ubnd",
        clock=clock,
    )
    try:
        ws.add_unit("VP", "Văn phòng")
        ws.add_unit("KT", "Phòng Kinh tế")
    finally:
        ws.close()
    return path, clock.now


@pytest.fixture
def workspace(
    data_dir: Path, clock: SteppingClock, initialised_desk: tuple[Path, datetime]
) -> Iterator[Workspace]:
    """A desk of the agency UBND with the units VP and KT, on the stepping clock."""
    template, clock.now = initialised_desk
    shutil.copytree(template, data_dir)
    ws = Workspace.open(data_dir, actor="nvan1.ubnd", clock=clock)
    try:
        yield ws
    finally:
        ws.close()


@pytest.fixture
def make_pdf(tmp_path: Path) -> Callable[..., Path]:
    """Write a small real PDF with the given lines of text on each page."""
    counter = iter(range(1_000_000))

    def make(*lines: str, pages: int = 1, name: str | None = None) -> Path:
        doc = pymupdf.open()
        for page_no in range(pages):
            page = doc.new_page(width=595, height=842)
            y = 72
            for line in lines or (f"Trang {page_no + 1}",):
                page.insert_text((72, y), line, fontsize=12)
                y += 18
        path = tmp_path / (name or f"doc-{next(counter)}.pdf")
        doc.save(path)
        doc.close()
        return path

    return make
