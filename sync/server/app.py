"""The server's HTTP API (FastAPI): parsing, limits, protocol version, auth; rules live elsewhere.

Every malformed request gets a 4xx answer with a code (never a 500 the desk would take for an
outage). Database work and password hashing run in worker threads, never on the event loop,
and argon2 runs outside any transaction, so failed logins cannot stall the other requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import anyio
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from clerk_app.interchange.codes import CodeTables
from clerk_app.interchange.exchange import FolderExchange
from clerk_app.refusals import Refusal
from sync import protocol as p
from sync.server import accounts, exchange, faults, ledger
from sync.server.blobs import SHA256, BlobStore, Incoming, IncomingBatch
from sync.server.database import ServerDatabase
from sync.server.mutation_check import is_id
from sync.server.refusals import Refused
from sync.server.throttle import PER_ADDRESS, LoginThrottle

Clock = Callable[[], datetime]
_T = TypeVar("_T")
log = logging.getLogger("clerk-server")

MAX_DEPTH = 32  # nesting of a request's JSON; the deepest real message is 5
BIG = 2**62  # sequences, versions and offsets: within PostgreSQL's BIGINT
YEAR_RANGE = (1990, 2200)
RANGE = re.compile(r"^bytes=([0-9]{1,15})-$")
# argon2 takes 64 MiB and a core for ~0.1 s: one at a time, whatever arrives, so a flood of
# logins leaves the other core to everyone else (a day's first logins queue for a few seconds).
PASSWORD_WORKERS = 1
MAX_WAITING_LOGINS = 16  # more waiting for the worker: answered "busy" at once, not queued
# A file's bytes are handed to a worker thread (written, hashed) this many at a time, while the
# next ones arrive: a thread hop per MiB, not per 64 KiB part, and no body held whole.
SPOOL_BLOCK = 1024 * 1024
# The answer to a request whose desk hung up before sending it all (nginx's "client closed
# request"): nobody reads it, it only keeps the access log honest.
CLIENT_GONE = 499


def _utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(
    db: ServerDatabase,
    files_dir: Path,
    clock: Clock = _utc_now,
    failed_logins_per_minute: int = PER_ADDRESS,
    exchange_dir: Path | None = None,
) -> FastAPI:
    app = FastAPI(title="clerk-server", docs_url=None, redoc_url=None, openapi_url=None)
    blobs = BlobStore(files_dir)
    tables = CodeTables.load(exchange_dir)
    axis = axis_folders(exchange_dir) if exchange_dir is not None else None
    throttle = LoginThrottle(failed_logins_per_minute)
    hashing = anyio.CapacityLimiter(PASSWORD_WORKERS)

    @app.exception_handler(Refused)
    async def _refused(_request: Request, exc: Refused) -> JSONResponse:
        headers = {}
        if "retry_after_s" in exc.fields:
            headers["Retry-After"] = str(exc.fields["retry_after_s"])
        return JSONResponse(exc.body(), status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        where = [str(x) for e in exc.errors()[:1] for x in e.get("loc", ())]
        return JSONResponse(
            Refused(400, Refusal.MALFORMED, field=".".join(where)[:80]).body(), status_code=400
        )

    @app.exception_handler(OperationalError)
    async def _busy(_request: Request, _exc: OperationalError) -> JSONResponse:
        # The database is down or locked: the desk retries later, as for any outage.
        return JSONResponse(Refused(503, Refusal.SERVER_BUSY).body(), status_code=503)

    app.add_middleware(Gate)

    async def bounded_body(request: Request, limit: int, said: int | None = None) -> bytearray:
        """The request's body, refused with 413 as soon as it passes `limit` bytes (`said`: the
        limit named in the answer, when the protocol names a smaller one)."""
        # A bytearray: `bytes +=` copies the whole body for every 64 KiB part received.
        raw = bytearray()
        async for part in request.stream():
            raw += part
            if len(raw) > limit:
                raise Refused(413, Refusal.REQUEST_TOO_LARGE, max_bytes=said or limit)
        return raw

    async def spool(
        request: Request, sink: Callable[[bytearray], object], limit: int, too_much: Refused
    ) -> None:
        """Hand the request's body to `sink` in a worker thread, SPOOL_BLOCK bytes at a time and
        in order, the next block arriving while the previous one is written: receiving, writing
        and hashing overlap, and the body is never held whole. `too_much` is raised as soon as
        more than `limit` bytes arrive. A desk that hangs up still has what arrived handed on."""
        loop = asyncio.get_running_loop()
        pending: asyncio.Future[object] | None = None
        block, total = bytearray(), 0
        try:
            try:
                async for part in request.stream():
                    total += len(part)
                    if total > limit:
                        raise too_much
                    block += part
                    if len(block) >= SPOOL_BLOCK:
                        if pending is not None:
                            await pending
                        pending = loop.run_in_executor(None, sink, block)
                        block = bytearray()
            except ClientDisconnect:
                if block:
                    if pending is not None:
                        await pending
                    pending = loop.run_in_executor(None, sink, block)
                raise
            if pending is not None:
                await pending
            pending = loop.run_in_executor(None, sink, block) if block else None
            if pending is not None:
                await pending
        finally:
            if pending is not None and not pending.done():
                # Never leave a thread writing a file the caller is about to remove.
                with contextlib.suppress(Exception):
                    await asyncio.shield(pending)

    async def body_json(request: Request) -> dict[str, Any]:
        return parse_json(bytes(await bounded_body(request, p.MAX_BODY_BYTES)))

    def token_of(request: Request) -> str | None:
        auth = request.headers.get("authorization", "")
        return auth[7:] if auth.lower().startswith("bearer ") else None

    def caller(request: Request, **kw: Any) -> accounts.Caller:
        with db.read() as s:  # a token is checked by reading: no write lock taken
            return accounts.authenticate(s, token_of(request), clock(), **kw)

    async def in_thread(work: Callable[[], _T]) -> _T:
        return await run_in_threadpool(work)

    async def hashed(work: Callable[[], _T]) -> _T:
        if hashing.borrowed_tokens + hashing.statistics().tasks_waiting >= MAX_WAITING_LOGINS:
            raise Refused(503, Refusal.SERVER_BUSY, retry_after_s=5)
        return await anyio.to_thread.run_sync(work, limiter=hashing)

    @app.get("/v1/hello")
    def hello() -> dict[str, Any]:
        # The server is the time authority: desks measure their clock's skew against "time".
        return {
            "server": "clerk-server",
            "protocol": p.PROTOCOL_VERSION,
            "min": p.MIN_DESK_PROTOCOL,
            "time": clock().isoformat(),
            p.HELLO_FILE_CHUNK: p.STREAM_FILE_CHUNK,
            p.HELLO_FILES_BATCH: True,
            p.LOGIN_DESK_CREDENTIAL: True,
        }

    @app.post("/v1/login")
    async def login(request: Request) -> dict[str, Any]:
        body = await body_json(request)
        username = text_field(body, "username", 80).strip().lower()
        password = text_field(body, "password", accounts.MAX_PASSWORD, empty=True)
        credential = body.get(p.LOGIN_DESK_CREDENTIAL)
        claim = accounts.DeskClaim(
            desk_id=text_field(body, "desk_id", 36),
            station=text_field(body, "station", 200, empty=True) if "station" in body else "",
            credential=None
            if credential is None
            else text_field(body, p.LOGIN_DESK_CREDENTIAL, accounts.CREDENTIAL_MAX),
        )
        address = request.client.host if request.client else ""
        wait = throttle.wait(username, address, time.monotonic())
        if wait > 0:
            raise Refused(429, Refusal.LOGIN_THROTTLED, retry_after_s=int(wait) + 1)

        def find() -> accounts.LoginAttempt:
            with db.read() as s:
                return accounts.find_for_login(s, username)

        attempt = await in_thread(find)
        ok = await hashed(lambda: accounts.verify_password(attempt.stored_hash, password))
        started = False
        if not ok:
            started = throttle.failed(username, address, time.monotonic())

        def finish() -> dict[str, Any]:
            with db.write() as s:
                outcome = accounts.finish_login(s, attempt, ok, claim, clock())
                if started and attempt.account_id is not None:
                    account = s.get_one(accounts.Account, attempt.account_id)
                    accounts.record(s, account, "throttled", clock(), "failed_logins")
                if isinstance(outcome, Refused):
                    return {"refused": outcome}
                return {
                    "token": outcome.token,
                    "expires_at": outcome.expires_at.isoformat(),
                    "must_change_password": outcome.password_change_only,
                    "username": outcome.account.username,
                    "role": outcome.account.role,
                    "agency": {
                        "id": outcome.agency.id,
                        "code": outcome.agency.code,
                        "name": outcome.agency.name,
                    },
                }

        answer = await in_thread(finish)
        if "refused" in answer:
            raise answer["refused"]  # after the commit: the failure or lock is recorded
        throttle.succeeded(username)
        return answer

    @app.post("/v1/password")
    async def password(request: Request) -> dict[str, Any]:
        body = await body_json(request)
        old = text_field(body, "old", accounts.MAX_PASSWORD, empty=True)
        new = text_field(body, "new", accounts.MAX_PASSWORD + 1, empty=True)
        token = token_of(request) or ""

        def current() -> tuple[accounts.Caller, str]:
            with db.read() as s:
                who = accounts.authenticate(s, token, clock(), for_password=True)
                return who, accounts.stored_hash(s, who)

        who, old_hash = await in_thread(current)
        if not await hashed(lambda: accounts.verify_password(old_hash, old)):
            raise Refused(401, Refusal.LOGIN_FAILED)
        if new == old:
            raise Refused(400, Refusal.PASSWORD_UNCHANGED)
        accounts.check_new_password(new, who.username)
        new_hash = await hashed(lambda: accounts.hash_password(new))

        def store() -> None:
            with db.write() as s:
                accounts.set_password(s, who, old_hash, new_hash, token, clock())

        await in_thread(store)
        return {"ok": True}

    @app.post("/v1/upload")
    async def upload(request: Request) -> dict[str, Any]:
        body = await body_json(request)
        mutations = field(body, "mutations", list)
        if len(mutations) > p.MAX_BATCH:
            raise Refused(413, Refusal.BATCH_TOO_LARGE, max_mutations=p.MAX_BATCH)
        for m in mutations:
            if (
                not isinstance(m, dict)
                or not _int_in(m.get("seq"), 1, BIG)
                or not is_id(m.get("mutation_id"), 36)
                or not is_id(m.get("op"), 60)
            ):
                raise Refused(400, Refusal.MALFORMED, field="mutations")
        token = token_of(request)

        def apply() -> dict[str, Any]:
            with db.write() as s:
                who = accounts.authenticate(s, token, clock())
                answer = ledger.upload(s, who, mutations, clock())
                faults.reached("upload_applied")  # applied, not committed
            faults.reached("upload_committed")  # committed, the desk not yet answered
            return answer

        return await in_thread(apply)

    @app.get("/v1/changes")
    def changes(request: Request) -> dict[str, Any]:
        since = query_int(request, "since", 0, 0, BIG)
        limit = query_int(request, "limit", 500, 1, 100_000)
        who = caller(request)
        with db.read() as s:
            return ledger.changes_since(s, who, since, min(limit, 2000))

    @app.post("/v1/leases/acquire")
    async def acquire(request: Request) -> dict[str, Any]:
        body = await body_json(request)
        args = register_args(body)
        local_last = int_field(body, "local_last", 0, 10_000_000)
        # The highest number the desk gave a document; a desk that does not say is taken to
        # have used every number up to its counter (the safe side: nothing is ceded twice).
        if "used_through" in body:
            used_through = int_field(body, "used_through", 0, 10_000_000)
        else:
            used_through = local_last
        token = token_of(request)

        def take() -> dict[str, Any]:
            with db.write() as s:
                who = accounts.authenticate(s, token, clock())
                return ledger.acquire_lease(
                    s, who, *args, local_last, clock(), used_through=used_through
                )

        return await in_thread(take)

    @app.post("/v1/leases/release")
    async def release(request: Request) -> dict[str, Any]:
        body = await body_json(request)
        args = register_args(body)
        force = body.get("force", False)
        if not isinstance(force, bool):
            raise Refused(400, Refusal.MALFORMED, field="force")
        last_seq = int_field(body, "last_seq", 0, BIG) if "last_seq" in body else None
        epoch = int_field(body, "epoch", 0, BIG) if "epoch" in body else None
        lost_through = (
            int_field(body, "lost_through", 0, BIG)
            if body.get("lost_through") is not None
            else None
        )
        token = token_of(request)

        def give_back() -> dict[str, Any]:
            with db.write() as s:
                who = accounts.authenticate(s, token, clock())
                answer = ledger.release_lease(
                    s,
                    who,
                    *args,
                    force=force,
                    now=clock(),
                    last_seq=last_seq,
                    epoch=epoch,
                    lost_through=lost_through,
                )
                faults.reached("lease_release_applied")  # applied, not committed
            faults.reached("lease_released")  # committed, the desk not yet answered
            return answer

        return await in_thread(give_back)

    @app.post("/v1/adopt")
    async def adopt(request: Request) -> dict[str, Any]:
        body = await body_json(request)
        wanted = field(body, "registers", list)
        if len(wanted) > 200 or not all(isinstance(r, dict) for r in wanted):
            raise Refused(400, Refusal.MALFORMED, field="registers")
        registers = [register_args(r) for r in wanted]
        token = token_of(request)

        def take() -> dict[str, Any]:
            with db.write() as s:
                who = accounts.authenticate(s, token, clock())
                return {"registers": ledger.adopt_history(s, who, registers, clock())}

        return await in_thread(take)

    @app.get("/v1/desk")
    def desk_standing(request: Request) -> dict[str, Any]:
        since = query_int(request, "since", 0, 0, BIG)
        who = caller(request)
        with db.read() as s:
            answer = ledger.desk_standing(s, who, since, 1000, clock())
        # What the hello says, so a registration online asks one question, not two.
        return answer | {
            "time": clock().isoformat(),
            p.HELLO_FILE_CHUNK: p.STREAM_FILE_CHUNK,
            p.HELLO_FILES_BATCH: True,
        }

    @app.get("/v1/reconciliation")
    def reconciliation(request: Request) -> dict[str, Any]:
        who = caller(request)
        with db.read() as s:
            return {"items": ledger.reconciliation_queue(s, who)}

    @app.post("/v1/files/missing")
    async def missing(request: Request) -> dict[str, Any]:
        body = await body_json(request)
        wanted = field(body, "files", list)
        if len(wanted) > 10 * p.MAX_BATCH or not all(isinstance(w, dict) for w in wanted):
            raise Refused(400, Refusal.MALFORMED, field="files")
        for w in wanted:
            if not _int_in(w.get("size"), 0, p.MAX_FILE_BYTES):
                raise Refused(400, Refusal.MALFORMED, field="files.size")
        token = token_of(request)

        def look() -> dict[str, Any]:
            with db.read() as s:
                who = accounts.authenticate(s, token, clock())
            # What the hello says too: the desk's scans, asked about before its standing
            # returns, go as soon as this answer does (`ServerClient.missing_files`).
            return {
                "missing": blobs.missing(db, who.agency_id, wanted),
                p.HELLO_FILE_CHUNK: p.STREAM_FILE_CHUNK,
                p.HELLO_FILES_BATCH: True,
            }

        return await in_thread(look)

    @app.put("/v1/files/{sha256}")
    async def put_file(request: Request, sha256: str) -> dict[str, Any]:
        """A chunk of a file from `offset`: written to disk and hashed as it arrives (up to
        STREAM_FILE_CHUNK bytes a request, so a large scan goes in one), fsynced, then taken
        under the content's lock; the last one records the content complete."""
        size = query_int(request, "size", None, 0, p.MAX_FILE_BYTES)
        offset = query_int(request, "offset", None, 0, p.MAX_FILE_BYTES)
        token = token_of(request)

        def begin() -> tuple[str, Incoming]:
            # The token is checked before a byte is written; by reading: no write lock.
            with db.read() as s:
                who = accounts.authenticate(s, token, clock())
            return who.agency_id, blobs.incoming(db, who.agency_id, sha256, size, offset)

        agency_id, chunk = await in_thread(begin)

        def take() -> dict[str, Any]:
            return blobs.receive(db, agency_id, sha256, size, offset, chunk)

        declared = size - offset
        too_much = (
            Refused(413, Refusal.REQUEST_TOO_LARGE, max_bytes=p.STREAM_FILE_CHUNK)
            if declared > p.STREAM_FILE_CHUNK
            else Refused(400, Refusal.FILE_LONGER_THAN_DECLARED, size=size)
        )
        try:
            await spool(request, chunk.write, min(declared, p.STREAM_FILE_CHUNK), too_much)
        except ClientDisconnect:
            # Cut: what arrived is kept (fsynced), and the desk resumes from there.
            with contextlib.suppress(Refused):
                await in_thread(take)
            raise
        except BaseException:
            chunk.discard()
            raise
        # Off the event loop: the fsync and commit would otherwise stall every other request.
        return await in_thread(take)

    @app.post(p.FILES_BATCH_PATH)
    async def put_files(request: Request) -> dict[str, Any]:
        """Whole small contents in one request: a JSON line naming them (sha256, size), then
        their bytes one after the other (protocol.FILES_BATCH_PATH), each written to disk and
        hashed as it arrives; the batch is fsynced and committed once."""
        token = token_of(request)

        def begin() -> str:
            with db.read() as s:
                return accounts.authenticate(s, token, clock()).agency_id

        agency_id = await in_thread(begin)
        sink = BatchSink(lambda listed: blobs.incoming_batch(db, agency_id, listed))
        too_much = Refused(413, Refusal.REQUEST_TOO_LARGE, max_bytes=p.MAX_FILE_CHUNK)
        try:
            await spool(request, sink.write, p.MAX_FILE_CHUNK + p.MAX_BATCH_MANIFEST, too_much)
            batch = sink.batch
            if batch is None:
                raise Refused(400, Refusal.MALFORMED, field="manifest")
        except BaseException:
            sink.discard()
            raise
        return await in_thread(lambda: blobs.receive_batch(db, agency_id, batch))

    @app.post(p.FILES_FETCH_PATH)
    async def get_files(request: Request) -> Response:
        """Several contents in one answer: a JSON line (each sha256 with its size, or missing),
        then the bytes of those present, in that order."""
        body = await body_json(request)
        wanted = field(body, "files", list)
        if len(wanted) > p.MAX_BATCH_FILES or not all(isinstance(w, str) for w in wanted):
            raise Refused(400, Refusal.MALFORMED, field="files")
        token = token_of(request)

        def look() -> tuple[list[dict[str, object]], list[Path]]:
            with db.read() as s:
                who = accounts.authenticate(s, token, clock())
            return blobs.read_many(db, who.agency_id, wanted)

        manifest, paths = await in_thread(look)
        if sum(int(str(m.get("size", 0))) for m in manifest) > p.MAX_FILE_CHUNK:
            raise Refused(413, Refusal.REQUEST_TOO_LARGE, max_bytes=p.MAX_FILE_CHUNK)

        def stream() -> Any:
            yield json.dumps({"files": manifest}).encode() + b"\n"
            for path in paths:
                yield path.read_bytes()

        return StreamingResponse(stream(), media_type="application/octet-stream")

    @app.get("/v1/files/{sha256}")
    def get_file(request: Request, sha256: str) -> Response:
        with db.read() as s:  # checking a token writes nothing: no write transaction needed
            who = accounts.authenticate(s, token_of(request), clock())
            path = blobs.readable(s, who.agency_id, sha256)
        start = 0
        wanted = request.headers.get("range")
        if wanted is not None:
            match = RANGE.match(wanted.strip())
            if match is None:
                raise Refused(416, Refusal.INVALID_RANGE)
            start = int(match.group(1))
        size = path.stat().st_size
        if start > size:
            raise Refused(416, Refusal.INVALID_RANGE, size=size)
        if start:
            with open(path, "rb") as f:
                f.seek(start)
                data = f.read()
            return Response(data, status_code=206, media_type="application/octet-stream")
        return FileResponse(path, media_type="application/octet-stream")

    # --- electronic exchange (liên thông) -----------------------------------------------------

    @app.get("/v1/exchange/organs")
    def organs(request: Request) -> dict[str, Any]:
        who = caller(request)
        with db.read() as s:
            return exchange.directory(s, who)

    @app.post(p.EXCHANGE_SEND_PATH)
    async def send(request: Request) -> dict[str, Any]:
        source = request.query_params.get("document", "")
        if not is_id(source, 36):
            raise Refused(400, Refusal.MALFORMED, field="document")
        raw = await bounded_body(request, p.MAX_EDXML_BYTES)
        token = token_of(request)

        def deliver() -> dict[str, Any]:
            with db.write() as s:
                who = accounts.authenticate(s, token, clock())
                return exchange.deliver_from_desk(
                    s, blobs, who, bytes(raw), source, tables, clock(), axis
                )

        return await in_thread(deliver)

    @app.get("/v1/exchange/inbox")
    def exchange_inbox(request: Request) -> dict[str, Any]:
        raw_since = request.query_params.get("since")
        since = None
        if raw_since:
            try:
                since = datetime.fromisoformat(raw_since)
            except ValueError:
                raise Refused(400, Refusal.MALFORMED, field="since") from None
        who = caller(request)
        with db.read() as s:
            return {"items": exchange.inbox(s, who, since), "now": clock().isoformat()}

    @app.post("/v1/exchange/items/{delivery_id}/status")
    async def item_status(request: Request, delivery_id: str) -> dict[str, Any]:
        body = await body_json(request)
        key = text_field(body, "status", 20)
        reason = text_field(body, "reason", 500, empty=True) if "reason" in body else ""
        registered = (
            text_field(body, "document_id", 36, empty=True) if "document_id" in body else ""
        )
        acted_at = _moment(body, "at")
        token = token_of(request)

        def store() -> dict[str, Any]:
            with db.write() as s:
                who = accounts.authenticate(s, token, clock())
                return exchange.set_status(
                    s,
                    who,
                    delivery_id,
                    key,
                    reason,
                    registered,
                    tables,
                    clock(),
                    axis,
                    acted_at=acted_at,
                )

        return await in_thread(store)

    @app.get("/v1/exchange/sent/{document_id}")
    def exchange_sent(request: Request, document_id: str) -> dict[str, Any]:
        who = caller(request)
        with db.read() as s:
            return {"recipients": exchange.sent(s, who, document_id)}

    @app.post("/v1/exchange/recall/{document_id}")
    async def exchange_recall(request: Request, document_id: str) -> dict[str, Any]:
        body = await body_json(request)
        reason = text_field(body, "reason", 500)
        acted_at = _moment(body, "at")
        token = token_of(request)

        def take_back() -> dict[str, Any]:
            with db.write() as s:
                who = accounts.authenticate(s, token, clock())
                recipients = exchange.recall(
                    s,
                    who,
                    document_id,
                    reason,
                    tables,
                    clock(),
                    blobs=blobs,
                    outbox=axis,
                    acted_at=acted_at,
                )
                return {"recipients": recipients}

        return await in_thread(take_back)

    if axis is not None:
        poller = AxisPoller(db, blobs, tables, axis, clock)
        app.router.on_startup.append(poller.start)
        app.router.on_shutdown.append(poller.stop)

    return app


