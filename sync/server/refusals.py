"""Why the server refuses a request: an HTTP status, a stable code and fields; no wording here.

The desk turns the code into a typed error of the core, which clerk_app/messages.py words.
"""

from __future__ import annotations

from typing import Any


class Refused(Exception):
    def __init__(self, status: int, code: str, /, **fields: Any) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.fields = fields

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "fields": self.fields}}
