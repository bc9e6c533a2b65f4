"""Messages written by hand in the standard's structure (not by the desk's writer) read right:
both namespace styles, pretty-printed, base64 in MIME lines, a zipped attachment, a signed digest,
and status messages in both envelopes other systems use."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from datetime import date, datetime, time

from clerk_app.clock import VIETNAM
from clerk_app.interchange.codes import CodeTables
from clerk_app.interchange.edxml_read import read_document, read_status
from clerk_app.interchange.mapping import registration_fields

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n" + bytes(range(200))
ANNEX = "Bảng tổng hợp kinh phí năm 2026\n".encode() * 50


def _mime_lines(data: bytes) -> str:
    text = base64.b64encode(data).decode()
    return "\n".join(text[i : i + 76] for i in range(0, len(text), 76))


def _zipped(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


PREFIXED = f"""<?xml version="1.0" encoding="utf-8"?>
<edXML xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
       xmlns:xsd="http://www.w3.org/2001/XMLSchema"
       xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">
  <edXML:edXMLEnvelope xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">
    <edXML:edXMLHeader>
      <edXML:MessageHeader>
        <edXML:From>
          <edXML:OrganId>000.01.32.H44</edXML:OrganId>
          <edXML:OrganizationInCharge>Ủy ban nhân dân tỉnh Phú Yên</edXML:OrganizationInCharge>
          <edXML:OrganName>Sở Tài chính</edXML:OrganName>
          <edXML:OrganAdd>Tuy Hòa, Phú Yên</edXML:OrganAdd>
          <edXML:Email>stc@phuyen.gov.vn</edXML:Email>
          <edXML:Telephone/>
          <edXML:Fax/>
          <edXML:Website/>
        </edXML:From>
        <edXML:To>
          <edXML:OrganId>000.00.00.H44</edXML:OrganId>
          <edXML:OrganName>Ủy ban nhân dân tỉnh Phú Yên</edXML:OrganName>
        </edXML:To>
        <edXML:Code>
          <edXML:CodeNumber>45</edXML:CodeNumber>
          <edXML:CodeNotation>STC-NS</edXML:CodeNotation>
        </edXML:Code>
        <edXML:PromulgationInfo>
          <edXML:Place>Phú Yên</edXML:Place>
          <edXML:PromulgationDate>2026/03/02</edXML:PromulgationDate>
        </edXML:PromulgationInfo>
        <edXML:DocumentType>
          <edXML:Type>18</edXML:Type>
          <edXML:TypeDetail>0</edXML:TypeDetail>
          <edXML:TypeName>Công văn</edXML:TypeName>
        </edXML:DocumentType>
        <edXML:Subject>Về việc quyết toán kinh phí năm 2025</edXML:Subject>
        <edXML:Content/>
        <edXML:SignerInfo>
          <edXML:Competence>KT. GIÁM ĐỐC</edXML:Competence>
          <edXML:Position>Phó Giám đốc</edXML:Position>
          <edXML:FullName>Lê Thị Thu</edXML:FullName>
        </edXML:SignerInfo>
        <edXML:DueDate>2026/03/06 16:30:00</edXML:DueDate>
        <edXML:ToPlaces>
          <edXML:Place>UBND tỉnh</edXML:Place>
        </edXML:ToPlaces>
        <edXML:OtherInfo>
          <edXML:Priority>4</edXML:Priority>
          <edXML:SphereOfPromulgation>Liên thông văn bản</edXML:SphereOfPromulgation>
          <edXML:TyperNotation>LTT</edXML:TyperNotation>
          <edXML:PromulgationAmount>2</edXML:PromulgationAmount>
          <edXML:PageAmount>4</edXML:PageAmount>
          <edXML:Appendixes>
            <edXML:Appendix>Bảng tổng hợp</edXML:Appendix>
          </edXML:Appendixes>
        </edXML:OtherInfo>
        <edXML:ResponseFor>
          <edXML:OrganId>000.00.00.H44</edXML:OrganId>
          <edXML:Code>12/UBND-KT</edXML:Code>
          <edXML:PromulgationDate>2026/02/20</edXML:PromulgationDate>
          <edXML:DocumentId>000.00.00.H44,2026/02/20,12/UBND-KT</edXML:DocumentId>
        </edXML:ResponseFor>
        <edXML:SteeringType>0</edXML:SteeringType>
        <edXML:DocumentId>000.01.32.H44,2026/03/02,45/STC-NS</edXML:DocumentId>
      </edXML:MessageHeader>
      <edXML:TraceHeaderList id="a1b2c3d4" version="1.0" mustUnderstand="1"
          actor="http://schemas.xmlsoap.org/soap/actor/next">
        <edXML:TraceHeader>
          <edXML:OrganId>000.01.32.H44</edXML:OrganId>
          <edXML:Timestamp>2026/03/02 10:15:00</edXML:Timestamp>
        </edXML:TraceHeader>
        <edXML:Bussiness>
          <edXML:BussinessDocType>0</edXML:BussinessDocType>
          <edXML:BussinessDocReason>Văn bản mới</edXML:BussinessDocReason>
          <edXML:StaffInfo>
            <edXML:Department>Văn phòng Sở</edXML:Department>
            <edXML:Staff>Nguyễn Thị Hoa</edXML:Staff>
            <edXML:Mobile>0905111222</edXML:Mobile>
            <edXML:Email>hoa@stc.gov.vn</edXML:Email>
          </edXML:StaffInfo>
          <edXML:Paper>1</edXML:Paper>
        </edXML:Bussiness>
      </edXML:TraceHeaderList>
      <Signature xmlns="http://www.w3.org/2000/09/xmldsig#">
        <SignedInfo>
          <CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>
          <SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>
          <Reference URI="cid:doc-45">
            <DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
            <DigestValue>{base64.b64encode(hashlib.sha256(PDF).digest()).decode()}</DigestValue>
          </Reference>
        </SignedInfo>
        <SignatureValue>AAAA</SignatureValue>
      </Signature>
    </edXML:edXMLHeader>
    <edXML:edXMLBody>
      <edXML:edXMLManifest version="1.0">
        <edXML:Reference xmlns:xlink="http://www.w3.org/1999/xlink" xlink:href="cid:doc-45"
            xlink:role="XLinkRole" xlink:type="simple">
          <edXML:Description>Văn bản</edXML:Description>
          <edXML:AttachmentName>45-STC-NS.pdf</edXML:AttachmentName>
          <edXML:ContentType>application/pdf</edXML:ContentType>
          <edXML:ContentId>cid:doc-45</edXML:ContentId>
        </edXML:Reference>
        <edXML:Reference xmlns:xlink="http://www.w3.org/1999/xlink" xlink:href="cid:annex-45"
            xlink:type="simple">
          <edXML:Description>Phụ lục</edXML:Description>
          <edXML:AttachmentName>Phu luc.txt</edXML:AttachmentName>
          <edXML:ContentType>text/plain</edXML:ContentType>
          <edXML:ContentId>cid:annex-45</edXML:ContentId>
        </edXML:Reference>
      </edXML:edXMLManifest>
    </edXML:edXMLBody>
  </edXML:edXMLEnvelope>
  <AttachmentEncoded>
    <Attachment>
      <ContentType>application/pdf</ContentType>
      <ContentId>doc-45</ContentId>
      <Description>Văn bản</Description>
      <ContentTransferEncoded>
{_mime_lines(PDF)}
      </ContentTransferEncoded>
      <AttachmentName>45-STC-NS.pdf</AttachmentName>
    </Attachment>
    <Attachment>
      <ContentType>text/plain</ContentType>
      <ContentId>annex-45</ContentId>
      <Description>Phụ lục</Description>
      <ContentTransferEncoded>{base64.b64encode(_zipped("Phu luc.txt", ANNEX)).decode()}</ContentTransferEncoded>
      <AttachmentName>Phu luc.txt</AttachmentName>
    </Attachment>
  </AttachmentEncoded>