class Gate:
    """Every request's first and last line: the protocol version and the declared size checked
    before anything is read; an exception nothing else answered becomes a coded 500 with its
    trace in the log; a desk that hung up mid-request is logged as such, not as an error.

    Plain ASGI rather than an `@app.middleware("http")` function: that wraps each received
    part of a body in a task group of its own, which on a 40 MiB upload is ~700 of them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        refused = _refused_at_the_door(request)
        if refused is not None:
            await JSONResponse(refused.body(), status_code=refused.status)(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except ClientDisconnect:
            # The desk hung up mid-request (its network, a kill, a closed laptop): nothing
            # failed here and nobody waits for an answer. What a cut file chunk brought is kept.
            log.warning("desk hung up during %s %s", request.method, request.url.path)
            if not started:
                await Response(status_code=CLIENT_GONE)(scope, receive, send)
        except Exception:  # the last line: a coded 500 with its trace in the log
            log.exception("internal error on %s %s", request.method, request.url.path)
            if not started:
                answer = JSONResponse(Refused(500, Refusal.INTERNAL).body(), status_code=500)
                await answer(scope, receive, send)


def _refused_at_the_door(request: Request) -> Refused | None:
    """A request refused from its headers alone: a desk's protocol this server does not speak,
    or a body declared larger than the path takes."""
    path = request.url.path
    if not path.startswith("/v1/"):
        return None
    raw = request.headers.get(p.PROTOCOL_HEADER, "")
    version = int(raw) if raw.isdigit() and len(raw) < 6 else 0
    if version < p.MIN_DESK_PROTOCOL:
        return Refused(426, Refusal.PROTOCOL_TOO_OLD, desk=version, min=p.MIN_DESK_PROTOCOL)
    if version > p.PROTOCOL_VERSION:
        return Refused(409, Refusal.SERVER_TOO_OLD, desk=version, server=p.PROTOCOL_VERSION)
    limit = (
        p.STREAM_FILE_CHUNK
        if request.method == "PUT" and path.startswith("/v1/files/")
        else p.MAX_FILE_CHUNK + p.MAX_BATCH_MANIFEST
        if path.startswith("/v1/files/")
        else p.MAX_EDXML_BYTES
        if path == p.EXCHANGE_SEND_PATH
        else p.MAX_BODY_BYTES
    )
    length = request.headers.get("content-length", "")
    if length and (not length.isdigit() or len(length) > 15 or int(length) > limit):
        return Refused(413, Refusal.REQUEST_TOO_LARGE, max_bytes=limit)
    return None


def axis_folders(root: Path) -> FolderExchange:
    """The exchange folders a gateway to the government's axis works with."""
    return FolderExchange(root / "outbox", root / "inbox", settle_seconds=0.5)


