"""Tesseract as a library (tesserocr) with the model found beside the app: the engine of the
installed desk. Same outputs as the program: words with boxes and confidences, text, a
text-only PDF page, the orientation check; and where it looks for the model."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pymupdf
import pytest

from clerk_app import errors
from clerk_app.reading import ocr, ocr_library, specimens
from clerk_app.reading.reader import read_header


@pytest.fixture
def library(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLERK_OCR_ENGINE", "library")


def test_the_library_reads_a_letter_with_boxes_and_confidences(library: None) -> None:
    spec = specimens.corpus(1)[0]
    page = ocr.ocr_image(spec.image, dpi=spec.dpi)
    assert ocr.engine() == "library"
    assert len(page.words) > 50 and page.mean_confidence > 80
    reference = next(w for w in page.words if w.text.startswith(spec.truth["reference"][:3]))
    assert 0 < reference.left < page.width and 0 < reference.top < page.height / 2
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in page.text


def test_header_fields_match_the_program_on_the_same_page(
    library: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = specimens.corpus(1)[0]
    by_library = read_header(spec.image, spec.dpi).to_json()
    monkeypatch.setenv("CLERK_OCR_ENGINE", "program")
    by_program = read_header(spec.image, spec.dpi).to_json()
    for name in ("reference", "issued_on", "doc_type", "urgency"):
        assert by_library[name] == spec.truth[name] == by_program[name], name


def test_text_layer_is_a_pdf_page_with_invisible_words(library: None, tmp_path: Path) -> None:
    spec = specimens.corpus(1)[0]
    page = ocr.ocr_image(spec.image, dpi=spec.dpi, text_pdf=True)
    assert page.text_pdf is not None and page.text_pdf.startswith(b"%PDF")
    path = tmp_path / "layer.pdf"
    path.write_bytes(page.text_pdf)
    with pymupdf.open(path) as doc:
        assert doc.page_count == 1 and not doc[0].get_images()
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    assert spec.truth["reference"] in text.replace(" ", "")


def test_orientation_of_an_upside_down_page(library: None) -> None:
    spec = specimens.corpus(1)[0]
    turn, confidence = ocr.orientation(spec.image.rotate(180), dpi=spec.dpi)
    assert turn == 180 and confidence > 2
    assert ocr.orientation(spec.image, dpi=spec.dpi)[0] == 0


def test_the_model_is_looked_for_in_the_override_then_the_bundle(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    own = tmp_path / "tessdata"
    own.mkdir()
    monkeypatch.setenv("CLERK_TESSDATA", str(own))
    assert ocr_library.tessdata_dir() != own  # no vie.traineddata there: not taken
    system = ocr_library.tessdata_dir()
    assert system is not None
    shutil.copy(system / "vie.traineddata", own / "vie.traineddata")
    assert ocr_library.tessdata_dir() == own
    monkeypatch.setattr(ocr_library, "SYSTEM_DIRS", ())
    monkeypatch.setattr(ocr_library, "BUNDLED", tmp_path / "none")
    monkeypatch.setenv("CLERK_TESSDATA", str(tmp_path / "empty"))
    assert ocr_library.tessdata_dir() is None and not ocr_library.available()


def test_without_the_model_the_clerk_is_told(
    library: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(ocr_library, "SYSTEM_DIRS", ())
    monkeypatch.setattr(ocr_library, "BUNDLED", tmp_path / "none")
    monkeypatch.setenv("CLERK_TESSDATA", str(tmp_path / "none"))
    monkeypatch.setattr(ocr_library._local, "apis", {}, raising=False)
    spec = specimens.corpus(1)[0]
    with pytest.raises(errors.OcrUnavailable) as caught:
        ocr.ocr_image(spec.image, dpi=spec.dpi)
    assert "vie.traineddata" in str(caught.value)


def test_the_program_stays_the_default_of_a_source_checkout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CLERK_OCR_ENGINE", raising=False)
    assert ocr.engine() == "program"
    monkeypatch.setattr("sys.frozen", True, raising=False)
    assert ocr.engine() == "library"
