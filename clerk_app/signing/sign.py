"""Signs PDFs incrementally with an appearance (agency seal, number, date, attachment text); returns bytes.

Nothing is written to disk here: the caller stores the bytes only after this module has
re-validated every signature in them, so a failure leaves no half-written file.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pymupdf
from pkcs11 import exceptions as p11
from pyhanko.pdf_utils import content
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import (
    AxisAlignment,
    BoxConstraints,
    InnerScaling,
    Margins,
    SimpleBoxLayoutRule,
)
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError
from pyhanko.sign.validation.pdf_embedded import read_certification_data
from pyhanko.stamp import StaticStampStyle

from clerk_app import errors
from clerk_app.clock import to_vietnam
from clerk_app.files.mupdf import exclusive
from clerk_app.signing.identity import refuse_second_seal
from clerk_app.signing.token import token_error
from clerk_app.signing.verify import (
    ACCEPTABLE_LEVELS,
    check_signatures,
    require_signer_signature,
)
from clerk_app.stamping import appearance
from clerk_app.stamping.arrival import Box
from clerk_app.stamping.marks import signed_mark_layout
from clerk_app.stamping.pdf import MM, SIGNATURE_WIDGET, open_pdf
from clerk_app.vocabulary import COPY_FORMS, SAO_Y

SEAL_WIDTH_MM = 40.0  # when the seal image carries no DPI
ATTACHMENT_FONT_SIZE = 10.0  # appendix I: Times New Roman 10 pt (Tinos has its metrics)
_MARGIN_MM = 10.0
_TOP_MM = 5.0  # clear of the national motto a letter prints below it
_TEXT_WIDTH_MM = 90.0  # a longer line (an agency's name) goes on two


@dataclass(frozen=True)
class Appearance:
    """What a signature shows and where: a one-page PDF drawn for `box` on `page` (0-based)."""

    page: int
    box: Box
    pdf: bytes


@exclusive
def sign_pdf(
    data: bytes,
    signer: Any,
    field_name: str,
    at: datetime,
    look: Appearance | None = None,
    *,
    timestamp_url: str = "",
    name: str = "",
) -> bytes:
    """One incremental PAdES signature (B-B, or B-T with a timestamp server) in a new field."""

    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    except (PdfReadError, ValueError, KeyError) as exc:
        raise errors.FileCorrupt(name, str(exc)) from exc
    if writer.prev.encrypted:
        raise errors.FileEncrypted(name)
    certification = read_certification_data(writer.prev)
    if certification is not None and certification.permission == fields.MDPPerm.NO_CHANGES:
        author = certification.author_sig.get("/Name", "")
        raise errors.ChangesNotPermitted(str(author), "certified_no_changes")

    box = None
    style = None
    if look is not None:
        box = _pdf_box(data, look.page, look.box, name)
        style = StaticStampStyle(
            background=PdfBytesPage(look.pdf),
            border_width=0,
            background_opacity=1.0,
            background_layout=SimpleBoxLayoutRule(
                x_align=AxisAlignment.ALIGN_MID,
                y_align=AxisAlignment.ALIGN_MID,
                margins=Margins(),
                inner_content_scaling=InnerScaling.SHRINK_TO_FIT,
            ),
        )
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
    )
    # pyHanko annotates the box as ints but writes floats; rounding would shift the seal.
    spec = fields.SigFieldSpec(
        sig_field_name=field_name,
        on_page=look.page if look else 0,
        box=box,  # type: ignore[arg-type]
    )
    timestamper = None
    if timestamp_url:
        timestamper = HTTPTimeStamper(timestamp_url)
    pdf_signer = TimedPdfSigner(
        meta, signer, at, timestamper=timestamper, stamp_style=style, new_field_spec=spec
    )
    try:
        out = pdf_signer.sign_pdf(writer, output=io.BytesIO())
    except Exception as exc:
        raise _signing_error(exc, timestamp_url) from exc
    return bytes(out.getvalue())


def _signing_error(exc: BaseException, timestamp_url: str = "") -> errors.ClerkError:
    """The typed error behind whatever pyHanko wrapped a token, timestamp or PDF failure in."""

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, errors.ClerkError):
            return seen
        if isinstance(seen, p11.PKCS11Error):
            return token_error(seen, "")
        if isinstance(seen, TimestampRequestError):
            cause = seen.__cause__
            return errors.TimestampServerFailed(
                timestamp_url, f"{type(cause).__name__}" if cause else str(seen)
            )
        seen = seen.__cause__ or seen.__context__
    return errors.SigningFailed(f"{type(exc).__name__}: {exc}")


def _pdf_box(data: bytes, page_no: int, box: Box, name: str) -> tuple[float, float, float, float]:
    """The box in PDF user space (origin bottom left), as a signature field's /Rect needs."""
    with open_pdf(data, name) as doc:
        page = doc[page_no]
        rect = pymupdf.Rect(box.x0, box.y0, box.x1, box.y1) * page.transformation_matrix
        rect.normalize()
    return (rect.x0, rect.y0, rect.x1, rect.y1)


