"""Tests of file intake on real PDFs and images made here by PyMuPDF and Pillow; no files checked in."""

from __future__ import annotations

import hashlib
import io
import os
import struct
import unicodedata
import zipfile
import zlib
from pathlib import Path

import pymupdf
import pytest
from PIL import Image, ImageDraw

from clerk_app.errors import (
    FileCorrupt,
    FileEmpty,
    FileEncrypted,
    FileMissing,
    FileTooLarge,
    FileTruncated,
    FileUnreadable,
    FileUnsupported,
    ImageTooLarge,
)
from clerk_app.files import intake
from clerk_app.files.intake import PreparedFile, prepare, prepare_all

# --- makers ----------------------------------------------------------------------------------


def pymupdf_pdf(pages: int = 3, **save: object) -> bytes:
    doc = pymupdf.open()
    for i in range(pages):
        doc.new_page().insert_text((72, 72), f"Quyết định số {i + 1}/QĐ-UBND", fontname="helv")
    return bytes(doc.tobytes(**save))


def handwritten_pdf(pages: int) -> bytes:
    """A PDF laid out the way reportlab and most simple generators write one: one xref table."""
    font = 3 + 2 * pages
    kids = " ".join(f"{3 + i} 0 R" for i in range(pages))
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>",
    ]
    objects += [
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {3 + pages + i} 0 R "
        f"/Resources << /Font << /F1 {font} 0 R >> >> >>"
        for i in range(pages)
    ]
    for i in range(pages):
        text = f"BT /F1 12 Tf 72 770 Td (Page {i + 1}) Tj ET"
        objects.append(f"<< /Length {len(text)} >>\nstream\n{text}\nendstream")
    objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def incrementally_updated_pdf(tmp_path: Path) -> bytes:
    """A PDF with a second revision appended, as signing or annotating in a viewer leaves it."""
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    first = work / "incremental.pdf"
    first.write_bytes(pymupdf_pdf(2))
    doc = pymupdf.open(first)
    doc[0].add_text_annot((100, 100), "Đã nhận")
    doc.save(first, incremental=True, encryption=pymupdf.PDF_ENCRYPT_KEEP)
    doc.close()
    return first.read_bytes()


def scan_like(size: tuple[int, int] = (400, 560), mode: str = "RGB", seed: int = 0) -> Image.Image:
    """A page with lines of "text" and a red seal, enough detail that compression has work."""
    img = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    for row in range(20, size[1] - 40, 18):
        draw.text(
            (20 + seed % 7, row), f"Số {row * (seed + 1)}/UBND-VP ngày 05 tháng 02", fill="black"
        )
    draw.ellipse((size[0] - 120, size[1] - 120, size[0] - 20, size[1] - 20), outline="red", width=4)
    return img.convert(mode)


def encode(img: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **params)
    return out.getvalue()


def tiff(frames: list[Image.Image], **params: object) -> bytes:
    out = io.BytesIO()
    frames[0].save(out, "TIFF", save_all=True, append_images=frames[1:], **params)
    return out.getvalue()


def directory_first_tiff(page: Image.Image) -> tuple[bytes, int]:
    """A one-page G4 TIFF laid out directory first, pixels after, as many scanners write it.

    Returns the file and where its pixel data starts."""
    with Image.open(io.BytesIO(encode(page, "TIFF", compression="group4"))) as source:
        tags = source.tag_v2
        ((offset,), (length,)) = tags[273], tags[279]
        photometric = tags[262]
    strip = encode(page, "TIFF", compression="group4")[offset : offset + length]
    width, height = page.size
    start = 8 + 2 + 9 * 12 + 4
    entries = [(256, 4, width), (257, 4, height), (258, 3, 1), (259, 3, 4), (262, 3, photometric),
               (273, 4, start), (277, 3, 1), (278, 4, height), (279, 4, len(strip))]  # fmt: skip
    directory = struct.pack("<H", len(entries))
    for tag, kind, value in entries:
        packed = struct.pack("<HH", value, 0) if kind == 3 else struct.pack("<I", value)
        directory += struct.pack("<HHI", tag, kind, 1) + packed
    directory += struct.pack("<I", 0)
    return b"II*\x00" + struct.pack("<I", 8) + directory + strip, start


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge picture: decoding it would need gigabytes."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + png_chunk(b"IEND", b"")
    )


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*")
    }


