"""Use cases of the Workspace against a real SQLite desk database in a temp dir."""

from __future__ import annotations

import sqlite3
import unicodedata
from datetime import date, datetime
from pathlib import Path

import pytest

from clerk_app import errors
from clerk_app.clock import VIETNAM
from clerk_app.records import IncomingDraft, OutgoingDraft, SearchFilters
from clerk_app.storage.database import DB_FILENAME
from clerk_app.workspace import Workspace


def incoming(**overrides: object) -> IncomingDraft:
    values: dict[str, object] = {
        "issuer": "Sở Tài chính tỉnh Phú Yên",
        "reference": "123/STC-NS",
        "issued_on": date(2026, 3, 5),
        "doc_type": "Công văn",
        "subject": "Về việc hướng dẫn quyết toán kinh phí năm 2025",
    }
    values.update(overrides)
    return IncomingDraft(**values)  # type: ignore[arg-type]


def outgoing(**overrides: object) -> OutgoingDraft:
    values: dict[str, object] = {
        "doc_type": "Quyết định",
        "subject": "Về việc thành lập Tổ công tác chuyển đổi số",
        "signer": "Nguyễn Văn Hùng",
        "recipients": "Như Điều 3; Lưu: VT",
    }
    values.update(overrides)
    return OutgoingDraft(**values)  # type: ignore[arg-type]


def db_counts(ws: Workspace) -> dict[str, int]:
    con = sqlite3.connect(ws.data_dir / DB_FILENAME)
    try:
        return {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("document", "audit_entry", "outbox", "document_file", "document_fts")
        } | {"last_numbers": con.execute("SELECT sum(last_number) FROM register").fetchone()[0]}
    finally:
        con.close()


def stored_blobs(ws: Workspace) -> list[Path]:
    root = ws.data_dir / "files"
    # Only the store's own temporary folder is left out: the test folder itself may lie under /tmp.
    return sorted(
        p for p in root.rglob("*") if p.is_file() and "tmp" not in p.relative_to(root).parts
    )


# --- init and open -----------------------------------------------------------------------


def test_init_opens_this_years_registers(workspace: Workspace) -> None:
    regs = workspace.registers(2026)
    assert [(r.kind, r.series, r.last_number) for r in regs] == [
        ("incoming", "chung", 0),
        ("outgoing", "chung", 0),
    ]
    assert workspace.agency().code == "UBND"


def test_open_uninitialised_dir_is_refused(tmp_path: Path) -> None:
    with pytest.raises(errors.NotInitialised):
        Workspace.open(tmp_path / "nothing")


def test_init_twice_is_refused(workspace: Workspace) -> None:
    with pytest.raises(errors.AlreadyInitialised):
        Workspace.init(workspace.data_dir, agency_name="X", agency_code="X")


def test_data_dir_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLERK_DATA_DIR", str(tmp_path / "env-desk"))
    with Workspace.init(None, agency_name="Sở Nội vụ", agency_code="SNV") as ws:
        assert ws.data_dir == tmp_path / "env-desk"
    assert (tmp_path / "env-desk" / DB_FILENAME).is_file()


def test_database_runs_wal_and_full_sync(workspace: Workspace) -> None:
    engine = workspace._db.engine
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


# --- incoming ----------------------------------------------------------------------------


def test_incoming_numbers_are_consecutive_from_one(workspace: Workspace) -> None:
    numbers = [
        workspace.register_incoming(incoming(reference=f"{i}/STC-NS")).document.summary.number
        for i in range(1, 6)
    ]
    assert numbers == [1, 2, 3, 4, 5]
    assert workspace.register_for("incoming", 2026).last_number == 5


def test_incoming_registration_writes_row_audit_outbox_and_file(
    workspace: Workspace, make_pdf
) -> None:
    before = db_counts(workspace)
    pdf = make_pdf("So: 123/STC-NS", pages=3)
    result = workspace.register_incoming(incoming(files=[pdf], urgency="khan"))
    detail = result.document
    after = db_counts(workspace)
    assert detail.summary.number == 1
    assert detail.summary.urgency == "Khẩn"
    assert detail.fields["pages"] == 3
    assert detail.fields["received_at"].endswith("+07:00")
    assert after["document"] == before["document"] + 1
    # The registration, then the PDF's own text made searchable: two audited changes.
    assert after["audit_entry"] == before["audit_entry"] + 2
    assert after["outbox"] == before["outbox"] + 2
    assert after["document_fts"] == before["document_fts"] + 1
    assert [f.role for f in detail.files] == ["original", "ocr_text"]
    assert workspace.file_bytes(detail.files[0].sha256) == pdf.read_bytes()
    assert [h.action for h in detail.history] == ["register_incoming", "ocr_text_set"]
    assert result.change.document_ids == (detail.summary.id,)


