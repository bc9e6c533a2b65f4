"""Who writes, where and when: the database, content store, clock, acting person and station."""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from clerk_app import errors
from clerk_app.clock import Clock
from clerk_app.files.store import ContentStore
from clerk_app.storage.database import Database, storage_error
from clerk_app.storage.models import DeskState

if TYPE_CHECKING:
    from clerk_app.kernel.transaction import Transaction


def current_user() -> str:
    """The person at the desk: CLERK_USER, else the operating system's login."""
    try:
        return os.environ.get("CLERK_USER") or getpass.getuser()
    except OSError:
        return "clerk"


@dataclass(frozen=True)
class DeskContext:
    """One open desk as every writer sees it; `as_actor` gives the same desk to another person
    (the sync engine writes as "sync")."""

    db: Database
    store: ContentStore
    clock: Clock
    actor: str
    station: str
    desk_id: str
    agency_id: str

    @classmethod
    def load(cls, db: Database, store: ContentStore, clock: Clock, actor: str) -> DeskContext:
        """The context of an initialised desk database; NotInitialised when it has no desk."""
        with db.read() as s:
            state = s.execute(select(DeskState)).scalar_one_or_none()
            if state is None:
                raise errors.NotInitialised(str(db.path.parent))
            return cls(db, store, clock, actor, state.station, state.desk_id, state.agency_id)

    def as_actor(self, actor: str) -> DeskContext:
        return replace(self, actor=actor)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.db.read() as s:
            yield s

    @contextmanager
    def write(self) -> Iterator[Transaction]:
        """The guarded write: one transaction whose disk failures surface as a typed storage
        error (damaged, locked, read-only, failed), never half-written."""
        from clerk_app.kernel.transaction import Transaction

        try:
            with self.db.write() as s:
                yield Transaction(self, s)
        except OperationalError as exc:
            raise storage_error(exc, self.db.path) from exc