def rendition_of(prepared: PreparedFile) -> pymupdf.Document:
    assert prepared.rendition is not None
    assert prepared.rendition_sha256 == hashlib.sha256(prepared.rendition).hexdigest()
    return pymupdf.open(stream=prepared.rendition, filetype="pdf")


def colour_at(doc: pymupdf.Document, page: int, fx: float, fy: float) -> tuple[int, ...]:
    """The rendered colour at a fraction (fx, fy) of the page's width and height."""
    pix = doc[page].get_pixmap(dpi=50, alpha=False, colorspace=pymupdf.csRGB)
    return tuple(pix.pixel(int(fx * (pix.width - 1)), int(fy * (pix.height - 1))))


# --- PDFs that must be accepted --------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "data"),
    [
        ("pymupdf", pymupdf_pdf(3)),
        (
            "pymupdf compressed, object streams",
            pymupdf_pdf(3, garbage=3, deflate=True, use_objstms=1),
        ),
        ("handwritten xref table", handwritten_pdf(3)),
        ("trailing CRLF and NULs", pymupdf_pdf(3) + b"\r\n\x00\x00\x00"),
        ("padded to a 4 KiB block", pymupdf_pdf(3) + bytes(4096)),
        ("no newline after %%EOF", handwritten_pdf(3).rstrip(b"\n")),
    ],
)
def test_valid_pdfs_are_accepted_byte_for_byte(tmp_path: Path, label: str, data: bytes) -> None:
    path = write(tmp_path, "cong-van.pdf", data)

    prepared = prepare(path)

    assert prepared.media_type == "application/pdf"
    assert prepared.pages == 3
    assert prepared.data == data
    assert prepared.sha256 == hashlib.sha256(data).hexdigest()
    assert prepared.rendition is None and prepared.rendition_sha256 is None
    assert prepared.filename == "cong-van.pdf"
    assert prepared.source_path == path


def test_the_handwritten_pdf_is_one_mupdf_reads_without_repair() -> None:
    with pymupdf.open(stream=handwritten_pdf(2), filetype="pdf") as doc:
        assert not doc.is_repaired
        assert doc.page_count == 2
        assert "Page 2" in doc[1].get_text()


def test_an_incrementally_updated_pdf_is_accepted(tmp_path: Path) -> None:
    data = incrementally_updated_pdf(tmp_path)
    assert data.count(b"%%EOF") == 2

    prepared = prepare(write(tmp_path, "da-ky.pdf", data))

    assert prepared.pages == 2
    assert prepared.data == data


def test_an_owner_password_only_pdf_opens_and_is_accepted(tmp_path: Path) -> None:
    # Permissions-only encryption: every reader opens it without asking, so the clerk can too.
    data = pymupdf_pdf(2, encryption=pymupdf.PDF_ENCRYPT_AES_256, owner_pw="chu", permissions=0)

    assert prepare(write(tmp_path, "han-che.pdf", data)).pages == 2


def test_the_type_comes_from_the_bytes_not_the_name(tmp_path: Path) -> None:
    prepared = prepare(write(tmp_path, "scan.jpg", pymupdf_pdf(1)))
    assert prepared.media_type == "application/pdf"


def test_filename_is_stored_in_nfc(tmp_path: Path) -> None:
    decomposed = unicodedata.normalize("NFD", "Quyết định.pdf")
    prepared = prepare(write(tmp_path, decomposed, pymupdf_pdf(1)))
    assert prepared.filename == "Quyết định.pdf"
    assert unicodedata.is_normalized("NFC", prepared.filename)


# --- PDFs that must be refused ---------------------------------------------------------------