def test_text_is_stored_in_nfc(workspace: Workspace) -> None:
    nfd_subject = unicodedata.normalize("NFD", "Về việc tăng cường quản lý hoà giải")
    detail = workspace.register_incoming(incoming(subject=nfd_subject)).document
    assert detail.summary.subject == unicodedata.normalize("NFC", nfd_subject)
    assert unicodedata.is_normalized("NFC", detail.summary.subject)


def test_arrival_year_comes_from_vietnam_time(workspace: Workspace) -> None:
    # 31 Dec 2025 23:30 UTC is already 1 Jan 2026 in Vietnam: it belongs to 2026's register.
    from datetime import UTC

    draft = incoming(received_at=datetime(2025, 12, 31, 17, 30, tzinfo=UTC), issued_on=None)
    assert workspace.register_incoming(draft).document.summary.year == 2026


def test_past_year_opens_its_register(workspace: Workspace) -> None:
    draft = incoming(
        received_at=datetime(2025, 12, 30, 9, 0, tzinfo=VIETNAM), issued_on=date(2025, 12, 29)
    )
    doc = workspace.register_incoming(draft).document.summary
    assert (doc.year, doc.number) == (2025, 1)
    assert workspace.register_for("incoming", 2025).last_number == 1


@pytest.mark.parametrize("secrecy", ["Mật", "Tối mật", "Tuyệt mật", "toi mat", "MẬT"])
def test_secret_documents_are_refused_and_nothing_is_written(
    workspace: Workspace, make_pdf, secrecy: str
) -> None:
    before = db_counts(workspace)
    with pytest.raises(errors.SecretDocumentRefused) as caught:
        workspace.register_incoming(incoming(secrecy=secrecy, files=[make_pdf("x")]))
    assert "không được quét, lưu hay đồng bộ" in str(caught.value)
    assert db_counts(workspace) == before
    assert stored_blobs(workspace) == []
    with pytest.raises(errors.SecretDocumentRefused):
        workspace.register_outgoing(outgoing(secrecy=secrecy))


def test_secrecy_none_words_are_not_secret(workspace: Workspace) -> None:
    assert workspace.register_incoming(incoming(secrecy="Không")).document.summary.number == 1


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"issuer": "  "}, errors.MissingField),
        ({"subject": ""}, errors.MissingField),
        ({"doc_type": ""}, errors.MissingField),
        ({"urgency": "rất gấp"}, errors.InvalidValue),
        ({"issued_on": date(2026, 4, 1)}, errors.InvalidValue),  # after arrival
        ({"received_at": datetime(2026, 5, 1, 8, 0, tzinfo=VIETNAM)}, errors.DateInFuture),
        ({"pages": 0}, errors.InvalidValue),
    ],
)
def test_bad_input_consumes_no_number(
    workspace: Workspace, overrides: dict[str, object], error: type[Exception]
) -> None:
    before = db_counts(workspace)
    with pytest.raises(error):
        workspace.register_incoming(incoming(**overrides))
    assert db_counts(workspace) == before
    assert workspace.register_incoming(incoming()).document.summary.number == 1


def test_bad_file_consumes_no_number_and_stores_nothing(
    workspace: Workspace, make_pdf, tmp_path: Path
) -> None:
    good = make_pdf("trang tot")
    bad = tmp_path / "fake.pdf"
    bad.write_bytes(b"PK\x03\x04 this is a zip, not a pdf" * 10)
    before = db_counts(workspace)
    with pytest.raises(errors.FileUnsupported):
        workspace.register_incoming(incoming(files=[good, bad]))
    assert db_counts(workspace) == before
    assert stored_blobs(workspace) == []


