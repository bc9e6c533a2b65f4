"""A desk is bound to the secret it presented when it first connected: no other account of the
agency can log in as that desk (its id is in the change feed), so none can use up its outbox
sequence or give back its lease. Desks of before the secret keep working until bound."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from clerk_app.storage.sync_models import SyncLink
from sync.engine import CREDENTIAL_FILE, PENDING_CREDENTIAL_ROW, DeskSync
from tests.sync.conftest import (
    NEW_PASSWORD,
    PASSWORD,
    ROOT,
    H,
    RunningServer,
    check_all,
    connect,
    raw_session,
)
from tests.sync.test_engine import YEAR, register, sync


def _login(server: RunningServer, user: str, desk_id: str, **extra: Any) -> httpx.Response:
    return httpx.post(
        server.url + "/v1/login",
        headers=H,
        json={"username": user, "password": NEW_PASSWORD, "desk_id": desk_id} | extra,
    )


def _cli(server: RunningServer, *args: str) -> Any:
    out = subprocess.run(
        [sys.executable, "-m", "sync.server.cli", *args, "--db", server.db_url],
        env=os.environ | {"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_no_account_can_act_as_another_desk(server: RunningServer, new_desk: Any) -> None:
    a = new_desk("a")
    connect(server, a, "nvan1.ubnd")
    assert len(kept_credential(a)) >= 40  # in the desk database, no file beside it
    assert not (a / CREDENTIAL_FILE).exists()
    with DeskSync(a) as d:
        d.sync()
        d.acquire_lease("incoming", YEAR)
        desk_a = d.desk_id
    register(a, 2, prefix="A")

    # Desk A's id is in every desk's feed; a secretary and a leader of the agency try it.
    raw_session(server, "ttlan2.ubnd", "secretary")
    raw_session(server, "lvcuong1.ubnd", "leader")
    for user in ("ttlan2.ubnd", "lvcuong1.ubnd"):
        wrong = _login(server, user, desk_a, desk_credential="guessed")
        assert wrong.status_code == 403
        assert wrong.json()["error"]["code"] == "desk_credential_wrong"
        # Without any secret (as a desk of before secrets would log in): told to update.
        old = _login(server, user, desk_a)
        assert old.status_code == 426
        assert old.json()["error"] == {
            "code": "protocol_too_old",
            "fields": {"reason": "desk_credential"},
        }
    # So desk A's registrations go up in sequence and its lease stays its own.
    report = sync(a)
    assert report.rejected == [] and report.accepted >= 2
    with DeskSync(a) as d:
        assert [x.holder for x in d.leases() if x.kind == "incoming" and x.year == YEAR] == ["mine"]
        d.login(NEW_PASSWORD)  # the desk itself logs in again with its secret
    check_all(server, a)
    events = _cli(server, "account-events", "--json")
    assert sorted(e["username"] for e in events if e["kind"] == "desk_refused") == [
        "lvcuong1.ubnd",
        "ttlan2.ubnd",
    ]


def test_desks_of_before_secrets_keep_working_until_bound(
    server: RunningServer, new_desk: Any
) -> None:
    server.user("nvan1.ubnd")
    first = httpx.post(
        server.url + "/v1/login",
        headers=H,
        json={"username": "nvan1.ubnd", "password": PASSWORD, "desk_id": "old-desk"},
    )
    assert first.status_code == 200  # an old desk: no secret, the desk stays unbound
    auth = H | {"Authorization": f"Bearer {first.json()['token']}"}
    httpx.post(
        server.url + "/v1/password", headers=auth, json={"old": PASSWORD, "new": NEW_PASSWORD}
    ).raise_for_status()
    assert _login(server, "nvan1.ubnd", "old-desk").status_code == 200
    # Upgraded, the desk presents its secret: from then on the desk is bound to it.
    assert _login(server, "nvan1.ubnd", "old-desk", desk_credential="s3cret-x").status_code == 200
    assert _login(server, "nvan1.ubnd", "old-desk", desk_credential="s3cret-x").status_code == 200
    assert _login(server, "nvan1.ubnd", "old-desk").status_code == 426
    assert _login(server, "nvan1.ubnd", "old-desk", desk_credential="other").status_code == 403

    # A desk that lost its secret is unbound by the administrator, then binds anew.
    assert _cli(server, "reset-desk", "--desk-id", "old-desk") == {
        "desk_id": "old-desk",
        "bound": False,
    }
    assert _login(server, "nvan1.ubnd", "old-desk", desk_credential="new-one").status_code == 200
    assert _login(server, "nvan1.ubnd", "old-desk", desk_credential="s3cret-x").status_code == 403


def test_a_desk_reconnecting_after_a_lost_answer_keeps_its_secret(
    server: RunningServer, new_desk: Any
) -> None:
    a = new_desk("a")
    server.user("nvan1.ubnd")
    from sync.engine import desk_credential

    secret = desk_credential(a)  # made before the first login is sent
    with DeskSync(a) as d:
        d.connect(server.url, "nvan1.ubnd", PASSWORD, NEW_PASSWORD)
        d.connect(server.url, "nvan1.ubnd", NEW_PASSWORD)
    assert kept_credential(a) == secret  # the wizard's file, taken into the database once
    assert not (a / CREDENTIAL_FILE).exists()
    assert (a / (CREDENTIAL_FILE + ".migrated")).read_text() == secret
    with DeskSync(a) as d:
        d.login(NEW_PASSWORD)  # from the database now


def kept_credential(desk: Path) -> str | None:
    with DeskSync(desk) as d, d.db.read() as s:
        assert s.get(SyncLink, PENDING_CREDENTIAL_ROW) is None
        return s.get_one(SyncLink, 1).desk_credential


def test_a_desk_of_before_the_column_takes_its_credential_file_in(
    server: RunningServer, new_desk: Any
) -> None:
    a = new_desk("a")
    connect(server, a, "nvan1.ubnd")
    secret = kept_credential(a)
    assert secret is not None
    with DeskSync(a) as d, d.db.write() as s:
        s.get_one(SyncLink, 1).desk_credential = None  # as migration 0005 leaves an old desk
    (a / CREDENTIAL_FILE).write_text(secret)
    with DeskSync(a) as d:
        d.login(NEW_PASSWORD)
        d.sync()
    assert kept_credential(a) == secret and not (a / CREDENTIAL_FILE).exists()
