"""`clerk-app --data-dir DIR` opens that desk, as `clerk --data-dir` does; Qt's own arguments
pass through."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from clerk_app.workspace import default_data_dir
from ui.app import options


def test_data_dir_names_the_desk_for_this_run_and_qt_keeps_its_arguments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLERK_DATA_DIR", str(tmp_path / "other"))
    left = options(["clerk-app", "--data-dir", str(tmp_path / "desk"), "-platform", "offscreen"])
    assert left == ["clerk-app", "-platform", "offscreen"]
    assert default_data_dir() == tmp_path / "desk"


def test_without_data_dir_the_environment_or_the_default_stays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLERK_DATA_DIR", str(tmp_path / "other"))
    assert options(["clerk-app"]) == ["clerk-app"]
    assert default_data_dir() == tmp_path / "other"


def test_help_is_in_vietnamese_and_says_what_data_dir_is() -> None:
    out = subprocess.run(
        [sys.executable, "-c", "import sys; from ui.app import options; options(sys.argv)", "-h"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0
    assert "--data-dir" in out.stdout and "thư mục dữ liệu của bàn làm việc" in out.stdout
