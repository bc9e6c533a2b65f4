"""What a data folder already holds before a desk is made in it: a new desk never starts numbering
at 1 beside the originals of an old one (its database lost, emptied or cut to 0 bytes)."""

from __future__ import annotations

from pathlib import Path

from clerk_app import errors
from clerk_app.storage.database import DB_FILENAME

FILES_DIR = "files"  # the content store's folder (clerk_app.files.store)


def refuse_if_holds_originals(path: Path) -> None:
    """DataFolderHoldsOriginals when `path` keeps stored files but no database (or an empty
    one), or an empty database file. A folder with its database is told AlreadyInitialised."""
    db = path / DB_FILENAME
    if db.is_file() and db.stat().st_size > 0:
        return
    store = path / FILES_DIR
    originals = sum(1 for f in store.rglob("*") if f.is_file()) if store.is_dir() else 0
    empty_db = db.is_file()
    if originals or empty_db:
        raise errors.DataFolderHoldsOriginals(str(path), originals, empty_db)
