"""Agencies, accounts, sessions and desk bindings on the server (Bến Tre 2018 art. 6, 7, 9); no HTTP.

Usernames are `tencanhan.tendonvi`; passwords are hashed with argon2id and checked for length and
against a list of common ones; a new account must change its password at first login; an
account locks when unused 30 days after issue, 60 days after its last login, when its first
password was not changed in time, or after repeated wrong passwords, and every lock is recorded.

A login runs in three steps so that the slow part holds no lock: `find_for_login` reads,
`verify_password` (argon2, in a worker thread) touches no database, `finish_login` writes. An
unknown name is verified against a dummy hash of the same cost: it answers in the same time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from clerk_app.refusals import Refusal
from sync.protocol import ROLES
from sync.server.models import Account, AccountEvent, Agency, Desk, SessionToken
from sync.server.refusals import Refused

# Bến Tre 2018 art. 6: initials of the family and middle names, the given name without
# diacritics and a sequence number, a dot, the agency's abbreviation (`nvan1.stttt`).
USERNAME = re.compile(r"^[a-z]{2,40}[0-9]{1,4}\.[a-z0-9]{2,30}$")
AGENCY_CODE = re.compile(r"^[A-Z0-9Đ-]{2,40}$")
NEVER_USED_LIMIT = timedelta(days=30)
UNUSED_LIMIT = timedelta(days=60)
SESSION_LIFETIME = timedelta(hours=10)
MIN_PASSWORD = 8
MAX_PASSWORD = 256  # argon2 takes any length; this bounds what one request makes it hash
LOCK_AFTER = 10  # wrong passwords in a row lock the account until an administrator unlocks it
CREDENTIAL_MAX = 200

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Slow by design (argon2id): call it outside any transaction and off the event loop."""
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def dummy_hash() -> str:
    """A hash of the same cost as a real one, for names that match no account."""
    return _hasher.hash(secrets.token_urlsafe(16))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("sync.server").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


def password_problem(password: str, username: str = "") -> str:
    """Why a new password is refused ("" when it is good enough)."""
    if len(password) < MIN_PASSWORD:
        return "too_short"
    if len(password) > MAX_PASSWORD:
        return "too_long"
    plain = password.lower()
    if plain in common_passwords() or len(set(plain)) <= 2:
        return "common"
    person = username.split(".", 1)[0]
    if username and (person in plain or plain in username):
        return "like_username"
    return ""


def check_new_password(password: str, username: str = "") -> None:
    problem = password_problem(password, username)
    if problem:
        raise Refused(
            400,
            Refusal.WEAK_PASSWORD,
            problem=problem,
            min_length=MIN_PASSWORD,
            max_length=MAX_PASSWORD,
        )


def agency_suffix(code: str) -> str:
    """The `tendonvi` part of usernames: the agency code, lower case, without diacritics."""
    from clerk_app.text import fold

    return re.sub(r"[^a-z0-9]", "", fold(code).lower())


def create_agency(s: Session, code: str, name: str, now: datetime) -> Agency:
    code = code.strip().upper()
    if not AGENCY_CODE.match(code):
        raise Refused(400, Refusal.INVALID_AGENCY_CODE, code=code)
    if not name.strip():
        raise Refused(400, Refusal.MISSING_FIELD, field="name")
    if s.execute(select(Agency).where(Agency.code == code)).first():
        raise Refused(409, Refusal.AGENCY_EXISTS, code=code)
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
        raise Refused(404, Refusal.UNKNOWN_AGENCY, code=agency_code)
    name = username.strip().lower()
    if not USERNAME.match(name) or name.split(".", 1)[1] != agency_suffix(agency.code):
        raise Refused(
            400, Refusal.INVALID_USERNAME, username=username, suffix=agency_suffix(agency.code)
        )
    if role not in ROLES:
        raise Refused(400, Refusal.INVALID_ROLE, role=role)
    check_new_password(password, name)
    if s.execute(select(Account).where(Account.username == name)).first():
        raise Refused(409, Refusal.ACCOUNT_EXISTS, username=name)
    account = Account(
        agency_id=agency.id,
        username=name,
        role=role,
        password_hash=hash_password(password),
        must_change_password=True,
        created_at=now,
        failed_logins=0,
    )
    s.add(account)
    s.flush()
    return account


def record(
    s: Session, account: Account, kind: str, now: datetime, reason: str = "", actor: str = "server"
) -> None:
    s.add(
        AccountEvent(
            agency_id=account.agency_id,
            account_id=account.id,
            username=account.username,
            kind=kind,
            reason=reason[:60],
            actor=actor[:80],
            at=now,
        )
    )


