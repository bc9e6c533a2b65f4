"""Page clean-up, compact PDFs, batch editing and the CLI, on generated scans and the SANE test device."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pymupdf
import pytest
from PIL import Image

from clerk_app import cli
from clerk_app.reading import specimens
from scanner import cleanup
from scanner.batch import BatchPage, ScanBatch, page_from_file, write_document
from scanner.compact_pdf import PdfPage, choose_encoding, write_pdf


def _image_filters(path: Path) -> list[str]:
    doc = pymupdf.open(path)
    try:
        filters = []
        for page in doc:
            for info in page.get_images(full=True):
                filters.append(doc.xref_get_key(info[0], "Filter")[1])
        return filters
    finally:
        doc.close()


@pytest.mark.parametrize("skew", [-2.2, 1.3])
def test_skew_is_measured_within_a_few_tenths_of_a_degree(skew: float) -> None:
    spec = specimens.specimen(5001, dpi=200, skew=skew)
    assert cleanup.skew_angle(spec.image) == pytest.approx(-skew, abs=0.3)


def test_blank_sheet_is_flagged_and_text_page_is_not() -> None:
    assert cleanup.looks_blank(specimens.blank(1, dpi=200))
    assert not cleanup.looks_blank(specimens.specimen(5002, dpi=200).image)


def test_upside_down_page_is_turned_and_blank_page_kept(tmp_path: Path) -> None:
    spec = specimens.specimen(5003, dpi=200, skew=0)
    upside = tmp_path / "upside.png"
    spec.image.rotate(180).save(upside, dpi=(200, 200))
    blank = tmp_path / "blank.png"
    specimens.blank(2, dpi=200).save(blank, dpi=(200, 200))
    turned = page_from_file(upside, 200)
    assert turned.upside_down and turned.rotation == 180
    flagged = page_from_file(blank, 200)
    assert flagged.blank and flagged.rotation == 0


def test_a_scanned_page_is_measured_not_turned_when_it_joins_the_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The batch keeps the page as scanned and turns it in BatchPage.image(): turning the whole
    # page in the clean-up too, and dropping it, cost 0.25–0.5 s a page.
    spec = specimens.specimen(5006, dpi=200, skew=1.5)
    path = tmp_path / "skewed.png"
    spec.image.save(path, dpi=(200, 200))
    turned_sizes: list[tuple[int, int]] = []
    rotate = Image.Image.rotate

    def counted(self: Image.Image, *args: Any, **kw: Any) -> Image.Image:
        turned_sizes.append(self.size)
        return rotate(self, *args, **kw)

    monkeypatch.setattr(Image.Image, "rotate", counted)
    page = page_from_file(path, 200)
    assert page.skew == pytest.approx(-1.5, abs=0.3)
    assert spec.image.size not in turned_sizes
    assert page.image().size == spec.image.size  # turned when used


def test_measuring_a_page_finds_what_cleaning_it_does() -> None:
    spec = specimens.specimen(5007, dpi=200, skew=1.2)
    upside = spec.image.rotate(180)
    cleaned, check = cleanup.check_page(upside, 200)
    assert check == cleanup.measure_page(upside, 200)
    assert check.upside_down and check.skew == pytest.approx(-1.2, abs=0.3)
    assert cleaned.size == upside.size


def test_bilevel_300_dpi_page_is_g4_small_and_searchable(tmp_path: Path) -> None:
    spec = specimens.specimen(5004, dpi=300, skew=0.0)
    page = BatchPage("p1", tmp_path / "p1.png", 300, encoding="bw")
    spec.image.save(page.source, dpi=(300, 300))
    out = write_document([page], tmp_path / "bw.pdf")
    assert out.encodings == ("bw",)
    assert out.size <= 60 * 1024
    assert _image_filters(out.path) == ["/CCITTFaxDecode"]
    text = subprocess.run(
        ["pdftotext", str(out.path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert spec.truth["reference"] in text


def test_grey_200_dpi_page_is_jpeg_under_400_kib(tmp_path: Path) -> None:
    spec = specimens.specimen(5005, dpi=200)
    report = write_pdf([PdfPage(spec.image, 200, "gray")], tmp_path / "g.pdf")
    assert report.size <= 400 * 1024
    assert _image_filters(report.path) == ["/DCTDecode"]
    doc = pymupdf.open(report.path)
    # The page keeps its physical A4 size.
    assert doc[0].rect.width == pytest.approx(595, abs=2)
    doc.close()


def test_encoding_follows_the_page() -> None:
    assert choose_encoding(specimens.specimen(5006, dpi=200, colour=True).image) == "color"
    assert choose_encoding(specimens.specimen(5006, dpi=200).image) == "bw"
    rng = np.random.default_rng(1)
    photo = rng.random((700, 500)) * 80 + np.linspace(40, 200, 500)[None, :]
    assert choose_encoding(Image.fromarray(photo.astype(np.uint8))) == "gray"


def _pages(n: int) -> list[BatchPage]:
    return [BatchPage(f"p{i}", Path(f"/nowhere/{i}.png"), 200, blank=i in (2, 5)) for i in range(7)]


def test_batch_edits_undo_and_redo() -> None:
    batch = ScanBatch(_pages(7))
    batch.rotate(0)
    batch.move(6, 0)
    batch.delete(1)
    assert [p.id for p in batch.pages][:2] == ["p6", "p1"]
    batch.undo()
    assert batch.pages[1].id == "p0" and batch.pages[1].rotation == 90
    batch.undo()
    batch.undo()
    assert [p.id for p in batch.pages] == [f"p{i}" for i in range(7)]
    assert batch.pages[0].rotation == 0 and not batch.can_undo
    batch.redo()
    assert batch.pages[0].rotation == 90


def test_split_by_hand_and_at_blank_separators() -> None:
    batch = ScanBatch(_pages(7))
    assert batch.split_at_blanks() == 2
    assert [[p.id for p in d] for d in batch.documents()] == [
        ["p0", "p1"],
        ["p3", "p4"],
        ["p6"],
    ]
    batch.toggle_split(1)
    assert len(batch.documents()) == 4
    batch.undo()
    batch.undo()
    assert len(batch.documents()) == 1 and len(batch.pages) == 7


def test_clerk_scan_writes_a_pdf_from_the_feeder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "batch.pdf"
    code = cli.main(
        [
            "--data-dir",
            str(tmp_path / "desk"),
            "scan",
            "--device",
            "test:0",
            "--dpi",
            "50",
            "--mode",
            "bw",
            "--option",
            "test-picture=Grid",
            "--no-ocr",
            "--no-clean",
            "--out",
            str(out),
            "--json",
        ]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["pages"] == 10 and data["complete"] and data["encodings"] == ["bw"] * 10
    doc = pymupdf.open(out)
    assert doc.page_count == 10
    doc.close()
    # A saved batch leaves nothing behind to recover.
    assert list((tmp_path / "desk" / "scan-recovery").iterdir()) == []


def test_clerk_scan_reports_a_jam_and_keeps_the_pages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Jammed from the first page on: nothing scanned, a clear message, exit 2.
    code = cli.main(
        [
            "--data-dir",
            str(tmp_path / "desk"),
            "scan",
            "--device",
            "test:0",
            "--dpi",
            "50",
            "--option",
            "read-return-value=SANE_STATUS_JAMMED",
            "--out",
            str(tmp_path / "x.pdf"),
        ]
    )
    assert code == 2
    assert "kẹt" in capsys.readouterr().err


def test_clerk_extract_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = specimens.specimen(4004, dpi=300, layout="typed", skew=1.4)
    path = tmp_path / "scan.pdf"
    spec.image.save(path, format="PDF", resolution=300.0, quality=75)
    assert cli.main(["extract", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {k: data[k] for k in spec.truth} == spec.truth
    assert set(data["confidence"]) == set(spec.truth)


def _pdfa_problems(path: Path) -> list[str]:
    """What PDF/A-2b (ISO 19005-2) asks of our scans that this file does not do."""
    problems = []
    with path.open("rb") as f:
        head = f.read(32)
    if not head.startswith(b"%PDF-1.") or not all(b > 127 for b in head.split(b"\n")[1][1:5]):
        problems.append("header: version line and a binary comment line (6.1.2)")
    doc = pymupdf.open(path)
    try:
        if doc.is_encrypted or doc.xref_get_key(-1, "Encrypt")[0] != "null":
            problems.append("encrypted (6.1.3)")
        if not doc.xref_get_key(-1, "ID")[1].startswith("["):
            problems.append("no trailer ID (6.1.3)")
        cat = doc.pdf_catalog()
        meta_ref = doc.xref_get_key(cat, "Metadata")[1]
        meta_xref = int(meta_ref.split()[0])
        if doc.xref_get_key(meta_xref, "Filter")[0] != "null":
            problems.append("metadata stream filtered (6.6.2.1)")
        xmp = doc.xref_stream(meta_xref).decode("utf-8")
        for needed in (
            "<pdfaid:part>2</pdfaid:part>",
            "<pdfaid:conformance>B</pdfaid:conformance>",
        ):
            if needed not in xmp:
                problems.append(f"XMP lacks {needed}")
        info = doc.metadata or {}
        if info.get("title") and f">{info['title']}</rdf:li>" not in xmp:
            problems.append("Info Title and dc:title differ (6.6.2.3)")
        if f"<pdf:Producer>{info.get('producer')}</pdf:Producer>" not in xmp:
            problems.append("Info Producer and pdf:Producer differ")
        intents = doc.xref_get_key(cat, "OutputIntents")[1]
        intent = int(intents.strip("[]").split()[0]) if intents.startswith("[") else 0
        if not intent or doc.xref_get_key(intent, "S")[1] != "/GTS_PDFA1":
            problems.append("no PDF/A output intent (6.2.3)")
        else:
            icc_xref = int(doc.xref_get_key(intent, "DestOutputProfile")[1].split()[0])
            icc = doc.xref_stream(icc_xref)
            n = doc.xref_get_key(icc_xref, "N")[1]
            if icc[12:16] not in (b"mntr", b"prtr") or icc[16:20] != b"RGB " or n != "3":
                problems.append("output profile is not an RGB display/printer profile with N 3")
            if icc[8] > 4:
                problems.append("ICC profile newer than v4")
        for xref in range(1, doc.xref_length()):
            kind = doc.xref_get_key(xref, "Type")[1]
            if doc.xref_get_key(xref, "Interpolate")[1] == "true":
                problems.append(f"object {xref}: Interpolate true (6.2.8)")
            if kind == "/FontDescriptor" and not any(
                doc.xref_get_key(xref, key)[0] == "xref"
                for key in ("FontFile", "FontFile2", "FontFile3")
            ):
                problems.append(f"font descriptor {xref} without an embedded font (6.2.11.4)")
            if (
                kind == "/Font"
                and doc.xref_get_key(xref, "Subtype")[1] not in ("/Type0", "/Type3")
                and doc.xref_get_key(xref, "FontDescriptor")[0] != "xref"
            ):
                problems.append(f"font {xref} without a descriptor (a standard-14 font)")
            if doc.xref_get_key(xref, "S")[1] in ("/JavaScript", "/Launch"):
                problems.append(f"object {xref}: action not allowed (6.5.1)")
    finally:
        doc.close()
    return problems


def test_compact_pdf_is_pdfa_2b_and_keeps_its_size(tmp_path: Path) -> None:
    bw = specimens.specimen(5007, dpi=300, skew=0.0)
    bw_page = BatchPage("p1", tmp_path / "p1.png", 300, encoding="bw")
    bw.image.save(bw_page.source, dpi=(300, 300))
    out = write_document([bw_page], tmp_path / "bw.pdf")
    assert out.size <= 60 * 1024
    assert _pdfa_problems(out.path) == []
    grey = specimens.specimen(5008, dpi=200, colour=True)
    report = write_pdf([PdfPage(grey.image, 200, "gray")], tmp_path / "g.pdf", title="Công văn")
    assert report.size <= 400 * 1024
    assert _pdfa_problems(report.path) == []
    # The check itself bites: a plain PyMuPDF save of the same page is not PDF/A.
    plain = pymupdf.open(report.path)
    plain.set_xml_metadata("")
    plain.xref_set_key(plain.pdf_catalog(), "OutputIntents", "null")
    plain.save(tmp_path / "plain.pdf", deflate=True)
    plain.close()
    assert len(_pdfa_problems(tmp_path / "plain.pdf")) >= 2
    # poppler reads it back, text layer and all.
    info = subprocess.run(
        ["pdfinfo", str(out.path)], capture_output=True, text=True, check=True
    ).stdout
    fields = {
        k.strip(): v.strip() for k, _, v in (line.partition(":") for line in info.splitlines())
    }
    assert fields["PDF version"] == "1.7" and fields["Encrypted"] == "no"


def _typed_page(path: Path, dpi: int, line: str) -> Path:
    from PIL import ImageDraw, ImageFont

    font = ImageFont.truetype(
        str(Path(__file__).resolve().parents[2] / "resources" / "fonts" / "Tinos-Regular.ttf"),
        size=dpi * 14 // 72,
    )
    page = Image.new("L", (dpi * 827 // 100, dpi * 1169 // 100), 255)
    draw = ImageDraw.Draw(page)
    for row in range(6):
        draw.text((dpi, dpi + row * dpi // 3), f"{line} dòng {row + 1}", font=font, fill=0)
    page.save(path, dpi=(dpi, dpi))
    return path


def test_a_200_page_batch_is_written_a_few_pages_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bad input of issue 3: a 200-page batch. All 200 pages land in the PDF, in order, while
    only a chunk of page images is ever alive (A4 grey at 300 dpi is ≈ 9 MB a page)."""
    import weakref

    source = _typed_page(tmp_path / "page.png", 100, "Công văn số 12/UBND-VP")
    pages = [BatchPage(f"p{i}", source, 100, encoding="bw") for i in range(200)]
    live: set[int] = set()
    peak = [0]
    real = BatchPage.image

    def counted(self: BatchPage) -> Image.Image:
        img = real(self)
        live.add(id(img))
        weakref.finalize(img, live.discard, id(img))
        peak[0] = max(peak[0], len(live))
        return img

    monkeypatch.setattr(BatchPage, "image", counted)
    out = write_document(pages, tmp_path / "lo-200-trang.pdf", ocr=False, chunk=2)
    assert out.encodings == ("bw",) * 200
    with pymupdf.open(out.path) as doc:
        assert doc.page_count == 200
    assert peak[0] <= 4, f"{peak[0]} page images alive at once"


def test_ocr_progress_counts_pages_across_chunks(tmp_path: Path) -> None:
    pages = [
        BatchPage(f"p{i}", _typed_page(tmp_path / f"p{i}.png", 150, f"Trang {i + 1}"), 150)
        for i in range(5)
    ]
    seen: list[int] = []
    out = write_document(pages, tmp_path / "five.pdf", on_page=seen.append, chunk=2)
    assert sorted(seen) == [0, 1, 2, 3, 4]
    text = subprocess.run(
        ["pdftotext", str(out.path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Trang 5" in text and text.index("Trang 1") < text.index("Trang 5")