def test_the_first_half_of_a_pdf_is_truncated(tmp_path: Path) -> None:
    data = pymupdf_pdf(6)
    half = data[: len(data) // 2]
    with pymupdf.open(stream=half, filetype="pdf") as doc:
        assert doc.is_repaired and doc.page_count > 0  # why the checks below exist

    with pytest.raises(FileTruncated) as caught:
        prepare(write(tmp_path, "tai-do.pdf", half))
    assert caught.value.path == str(tmp_path / "tai-do.pdf")


def test_a_pdf_cut_inside_its_last_update_is_truncated(tmp_path: Path) -> None:
    data = incrementally_updated_pdf(tmp_path)
    first_end = data.index(b"%%EOF") + len(b"%%EOF\n")
    cut = data[: first_end + 300]  # the first revision's %%EOF is still near the end

    with pytest.raises(FileTruncated):
        prepare(write(tmp_path, "cut.pdf", cut))


@pytest.mark.parametrize("cut", [20, 100, 0.9])
def test_pdfs_cut_anywhere_are_truncated(tmp_path: Path, cut: float) -> None:
    data = handwritten_pdf(3)
    end = int(cut) if cut >= 1 else int(len(data) * cut)
    with pytest.raises(FileTruncated):
        prepare(write(tmp_path, "cut.pdf", data[:end]))


def test_a_pdf_with_garbage_inside_is_corrupt(tmp_path: Path) -> None:
    data = b"%PDF-1.7\n" + os.urandom(4000).replace(b"%%EOF", b"") + b"\n%%EOF\n"
    with pytest.raises(FileCorrupt):
        prepare(write(tmp_path, "hong.pdf", data))


def test_a_pdf_with_zero_pages_is_corrupt(tmp_path: Path) -> None:
    with pytest.raises(FileCorrupt) as caught:
        prepare(write(tmp_path, "trong.pdf", handwritten_pdf(0)))
    assert "0 pages" in caught.value.detail


def test_a_password_protected_pdf_is_refused(tmp_path: Path) -> None:
    data = pymupdf_pdf(2, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="mat", owner_pw="chu")
    with pytest.raises(FileEncrypted) as caught:
        prepare(write(tmp_path, "khoa.pdf", data))
    assert "mật khẩu" in str(caught.value)


# --- files that are not what they say --------------------------------------------------------


def docx_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "detected"),
    [
        (docx_bytes(), "DOCX"),
        ("Kính gửi: Ủy ban nhân dân tỉnh\n".encode(), "TXT"),
        (b"<!DOCTYPE html><html><body>Trang web</body></html>", "HTML"),
        (encode(scan_like((20, 20)), "GIF"), "GIF"),
        (encode(scan_like((20, 20)), "BMP"), "BMP"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "DOC/XLS/PPT"),
        (os.urandom(16) + b"\x00" + os.urandom(100), ""),
    ],
)
def test_other_formats_named_pdf_are_unsupported(
    tmp_path: Path, data: bytes, detected: str
) -> None:
    with pytest.raises(FileUnsupported) as caught:
        prepare(write(tmp_path, "van-ban.pdf", data))
    assert caught.value.detected == detected


def test_a_file_the_system_will_not_let_us_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "dang-mo.pdf", pymupdf_pdf(1))

    def locked(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(Path, "open", locked)  # as Windows does while Word holds the file
    with pytest.raises(FileUnreadable) as caught:
        prepare(path)
    assert caught.value.detail == "Permission denied"
    assert "Không đọc được" in str(caught.value)


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileMissing) as caught:
        prepare(tmp_path / "khong-co.pdf")
    assert caught.value.path == str(tmp_path / "khong-co.pdf")


def test_a_folder_is_not_a_file(tmp_path: Path) -> None:
    (tmp_path / "thu-muc.pdf").mkdir()
    with pytest.raises(FileMissing):
        prepare(tmp_path / "thu-muc.pdf")


def test_an_empty_file(tmp_path: Path) -> None:
    with pytest.raises(FileEmpty):
        prepare(write(tmp_path, "rong.pdf", b""))


def test_a_file_over_the_size_limit(tmp_path: Path) -> None:
    data = pymupdf_pdf(1)
    path = write(tmp_path, "lon.pdf", data)

    with pytest.raises(FileTooLarge) as caught:
        prepare(path, max_bytes=len(data) - 1)

    assert (caught.value.size, caught.value.limit) == (len(data), len(data) - 1)
    assert prepare(path, max_bytes=len(data)).pages == 1


# --- images ----------------------------------------------------------------------------------


def test_a_jpeg_becomes_a_pdf_holding_the_same_jpeg(tmp_path: Path) -> None:
    data = encode(scan_like((400, 560)), "JPEG", quality=85, dpi=(300, 300))

    prepared = prepare(write(tmp_path, "anh.jpg", data))

    assert prepared.media_type == "image/jpeg"
    assert prepared.pages == 1
    assert prepared.data == data
    with rendition_of(prepared) as doc:
        assert doc.page_count == 1
        assert doc[0].rect.width == pytest.approx(400 * 72 / 300, abs=0.01)
        assert doc[0].rect.height == pytest.approx(560 * 72 / 300, abs=0.01)
        (image,) = doc[0].get_images(full=True)
        assert image[8] == "DCTDecode"
        # Passed through: no second lossy encoding of the clerk's scan.
        assert doc.xref_stream_raw(image[0]) == data


