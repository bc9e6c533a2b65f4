"""The registrations' round overlapping the scans': a run of mutations from the front whose
files are all on the server goes up while the other files still travel, in sequence order, and
a failure is raised only once every file stream has finished. The scans start with the round
(`Sending`): what the server has is reported first, a failed round starts no further request
and leaves no stream running."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from sync.engine import _in_parallel, _ReadyFront
from sync.sending import FILE_STREAMS, Job, Sending


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


def _sending(
    there: set[str], jobs: list[Job], ready: threading.Event | None = None
) -> tuple[Sending, list[list[dict[str, Any]]]]:
    asked: list[list[dict[str, Any]]] = []

    def plan(missing: list[dict[str, Any]]) -> list[Job]:
        asked.append(missing)
        return jobs

    return Sending(
        lambda: (there, [{"sha256": sha} for _j, s in jobs for sha in s]), plan, ready
    ), asked


def test_a_sending_reports_what_the_server_has_first_then_each_content_as_it_is_up() -> None:
    release = threading.Event()
    ready = threading.Event()

    def slow() -> int:
        release.wait(30)
        return 1

    sending, asked = _sending({"old"}, [(slow, {"big"}), (lambda: 1, {"small"})], ready)
    seen: list[set[str]] = []

    def on_server(known: set[str]) -> None:
        seen.append(known)
        ready.set()  # the round heard from the server: the requests may go
        if "small" in known:
            release.set()

    assert sending.deliver(on_server) == 2
    # What the server had already came first, before any request went; then each content as
    # its request was answered.
    assert seen[0] == {"old"} and seen[-1] == {"old", "small", "big"}
    assert {"small"} <= seen[1] and asked and sending.planned == {"old", "big", "small"}


def test_a_sending_whose_round_failed_starts_nothing_more_and_reports_nothing_unsent() -> None:
    started: list[str] = []
    held: list[Sending] = []

    def job(name: str) -> Job:
        def run() -> int:
            started.append(name)
            if name != "c0":  # held until the round has failed
                held[0].stopped.wait(30)
            return 1

        return run, {name}

    jobs = [job(f"c{i}") for i in range(FILE_STREAMS + 2)]  # more jobs than streams
    sending, _asked = _sending(set(), jobs)
    held.append(sending)
    reported: list[set[str]] = []

    def on_server(known: set[str]) -> None:
        reported.append(known)
        if known:
            raise OSError("the registrations' upload failed")

    with pytest.raises(OSError):
        sending.deliver(on_server)
    # The first content up made the upload fail: the contents not yet started then (the last
    # one at least: every stream was busy) were never started, nor reported, and every stream
    # had ended when `deliver` raised.
    assert started[0] == "c0" and f"c{len(jobs) - 1}" not in started
    assert reported == [{"c0"}]
    assert not [t for t in threading.enumerate() if t.name == "sync-files"]


def test_abandoning_a_sending_waits_for_the_streams_under_way() -> None:
    finished: list[str] = []
    began, gate = threading.Event(), threading.Event()

    def slow() -> int:
        began.set()
        gate.wait(30)
        finished.append("slow")
        return 1

    ready = threading.Event()
    ready.set()
    sending, _asked = _sending(set(), [(slow, {"big"})], ready)
    assert began.wait(30)
    threading.Timer(0.2, gate.set).start()
    sending.abandon()  # the round failed (its standing, say) while the scan travelled
    assert finished == ["slow"]  # returned only once the stream had ended