def test_failed_transaction_discards_new_blobs(workspace: Workspace, make_pdf, monkeypatch) -> None:
    from clerk_app.storage import search_index

    def explode(*_args: object) -> None:
        raise RuntimeError("disk gone")

    monkeypatch.setattr(search_index, "index_document", explode)
    before = db_counts(workspace)
    with pytest.raises(RuntimeError):
        workspace.register_incoming(incoming(files=[make_pdf("a")]))
    assert db_counts(workspace) == before
    assert stored_blobs(workspace) == []


def test_same_file_twice_is_refused_with_existing_number(workspace: Workspace, make_pdf) -> None:
    pdf = make_pdf("Cong van 55")
    first = workspace.register_incoming(incoming(files=[pdf])).document.summary
    with pytest.raises(errors.DuplicateDocument) as caught:
        workspace.register_incoming(incoming(reference="999/KHAC", files=[pdf]))
    assert caught.value.existing_number == first.number
    assert caught.value.reason == "same_file"
    assert "số đến 1/2026" in str(caught.value)
    assert workspace.register_for("incoming", 2026).last_number == 1


def test_paper_copy_of_electronic_document_is_refused_unless_confirmed(
    workspace: Workspace,
) -> None:
    workspace.register_incoming(incoming(source_channel="Hệ thống điện tử", has_paper=False))
    paper = incoming(reference="123/stc-ns", issuer="SỞ TÀI CHÍNH TỈNH PHÚ YÊN")
    with pytest.raises(errors.DuplicateDocument) as caught:
        workspace.register_incoming(paper)
    assert caught.value.reason == "same_reference"
    second = workspace.register_incoming(
        IncomingDraft(**{**paper.__dict__, "allow_duplicate": True})
    )
    assert second.document.summary.number == 2


def test_image_original_gets_pdf_rendition(workspace: Workspace, tmp_path: Path) -> None:
    from PIL import Image

    tiff = tmp_path / "scan.tif"
    frames = [Image.new("L", (1654, 2339), 255) for _ in range(3)]
    frames[0].save(tiff, save_all=True, append_images=frames[1:], dpi=(200, 200))
    detail = workspace.register_incoming(incoming(files=[tiff])).document
    roles = sorted(f.role for f in detail.files)
    assert roles == ["original", "rendition"]
    original = next(f for f in detail.files if f.role == "original")
    rendition = next(f for f in detail.files if f.role == "rendition")
    assert workspace.file_bytes(original.sha256) == tiff.read_bytes()
    assert rendition.parent_id == original.id
    assert workspace.file_bytes(rendition.sha256).startswith(b"%PDF")
    assert rendition.pages == 3


# --- outgoing ----------------------------------------------------------------------------


def test_outgoing_reference_follows_nd30(workspace: Workspace) -> None:
    first = workspace.register_outgoing(outgoing()).document.summary
    second = workspace.register_outgoing(
        outgoing(doc_type="Công văn", unit_code="VP", subject="V/v báo cáo")
    ).document.summary
    assert first.reference == "01/QĐ-UBND"
    assert second.reference == "02/UBND-VP"
    assert [first.number, second.number] == [1, 2]
    assert first.issuer == "Ủy ban nhân dân tỉnh Phú Yên"


def test_number_ten_and_above_has_no_leading_zero(workspace: Workspace) -> None:
    refs = [workspace.register_outgoing(outgoing()).document.summary.reference for _ in range(10)]
    assert refs[8:] == ["09/QĐ-UBND", "10/QĐ-UBND"]


def test_cong_van_needs_a_known_drafting_unit(workspace: Workspace) -> None:
    with pytest.raises(errors.MissingField):
        workspace.register_outgoing(outgoing(doc_type="Công văn"))
    with pytest.raises(errors.UnknownUnit):
        workspace.register_outgoing(outgoing(doc_type="Công văn", unit_code="XX"))
    assert workspace.register_for("outgoing", 2026).last_number == 0


def test_outgoing_type_must_be_a_listed_type(workspace: Workspace) -> None:
    with pytest.raises(errors.InvalidValue):
        workspace.register_outgoing(outgoing(doc_type="Thư tình"))


