"""Fault points for tests: the step named in CLERK_SERVER_FAULT stops the server there.

It writes the step's name to the file CLERK_SERVER_FAULT_MARKER and waits to be killed, so a
test can kill -9 the process at that exact point instead of guessing with a sleep. Without the
variable (always, in production) a fault point does nothing.
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def reached(step: str) -> None:
    if os.environ.get("CLERK_SERVER_FAULT") != step:
        return
    Path(os.environ["CLERK_SERVER_FAULT_MARKER"]).write_text(step)
    while True:
        time.sleep(60)
