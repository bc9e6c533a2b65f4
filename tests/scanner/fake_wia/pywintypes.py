"""Fake pywintypes for the WIA worker's tests: `com_error` shaped as pywin32 raises it."""

from __future__ import annotations


class com_error(Exception):
    """(hresult, strerror, excepinfo, argerror), hresult signed as pywin32 gives it."""

    def __init__(self, hresult: int, strerror: str, excepinfo: object, argerror: object) -> None:
        super().__init__(hresult, strerror, excepinfo, argerror)
        self.hresult = hresult
        self.strerror = strerror
        self.excepinfo = excepinfo
        self.argerror = argerror


def signed(code: int) -> int:
    return code - (1 << 32) if code & 0x80000000 else code


def dispatch_error(scode: int, text: str) -> com_error:
    """What a failing WIA Automation call raises: DISP_E_EXCEPTION with the WIA code inside."""
    return com_error(signed(0x80020009), "Exception occurred.", (0, "WIA", text, None, 0, signed(scode)), None)