class AxisPoller:
    """Takes what the gateway drops in the inbox folder, every `every_s` seconds, in a thread
    of its own (a package is parsed and stored off the event loop)."""

    def __init__(
        self,
        db: ServerDatabase,
        blobs: BlobStore,
        tables: CodeTables,
        axis: FolderExchange,
        clock: Clock,
        every_s: float = 1.0,
    ) -> None:
        self.db, self.blobs, self.tables, self.axis, self.clock = db, blobs, tables, axis, clock
        self.every_s = every_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="axis-inbox", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            try:
                poll_axis(self.db, self.blobs, self.tables, self.axis, self.clock)
            except Exception:  # a bad file or an outage must not end the poller
                log.exception("axis inbox")


def poll_axis(
    db: ServerDatabase, blobs: BlobStore, tables: CodeTables, axis: FolderExchange, clock: Clock
) -> list[dict[str, Any]]:
    """Everything complete in the inbox folder, each in its own transaction, then moved aside."""
    done = []
    for item in axis.incoming():
        if item.data is not None and not item.seen_before:
            with db.write() as s:
                done.append(exchange.take_from_axis(s, blobs, item.data, tables, clock(), axis))
        axis.acknowledge(item)
    return done


def _moment(body: dict[str, Any], name: str) -> datetime | None:
    """An optional aware ISO 8601 moment: when a desk's clerk acted (it may arrive later)."""
    if name not in body:
        return None
    try:
        moment = datetime.fromisoformat(text_field(body, name, 40))
    except ValueError:
        raise Refused(400, Refusal.MALFORMED, field=name) from None
    if moment.tzinfo is None:
        raise Refused(400, Refusal.MALFORMED, field=name)
    return moment