def test_a_jpeg_photo_taken_sideways_stands_upright_in_the_pdf(tmp_path: Path) -> None:
    img = Image.new("RGB", (400, 200), "white")
    ImageDraw.Draw(img).rectangle((0, 0, 60, 200), fill="red")  # left edge as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera says: turn 90° clockwise to view
    data = encode(img, "JPEG", exif=exif, dpi=(200, 200))

    with rendition_of(prepare(write(tmp_path, "dien-thoai.jpg", data))) as doc:
        page = doc[0].rect
        assert (page.width, page.height) == pytest.approx((200 * 72 / 200, 400 * 72 / 200))
        top, bottom = colour_at(doc, 0, 0.5, 0.02), colour_at(doc, 0, 0.5, 0.98)
    assert top[0] > 200 and top[1] < 80  # red along the top once turned
    assert bottom == (255, 255, 255)


def test_a_png_with_transparency_lands_on_white(tmp_path: Path) -> None:
    img = scan_like((300, 400)).convert("RGBA")
    img.putalpha(Image.new("L", img.size, 0))
    ImageDraw.Draw(img).rectangle((0, 0, 299, 40), fill=(0, 0, 255, 255))
    data = encode(img, "PNG")

    prepared = prepare(write(tmp_path, "con-dau.png", data))

    assert (prepared.media_type, prepared.pages, prepared.data) == ("image/png", 1, data)
    with rendition_of(prepared) as doc:
        # No resolution in the file: the default 200 dpi sets the page size.
        assert doc[0].rect.width == pytest.approx(300 * 72 / 200, abs=0.01)
        assert colour_at(doc, 0, 0.5, 0.02) == (0, 0, 255)
        assert colour_at(doc, 0, 0.5, 0.6) == (255, 255, 255)


def test_a_72_dpi_image_is_laid_out_at_the_default_dpi(tmp_path: Path) -> None:
    data = encode(scan_like((400, 560)), "PNG", dpi=(72, 72))
    with rendition_of(prepare(write(tmp_path, "man-hinh.png", data))) as doc:
        assert doc[0].rect.width == pytest.approx(400 * 72 / 200, abs=0.01)


def test_a_single_page_tiff(tmp_path: Path) -> None:
    data = tiff([scan_like((500, 700))], compression="tiff_lzw", dpi=(250, 250))

    prepared = prepare(write(tmp_path, "to-trinh.tif", data))

    assert (prepared.media_type, prepared.pages) == ("image/tiff", 1)
    with rendition_of(prepared) as doc:
        assert doc.page_count == 1
        assert doc[0].rect.height == pytest.approx(700 * 72 / 250, abs=0.01)


def test_a_multi_page_tiff_gives_one_pdf_page_per_frame(tmp_path: Path) -> None:
    frames = [scan_like((400, 560), seed=i) for i in range(5)]
    frames[2] = scan_like((560, 400), seed=2)  # a landscape page in the middle
    data = tiff(frames, compression="tiff_deflate", dpi=(200, 200))

    prepared = prepare(write(tmp_path, "lo-quet.tiff", data))

    assert prepared.pages == 5
    assert intake.page_count(prepared.data) == 5
    with rendition_of(prepared) as doc:
        assert doc.page_count == 5
        sizes = [(round(p.rect.width), round(p.rect.height)) for p in doc]
    assert sizes == [(144, 202), (144, 202), (202, 144), (144, 202), (144, 202)]

    with rendition_of(prepared) as doc:
        pix = doc[3].get_pixmap(dpi=200, alpha=False, colorspace=pymupdf.csRGB)
    assert Image.frombytes("RGB", (pix.width, pix.height), pix.samples).tobytes() == (
        frames[3].tobytes()
    )  # lossless: the page shows the scan's own pixels


def test_a_one_bit_tiff_keeps_its_black_and_white(tmp_path: Path) -> None:
    page = Image.new("1", (800, 1000), 1)
    ImageDraw.Draw(page).rectangle((0, 0, 799, 99), fill=0)  # a black band at the top
    data = tiff([page, page], compression="group4", dpi=(200, 200))

    prepared = prepare(write(tmp_path, "den-trang.tif", data))

    assert prepared.pages == 2
    with rendition_of(prepared) as doc:
        assert doc.page_count == 2
        (image,) = doc[1].get_images(full=True)
        assert image[4] == 1  # stored at 1 bit per pixel, not blown up to grey
        assert colour_at(doc, 1, 0.5, 0.03) == (0, 0, 0)
        assert colour_at(doc, 1, 0.5, 0.5) == (255, 255, 255)