def test_outgoing_series_by_type(workspace: Workspace) -> None:
    # A series per type, opened before the year's first document of that type (the head of
    # the agency decides); QPPL documents are chosen by their property (test_numbering_series).
    workspace.add_series(2026, "QD", "Sổ quyết định", ["Quyết định", "Chỉ thị"])
    qd = workspace.register_outgoing(outgoing()).document
    tb = workspace.register_outgoing(outgoing(doc_type="Thông báo")).document
    qd2 = workspace.register_outgoing(outgoing()).document
    assert (qd.fields["series"], qd.summary.number) == ("QD", 1)
    assert (tb.fields["series"], tb.summary.number) == ("chung", 1)
    assert qd2.summary.reference == "02/QĐ-UBND"


def test_new_year_copies_outgoing_series(workspace: Workspace) -> None:
    workspace.add_series(2026, "QPPL", "Sổ QPPL", ["Quyết định"])
    workspace.open_year(2027)
    assert sorted(r.series for r in workspace.registers(2027) if r.kind == "outgoing") == [
        "QPPL",
        "chung",
    ]


def test_outgoing_date_in_future_is_refused(workspace: Workspace) -> None:
    with pytest.raises(errors.DateInFuture):
        workspace.register_outgoing(outgoing(issued_on=date(2026, 12, 1)))


# --- corrections and cancellation --------------------------------------------------------


def test_correction_is_audited_and_keeps_the_number(workspace: Workspace) -> None:
    doc = workspace.register_incoming(incoming()).document.summary
    workspace.correct(doc.id, {"subject": "Về việc quyết toán kinh phí 2025 (sửa)"}, "gõ nhầm")
    detail = workspace.document(doc.id)
    assert detail.summary.number == doc.number
    assert detail.fields["revision"] == 2
    last = detail.history[-1]
    assert last.action == "correct"
    assert last.details["changes"]["subject"][0] == doc.subject
    assert last.details["reason"] == "gõ nhầm"
    assert workspace.search("sua")[0].id == doc.id


def test_number_fields_cannot_be_corrected(workspace: Workspace) -> None:
    doc = workspace.register_incoming(incoming()).document.summary
    for field in ("number", "year", "received_at", "register_id"):
        with pytest.raises(errors.FieldNotCorrectable):
            workspace.correct(doc.id, {field: 9}, "thử")


def test_cancelled_number_is_never_reused(workspace: Workspace) -> None:
    first = workspace.register_incoming(incoming()).document.summary
    workspace.cancel(first.id, "đăng ký nhầm")
    second = workspace.register_incoming(incoming(reference="124/STC-NS")).document.summary
    assert second.number == 2
    cancelled = workspace.document(first.id)
    assert cancelled.summary.status == "cancelled"
    assert cancelled.fields["cancel_reason"] == "đăng ký nhầm"
    with pytest.raises(errors.DocumentCancelled):
        workspace.correct(first.id, {"subject": "x"}, "y")
    with pytest.raises(errors.DocumentCancelled):
        workspace.cancel(first.id, "lần nữa")


def test_cancel_needs_a_reason(workspace: Workspace) -> None:
    doc = workspace.register_incoming(incoming()).document.summary
    with pytest.raises(errors.MissingField):
        workspace.cancel(doc.id, " ")


def test_database_refuses_deleting_or_renumbering(workspace: Workspace) -> None:
    doc = workspace.register_incoming(incoming()).document.summary
    con = sqlite3.connect(workspace.data_dir / DB_FILENAME)
    try:
        for sql in (
            f"DELETE FROM document WHERE id = '{doc.id}'",
            f"UPDATE document SET number = 7 WHERE id = '{doc.id}'",
            "DELETE FROM audit_entry",
            "UPDATE audit_entry SET actor = 'someone else'",
            "UPDATE register SET last_number = 0",
        ):
            with pytest.raises(sqlite3.IntegrityError):
                con.execute(sql)
    finally:
        con.close()


# --- lists, search, audit ----------------------------------------------------------------


def test_pending_handover_lists_urgent_first(workspace: Workspace) -> None:
    ids = {}
    for i, urgency in enumerate(["Thường", "Khẩn", "Hỏa tốc", "Thường", "Thượng khẩn"], 1):
        ids[i] = workspace.register_incoming(
            incoming(reference=f"{i}/X", urgency=urgency)
        ).document.summary.id
    workspace.hand_over(ids[4], "Phòng Kinh tế")
    pending = workspace.pending_handover()
    assert [d.urgency for d in pending] == ["Hỏa tốc", "Thượng khẩn", "Khẩn", "Thường"]
    assert [d.number for d in pending] == [3, 5, 2, 1]
    assert workspace.pending_handover_count() == 4
    assert workspace.document(ids[4]).fields["handed_over_to"] == "Phòng Kinh tế"


