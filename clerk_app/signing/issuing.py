"""Marks made from the record on an outgoing document: number and date, then «Phát hành».

The reference and the date come from the register, never from the caller, and the file is
the document's own (its registered draft); each step checks the life cycle first
(clerk_app.lifecycle), so nothing is signed before the number and date are on the file and
nothing is issued twice. Issuing uses one token session: one PIN for the number and date (as
signature appearances on a leader-signed draft) and the agency signature.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from clerk_app import errors, lifecycle
from clerk_app.clock import VIETNAM
from clerk_app.records import Change, DocumentDetail, FileInfo
from clerk_app.signing.desk import SigningSettings, newest_pdf, seal_image
from clerk_app.signing.identity import AgencyCertificate, CertificateOverride
from clerk_app.workspace import Workspace

# The draft the number and date go on: what was registered, as a PDF.
DRAFT_ROLES = ("rendition", "original")
NUMBER_SUFFIX = "so-ngay"
ISSUED_SUFFIX = "phat-hanh"
MARKER_FILL = (1.0, 0.93, 0.55)  # the preview's highlight under the number and date


def facts(ws: Workspace, document_id: str) -> tuple[DocumentDetail, lifecycle.Facts]:
    detail = ws.document(document_id)
    return detail, lifecycle.facts_of(detail)


def draft_of(detail: DocumentDetail) -> FileInfo:
    return newest_pdf(detail, DRAFT_ROLES)


def _reference_and_date(detail: DocumentDetail) -> tuple[str, Any]:
    summary = detail.summary
    if not summary.reference or summary.issued_on is None:
        raise errors.MissingField("reference" if not summary.reference else "issued_on")
    return summary.reference, summary.issued_on


def is_signed(ws: Workspace, source: FileInfo) -> bool:
    from clerk_app.stamping.pdf import open_pdf, signature_count

    with open_pdf(ws.file_bytes(source.sha256), source.filename) as doc:
        return bool(signature_count(doc))


def preview_png(ws: Workspace, document_id: str, zoom: float = 1.0, top: float = 1.0) -> bytes:
    """Page 1 as it will be issued: the issued version once there is one, else the draft with
    the register's number and date drawn where they will stand. `top`: the fraction of the
    page's height shown (the header, where the number and date are)."""
    import pymupdf

    from clerk_app.stamping.appearance import mark_appearance
    from clerk_app.stamping.marks import signed_mark_layout
    from clerk_app.stamping.pdf import open_pdf

    detail = ws.document(document_id)
    done = [f for f in detail.files if f.role == "issued"]
    source = done[-1] if done else draft_of(detail)
    data = ws.file_bytes(source.sha256)
    layouts = []
    if not done:
        reference, issued_on = _reference_and_date(detail)
        layouts = signed_mark_layout(data, reference, issued_on, name=source.filename)
    with open_pdf(data, source.filename) as doc:
        page = doc[0]
        for layout in layouts:
            b = layout.box
            # A light marker under what the desk adds, so the clerk sees which words are new.
            page.draw_rect(
                pymupdf.Rect(b.x0, b.y0, b.x1, b.y1),
                color=None,
                fill=MARKER_FILL,
                fill_opacity=0.6,
                overlay=False,
            )
            with pymupdf.open("pdf", mark_appearance(layout)) as mark:
                page.show_pdf_page(pymupdf.Rect(b.x0, b.y0, b.x1, b.y1), mark, 0)
        rect = page.rect
        clip = pymupdf.Rect(rect.x0, rect.y0, rect.x1, rect.y0 + rect.height * top)
        png = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), clip=clip).tobytes("png")
    return bytes(png)


def write_number(
    ws: Workspace,
    document_id: str,
    pin: str | None = None,
    settings: SigningSettings | None = None,
    at: datetime | None = None,
) -> Change:
    """Number and date from the register on the draft, as a new version (role `numbered`).

    An unsigned draft gets them in its content; a leader-signed one as signature appearances
    made with the agency's token, which needs `pin` and `settings`.
    """
    detail, known = facts(ws, document_id)
    lifecycle.require(known, lifecycle.WRITE_NUMBER)
    source = draft_of(detail)
    reference, issued_on = _reference_and_date(detail)
    if not is_signed(ws, source):
        from clerk_app.stamping.marks import write_number_and_date

        data = ws.file_bytes(source.sha256)
        out = write_number_and_date(data, reference, issued_on, name=source.filename)
        return _store(ws, document_id, source, out, "numbered", NUMBER_SUFFIX, {"how": "content"})
    if pin is None or settings is None:
        raise errors.MissingField("CLERK_PIN")
    from clerk_app.signing.sign import add_number_and_date

    def sign(data: bytes, signer: Any, moment: datetime, roots: list[bytes]) -> bytes:
        return add_number_and_date(
            data, signer, reference, issued_on, moment, trust_roots=roots, name=source.filename
        )

    made, details = _with_token(ws, source, pin, settings, at, [sign])
    details |= {"how": "signature_appearances"}
    return _store(ws, document_id, source, made[0], "numbered", NUMBER_SUFFIX, details)


