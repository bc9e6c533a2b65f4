"""One process-wide lock around PyMuPDF work; it must never be held while waiting on a person.

MuPDF's context is not thread-safe, and the window runs previews, registrations, stamping and
signing on a thread pool: two of them inside PyMuPDF at once can crash the process. Every
public function of the core that opens a PDF with PyMuPDF takes this lock for its duration.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

LOCK = threading.RLock()  # re-entrant: a locked function may call another


def exclusive(fn: Callable[P, R]) -> Callable[P, R]:
    """Run `fn` holding the PyMuPDF lock."""

    @functools.wraps(fn)
    def locked(*args: P.args, **kwargs: P.kwargs) -> R:
        with LOCK:
            return fn(*args, **kwargs)

    return locked