class BatchSink:
    """A files batch's body as it arrives (in a worker thread): its JSON line is read first,
    then `open_batch` gives where the contents it announces are written."""

    def __init__(self, open_batch: Callable[[list[tuple[str, int]]], IncomingBatch]) -> None:
        self._open_batch = open_batch
        self._head = bytearray()
        self.batch: IncomingBatch | None = None

    def write(self, data: bytearray) -> None:
        if self.batch is None:
            self._head += data
            end = self._head.find(b"\n", 0, p.MAX_BATCH_MANIFEST)
            if end < 0:
                if len(self._head) >= p.MAX_BATCH_MANIFEST:
                    raise Refused(400, Refusal.MALFORMED, field="manifest")
                return
            self.batch = self._open_batch(batch_manifest(bytes(self._head[:end])))
            data, self._head = self._head[end + 1 :], bytearray()
        self.batch.write(data)

    def discard(self) -> None:
        if self.batch is not None:
            self.batch.discard()


def batch_manifest(raw: bytes) -> list[tuple[str, int]]:
    """The contents a files batch announces in its JSON line: (sha256, size) each."""
    listed = field(parse_json(raw), "files", list)
    if len(listed) > p.MAX_BATCH_FILES:
        raise Refused(400, Refusal.MALFORMED, field="files")
    out = []
    for item in listed:
        if not isinstance(item, dict) or not _int_in(item.get("size"), 0, p.MAX_FILE_CHUNK):
            raise Refused(400, Refusal.MALFORMED, field="files.size")
        sha = item.get("sha256")
        if not isinstance(sha, str) or not SHA256.match(sha):
            raise Refused(400, Refusal.MALFORMED, field="files.sha256")
        out.append((sha, int(item["size"])))
    return out