</edXML>
""".encode()


DEFAULT_NAMESPACE = f"""<?xml version="1.0" encoding="UTF-8"?>
<edXMLEnvelope xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">
  <edXMLHeader>
    <MessageHeader>
      <From><OrganId>000.03.32.H44</OrganId><OrganName>Sở Nội vụ</OrganName></From>
      <To><OrganId>000.00.00.H44</OrganId><OrganName>UBND tỉnh Phú Yên</OrganName></To>
      <To><OrganId>000.01.32.H44</OrganId><OrganName>Sở Tài chính</OrganName></To>
      <Code><CodeNumber>07</CodeNumber><CodeNotation>TTr-SNV</CodeNotation></Code>
      <PromulgationInfo><Place>Phú Yên</Place><PromulgationDate>05/03/2026</PromulgationDate></PromulgationInfo>
      <DocumentType><Type>16</Type><TypeName>Tờ trình</TypeName></DocumentType>
      <Subject>Về việc kiện toàn tổ chức bộ máy</Subject>
      <SignerInfo><FullName>Phạm Văn Nam</FullName></SignerInfo>
      <OtherInfo><Priority>1</Priority><PageAmount>2</PageAmount></OtherInfo>
      <DocumentId>000.03.32.H44,2026/03/05,07/TTr-SNV</DocumentId>
    </MessageHeader>
    <TraceHeaderList>
      <TraceHeader><OrganId>000.03.32.H44</OrganId><Timestamp>05/03/2026 08:01:02</Timestamp></TraceHeader>
      <Business><BusinessDocType>0</BusinessDocType></Business>
    </TraceHeaderList>
  </edXMLHeader>
  <edXMLBody>
    <edXMLManifest>
      <Reference xmlns:xlink="http://www.w3.org/1999/xlink" xlink:href="cid:tt07">
        <AttachmentName>07-TTr-SNV.pdf</AttachmentName>
        <ContentType>application/pdf</ContentType>
      </Reference>
    </edXMLManifest>
  </edXMLBody>
  <AttachmentEncoded xmlns="">
    <Attachment>
      <ContentId>&lt;tt07&gt;</ContentId>
      <ContentTransferEncoded>{base64.b64encode(PDF).decode()}</ContentTransferEncoded>
    </Attachment>
  </AttachmentEncoded>
