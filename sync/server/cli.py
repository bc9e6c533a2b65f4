"""`clerk-server`: serve the API, create agencies and accounts; argument parsing only.

The database defaults to SQLite in the current folder (`clerk-server.sqlite3`) for a single
office; production points --db at PostgreSQL (postgresql+psycopg://…). Files live beside an
SQLite database, or in --files-dir.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

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


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from sync.server.app import create_app

    db = _open(args.db)
    app = create_app(db, _files_dir(args.db, args.files_dir))
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


def cmd_create_user(args: argparse.Namespace) -> int:
    from sync.server.accounts import create_account

    password = os.environ.get(args.password_env)
    if not password:
        raise Refused(400, "password_env_empty", variable=args.password_env)
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
    s.set_defaults(handler=cmd_serve)

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
