"""The folder exchange: what the desk writes is whole or absent, what it reads is finished, and
the same bytes arriving twice are recognised. Real folders, a real process killed mid-write."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clerk_app.interchange.exchange import RECEIVED_FOLDER, FolderExchange

PACKAGE = b'<?xml version="1.0"?><edXML>' + b"x" * 5000 + b"</edXML>"


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def folders(tmp_path: Path, clock: Clock) -> FolderExchange:
    return FolderExchange(tmp_path / "outbox", tmp_path / "inbox", settle_seconds=2.0, clock=clock)


def _age(path: Path, seconds: float) -> None:
    past = time.time() - seconds
    os.utime(path, (past, past))


def test_send_writes_whole_files_named_by_content(folders: FolderExchange) -> None:
    sent = folders.send(PACKAGE, "package")
    assert sent.already_there is False
    assert sent.name.startswith("package-") and sent.name.endswith(".edxml")
    assert (folders.outbox / sent.name).read_bytes() == PACKAGE
    assert sorted(p.name for p in folders.outbox.iterdir()) == [sent.name]  # no temp left
    again = folders.send(PACKAGE, "package")
    assert (again.name, again.already_there) == (sent.name, True)
    status = folders.send(b"<edXMLEnvelope/>", "status")
    assert status.name.startswith("status-")
    assert len(list(folders.outbox.iterdir())) == 2


def test_a_damaged_outbox_copy_is_replaced(folders: FolderExchange) -> None:
    sent = folders.send(PACKAGE, "package")
    (folders.outbox / sent.name).write_bytes(PACKAGE[:100])
    assert folders.send(PACKAGE, "package").already_there is False
    assert (folders.outbox / sent.name).read_bytes() == PACKAGE


def test_unfinished_and_foreign_files_are_not_read(folders: FolderExchange) -> None:
    inbox = folders.inbox
    for name in (".incoming.edxml", "goi-tin.edxml.part", "goi-tin.edxml.tmp", "ghi-chu.txt"):
        (inbox / name).write_bytes(PACKAGE)
        _age(inbox / name, 60)
    fresh = inbox / "dang-ghi.edxml"
    fresh.write_bytes(PACKAGE[:10])  # a gateway writing in place: just touched
    assert list(folders.incoming()) == []
    _age(fresh, 60)
    (item,) = list(folders.incoming())
    assert item.name == "dang-ghi.edxml"


def test_a_file_written_to_while_read_is_left_for_later(
    folders: FolderExchange, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = folders.inbox / "goi-tin.edxml"
    path.write_bytes(PACKAGE[:100])
    _age(path, 60)
    real = Path.read_bytes

    def read_while_written(self: Path) -> bytes:
        data = real(self)
        with open(self, "ab") as more:
            more.write(PACKAGE[100:])
        return data

    monkeypatch.setattr(Path, "read_bytes", read_while_written)
    assert list(folders.incoming()) == []
    monkeypatch.undo()
    _age(path, 60)
    (item,) = list(folders.incoming())
    assert item.data == PACKAGE


def test_received_files_are_moved_aside_and_recognised_again(folders: FolderExchange) -> None:
    first = folders.inbox / "a.edxml"
    first.write_bytes(PACKAGE)
    other = folders.inbox / "b.xml"
    other.write_bytes(PACKAGE + b" ")
    _age(first, 120)
    _age(other, 60)
    items = list(folders.incoming())
    assert [i.name for i in items] == ["a.edxml", "b.xml"]  # oldest first
    assert all(not i.seen_before for i in items)
    # Read twice before it was dealt with (a crash in between): the same file, still there.
    assert [i.sha256 for i in folders.incoming()] == [i.sha256 for i in items]
    folders.acknowledge(items[0])
    assert not first.exists()
    assert (folders.inbox / RECEIVED_FOLDER / f"{items[0].sha256}.edxml").read_bytes() == PACKAGE
    # The gateway delivers the same bytes again under another name.
    repeat = folders.inbox / "c.edxml"
    repeat.write_bytes(PACKAGE)
    _age(repeat, 60)
    seen = {i.name: i.seen_before for i in folders.incoming()}
    assert seen == {"b.xml": False, "c.edxml": True}
    (again,) = [i for i in folders.incoming() if i.name == "c.edxml"]
    folders.acknowledge(again)
    assert not repeat.exists()
    assert len(list((folders.inbox / RECEIVED_FOLDER).iterdir())) == 1


def test_an_oversized_file_is_not_loaded(tmp_path: Path) -> None:
    folders = FolderExchange(tmp_path / "o", tmp_path / "i", settle_seconds=0, max_bytes=1000)
    big = folders.inbox / "big.edxml"
    big.write_bytes(b"<a>" + b"x" * 5000 + b"</a>")
    (item,) = list(folders.incoming())
    assert (item.data, item.size) == (None, 5007)
    folders.acknowledge(item)
    assert (folders.inbox / RECEIVED_FOLDER / "oversize-big.edxml").exists()


CHILD = r"""
import os, sys, time
from pathlib import Path
from clerk_app.interchange import exchange
from clerk_app.interchange.exchange import FolderExchange

def stall(src, dst):
    Path(sys.argv[3]).write_text("ready")
    time.sleep(60)  # killed here: the temp file is written, the rename never happens

exchange.os.replace = stall
FolderExchange(Path(sys.argv[1]), Path(sys.argv[2])).send(b"<edXML>" + b"y" * 2_000_000 + b"</edXML>", "package")
"""


def test_killed_while_sending_leaves_no_file_under_a_final_name(tmp_path: Path) -> None:
    outbox, inbox, ready = tmp_path / "outbox", tmp_path / "inbox", tmp_path / "ready"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(outbox), str(inbox), str(ready)])
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert child.poll() is None, "the sending process ended early"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    names = [p.name for p in outbox.iterdir()]
    assert len(names) == 1 and names[0].startswith(".") and names[0].endswith(".part")
    # A gateway reading this folder takes nothing from it.
    gateway = FolderExchange(tmp_path / "unused", outbox, settle_seconds=0)
    assert list(gateway.incoming()) == []
    # Sending again after the crash gives one whole file.
    payload = b"<edXML>" + b"y" * 2_000_000 + b"</edXML>"
    sent = FolderExchange(outbox, inbox).send(payload, "package")
    assert (outbox / sent.name).read_bytes() == payload
