"""`clerk-server`: serve the API, create agencies and accounts; argument parsing only.

The database defaults to SQLite in the current folder (`clerk-server.sqlite3`) for a single
office; production points --db at PostgreSQL (postgresql+psycopg://…). Files live beside an
SQLite database, or in --files-dir.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from clerk_app.refusals import Refusal
from sync import protocol as p
from sync.server.database import ServerDatabase
from sync.server.refusals import Refused

DEFAULT_DB = "sqlite:///clerk-server.sqlite3"


def _files_dir(url: str, given: str | None) -> Path:
    if given:
        return Path(given)
    if url.startswith("sqlite:///"):
        return Path(url[len("sqlite:///") :]).with_suffix(".files")
    return Path("clerk-server-files")


def _open(url: str) -> ServerDatabase:
    db = ServerDatabase(url)
    db.migrate()
    return db


def freeze_startup_objects() -> None:
    """Leave what the server holds from its start (modules, the app, its tables: ~150,000
    objects) out of the garbage collector's full passes: each of them walked it all, 0.1–0.3 s
    with the GIL held on a busy 2-core machine, stalling whatever request was running (a
    desk's sync round: 0.24 s inside one `/v1/files/missing`)."""
    gc.collect()
    gc.freeze()


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from sync.server.app import create_app

    db = _open(args.db)
    app = create_app(
        db,
        _files_dir(args.db, args.files_dir),
        failed_logins_per_minute=args.failed_logins_per_minute,
        exchange_dir=Path(args.exchange_dir) if args.exchange_dir else None,
    )
    app.router.on_startup.append(freeze_startup_objects)
    tls = {}
    if args.tls_cert:
        tls = {"ssl_certfile": args.tls_cert, "ssl_keyfile": args.tls_key}
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, **tls)
    return 0


def cmd_create_agency(args: argparse.Namespace) -> int:
    from sync.server.accounts import create_agency

    db = _open(args.db)
    with db.write() as s:
        agency = create_agency(s, args.code, args.name, datetime.now(UTC))
        out = {"id": agency.id, "code": agency.code, "name": agency.name}
    print(json.dumps(out, ensure_ascii=False))
    return 0


def cmd_add_organ(args: argparse.Namespace) -> int:
    from sync.server.exchange import add_organ

    db = _open(args.db)
    try:
        with db.write() as s:
            row = add_organ(s, args.organ_id, args.name, args.agency, args.in_charge)
            where = "trên máy chủ" if row.agency_id else "bên ngoài (qua trục liên thông)"
            print(f"{row.organ_id}: {row.name}, {where}")
    finally:
        db.close()
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    from sync.server.accounts import create_account

    password = os.environ.get(args.password_env)
    if not password:
        raise Refused(400, Refusal.PASSWORD_ENV_EMPTY, variable=args.password_env)
    db = _open(args.db)
    with db.write() as s:
        account = create_account(
            s, args.agency, args.username, args.role, password, datetime.now(UTC)
        )
        out = {
            "id": account.id,
            "username": account.username,
            "role": account.role,
            "must_change_password": account.must_change_password,
        }
    print(json.dumps(out, ensure_ascii=False))
    return 0


def cmd_refused(args: argparse.Namespace) -> int:
    from sync.server.ledger import refused_mutations

    db = _open(args.db)
    with db.read() as s:
        rows = refused_mutations(s, _agency_id(s, args.agency), args.limit)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    for r in rows:
        problems = ", ".join(f"{field}: {rule}" for field, rule in r["problems"])
        print(
            f"{r['at']}  {r['agency']}  {r['username']}  bàn {r['desk_id']}  #{r['seq']}  "
            f"{r['op']}  {r['reason']}  {problems}"
        )
    return 0


def cmd_lock_user(args: argparse.Namespace) -> int:
    from sync.server.accounts import lock_by_admin

    db = _open(args.db)
    with db.write() as s:
        account = lock_by_admin(s, args.username, args.reason, datetime.now(UTC), _admin(args))
        out = {"username": account.username, "locked": True, "reason": account.lock_reason}
    print(json.dumps(out, ensure_ascii=False))
    return 0


def cmd_unlock_user(args: argparse.Namespace) -> int:
    from sync.server.accounts import unlock

    db = _open(args.db)
    with db.write() as s:
        account = unlock(s, args.username, datetime.now(UTC), _admin(args))
        out = {"username": account.username, "locked": False}
    print(json.dumps(out, ensure_ascii=False))
    return 0


def cmd_account_events(args: argparse.Namespace) -> int:
    from sync.server.accounts import account_events

    db = _open(args.db)
    with db.read() as s:
        rows = account_events(s, _agency_id(s, args.agency), args.username, args.limit)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    for r in rows:
        print(f"{r['at']}  {r['username']}  {r['kind']}  {r['reason']}  ({r['actor']})")
    return 0


