"""The fast subset (scripts/test-fast) still holds the core's registering, numbering and storage;
the lists of tests/marking.py name tests that exist."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.marking import OCR, SLOW

ROOT = Path(__file__).resolve().parents[1]


def _fast_expression() -> str:
    script = (ROOT / "scripts" / "test-fast").read_text()
    found = re.search(r'-m "([^"]+)"', script)
    assert found, "scripts/test-fast names no marker expression"
    return found.group(1)


def _collected(*args: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return [line for line in done.stdout.splitlines() if "::" in line]


def test_the_fast_subset_keeps_the_core_and_leaves_out_the_marked() -> None:
    fast = _collected("-m", _fast_expression(), "tests/clerk_app", "tests/sync", "tests/ui")
    files = {line.split("::")[0] for line in fast}
    # The core's registering and numbering, and its storage.
    assert {"tests/clerk_app/test_workspace.py", "tests/clerk_app/test_numbering.py"} <= files
    assert any(f.startswith("tests/clerk_app/storage/") for f in files)
    registering = [t for t in fast if t.startswith("tests/clerk_app/test_workspace.py::")]
    assert len(registering) >= 10
    # Nothing of the window, and no test that starts a server.
    assert not [t for t in fast if t.startswith("tests/ui/")]
    server = _collected("-m", "server", "tests/sync/test_engine.py")
    assert server and not set(server) & set(fast)


def test_the_tesseract_check_names_an_unmarked_test_from_either_worker(tmp_path: Path) -> None:
    """Under `scripts/test-fast -n 2` the tests run in two xdist workers: each counts the pages
    its own tests read, and the summary still names every unmarked test that read one."""
    module = tmp_path / "test_reads.py"
    module.write_text(
        "import subprocess\n"
        "import pytest\n"
        "def _read():\n"
        "    # A page that does not exist: tesseract fails at once, but it was asked to read.\n"
        "    subprocess.run(['tesseract', 'missing.png', '-'], capture_output=True)\n"
        "def test_reads_unmarked_a(): _read()\n"
        "def test_reads_unmarked_b(): _read()\n"
        "@pytest.mark.ocr\n"
        "def test_reads_marked(): _read()\n"
        "def test_reads_nothing(): pass\n"
    )
    # Without this run's count file the inner run counts for itself; it still finds the real
    # tesseract through CLERK_TEST_TESSERACT_REAL, so this run's own count stays untouched.
    env = {k: v for k, v in os.environ.items() if k != "CLERK_TEST_TESSERACT_COUNT"}
    for workers in ("2", "0"):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-p",
                "tests.marking",
                "-p",
                "no:cacheprovider",
                "-n",
                workers,
                "-W",
                "ignore::pytest.PytestUnknownMarkWarning",
                str(module),
            ],
            cwd=tmp_path,
            env=env | {"PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        summary = done.stdout.split("tests that ran Tesseract without the ocr marker")[-1]
        named = sorted(re.findall(r"::(test_\w+)", summary))
        assert named == ["test_reads_unmarked_a", "test_reads_unmarked_b"], done.stdout


def test_every_listed_module_and_test_exists() -> None:
    names = set()
    for line in _collected("tests", "--ignore=tests/installer"):
        module, test = line.split("::")[:2]
        module = module.removeprefix("tests/")
        names |= {module, f"{module}::{test.split('[')[0]}"}
    assert sorted((OCR | SLOW) - names) == []
