"""The upright test that spares a surely upright page Tesseract's orientation check."""

from __future__ import annotations

import pytest
from PIL import Image

from clerk_app.reading import specimens
from scanner import cleanup


@pytest.fixture(scope="module")
def page() -> Image.Image:
    return specimens.specimen(5008, dpi=200, skew=1.4).image


def _count_osd(monkeypatch: pytest.MonkeyPatch, answer: tuple[int, float]) -> list[int]:
    calls: list[int] = []

    def orientation(image: Image.Image, *, dpi: int) -> tuple[int, float]:
        calls.append(dpi)
        return answer

    monkeypatch.setattr(cleanup, "orientation", orientation)
    return calls


def test_an_upright_page_scores_upright_and_turned_round_it_does_not(page: Image.Image) -> None:
    score, lines = cleanup.upright_score(page)
    assert score >= cleanup.UPRIGHT_SCORE and lines >= cleanup.UPRIGHT_LINES
    turned_score, turned_lines = cleanup.upright_score(page.rotate(180))
    assert turned_score < 0 and turned_lines >= cleanup.UPRIGHT_LINES


def test_osd_is_not_asked_about_a_surely_upright_page(
    page: Image.Image, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _count_osd(monkeypatch, (180, 9.0))  # were it asked, it would turn the page
    check = cleanup.measure_page(page, 200)
    assert calls == [] and not check.upside_down
    assert check.skew == pytest.approx(-1.4, abs=0.3)


def test_osd_still_decides_on_a_page_not_surely_upright(
    page: Image.Image, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _count_osd(monkeypatch, (180, 9.0))
    _, check = cleanup.check_page(page.rotate(180), 200)
    assert len(calls) == 1 and check.upside_down
    unsure = _count_osd(monkeypatch, (0, 0.0))
    assert not cleanup.measure_page(page.rotate(180), 200).upside_down and len(unsure) == 1


def test_a_page_without_text_lines_is_left_to_osd(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _count_osd(monkeypatch, (0, 0.0))
    drawing = Image.new("L", (1600, 2200), 240)
    drawing.paste(40, (300, 400, 1300, 1500))  # one dark block: a photo, no lines of print
    assert cleanup.upright_score(drawing)[1] < cleanup.UPRIGHT_LINES
    cleanup.measure_page(drawing, 200)
    assert len(calls) == 1
