"""PyMuPDF work is serialised across threads: MuPDF crashes when two threads use it at once."""

from __future__ import annotations

import threading
from pathlib import Path

from clerk_app.files import intake, mupdf
from clerk_app.signing import sign
from clerk_app.stamping import arrival


def test_pdf_entry_points_wait_for_the_lock(make_pdf) -> None:
    data = Path(make_pdf("trang 1")).read_bytes()
    finished = threading.Event()

    def render() -> None:
        intake.render_page_png(data, 0, 200)
        finished.set()

    with mupdf.LOCK:
        worker = threading.Thread(target=render)
        worker.start()
        # While another thread is inside PyMuPDF, a preview must not start.
        assert not finished.wait(0.3)
    worker.join(timeout=30)
    assert finished.is_set()


def test_every_pdf_entry_point_is_locked() -> None:
    for fn in (
        intake.prepare,
        intake.page_count,
        intake.render_page_png,
        intake.pdf_text,
        arrival.stamp_arrival,
        arrival.suggest_place,
        arrival.page_size,
        sign.sign_as_agency,
        sign.sign_attachment,
        sign.add_number_and_date,
    ):
        assert getattr(fn, "__wrapped__", None) is not None, fn.__name__
