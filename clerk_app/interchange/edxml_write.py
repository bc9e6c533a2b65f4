"""Writes edXML messages (document packages and status messages) as UTF-8 bytes, in the shape of
the public QCVN 102:2016 samples: an <edXML> root with the edXML: envelope and the base64
attachments after it. Values in, bytes out; no code tables, no files, no clock."""

from __future__ import annotations

import re
from dataclasses import replace

from clerk_app import errors
from clerk_app.interchange.attachments import encode
from clerk_app.interchange.edxml_schema import (
    NS,
    XLINK,
    XSD,
    XSI,
    format_date,
    format_due,
    format_timestamp,
    missing_elements,
)
from clerk_app.interchange.values import (
    BUSINESS_CODES,
    ExchangedDocument,
    Organ,
    ResponseRef,
    StaffInfo,
    StatusMessage,
)

# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})

# Which desk field leaves each required element empty, for the clerk's message.
_FIELD_OF_ELEMENT = {
    "MessageHeader/From/OrganId": "organ_id",
    "MessageHeader/From/OrganName": "agency_name",
    "MessageHeader/To/OrganId": "recipients",
    "MessageHeader/Code/CodeNotation": "reference",
    "MessageHeader/PromulgationInfo/PromulgationDate": "issued_on",
    "MessageHeader/DocumentType/TypeName": "doc_type",
    "MessageHeader/Subject": "subject",
    "MessageHeader/DocumentId": "reference",
    "edXMLBody/edXMLManifest/Reference": "attachments",
}


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text).translate(_ESCAPES)


class _Xml:
    """Appends markup to a list of strings; `p` is the prefix of every element it names."""

    def __init__(self, prefix: str = "edXML:") -> None:
        self.parts: list[str] = ['<?xml version="1.0" encoding="UTF-8"?>\n']
        self.p = prefix

    def open(self, tag: str, attrs: dict[str, str] | None = None, *, bare: bool = False) -> None:
        name = tag if bare else self.p + tag
        extra = "".join(f' {k}="{_clean(v)}"' for k, v in (attrs or {}).items())
        self.parts.append(f"<{name}{extra}>")

    def close(self, tag: str, *, bare: bool = False) -> None:
        self.parts.append(f"</{tag if bare else self.p + tag}>")

    def leaf(self, tag: str, text: str, *, bare: bool = False) -> None:
        name = tag if bare else self.p + tag
        self.parts.append(f"<{name}>{_clean(text)}</{name}>")

    def bytes(self) -> bytes:
        return "".join(self.parts).encode("utf-8")


def _organ(x: _Xml, tag: str, organ: Organ) -> None:
    x.open(tag)
    x.leaf("OrganId", organ.organ_id)
    x.leaf("OrganizationInCharge", organ.in_charge)
    x.leaf("OrganName", organ.name)
    x.leaf("OrganAdd", organ.address)
    x.leaf("Email", organ.email)
    x.leaf("Telephone", organ.telephone)
    x.leaf("Fax", organ.fax)
    x.leaf("Website", organ.website)
    x.close(tag)


def _response(x: _Xml, ref: ResponseRef) -> None:
    x.open("ResponseFor")
    x.leaf("OrganId", ref.organ_id)
    x.leaf("Code", ref.code)
    x.leaf("PromulgationDate", format_date(ref.promulgated_on) if ref.promulgated_on else "")
    x.leaf("DocumentId", ref.document_id)
    x.close("ResponseFor")


def _staff(x: _Xml, staff: StaffInfo) -> None:
    x.open("StaffInfo")
    x.leaf("Department", staff.department)
    x.leaf("Staff", staff.staff)
    x.leaf("Mobile", staff.mobile)
    x.leaf("Email", staff.email)
    x.close("StaffInfo")


def _message_header(x: _Xml, doc: ExchangedDocument) -> None:
    x.open("MessageHeader")
    _organ(x, "From", doc.sender)
    for organ in doc.recipients:
        _organ(x, "To", organ)
    x.open("Code")
    x.leaf("CodeNumber", doc.number)
    x.leaf("CodeNotation", doc.notation)
    x.close("Code")
    x.open("PromulgationInfo")
    x.leaf("Place", doc.place)
    x.leaf("PromulgationDate", format_date(doc.promulgated_on) if doc.promulgated_on else "")
    x.close("PromulgationInfo")
    x.open("DocumentType")
    x.leaf("Type", doc.type_code)
    x.leaf("TypeDetail", doc.type_detail)
    x.leaf("TypeName", doc.type_name)
    x.close("DocumentType")
    x.leaf("Subject", doc.subject)
    if doc.content:
        x.leaf("Content", doc.content)
    x.open("SignerInfo")
    x.leaf("Competence", doc.signer.competence)
    x.leaf("Position", doc.signer.position)
    x.leaf("FullName", doc.signer.full_name)
    x.close("SignerInfo")
    if doc.due_on is not None:
        x.leaf("DueDate", format_due(doc.due_on, doc.due_time))
    if doc.to_places:
        x.open("ToPlaces")
        for place in doc.to_places:
            x.leaf("Place", place)
        x.close("ToPlaces")
    x.open("OtherInfo")
    x.leaf("Priority", doc.priority)
    if doc.sphere:
        x.leaf("SphereOfPromulgation", doc.sphere)
    if doc.typer_notation:
        x.leaf("TyperNotation", doc.typer_notation)
    if doc.copies is not None:
        x.leaf("PromulgationAmount", str(doc.copies))
    if doc.pages is not None:
        x.leaf("PageAmount", str(doc.pages))
    if doc.appendixes:
        x.open("Appendixes")
        for appendix in doc.appendixes:
            x.leaf("Appendix", appendix)
        x.close("Appendixes")
    x.close("OtherInfo")
    for ref in doc.responds_to:
        _response(x, ref)
    if doc.steering_type:
        x.leaf("SteeringType", doc.steering_type)
    x.leaf("DocumentId", doc.document_id)
    x.close("MessageHeader")


