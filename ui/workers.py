"""Runs slow work (files, previews, searches) off the GUI thread and reports back; no widgets."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot


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


class _Signals(QObject):
    finished = Signal(object)
    failed = Signal(object)


class Task(QRunnable):
    """One call of `fn` on the pool; `finished(result)` or `failed(exception)` on the GUI thread."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__()
        self.fn = fn
        self.signals = _Signals()
        self.setAutoDelete(True)

    @Slot()
    def run(self) -> None:
        try:
            result = self.fn()
        except BaseException as error:  # handed to the presenter on the GUI thread
            self.signals.failed.emit(error)
        else:
            self.signals.finished.emit(result)


class _Relay(QObject):
    """Delivers a task's outcome on the GUI thread, unless its owner widget is gone by then.

    The relay is a child of the owner: when the owner is deleted, so is the relay, and Qt
    drops the queued result instead of calling into deleted widgets.
    """

    def __init__(
        self,
        owner: QObject | None,
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        super().__init__(owner)
        self._on_done = on_done
        self._on_error = on_error

    @Slot(object)
    def done(self, result: object) -> None:
        _keep.discard(self)
        self.deleteLater()
        self._on_done(result)

    @Slot(object)
    def failed(self, error: object) -> None:
        _keep.discard(self)
        self.deleteLater()
        assert isinstance(error, BaseException)
        self._on_error(error)


_keep: set[QObject] = set()  # signal objects and owner-less relays, alive until delivered


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
    task = Task(fn)
    signals = task.signals
    relay = _Relay(owner, on_done, on_error)
    _keep.add(signals)  # the runnable is deleted after run(); keep its signals object alive
    if owner is None:
        _keep.add(relay)
    signals.finished.connect(relay.done)
    signals.failed.connect(relay.failed)
    # Released by a GUI-thread object through a queued connection: a lambda would run in the
    # worker thread while it emits, drop the last reference there and destroy a GUI-thread
    # QObject from the wrong thread (seen as a crash in ~QObject in the tests).
    janitor = _janitor()
    signals.finished.connect(janitor.release)
    signals.failed.connect(janitor.release)
    pool().start(task)
    return task


class _Janitor(QObject):
    """Lets go of a task's signals object on the GUI thread once its outcome was delivered."""

    @Slot(object)
    def release(self, _outcome: object) -> None:
        sender = self.sender()
        if sender is not None:
            _keep.discard(sender)


_janitor_instance: list[_Janitor] = []


def _janitor() -> _Janitor:
    if not _janitor_instance:
        _janitor_instance.append(_Janitor())
    return _janitor_instance[0]
