"""The server's HTTP API (FastAPI): parsing, limits, protocol version, auth; rules live elsewhere."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from sync import protocol as p
from sync.server import accounts, ledger
from sync.server.blobs import BlobStore
from sync.server.database import ServerDatabase
from sync.server.refusals import Refused

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(db: ServerDatabase, files_dir: Path, clock: Clock = _utc_now) -> FastAPI:
    app = FastAPI(title="clerk-server", docs_url=None, redoc_url=None, openapi_url=None)
    blobs = BlobStore(files_dir)

    @app.exception_handler(Refused)
    async def _refused(_request: Request, exc: Refused) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status)

    @app.middleware("http")
    async def _protocol_and_size(request: Request, call_next: Any) -> Response:
        if request.url.path.startswith("/v1/"):
            raw = request.headers.get(p.PROTOCOL_HEADER, "")
            try:
                version = int(raw)
            except ValueError:
                version = 0
            if version < p.MIN_DESK_PROTOCOL:
                return JSONResponse(
                    Refused(426, "protocol_too_old", desk=version, min=p.MIN_DESK_PROTOCOL).body(),
                    status_code=426,
                )
            if version > p.PROTOCOL_VERSION:
                return JSONResponse(
                    Refused(409, "server_too_old", desk=version, server=p.PROTOCOL_VERSION).body(),
                    status_code=409,
                )
            limit = (
                p.MAX_FILE_CHUNK + 4096
                if request.url.path.startswith("/v1/files/")
                else p.MAX_BODY_BYTES
            )
            length = request.headers.get("content-length")
            if length is not None and length.isdigit() and int(length) > limit:
                return JSONResponse(
                    Refused(413, "request_too_large", max_bytes=limit).body(), status_code=413
                )
        return await call_next(request)

    async def body_json(request: Request) -> dict[str, Any]:
        raw = b""
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > p.MAX_BODY_BYTES:
                raise Refused(413, "request_too_large", max_bytes=p.MAX_BODY_BYTES)
        try:
            value = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise Refused(400, "malformed") from None
        if not isinstance(value, dict):
            raise Refused(400, "malformed")
        return value

    def token_of(request: Request) -> str | None:
        auth = request.headers.get("authorization", "")
        return auth[7:] if auth.lower().startswith("bearer ") else None

    def caller(request: Request, **kw: Any) -> accounts.Caller:
        with db.write() as s:
            return accounts.authenticate(s, token_of(request), clock(), **kw)

    def field(body: dict[str, Any], name: str, kind: type) -> Any:
        value = body.get(name)
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
            raise Refused(400, "malformed", field=name)
        return value

    @app.get("/v1/hello")
    def hello() -> dict[str, Any]:
        # The server is the time authority: desks measure their clock's skew against "time".
        return {
            "server": "clerk-server",
            "protocol": p.PROTOCOL_VERSION,
            "min": p.MIN_DESK_PROTOCOL,
            "time": clock().isoformat(),
            p.HELLO_FILE_CHUNK: p.MAX_FILE_CHUNK,
        }

    @app.post("/v1/login")
    async def login(request: Request) -> dict[str, Any]:
        body = await body_json(request)
        with db.write() as s:
            result = accounts.login(
                s,
                field(body, "username", str),
                field(body, "password", str),
                field(body, "desk_id", str)[:36],
                str(body.get("station", ""))[:200],
                clock(),
            )
            return {
                "token": result.token,
                "expires_at": result.expires_at.isoformat(),
                "must_change_password": result.password_change_only,
                "username": result.account.username,
                "role": result.account.role,
                "agency": {
                    "id": result.agency.id,
                    "code": result.agency.code,
                    "name": result.agency.name,
                },
            }

    @app.post("/v1/password")
    async def password(request: Request) -> dict[str, Any]:
        body = await body_json(request)
        who = caller(request, for_password=True)
        with db.write() as s:
            accounts.change_password(
                s, who, field(body, "old", str), field(body, "new", str), token_of(request) or ""
            )
        return {"ok": True}

    @app.post("/v1/upload")
    async def upload(request: Request) -> dict[str, Any]:
        body = await body_json(request)
        who = caller(request)
        mutations = field(body, "mutations", list)
        if len(mutations) > p.MAX_BATCH:
            raise Refused(413, "batch_too_large", max_mutations=p.MAX_BATCH)
        for m in mutations:
            if (
                not isinstance(m, dict)
                or not isinstance(m.get("seq"), int)
                or not isinstance(m.get("mutation_id"), str)
                or not isinstance(m.get("op"), str)
            ):
                raise Refused(400, "malformed", field="mutations")
        with db.write() as s:
            return ledger.upload(s, who, mutations, clock())

    @app.get("/v1/changes")
    def changes(request: Request, since: int = 0, limit: int = 500) -> dict[str, Any]:
        who = caller(request)
        with db.read() as s:
            return ledger.changes_since(s, who, since, max(1, min(limit, 2000)))

    @app.post("/v1/leases/acquire")
    async def acquire(request: Request) -> dict[str, Any]:
        body = await body_json(request)
        who = caller(request)
        with db.write() as s:
            return ledger.acquire_lease(
                s,
                who,
                _kind(field(body, "kind", str)),
                field(body, "series", str),
                field(body, "year", int),
                field(body, "local_last", int),
                clock(),
            )

    @app.post("/v1/leases/release")
    async def release(request: Request) -> dict[str, Any]:
        body = await body_json(request)
        who = caller(request)
        with db.write() as s:
            return ledger.release_lease(
                s,
                who,
                _kind(field(body, "kind", str)),
                field(body, "series", str),
                field(body, "year", int),
                force=bool(body.get("force")),
            )

    @app.get("/v1/reconciliation")
    def reconciliation(request: Request) -> dict[str, Any]:
        who = caller(request)
        with db.read() as s:
            return {"items": ledger.reconciliation_queue(s, who)}

    @app.post("/v1/files/missing")
    async def missing(request: Request) -> dict[str, Any]:
        body = await body_json(request)
        who = caller(request)
        wanted = field(body, "files", list)
        if not all(isinstance(w, dict) for w in wanted):
            raise Refused(400, "malformed", field="files")
        with db.read() as s:
            return {"missing": blobs.missing(s, who.agency_id, wanted)}

    @app.put("/v1/files/{sha256}")
    async def put_file(request: Request, sha256: str, size: int, offset: int) -> dict[str, Any]:
        # A bytearray: `bytes +=` copies the whole chunk for every 64 KiB part received.
        chunk = bytearray()
        async for part in request.stream():
            chunk += part
            if len(chunk) > p.MAX_FILE_CHUNK:
                raise Refused(413, "request_too_large", max_bytes=p.MAX_FILE_CHUNK)
        token = token_of(request)

        def store() -> dict[str, Any]:
            # The token is checked in the chunk's own transaction: one per chunk, not two.
            with db.write() as s:
                who = accounts.authenticate(s, token, clock())
                return blobs.receive(s, who.agency_id, sha256, size, offset, chunk)

        # Off the event loop: the fsync and commit would otherwise stall every other request.
        return await run_in_threadpool(store)

    @app.get("/v1/files/{sha256}")
    def get_file(request: Request, sha256: str) -> Response:
        with db.read() as s:  # checking a token writes nothing: no write transaction needed
            who = accounts.authenticate(s, token_of(request), clock())
            path = blobs.readable(s, who.agency_id, sha256)
        start = 0
        wanted = request.headers.get("range", "")
        if wanted.startswith("bytes=") and wanted.endswith("-"):
            start = int(wanted[6:-1] or 0)
        if start:
            with open(path, "rb") as f:
                f.seek(start)
                data = f.read()
            return Response(data, status_code=206, media_type="application/octet-stream")
        return FileResponse(path, media_type="application/octet-stream")

    return app


def _kind(value: str) -> str:
    if value not in ("incoming", "outgoing"):
        raise Refused(400, "malformed", field="kind")
    return value
