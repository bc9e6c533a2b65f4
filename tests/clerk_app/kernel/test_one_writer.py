"""The desk's journal (audit and outbox) is written by the kernel's transaction alone."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
JOURNAL_WRITERS = {"append_audit", "append_outbox", "AuditEntry", "OutboxEntry"}
ALLOWED = {"clerk_app/kernel/transaction.py", "clerk_app/storage/journal.py"}


def _journal_writes(tree: ast.AST) -> list[tuple[int, str]]:
    """Imports of the journal's writers, and rows of its tables built by hand."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            found += [
                (node.lineno, a.name)
                for a in node.names
                if a.name in ("append_audit", "append_outbox")
            ]
        elif isinstance(node, ast.Call):
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name in JOURNAL_WRITERS:
                found.append((node.lineno, name))
    return found


def test_only_the_kernel_writes_the_desks_journal() -> None:
    # Everything of the desk goes through clerk_app.kernel.Transaction, so that an audit or
    # outbox entry and the change it records commit together, under the one actor and station.
    outside = []
    for package in ("clerk_app", "sync", "ui"):
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel in ALLOWED:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            outside += [f"{rel}:{n} {name}" for n, name in _journal_writes(tree)]
    assert outside == []


def test_the_scan_finds_a_journal_write() -> None:
    tree = ast.parse(
        "from clerk_app.storage.journal import append_audit\n"
        "append_audit(s, at=now)\n"
        "s.add(OutboxEntry(seq=1))\n"
    )
    assert [name for _n, name in _journal_writes(tree)] == [
        "append_audit",
        "append_audit",
        "OutboxEntry",
    ]
