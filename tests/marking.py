"""Markers put on tests by what they use (gui, server, ocr, slow), so no test file lists its own.

The markers are registered in pyproject.toml.
`scripts/test` runs every test but windows_installer; `scripts/test-fast` leaves out the marked
ones. A test is marked
- gui: it lives under tests/ui or uses pytest-qt (qtbot, qapp);
- server: it uses a clerk-server process (the `server` or `sqlite_server` fixture);
- ocr: it runs Tesseract: the modules and tests in OCR below. Every run checks this list: a
  `tesseract` on PATH that counts the pages it reads, and a line at the end of the run naming
  any test that read a page without the marker;
- slow: it took 3 s or more under CI's load (`--durations`): the modules and tests in SLOW.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

GUI_FIXTURES = frozenset({"qtbot", "qapp"})
SERVER_FIXTURES = frozenset({"server", "sqlite_server"})

# Paths under tests/: a module ("a/test_b.py") marks all its tests, "a/test_b.py::test_c" one
# test (every parametrisation of it).
OCR: frozenset[str] = frozenset()
SLOW: frozenset[str] = frozenset()

TESTS_DIR = Path(__file__).resolve().parent
_PAGE_COUNT = "CLERK_TEST_TESSERACT_COUNT"


def _where(item: pytest.Item) -> tuple[str, str]:
    """The item's module under tests/ and that module with the test's name (no parameters)."""
    module = item.path.resolve().relative_to(TESTS_DIR).as_posix()
    name = getattr(item, "originalname", None) or item.name.split("[")[0]
    return module, f"{module}::{name}"


def _listed(item: pytest.Item, paths: frozenset[str]) -> bool:
    module, test = _where(item)
    return module in paths or test in paths


def pytest_configure(config: pytest.Config) -> None:
    _count_tesseract_pages(config)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        module, _ = _where(item)
        if module.startswith("ui/") or fixtures & GUI_FIXTURES:
            item.add_marker("gui")
        if fixtures & SERVER_FIXTURES:
            item.add_marker("server")
        if _listed(item, OCR):
            item.add_marker("ocr")
        if _listed(item, SLOW):
            item.add_marker("slow")


# --- keeping the ocr marker true ------------------------------------------------------------


def _count_tesseract_pages(config: pytest.Config) -> None:
    """Put a `tesseract` in front of the real one that appends a line to a file per page read
    (not for --list-langs or --version), in this process and the children it starts."""
    real = shutil.which("tesseract")
    if real is None or os.environ.get(_PAGE_COUNT):
        return
    folder = Path(tempfile.mkdtemp(prefix="clerk-tesseract-"))
    count = folder / "pages"
    count.touch()
    wrapper = folder / "tesseract"
    # The paths are written into the script: the desk runs tesseract with a copy of the
    # environment taken when it was imported, so a variable set now may not reach it.
    wrapper.write_text(
        "#!/bin/sh\n"
        'case "$1" in --list-langs|--version) ;; *) echo >>' + f" '{count}' ;; esac\n"
        f"exec '{real}' \"$@\"\n"
    )
    wrapper.chmod(0o755)
    os.environ["PATH"] = f"{folder}{os.pathsep}{os.environ.get('PATH', '')}"
    os.environ[_PAGE_COUNT] = str(count)
    config.stash[_unmarked_key] = []
    config.stash[_folder_key] = folder


_unmarked_key = pytest.StashKey[list[str]]()
_folder_key = pytest.StashKey[Path]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    count = os.environ.get(_PAGE_COUNT)
    unmarked = item.config.stash.get(_unmarked_key, None)
    if not count or unmarked is None:
        yield
        return
    before = os.path.getsize(count)
    yield
    if os.path.getsize(count) > before and item.get_closest_marker("ocr") is None:
        unmarked.append(item.nodeid)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    unmarked = terminalreporter.config.stash.get(_unmarked_key, [])
    if unmarked:
        terminalreporter.section("tests that ran Tesseract without the ocr marker")
        terminalreporter.line("Add them to OCR in tests/marking.py:")
        for nodeid in unmarked:
            terminalreporter.line(f"  {nodeid}")


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(_folder_key, None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
