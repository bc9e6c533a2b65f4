"""Hostile and malformed XML is refused before anything reads it; ordinary XML parses."""

from __future__ import annotations

import pytest

from clerk_app import errors
from clerk_app.interchange.edxml_read import read_message
from clerk_app.interchange.safexml import XmlLimits, parse
from clerk_app.messages import describe

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<edXML><Subject>&lol4;</Subject></edXML>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE edXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<edXML><Subject>&xxe;</Subject></edXML>"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE edXML [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>
<edXML/>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE edXML SYSTEM "http://127.0.0.1:9/edxml.dtd">
<edXML/>"""


@pytest.mark.parametrize(
    "payload",
    [BILLION_LAUGHS, EXTERNAL_ENTITY, PARAMETER_ENTITY, EXTERNAL_DTD],
    ids=["billion-laughs", "external-entity", "parameter-entity", "external-dtd"],
)
def test_any_dtd_is_refused_before_expansion(payload: bytes) -> None:
    with pytest.raises(errors.EdxmlHostile) as caught:
        read_message(payload)
    assert caught.value.reason == "doctype"
    assert "bảo vệ máy" in describe(caught.value).one_line()


def test_entity_reference_without_declaration_is_malformed() -> None:
    with pytest.raises(errors.EdxmlNotWellFormed):
        parse(b"<edXML><Subject>&xxe;</Subject></edXML>")


def test_deep_nesting_is_refused() -> None:
    deep = b"<a>" * 200 + b"</a>" * 200
    with pytest.raises(errors.EdxmlHostile) as caught:
        parse(deep)
    assert caught.value.reason == "too_deep"


def test_element_flood_is_refused() -> None:
    flood = b"<a>" + b"<b/>" * 1000 + b"</a>"
    with pytest.raises(errors.EdxmlHostile) as caught:
        parse(flood, XmlLimits(max_elements=500))
    assert caught.value.reason == "too_many_elements"


def test_oversized_message_is_refused_unread() -> None:
    with pytest.raises(errors.EdxmlTooLarge) as caught:
        parse(b"<a>" + b"x" * 2000 + b"</a>", XmlLimits(max_bytes=1000))
    assert (caught.value.size, caught.value.limit) == (2007, 1000)


@pytest.mark.parametrize(
    ("payload", "line"),
    [
        (b"", 1),
        (b"<edXML><From></edXML>", 1),
        (b"<edXML>\n<Subject>x</Subject>\n<edXML", 3),
        (b"not xml at all", 1),
        (b"\xff\xfe\x00garbage", 1),
    ],
)
def test_malformed_xml_names_the_line(payload: bytes, line: int) -> None:
    with pytest.raises(errors.EdxmlNotWellFormed) as caught:
        parse(payload)
    assert caught.value.line == line
    assert f"dòng {line}" in describe(caught.value).one_line()


def test_namespaces_come_back_in_elementtree_form() -> None:
    root = parse(
        b'<edXML:edXMLEnvelope xmlns:edXML="urn:x"><edXML:A xmlns:l="urn:l" l:href="cid:1">'
        b"t\xc3\xa0i</edXML:A></edXML:edXMLEnvelope>"
    )
    assert root.tag == "{urn:x}edXMLEnvelope"
    child = root[0]
    assert child.tag == "{urn:x}A"
    assert child.get("{urn:l}href") == "cid:1"
    assert child.text == "tài"
