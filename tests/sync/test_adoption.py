"""Connecting a desk that already has registrations to a real server: its history adopted while
the agency's registers there are empty, refused with what to do otherwise."""

from __future__ import annotations

from typing import Any

import pytest

from clerk_app import errors
from clerk_app.messages import describe
from clerk_app.storage.sync_models import SyncLink
from sync.engine import DeskSync
from tests.sync.conftest import NEW_PASSWORD, PASSWORD, RunningServer, check_all, connect
from tests.sync.test_engine import register, sync
from tests.sync.test_online import YEAR, online_register


def test_a_desk_with_history_connecting_to_empty_registers_is_adopted(
    server: RunningServer, new_desk: Any
) -> None:
    a, b = new_desk("a"), new_desk("b")
    register(a, 4)  # numbers 1-4 written on paper before there was a server
    connect(server, a, "nvan1.ubnd")
    report = sync(a)
    assert report.rejected == [], report.rejected  # no «báo quản trị hệ thống đối chiếu số»
    connect(server, b, "ttbinh1.ubnd")
    sync(b)
    with DeskSync(a) as d:
        assert [r.holder for r in d.leases() if r.year == YEAR and r.kind == "incoming"] == [
            "mine"
        ]
    got = online_register(b, "sau khi nhận sổ")  # a holds the lease: numbered after 4, never 1
    sync(a)
    sync(b)
    with DeskSync(b) as d:
        numbers = [r.number for r in d.drafts()]
    assert (got.number or numbers[0]) == 5
    check_all(server, a, b)


def test_a_desk_with_history_is_refused_beside_another_desks_registers(
    server: RunningServer, new_desk: Any
) -> None:
    a, c = new_desk("a"), new_desk("c")
    connect(server, a, "nvan1.ubnd")
    assert online_register(a, "trên máy chủ").number == 1  # nobody holds the lease
    register(c, 2)
    server.user("lvcuong1.ubnd")
    with DeskSync(c) as d, pytest.raises(errors.ServerRefused) as refused:
        d.connect(server.url, "lvcuong1.ubnd", PASSWORD, NEW_PASSWORD)
    assert refused.value.reason == "history_on_server"
    said = describe(refused.value)
    assert "trùng số" in said.what and "thư mục dữ liệu mới" in said.todo
    with DeskSync(c) as d, d.db.read() as s:
        assert s.get(SyncLink, 1) is None  # not connected: it keeps numbering on its own
    check_all(server, a)
