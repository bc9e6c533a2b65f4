"""The Windows installer under Wine: built by installer/build-windows on this Linux machine,
installed silently per user, then the bundled `clerk` command run there: --version, init, the
registration of a PDF and reading a scan with the bundled OCR; then a silent uninstall that
keeps the clerk's data folder. The Qt window cannot start under Wine 8 (Qt6Core.dll needs
icuuc.dll of Windows 10 1703+): installer/README.md has the checklist for a real PC.

`CLERK_SETUP_EXE=path.exe` reuses a built installer while iterating on the test itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from installer_builds import built, scanned_letter

pytestmark = [pytest.mark.installer, pytest.mark.windows_installer]


class Wine:
    def __init__(self, prefix: Path) -> None:
        self.prefix = prefix
        self.env = {
            **os.environ,
            "WINEPREFIX": str(prefix),
            "WINEARCH": "win64",
            "WINEDEBUG": "-all",
            # No Mono or Gecko installers: nothing here needs them, and they would ask.
            "WINEDLLOVERRIDES": "mscoree,mshtml=",
        }
        # No screen (nothing here opens a window), the default data folder, and none of this
        # machine's Python settings: the installed Python must stand on its own.
        for name in ("DISPLAY", "CLERK_DATA_DIR", "PYTHONUTF8", "PYTHONPATH", "PYTHONIOENCODING"):
            self.env.pop(name, None)

    def run(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["wine", *args], env=self.env, capture_output=True, text=True,
            encoding="utf-8", errors="replace", timeout=timeout,
        )

    def c(self, *parts: str) -> Path:
        return self.prefix / "drive_c" / Path(*parts)

    def wait_for_wineserver(self) -> None:
        subprocess.run(["wineserver", "-w"], env=self.env, timeout=600, check=False)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Wine, Path]]:
    exe = built("build-windows", "CLERK_SETUP_EXE")
    wine = Wine(tmp_path_factory.mktemp("wine") / "prefix")
    boot = subprocess.run(["wineboot", "-i"], env=wine.env, capture_output=True, timeout=600)
    assert boot.returncode == 0, boot.stderr[-2000:]
    done = wine.run(str(exe), "/S", "/CurrentUser", timeout=900)
    wine.wait_for_wineserver()
    assert done.returncode == 0, done.stderr[-3000:]
    found = list(wine.prefix.glob("drive_c/users/*/AppData/Local/Programs/*/bin/clerk.exe"))
    assert len(found) == 1, list(wine.prefix.glob("drive_c/users/*/AppData/Local/Programs/**"))[:20]
    try:
        yield wine, found[0]
    finally:
        subprocess.run(["wineserver", "-k"], env=wine.env, check=False)


def test_installed_clerk_runs_registers_reads_and_uninstalls_keeping_data(
    installed: tuple[Wine, Path], tmp_path: Path
) -> None:
    wine, clerk = installed
    instdir = clerk.parent.parent
    assert (instdir / "Python" / "python.exe").is_file()
    assert (instdir / "pkgs" / "resources" / "tessdata" / "vie.traineddata").is_file()
    start_menu = list(wine.prefix.glob("drive_c/users/*/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/**/*.lnk"))
    assert any("Bàn làm việc văn thư" in p.name for p in start_menu), start_menu

    version = wine.run(str(clerk), "--version")
    assert version.returncode == 0 and version.stdout.strip() == "clerk-desk 0.1.0", version

    init = wine.run(str(clerk), "init", "--agency-name", "Ủy ban nhân dân tỉnh Phú Yên",
                    "--agency-code", "UBND", "--json")
    assert init.returncode == 0, init.stderr[-2000:]
    data_dir = json.loads(init.stdout)["data_dir"]
    assert data_dir.lower().endswith(r"appdata\local\clerk-desk")

    truth = scanned_letter(tmp_path / "scan.pdf")
    pdf = "Z:" + str(tmp_path / "scan.pdf").replace("/", "\\")
    registered = wine.run(str(clerk), "register-incoming", pdf, "--issuer", "Sở Tài chính",
                          "--reference", "12/STC", "--doc-type", "Công văn",
                          "--subject", "Về việc quyết toán", "--json")
    assert registered.returncode == 0, registered.stderr[-2000:]
    assert json.loads(registered.stdout)["arrival_number"] == 1

    # Reading a scan with the bundled Tesseract and model, in the installed Python. (`clerk
    # extract` itself cannot run under Wine 8: numpy 2's Windows build calls ucrtbase's crealf,
    # which Wine 8 does not implement; Windows has it.)
    png = "Z:" + str(tmp_path / "scan.png").replace("/", "\\")
    reference = str(truth["reference"])
    code = (
        "from PIL import Image; from clerk_app.reading import ocr, ocr_library;"
        f"page = ocr.ocr_image(Image.open(r'{png}'), dpi=300);"
        "print(ocr.engine(), ocr_library.tessdata_dir(), len(page.words),"
        f" '{reference}' in page.text.replace(' ', ''), sep='|')"
    )
    read = wine.run(str(instdir / "Python" / "python.exe"), "-c", code, timeout=900)
    assert read.returncode == 0, read.stderr[-2000:]
    engine, model, words, found = read.stdout.strip().splitlines()[-1].split("|")
    assert engine == "library" and model.lower().endswith(r"pkgs\resources\tessdata")
    assert int(words) > 100 and found == "True", read.stdout

    gone = wine.run(str(instdir / "uninstall.exe"), "/S")
    wine.wait_for_wineserver()
    assert gone.returncode == 0, gone.stderr[-2000:]
    deadline = time.monotonic() + 120
    while (instdir / "pkgs").exists() and time.monotonic() < deadline:
        time.sleep(2)  # NSIS's uninstaller reruns itself from a temporary copy
    assert not (instdir / "pkgs").exists() and not clerk.exists()
    data = next(wine.prefix.glob("drive_c/users/*/AppData/Local/clerk-desk"))
    assert (data / "clerk.sqlite3").is_file()  # the clerk's registers stay
