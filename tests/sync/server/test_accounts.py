"""Accounts on the server's real database (SQLite and PostgreSQL): Bến Tre 2018 art. 6, 7, 9."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sync.server import accounts
from sync.server.database import ServerDatabase
from sync.server.models import Account
from sync.server.refusals import Refused

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


@pytest.fixture
def db(server_db_url: str) -> ServerDatabase:
    database = ServerDatabase(server_db_url)
    database.migrate()
    with database.write() as s:
        accounts.create_agency(s, "STTTT", "Sở Thông tin và Truyền thông", T0)
    return database


def _user(db: ServerDatabase, name: str = "nvan1.sttttt", at: datetime = T0) -> None:
    with db.write() as s:
        accounts.create_account(s, "STTTT", name, "clerk", "mat-khau-1", at)


def test_username_must_be_tencanhan_dot_tendonvi(db: ServerDatabase) -> None:
    for bad in ("nvan1", "Nguyễn.sttttt", "nvan1.ubnd", "n van.stttt"):
        with pytest.raises(Refused) as err, db.write() as s:
            accounts.create_account(s, "STTTT", bad, "clerk", "mat-khau-1", T0)
        assert err.value.code == "invalid_username"
    with db.write() as s:
        account = accounts.create_account(s, "STTTT", "nvan1.stttt", "clerk", "mat-khau-1", T0)
        assert account.password_hash.startswith("$argon2id$")
        assert account.must_change_password


def test_first_login_may_only_change_the_password(db: ServerDatabase) -> None:
    with db.write() as s:
        accounts.create_account(s, "STTTT", "nvan1.stttt", "clerk", "mat-khau-1", T0)
        login = accounts.login(s, "nvan1.stttt", "mat-khau-1", "desk-1", "may-1", T0)
        assert login.password_change_only
    with db.write() as s, pytest.raises(Refused) as err:
        accounts.authenticate(s, login.token, T0)
    assert err.value.code == "password_change_required"
    with db.write() as s:
        who = accounts.authenticate(s, login.token, T0, for_password=True)
        accounts.change_password(s, who, "mat-khau-1", "mat-khau-2", login.token, T0)
    with db.write() as s:
        assert accounts.authenticate(s, login.token, T0).username == "nvan1.stttt"
    with db.write() as s, pytest.raises(Refused) as err:
        accounts.login(s, "nvan1.stttt", "mat-khau-1", "desk-1", "may-1", T0)
    assert err.value.code == "login_failed"


def test_sessions_expire(db: ServerDatabase) -> None:
    with db.write() as s:
        accounts.create_account(s, "STTTT", "nvan1.stttt", "clerk", "mat-khau-1", T0)
        login = accounts.login(s, "nvan1.stttt", "mat-khau-1", "desk-1", "may-1", T0)
    later = T0 + accounts.SESSION_LIFETIME + timedelta(seconds=1)
    with db.write() as s, pytest.raises(Refused) as err:
        accounts.authenticate(s, login.token, later, for_password=True)
    assert err.value.code == "session_expired"


@pytest.mark.parametrize(
    ("last_login", "at", "reason"),
    [
        (None, T0 + timedelta(days=31), "never_used_30_days"),
        (T0 + timedelta(days=1), T0 + timedelta(days=62), "unused_60_days"),
    ],
)
def test_accounts_lock_when_unused(
    db: ServerDatabase, last_login: datetime | None, at: datetime, reason: str
) -> None:
    with db.write() as s:
        account = accounts.create_account(s, "STTTT", "nvan1.stttt", "clerk", "mat-khau-1", T0)
        account.last_login_at = last_login
    with db.write() as s, pytest.raises(Refused) as err:
        accounts.login(s, "nvan1.stttt", "mat-khau-1", "desk-1", "may-1", at)
    assert err.value.fields == {"reason": reason}
    with db.read() as s:
        from sqlalchemy import select

        locked = s.execute(select(Account)).scalar_one()
    assert locked.locked_at is not None and locked.lock_reason == reason
