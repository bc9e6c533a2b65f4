"""Fake pythoncom: COM apartment calls the WIA worker makes, counted so tests see them balanced."""

from __future__ import annotations

initialised = 0


def CoInitialize() -> None:
    global initialised
    initialised += 1


def CoUninitialize() -> None:
    global initialised
    if initialised <= 0:
        raise RuntimeError("CoUninitialize without CoInitialize")
    initialised -= 1
