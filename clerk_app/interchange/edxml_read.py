"""Reads edXML messages (document packages and status messages) from bytes into values,
refusing hostile, malformed or incomplete ones with typed errors. Elements are matched by local
name, so the edXML: prefix, the default namespace and senders' stray namespaces all read alike.
No code tables and no storage here: what the codes mean is decided by the caller."""

from __future__ import annotations

import unicodedata
from xml.etree.ElementTree import Element

from clerk_app import errors
from clerk_app.interchange import attachments
from clerk_app.interchange.edxml_schema import (
    bare_content_id,
    missing_elements,
    parse_date,
    parse_due,
    parse_timestamp,
)
from clerk_app.interchange.safexml import DEFAULT_LIMITS, XmlLimits, parse
from clerk_app.interchange.values import (
    BUSINESS_CODES,
    Attachment,
    Business,
    BusinessKind,
    ExchangedDocument,
    Organ,
    Replacement,
    ResponseRef,
    Signer,
    StaffInfo,
    StatusMessage,
    Trace,
)

_KIND_OF_CODE: dict[str, BusinessKind] = {code: kind for kind, code in BUSINESS_CODES.items()}


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(el: Element | None, name: str) -> Element | None:
    if el is None:
        return None
    return next((c for c in el if _local(c.tag) == name), None)


def _children(el: Element | None, name: str) -> list[Element]:
    return [] if el is None else [c for c in el if _local(c.tag) == name]


def _own_text(el: Element | None) -> str:
    if el is None:
        return ""
    return unicodedata.normalize("NFC", "".join(el.itertext())).strip()


def _text(el: Element | None, *path: str) -> str:
    for name in path:
        el = _child(el, name)
    return _own_text(el)


def _int(el: Element | None, name: str, element: str) -> int | None:
    raw = _text(el, name)
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise errors.EdxmlBadValue(element, raw, "một số nguyên") from None
    if value < 0:
        raise errors.EdxmlBadValue(element, raw, "một số không âm")
    return value


def _flag(el: Element | None, name: str, element: str) -> bool | None:
    raw = _text(el, name).lower()
    if not raw:
        return None
    if raw in ("1", "true"):
        return True
    if raw in ("0", "false"):
        return False
    raise errors.EdxmlBadValue(element, raw, "0 hoặc 1")


def _organ(el: Element | None) -> Organ:
    return Organ(
        organ_id=_text(el, "OrganId"),
        name=_text(el, "OrganName"),
        in_charge=_text(el, "OrganizationInCharge"),
        address=_text(el, "OrganAdd"),
        email=_text(el, "Email"),
        telephone=_text(el, "Telephone"),
        fax=_text(el, "Fax"),
        website=_text(el, "Website"),
    )


def _response(el: Element, where: str) -> ResponseRef:
    return ResponseRef(
        organ_id=_text(el, "OrganId"),
        code=_text(el, "Code"),
        promulgated_on=parse_date(_text(el, "PromulgationDate"), f"{where}/PromulgationDate"),
        document_id=_text(el, "DocumentId"),
    )


def _staff(el: Element | None) -> StaffInfo | None:
    if el is None:
        return None
    return StaffInfo(
        department=_text(el, "Department"),
        staff=_text(el, "Staff"),
        mobile=_text(el, "Mobile"),
        email=_text(el, "Email"),
    )


# --- where things are ---------------------------------------------------------------------


def _envelope(root: Element) -> Element | None:
    if _local(root.tag) == "edXMLEnvelope":
        return root
    return _child(root, "edXMLEnvelope")


def _status_element(root: Element) -> Element | None:
    """Status sits in edXMLEnvelope/edXMLHeader, or in a SOAP Envelope/Header (older senders)."""
    envelope = _envelope(root)
    if envelope is not None:
        return _child(_child(envelope, "edXMLHeader"), "Status")
    if _local(root.tag) == "Envelope":
        return _child(_child(root, "Header"), "Status")
    return None


def _encoded(root: Element, envelope: Element) -> list[Element]:
    """Attachment elements: AttachmentEncoded follows the envelope, or sits inside it."""
    holders: list[Element] = []
    for holder in (root, envelope, _child(envelope, "edXMLBody")):
        if holder is not None and all(holder is not h for h in holders):
            holders.append(holder)
    return [
        attachment
        for holder in holders
        for block in _children(holder, "AttachmentEncoded")
        for attachment in _children(block, "Attachment")
    ]


