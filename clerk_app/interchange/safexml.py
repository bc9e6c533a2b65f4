"""Parses XML that came from outside into an ElementTree; refuses what a message never needs.

An edXML message has no DTD, so any DOCTYPE, entity or notation declaration is refused outright:
that closes entity expansion ("billion laughs") and external entities without relying on the
parser's own limits. Size, depth and element count are bounded so a hostile file cannot exhaust
memory. Names come back in ElementTree's `{namespace}local` form. This module must not know the
edXML structure.
"""

from __future__ import annotations

import xml.parsers.expat as expat
from dataclasses import dataclass
from typing import Any, NoReturn
from xml.etree.ElementTree import Element, TreeBuilder

from clerk_app import errors


@dataclass(frozen=True)
class XmlLimits:
    max_bytes: int = 300 * 1024 * 1024  # a 200 MiB scan in base64 plus its header
    max_depth: int = 48
    max_elements: int = 200_000


DEFAULT_LIMITS = XmlLimits()


def _refuse(reason: str) -> NoReturn:
    raise errors.EdxmlHostile(reason)


def _name(raw: str) -> str:
    # expat joins namespace and local name with the separator we chose; ElementTree wants {ns}.
    return "{" + raw if "}" in raw else raw


def parse(data: bytes, limits: XmlLimits = DEFAULT_LIMITS) -> Element:
    """The document element of `data`, or a typed error: EdxmlTooLarge, EdxmlHostile,
    EdxmlNotWellFormed."""
    if len(data) > limits.max_bytes:
        raise errors.EdxmlTooLarge(len(data), limits.max_bytes)
    builder = TreeBuilder()
    parser = expat.ParserCreate(namespace_separator="}")
    depth = 0
    count = 0

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal depth, count
        depth += 1
        count += 1
        if depth > limits.max_depth:
            _refuse("too_deep")
        if count > limits.max_elements:
            _refuse("too_many_elements")
        builder.start(_name(tag), {_name(k): v for k, v in attrs.items()})

    def end(tag: str) -> None:
        nonlocal depth
        depth -= 1
        builder.end(_name(tag))

    def doctype(*_: Any) -> None:
        _refuse("doctype")

    def entity(*_: Any) -> None:
        _refuse("entity")

    def external(*_: Any) -> int:
        _refuse("entity")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.UnparsedEntityDeclHandler = entity
    parser.NotationDeclHandler = entity
    parser.ExternalEntityRefHandler = external
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    # Base64 attachments are megabytes of text: hand them over in large pieces.
    parser.buffer_text = True
    parser.buffer_size = 1 << 20
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise errors.EdxmlNotWellFormed(
            exc.lineno or 0, (exc.offset or 0) + 1, expat.ErrorString(exc.code)
        ) from None
    root = builder.close()
    return root
