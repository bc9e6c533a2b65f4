"""A new desk joins its agency's server: the agency is read from the server, then the desk is made for it and connected.

The first-run wizard's «Kết nối máy chủ của cơ quan»: the clerk types the server's address and
their account, not the agency's name and code, so the desk's agency is the server's exactly. The
first login uses the id and the secret (sync.engine.desk_credential) the new desk will carry,
so the server knows one desk, not two. No
password is kept here (DeskSync keeps only its offline-login verifier).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path

from clerk_app.storage.database import DB_FILENAME
from clerk_app.storage.models import new_id
from clerk_app.workspace import Workspace
from sync.client import ServerClient
from sync.engine import DeskSync, desk_credential


@dataclass(frozen=True)
class ServerAgency:
    desk_id: str
    name: str
    code: str
    username: str
    role: str


def agency_on_server(
    data_dir: Path, server_url: str, username: str, password: str, desk_id: str | None = None
) -> ServerAgency:
    """Log in as the desk `desk_id` (a new id by default) with the secret the desk in `data_dir`
    will keep proving itself with, and read the account's agency.

    Raises ServerRefused (wrong password, locked account) or ServerUnreachable."""
    desk_id = desk_id or new_id()
    data_dir.mkdir(parents=True, exist_ok=True)
    with ServerClient(server_url) as client:
        answer = client.login(
            username, password, desk_id, socket.gethostname(), desk_credential(data_dir)
        )
    agency = answer["agency"]
    return ServerAgency(
        desk_id, str(agency["name"]), str(agency["code"]), str(answer["username"]), answer["role"]
    )


def enrol(
    data_dir: Path,
    server_url: str,
    username: str,
    password: str,
    new_password: str | None = None,
) -> ServerAgency:
    """Make the desk in `data_dir` for the server's agency and connect it (one server account)."""
    made = (data_dir / DB_FILENAME).is_file()
    if made:
        # A second try (the server asked for a new password): the same desk, never a second id.
        with Workspace.open(data_dir) as ws:
            desk_id = ws.desk_id
        found = agency_on_server(data_dir, server_url, username, password, desk_id)
    else:
        found = agency_on_server(data_dir, server_url, username, password)
        Workspace.init(
            data_dir, agency_name=found.name, agency_code=found.code, desk_id=found.desk_id
        ).close()
    desk = DeskSync(data_dir)
    try:
        desk.connect(server_url, username, password, new_password)
    finally:
        desk.close()
    return found