def lock_reason(account: Account, now: datetime) -> str:
    """Why the account is (now) locked, or '' (Bến Tre art. 7). An unlock starts the counts
    again, as a new issue of the account would."""
    if account.locked_at is not None:
        return account.lock_reason or "locked"
    since = max(account.created_at, account.reactivated_at or account.created_at)
    if account.last_login_at is None and now - since > NEVER_USED_LIMIT:
        return "never_used_30_days"
    last_use = max(since, account.last_login_at or since)
    if now - last_use > UNUSED_LIMIT:
        return "unused_60_days"
    if account.must_change_password and now - since > NEVER_USED_LIMIT:
        return "password_not_changed"  # art. 7.3, 9.2.b: changed at the first login
    return ""


def lock(s: Session, account: Account, reason: str, now: datetime, actor: str = "server") -> None:
    account.locked_at = now
    account.lock_reason = reason[:40]
    # A locked account keeps no session: whoever holds one is out now, not at its expiry.
    s.execute(delete(SessionToken).where(SessionToken.account_id == account.id))
    record(s, account, "locked", now, reason, actor)


def unlock(s: Session, username: str, now: datetime, actor: str) -> Account:
    account = _by_name(s, username)
    account.locked_at = None
    account.lock_reason = ""
    account.failed_logins = 0
    account.reactivated_at = now
    record(s, account, "unlocked", now, "", actor)
    return account


def lock_by_admin(s: Session, username: str, reason: str, now: datetime, actor: str) -> Account:
    account = _by_name(s, username)
    lock(s, account, reason or "admin", now, actor)
    return account


def _by_name(s: Session, username: str) -> Account:
    account = s.execute(
        select(Account).where(Account.username == username.strip().lower())
    ).scalar_one_or_none()
    if account is None:
        raise Refused(404, Refusal.UNKNOWN_ACCOUNT, username=username)
    return account


# --- logging in ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginAttempt:
    """What the read step found: the account (None for an unknown name) and the hash to try."""

    account_id: str | None
    stored_hash: str


@dataclass(frozen=True)
class Login:
    token: str
    expires_at: datetime
    account: Account
    agency: Agency
    password_change_only: bool


def find_for_login(s: Session, username: str) -> LoginAttempt:
    account = s.execute(
        select(Account).where(Account.username == username.strip().lower()[:80])
    ).scalar_one_or_none()
    if account is None:
        return LoginAttempt(None, dummy_hash())
    return LoginAttempt(account.id, account.password_hash)


@dataclass(frozen=True)
class DeskClaim:
    """The desk a login is for, and the secret it presented (None: a desk of before secrets)."""

    desk_id: str
    station: str
    credential: str | None


def finish_login(
    s: Session, attempt: LoginAttempt, password_ok: bool, desk: DeskClaim, now: datetime
) -> Login | Refused:
    """Record the outcome and open a session. A refusal is returned, not raised, so that what
    it records (a failure, a lock) is committed with the caller's transaction."""
    account = s.get(Account, attempt.account_id) if attempt.account_id else None
    # The same answer for an unknown name and a wrong password: names are not probed; and a
    # locked account says so only to whoever knows its password.
    if account is None or account.password_hash != attempt.stored_hash or not password_ok:
        if account is not None and account.locked_at is None and not password_ok:
            account.failed_logins += 1
            account.last_failed_at = now
            if account.failed_logins >= LOCK_AFTER:
                lock(s, account, "too_many_failures", now)
        return Refused(401, Refusal.LOGIN_FAILED)
    reason = lock_reason(account, now)
    if reason:
        if account.locked_at is None:
            lock(s, account, reason, now)
        return Refused(403, Refusal.ACCOUNT_LOCKED, reason=reason)
    agency = s.get_one(Agency, account.agency_id)
    refused = _bind_desk(s, account, agency, desk, now)
    if refused is not None:
        return refused
    account.last_login_at = now
    account.failed_logins = 0
    s.get_one(Desk, desk.desk_id).login = account.username
    token = secrets.token_urlsafe(32)
    expires = now + SESSION_LIFETIME
    s.add(
        SessionToken(
            token_hash=token_hash(token),
            account_id=account.id,
            desk_id=desk.desk_id,
            password_change_only=account.must_change_password,
            created_at=now,
            expires_at=expires,
        )
    )
    s.execute(delete(SessionToken).where(SessionToken.expires_at < now))
    return Login(token, expires, account, agency, account.must_change_password)


