"""The registrations' round overlapping the scans': a run of mutations from the front whose
files are all on the server goes up while the other files still travel, in sequence order, and
a failure is raised only once every file stream has finished."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from sync.engine import _in_parallel, _ReadyFront


def _mutation(seq: int, *shas: str) -> dict[str, Any]:
    return {"seq": seq, "files": [{"sha256": sha, "size": 1} for sha in shas]}


def test_the_front_whose_files_are_up_is_sent_in_sequence_order() -> None:
    batch = [_mutation(1, "a"), _mutation(2), _mutation(3, "b", "a"), _mutation(4, "c")]
    sent: list[list[int]] = []
    front = _ReadyFront(batch, lambda ms: sent.append([m["seq"] for m in ms]))
    front.send({"b"})  # mutation 1 still waits for "a": nothing may pass it
    assert sent == []
    front.send({"a"})
    assert sent == [[1, 2]]
    front.send({"a"})  # nothing new
    front.send({"a", "b"})
    assert sent == [[1, 2], [3]]
    front.send_rest()  # "c" never arrived: the server answers it (file missing) with the rest
    assert sent == [[1, 2], [3], [4]]
    front.send_rest()
    assert sent == [[1, 2], [3], [4]]


def test_progress_is_reported_as_jobs_finish_and_errors_wait_for_every_job() -> None:
    release = threading.Event()
    finished: list[str] = []

    def slow() -> int:
        release.wait(30)
        finished.append("slow")
        return 1

    def broken() -> int:
        raise OSError("disk")

    seen: list[set[str]] = []

    def progress(done: list[set[str]]) -> None:
        seen.append(set().union(*done))
        release.set()  # the quick job is reported while the slow one still runs

    assert _in_parallel([(slow, {"big"}), (lambda: 1, {"small"})], progress) == 2
    assert seen[0] == {"small"} and seen[-1] == {"small", "big"}

    release.clear()
    threading.Timer(0.3, release.set).start()  # the slow job ends after the broken one failed
    with pytest.raises(OSError):
        _in_parallel([(broken, {"x"}), (slow, {"big"})], lambda _done: None)
    assert finished == ["slow", "slow"]  # raised only after the slow job ended
