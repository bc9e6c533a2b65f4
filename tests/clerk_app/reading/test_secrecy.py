"""Secrecy stamps (MẬT, TỐI MẬT, TUYỆT MẬT in a frame, any angle, red or black) are found on a
page with the real Tesseract, and a file carrying one is refused before anything is stored."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pymupdf
import pytest

from clerk_app import errors
from clerk_app.files import intake
from clerk_app.reading import secrecy, specimens
from clerk_app.records import IncomingDraft
from clerk_app.workspace import Workspace

TINOS = Path(__file__).resolve().parents[3] / "resources" / "fonts" / "Tinos-Regular.ttf"


@pytest.mark.parametrize(
    ("seed", "level", "angle", "red", "dpi"),
    [
        (1, "Tối mật", 0.0, True, 300),
        (2, "Mật", 37.0, False, 200),
        (3, "Tuyệt mật", -80.0, True, 300),
        (4, "Mật", 180.0, True, 200),
        (5, "Tối mật", 125.0, False, 300),
    ],
)
def test_a_stamp_at_any_angle_red_or_black_is_read(
    seed: int, level: str, angle: float, red: bool, dpi: int
) -> None:
    spec = specimens.secret_specimen(seed, level=level, angle=angle, red=red, dpi=dpi)
    assert spec.notes["secrecy"] == level
    assert secrecy.image_level(spec.image, spec.dpi) == level


def test_urgency_box_seal_and_note_are_not_secrecy_marks() -> None:
    for seed in (9001, 9002):
        spec = specimens.specimen(seed, dpi=200, colour=True)
        assert secrecy.image_level(spec.image, spec.dpi) is None
    # An urgency mark is a framed word too; it is read and is not a secrecy level.
    spec = specimens.specimen(4016, dpi=200, colour=True, layout="cong_van")
    assert spec.truth["urgency"] is not None
    assert secrecy.find_frames(spec.image, spec.dpi)
    assert secrecy.image_level(spec.image, spec.dpi) is None


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("TỐI MẬT", "Tối mật"),
        ("TOI MAT", "Tối mật"),
        ("TUYỆT MẬT.", "Tuyệt mật"),
        ("|MẬT|", "Mật"),
        ("KHẨN", None),
        ("HỎA TỐC", None),
        ("bảo vệ bí mật nhà nước", None),
    ],
)
def test_stamp_text_names_the_level(text: str, level: str | None) -> None:
    assert secrecy.level_in(text) == level


def _typed_pdf(path: Path, *lines: str) -> Path:
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    y = 72
    for line in lines:
        page.insert_text((72, y), line, fontsize=12, fontname="tinos", fontfile=str(TINOS))
        y += 18
    doc.save(path)
    doc.close()
    return path


def test_a_typed_mark_in_the_text_layer_is_refused(tmp_path: Path) -> None:
    pdf = _typed_pdf(tmp_path / "typed.pdf", "UBND TINH PHU YEN", "TUYỆT MẬT", "Về việc ...")
    with pytest.raises(errors.SecretDocumentRefused) as caught:
        intake.prepare(pdf)
    assert caught.value.secrecy == "Tuyệt mật"
    # Prose about secrets is not a mark.
    fine = _typed_pdf(tmp_path / "fine.pdf", "Về việc bảo vệ bí mật nhà nước", "MẬT ĐỘ DÂN SỐ")
    assert intake.prepare(fine).pages == 1


def test_a_stamped_scan_is_refused_and_nothing_is_stored(
    workspace: Workspace, tmp_path: Path
) -> None:
    spec = specimens.secret_specimen(2, level="Tối mật", angle=-20.0, red=True, dpi=200)
    scan = tmp_path / "scan.pdf"
    spec.image.convert("RGB").save(scan, format="PDF", resolution=200.0, quality=80)
    draft = IncomingDraft(
        issuer="Sở Tài chính",
        reference="12/STC-VP",
        issued_on=date(2026, 3, 5),
        doc_type="Công văn",
        subject="Về việc phê duyệt dự toán",
        files=(scan,),  # the clerk left the secrecy field empty
    )
    with pytest.raises(errors.SecretDocumentRefused) as caught:
        workspace.register_incoming(draft)
    assert caught.value.secrecy == "Tối mật"
    assert workspace.search("phê duyệt dự toán") == []
    stored = [p for p in (workspace.data_dir / "files").rglob("*") if p.is_file()]
    assert stored == []
    # The same page as a PNG, not a PDF: the same refusal.
    png = tmp_path / "scan.png"
    spec.image.save(png, dpi=(200, 200))
    with pytest.raises(errors.SecretDocumentRefused):
        intake.prepare(png)


def test_a_blank_page_has_no_frames() -> None:
    from PIL import Image

    assert secrecy.find_frames(Image.new("L", (1654, 2339), 255), 200) == []
    assert secrecy.image_level(specimens.blank(3), 200) is None
