"""Electronic files: a PDF with a text layer is read from its text, a scan by OCR, through the
same extraction, with the same fields."""

from __future__ import annotations

from pathlib import Path

import pytest

from clerk_app.reading import specimens
from clerk_app.reading.extraction import FIELDS
from clerk_app.reading.reader import read_document, text_layer_page


def _fields(reading) -> dict[str, object]:
    data = reading.extraction.to_json()
    return {name: data[name] for name in FIELDS}


@pytest.mark.parametrize("seed", [4004, 4016, 9000, 9003])
def test_a_born_digital_pdf_is_read_from_its_text_exactly(seed: int, tmp_path: Path) -> None:
    variant = {9000: "issuer_two_lines", 9003: "long_subject"}.get(seed, "")
    spec = specimens.specimen(seed, variant=variant, layout="cong_van" if seed == 9003 else None)
    path = tmp_path / "letter.pdf"
    path.write_bytes(spec.notes["pdf"])
    reading = read_document(path)
    assert reading.source == "text"
    got = _fields(reading)
    got["issuer"] = str(got["issuer"]).casefold()
    assert got == {**spec.truth, "issuer": str(spec.truth["issuer"]).casefold()}


def test_a_scanned_pdf_has_no_text_layer_and_is_read_by_ocr(tmp_path: Path) -> None:
    spec = specimens.specimen(4004, dpi=300, layout="typed", skew=0.0)
    path = tmp_path / "scan.pdf"
    spec.image.save(path, format="PDF", resolution=300.0, quality=85)
    assert text_layer_page(path) is None
    reading = read_document(path)
    assert reading.source == "ocr"
    assert _fields(reading) == spec.truth


def test_soft_hyphens_of_the_text_layer_read_as_hyphens(tmp_path: Path) -> None:
    spec = specimens.specimen(4016, dpi=200)
    path = tmp_path / "letter.pdf"
    path.write_bytes(spec.notes["pdf"])
    page = text_layer_page(path)
    assert page is not None and "\u00ad" not in page.text
    assert any("-" in w.text for w in page.words if "/" in w.text)
