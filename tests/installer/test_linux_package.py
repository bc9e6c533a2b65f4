"""The .deb as an IT officer installs it: built by installer/build-linux, installed into a bare
Debian root (debootstrap) with only what its Depends bring, run there: the `clerk` command, OCR
with the bundled model (no tesseract program in that root), the window under Xvfb seen in a
screenshot, and a clean removal that keeps the clerk's data.

Slow (a build and a Debian root: minutes), so marked `installer`; CI runs it like every test.
`CLERK_DEB=path.deb` reuses a built package while iterating on the test itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from debian_root import DebianRoot, sudo
from installer_builds import built, scanned_letter

pytestmark = pytest.mark.installer
NAV_BLUE = (0x1F, 0x3A, 0x5F)  # the main window's side panel (ui.main_window.NAV_STYLE)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DebianRoot, Path]]:
    base = tmp_path_factory.mktemp("debian")
    root = DebianRoot(base / "root")
    try:
        root.start()  # debootstrap and the build run side by side
        deb = built("build-linux", "CLERK_DEB")
        root.wait()
        root.put(deb, "/tmp/clerk-desk.deb")
        done = root.run(
            "apt-get -q update && apt-get -q install -y --no-install-recommends"
            " /tmp/clerk-desk.deb",
            timeout=1500,
        )
        assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
        yield root, deb
    finally:
        root.close()


def test_the_package_installs_runs_reads_and_removes_cleanly(
    installed: tuple[DebianRoot, Path], tmp_path: Path
) -> None:
    root, deb = installed
    info = subprocess.run(["dpkg-deb", "-f", str(deb), "Depends"], capture_output=True, text=True)
    assert "libsane1" in info.stdout and "libxcb-cursor0" in info.stdout

    # Nothing of Python or Tesseract came with the Depends: the bundle carries them.
    absent = root.run("command -v python3 || command -v tesseract || echo none")
    assert absent.stdout.strip() == "none", absent.stdout

    version = root.run("clerk --version")
    assert version.returncode == 0 and version.stdout.startswith("clerk-desk "), version

    desk = {"CLERK_DATA_DIR": "/root/desk"}
    init = root.run(
        "clerk init --agency-name 'Ủy ban nhân dân tỉnh Phú Yên' --agency-code UBND --json",
        env=desk,
    )
    assert init.returncode == 0, init.stderr
    assert json.loads(init.stdout)["agency"]["code"] == "UBND"

    truth = scanned_letter(tmp_path / "scan.pdf")
    root.put(tmp_path / "scan.pdf", "/tmp/scan.pdf")
    read = root.run("clerk extract /tmp/scan.pdf --json", env=desk, timeout=300)
    assert read.returncode == 0, read.stderr
    fields = json.loads(read.stdout)
    assert fields["reference"] == truth["reference"], fields
    assert fields["issued_on"] == truth["issued_on"], fields

    registered = root.run(
        "clerk register-incoming /tmp/scan.pdf --issuer 'Sở Tài chính' --reference 12/STC"
        " --doc-type 'Công văn' --subject 'Về việc quyết toán' --json",
        env=desk,
    )
    assert registered.returncode == 0, registered.stderr
    assert json.loads(registered.stdout)["arrival_number"] == 1

    shot = tmp_path / "window.png"
    _start_window_and_shoot(root, desk, shot)
    assert _share_of(shot, NAV_BLUE) > 0.02, f"no desk window in {shot}"

    removed = root.run("dpkg --purge clerk-desk")
    assert removed.returncode == 0, removed.stderr
    left = root.run(
        "ls -d /opt/clerk-desk /usr/bin/clerk /usr/bin/clerk-app"
        " /usr/share/applications/clerk-desk.desktop 2>/dev/null; true"
    )
    assert left.stdout.strip() == "", f"left behind: {left.stdout}"
    kept = root.run("test -f /root/desk/clerk.sqlite3 && echo kept")
    assert kept.stdout.strip() == "kept"


def _start_window_and_shoot(root: DebianRoot, env: dict[str, str], shot: Path) -> None:
    display = f":{400 + os.getpid() % 200}"
    xvfb = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    app: subprocess.Popen[str] | None = None
    try:
        time.sleep(1.0)
        inner = {**env, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
        app = subprocess.Popen(
            [*sudo(), "env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C.UTF-8",
             *[f"{k}={v}" for k, v in inner.items()],
             "chroot", str(root.path), "clerk-app"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 300  # a loaded 2-core machine: a first start can take a minute
        while time.monotonic() < deadline:
            time.sleep(3)
            assert app.poll() is None, f"clerk-app exited {app.returncode}: {app.stdout.read() if app.stdout else ''}"
            _screenshot(display, shot)
            if _share_of(shot, NAV_BLUE) > 0.02:
                return
    finally:
        if app is not None:
            # env and chroot exec the program: this PID is clerk-app itself.
            app.terminate()
            try:
                app.wait(timeout=15)
            except subprocess.TimeoutExpired:
                app.kill()
        xvfb.terminate()
        xvfb.wait(timeout=15)


def _screenshot(display: str, out: Path) -> None:
    """The whole X screen as PNG, taken by Qt on the host (the Debian root has no tools)."""
    code = (
        "import sys\n"
        "from PySide6.QtGui import QGuiApplication\n"
        "app = QGuiApplication(sys.argv)\n"
        "sys.exit(0 if app.primaryScreen().grabWindow(0).save(sys.argv[1]) else 1)\n"
    )
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    subprocess.run([sys.executable, "-c", code, str(out)], env=env, check=True, timeout=60)


def _share_of(png: Path, colour: tuple[int, int, int]) -> float:
    from PIL import Image

    with Image.open(png) as image:
        raw = image.convert("RGB").resize((341, 192)).tobytes()
    pixels = [raw[i : i + 3] for i in range(0, len(raw), 3)]
    close = sum(1 for p in pixels if all(abs(a - b) <= 6 for a, b in zip(p, colour, strict=True)))
    return close / len(pixels)
