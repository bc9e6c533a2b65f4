"""The desk kernel: the one unit of work every writer of the desk's rows goes through.

Shape: `context` (who writes, where, when) → `transaction` (audit, outbox, search row,
live-document lookup, guarded write) → `indexing` (the one search-row builder). The kernel
imports storage, files.store, errors and pure helpers; never a feature (workspace, instructions,
sync), so every feature can build on it.
"""

from clerk_app.kernel.context import DeskContext
from clerk_app.kernel.transaction import Transaction

__all__ = ["DeskContext", "Transaction"]
