"""Tesseract as a library (tesserocr's wheels bundle it) with the Vietnamese model shipped beside the app.

This is how the frozen builds read pages on a PC without a `tesseract` program: the same engine
and the same outputs (TSV words, text, a text-only PDF page) as the program in ocr.py, so the
parsing there serves both. No parsing or layout logic here.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from PIL import Image

from clerk_app import errors

# Read by Tesseract's OpenMP runtime when the library loads: one thread per page, parallelism
# across pages (two OpenMP teams on two cores made a page 7× slower).
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

LANGUAGE = "vie"
# Where a build puts the models (resources/tessdata, filled from Debian's tesseract-ocr-vie and
# tesseract-ocr-osd by installer/fetch-ocr-data); then the system's, for a source checkout.
BUNDLED = Path(__file__).resolve().parents[2] / "resources" / "tessdata"
SYSTEM_DIRS = (
    Path("/usr/share/tesseract-ocr/5/tessdata"),
    Path("/usr/share/tesseract-ocr/4.00/tessdata"),
    Path("/usr/share/tessdata"),
)
_local = threading.local()


def _frozen_dirs() -> list[Path]:
    base = getattr(sys, "_MEIPASS", None)
    return [Path(base) / "resources" / "tessdata"] if base else []


def tessdata_dir(language: str = LANGUAGE) -> Path | None:
    """The folder holding `<language>.traineddata`: CLERK_TESSDATA, the bundle, the system."""
    override = os.environ.get("CLERK_TESSDATA")
    candidates = [Path(override)] if override else []
    candidates += [*_frozen_dirs(), BUNDLED]
    if not sys.platform.startswith("win"):  # under Wine these would be the host's folders
        candidates += SYSTEM_DIRS
    for folder in candidates:
        if (folder / f"{language}.traineddata").is_file():
            return folder
    return None


def available() -> bool:
    """tesserocr imports and the Vietnamese model is found."""
    try:
        import tesserocr  # noqa: F401
    except ImportError:
        return False
    return tessdata_dir() is not None


def _api(language: str, psm: int) -> Any:
    """This thread's engine for `language` (loading a model costs ~0.2 s; keep one per thread)."""
    try:
        import tesserocr
    except ImportError as exc:
        raise errors.OcrUnavailable(f"tesserocr: {exc}") from None
    folder = tessdata_dir(language)
    if folder is None:
        raise errors.OcrUnavailable(f"{language}.traineddata")
    apis: dict[str, Any] = _local.__dict__.setdefault("apis", {})
    api = apis.get(language)
    if api is None:
        # The data path must end with a separator for Tesseract 5's own lookup.
        api = tesserocr.PyTessBaseAPI(path=str(folder) + os.sep, lang=language)
        apis[language] = api
    api.SetPageSegMode(psm)
    return api


def recognise(
    page: Image.Image, *, dpi: int, psm: int, text_pdf: bool
) -> tuple[str, str, bytes | None]:
    """(text, TSV, text-only PDF or None) for one grey page image, as the program writes them."""
    api = _api(LANGUAGE, psm)
    try:
        if not text_pdf:
            api.SetImage(page)
            api.SetSourceResolution(dpi)
            api.SetVariable("user_defined_dpi", str(dpi))
            if not api.Recognize():
                raise errors.OcrFailed("trang ảnh", "Tesseract không đọc được ảnh")
            return api.GetUTF8Text(), api.GetTSVText(0), None
        with tempfile.TemporaryDirectory(prefix="clerk-ocr-") as tmp:
            base = Path(tmp) / "out"
            src = Path(tmp) / "page.png"
            page.save(src, dpi=(dpi, dpi))
            for name, value in (
                ("user_defined_dpi", str(dpi)),
                ("textonly_pdf", "1"),
                ("tessedit_create_pdf", "1"),
            ):
                api.SetVariable(name, value)
            try:
                # ProcessPages, not ProcessPage: only it writes the PDF's header and trailer.
                ok = api.ProcessPages(str(base), str(src))
            finally:
                api.SetVariable("tessedit_create_pdf", "0")
            if not ok or not base.with_suffix(".pdf").is_file():
                raise errors.OcrFailed("trang ảnh", "Tesseract không tạo được lớp chữ")
            # The words of the page just rendered stay in the engine until the next image.
            return api.GetUTF8Text(), api.GetTSVText(0), base.with_suffix(".pdf").read_bytes()
    except RuntimeError as exc:
        raise errors.OcrFailed("trang ảnh", str(exc)) from None


def orientation(image: Image.Image, *, dpi: int, characters: int = 50) -> tuple[int, float]:
    """Clockwise degrees that make the page upright and the OSD confidence; (0, 0.0) when unsure."""
    try:
        api = _api("osd", 0)  # PSM.OSD_ONLY
    except errors.OcrUnavailable:
        return 0, 0.0
    api.SetVariable("min_characters_to_try", str(characters))  # as the program's `-c`
    api.SetImage(image)
    api.SetSourceResolution(dpi)
    try:
        found = api.DetectOrientationScript()
    except RuntimeError:
        return 0, 0.0
    if not found:
        return 0, 0.0
    # Tesseract reports how the text is turned (counter-clockwise); the program prints the
    # clockwise turn that undoes it as "Rotate:".
    return (360 - int(found["orient_deg"])) % 360, float(found["orient_conf"])