class PdfBytesPage(content.PdfContent):
    """pyHanko content from a one-page PDF held in memory (pyHanko's own reads only files)."""

    def __init__(self, pdf: bytes) -> None:
        super().__init__()
        self._pdf = pdf

    def render(self) -> bytes:
        writer = self._ensure_writer
        xobj = writer.import_page_as_xobject(PdfFileReader(io.BytesIO(self._pdf)), page_ix=0)
        self.resources.xobject["/Look"] = xobj
        x1, y1, x2, y2 = xobj.get_object()["/BBox"]
        self.box = BoxConstraints(width=abs(x1 - x2), height=abs(y1 - y2))
        return b"/Look Do"


class TimedPdfSigner(signers.PdfSigner):
    """Signs with the time already printed in the appearance, not a moment later."""

    def __init__(self, meta: Any, signer: Any, at: datetime, **kwargs: Any) -> None:
        super().__init__(meta, signer, **kwargs)
        self._at = at

    def init_signing_session(self, pdf_out: Any, existing_fields_only: bool = False) -> Any:
        session = super().init_signing_session(pdf_out, existing_fields_only)
        session.system_time = self._at
        return session


def _field_name(data: bytes, base: str) -> str:
    """`base`, or `base_2`, … when the document has that field already."""
    with open_pdf(data) as doc:
        names = {
            w.field_name
            for page_no in range(doc.page_count)
            for w in doc[page_no].widgets(types=[SIGNATURE_WIDGET])
        }
    if base not in names:
        return base
    n = 2
    while f"{base}_{n}" in names:
        n += 1
    return f"{base}_{n}"


def check_result(data: bytes, trust_roots: Sequence[bytes], name: str = "") -> None:
    """Every signature in what we made is intact, valid and changed at most by form filling."""
    for check in check_signatures(data, trust_roots, name=name):
        if not (check.intact and check.valid) or check.modification_level not in ACCEPTABLE_LEVELS:
            raise errors.SigningFailed(
                f"kiểm tra sau khi ký không đạt ở chữ ký «{check.field}» "
                f"({check.modification_level})"
            )


# --- the agency's use cases ----------------------------------------------------------------


@exclusive
def sign_as_agency(
    data: bytes,
    signer: Any,
    seal_png: bytes | None,
    at: datetime,
    *,
    trust_roots: Sequence[bytes] = (),
    seal_width_mm: float = SEAL_WIDTH_MM,
    timestamp_url: str = "",
    agency_name: str = "",
    name: str = "",
) -> bytes:
    """The agency signature on a main document: the red seal over the left third of the signer's.

    Refuses unless the signer's signature is there and sound (NĐ 30 art. 32), and trusted when
    the desk has a trust store; refuses a file the agency already sealed (AgencySealPresent).
    """
    if not seal_png:
        raise errors.SealImageMissing()
    checks = check_signatures(data, trust_roots, name=name)
    leader = require_signer_signature(checks, require_trusted=bool(trust_roots))
    refuse_second_seal(checks, _certificate_of(signer), agency_name)
    width_mm, height_mm = appearance.image_size_mm(seal_png, seal_width_mm)
    width, height = width_mm * MM, height_mm * MM
    with open_pdf(data, name) as doc:
        if leader.box is None or leader.page is None:
            page_no, page_rect = 0, doc[0].rect
            anchor = Box(
                page_rect.width / 2, page_rect.height / 2, page_rect.width / 2, page_rect.height / 2
            )
        else:
            page_no, page_rect, anchor = leader.page, doc[leader.page].rect, leader.box
    # Appendix I: the seal covers about the left third of the signature image.
    right = anchor.x0 + anchor.width / 3
    centre_y = (anchor.y0 + anchor.y1) / 2
    x0 = max(right - width, 0.0)
    y0 = min(max(centre_y - height / 2, 0.0), page_rect.height - height)
    box = Box(x0, y0, x0 + width, y0 + height)
    look = Appearance(page_no, box, appearance.image_appearance(seal_png, width, height))
    out = sign_pdf(
        data,
        signer,
        _field_name(data, "ChuKyCoQuan"),
        at,
        look,
        timestamp_url=timestamp_url,
        name=name,
    )
    check_result(out, trust_roots, name)
    return out


def signing_time(at: datetime) -> str:
    """Appendix I's signing time: ISO 8601 in Vietnam time, `2026-11-26T09:15:02+07:00`."""
    return to_vietnam(at).replace(microsecond=0).isoformat()


def attachment_text(reference: str, at: datetime) -> list[str]:
    """Appendix I: the parent document's reference and the signing time, ISO 8601, +07:00."""
    return [reference.strip(), signing_time(at)]


