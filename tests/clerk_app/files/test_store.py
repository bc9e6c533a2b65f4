"""Tests of the content-addressed store on a real folder; no database, no mocks but for disk faults."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import Path

import pytest

from clerk_app.errors import StorageFailed, StoredFileDamaged
from clerk_app.files.store import ContentStore, StoredBlob

DATA = b"%PDF-1.7 not really, but bytes are bytes\n" * 100
SHA = hashlib.sha256(DATA).hexdigest()


@pytest.fixture
def store(tmp_path: Path) -> ContentStore:
    return ContentStore(tmp_path / "files")


def _files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_put_writes_the_bytes_at_their_hash_read_only(store: ContentStore, tmp_path: Path) -> None:
    blob = store.put(DATA)

    expected = tmp_path / "files" / SHA[:2] / SHA[2:4] / SHA
    assert blob == StoredBlob(sha256=SHA, size=len(DATA), path=expected, created=True)
    assert expected.read_bytes() == DATA
    assert stat.S_IMODE(expected.stat().st_mode) == 0o444
    assert store.path(SHA) == expected
    assert store.contains(SHA)
    assert list((tmp_path / "files" / "tmp").iterdir()) == []


def test_put_is_idempotent_and_leaves_the_existing_file_alone(store: ContentStore) -> None:
    first = store.put(DATA)
    before = first.path.stat()

    second = store.put(DATA)

    assert second.created is False
    assert (second.sha256, second.path, second.size) == (first.sha256, first.path, first.size)
    after = first.path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert _files_under(store.root) == [first.path]


def test_put_of_empty_bytes_works(store: ContentStore) -> None:
    blob = store.put(b"")
    assert blob.sha256 == hashlib.sha256(b"").hexdigest()
    assert store.read(blob.sha256) == b""


def test_read_returns_the_bytes(store: ContentStore) -> None:
    store.put(DATA)
    assert store.read(SHA) == DATA


def test_read_detects_a_tampered_blob(store: ContentStore) -> None:
    blob = store.put(DATA)
    os.chmod(blob.path, 0o644)
    blob.path.write_bytes(DATA.replace(b"bytes", b"BYTES", 1))  # same size, other content

    with pytest.raises(StoredFileDamaged) as caught:
        store.read(SHA)

    assert isinstance(caught.value, StorageFailed)
    assert caught.value.reason == "mismatch"
    assert caught.value.sha256 == SHA
    assert "không khớp" in str(caught.value)


def test_read_of_a_missing_blob_says_so(store: ContentStore) -> None:
    with pytest.raises(StoredFileDamaged) as caught:
        store.read(SHA)
    assert caught.value.reason == "missing"


def test_put_replaces_a_damaged_copy_but_does_not_claim_it(store: ContentStore) -> None:
    blob = store.put(DATA)
    os.chmod(blob.path, 0o644)
    blob.path.write_bytes(DATA[:10])  # a half-lost file from a disk fault

    healed = store.put(DATA)

    assert store.read(SHA) == DATA
    # Records may already point at this hash, so a rollback must not delete the healed file.
    assert healed.created is False
    store.discard(healed)
    assert store.contains(SHA)


def test_discard_removes_only_what_put_created(store: ContentStore) -> None:
    created = store.put(DATA)
    again = store.put(DATA)

    store.discard(again)
    assert store.contains(SHA)

    store.discard(created)
    assert not store.contains(SHA)
    store.discard(created)  # already gone: nothing to undo


def test_path_refuses_anything_but_a_sha256(store: ContentStore) -> None:
    for bad in ("../../etc/passwd", SHA.upper(), SHA[:-1], SHA + "0", ""):
        with pytest.raises(ValueError):
            store.path(bad)


def _fail_with_disk_full(*_args: object, **_kwargs: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("step", ["fsync", "replace", "chmod"])
def test_a_failed_write_leaves_nothing_behind(
    store: ContentStore, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    monkeypatch.setattr(os, step, _fail_with_disk_full)

    with pytest.raises(StorageFailed) as caught:
        store.put(DATA)

    monkeypatch.undo()
    assert caught.value.extra["sha256"] == SHA
    assert os.strerror(errno.ENOSPC) in caught.value.detail
    assert not store.contains(SHA)
    assert _files_under(store.root) == []


def test_a_root_that_cannot_be_a_folder_fails_as_storage(tmp_path: Path) -> None:
    blocker = tmp_path / "files"
    blocker.write_bytes(b"a file where the store's folder should be")

    with pytest.raises(StorageFailed):
        ContentStore(blocker).put(DATA)

    assert blocker.read_bytes() == b"a file where the store's folder should be"
