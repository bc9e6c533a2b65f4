"""Vietnamese text forms: NFC storage, accent-free folding, reference keys."""

from __future__ import annotations

import unicodedata

import pytest

from clerk_app.text import fold, looks_like_reference, nfc, reference_key


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Quyết định", "quyet dinh"),
        ("ĐỒNG XUÂN", "dong xuan"),
        ("hòa", "hoa"),
        ("hoà", "hoa"),
        ("Nguyễn", "nguyen"),
        ("thuở", "thuo"),
        ("  nhiều   khoảng  trắng ", "nhieu khoang trang"),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded
    assert fold(unicodedata.normalize("NFD", text)) == folded


def test_nfc_composes_and_collapses_space() -> None:
    decomposed = unicodedata.normalize("NFD", "Tuyệt  mật ")
    assert nfc(decomposed) == "Tuyệt mật"
    assert unicodedata.is_normalized("NFC", nfc(decomposed))


@pytest.mark.parametrize(
    "spelling", ["12/QĐ-UBND", "12/qđ-ubnd", "012 / QĐ-UBND", "12/QD-UBND", " 12/Qđ-UBND "]
)
def test_reference_key(spelling: str) -> None:
    assert reference_key(spelling) == "12/QD-UBND"
    assert looks_like_reference(spelling)


@pytest.mark.parametrize("query", ["quyet dinh", "12", "QĐ-UBND", "năm 2026"])
def test_not_a_reference(query: str) -> None:
    assert not looks_like_reference(query)
