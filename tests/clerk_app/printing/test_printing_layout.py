"""Wrapping and pagination rules of the printed register (pure arithmetic)."""

from __future__ import annotations

from clerk_app.printing import layout as L


def _wrapper() -> L.Wrapper:
    return L.Wrapper(lambda s: 5.0 * len(s))  # every character 5 pt wide


def test_wrap_keeps_every_character_and_respects_the_width() -> None:
    text = "Về việc " + "rà soát " * 30 + "X" * 80
    lines = _wrapper().wrap(text, 100)
    assert all(5.0 * len(line) <= 100 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_a_long_reference_breaks_after_its_slash_or_dash() -> None:
    assert _wrapper().wrap("2693/BKHCN-VP", 50) == ["2693/", "BKHCN-VP"]


def test_rows_move_whole_to_the_next_page_unless_taller_than_a_page() -> None:
    capacity = 10 * L.LEADING + L.ROW_PAD  # exactly ten lines a page
    pages = L.Paginator(capacity)
    assert [(s.page, s.count) for s in pages.place(6)] == [(0, 6)]
    assert [(s.page, s.count) for s in pages.place(6)] == [(1, 6)]  # fits a page: moves
    pieces = list(pages.place(25))  # taller than a page: split, nothing lost
    assert sum(p.count for p in pieces) == 25
    assert [p.first for p in pieces] == [
        0,
        *[sum(x.count for x in pieces[:i]) for i in range(1, len(pieces))],
    ]


def test_a_month_boundary_starts_a_new_page_and_short_rows_keep_signature_room() -> None:
    pages = L.Paginator(30 * L.LEADING)
    first = list(pages.place(1))
    assert first[0].count == L.MIN_LINES
    second = list(pages.place(1, break_before=True))
    assert second[0].page == 1 and second[0].top == 0


def test_a_whole_cell_is_one_line_made_smaller_then_narrower() -> None:
    column = L.Column("Số, ký hiệu", 40, lambda e: e, whole=True)
    wide = "12345/2026/QĐ-UBND-VPCP"
    assert L.wrap_cells((column,), [wide], _wrapper()) == [[wide]]
    assert L.wrap_cells((column,), [""], _wrapper()) == [[]]
    assert L.fit_whole(60, 66) == (L.FONT_SIZE, 100.0)  # fits: as it is
    size, scale = L.fit_whole(70, 66)
    assert scale == 100.0 and 70 * size / L.FONT_SIZE <= 66.0001  # a little smaller
    size, scale = L.fit_whole(150, 66)
    assert size == L.SMALLEST_WHOLE_SIZE
    assert abs(150 * size / L.FONT_SIZE * scale / 100 - 66) < 1e-9  # then condensed to fit