def band_on_white(mode: str) -> Image.Image:
    """White page, black band across the top tenth, in the given mode."""
    rgb = Image.new("RGB", (200, 300), "white")
    ImageDraw.Draw(rgb).rectangle((0, 0, 199, 29), fill="black")
    if mode == "I;16":
        return rgb.convert("I").point(lambda v: v * 257).convert("I;16")
    if mode in ("LA", "RGBA"):
        img = rgb.convert(mode)
        img.putalpha(Image.new("L", img.size, 255))
        return img
    return rgb.convert(mode)


@pytest.mark.parametrize(
    ("mode", "fmt"),
    [
        ("P", "PNG"),
        ("LA", "PNG"),
        ("RGBA", "PNG"),
        ("I;16", "PNG"),
        ("CMYK", "TIFF"),
        ("L", "JPEG"),
        ("CMYK", "JPEG"),
    ],
)
def test_every_pixel_mode_becomes_a_readable_page(tmp_path: Path, mode: str, fmt: str) -> None:
    img = band_on_white(mode)
    assert img.mode == mode
    data = encode(img, fmt)

    with rendition_of(prepare(write(tmp_path, "anh", data))) as doc:
        top, middle = colour_at(doc, 0, 0.5, 0.03), colour_at(doc, 0, 0.5, 0.5)
    assert max(top) < 40
    assert min(middle) > 215


def test_the_same_image_always_gives_the_same_pdf(tmp_path: Path) -> None:
    path = write(tmp_path, "anh.png", encode(scan_like(), "PNG"))
    assert prepare(path).rendition_sha256 == prepare(path).rendition_sha256


def test_an_image_over_the_pixel_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "anh.png", encode(scan_like((400, 300)), "PNG"))

    with pytest.raises(ImageTooLarge) as caught:
        prepare(path, max_pixels=400 * 300 - 1)

    assert (caught.value.width, caught.value.height) == (400, 300)
    assert prepare(path, max_pixels=400 * 300).pages == 1


def test_an_absurd_image_is_refused_from_its_header_before_decoding(tmp_path: Path) -> None:
    # 60000 × 60000 one-bit pixels: decoding would first need 3.6 GB for the grey copy.
    path = write(tmp_path, "bom.png", png_claiming(60_000, 60_000))

    with pytest.raises(ImageTooLarge) as caught:
        prepare(path)

    assert (caught.value.width, caught.value.height) == (60_000, 60_000)
    assert caught.value.limit_pixels == 120_000_000


def test_a_tiff_frame_past_the_limit_is_refused_before_any_frame_is_decoded(
    tmp_path: Path,
) -> None:
    data = tiff([scan_like((100, 100)), scan_like((400, 400))], dpi=(200, 200))
    with pytest.raises(ImageTooLarge) as caught:
        prepare(write(tmp_path, "hai-trang.tif", data), max_pixels=50_000)
    assert (caught.value.width, caught.value.height) == (400, 400)


def test_pillows_own_bomb_guard_is_reported_as_too_large(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tiff([scan_like((300, 300))])  # uncompressed: Pillow checks it while loading
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10_000)

    with pytest.raises(ImageTooLarge) as caught:
        prepare(write(tmp_path, "anh.tif", data))

    assert (caught.value.width, caught.value.height) == (300, 300)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("cut.jpg", encode(scan_like(), "JPEG")),
        ("cut-progressive.jpg", encode(scan_like(), "JPEG", progressive=True)),
        ("cut.png", encode(scan_like(), "PNG")),
        ("cut.tif", tiff([scan_like(seed=i) for i in range(6)], compression="tiff_lzw")),
        ("cut-g4.tif", tiff([scan_like(mode="1", seed=i) for i in range(6)], compression="group4")),
        ("cut-raw.tif", tiff([scan_like(mode="L", seed=i) for i in range(6)])),
    ],
)
@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_cut_off_images_are_truncated(tmp_path: Path, name: str, data: bytes, keep: float) -> None:
    with pytest.raises(FileTruncated):
        prepare(write(tmp_path, name, data[: int(len(data) * keep)]))