def cmd_reset_desk(args: argparse.Namespace) -> int:
    from sync.server.accounts import reset_desk

    db = _open(args.db)
    with db.write() as s:
        reset_desk(s, args.desk_id)
    print(json.dumps({"desk_id": args.desk_id, "bound": False}))
    return 0


def _admin(args: argparse.Namespace) -> str:
    return f"clerk-server ({args.by})" if args.by else "clerk-server"


def _agency_id(s: Any, code: str | None) -> str | None:
    if code is None:
        return None
    from sqlalchemy import select

    from sync.server.models import Agency

    agency = s.execute(
        select(Agency).where(Agency.code == code.strip().upper())
    ).scalar_one_or_none()
    if agency is None:
        raise Refused(404, Refusal.UNKNOWN_AGENCY, code=code)
    return str(agency.id)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="clerk-server", description="Máy chủ trung tâm văn thư")
    sub = parser.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="chạy máy chủ")
    s.add_argument("--db", default=DEFAULT_DB)
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8470)
    s.add_argument("--files-dir")
    s.add_argument("--tls-cert")
    s.add_argument("--tls-key")
    s.add_argument("--log-level", default="warning")
    s.add_argument(
        "--failed-logins-per-minute",
        type=int,
        default=30,
        help="lần đăng nhập sai tối đa mỗi phút từ một địa chỉ",
    )
    s.add_argument(
        "--exchange-dir",
        help="thư mục trao đổi với trục liên thông (outbox/ và inbox/ của cổng kết nối)",
    )
    s.set_defaults(handler=cmd_serve)

    o = sub.add_parser("add-organ", help="mã định danh liên thông của một cơ quan")
    o.add_argument("--db", default=DEFAULT_DB)
    o.add_argument("--organ-id", required=True)
    o.add_argument("--name", required=True)
    o.add_argument("--agency", help="mã cơ quan trên máy chủ này; bỏ trống: cơ quan bên ngoài")
    o.add_argument("--in-charge", default="")
    o.set_defaults(handler=cmd_add_organ)

    a = sub.add_parser("create-agency", help="tạo cơ quan")
    a.add_argument("--db", default=DEFAULT_DB)
    a.add_argument("--name", required=True)
    a.add_argument("--code", required=True)
    a.set_defaults(handler=cmd_create_agency)

    u = sub.add_parser("create-user", help="tạo tài khoản")
    u.add_argument("--db", default=DEFAULT_DB)
    u.add_argument("--agency", required=True)
    u.add_argument("--username", required=True)
    u.add_argument("--role", required=True, choices=p.ROLES)
    u.add_argument("--password-env", required=True)
    u.set_defaults(handler=cmd_create_user)

    r = sub.add_parser("refused", help="các thay đổi bị máy chủ từ chối (mới nhất trước)")
    r.add_argument("--db", default=DEFAULT_DB)
    r.add_argument("--agency")
    r.add_argument("--limit", type=int, default=200)
    r.add_argument("--json", action="store_true")
    r.set_defaults(handler=cmd_refused)

    lk = sub.add_parser("lock-user", help="khóa tài khoản")
    lk.add_argument("--db", default=DEFAULT_DB)
    lk.add_argument("--username", required=True)
    lk.add_argument("--reason", default="admin")
    lk.add_argument("--by", default="", help="người quản trị thực hiện")
    lk.set_defaults(handler=cmd_lock_user)

    ul = sub.add_parser("unlock-user", help="mở khóa tài khoản")
    ul.add_argument("--db", default=DEFAULT_DB)
    ul.add_argument("--username", required=True)
    ul.add_argument("--by", default="", help="người quản trị thực hiện")
    ul.set_defaults(handler=cmd_unlock_user)

    ev = sub.add_parser("account-events", help="khóa, mở khóa, đổi mật khẩu… của các tài khoản")
    ev.add_argument("--db", default=DEFAULT_DB)
    ev.add_argument("--agency")
    ev.add_argument("--username")
    ev.add_argument("--limit", type=int, default=200)
    ev.add_argument("--json", action="store_true")
    ev.set_defaults(handler=cmd_account_events)

    rd = sub.add_parser("reset-desk", help="bỏ mã xác thực của một bàn (bàn đã mất mã)")
    rd.add_argument("--db", default=DEFAULT_DB)
    rd.add_argument("--desk-id", required=True)
    rd.set_defaults(handler=cmd_reset_desk)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except Refused as exc:
        # The server's operator reads English codes in logs; the desk words them for clerks.
        print(json.dumps(exc.body(), ensure_ascii=False), file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
