"""Registration forms the clerk had not finished, kept on disk: a crash, a kill or Ctrl+Q loses
none of the typing; the window offers them back at its next start.

One JSON file per open form under the data directory, rewritten (atomically, fsynced) a moment
after each change and removed when the form is registered or the clerk throws it away. A file
is offered back only when the process that wrote it is gone, so a second window on the same
desk never takes a form that is still open. Plain files, no database: what the clerk typed is
not a record until it is registered.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FOLDER = "unfinished-forms"


@dataclass(frozen=True)
class UnfinishedForm:
    id: str
    kind: str  # "incoming" | "outgoing"
    saved_at: datetime
    values: dict[str, Any]  # field name → what the field held
    files: tuple[Path, ...]
    path: Path


def new_form_id() -> str:
    return uuid.uuid4().hex


def process_alive(pid: int) -> bool:
    """Whether the process that wrote a recovery file still runs (this one included)."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class UnfinishedForms:
    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / FOLDER

    def save(self, form_id: str, kind: str, values: dict[str, Any], files: list[Path]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        data = {
            "id": form_id,
            "kind": kind,
            "pid": os.getpid(),
            "saved_at": datetime.now(UTC).isoformat(),
            "values": values,
            "files": [str(f) for f in files],
        }
        final = self.root / f"{form_id}.json"
        part = final.with_suffix(".json.part")
        with open(part, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False)
            out.flush()
            os.fsync(out.fileno())  # the typing survives a power cut, not only a crash
        os.replace(part, final)

    def discard(self, form_id: str) -> None:
        (self.root / f"{form_id}.json").unlink(missing_ok=True)

    def left(self) -> list[UnfinishedForm]:
        """Forms whose window is gone (crashed, killed, closed with Ctrl+Q), oldest first."""
        found = []
        for path in sorted(self.root.glob("*.json")) if self.root.is_dir() else []:
            try:
                data = json.loads(path.read_text("utf-8"))
                if process_alive(int(data.get("pid", 0))):
                    continue
                found.append(
                    UnfinishedForm(
                        id=str(data["id"]),
                        kind=str(data["kind"]),
                        saved_at=datetime.fromisoformat(data["saved_at"]),
                        values=dict(data["values"]),
                        # A file the clerk added may have been moved since: what is left.
                        files=tuple(Path(f) for f in data.get("files", []) if Path(f).is_file()),
                        path=path,
                    )
                )
            except (OSError, ValueError, KeyError, TypeError):
                continue  # a half-written or foreign file: nothing to offer
        return sorted(found, key=lambda f: f.saved_at)
