"""The desk's HTTP client to the central server: protocol header, timeouts, typed errors; no state."""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import httpx

from clerk_app import errors
from clerk_app.refusals import Refusal
from sync import protocol as p

TIMEOUT = httpx.Timeout(30.0, connect=5.0)
# Pauses before the second and third tries of a request that failed without a refusal.
RETRY_PAUSES_S = (0.3, 1.0)
BUSY = (502, 503, 504)  # a proxy or the server said "not now": tried again
# Calls whose repetition after a lost answer would be refused (the password is already the new
# one, the lease already given back): tried again only when they surely never arrived.
NOT_REPEATABLE = frozenset({"/v1/password", "/v1/leases/release"})


@cache
def _tls() -> ssl.SSLContext:
    # Building a context loads the CA bundle (~60 ms, more than a whole sync round on a LAN);
    # the desk opens a client every round, so it is built once per process. httpx's own
    # builder, so SSL_CERT_FILE / SSL_CERT_DIR keep working as they do for httpx.
    return httpx.create_ssl_context()


class ServerClient:
    def __init__(self, base_url: str, token: str = "", timeout: httpx.Timeout = TIMEOUT) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        # What this server accepts per file chunk, and whether it takes and gives several small
        # files a request; learnt from its hello or its desk standing.
        self.file_chunk = p.FILE_CHUNK
        self.files_batch = False
        # Set once this server's limits are known (or known not to be told): a round's files,
        # started before its first answer, wait for it.
        self.limits_known = threading.Event()
        # A client kept by its desk for its whole session (`DeskSync._client`) is not closed
        # by a `with` block: its connection stays open for the next round or registration.
        self.kept = False
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=timeout,
            headers={p.PROTOCOL_HEADER: str(p.PROTOCOL_VERSION)},
            verify=_tls(),
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ServerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.kept:
            self.close()

    # --- plumbing --------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def _call(self, method: str, path: str, *, once: bool = False, **kw: Any) -> httpx.Response:
        """One request, tried again after a short pause when that cannot do harm: when the
        server was not reached, when it said it is busy, and, for requests the server answers
        the same when repeated, when the connection broke before the answer (a large upload's
        `RemoteProtocolError`). A refusal (4xx) is never retried: it would be refused again."""
        repeatable = path not in NOT_REPEATABLE
        headers = kw.pop("headers", None) or self._headers()
        pauses = () if once else RETRY_PAUSES_S
        for attempt, pause in enumerate((*pauses, None)):
            try:
                response = self._http.request(method, path, headers=headers, **kw)
            except httpx.TransportError as exc:
                sent = not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
                if pause is None or (sent and not repeatable):
                    raise errors.ServerUnreachable(self.base_url, type(exc).__name__) from exc
            else:
                if response.status_code in BUSY and pause is not None:
                    response.close()
                elif response.status_code >= 500:
                    raise errors.ServerFailed(
                        self.base_url, f"HTTP {response.status_code}", response.status_code
                    )
                elif response.status_code >= 400:
                    raise _refusal(response)
                else:
                    return response
            time.sleep(pause * (1 + attempt) if pause else 0)
        raise AssertionError("unreachable")  # the last attempt returns or raises

    def _json(self, method: str, path: str, *, once: bool = False, **kw: Any) -> dict[str, Any]:
        data = self._call(method, path, once=once, **kw).json()
        if not isinstance(data, dict):
            raise errors.ServerRefused(Refusal.MALFORMED)
        return data

    # --- calls -----------------------------------------------------------------------------

    def hello(self, *, once: bool = False) -> dict[str, Any]:
        """The server's protocol, time and limits; `once`: no second try, for a clerk waiting
        to know whether the server answers at all."""
        answer = self._json("GET", "/v1/hello", once=once)
        self._learn(answer)
        return answer

    def _learn(self, answer: dict[str, Any]) -> None:
        """What the server says it takes (in its hello, and in its desk standing)."""
        offered = answer.get(p.HELLO_FILE_CHUNK)
        if isinstance(offered, int) and not isinstance(offered, bool):
            # Never below what every server takes, never above what this desk will send.
            self.file_chunk = max(p.FILE_CHUNK, min(offered, p.STREAM_FILE_CHUNK))
        self.files_batch = answer.get(p.HELLO_FILES_BATCH) is True
        self.limits_known.set()

    def login(
        self, username: str, password: str, desk_id: str, station: str, desk_credential: str
    ) -> dict[str, Any]:
        answer = self._json(
            "POST",
            "/v1/login",
            json={
                "username": username,
                "password": password,
                "desk_id": desk_id,
                "station": station,
                p.LOGIN_DESK_CREDENTIAL: desk_credential,
            },
        )
        self.token = str(answer["token"])
        return answer

    def change_password(self, old: str, new: str) -> None:
        self._json("POST", "/v1/password", json={"old": old, "new": new})

    def upload(self, mutations: list[dict[str, Any]]) -> dict[str, Any]:
        return self._json("POST", "/v1/upload", json={"mutations": mutations})

    def changes(self, since: int, limit: int = 500) -> dict[str, Any]:
        return self._json("GET", "/v1/changes", params={"since": since, "limit": limit})

    def acquire_lease(
        self, kind: str, series: str, year: int, local_last: int, used_through: int
    ) -> dict[str, Any]:
        return self._json(
            "POST",
            "/v1/leases/acquire",
            json={
                "kind": kind,
                "series": series,
                "year": year,
                "local_last": local_last,
                "used_through": used_through,
            },
        )

    def release_lease(
        self,
        kind: str,
        series: str,
        year: int,
        force: bool = False,
        last_seq: int | None = None,
        epoch: int | None = None,
        lost_through: int | None = None,
    ) -> dict[str, Any]:
        """Give back (or, `force`, revoke) the one lease named: the register and, when known,
        the epoch it was given under (a lease taken again since is not released). A revocation
        names `lost_through`, the last number the revoked desk may have written on paper."""
        body: dict[str, Any] = {"kind": kind, "series": series, "year": year, "force": force}
        if last_seq is not None:
            body["last_seq"] = last_seq
        if epoch is not None:
            body["epoch"] = epoch
        if lost_through is not None:
            body["lost_through"] = lost_through
        return self._json("POST", "/v1/leases/release", json=body)

    def adopt(self, registers: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return list(self._json("POST", "/v1/adopt", json={"registers": registers})["registers"])

    def desk_standing(self, since: int, *, once: bool = False) -> dict[str, Any]:
        """Where this desk stands on the server; a server that tells its time and limits here
        too spares the desk its hello (`time`, `file_chunk`, `files_batch`)."""
        answer = self._json("GET", "/v1/desk", params={"since": since}, once=once)
        if "time" in answer:
            self._learn(answer)
        return answer

    def reconciliation(self) -> list[dict[str, Any]]:
        return list(self._json("GET", "/v1/reconciliation")["items"])

    def missing_files(self, files: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Which of `files` the server lacks (and from which offset). A server that says what
        it takes in this answer too is known from it: a round's scans, asked about while it
        asks its standing, go without waiting for that (a server of before says it there)."""
        answer = self._json("POST", "/v1/files/missing", json={"files": files})
        if p.HELLO_FILE_CHUNK in answer:
            self._learn(answer)
        return list(answer["missing"])

    def put_chunk(
        self, sha256: str, size: int, offset: int, chunk: bytes | FileSlice
    ) -> dict[str, Any]:
        """A chunk of a file from `offset`: bytes, or a slice of a file streamed from disk."""
        headers = self._headers()
        if isinstance(chunk, FileSlice):
            headers["Content-Length"] = str(len(chunk))
        return self._json(
            "PUT",
            f"/v1/files/{sha256}",
            params={"size": size, "offset": offset},
            content=chunk,
            headers=headers,
        )

    # --- electronic exchange ----------------------------------------------------------------

    def exchange_organs(self) -> dict[str, Any]:
        return self._json("GET", "/v1/exchange/organs")

    def send_package(self, raw: bytes, document_id: str) -> dict[str, Any]:
        """One edXML package, whole; the server answers per recipient (a repeat: duplicate)."""
        return self._json(
            "POST",
            p.EXCHANGE_SEND_PATH,
            params={"document": document_id},
            content=raw,
            headers=self._headers() | {"Content-Type": "application/xml"},
        )

    def exchange_inbox(self) -> dict[str, Any]:
        return self._json("GET", "/v1/exchange/inbox")

    def set_item_status(
        self,
        item_id: str,
        status: str,
        reason: str = "",
        document_id: str = "",
        *,
        at: str | None = None,
    ) -> dict[str, Any]:
        """`at`: when the clerk acted (ISO 8601), which the status carries, not when it went."""
        body = {"status": status, "reason": reason, "document_id": document_id}
        if at:
            body["at"] = at
        return self._json("POST", f"/v1/exchange/items/{item_id}/status", json=body)

    def exchange_sent(self, document_id: str) -> list[dict[str, Any]]:
        return list(self._json("GET", f"/v1/exchange/sent/{document_id}")["recipients"])

    def exchange_recall(
        self, document_id: str, reason: str, *, at: str | None = None
    ) -> list[dict[str, Any]]:
        body = {"reason": reason} | ({"at": at} if at else {})
        return list(
            self._json("POST", f"/v1/exchange/recall/{document_id}", json=body)["recipients"]
        )

    def put_files(self, files: list[tuple[str, bytes]]) -> dict[str, Any]:
        """Whole small contents in one request (the server said `files_batch`)."""
        manifest = json.dumps({"files": [{"sha256": sha, "size": len(b)} for sha, b in files]})
        body = b"".join([manifest.encode(), b"\n", *(b for _sha, b in files)])
        return self._json(
            "POST",
            p.FILES_BATCH_PATH,
            content=body,
            headers=self._headers() | {"Content-Type": "application/octet-stream"},
        )

    def fetch_files(self, shas: list[str]) -> list[tuple[str, bytes | None]]:
        """Several contents in one answer, in the order asked; None for one the agency lacks."""
        raw = self._call("POST", p.FILES_FETCH_PATH, json={"files": shas}).content
        end = raw.find(b"\n")
        try:
            manifest = json.loads(raw[:end])["files"]
        except (ValueError, KeyError, TypeError):
            raise errors.ServerRefused(Refusal.MALFORMED) from None
        out: list[tuple[str, bytes | None]] = []
        at = end + 1
        for item in manifest:
            if item.get("missing"):
                out.append((str(item["sha256"]), None))
                continue
            size = int(item["size"])
            out.append((str(item["sha256"]), raw[at : at + size]))
            at += size
        return out

    def file_chunks(self, sha256: str, start: int = 0) -> Iterator[bytes]:
        """The file's bytes from `start` on (a resumed download asks only for the rest)."""
        headers = self._headers() | ({"Range": f"bytes={start}-"} if start else {})
        try:
            with self._http.stream("GET", f"/v1/files/{sha256}", headers=headers) as response:
                if response.status_code >= 400:
                    response.read()
                    if response.status_code >= 500:
                        raise errors.ServerFailed(
                            self.base_url, f"HTTP {response.status_code}", response.status_code
                        )
                    raise _refusal(response)
                yield from response.iter_bytes(p.FILE_CHUNK)
        except httpx.TransportError as exc:
            raise errors.ServerUnreachable(self.base_url, type(exc).__name__) from exc


class FileSlice:
    """`length` bytes of a file from `offset`, read in blocks as the request goes out (a chunk
    of up to STREAM_FILE_CHUNK is never held in memory). Iterable again, so a request tried a
    second time sends it again. A file shorter than that is damaged: StoredFileDamaged."""

    BLOCK = 1024 * 1024

    def __init__(self, path: Path, offset: int, length: int, sha256: str) -> None:
        self.path, self.offset, self.length, self.sha256 = path, offset, length, sha256

    def __len__(self) -> int:
        return self.length

    def __iter__(self) -> Iterator[bytes]:
        left = self.length
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            while left:
                block = f.read(min(self.BLOCK, left))
                if not block:
                    raise errors.StoredFileDamaged(sha256=self.sha256, reason="mismatch")
                left -= len(block)
                yield block


def _refusal(response: httpx.Response) -> errors.ServerRefused:
    try:
        body = response.json()
        error = body["error"]
        return errors.ServerRefused(str(error["code"]), dict(error.get("fields") or {}))
    except (ValueError, KeyError, TypeError):
        return errors.ServerRefused(f"http_{response.status_code}")
