"""A damaged, truncated, locked or read-only desk database: one Vietnamese line, no traceback."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from clerk_app import errors
from clerk_app.cli import main
from clerk_app.records import IncomingDraft
from clerk_app.storage import database
from clerk_app.storage.database import DB_FILENAME
from clerk_app.workspace import Workspace


@pytest.fixture(scope="module")
def filled_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed desk with some registrations and its WAL checkpointed into the file."""
    data_dir = tmp_path_factory.mktemp("health") / "desk"
    with Workspace.init(data_dir, agency_name="Ủy ban nhân dân xã", agency_code="UBND") as ws:
        for i in range(80):
            ws.register_incoming(
                IncomingDraft(
                    issuer="Sở Nội vụ",
                    reference=f"{i}/SNV",
                    issued_on=None,
                    doc_type="Công văn",
                    subject="Về việc báo cáo công tác văn thư lưu trữ " * 20 + str(i),
                )
            )
        ws.maintain()
    return data_dir


@pytest.fixture
def filled(filled_once: Path, tmp_path: Path) -> Path:
    """A copy of the filled desk for one test to damage."""
    return Path(shutil.copytree(filled_once, tmp_path / "desk"))


def refused(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """What `clerk registers` prints: exit 2, exactly one line on stderr, no traceback."""
    assert main(["--data-dir", str(data_dir), "registers"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


def test_a_truncated_database_is_named_damaged(
    filled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = filled / DB_FILENAME
    with db.open("r+b") as fh:
        fh.truncate(db.stat().st_size // 2)
    with pytest.raises(errors.DatabaseDamaged):
        Workspace.open(filled)
    assert "bị hỏng" in refused(filled, capsys)


def test_a_database_with_a_broken_header_is_named_damaged(
    filled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = filled / DB_FILENAME
    data = bytearray(db.read_bytes())
    data[:16] = b"not a database!!"
    db.write_bytes(bytes(data))
    with pytest.raises(errors.DatabaseDamaged):
        Workspace.open(filled)
    assert "sao lưu" in refused(filled, capsys)


def damage_pages(db: Path) -> None:
    """Overwrite part of every other page after the first three, as a failing disk would."""
    data = bytearray(db.read_bytes())
    page = 4096
    for offset in range(3 * page, len(data), 2 * page):
        data[offset + 100 : offset + 400] = bytes(range(256)) + bytes(44)
    db.write_bytes(bytes(data))


def test_damaged_pages_are_found_when_the_desk_opens(filled: Path) -> None:
    damage_pages(filled / DB_FILENAME)
    with pytest.raises(errors.DatabaseDamaged):
        Workspace.open(filled)  # found by quick_check, before any search touches those pages


def test_a_database_held_by_another_program_is_named_locked(
    filled: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 50)
    holder = sqlite3.connect(filled / DB_FILENAME, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(errors.DatabaseLocked):
            Workspace.open(filled)
        assert "chương trình khác" in refused(filled, capsys)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    Workspace.open(filled).close()


@pytest.fixture
def immutable(filled: Path) -> Iterator[Path]:
    """The database file made read-only even for root (ext4's immutable attribute)."""
    chattr = shutil.which("chattr")
    db = filled / DB_FILENAME
    if chattr is None or subprocess.run([chattr, "+i", str(db)], check=False).returncode != 0:
        pytest.skip("chattr +i is not available here (needs root on ext2/3/4)")
    try:
        yield filled
    finally:
        subprocess.run([chattr, "-i", str(db)], check=True)


def test_a_read_only_database_is_named_read_only(
    immutable: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(errors.DatabaseReadOnly):
        Workspace.open(immutable)
    assert "quyền ghi" in refused(immutable, capsys)


def test_damage_met_in_the_middle_of_a_command_is_one_line_too(
    filled: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    damage_pages(filled / DB_FILENAME)
    # As if the pages broke after the desk was opened and checked.
    monkeypatch.setattr(database.Database, "check", lambda self: None)
    assert main(["--data-dir", str(filled), "search", "văn thư", "--limit", "500"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "bị hỏng" in err


def test_a_large_desk_is_checked_by_its_header_at_opening_and_fully_by_verify_audit(
    filled: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "FULL_CHECK_MAX_BYTES", 0)  # as if it held a million documents
    intact = filled.parent / "intact"
    shutil.copytree(filled, intact)
    db = filled / DB_FILENAME
    data = bytearray(db.read_bytes())
    for page_start in range(len(data) - 3 * 4096, len(data), 4096):  # the last three pages
        data[page_start : page_start + 4096] = bytes(range(256)) * 16
    db.write_bytes(bytes(data))
    # Pages damaged deep inside: not read at opening (that would take seconds per 100,000
    # documents), found by the full check of verify-audit.
    Workspace.open(filled).close()
    assert main(["--data-dir", str(filled), "verify-audit"]) == 2
    assert "bị hỏng" in capsys.readouterr().err
    # A file cut short is seen from its header at every opening.
    db = intact / DB_FILENAME
    with db.open("r+b") as fh:
        fh.truncate(db.stat().st_size - 4096)
    with pytest.raises(errors.DatabaseDamaged) as caught:
        Workspace.open(intact)
    assert "truncated" in caught.value.detail
