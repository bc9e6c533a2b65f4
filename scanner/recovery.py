"""The recovery folder: each batch's pages land here as they arrive and stay until it is saved.

After a crash of the app or the driver, `interrupted()` offers the batches that were never
finished. Writes only under its own root; knows nothing of drivers or PDFs.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from clerk_app.unfinished import process_alive as _alive

MANIFEST = "batch.json"
STATE = "state.json"  # the clerk's edits and registration marks, rewritten after each change
FORMS = "forms.json"  # what the clerk typed into the form for each unregistered document


@dataclass(frozen=True)
class RecoveredBatch:
    path: Path
    started_at: str
    device: str
    pages: tuple[Path, ...]


class RecoveryFolder:
    def __init__(self, root: Path) -> None:
        self.root = root

    def new_batch(self, settings: dict[str, Any]) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        path = self.root / f"{stamp}-{uuid.uuid4().hex[:8]}"
        path.mkdir(parents=True)
        self._write(path, {"started_at": stamp, "pid": os.getpid(), **settings})
        return path

    def _write(self, path: Path, data: dict[str, Any]) -> None:
        tmp = path / (MANIFEST + ".part")
        tmp.write_text(json.dumps(data, ensure_ascii=False, default=str), "utf-8")
        os.replace(tmp, path / MANIFEST)

    @staticmethod
    def pages(batch: Path) -> list[Path]:
        """The scanned pages of a batch, its later scans (sub-folders) included."""
        return sorted(batch.rglob("page-*.png"))

    @staticmethod
    def new_part(batch: Path) -> Path:
        """A folder inside the batch for one more scan (the driver numbers pages from 1)."""
        number = 2
        while (batch / f"scan-{number}").exists():
            number += 1
        part = batch / f"scan-{number}"
        part.mkdir()
        return part

    def save_state(self, batch: Path, state: dict[str, Any]) -> None:
        tmp = batch / (STATE + ".part")
        tmp.write_text(json.dumps(state, ensure_ascii=False), "utf-8")
        os.replace(tmp, batch / STATE)

    @staticmethod
    def load_state(batch: Path) -> dict[str, Any] | None:
        try:
            state = json.loads((batch / STATE).read_text("utf-8"))
        except (OSError, ValueError):
            return None
        return state if isinstance(state, dict) else None

    # --- the form's typing, per document of the batch -------------------------------------------

    def save_form(self, batch: Path, document: str, values: dict[str, Any]) -> None:
        """Keep what the clerk typed for one document (named by its pages' ids): a crash in the
        middle of a batch brings the batch back with the fields, not only the pages."""
        forms = self.load_forms(batch)
        forms[document] = values
        self._write_forms(batch, forms)

    def drop_form(self, batch: Path, document: str) -> None:
        """The document was registered (or its pages changed): its typing is no longer needed."""
        forms = self.load_forms(batch)
        if forms.pop(document, None) is not None:
            self._write_forms(batch, forms)

    @staticmethod
    def load_forms(batch: Path) -> dict[str, dict[str, Any]]:
        try:
            forms = json.loads((batch / FORMS).read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(forms, dict):
            return {}
        return {str(k): v for k, v in forms.items() if isinstance(v, dict)}

    @staticmethod
    def _write_forms(batch: Path, forms: dict[str, dict[str, Any]]) -> None:
        part = batch / (FORMS + ".part")
        with open(part, "w", encoding="utf-8") as out:
            json.dump(forms, out, ensure_ascii=False)
            out.flush()
            os.fsync(out.fileno())  # the typing survives a power cut, not only a crash
        os.replace(part, batch / FORMS)

    def release(self, batch: Path) -> None:
        """The window closed with pages left: the batch is offered back next time."""
        meta = json.loads((batch / MANIFEST).read_text("utf-8"))
        meta["pid"] = 0
        self._write(batch, meta)

    def interrupted(self) -> list[RecoveredBatch]:
        """Batches with pages that no running process owns and nobody saved."""
        out: list[RecoveredBatch] = []
        if not self.root.is_dir():
            return out
        for path in sorted(self.root.iterdir()):
            try:
                meta = json.loads((path / MANIFEST).read_text("utf-8"))
            except (OSError, ValueError):
                continue
            pages = self.pages(path)
            if not pages or _alive(int(meta.get("pid", 0))):
                continue
            out.append(
                RecoveredBatch(
                    path, str(meta.get("started_at", "")), str(meta.get("device", "")), tuple(pages)
                )
            )
        return out

    def adopt(self, batch: Path) -> None:
        """This process takes over an interrupted batch (so another desk window will not)."""
        meta = json.loads((batch / MANIFEST).read_text("utf-8"))
        meta["pid"] = os.getpid()
        self._write(batch, meta)

    def discard(self, batch: Path) -> None:
        """The batch is saved (or the clerk threw it away): its pages are no longer needed."""
        if batch.parent.resolve() == self.root.resolve():
            shutil.rmtree(batch, ignore_errors=True)
