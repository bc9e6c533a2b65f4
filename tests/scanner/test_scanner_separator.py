"""QR separator sheets: printed, scanned with noise and skew, found, and the batch split there."""

from __future__ import annotations

import io
import json
import random
import subprocess
from pathlib import Path

import pymupdf
import pytest
import segno
from PIL import Image

from clerk_app import cli
from clerk_app.reading import specimens
from scanner.batch import ScanBatch, clean_pages
from scanner.separator import make_separator_sheet, separator_text


def _scanned_separator(label: str, seed: int, dpi: int = 200) -> Image.Image:
    """The printed PDF sheet as a tired scanner gives it back: 200 dpi, grey, noise, skew."""
    doc = pymupdf.open("pdf", make_separator_sheet(label, kind="pdf"))
    pix = doc[0].get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)
    doc.close()
    image = Image.frombytes("L", (pix.width, pix.height), pix.samples)
    return specimens.degrade(image, random.Random(seed), skew=1.5, noise=9)


def test_separator_sheet_prints_as_a4_pdf_and_png() -> None:
    pdf = pymupdf.open("pdf", make_separator_sheet("Lô 7"))
    assert len(pdf) == 1
    assert abs(pdf[0].rect.width - 595) < 2 and abs(pdf[0].rect.height - 842) < 2
    pdf.close()
    png = Image.open(io.BytesIO(make_separator_sheet("Lô 7", kind="png", dpi=150)))
    assert png.size == (round(8.27 * 150), round(11.69 * 150))
    assert separator_text(png) == "Lô 7"


def test_a_page_with_another_qr_code_is_not_a_separator() -> None:
    page = specimens.specimen(11, dpi=200, skew=0).image.convert("L")
    # An e-document's own verification code in the corner.
    buf = io.BytesIO()
    segno.make_qr("https://dichvucong.gov.vn/verify/123").save(buf, kind="png", scale=6)
    page.paste(Image.open(io.BytesIO(buf.getvalue())).convert("L"), (1200, 100))
    assert separator_text(page) is None
    assert separator_text(specimens.blank(4)) is None


def test_batch_is_split_at_scanned_qr_separators(tmp_path: Path) -> None:
    recovery = tmp_path / "batch"
    recovery.mkdir()
    layout: list[Image.Image | str] = [
        specimens.specimen(21, dpi=200).image,
        "Lô 1 / hồ sơ A",
        specimens.specimen(22, dpi=200).image,
        specimens.specimen(23, dpi=200).image,
        "",
        specimens.specimen(24, dpi=200).image,
    ]
    items = []
    for i, item in enumerate(layout, start=1):
        image = _scanned_separator(item, seed=i) if isinstance(item, str) else item
        path = recovery / f"page-{i:04d}.png"
        image.save(path, dpi=(200, 200))
        items.append((path, 200))

    batch = ScanBatch(clean_pages(items))
    assert [p.separator for p in batch.pages] == [None, "Lô 1 / hồ sơ A", None, None, "", None]
    assert not any(p.blank for p in batch.pages)

    found = batch.split_at_separators()

    assert [(s.position, s.text) for s in found] == [(1, "Lô 1 / hồ sơ A"), (4, "")]
    docs = batch.documents()
    assert [[p.source.name for p in doc] for doc in docs] == [
        ["page-0001.png"],
        ["page-0003.png", "page-0004.png"],
        ["page-0006.png"],
    ]
    # Dropped from the documents, kept in the recovery folder.
    assert all(s.source.is_file() and s.source.parent == recovery for s in found)
    batch.undo()
    assert len(batch.pages) == 6 and len(batch.documents()) == 1


def test_clerk_separator_sheet_prints_sheets_that_split_a_batch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "to-phan-cach.pdf"
    assert (
        cli.main(
            ["separator-sheet", "--out", str(out), "--count", "3", "--label", "Lô 9", "--json"]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["sheets"] == 3 and data["qr_text"] == "CLERK-SEPARATOR:Lô 9"
    assert out.stat().st_size < 60 * 1024  # three bilevel sheets: cheap to print in bulk
    # Printed and scanned back: poppler renders the sheets (not the library that drew them),
    # then a tired 200 dpi scanner adds skew and noise.
    subprocess.run(
        ["pdftoppm", "-r", "200", "-gray", "-png", str(out), str(tmp_path / "sheet")], check=True
    )
    rendered = sorted(tmp_path.glob("sheet-*.png"))
    assert len(rendered) == 3
    batch_dir = tmp_path / "batch"
    batch_dir.mkdir()
    items = []
    sheets = iter(rendered)
    for i, kind in enumerate(["page", "sheet", "page", "sheet", "page"], start=1):
        if kind == "sheet":
            with Image.open(next(sheets)) as img:
                image = specimens.degrade(img.convert("L"), random.Random(i), skew=-1.2, noise=10)
        else:
            image = specimens.specimen(60 + i, dpi=200).image
        path = batch_dir / f"page-{i:04d}.png"
        image.save(path, dpi=(200, 200))
        items.append((path, 200))
    batch = ScanBatch(clean_pages(items))
    found = batch.split_at_separators()
    assert [(s.position, s.text) for s in found] == [(1, "Lô 9"), (3, "Lô 9")]
    assert [len(doc) for doc in batch.documents()] == [1, 1, 1]


def test_clerk_separator_sheet_refuses_a_zero_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.pdf"
    assert cli.main(["separator-sheet", "--out", str(out), "--count", "0"]) == 2
    assert capsys.readouterr().err.strip()
    assert not out.exists()
