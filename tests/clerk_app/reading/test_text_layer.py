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
    pdf, truth = specimens.born_digital(
        seed, variant=variant, layout="cong_van" if seed == 9003 else None
    )
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    reading = read_document(path)
    assert reading.source == "text"
    got = _fields(reading)
    got["issuer"] = str(got["issuer"]).casefold()
    assert got == {**truth, "issuer": str(truth["issuer"]).casefold()}


def test_a_scanned_pdf_has_no_text_layer_and_is_read_by_ocr(tmp_path: Path) -> None:
    spec = specimens.specimen(4004, dpi=300, layout="typed", skew=0.0)
    path = tmp_path / "scan.pdf"
    spec.image.save(path, format="PDF", resolution=300.0, quality=85)
    assert text_layer_page(path) is None
    reading = read_document(path)
    assert reading.source == "ocr"
    assert _fields(reading) == spec.truth


def test_soft_hyphens_of_the_text_layer_read_as_hyphens(tmp_path: Path) -> None:
    pdf, _ = specimens.born_digital(4016)
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    page = text_layer_page(path)
    assert page is not None and "\u00ad" not in page.text
    assert any("-" in w.text for w in page.words if "/" in w.text)


def test_clerk_extract_reads_the_text_layer_and_refuses_a_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    import pymupdf

    from clerk_app import cli

    monkeypatch.setenv("CLERK_DATA_DIR", str(tmp_path / "desk"))
    pdf, truth = specimens.born_digital(4004)
    letter = tmp_path / "letter.pdf"
    letter.write_bytes(pdf)
    assert cli.main(["extract", str(letter), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["reference"] == truth["reference"] and data["secrecy"] is None
    # The same letter with «TỐI MẬT» typed under the number: refused, nothing printed of it.
    doc = pymupdf.open(letter)
    doc[0].insert_text(
        (120, 160),
        "TỐI MẬT",
        fontsize=13,
        fontname="tinos",
        fontfile=str(Path(specimens._font(True, False))),
    )
    secret = tmp_path / "secret.pdf"
    doc.save(secret)
    doc.close()
    assert cli.main(["extract", str(secret), "--json"]) == 2
    out = capsys.readouterr()
    assert "Tối mật" in out.err and truth["reference"] not in out.out


@pytest.mark.parametrize("seed", [20029, 20044])
def test_a_seals_ring_letters_in_the_text_layer_stay_out_of_the_subject(
    seed: int, tmp_path: Path
) -> None:
    # A seal drawn over the subject leaves its letters (`N Ê Y … Ú H P`) in the file's text.
    pdf, truth = specimens.born_digital(seed, variant="seal_over_body")
    path = tmp_path / "sealed.pdf"
    path.write_bytes(pdf)
    reading = read_document(path)
    assert reading.source == "text"
    assert reading.extraction.subject.value == truth["subject"]
