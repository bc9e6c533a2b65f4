"""Every mutation checked against its operation's rules and its sender's role, by the real server
process on SQLite and PostgreSQL: a bad one is refused alone, recorded for the administrator
(`clerk-server refused`) and never reaches another desk."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from datetime import datetime
from typing import Any

import httpx

from clerk_app.clock import VIETNAM
from clerk_app.records import IncomingDraft, OutgoingDraft
from clerk_app.registration import incoming_fields, outgoing_fields
from clerk_app.workspace import Workspace
from sync.engine import DeskSync
from tests.sync.conftest import ROOT, RunningServer, check_all, connect, raw_session

NOW = datetime.now(VIETNAM)
YEAR = NOW.year


def _plain(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in fields.items()}


def incoming(subject: str = "Về việc quyết toán", **changes: Any) -> dict[str, Any]:
    draft = IncomingDraft(
        issuer="Sở Tài chính", reference="12/STC", issued_on=None, doc_type="Công văn",
        subject=subject,
    )  # fmt: skip
    return _plain(incoming_fields(draft, NOW)) | changes


def outgoing(**changes: Any) -> dict[str, Any]:
    draft = OutgoingDraft(
        doc_type="Quyết định", subject="Về việc thành lập Tổ công tác", signer="Nguyễn Văn Hùng",
        recipients="Như Điều 3",
    )  # fmt: skip
    return _plain(outgoing_fields(draft, NOW.date())) | changes


class Outbox:
    """Mutations as a desk's outbox would send them, numbered in sequence."""

    def __init__(self) -> None:
        self.seq = 0

    def draft(
        self, fields: dict[str, Any], files: list[dict[str, Any]] | None = None, **extra: Any
    ) -> dict[str, Any]:
        direction = "outgoing" if "signer" in fields else "incoming"
        return self.make(
            "submit_draft",
            "draft",
            {"direction": direction, "year": YEAR, "fields": fields, "series": None},
            files=files or [],
            **extra,
        )

    def make(self, op: str, entity: str, payload: Any, **extra: Any) -> dict[str, Any]:
        self.seq += 1
        return {
            "seq": self.seq,
            "mutation_id": str(uuid.uuid4()),
            "at": NOW.isoformat(),
            "entity": entity,
            "entity_id": str(uuid.uuid4()),
            "op": op,
            "payload": payload,
        } | extra


def upload(server: RunningServer, auth: dict[str, str], batch: list[dict[str, Any]]) -> Any:
    r = httpx.post(server.url + "/v1/upload", headers=auth, json={"mutations": batch}, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()["results"]


def a_file(sha: str = "ab" * 32, size: int = 10) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()), "sha256": sha, "role": "original", "filename": "a.pdf",
        "media_type": "application/pdf", "size": size, "pages": 1, "parent_id": None,
        "added_at": NOW.isoformat(),
    }  # fmt: skip