def _trace_header_list(x: _Xml, doc: ExchangedDocument) -> None:
    x.open("TraceHeaderList")
    for trace in doc.traces:
        x.open("TraceHeader")
        x.leaf("OrganId", trace.organ_id)
        x.leaf("Timestamp", format_timestamp(trace.at))
        x.close("TraceHeader")
    b = doc.business
    x.open("Bussiness")  # sic: the standard spells it so
    x.leaf("BussinessDocType", BUSINESS_CODES[b.kind])
    x.leaf("BussinessDocReason", b.reason)
    if b.document_id:
        x.leaf("DocumentId", b.document_id)
    if b.staff is not None:
        _staff(x, b.staff)
    if b.paper is not None:
        x.leaf("Paper", "1" if b.paper else "0")
    if b.replacements:
        x.open("ReplacementInfoList")
        for r in b.replacements:
            x.open("ReplacementInfo")
            x.leaf("DocumentId", r.document_id)
            x.open("OrganIdList")
            for organ_id in r.organ_ids:
                x.leaf("OrganId", organ_id)
            x.close("OrganIdList")
            x.close("ReplacementInfo")
        x.close("ReplacementInfoList")
    x.close("Bussiness")
    x.close("TraceHeaderList")


def write_document(doc: ExchangedDocument) -> bytes:
    """The package's bytes. Refuses (MissingField) a package a receiver would refuse."""
    missing = missing_elements(doc)
    if missing:
        raise errors.MissingField(_FIELD_OF_ELEMENT.get(missing[0], missing[0]))
    ids = [a.content_id for a in doc.attachments]
    if len(set(ids)) != len(ids) or not all(ids):
        raise errors.InvalidValue("attachments", ", ".join(ids), "mã ContentId riêng cho mỗi tệp")
    x = _Xml()
    x.parts.append(f'<edXML xmlns:xsi="{XSI}" xmlns:xsd="{XSD}" xmlns="{NS}">')
    x.open("edXMLEnvelope", {"xmlns:edXML": NS})
    x.open("edXMLHeader")
    _message_header(x, doc)
    _trace_header_list(x, doc)
    x.close("edXMLHeader")
    x.open("edXMLBody")
    x.open("edXMLManifest", {"version": "1.0"})
    for a in doc.attachments:
        x.open(
            "Reference",
            {"xmlns:xlink": XLINK, "xlink:href": f"cid:{a.content_id}", "xlink:type": "simple"},
        )
        x.leaf("Description", a.description)
        x.leaf("AttachmentName", a.name)
        x.leaf("ContentType", a.content_type)
        x.leaf("ContentId", f"cid:{a.content_id}")
        x.close("Reference")
    x.close("edXMLManifest")
    x.close("edXMLBody")
    x.close("edXMLEnvelope")
    if doc.attachments:
        x.open("AttachmentEncoded", bare=True)
        for a in doc.attachments:
            x.open("Attachment", bare=True)
            x.leaf("ContentType", a.content_type, bare=True)
            x.leaf("ContentId", a.content_id, bare=True)
            x.leaf("Description", a.description, bare=True)
            # Base64 is plain ASCII: nothing in it needs escaping.
            x.parts.append(f"<ContentTransferEncoded>{encode(a.data)}</ContentTransferEncoded>")
            x.leaf("AttachmentName", a.name, bare=True)
            x.close("Attachment", bare=True)
        x.close("AttachmentEncoded", bare=True)
    x.parts.append("</edXML>")
    return x.bytes()


def written(doc: ExchangedDocument) -> ExchangedDocument:
    """`doc` with its raw message: what the desk keeps with a document it sends."""
    return replace(doc, raw=write_document(doc))


def write_status(status: StatusMessage) -> bytes:
    if not status.responds_to.document_id:
        raise errors.MissingField("document_id")
    if not status.sender.organ_id:
        raise errors.MissingField("organ_id")
    x = _Xml()
    x.open("edXMLEnvelope", {"xmlns:edXML": NS})
    x.open("edXMLHeader")
    x.open("Status")
    _response(x, status.responds_to)
    _organ(x, "From", status.sender)
    x.leaf("StatusCode", status.code)
    x.leaf("Description", status.description)
    x.leaf("Timestamp", format_timestamp(status.at))
    _staff(x, status.staff)
    x.close("Status")
    x.close("edXMLHeader")
    x.parts.append("<edXML:edXMLBody/>")
    x.close("edXMLEnvelope")
    return x.bytes()
