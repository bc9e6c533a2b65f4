"""Logging in to the real server process (SQLite and PostgreSQL) by the rules and good practice:
throttling and a recorded lock after repeated failures, admin lock and unlock, the Bến Tre
30/60-day rules recorded, every other session ended by a password change, weak passwords and
malformed usernames refused, unknown names verified against a hash of the same cost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from argon2 import extract_parameters
from sqlalchemy import select

from sync.server import accounts
from sync.server.models import Account
from tests.sync.conftest import NEW_PASSWORD, PASSWORD, ROOT, H, RunningServer, raw_session


def _login(server: RunningServer, user: str, password: str, desk: str = "d1") -> httpx.Response:
    return httpx.post(
        server.url + "/v1/login",
        headers=H,
        json={
            "username": user,
            "password": password,
            "desk_id": desk,
            "desk_credential": "secret-of-" + desk,
        },
        timeout=30,
    )


def _cli(server: RunningServer, *args: str, env: dict[str, str] | None = None) -> Any:
    return subprocess.run(
        [sys.executable, "-m", "sync.server.cli", *args, "--db", server.db_url],
        env=os.environ | {"PYTHONPATH": str(ROOT)} | (env or {}),
        capture_output=True,
        text=True,
    )


def _events(server: RunningServer, user: str) -> list[tuple[str, str]]:
    out = _cli(server, "account-events", "--username", user, "--json")
    assert out.returncode == 0, out.stderr
    return [(e["kind"], e["reason"]) for e in reversed(json.loads(out.stdout))]


def _code(r: httpx.Response) -> tuple[int, str]:
    return r.status_code, r.json()["error"]["code"] if r.status_code >= 400 else ""


def test_repeated_failures_throttle_then_lock_and_an_admin_unlocks(server: RunningServer) -> None:
    raw_session(server, "nvan1.ubnd")
    known = [_login(server, "nvan1.ubnd", f"sai-mat-khau-{i}") for i in range(6)]
    unknown = [_login(server, "khongco1.ubnd", f"sai-mat-khau-{i}") for i in range(6)]
    # A known and an unknown name answer alike: five failures, then throttled.
    expected = [(401, "login_failed")] * 5 + [(429, "login_throttled")]
    assert [_code(r) for r in known] == [_code(r) for r in unknown] == expected
    assert int(known[-1].headers["Retry-After"]) >= 1
    for i in range(5):  # one try a second: the lock comes at the tenth failure
        time.sleep(1.05)
        assert _code(_login(server, "nvan1.ubnd", f"van-sai-{i}")) == (401, "login_failed")
    time.sleep(1.05)
    locked = _login(server, "nvan1.ubnd", NEW_PASSWORD)
    assert locked.status_code == 403
    assert locked.json()["error"] == {
        "code": "account_locked",
        "fields": {"reason": "too_many_failures"},
    }
    assert _events(server, "nvan1.ubnd") == [
        ("password_changed", ""),
        ("throttled", "failed_logins"),
        ("locked", "too_many_failures"),
    ]
    out = _cli(server, "unlock-user", "--username", "nvan1.ubnd", "--by", "qtri1")
    assert out.returncode == 0, out.stderr
    time.sleep(1.05)
    assert _login(server, "nvan1.ubnd", NEW_PASSWORD).status_code == 200
    assert _events(server, "nvan1.ubnd")[-1] == ("unlocked", "")


def test_an_admin_lock_ends_the_sessions_at_once(server: RunningServer) -> None:
    auth = raw_session(server, "nvan1.ubnd")
    assert httpx.get(server.url + "/v1/changes", headers=auth).status_code == 200
    out = _cli(server, "lock-user", "--username", "nvan1.ubnd", "--reason", "nghi_viec")
    assert out.returncode == 0, out.stderr
    assert _code(httpx.get(server.url + "/v1/changes", headers=auth)) == (401, "not_logged_in")
    assert _login(server, "nvan1.ubnd", NEW_PASSWORD).json()["error"]["fields"] == {
        "reason": "nghi_viec"
    }
    assert _events(server, "nvan1.ubnd")[-1] == ("locked", "nghi_viec")


def test_ben_tre_30_and_60_day_locks_are_recorded(server: RunningServer) -> None:
    now = datetime.now(UTC)
    cases = {
        "nvan1.ubnd": (now - timedelta(days=31), None, True, "never_used_30_days"),
        "nvan2.ubnd": (now - timedelta(days=100), now - timedelta(days=61), False, "unused_60_days"),
        "nvan3.ubnd": (now - timedelta(days=31), now - timedelta(days=20), True,
                       "password_not_changed"),
        "nvan4.ubnd": (now - timedelta(days=100), now - timedelta(days=59), False, ""),
    }  # fmt: skip
    for user, (created, last_login, must_change, _reason) in cases.items():
        server.user(user)
        with server.db.write() as s:
            account = s.execute(select(Account).where(Account.username == user)).scalar_one()
            account.created_at, account.last_login_at = created, last_login
            account.must_change_password = must_change
    for user, (*_, reason) in cases.items():
        r = _login(server, user, PASSWORD)
        if not reason:
            assert r.status_code == 200
            continue
        assert r.status_code == 403 and r.json()["error"]["fields"] == {"reason": reason}
        with server.db.read() as s:
            account = s.execute(select(Account).where(Account.username == user)).scalar_one()
            assert account.locked_at is not None and account.lock_reason == reason
        assert _events(server, user) == [("locked", reason)]
        # Unlocking starts the counts again, as a new issue of the account would.
        assert _cli(server, "unlock-user", "--username", user).returncode == 0
        assert _login(server, user, PASSWORD).status_code == 200


def test_a_password_change_ends_every_other_session(server: RunningServer) -> None:
    first = raw_session(server, "nvan1.ubnd", desk_id="d1")
    second = _login(server, "nvan1.ubnd", NEW_PASSWORD, desk="d2").json()["token"]
    other = H | {"Authorization": f"Bearer {second}"}
    assert httpx.get(server.url + "/v1/changes", headers=other).status_code == 200
    changed = httpx.post(
        server.url + "/v1/password",
        headers=first,
        json={"old": NEW_PASSWORD, "new": "mot-mat-khau-khac-2026"},
    )
    assert changed.status_code == 200
    assert _code(httpx.get(server.url + "/v1/changes", headers=other)) == (401, "not_logged_in")
    assert httpx.get(server.url + "/v1/changes", headers=first).status_code == 200


def test_weak_passwords_and_malformed_usernames_are_refused(server: RunningServer) -> None:
    auth = raw_session(server, "nvan1.ubnd")
    for weak, problem in (
        ("12345678", "common"),
        ("password", "common"),
        ("Matkhau123", "common"),
        ("ngan", "too_short"),
        ("aaaaaaaaaaaa", "common"),
        ("nvan1-mat-khau", "like_username"),
        ("x" * 257, "too_long"),
    ):
        r = httpx.post(
            server.url + "/v1/password", headers=auth, json={"old": NEW_PASSWORD, "new": weak}
        )
        assert _code(r) == (400, "weak_password"), weak
        assert r.json()["error"]["fields"]["problem"] == problem
    made = _cli(
        server, "create-user", "--agency", "UBND", "--username", "ttb2.ubnd", "--role", "clerk",
        "--password-env", "PW", env={"PW": "12345678"},
    )  # fmt: skip
    assert made.returncode == 2 and "weak_password" in made.stderr
    for bad in ("nvan.ubnd", "n1.ubnd", "nvan1.stc", "nvan1ubnd", "nguyễn1.ubnd"):
        made = _cli(
            server, "create-user", "--agency", "UBND", "--username", bad, "--role", "clerk",
            "--password-env", "PW", env={"PW": PASSWORD},
        )  # fmt: skip
        assert made.returncode == 2 and "invalid_username" in made.stderr, bad


def test_unknown_names_are_checked_against_a_hash_of_the_same_cost(server: RunningServer) -> None:
    server.user("nvan1.ubnd")
    with server.db.read() as s:
        unknown = accounts.find_for_login(s, "khongco1.ubnd")
        known = accounts.find_for_login(s, "nvan1.ubnd")
    assert unknown.account_id is None and known.account_id is not None
    assert extract_parameters(unknown.stored_hash) == extract_parameters(known.stored_hash)
    assert not accounts.verify_password(unknown.stored_hash, PASSWORD)