def issue(
    ws: Workspace,
    document_id: str,
    pin: str,
    settings: SigningSettings,
    at: datetime | None = None,
    *,
    override: CertificateOverride | None = None,
) -> Change:
    """«Phát hành»: what is left of number and date → agency signature, with one PIN, then the
    result stored as the document's issued version (role `issued`)."""
    detail, known = facts(ws, document_id)
    state = lifecycle.require(known, lifecycle.ISSUE)
    if state == lifecycle.SIGNED:
        # Sealed already (clerk sign): the sealed version is what goes out, as it is.
        signed = newest_pdf(detail, ("signed",))
        data = ws.file_bytes(signed.sha256)
        return _store(ws, document_id, signed, data, "issued", ISSUED_SUFFIX, {"sealed": "before"})
    reference, issued_on = _reference_and_date(detail)
    seal = seal_image(settings)
    agency_name = ws.agency().name
    if state == lifecycle.NUMBERED and not is_signed(ws, draft_of(detail)):
        # The agency seals only over the competent signer's signature (NĐ 30 art. 32): an
        # unsigned draft is refused before anything is written on it.
        raise errors.SignerSignatureMissing()
    from clerk_app.signing.sign import add_number_and_date, sign_as_agency

    source = draft_of(detail) if state == lifecycle.NUMBERED else newest_pdf(detail, ("numbered",))

    def number(data: bytes, signer: Any, moment: datetime, roots: list[bytes]) -> bytes:
        return add_number_and_date(
            data, signer, reference, issued_on, moment, trust_roots=roots, name=source.filename
        )

    def seal_it(data: bytes, signer: Any, moment: datetime, roots: list[bytes]) -> bytes:
        return sign_as_agency(
            data,
            signer,
            seal,
            moment,
            trust_roots=roots,
            timestamp_url=settings.timestamp_url,
            agency_name=agency_name,
            name=source.filename,
        )

    numbering = state == lifecycle.NUMBERED
    steps = [number, seal_it] if numbering else [seal_it]
    made, details = _with_token(ws, source, pin, settings, at, steps, override)
    parent = source
    if numbering:
        _store(ws, document_id, source, made[0], "numbered", NUMBER_SUFFIX, dict(details))
        parent = newest_pdf(ws.document(document_id), ("numbered",))
    details |= {"signature": "agency"}
    return _store(ws, document_id, parent, made[-1], "issued", ISSUED_SUFFIX, details)


def _with_token(
    ws: Workspace,
    source: FileInfo,
    pin: str,
    settings: SigningSettings,
    at: datetime | None,
    steps: Sequence[Callable[[bytes, Any, datetime, list[bytes]], bytes]],
    override: CertificateOverride | None = None,
) -> tuple[list[bytes], dict[str, Any]]:
    """Every step over the previous one's bytes in one token session (one PIN), each result
    kept; the certificate is the desk's agency's, checked before the PIN is sent."""
    from clerk_app.signing.identity import check_agency_certificate
    from clerk_app.signing.token import CertificateInfo, token_signer
    from clerk_app.signing.verify import load_trust_roots

    moment = (at or datetime.now(VIETNAM)).astimezone(VIETNAM).replace(microsecond=0)
    roots = load_trust_roots([Path(p) for p in settings.trust_dirs])
    agency = ws.agency().name
    checked: list[AgencyCertificate] = []

    def vet(cert: CertificateInfo) -> None:
        checked.append(check_agency_certificate(cert.der, agency, override))

    data = ws.file_bytes(source.sha256)
    made: list[bytes] = []
    with token_signer(settings.choice, pin, moment, trust_roots=roots, vet=vet) as signer:
        for step in steps:
            data = step(data, signer, moment, roots)
            made.append(data)
    details: dict[str, Any] = {"signed_at": moment.isoformat()}
    details |= checked[0].record(agency) if checked else {}
    return made, details


def _store(
    ws: Workspace,
    document_id: str,
    parent: FileInfo,
    data: bytes,
    role: str,
    suffix: str,
    details: dict[str, Any],
) -> Change:
    stem = Path(parent.filename).stem
    for old in (NUMBER_SUFFIX, ISSUED_SUFFIX, "ky-so-co-quan"):
        stem = stem.removesuffix(f"-{old}")
    return ws.add_derived_file(
        document_id,
        parent.id,
        data,
        role=role,
        filename=f"{stem}-{suffix}.pdf",
        details={k: str(v) for k, v in details.items()},
    )