</edXMLEnvelope>
""".encode()


def test_prefixed_message_reads_every_element(tables: CodeTables) -> None:
    doc = read_document(PREFIXED)
    assert doc.document_id == "000.01.32.H44,2026/03/02,45/STC-NS"
    assert (doc.sender.organ_id, doc.sender.name, doc.sender.in_charge) == (
        "000.01.32.H44",
        "Sở Tài chính",
        "Ủy ban nhân dân tỉnh Phú Yên",
    )
    assert [o.organ_id for o in doc.recipients] == ["000.00.00.H44"]
    assert (doc.number, doc.notation, doc.reference) == ("45", "STC-NS", "45/STC-NS")
    assert doc.promulgated_on == date(2026, 3, 2)
    assert (doc.type_code, doc.type_detail, doc.type_name) == ("18", "0", "Công văn")
    assert (doc.signer.competence, doc.signer.position, doc.signer.full_name) == (
        "KT. GIÁM ĐỐC",
        "Phó Giám đốc",
        "Lê Thị Thu",
    )
    assert (doc.due_on, doc.due_time) == (date(2026, 3, 6), time(16, 30))
    assert doc.to_places == ("UBND tỉnh",)
    assert (doc.priority, doc.copies, doc.pages, doc.appendixes) == ("4", 2, 4, ("Bảng tổng hợp",))
    assert doc.responds_to[0].code == "12/UBND-KT"
    assert doc.responds_to[0].promulgated_on == date(2026, 2, 20)
    assert doc.traces[0].at == datetime(2026, 3, 2, 10, 15, tzinfo=VIETNAM)
    assert doc.business.kind == "new"
    assert doc.business.paper is True
    assert doc.business.staff is not None and doc.business.staff.staff == "Nguyễn Thị Hoa"
    pdf, annex = doc.attachments
    assert (pdf.name, pdf.content_type, pdf.content_id, pdf.data, pdf.zipped) == (
        "45-STC-NS.pdf",
        "application/pdf",
        "doc-45",
        PDF,
        False,
    )
    # Sent zipped; kept as the file inside (the raw message still holds what was sent).
    assert (annex.name, annex.data, annex.zipped) == ("Phu luc.txt", ANNEX, True)
    assert doc.raw == PREFIXED

    fields = registration_fields(doc, tables)
    assert fields.issuer == "Sở Tài chính"
    assert fields.issuer_organ_id == "000.01.32.H44"
    assert fields.reference == "45/STC-NS"
    assert fields.doc_type == "Công văn"
    assert fields.urgency == "Hỏa tốc"
    assert fields.timed is True
    assert fields.urgency_time == datetime(2026, 3, 6, 16, 30, tzinfo=VIETNAM)
    assert fields.deadline == date(2026, 3, 6)
    assert fields.signer == "Lê Thị Thu"
    assert fields.signer_title == "KT. GIÁM ĐỐC, Phó Giám đốc"
    assert fields.pages == 4
    assert fields.has_paper is True
    assert fields.in_reply_to == ("12/UBND-KT",)


def test_default_namespace_and_other_spellings_read_alike(tables: CodeTables) -> None:
    doc = read_document(DEFAULT_NAMESPACE)
    assert doc.sender.name == "Sở Nội vụ"
    assert [o.organ_id for o in doc.recipients] == ["000.00.00.H44", "000.01.32.H44"]
    assert doc.promulgated_on == date(2026, 3, 5)  # written dd/MM/yyyy
    assert doc.traces[0].at == datetime(2026, 3, 5, 8, 1, 2, tzinfo=VIETNAM)
    assert doc.business.kind == "new"  # spelt Business
    (pdf,) = doc.attachments
    assert (pdf.content_id, pdf.name, pdf.data) == ("tt07", "07-TTr-SNV.pdf", PDF)
    fields = registration_fields(doc, tables)
    assert (fields.doc_type, fields.urgency, fields.timed, fields.has_paper) == (
        "Tờ trình",
        "Khẩn",
        False,
        False,
    )


SOAP_STATUS = b"""<?xml version="1.0" encoding="utf-8"?>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/">
  <SOAP-ENV:Header>
    <edXML:Status xmlns:edXML="http://schemas.xmlsoap.org/soap/envelope/">
      <edXML:ResponseFor>
        <edXML:OrganId>000.00.00.H44</edXML:OrganId>
        <edXML:Code>05/Q\xc4\x90-UBND</edXML:Code>
        <edXML:PromulgationDate>10/03/2026</edXML:PromulgationDate>
        <edXML:DocumentId>000.00.00.H44,2026/03/10,05/Q\xc4\x90-UBND</edXML:DocumentId>
      </edXML:ResponseFor>
      <edXML:From>
        <edXML:OrganId>000.01.32.H44</edXML:OrganId>
        <edXML:OrganName>S\xe1\xbb\x9f T\xc3\xa0i ch\xc3\xadnh</edXML:OrganName>
        <edXML:OrganizationInCharge />
      </edXML:From>
      <edXML:StatusCode>03</edXML:StatusCode>
      <edXML:Description>\xc4\x90\xc3\xa3 ti\xe1\xba\xbfp nh\xe1\xba\xadn</edXML:Description>
      <edXML:Timestamp>10/03/2026 14:20:05</edXML:Timestamp>
      <edXML:StaffInfo>
        <edXML:Department>V\xc4\x83n ph\xc3\xb2ng</edXML:Department>
        <edXML:Staff>L\xc3\xaa V\xc4\x83n B\xc3\xacnh</edXML:Staff>
      </edXML:StaffInfo>
    </edXML:Status>
  </SOAP-ENV:Header>
  <SOAP-ENV:Body />
