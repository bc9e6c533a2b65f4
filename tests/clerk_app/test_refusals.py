"""The server's refusal codes live in one place: no module spells one as a bare string."""

from __future__ import annotations

import ast
from pathlib import Path

from clerk_app.messages import SERVER_REASONS
from clerk_app.refusals import Refusal

ROOT = Path(__file__).resolve().parents[2]
CODES = {r.value for r in Refusal}


def _bare_codes(tree: ast.AST) -> list[tuple[int, str]]:
    """String constants that are refusal codes, where a code is raised, answered or tested."""
    found = []
    for node in ast.walk(tree):
        candidates: list[ast.expr] = []
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name in ("Refused", "Answer"):
                candidates = node.args[1:2]
            elif name in ("ServerRefused", "Verdict", "_queue"):
                candidates = list(node.args)
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(getattr(x, "attr", "") in ("reason", "code") for x in sides):
                candidates = sides
        found += [
            (c.lineno, c.value)
            for c in candidates
            if isinstance(c, ast.Constant) and c.value in CODES
        ]
    return found


def test_no_module_spells_a_refusal_code_as_a_bare_string() -> None:
    bare = []
    for package in ("clerk_app", "sync", "ui"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path.name == "refusals.py" and path.parent.name == "clerk_app":
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            bare += [f"{path.relative_to(ROOT)}:{n} {code}" for n, code in _bare_codes(tree)]
    assert bare == []


def test_the_scan_finds_a_bare_code() -> None:
    tree = ast.parse('raise Refused(409, "lease_held")\nif exc.reason == "no_lease": pass')
    assert [code for _n, code in _bare_codes(tree)] == ["lease_held", "no_lease"]


def test_every_worded_server_reason_is_a_refusal_code() -> None:
    assert all(isinstance(code, Refusal) for code in SERVER_REASONS)