def test_register_rows_page_by_number(workspace: Workspace) -> None:
    for i in range(1, 8):
        workspace.register_incoming(incoming(reference=f"{i}/X"))
    reg = workspace.register_for("incoming", 2026)
    assert [d.number for d in workspace.register_rows(reg.id, 2, 3)] == [3, 4, 5]
    assert [d.number for d in workspace.iter_register(reg.id, batch=3)] == list(range(1, 8))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("quyet dinh", {"qd"}),
        ("Quyết định", {"qd"}),
        (unicodedata.normalize("NFD", "quyết định"), {"qd"}),
        ("dong", {"dong"}),
        ("ĐỒNG", {"dong"}),
        ("hoa", {"hoa_new", "hoa_old"}),
        ("hòa", {"hoa_new", "hoa_old"}),
        ("hoà", {"hoa_new", "hoa_old"}),
        ("12/QĐ-UBND", {"qd"}),
        ("12/qd-ubnd", {"qd"}),
        ("012/QĐ-UBND", {"qd"}),
        ("nguyen", {"hoa_new"}),
        ("tiep nhan", {"dong"}),  # found in notes
        ("khong co gi", set()),
        ('"; DROP TABLE document; --', set()),
    ],
)
def test_search_ignores_accents_and_tone_placement(
    workspace: Workspace, query: str, expected: set[str]
) -> None:
    docs = {
        "qd": incoming(
            reference="12/QĐ-UBND",
            issuer="UBND tỉnh",
            doc_type="Quyết định",
            subject="Quyết định phê duyệt kế hoạch",
        ),
        "dong": incoming(
            reference="7/CV",
            issuer="UBND huyện Đồng Xuân",
            subject="Về việc cấp giấy phép",
            notes="Đã tiếp nhận bản gốc",
        ),
        "hoa_new": incoming(
            reference="8/CV", issuer="UBND thị xã", subject="Hòa giải ở cơ sở, ông Nguyễn"
        ),
        "hoa_old": incoming(reference="9/CV", issuer="UBND xã", subject="Hoà giải tranh chấp đất"),
    }
    ids = {key: workspace.register_incoming(d).document.summary.id for key, d in docs.items()}
    found = {
        key for key, doc_id in ids.items() if doc_id in {d.id for d in workspace.search(query)}
    }
    assert found == expected


def test_search_as_you_type_takes_the_last_word_as_prefix(workspace: Workspace) -> None:
    doc = workspace.register_incoming(incoming(subject="Quyết định phê duyệt")).document.summary
    assert workspace.search("quyet di") == []
    assert [d.id for d in workspace.search("quyet di", prefix=True)] == [doc.id]
    assert workspace.search("quyet di ", prefix=True) == []


def test_search_is_newest_first_and_filters(workspace: Workspace) -> None:
    for i in range(5):
        workspace.register_incoming(
            incoming(reference=f"{i}/X", urgency="Khẩn" if i % 2 else "Thường")
        )
    workspace.register_outgoing(outgoing(subject="Về việc quyết toán kinh phí"))
    everything = workspace.search("quyet toan")
    assert [d.direction for d in everything][:1] == ["outgoing"]
    incoming_only = workspace.search("quyet toan", SearchFilters(direction="incoming"))
    assert [d.number for d in incoming_only] == [5, 4, 3, 2, 1]
    urgent = workspace.search("kinh phi", SearchFilters(urgency="Khẩn"))
    assert [d.number for d in urgent] == [4, 2]
    assert workspace.search("quyet toan", SearchFilters(year=2025)) == []
    assert (
        len(
            workspace.search(
                "quyet toan", SearchFilters(date_from=date(2026, 3, 10), date_to=date(2026, 3, 10))
            )
        )
        == 6
    )
    assert workspace.search("quyet toan", SearchFilters(date_to=date(2026, 3, 9))) == []
    assert len(workspace.search("", SearchFilters(direction="outgoing"))) == 1
    assert len(workspace.search("quyet toan", limit=2)) == 2