def copy_text(copy_form: str, agency_name: str, at: datetime) -> list[str]:
    """Appendix I for an electronic copy: hình thức sao, tên cơ quan sao, thời gian ký."""
    if copy_form not in COPY_FORMS:
        raise errors.InvalidValue("copy_form", copy_form, ", ".join(COPY_FORMS))
    agency = " ".join(agency_name.split())
    if not agency:
        raise errors.MissingField("agency_name")
    return [copy_form, agency, signing_time(at)]


def _certificate_of(signer: Any) -> bytes:
    return bytes(signer.signing_cert.dump())


def _wrapped(lines: list[str], width: float, size: float) -> list[str]:
    """Lines no wider than `width` points (a long agency name goes on two lines)."""
    out: list[str] = []
    for line in lines:
        current = ""
        for word in line.split(" "):
            candidate = f"{current} {word}".strip()
            if current and appearance.text_lines_width([candidate], size) > width:
                out.append(current)
                current = word
            else:
                current = candidate
        out.append(current)
    return out


def _top_right_text(
    data: bytes,
    signer: Any,
    lines: list[str],
    field: str,
    at: datetime,
    *,
    trust_roots: Sequence[bytes],
    timestamp_url: str,
    agency_name: str,
    name: str,
) -> bytes:
    """NĐ 30 appendix I: an agency signature without image whose text stands at the top right
    of page 1 in Tinos (Times New Roman metrics), upright, 10 pt, black; once per file."""
    checks = check_signatures(data, trust_roots, name=name)
    refuse_second_seal(checks, _certificate_of(signer), agency_name)
    lines = _wrapped(lines, _TEXT_WIDTH_MM * MM, ATTACHMENT_FONT_SIZE)
    width, height = appearance.text_box(lines, ATTACHMENT_FONT_SIZE)
    pdf = appearance.text_appearance(lines, width, ATTACHMENT_FONT_SIZE)
    with open_pdf(data, name) as doc:
        page_width = doc[0].rect.width
    x1 = round(page_width - _MARGIN_MM * MM)
    y0 = round(_TOP_MM * MM)
    look = Appearance(0, Box(x1 - width, y0, x1, y0 + height), pdf)
    out = sign_pdf(
        data,
        signer,
        _field_name(data, field),
        at,
        look,
        timestamp_url=timestamp_url,
        name=name,
    )
    check_result(out, trust_roots, name)
    return out


@exclusive
def sign_attachment(
    data: bytes,
    signer: Any,
    reference: str,
    at: datetime,
    *,
    trust_roots: Sequence[bytes] = (),
    timestamp_url: str = "",
    agency_name: str = "",
    name: str = "",
) -> bytes:
    """The agency signature on a separate attachment: its parent's reference and the time."""
    return _top_right_text(
        data,
        signer,
        attachment_text(reference, at),
        "ChuKyCoQuanPhuLuc",
        at,
        trust_roots=trust_roots,
        timestamp_url=timestamp_url,
        agency_name=agency_name,
        name=name,
    )


@exclusive
def sign_scan_copy(
    data: bytes,
    signer: Any,
    at: datetime,
    *,
    agency_name: str,
    copy_form: str = SAO_Y,
    trust_roots: Sequence[bytes] = (),
    timestamp_url: str = "",
    name: str = "",
) -> bytes:
    """The agency's signature on an electronic copy of a paper document it holds: NĐ 30 art.
    25 makes a scan signed by the agency a «sao y» (TN&MT art. 8.1.a: it vouches that the scan
    matches the paper). Its visible mark (appendix I) says the copy form, the copying agency
    and the signing time, top right of page 1, with no seal image."""
    return _top_right_text(
        data,
        signer,
        copy_text(copy_form, agency_name, at),
        "ChuKyBanSao",
        at,
        trust_roots=trust_roots,
        timestamp_url=timestamp_url,
        agency_name=agency_name,
        name=name,
    )


@exclusive
def add_number_and_date(
    data: bytes,
    signer: Any,
    reference: str,
    issued_on: date,
    at: datetime,
    *,
    trust_roots: Sequence[bytes] = (),
    name: str = "",
) -> bytes:
    """Number and date on a signed PDF, each its own signature appearance (as VGCA's tools do)."""
    checks = check_signatures(data, trust_roots, name=name)
    require_signer_signature(checks, require_trusted=bool(trust_roots))
    out = data
    for layout in signed_mark_layout(data, reference, issued_on, name=name):
        look = Appearance(layout.page, layout.box, appearance.mark_appearance(layout))
        field = "SoVanBan" if layout.kind == "number" else "NgayVanBan"
        out = sign_pdf(out, signer, _field_name(out, field), at, look, name=name)
    check_result(out, trust_roots, name)
    return out
