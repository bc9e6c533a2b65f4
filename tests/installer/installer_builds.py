"""Helpers of the installer tests: run a build script (or reuse its product named in the
environment) and make the scanned letter both tests read."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pymupdf

from clerk_app.reading import specimens

ROOT = Path(__file__).resolve().parents[2]


def built(script: str, reuse_variable: str) -> Path:
    """The product of installer/<script>, built now unless `reuse_variable` names one."""
    given = os.environ.get(reuse_variable)
    if given:
        return Path(given)
    for attempt in (1, 2):
        done = subprocess.run(
            ["bash", str(ROOT / "installer" / script)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=3000,
        )
        # A build killed by a signal (bash reports 128+N; the OOM killer on a crowded CI machine)
        # said nothing about the build itself: try once more. A build that failed stays failed.
        if done.returncode < 128 or attempt == 2:
            break
    assert done.returncode == 0, (
        f"{script} exited {done.returncode} (attempt {attempt}); {_memory()}\n"
        + done.stdout[-3000:]
        + done.stderr[-5000:]
    )
    line = [ln for ln in done.stdout.splitlines() if ln.startswith(f"{script}: /")][-1]
    return Path(line.split()[1])


def _memory() -> str:
    """Free memory and /tmp space now, for the message of a failed build."""
    meminfo = Path("/proc/meminfo")
    lines = meminfo.read_text().splitlines()[:3] if meminfo.exists() else []
    tmp = os.statvfs("/tmp")
    return "; ".join([*lines, f"/tmp free {tmp.f_bavail * tmp.f_frsize // 2**20} MiB"])


def scanned_letter(path: Path) -> dict[str, object]:
    """The reading corpus' first letter as an image-only PDF at `path`; returns its truth."""
    spec = specimens.corpus(1)[0]
    png = path.with_suffix(".png")
    spec.image.save(png, dpi=(spec.dpi, spec.dpi))
    doc = pymupdf.open()
    page = doc.new_page(
        width=spec.image.width * 72 / spec.dpi, height=spec.image.height * 72 / spec.dpi
    )
    page.insert_image(page.rect, filename=str(png))
    doc.save(path)
    return dict(spec.truth)
