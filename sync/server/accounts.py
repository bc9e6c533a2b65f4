"""Agencies, accounts and sessions on the server (Bến Tre 2018 art. 6, 7, 9); no HTTP here.

Usernames are `tencanhan.tendonvi`; passwords are hashed with argon2id; a new account must change
its password at first login; an account is locked when unused 30 days after issue or 60 days
after its last login; sessions expire.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sync.protocol import ROLES
from sync.server.models import Account, Agency, Desk, SessionToken
from sync.server.refusals import Refused

USERNAME = re.compile(r"^[a-z]+[0-9]*\.[a-z0-9]+$")
AGENCY_CODE = re.compile(r"^[A-Z0-9Đ-]{2,40}$")
NEVER_USED_LIMIT = timedelta(days=30)
UNUSED_LIMIT = timedelta(days=60)
SESSION_LIFETIME = timedelta(hours=10)
MIN_PASSWORD = 8

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def agency_suffix(code: str) -> str:
    """The `tendonvi` part of usernames: the agency code, lower case, without diacritics."""
    from clerk_app.text import fold

    return re.sub(r"[^a-z0-9]", "", fold(code).lower())


def create_agency(s: Session, code: str, name: str, now: datetime) -> Agency:
    code = code.strip().upper()
    if not AGENCY_CODE.match(code):
        raise Refused(400, "invalid_agency_code", code=code)
    if not name.strip():
        raise Refused(400, "missing_field", field="name")
    if s.execute(select(Agency).where(Agency.code == code)).first():
        raise Refused(409, "agency_exists", code=code)
    agency = Agency(code=code, name=name.strip(), last_version=0, created_at=now)
    s.add(agency)
    s.flush()
    return agency


def create_account(
    s: Session, agency_code: str, username: str, role: str, password: str, now: datetime
) -> Account:
    agency = s.execute(
        select(Agency).where(Agency.code == agency_code.strip().upper())
    ).scalar_one_or_none()
    if agency is None:
        raise Refused(404, "unknown_agency", code=agency_code)
    name = username.strip().lower()
    if not USERNAME.match(name) or name.split(".", 1)[1] != agency_suffix(agency.code):
        raise Refused(400, "invalid_username", username=username, suffix=agency_suffix(agency.code))
    if role not in ROLES:
        raise Refused(400, "invalid_role", role=role)
    if len(password) < MIN_PASSWORD:
        raise Refused(400, "weak_password", min_length=MIN_PASSWORD)
    if s.execute(select(Account).where(Account.username == name)).first():
        raise Refused(409, "account_exists", username=name)
    account = Account(
        agency_id=agency.id,
        username=name,
        role=role,
        password_hash=hash_password(password),
        must_change_password=True,
        created_at=now,
    )
    s.add(account)
    s.flush()
    return account


def lock_reason(account: Account, now: datetime) -> str:
    """Why the account is (now) locked, or '' (Bến Tre art. 7)."""
    if account.locked_at is not None:
        return account.lock_reason or "locked"
    if account.last_login_at is None and now - account.created_at > NEVER_USED_LIMIT:
        return "never_used_30_days"
    if account.last_login_at is not None and now - account.last_login_at > UNUSED_LIMIT:
        return "unused_60_days"
    return ""


@dataclass(frozen=True)
class Login:
    token: str
    expires_at: datetime
    account: Account
    agency: Agency
    password_change_only: bool


def login(
    s: Session, username: str, password: str, desk_id: str, station: str, now: datetime
) -> Login:
    account = s.execute(
        select(Account).where(Account.username == username.strip().lower())
    ).scalar_one_or_none()
    # The same answer for an unknown name and a wrong password: names are not probed.
    if account is None or not verify_password(account.password_hash, password):
        raise Refused(401, "login_failed")
    reason = lock_reason(account, now)
    if reason:
        if account.locked_at is None:
            account.locked_at = now
            account.lock_reason = reason
        raise Refused(403, "account_locked", reason=reason)
    agency = s.get_one(Agency, account.agency_id)
    desk = s.get(Desk, desk_id)
    if desk is None:
        s.add(Desk(id=desk_id, agency_id=agency.id, station=station, created_at=now))
    elif desk.agency_id != agency.id:
        raise Refused(403, "desk_of_other_agency")
    account.last_login_at = now
    token = secrets.token_urlsafe(32)
    expires = now + SESSION_LIFETIME
    s.add(
        SessionToken(
            token_hash=token_hash(token),
            account_id=account.id,
            desk_id=desk_id,
            password_change_only=account.must_change_password,
            created_at=now,
            expires_at=expires,
        )
    )
    s.execute(delete(SessionToken).where(SessionToken.expires_at < now))
    return Login(token, expires, account, agency, account.must_change_password)


@dataclass(frozen=True)
class Caller:
    account_id: str
    username: str
    role: str
    agency_id: str
    desk_id: str


def authenticate(
    s: Session, token: str | None, now: datetime, *, for_password: bool = False
) -> Caller:
    if not token:
        raise Refused(401, "not_logged_in")
    row = s.get(SessionToken, token_hash(token))
    if row is None:
        raise Refused(401, "not_logged_in")
    if row.expires_at <= now:
        raise Refused(401, "session_expired")
    account = s.get_one(Account, row.account_id)
    if account.locked_at is not None:
        raise Refused(403, "account_locked", reason=account.lock_reason)
    if row.password_change_only and not for_password:
        raise Refused(403, "password_change_required")
    return Caller(account.id, account.username, account.role, account.agency_id, row.desk_id)


def change_password(s: Session, caller: Caller, old: str, new: str, token: str) -> None:
    account = s.get_one(Account, caller.account_id)
    if not verify_password(account.password_hash, old):
        raise Refused(401, "login_failed")
    if len(new) < MIN_PASSWORD:
        raise Refused(400, "weak_password", min_length=MIN_PASSWORD)
    if new == old:
        raise Refused(400, "password_unchanged")
    account.password_hash = hash_password(new)
    account.must_change_password = False
    row = s.get_one(SessionToken, token_hash(token))
    row.password_change_only = False