def test_audit_chain_verifies_and_detects_tampering(workspace: Workspace) -> None:
    doc = workspace.register_incoming(incoming()).document.summary
    workspace.correct(doc.id, {"notes": "bổ sung"}, "thêm ghi chú")
    check = workspace.verify_audit()
    assert check.ok and check.entries >= 5
    con = sqlite3.connect(workspace.data_dir / DB_FILENAME)
    con.execute("DROP TRIGGER audit_entry_no_update")
    con.execute("UPDATE audit_entry SET actor = 'ke gian' WHERE seq = 3")
    con.commit()
    con.close()
    check = workspace.verify_audit()
    assert not check.ok and check.first_bad_seq == 3


def test_every_change_is_audited_with_actor_and_station(workspace: Workspace) -> None:
    doc = workspace.register_incoming(incoming()).document.summary
    workspace.hand_over(doc.id, "Văn phòng")
    history = workspace.document(doc.id).history
    assert [h.action for h in history] == ["register_incoming", "hand_over"]
    assert all(h.actor == "nvan1.ubnd" and h.station for h in history)
    assert workspace.outbox_pending() >= 2


def test_attach_files_later(workspace: Workspace, make_pdf) -> None:
    doc = workspace.register_incoming(incoming()).document.summary
    workspace.attach_files(doc.id, [make_pdf("phu luc", pages=2)])
    detail = workspace.document(doc.id)
    assert [f.pages for f in detail.files] == [2]
    assert detail.history[-1].action == "attach_files"


def test_unknown_document_and_unit(workspace: Workspace) -> None:
    with pytest.raises(errors.UnknownDocument):
        workspace.document("no-such-id")
    with pytest.raises(errors.UnknownUnit):
        workspace.add_person("Lê Văn A", "NOPE")
    with pytest.raises(errors.DuplicateUnit):
        workspace.add_unit("vp", "Văn phòng 2")
    workspace.add_person("Lê Văn Á", "KT", "Chuyên viên")
    assert [(p.full_name, p.unit_code) for p in workspace.people()] == [("Lê Văn Á", "KT")]


def test_year_and_date_filters_with_interleaved_years(workspace: Workspace) -> None:
    # A late-registered document of last year sits between this year's rows; the rowid range
    # that speeds up filtered searches must not let it in or keep this year's rows out.
    first = workspace.register_incoming(incoming(reference="1/A")).document.summary
    late = workspace.register_incoming(
        incoming(
            reference="2/A",
            received_at=datetime(2025, 12, 31, 16, 0, tzinfo=VIETNAM),
            issued_on=date(2025, 12, 30),
        )
    ).document.summary
    last = workspace.register_incoming(incoming(reference="3/A")).document.summary
    assert [d.id for d in workspace.search("quyet toan", SearchFilters(year=2025))] == [late.id]
    assert [d.id for d in workspace.search("quyet toan", SearchFilters(year=2026))] == [
        last.id,
        first.id,
    ]
    december = SearchFilters(date_from=date(2025, 12, 1), date_to=date(2025, 12, 31))
    assert [d.id for d in workspace.search("kinh phi", december)] == [late.id]
    assert workspace.search("kinh phi", SearchFilters(year=2024)) == []
    assert [d.id for d in workspace.search("", SearchFilters(year=2025))] == [late.id]


def test_search_within_cancelled_documents(workspace: Workspace) -> None:
    kept = workspace.register_incoming(incoming(reference="1/A")).document.summary
    gone = workspace.register_incoming(incoming(reference="2/A")).document.summary
    other = workspace.register_incoming(incoming(reference="3/A", subject="Về việc khác")).document
    workspace.cancel(gone.id, "trùng")
    workspace.cancel(other.summary.id, "trùng")
    cancelled = SearchFilters(status="cancelled")
    assert [d.id for d in workspace.search("quyet toan", cancelled)] == [gone.id]
    assert [d.id for d in workspace.search("quyet toan", SearchFilters(status="registered"))] == [
        kept.id
    ]
    assert {d.id for d in workspace.search("", cancelled)} == {gone.id, other.summary.id}


def test_stored_blobs_sees_what_a_registration_stores(workspace: Workspace, make_pdf) -> None:
    # The helper the "nothing stored" tests rely on must see a stored original, wherever the
    # test's folder lies (it once skipped every file of a folder under /tmp).
    workspace.register_incoming(incoming(files=[make_pdf("mot trang")]))
    assert stored_blobs(workspace)  # the original (and its OCR text)
