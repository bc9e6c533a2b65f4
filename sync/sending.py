"""File contents moved by worker threads while the desk's sync round goes on: several streams at
once, what has finished reported back to the round's thread as it grows. No HTTP, no database.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

# Files in flight at once: one file's request waits on the server's fsync and commit while the
# next one's bytes travel; more than a few only queue on a 2-core server.
FILE_STREAMS = 3

Job = tuple[Callable[[], int], set[str]]  # sends or fetches the contents named beside it


def in_parallel(jobs: list[Job], on_done: Callable[[list[set[str]]], None] | None = None) -> int:
    """Run each job (sending or fetching some contents, named by the set beside it),
    FILE_STREAMS at a time; the sum of what they return. `on_done` is called in this thread
    with the sets of every job finished so far, each time one finishes. Each file is sent or
    fetched whole by one thread and resumes on its own, so a failure loses nothing: the first
    error (a job's, or `on_done`'s) is raised once every job has finished or failed, never
    while a thread still writes."""
    if len(jobs) <= 1 and on_done is None:
        return sum(job() for job, _shas in jobs)
    finished: list[set[str]] = []
    failure: BaseException | None = None
    with ThreadPoolExecutor(max_workers=FILE_STREAMS) as pool:
        futures = {pool.submit(job): shas for job, shas in jobs}
        for future in as_completed(futures):
            if future.exception() is not None or failure is not None or on_done is None:
                continue
            finished.append(futures[future])
            try:
                on_done(finished)
            except Exception as exc:  # raised below, once every job has finished
                failure = exc
    if failure is not None:
        raise failure
    return sum(future.result() for future in futures)


class Stopped(Exception):
    """A request not started because the round had already failed."""


class Sending:
    """Contents going up from the moment a round starts, while its thread asks the server where
    the desk stands and reads its outbox. In a thread of its own: `ask` says which contents are
    on the server already and which it lacks; once `ready` is set, `jobs` gives the requests
    that send those, run FILE_STREAMS at a time. `deliver` reports to the round's thread what
    is known to be on the server, each time that grows; `abandon` waits for every stream when
    the round failed before, so no thread still reads the desk's files once it returns."""

    def __init__(
        self,
        ask: Callable[[], tuple[set[str], list[dict[str, Any]]]],
        jobs: Callable[[list[dict[str, Any]]], list[Job]],
        ready: threading.Event | None = None,
    ) -> None:
        self._reports: queue.SimpleQueue[set[str] | None] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._sent = 0
        self.stopped = threading.Event()  # the round failed: no further request starts
        self.planned: set[str] = set()  # the contents asked about (read once `deliver` returned)
        self.known: set[str] = set()  # those known on the server when `deliver` returned
        self._thread = threading.Thread(
            target=self._drive, args=(ask, jobs, ready), name="sync-files", daemon=True
        )
        self._thread.start()

    def _drive(
        self,
        ask: Callable[[], tuple[set[str], list[dict[str, Any]]]],
        jobs: Callable[[list[dict[str, Any]]], list[Job]],
        ready: threading.Event | None,
    ) -> None:
        try:
            there, missing = ask()
            self.planned = there | {str(item["sha256"]) for item in missing}
            self._reports.put(set(there))
            # The requests wait for what the server takes (its chunk size, its batches), which
            # the round's thread learns from the server's first answer.
            while ready is not None and not ready.wait(0.05):
                if self.stopped.is_set():
                    return
            self._sent = in_parallel(
                [(self._unless_stopped(job), shas) for job, shas in jobs(missing)],
                lambda done: self._reports.put(set().union(*done)),
            )
        except BaseException as exc:  # raised by `deliver`, in the round's thread
            self._error = exc
        finally:
            self._reports.put(None)

    def _unless_stopped(self, job: Callable[[], int]) -> Callable[[], int]:
        def run() -> int:
            # A round that failed (the server unreachable) starts no further request; the
            # contents not sent are never reported as on the server.
            if self.stopped.is_set():
                raise Stopped
            return job()

        return run

    def deliver(self, on_server: Callable[[set[str]], None] | None = None) -> int:
        """Call `on_server` with every content known to be on the server so far, each time that
        set grows: first with what the server already had, if anything, then as contents go up
        (reports that came together make one call). How many contents were sent; the first error (the sending's,
        or `on_server`'s) is raised once every stream has ended."""
        known: set[str] = set()
        failure: BaseException | None = None
        ended = False
        while not ended:
            reports = [self._reports.get()]
            while reports[-1] is not None:  # every report already there: one call for them
                try:
                    reports.append(self._reports.get_nowait())
                except queue.Empty:
                    break
            ended = reports[-1] is None
            fresh = set[str]().union(*(r for r in reports if r is not None))
            # Nothing known yet is not passed on: mutations that need no file wait for the
            # first content up, or the end, and go with the others (one request, not two).
            grown = not fresh <= known
            known |= fresh
            if grown and on_server is not None and failure is None:
                try:
                    on_server(set(known))
                except Exception as exc:  # raised below, once every stream has ended
                    failure = exc
                    self.stopped.set()
        self._thread.join()
        self.known = known
        if failure is not None:
            raise failure
        if self._error is not None:
            raise self._error
        return self._sent

    def abandon(self) -> None:
        """Stop starting requests and wait for the ones under way; reports and errors dropped."""
        self.stopped.set()
        self._thread.join()
