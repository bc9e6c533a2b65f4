"""The desk database: migrations against real SQLite, and the network-share refusal."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from clerk_app import errors
from clerk_app.storage.database import (
    HEAD_REVISION,
    Database,
    alembic_config,
    mount_fs_type,
    refuse_network_share,
)
from clerk_app.storage.models import Base, include_object


def test_head_constant_matches_the_migration_scripts(tmp_path: Path) -> None:
    db = Database(tmp_path / "x.sqlite3")
    heads = ScriptDirectory.from_config(alembic_config(db.engine)).get_heads()
    assert heads == [HEAD_REVISION]
    db.close()


def test_migrations_build_exactly_the_models(tmp_path: Path) -> None:
    db = Database(tmp_path / "m.sqlite3")
    db.migrate()
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_object})
        assert compare_metadata(context, Base.metadata) == []
        tables = set(inspect(conn).get_table_names())
        assert "document_fts" in tables
        triggers = {
            r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type='trigger'"))
        }
        assert {"document_no_delete", "audit_entry_no_update", "document_number_fixed"} <= triggers
    assert db.current_revision() == HEAD_REVISION
    db.close()


def test_downgrade_and_upgrade_again(tmp_path: Path) -> None:
    db = Database(tmp_path / "d.sqlite3")
    db.migrate()
    config = alembic_config(db.engine)
    with db.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    with db.engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    db.migrate()
    assert db.current_revision() == HEAD_REVISION
    db.close()


def test_database_from_newer_app_is_refused(tmp_path: Path) -> None:
    db = Database(tmp_path / "n.sqlite3")
    db.migrate()
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(errors.DatabaseNewerThanApp):
        db.migrate()
    db.close()


MOUNTS = """\
/dev/vda / ext4 rw,relatime 0 0
proc /proc proc rw 0 0
server:/export /mnt/office nfs4 rw,vers=4.2 0 0
//nas/van\\040thu /media/van\\040thu cifs rw 0 0
tmpfs /tmp tmpfs rw 0 0
"""


@pytest.mark.parametrize(
    ("path", "fs"),
    [
        ("/home/clerk/data", "ext4"),
        ("/mnt/office/clerk", "nfs4"),
        ("/mnt/officer", "ext4"),
        ("/media/van thu/desk", "cifs"),
        ("/tmp/x", "tmpfs"),
    ],
)
def test_mount_type_of_a_path(path: str, fs: str) -> None:
    assert mount_fs_type(Path(path), MOUNTS) == fs


def test_network_share_is_refused() -> None:
    with pytest.raises(errors.NetworkShareRefused) as caught:
        refuse_network_share(Path("/mnt/office/clerk"), MOUNTS)
    assert caught.value.fs_type == "nfs4"
    refuse_network_share(Path("/home/clerk"), MOUNTS)


def test_this_machines_temp_dir_is_accepted(tmp_path: Path) -> None:
    refuse_network_share(tmp_path)