def _digests(envelope: Element) -> dict[str, attachments.Digest]:
    """Digests the sender's XML signature gives for attachments (Reference URI="cid:…")."""
    found: dict[str, attachments.Digest] = {}
    for ref in envelope.iter():
        if _local(ref.tag) != "Reference":
            continue
        uri = ref.get("URI", "")
        if not uri.lower().startswith("cid:"):
            continue
        method = _child(ref, "DigestMethod")
        value = _text(ref, "DigestValue")
        if method is not None and value:
            found[bare_content_id(uri)] = attachments.Digest(method.get("Algorithm", ""), value)
    return found


# --- document packages ----------------------------------------------------------------------


def _business(trace_list: Element | None) -> Business:
    # The standard spells it Bussiness; some senders correct it.
    el = _child(trace_list, "Bussiness")
    if el is None:
        el = _child(trace_list, "Business")
    if el is None:
        return Business()
    code = _text(el, "BussinessDocType") or _text(el, "BusinessDocType") or "0"
    kind = _KIND_OF_CODE.get(code)
    if kind is None:
        raise errors.EdxmlBadValue(
            "TraceHeaderList/Bussiness/BussinessDocType", code, "0, 1, 2 hoặc 3"
        )
    replacements = tuple(
        Replacement(
            document_id=_text(info, "DocumentId"),
            organ_ids=tuple(
                _own_text(o) for o in _children(_child(info, "OrganIdList"), "OrganId")
            ),
        )
        for info in _children(_child(el, "ReplacementInfoList"), "ReplacementInfo")
    )
    return Business(
        kind=kind,
        reason=_text(el, "BussinessDocReason") or _text(el, "BusinessDocReason"),
        document_id=_text(el, "DocumentId"),
        staff=_staff(_child(el, "StaffInfo")),
        paper=_flag(el, "Paper", "TraceHeaderList/Bussiness/Paper"),
        replacements=replacements,
    )


def _attachments(root: Element, envelope: Element) -> tuple[Attachment, ...]:
    manifest = _child(_child(envelope, "edXMLBody"), "edXMLManifest")
    references = _children(manifest, "Reference")
    encoded = {bare_content_id(_text(a, "ContentId")): a for a in _encoded(root, envelope)}
    digests = _digests(envelope)
    result: list[Attachment] = []
    used: set[str] = set()
    for ref in references:
        cid = bare_content_id(
            _text(ref, "ContentId") or ref.get("{http://www.w3.org/1999/xlink}href", "")
        )
        name = _text(ref, "AttachmentName") or cid
        carrier = encoded.get(cid)
        if carrier is None:
            raise errors.EdxmlAttachmentDamaged(name, "missing")
        used.add(cid)
        result.append(
            _attachment(
                cid,
                name,
                _text(ref, "ContentType") or _text(carrier, "ContentType"),
                _text(ref, "Description") or _text(carrier, "Description"),
                carrier,
                digests,
            )
        )
    for cid, carrier in encoded.items():
        if cid not in used:  # sent without a manifest entry: still part of what was sent
            name = _text(carrier, "AttachmentName") or cid
            result.append(
                _attachment(
                    cid,
                    name,
                    _text(carrier, "ContentType"),
                    _text(carrier, "Description"),
                    carrier,
                    digests,
                )
            )
    return tuple(result)


def _attachment(
    cid: str,
    name: str,
    content_type: str,
    description: str,
    carrier: Element,
    digests: dict[str, attachments.Digest],
) -> Attachment:
    body = _child(carrier, "ContentTransferEncoded")
    decoded = attachments.decode(
        "" if body is None else "".join(body.itertext()), name, digests.get(cid)
    )
    return Attachment(
        name=name,
        content_type=content_type or "application/octet-stream",
        content_id=cid,
        description=description,
        data=decoded.data,
        zipped=decoded.zipped,
    )