def refused_cli(server: RunningServer) -> list[dict[str, Any]]:
    out = subprocess.run(
        [sys.executable, "-m", "sync.server.cli", "refused", "--db", server.db_url, "--json"],
        env=os.environ | {"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    return list(json.loads(out.stdout))


def test_bad_mutations_are_refused_alone_recorded_and_never_reach_another_desk(
    server: RunningServer, new_desk: Any
) -> None:
    a = new_desk("a")
    connect(server, a, "nvan1.ubnd")
    clerk = raw_session(server, "ttbinh1.ubnd")
    box = Outbox()
    real = os.urandom(5000)
    real_sha = hashlib.sha256(real).hexdigest()
    put = httpx.put(
        server.url + f"/v1/files/{real_sha}",
        headers=clerk,
        params={"size": len(real), "offset": 0},
        content=real,
    )
    assert put.json()["complete"] is True
    no_arrival = incoming()
    del no_arrival["received_at"]
    batch = [
        box.draft(no_arrival),
        box.draft(incoming() | {"subject": "x" * 7_000_000}),
        box.draft(incoming(urgency="Siêu khẩn")),
        box.draft(incoming(), files=[a_file("zz" * 32)]),
        box.draft(incoming(), files=[a_file("cd" * 32)]),  # hex, but the server lacks it
        box.draft(incoming(), files=[a_file(real_sha, 4999)]),  # another size than uploaded
        box.draft(outgoing(doc_type="Công văn")),  # a công văn's number names its unit
        box.draft(incoming(evil_field="x" * 1000)),  # a field no document has: dropped
        box.draft(incoming(subject="Văn bản đúng"), files=[a_file(real_sha, len(real))]),
    ]
    results = upload(server, clerk, batch)
    got = [(r["status"], r["reason"], [tuple(x) for x in r.get("problems", [])]) for r in results]
    assert got[:7] == [
        ("rejected", "invalid_mutation", [("fields.received_at", "required")]),
        ("rejected", "invalid_mutation", [("fields.subject", "too_long")]),
        ("rejected", "invalid_mutation", [("fields.urgency", "not_in_list")]),
        ("rejected", "invalid_mutation", [("files.sha256", "not_sha256")]),
        ("rejected", "file_missing", [("files." + "cd" * 32, "not_on_server")]),
        ("rejected", "file_missing", [("files." + real_sha, "not_on_server")]),
        ("rejected", "invalid_mutation", [("fields.unit_code", "required")]),
    ]
    assert [(r["status"], r.get("number")) for r in results[7:]] == [("ok", 1), ("ok", 2)]

    # A leader's and a secretary's numbering or register changes are refused, never numbered.
    for user, role in (("lvcuong1.ubnd", "leader"), ("ttlan2.ubnd", "secretary")):
        auth = raw_session(server, user, role)
        theirs = Outbox()
        draft = theirs.draft(incoming())
        doc = theirs.make(
            "register_incoming", "document",
            incoming() | {"direction": "incoming", "year": YEAR, "number": 3}, lease_epoch=1,
        )  # fmt: skip
        correct = theirs.make(
            "correct", "document", {"reason": "r", "changes": {"subject": ["a", "b"]}}
        )
        answers = upload(server, auth, [draft, doc, correct])
        assert [(r["status"], r["reason"]) for r in answers] == [
            ("rejected", "role_cannot_number"),
            ("rejected", "role_cannot_number"),
            ("rejected", "role_not_allowed"),
        ]

    # Desk A downloads the two good drafts, numbered, and nothing of the rest.
    with DeskSync(a) as d:
        report = d.sync()
    assert report.received == 2 and report.files_received == 1
    check_all(server, a)
    with Workspace.open(a) as ws:
        rows = ws.register_rows(ws.register_for("incoming", YEAR).id, 0, 10)
        assert [(r.number, r.subject) for r in rows] == [
            (1, "Về việc quyết toán"),
            (2, "Văn bản đúng"),
        ]
    feed = httpx.get(server.url + "/v1/changes", headers=clerk).text
    assert "Siêu khẩn" not in feed and "evil_field" not in feed and len(feed) < 100_000

    listed = refused_cli(server)
    assert sorted(r["reason"] for r in listed) == sorted(
        ["invalid_mutation"] * 5 + ["file_missing"] * 2
        + ["role_cannot_number"] * 4 + ["role_not_allowed"] * 2
    )  # fmt: skip
    assert {r["username"] for r in listed} == {"ttbinh1.ubnd", "lvcuong1.ubnd", "ttlan2.ubnd"}
    assert all(r["agency"] == "UBND" and r["seq"] >= 1 for r in listed)


def test_a_refused_mutation_is_answered_the_same_when_delivered_again(
    server: RunningServer,
) -> None:
    clerk = raw_session(server, "ttbinh1.ubnd")
    box = Outbox()
    batch = [box.draft(incoming(urgency="Gấp")), box.draft(incoming())]
    first = upload(server, clerk, batch)
    again = upload(server, clerk, batch)
    assert [r["status"] for r in first] == ["rejected", "ok"]
    assert [(r["status"], r["reason"], r.get("repeated")) for r in again] == [
        ("rejected", "invalid_mutation", True),
        ("ok", "", True),
    ]
    assert len(refused_cli(server)) == 1


def test_corrections_and_register_ops_are_checked_against_their_document(
    server: RunningServer, new_desk: Any
) -> None:
    a = new_desk("a")
    connect(server, a, "nvan1.ubnd")
    with DeskSync(a) as d:
        d.sync()
        d.acquire_lease("incoming", YEAR)
    with Workspace.open(a, actor="clerk") as ws:
        doc_id = ws.register_incoming(
            IncomingDraft(
                issuer="Sở Tài chính", reference="1/STC", issued_on=None, doc_type="Công văn",
                subject="Về việc A",
            )
        ).document.summary.id  # fmt: skip
    with DeskSync(a) as d:
        assert d.sync().rejected == []
    clerk = raw_session(server, "ttbinh1.ubnd")
    box = Outbox()

    def correct(changes: dict[str, Any]) -> dict[str, Any]:
        m = box.make("correct", "document", {"reason": "sửa", "changes": changes})
        return m | {"entity_id": doc_id}

    results = upload(
        server,
        clerk,
        [
            correct({"signer": ["", "Ông A"]}),  # an outgoing field on an incoming document
            correct({"subject": ["Về việc A", ""]}),
            correct({"pages": [None, 10**6]}),
            correct({"number": [1, 7]}),
            box.make("cancel", "document", {"reason": ""}) | {"entity_id": doc_id},
            box.make("hand_over", "document", {"to": "P.KT", "at": "hôm qua"})
            | {"entity_id": doc_id},
            box.make(
                "register_incoming",
                "document",
                incoming() | {"direction": "incoming", "year": YEAR + 1, "number": 2},
                lease_epoch=1,
            ),
            correct({"subject": ["Về việc A", "Về việc A (sửa)"]}),
        ],
    )
    assert [(r["status"], r["reason"], [tuple(x) for x in r["problems"]]) for r in results[:7]] == [
        ("rejected", "invalid_mutation", [("changes.signer", "not_correctable")]),
        ("rejected", "invalid_mutation", [("changes.subject", "required")]),
        ("rejected", "invalid_mutation", [("changes.pages", "out_of_range")]),
        ("rejected", "invalid_mutation", [("changes.number", "not_correctable")]),
        ("rejected", "invalid_mutation", [("reason", "required")]),
        ("rejected", "invalid_mutation", [("at", "not_a_moment")]),
        ("rejected", "invalid_mutation", [("year", "does_not_match")]),
    ]
    assert results[7]["status"] == "ok"
    with DeskSync(a) as d:
        d.sync()
    with Workspace.open(a) as ws:
        assert ws.document(doc_id).summary.subject == "Về việc A (sửa)"