def parse_json(raw: bytes) -> dict[str, Any]:
    """A request's JSON object; anything else (bad UTF-8, NaN, a 5,000-digit number, nesting
    deeper than MAX_DEPTH) is `malformed`."""

    def no_constants(name: str) -> Any:
        raise ValueError(name)

    try:
        value = json.loads(raw, parse_constant=no_constants)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Refused(400, Refusal.MALFORMED) from None
    if not isinstance(value, dict) or _too_deep(value):
        raise Refused(400, Refusal.MALFORMED)
    return value


def _too_deep(value: Any) -> bool:
    level: list[Any] = [value]
    for _ in range(MAX_DEPTH):
        level = [
            child
            for item in level
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, dict | list)
        ]
        if not level:
            return False
    return True


def field(body: dict[str, Any], name: str, kind: type) -> Any:
    value = body.get(name)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise Refused(400, Refusal.MALFORMED, field=name)
    return value


def text_field(body: dict[str, Any], name: str, longest: int, *, empty: bool = False) -> str:
    value = field(body, name, str)
    if len(value) > longest or (not value and not empty) or "\x00" in value:
        raise Refused(400, Refusal.MALFORMED, field=name)
    return str(value)


def int_field(body: dict[str, Any], name: str, low: int, high: int) -> int:
    value = body.get(name)
    if not _int_in(value, low, high):
        raise Refused(400, Refusal.MALFORMED, field=name)
    return int(value)  # type: ignore[arg-type]


def query_int(request: Request, name: str, default: int | None, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        if default is None:
            raise Refused(400, Refusal.MALFORMED, field=name)
        return default
    if not raw.isdigit() or len(raw) > 19 or not low <= int(raw) <= high:
        raise Refused(400, Refusal.MALFORMED, field=name)
    return int(raw)


def register_args(body: dict[str, Any]) -> tuple[str, str, int]:
    kind = field(body, "kind", str)
    if kind not in ("incoming", "outgoing"):
        raise Refused(400, Refusal.MALFORMED, field="kind")
    return kind, text_field(body, "series", 40), int_field(body, "year", *YEAR_RANGE)


def _int_in(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