def _document(root: Element, envelope: Element, data: bytes) -> ExchangedDocument:
    header = _child(envelope, "edXMLHeader")
    msg = _child(header, "MessageHeader")
    if msg is None:
        raise errors.EdxmlElementMissing("edXMLHeader/MessageHeader")
    other = _child(msg, "OtherInfo")
    trace_list = _child(header, "TraceHeaderList")
    due_on, due_time = parse_due(_text(msg, "DueDate"), "MessageHeader/DueDate")
    doc = ExchangedDocument(
        document_id=_text(msg, "DocumentId"),
        sender=_organ(_child(msg, "From")),
        recipients=tuple(_organ(el) for el in _children(msg, "To")),
        number=_text(msg, "Code", "CodeNumber"),
        notation=_text(msg, "Code", "CodeNotation"),
        place=_text(msg, "PromulgationInfo", "Place"),
        promulgated_on=parse_date(
            _text(msg, "PromulgationInfo", "PromulgationDate"),
            "MessageHeader/PromulgationInfo/PromulgationDate",
        ),
        type_code=_text(msg, "DocumentType", "Type"),
        type_detail=_text(msg, "DocumentType", "TypeDetail"),
        type_name=_text(msg, "DocumentType", "TypeName"),
        subject=_text(msg, "Subject"),
        content=_text(msg, "Content"),
        signer=Signer(
            full_name=_text(msg, "SignerInfo", "FullName"),
            position=_text(msg, "SignerInfo", "Position"),
            competence=_text(msg, "SignerInfo", "Competence"),
        ),
        due_on=due_on,
        due_time=due_time,
        to_places=tuple(_own_text(p) for p in _children(_child(msg, "ToPlaces"), "Place")),
        priority=_text(other, "Priority") or "0",
        sphere=_text(other, "SphereOfPromulgation"),
        typer_notation=_text(other, "TyperNotation"),
        copies=_int(other, "PromulgationAmount", "OtherInfo/PromulgationAmount"),
        pages=_int(other, "PageAmount", "OtherInfo/PageAmount"),
        appendixes=tuple(
            t
            for t in (_own_text(a) for a in _children(_child(other, "Appendixes"), "Appendix"))
            if t
        ),
        responds_to=tuple(
            _response(el, "MessageHeader/ResponseFor") for el in _children(msg, "ResponseFor")
        ),
        steering_type=_text(msg, "SteeringType"),
        traces=tuple(
            Trace(
                organ_id=_text(t, "OrganId"),
                at=parse_timestamp(_text(t, "Timestamp"), "TraceHeaderList/TraceHeader/Timestamp"),
            )
            for t in _children(trace_list, "TraceHeader")
        ),
        business=_business(trace_list),
        attachments=_attachments(root, envelope),
        raw=data,
    )
    missing = missing_elements(doc)
    if missing:
        raise errors.EdxmlElementMissing(missing[0])
    return doc


# --- status messages ------------------------------------------------------------------------


def _status(el: Element, data: bytes) -> StatusMessage:
    response = _child(el, "ResponseFor")
    if response is None:
        raise errors.EdxmlElementMissing("Status/ResponseFor")
    status = StatusMessage(
        responds_to=_response(response, "Status/ResponseFor"),
        sender=_organ(_child(el, "From")),
        code=_text(el, "StatusCode"),
        at=parse_timestamp(_text(el, "Timestamp"), "Status/Timestamp"),
        description=_text(el, "Description"),
        staff=_staff(_child(el, "StaffInfo")) or StaffInfo(),
        raw=data,
    )
    for element, value in (
        ("Status/ResponseFor/DocumentId", status.responds_to.document_id),
        ("Status/From/OrganId", status.sender.organ_id),
        ("Status/StatusCode", status.code),
    ):
        if not value:
            raise errors.EdxmlElementMissing(element)
    return status


# --- entry points ---------------------------------------------------------------------------


def read_message(
    data: bytes, limits: XmlLimits = DEFAULT_LIMITS
) -> ExchangedDocument | StatusMessage:
    """Whichever kind of message `data` is, read and checked; the raw bytes are kept in it."""
    root = parse(data, limits)
    status = _status_element(root)
    if status is not None:
        return _status(status, data)
    envelope = _envelope(root)
    if envelope is None:
        raise errors.EdxmlNotAMessage(_local(root.tag) or str(root.tag))
    return _document(root, envelope, data)


def read_document(data: bytes, limits: XmlLimits = DEFAULT_LIMITS) -> ExchangedDocument:
    message = read_message(data, limits)
    if not isinstance(message, ExchangedDocument):
        raise errors.EdxmlNotAMessage("Status")
    return message


def read_status(data: bytes, limits: XmlLimits = DEFAULT_LIMITS) -> StatusMessage:
    message = read_message(data, limits)
    if not isinstance(message, StatusMessage):
        raise errors.EdxmlNotAMessage("edXMLEnvelope")
    return message


def read_identity(data: bytes, limits: XmlLimits = DEFAULT_LIMITS) -> ResponseRef | None:
    """Who sent a package that cannot be read whole, and which document it is, when its header
    still says so: enough to tell the sender it was refused. None when even that is missing."""
    try:
        root = parse(data, limits)
        msg = _child(_child(_envelope(root), "edXMLHeader"), "MessageHeader")
        if msg is None:
            return None
        organ_id = _text(msg, "From", "OrganId")
        document_id = _text(msg, "DocumentId")
        if not (organ_id and document_id):
            return None
        code = "/".join(
            p for p in (_text(msg, "Code", "CodeNumber"), _text(msg, "Code", "CodeNotation")) if p
        )
        try:
            day = parse_date(_text(msg, "PromulgationInfo", "PromulgationDate"), "PromulgationDate")
        except errors.EdxmlProblem:
            day = None
        return ResponseRef(organ_id, code, day, document_id)
    except errors.EdxmlProblem:
        return None
