"""Fixtures of the interchange tests: the shipped code tables, a clock reading, a package."""

from __future__ import annotations

from datetime import datetime

import pytest
from edxml_samples import full_document

from clerk_app.clock import VIETNAM
from clerk_app.interchange.codes import CodeTables
from clerk_app.interchange.values import ExchangedDocument


@pytest.fixture
def tables() -> CodeTables:
    return CodeTables.load(None)


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 3, 10, 9, 30, 15, tzinfo=VIETNAM)


@pytest.fixture
def document() -> ExchangedDocument:
    return full_document()