def test_a_tiff_with_its_pixels_cut_short_is_truncated(tmp_path: Path) -> None:
    page = scan_like(mode="1")
    data, start = directory_first_tiff(page)
    with rendition_of(prepare(write(tmp_path, "may-quet.tif", data))) as doc:
        assert doc.page_count == 1  # the layout itself is fine

    # The directory survives the cut and Pillow only reports a decoder error; the offsets in
    # the directory are what show the file is short.
    with pytest.raises(FileTruncated):
        prepare(write(tmp_path, "may-quet-cut.tif", data[: start + (len(data) - start) // 2]))


def test_a_png_without_its_end_chunk_is_truncated(tmp_path: Path) -> None:
    data = encode(scan_like(), "PNG")
    assert data.endswith(b"IEND\xaeB`\x82")
    with pytest.raises(FileTruncated):
        prepare(write(tmp_path, "cut.png", data[:-12]))


def test_a_png_with_damaged_pixel_data_is_corrupt(tmp_path: Path) -> None:
    data = bytearray(encode(scan_like(), "PNG"))
    start = data.index(b"IDAT") + 40
    data[start : start + 200] = bytes(range(200))

    with pytest.raises(FileCorrupt):
        prepare(write(tmp_path, "hong.png", bytes(data)))


def test_a_jpeg_with_a_broken_header_is_corrupt(tmp_path: Path) -> None:
    data = bytearray(encode(scan_like(), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 9] = 9  # nine colour components: no such JPEG

    with pytest.raises(FileCorrupt):
        prepare(write(tmp_path, "hong.jpg", bytes(data)))


# --- nothing is written; all or nothing ------------------------------------------------------


def test_prepare_writes_nothing(tmp_path: Path) -> None:
    paths = [
        write(tmp_path, "a.pdf", pymupdf_pdf(2)),
        write(tmp_path, "b.jpg", encode(scan_like(), "JPEG")),
        write(tmp_path, "c.tif", tiff([scan_like(seed=i) for i in range(3)])),
        write(tmp_path, "d.png", encode(scan_like(), "PNG")),
    ]
    before = snapshot(tmp_path)

    prepared = prepare_all(paths)

    assert snapshot(tmp_path) == before
    assert [p.pages for p in prepared] == [2, 1, 3, 1]
    assert [p.data for p in prepared] == [p.read_bytes() for p in paths]


def test_prepare_all_refuses_the_batch_when_one_file_is_bad(tmp_path: Path) -> None:
    good = write(tmp_path, "a.pdf", pymupdf_pdf(2))
    bad = write(tmp_path, "b.pdf", b"")

    with pytest.raises(FileEmpty) as caught:
        prepare_all([good, bad, good])

    assert caught.value.path == str(bad)
    assert prepare_all([]) == []


def test_repr_does_not_dump_the_bytes(tmp_path: Path) -> None:
    prepared = prepare(write(tmp_path, "a.png", encode(scan_like(), "PNG")))
    assert len(repr(prepared)) < 600


# --- preview and page count ------------------------------------------------------------------


def png_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "PNG"
        return img.size


def test_render_a_pdf_page(tmp_path: Path) -> None:
    data = pymupdf_pdf(3)
    assert intake.page_count(data) == 3
    width, height = png_size(intake.render_page_png(data, 2, 300))
    assert width == 300
    assert height in (424, 425)  # A4 portrait; MuPDF rounds the pixel box up


def test_render_image_pages_at_their_page_proportions() -> None:
    frames = [scan_like((400, 560)), scan_like((560, 400))]
    data = tiff(frames, compression="tiff_lzw", dpi=(200, 200))
    assert png_size(intake.render_page_png(data, 0, 200)) == (200, 280)
    assert png_size(intake.render_page_png(data, 1, 200)) == (200, 143)

    fax = tiff([scan_like((400, 200), mode="1")], dpi=(200, 100))  # "fax normal" resolution
    assert png_size(intake.render_page_png(fax, 0, 200)) == (200, 200)


def test_render_a_jpeg_preview_small(tmp_path: Path) -> None:
    data = encode(scan_like((1600, 2240)), "JPEG")
    assert png_size(intake.render_page_png(data, 0, 160)) == (160, 224)


def test_render_and_count_refuse_what_they_cannot_show() -> None:
    with pytest.raises(IndexError):
        intake.render_page_png(pymupdf_pdf(1), 1, 100)
    with pytest.raises(ValueError):
        intake.render_page_png(pymupdf_pdf(1), 0, 0)
    with pytest.raises(FileUnsupported) as caught:
        intake.page_count(docx_bytes(), name="bien-ban.docx")
    assert (caught.value.path, caught.value.detected) == ("bien-ban.docx", "DOCX")
    locked = pymupdf_pdf(1, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="mat")
    with pytest.raises(FileEncrypted):
        intake.render_page_png(locked, 0, 100)
