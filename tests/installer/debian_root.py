"""A bare Debian root made with debootstrap, for installing the .deb as a clerk's PC would.

Needs root (chroot, mounts) and the Debian archive (the one registry this machine reaches). Every
mount made is undone by `close`, whatever happened.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
from pathlib import Path

SUITE = "bookworm"  # the oldest Debian the .deb supports: it is built on it
DEFAULT_MIRROR = "http://deb.debian.org/debian"


def host_mirror() -> str:
    """The Debian mirror this machine's apt uses (so a proxy or local mirror serves us too)."""
    sources = [Path("/etc/apt/sources.list"), *Path("/etc/apt/sources.list.d").glob("*")]
    for path in sources:
        with contextlib.suppress(OSError):
            text = path.read_text()
            found = re.search(r"(?:URIs:|^deb)\s+(\S*/debian)/?\s", text, re.MULTILINE)
            if found:
                return found.group(1)
    return DEFAULT_MIRROR


def sudo() -> list[str]:
    return [] if os.geteuid() == 0 else ["sudo", "-n"]


class DebianRoot:
    """debootstrap runs in the background from `start` (it is the slow part) until `wait`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.mounts: list[Path] = []
        self.process: subprocess.Popen[bytes] | None = None
        self.log = path.with_suffix(".log")

    def start(self) -> None:
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [
                    *sudo(),
                    "debootstrap",
                    "--variant=minbase",
                    SUITE,
                    str(self.path),
                    host_mirror(),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait(self, timeout: float = 1200) -> None:
        assert self.process is not None
        code = self.process.wait(timeout=timeout)
        if code != 0:
            raise AssertionError(f"debootstrap failed ({code}):\n{self.log.read_text()[-3000:]}")
        for source, target, options in (
            ("proc", "proc", ["-t", "proc"]),
            ("/dev", "dev", ["--bind"]),
            ("/dev/pts", "dev/pts", ["--bind"]),
            ("/tmp/.X11-unix", "tmp/.X11-unix", ["--bind"]),
        ):
            where = self.path / target
            subprocess.run([*sudo(), "mkdir", "-p", str(where)], check=True)
            if source.startswith("/") and not Path(source).exists():
                continue
            subprocess.run([*sudo(), "mount", *options, source, str(where)], check=True)
            self.mounts.append(where)

    def run(
        self, command: str, *, env: dict[str, str] | None = None, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        """`command` by /bin/sh inside the root, as root, with a plain environment."""
        plain = {
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": "/root",
            "LANG": "C.UTF-8",
            "DEBIAN_FRONTEND": "noninteractive",
            **(env or {}),
        }
        return subprocess.run(
            [*sudo(), "env", "-i", *[f"{k}={v}" for k, v in plain.items()], "chroot",
             str(self.path), "/bin/sh", "-c", command],
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def put(self, source: Path, inside: str) -> None:
        subprocess.run([*sudo(), "cp", str(source), str(self.path / inside.lstrip("/"))], check=True)

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for where in reversed(self.mounts):
            subprocess.run([*sudo(), "umount", "-l", str(where)], check=False)
        self.mounts.clear()
        if self.path.exists():
            subprocess.run([*sudo(), "rm", "-rf", "--one-file-system", str(self.path)], check=False)
        shutil.rmtree(self.path, ignore_errors=True)