def _bind_desk(
    s: Session, account: Account, agency: Agency, claim: DeskClaim, now: datetime
) -> Refused | None:
    """A desk is bound to the secret it presented when it first connected; a login as that
    desk must present it again. A desk of before secrets (credential None) may still use a
    desk that never presented one, and is told to update for one that has."""
    presented = None if claim.credential is None else token_hash(claim.credential)
    desk = s.get(Desk, claim.desk_id)
    if desk is None:
        s.add(
            Desk(
                id=claim.desk_id,
                agency_id=agency.id,
                station=claim.station,
                created_at=now,
                credential_hash=presented,
                bound_at=now if presented else None,
            )
        )
        s.flush()
        return None
    if desk.agency_id != agency.id:
        return Refused(403, Refusal.DESK_OF_OTHER_AGENCY)
    if desk.credential_hash is None:
        if presented is not None:
            desk.credential_hash, desk.bound_at = presented, now
        return None
    if presented is None:
        return Refused(426, Refusal.PROTOCOL_TOO_OLD, reason="desk_credential")
    if not hmac.compare_digest(presented, desk.credential_hash):
        record(s, account, "desk_refused", now, f"desk {claim.desk_id}")
        return Refused(403, Refusal.DESK_CREDENTIAL_WRONG, desk_id=claim.desk_id)
    desk.station = claim.station or desk.station
    return None


def login(
    s: Session,
    username: str,
    password: str,
    desk_id: str,
    station: str,
    now: datetime,
    credential: str | None = None,
) -> Login:
    """The three steps in one transaction (the command line and tests; the server splits them)."""
    attempt = find_for_login(s, username)
    ok = verify_password(attempt.stored_hash, password)
    outcome = finish_login(s, attempt, ok, DeskClaim(desk_id, station, credential), now)
    if isinstance(outcome, Refused):
        raise outcome
    return outcome


def reset_desk(s: Session, desk_id: str) -> None:
    """Forget a desk's secret (the desk lost it): the next login as that desk binds anew."""
    desk = s.get(Desk, desk_id)
    if desk is None:
        raise Refused(404, Refusal.UNKNOWN_DESK, desk_id=desk_id)
    desk.credential_hash, desk.bound_at = None, None
    s.execute(delete(SessionToken).where(SessionToken.desk_id == desk_id))


# --- sessions and passwords ----------------------------------------------------------------


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
    """The caller of a request, from its session token. Reads only: no write lock taken."""
    if not token or len(token) > CREDENTIAL_MAX:
        raise Refused(401, Refusal.NOT_LOGGED_IN)
    row = s.get(SessionToken, token_hash(token))
    if row is None:
        raise Refused(401, Refusal.NOT_LOGGED_IN)
    if row.expires_at <= now:
        raise Refused(401, Refusal.SESSION_EXPIRED)
    account = s.get_one(Account, row.account_id)
    if account.locked_at is not None:
        raise Refused(403, Refusal.ACCOUNT_LOCKED, reason=account.lock_reason)
    if row.password_change_only and not for_password:
        raise Refused(403, Refusal.PASSWORD_CHANGE_REQUIRED)
    return Caller(account.id, account.username, account.role, account.agency_id, row.desk_id)


def stored_hash(s: Session, caller: Caller) -> str:
    return s.get_one(Account, caller.account_id).password_hash


def set_password(
    s: Session, caller: Caller, old_hash: str, new_hash: str, token: str, now: datetime
) -> None:
    """Store a new password (checked and hashed by the caller, outside the transaction) and
    end every other session of the account: whoever knew the old password is out."""
    account = s.get_one(Account, caller.account_id)
    if account.password_hash != old_hash:
        raise Refused(409, Refusal.PASSWORD_CHANGED_MEANWHILE)
    account.password_hash = new_hash
    account.must_change_password = False
    account.password_changed_at = now
    keep = token_hash(token)
    s.execute(
        delete(SessionToken).where(
            SessionToken.account_id == account.id, SessionToken.token_hash != keep
        )
    )
    row = s.get_one(SessionToken, keep)
    row.password_change_only = False
    record(s, account, "password_changed", now)


def change_password(
    s: Session, caller: Caller, old: str, new: str, token: str, now: datetime
) -> None:
    """The whole change in one transaction (tests; the server hashes outside it)."""
    old_hash = stored_hash(s, caller)
    if not verify_password(old_hash, old):
        raise Refused(401, Refusal.LOGIN_FAILED)
    if new == old:
        raise Refused(400, Refusal.PASSWORD_UNCHANGED)
    check_new_password(new, caller.username)
    set_password(s, caller, old_hash, hash_password(new), token, now)


def account_events(
    s: Session, agency_id: str | None, username: str | None, limit: int
) -> list[dict[str, object]]:
    query = select(AccountEvent)
    if agency_id is not None:
        query = query.where(AccountEvent.agency_id == agency_id)
    if username is not None:
        query = query.where(AccountEvent.username == username.strip().lower())
    rows = s.execute(query.order_by(AccountEvent.at.desc()).limit(limit)).scalars()
    return [
        {
            "at": e.at.isoformat(),
            "username": e.username,
            "kind": e.kind,
            "reason": e.reason,
            "actor": e.actor,
        }
        for e in rows
    ]
