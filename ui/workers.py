"""Runs slow work (files, previews, searches) off the GUI thread and reports back; no widgets."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot


class Progress:
    """A plain progress reporter with a cancel flag, shared by the worker and the GUI."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done = 0
        self._total = 0
        self._label = ""
        self._cancel = threading.Event()

    def report(self, done: int, total: int, label: str = "") -> None:
        with self._lock:
            self._done, self._total, self._label = done, total, label

    def snapshot(self) -> tuple[int, int, str]:
        with self._lock:
            return self._done, self._total, self._label

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()


class Task(QRunnable):
    """One call of `fn` on the pool; its outcome goes to the hub, never to a per-task QObject."""

    def __init__(self, task_id: int, fn: Callable[[], Any]) -> None:
        super().__init__()
        self.task_id = task_id
        self.fn = fn
        self.setAutoDelete(True)

    @Slot()
    def run(self) -> None:
        try:
            result = self.fn()
        except BaseException as error:  # handed to the presenter on the GUI thread
            _report(self.task_id, False, error)
        else:
            _report(self.task_id, True, result)
        # Drop the work (and what it captured) here, before the pool deletes the runnable.
        self.fn = _nothing


def _report(task_id: int, ok: bool, outcome: object) -> None:
    """Hand the outcome to the hub, unless the hub is gone: the process is ending (the window
    was closed, or a test run finished) while this work was still running, so nobody is left
    to tell. Emitting on the deleted hub raised «Signal source has been deleted» in the pool."""
    hub = _hub_instance[0] if _hub_instance else None
    if hub is None or not shiboken6.isValid(hub):
        return
    try:
        hub.delivered.emit(task_id, ok, outcome)
    except RuntimeError:
        if shiboken6.isValid(hub):
            raise
        # Deleted between the check and the emit: the same ending process, the same nobody.


def _nothing() -> None:
    return None


@dataclass
class _Waiting:
    owner: QObject | None
    on_done: Callable[[Any], None]
    on_error: Callable[[BaseException], None]


class _Hub(QObject):
    """The one GUI-thread object that every task reports to, alive for the whole process.

    Workers emit on this long-lived object only. An earlier design made a QObject per task
    (signals + relay, released with deleteLater); destroying those while a worker was still
    inside emit(), or from a garbage collection on a worker thread, crashed in ~QObject.
    """

    delivered = Signal(int, bool, object)

    def __init__(self) -> None:
        super().__init__()
        self.waiting: dict[int, _Waiting] = {}
        self.delivered.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @Slot(int, bool, object)
    def _deliver(self, task_id: int, ok: bool, outcome: object) -> None:
        waiting = self.waiting.pop(task_id, None)
        if waiting is None:
            return
        if waiting.owner is not None and not shiboken6.isValid(waiting.owner):
            return  # the screen that asked is gone: nobody to tell
        if ok:
            waiting.on_done(outcome)
        else:
            assert isinstance(outcome, BaseException)
            waiting.on_error(outcome)


_hub_instance: list[_Hub] = []
_next_id = itertools.count(1)


def _hub() -> _Hub:
    # Created by the first run_in_background call, which is on the GUI thread, so the hub
    # (and its queued slot) lives there; workers only read the list (see _report).
    return _hub_instance[0]


def pool() -> QThreadPool:
    return QThreadPool.globalInstance()


def run_in_background(
    fn: Callable[[], Any],
    on_done: Callable[[Any], None],
    on_error: Callable[[BaseException], None],
    owner: QObject | None = None,
) -> Task:
    """Run `fn` on the thread pool; the callbacks run on the GUI thread.

    With an `owner`, the callbacks are skipped when the owner was deleted meanwhile.
    """
    if not _hub_instance:
        _hub_instance.append(_Hub())
    task = Task(next(_next_id), fn)
    _hub().waiting[task.task_id] = _Waiting(owner, on_done, on_error)
    pool().start(task)
    return task
