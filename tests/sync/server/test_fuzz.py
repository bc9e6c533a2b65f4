"""Random and hostile requests against the real server process (SQLite and PostgreSQL): every
answer is a 2xx or a 4xx with a code, never a 5xx, and the server keeps serving. Seeded, so a
failure repeats; bounded in count."""

from __future__ import annotations

import random
import uuid
from typing import Any
from urllib.parse import quote

import httpx

from tests.sync.conftest import RunningServer, raw_session

NASTY_TEXT = ["", "\x00", "a\x00b", "ẞ" * 3, "x" * 5000, "1e999", "NaN", "../../etc", "😀"]
NASTY_NUMBERS = [0, -1, 1, 2**31, 2**63, -(2**63), 10**30, 1.5, float("1e308")]


def value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(8 if depth < 4 else 5)
    if kind == 0:
        return rng.choice(NASTY_TEXT)
    if kind == 1:
        return rng.choice(NASTY_NUMBERS)
    if kind == 2:
        return rng.choice([None, True, False])
    if kind == 3:
        return str(uuid.UUID(int=rng.getrandbits(128)))
    if kind == 4:
        return rng.choice(["incoming", "outgoing", "chung", "Khẩn", "2026-11-26", "ab" * 32])
    if kind == 5:
        return [value(rng, depth + 1) for _ in range(rng.randrange(4))]
    keys = ["seq", "mutation_id", "op", "payload", "files", "entity", "entity_id", "at",
            "fields", "direction", "year", "number", "changes", "sha256", "size", "kind",
            "series", "local_last", "force", "username", "password", "desk_id", "station",
            "desk_credential", "lease_epoch", "clock_skew_s", "reason", "to", "received_at"]  # fmt: skip
    return {rng.choice(keys): value(rng, depth + 1) for _ in range(rng.randrange(6))}


OPS = ["register_incoming", "register_outgoing", "submit_draft", "correct", "cancel",
       "hand_over", "attach_files", "file_stamped", "open_register", "add_unit", "instruct"]  # fmt: skip


def mutation(rng: random.Random, seq: int) -> dict[str, Any]:
    m: dict[str, Any] = {
        "seq": seq,
        "mutation_id": str(uuid.UUID(int=rng.getrandbits(128))),
        "op": rng.choice(OPS),
        "payload": value(rng, 1),
    }
    for name in ("entity", "entity_id", "at", "files", "lease_epoch", "clock_skew_s"):
        if rng.random() < 0.6:
            m[name] = value(rng, 1)
    if isinstance(m["payload"], dict) and rng.random() < 0.5:
        m["payload"]["fields"] = value(rng, 1)
    return m


def _ascii(v: Any) -> str:
    return str(v).encode("ascii", "replace").decode()[:100].replace("\x00", "").strip()


def test_random_requests_never_get_a_5xx(server: RunningServer) -> None:
    rng = random.Random(12)
    auth = raw_session(server, "nvan1.ubnd")
    seq = 0
    answers: list[tuple[str, int]] = []
    with httpx.Client(base_url=server.url, timeout=60) as http:
        for round_no in range(60):
            path = rng.choice(
                ["/v1/upload"] * 4
                + [
                    "/v1/login",
                    "/v1/password",
                    "/v1/leases/acquire",
                    "/v1/leases/release",
                    "/v1/files/missing",
                ]
            )
            if path == "/v1/upload" and round_no % 2 == 0:
                batch = [mutation(rng, seq + 1 + i) for i in range(rng.randrange(1, 6))]
                body: Any = {"mutations": batch}
            else:
                body = value(rng)
            r = http.post(path, headers=auth, json=body)
            if path == "/v1/upload" and r.status_code == 200:
                seq = r.json()["last_applied_seq"]
            answers.append((path, r.status_code))
            assert r.status_code < 500, (path, body, r.text)
            if r.status_code >= 400:
                assert r.json()["error"]["code"], r.text
            params = {k: str(value(rng))[:50] for k in ("since", "limit", "size", "offset")}
            for got in (
                http.get("/v1/changes", headers=auth, params=params),
                http.put(f"/v1/files/{'ab' * 32}", headers=auth, params=params, content=b"x"),
                http.get(
                    f"/v1/files/{quote(str(value(rng))[:200], safe='')}",
                    headers=auth | {"Range": _ascii(value(rng))},
                ),
            ):
                assert got.status_code < 500, got.text
    assert any(code == 200 for path, code in answers if path == "/v1/upload")
    assert http is not None and httpx.get(server.url + "/v1/changes", headers=auth).is_success
    assert "Traceback" not in server.log.read_text()