</SOAP-ENV:Envelope>
"""

ENVELOPE_STATUS = """<?xml version="1.0" encoding="UTF-8"?>
<edXML:edXMLEnvelope xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">
  <edXML:edXMLHeader>
    <edXML:Status>
      <edXML:ResponseFor>
        <edXML:OrganId>000.00.00.H44</edXML:OrganId>
        <edXML:Code>05/QĐ-UBND</edXML:Code>
        <edXML:PromulgationDate>2026/03/10</edXML:PromulgationDate>
        <edXML:DocumentId>000.00.00.H44,2026/03/10,05/QĐ-UBND</edXML:DocumentId>
      </edXML:ResponseFor>
      <edXML:From><edXML:OrganId>000.03.32.H44</edXML:OrganId></edXML:From>
      <edXML:StatusCode>2</edXML:StatusCode>
      <edXML:Description>Gửi nhầm đơn vị nhận</edXML:Description>
      <edXML:Timestamp>2026-03-10T15:00:00+07:00</edXML:Timestamp>
    </edXML:Status>
  </edXML:edXMLHeader>
  <edXML:edXMLBody/>
</edXML:edXMLEnvelope>
""".encode()


def test_status_in_a_soap_envelope(tables: CodeTables) -> None:
    status = read_status(SOAP_STATUS)
    assert status.responds_to.document_id == "000.00.00.H44,2026/03/10,05/QĐ-UBND"
    assert status.responds_to.promulgated_on == date(2026, 3, 10)
    assert status.sender.organ_id == "000.01.32.H44"
    assert status.at == datetime(2026, 3, 10, 14, 20, 5, tzinfo=VIETNAM)
    assert status.staff.staff == "Lê Văn Bình"
    code = tables.status(status.code)
    assert code is not None and code.key == "registered"


def test_status_in_an_edxml_envelope_with_a_short_code(tables: CodeTables) -> None:
    status = read_status(ENVELOPE_STATUS)
    assert status.code == "2"
    code = tables.status(status.code)
    assert code is not None and code.key == "refused"
    assert status.description == "Gửi nhầm đơn vị nhận"
    assert status.at == datetime(2026, 3, 10, 15, 0, tzinfo=VIETNAM)
