"""The server process's HTTP edge: malformed and oversized requests, auth, files by hash,
agency isolation, and the clerk-server command line."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from sync import protocol as p
from tests.sync.conftest import NEW_PASSWORD, PASSWORD, ROOT, RunningServer

H = {p.PROTOCOL_HEADER: "1"}


def _token(server: RunningServer, user: str, desk: str, agency: str = "UBND") -> str:
    server.user(user, agency=agency)
    r = httpx.post(
        server.url + "/v1/login",
        headers=H,
        json={"username": user, "password": PASSWORD, "desk_id": desk},
    )
    token = r.json()["token"]
    auth = H | {"Authorization": f"Bearer {token}"}
    httpx.post(
        server.url + "/v1/password", headers=auth, json={"old": PASSWORD, "new": NEW_PASSWORD}
    ).raise_for_status()
    return token


def test_malformed_oversized_and_unauthenticated_requests(server: RunningServer) -> None:
    url = server.url
    auth = H | {"Authorization": f"Bearer {_token(server, 'nvan1.ubnd', 'd1')}"}
    assert httpx.post(url + "/v1/upload", headers=H, json={"mutations": []}).status_code == 401
    bad = httpx.post(url + "/v1/upload", headers=auth, content=b"{not json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "malformed"
    shape = httpx.post(url + "/v1/upload", headers=auth, json={"mutations": [{"seq": "x"}]})
    assert shape.status_code == 400
    big = httpx.post(url + "/v1/upload", headers=auth, content=b" " * (p.MAX_BODY_BYTES + 1))
    assert big.status_code == 413 and big.json()["error"]["code"] == "request_too_large"
    many = [
        {"seq": i, "mutation_id": str(i), "op": "x", "payload": {}}
        for i in range(1, p.MAX_BATCH + 2)
    ]
    assert httpx.post(url + "/v1/upload", headers=auth, json={"mutations": many}).status_code == 413
    gap = httpx.post(
        url + "/v1/upload",
        headers=auth,
        json={"mutations": [{"seq": 5, "mutation_id": "m5", "op": "cancel", "payload": {}}]},
    )
    assert gap.status_code == 409 and gap.json()["error"]["code"] == "sequence_gap"
    odd = httpx.post(
        url + "/v1/upload",
        headers=auth,
        json={
            "mutations": [
                {
                    "seq": 1,
                    "mutation_id": "m1",
                    "op": "register_incoming",
                    "entity": "document",
                    "entity_id": "d",
                    "payload": {},
                }
            ]
        },
    )
    assert odd.json()["results"][0] == odd.json()["results"][0] | {
        "status": "rejected",
        "reason": "invalid_mutation",
    }
    assert httpx.get(url + "/v1/changes", headers=auth).status_code == 200  # still serving


def test_files_by_hash_resume_and_stay_within_the_agency(server: RunningServer) -> None:
    url = server.url
    auth = H | {"Authorization": f"Bearer {_token(server, 'nvan1.ubnd', 'd1')}"}
    data = os.urandom(300_000)
    sha = hashlib.sha256(data).hexdigest()
    wanted = {"files": [{"sha256": sha, "size": len(data)}]}
    assert (
        httpx.post(url + "/v1/files/missing", headers=auth, json=wanted).json()["missing"][0][
            "offset"
        ]
        == 0
    )
    first = httpx.put(
        url + f"/v1/files/{sha}",
        headers=auth,
        params={"size": len(data), "offset": 0},
        content=data[:100_000],
    )
    assert first.json() == {"sha256": sha, "received": 100_000, "complete": False}
    # The connection dropped here; the desk asks what is missing and resumes from there.
    resume = httpx.post(url + "/v1/files/missing", headers=auth, json=wanted).json()["missing"][0]
    assert resume["offset"] == 100_000
    wrong = httpx.put(
        url + f"/v1/files/{sha}",
        headers=auth,
        params={"size": len(data), "offset": 0},
        content=data[:10],
    )
    assert wrong.status_code == 409 and wrong.json()["error"]["fields"]["offset"] == 100_000
    done = httpx.put(
        url + f"/v1/files/{sha}",
        headers=auth,
        params={"size": len(data), "offset": 100_000},
        content=data[100_000:],
    )
    assert done.json()["complete"] is True
    assert httpx.post(url + "/v1/files/missing", headers=auth, json=wanted).json()["missing"] == []
    got = httpx.get(url + f"/v1/files/{sha}", headers=auth)
    assert got.content == data
    tail = httpx.get(url + f"/v1/files/{sha}", headers=auth | {"Range": "bytes=250000-"})
    assert tail.status_code == 206 and tail.content == data[250_000:]
    fake = hashlib.sha256(b"x").hexdigest()
    bad = httpx.put(
        url + f"/v1/files/{fake}", headers=auth, params={"size": 3, "offset": 0}, content=b"abc"
    )
    assert bad.json()["error"]["code"] == "file_hash_mismatch"

    server.agency("STC", "Sở Tài chính")
    other = H | {"Authorization": f"Bearer {_token(server, 'lvc1.stc', 'd2', 'STC')}"}
    assert httpx.get(url + f"/v1/files/{sha}", headers=other).status_code == 404
    assert httpx.post(url + "/v1/files/missing", headers=other, json=wanted).json()["missing"] != []


def test_clerk_server_command_line(tmp_path: Path, server_db_url: str) -> None:
    env = os.environ | {"PYTHONPATH": str(ROOT), "PW": "mat-khau-ban-dau"}

    def run(*args: str) -> Any:
        return subprocess.run(
            [sys.executable, "-m", "sync.server.cli", *args, "--db", server_db_url],
            env=env,
            capture_output=True,
            text=True,
            cwd=tmp_path,
        )

    made = run("create-agency", "--name", "Ủy ban nhân dân huyện Đồng Xuân", "--code", "UBNDDX")
    assert made.returncode == 0, made.stderr
    user = run(
        "create-user",
        "--agency",
        "UBNDDX",
        "--username",
        "ttlan2.ubnddx",
        "--role",
        "secretary",
        "--password-env",
        "PW",
    )
    assert user.returncode == 0 and '"must_change_password": true' in user.stdout
    again = run(
        "create-user",
        "--agency",
        "UBNDDX",
        "--username",
        "ttlan2.ubnddx",
        "--role",
        "secretary",
        "--password-env",
        "PW",
    )
    assert again.returncode == 2 and "account_exists" in again.stderr


def test_malformed_requests_get_a_4xx_with_a_code_never_a_500(server: RunningServer) -> None:
    url = server.url
    auth = H | {"Authorization": f"Bearer {_token(server, 'nvan1.ubnd', 'd1')}"}
    json_h = auth | {"Content-Type": "application/json"}

    def code(r: httpx.Response) -> tuple[int, str]:
        return r.status_code, r.json()["error"]["code"]

    deep = b'{"mutations": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert code(httpx.post(url + "/v1/upload", headers=json_h, content=deep)) == (400, "malformed")
    nested = b'{"mutations": ' + b"[" * 200 + b"]" * 200 + b"}"
    assert code(httpx.post(url + "/v1/upload", headers=json_h, content=nested)) == (
        400,
        "malformed",
    )
    huge = b'{"mutations": [], "x": ' + b"9" * 5000 + b"}"
    assert code(httpx.post(url + "/v1/upload", headers=json_h, content=huge)) == (400, "malformed")
    nan = b'{"kind": "incoming", "series": "chung", "year": NaN, "local_last": 0}'
    assert code(httpx.post(url + "/v1/leases/acquire", headers=json_h, content=nan)) == (
        400,
        "malformed",
    )
    for year in (2**63, -1, 10**4000, True, "2026"):
        body = {"kind": "incoming", "series": "chung", "year": year, "local_last": 0}
        r = httpx.post(url + "/v1/leases/acquire", headers=auth, json=body)
        assert code(r) == (400, "malformed"), year
    body = {"kind": "incoming", "series": "chung", "year": 2026, "local_last": 2**63}
    assert code(httpx.post(url + "/v1/leases/acquire", headers=auth, json=body))[0] == 400
    for since in ("1" + "0" * 30, "-5", "abc"):
        r = httpx.get(url + "/v1/changes", headers=auth, params={"since": since})
        assert code(r) == (400, "malformed"), since
    seq = [{"seq": 2**63, "mutation_id": "m", "op": "cancel", "payload": {}}]
    assert code(httpx.post(url + "/v1/upload", headers=auth, json={"mutations": seq}))[0] == 400
    long_id = [{"seq": 1, "mutation_id": "m" * 5000, "op": "cancel", "payload": {}}]
    assert code(httpx.post(url + "/v1/upload", headers=auth, json={"mutations": long_id}))[0] == 400

    data = b"contents of a file"
    sha = hashlib.sha256(data).hexdigest()
    put = httpx.put(
        url + f"/v1/files/{sha}",
        headers=auth,
        params={"size": len(data), "offset": 0},
        content=data,
    )
    assert put.json()["complete"] is True
    for bad in ("bytes=abc-", "bytes=-5", "bytes=0-4", "bytes=99999-", "items=1-"):
        r = httpx.get(url + f"/v1/files/{sha}", headers=auth | {"Range": bad})
        assert code(r) == (416, "invalid_range"), bad
    at_end = httpx.get(url + f"/v1/files/{sha}", headers=auth | {"Range": f"bytes={len(data)}-"})
    assert at_end.status_code == 206 and at_end.content == b""
    for size, offset in (("2" * 30, "0"), ("-1", "0"), ("x", "0"), ("10", "1e3")):
        r = httpx.put(
            url + f"/v1/files/{sha}", headers=auth, params={"size": size, "offset": offset}
        )
        assert code(r) == (400, "malformed"), (size, offset)
    r = httpx.put(url + "/v1/files/not-a-hash", headers=auth, params={"size": 1, "offset": 0})
    assert code(r) == (400, "malformed")
    r = httpx.post(url + "/v1/files/missing", headers=auth, json={"files": [{"sha256": sha}]})
    assert code(r) == (400, "malformed")

    def chunked(total: int) -> Any:
        for _ in range(total // 65536):
            yield b" " * 65536

    r = httpx.post(url + "/v1/upload", headers=json_h, content=chunked(p.MAX_BODY_BYTES + 65536))
    assert code(r) == (413, "request_too_large")
    login = httpx.post(
        url + "/v1/login",
        headers=H,
        json={"username": "x" * 10_000, "password": "p", "desk_id": "d"},
    )
    assert code(login) == (400, "malformed")
    login = httpx.post(
        url + "/v1/login", headers=H, json={"username": "nvan1.ubnd", "password": 5, "desk_id": "d"}
    )
    assert code(login) == (400, "malformed")
    assert httpx.get(url + "/v1/changes", headers=auth).status_code == 200  # still serving
    assert "Traceback" not in server.log.read_text()


def test_a_mutation_id_used_before_is_refused_with_a_code_not_a_500(
    server: RunningServer,
) -> None:
    """A mutation id is the server's key of what it applied. Sent again under a new sequence
    number, by the desk that used it or by another account that read it, the batch is refused
    409 `mutation_id_reused` (it was an integrity error: HTTP 500, and the sender's sync stuck
    on it), and nothing of the batch is applied."""
    url = server.url
    first = H | {"Authorization": f"Bearer {_token(server, 'nvan1.ubnd', 'd1')}"}
    other = H | {"Authorization": f"Bearer {_token(server, 'nvan2.ubnd', 'd2')}"}

    def cancel(seq: int, mutation_id: str) -> dict[str, Any]:
        return {"seq": seq, "mutation_id": mutation_id, "op": "cancel", "payload": {}}

    ok = httpx.post(url + "/v1/upload", headers=first, json={"mutations": [cancel(1, "m-a")]})
    assert ok.status_code == 200
    for headers, batch in (
        (first, [cancel(2, "m-a")]),  # the same desk, a new sequence number
        (other, [cancel(1, "m-a")]),  # another desk's account, the id read from the feed
        (other, [cancel(1, "m-b"), cancel(2, "m-b")]),  # twice in one batch
    ):
        r = httpx.post(url + "/v1/upload", headers=headers, json={"mutations": batch})
        assert r.status_code == 409, r.text
        assert r.json()["error"]["code"] == "mutation_id_reused"
    # Nothing of the refused batches was applied: the next sequence numbers are still free.
    again = httpx.post(url + "/v1/upload", headers=other, json={"mutations": [cancel(1, "m-c")]})
    assert again.status_code == 200 and again.json()["last_applied_seq"] == 1
    assert httpx.get(url + "/v1/changes", headers=first).status_code == 200
