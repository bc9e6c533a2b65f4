"""The desk's client tells a refusal (4xx), a failing server (5xx) and an unreachable one apart,
and tries again what can be tried again, against a real socket server that misbehaves on cue."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator

import pytest

from clerk_app import errors
from sync.client import ServerClient


class Misbehaving:
    """A loopback HTTP server answering each connection with the next scripted behaviour:
    "drop" (closes without answering, after reading the request), or a status code."""

    def __init__(self, script: list[str | int]) -> None:
        self.script = list(script)
        self.requests: list[str] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while self.script:
            conn, _ = self.sock.accept()
            with conn:
                head = b""
                while b"\r\n\r\n" not in head:
                    head += conn.recv(65536)
                first = head.split(b"\r\n", 1)[0].decode()
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                body = head.split(b"\r\n\r\n", 1)[1]
                while len(body) < length:
                    body += conn.recv(65536)
                self.requests.append(first)
                what = self.script.pop(0)
                if what == "drop":
                    continue
                status = int(what)
                payload = (
                    {"results": [], "last_applied_seq": 0}
                    if status < 400
                    else {"error": {"code": "some_code", "fields": {}}}
                )
                data = json.dumps(payload).encode()
                conn.sendall(
                    f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode()
                    + data
                )

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(autouse=True)
def short_pauses(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same retries, with pauses of hundredths of a second (the real ones add 2.3 s a test
    and say nothing more: the tests count the requests, not the time between them)."""
    import sync.client

    monkeypatch.setattr(sync.client, "RETRY_PAUSES_S", (0.01, 0.02))


@pytest.fixture
def misbehaving() -> Iterator[type[Misbehaving]]:
    made: list[Misbehaving] = []

    def make(script: list[str | int]) -> Misbehaving:
        server = Misbehaving(script)
        made.append(server)
        return server

    yield make  # type: ignore[misc]
    for server in made:
        server.close()


def test_a_dropped_connection_and_a_busy_server_are_tried_again(misbehaving: type) -> None:
    server = misbehaving(["drop", 503, 200])
    with ServerClient(server.url, "t") as client:
        assert client.upload([]) == {"results": [], "last_applied_seq": 0}
    assert len(server.requests) == 3


def test_a_refusal_is_not_retried_and_keeps_its_code(misbehaving: type) -> None:
    server = misbehaving([409, 200])
    with ServerClient(server.url, "t") as client, pytest.raises(errors.ServerRefused) as refused:
        client.upload([])
    assert refused.value.reason == "some_code" and len(server.requests) == 1


def test_a_failing_server_is_told_apart_from_an_unreachable_one(misbehaving: type) -> None:
    server = misbehaving([500])
    with ServerClient(server.url, "t") as client, pytest.raises(errors.ServerFailed) as failed:
        client.upload([])
    assert failed.value.status == 500 and isinstance(failed.value, errors.ServerUnreachable)
    dead = socket.socket()
    dead.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{dead.getsockname()[1]}"
    dead.close()  # nothing listens there
    with ServerClient(url, "t") as client, pytest.raises(errors.ServerUnreachable) as down:
        client.upload([])
    assert not isinstance(down.value, errors.ServerFailed) and down.value.detail == "ConnectError"


def test_a_password_change_whose_answer_was_lost_is_not_sent_twice(misbehaving: type) -> None:
    server = misbehaving(["drop", 200])
    with ServerClient(server.url, "t") as client, pytest.raises(errors.ServerUnreachable):
        client.change_password("old-password", "new-password")
    assert len(server.requests) == 1
