"""The start of an XML part, checked before a library parses it: OOXML never needs a DTD.

A DOCTYPE (and with it every entity, internal or external) can only stand in the prolog, before
the root element, so reading the prolog alone is enough; a prolog longer than a few KiB is not
something Word or Excel writes and is refused rather than read on.
"""

from __future__ import annotations

import codecs
import re

from lxml import etree

from parsers.codes import FindingCode
from parsers.read.errors import UnreadableFile

PROLOG_BYTES = 8 * 1024
# Encodings that the byte scan below reads correctly (ASCII-compatible or detected UTF-16).
_ENCODINGS = re.compile(
    r"(utf-?8|utf-?16(-?[lb]e)?|(us-)?ascii|iso[-_]?8859-\d{1,2}|latin-?1|(windows|cp)-?125\d)",
    re.IGNORECASE,
)
_ENCODING_DECL = re.compile(r"""encoding\s*=\s*["']([^"']*)["']""")
# UCS-4 and EBCDIC starts that libxml2 would decode but this scan could not read.
_OPAQUE_STARTS = (b"\x00\x00\x00<", b"<\x00\x00\x00", b"\x00\x00<\x00", b"\x00<\x00\x00",
                  b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00", b"\x4c\x6f\xa7\x94")
_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                               huge_tree=False, remove_blank_text=True)


def _decode(head: bytes, name: str) -> str:
    if head.startswith(_OPAQUE_STARTS):
        raise UnreadableFile(FindingCode.FILE_UNREADABLE, f"{name}: unsupported XML encoding")
    if head.startswith((codecs.BOM_UTF16_LE, b"<\x00")):
        return head.decode("utf-16-le", "replace").lstrip("\ufeff")
    if head.startswith((codecs.BOM_UTF16_BE, b"\x00<")):
        return head.decode("utf-16-be", "replace").lstrip("\ufeff")
    return head.decode("utf-8", "replace").lstrip("\ufeff")


def _check_declaration(declaration: str, name: str) -> None:
    found = _ENCODING_DECL.search(declaration)
    if found and not _ENCODINGS.fullmatch(found.group(1).strip()):
        raise UnreadableFile(FindingCode.FILE_UNREADABLE,
                             f"{name}: XML encoding {found.group(1)!r}")


def check_prolog(head: bytes, name: str, limit: int) -> None:
    """Raise UnreadableFile when the prolog in `head` holds a DOCTYPE/ENTITY or runs past
    `limit` bytes; return quietly when the root element starts or the part is not XML."""
    text, i = _decode(head, name), 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text) or text[i] != "<":
            return  # empty, or not XML at all: the library will say so
        if text.startswith("<?", i):
            end = text.find("?>", i)
            if end >= 0:
                _check_declaration(text[i:end], name)
            i = end + 2 if end >= 0 else len(text)
        elif text.startswith("<!--", i):
            end = text.find("-->", i + 4)
            i = end + 3 if end >= 0 else len(text)
        elif text.startswith("<!", i):
            raise UnreadableFile(FindingCode.FILE_UNREADABLE, f"{name}: DOCTYPE or ENTITY")
        else:
            return  # the root element: past the prolog
        if i >= len(text) and len(head) >= limit:
            raise UnreadableFile(FindingCode.FILE_UNREADABLE, f"{name}: prolog too long")


def parse_checked(data: bytes, name: str) -> etree._Element:
    """Parse a small XML part whose prolog has been checked, with entities and DTDs off."""
    check_prolog(data[:PROLOG_BYTES], name, PROLOG_BYTES)
    try:
        return etree.fromstring(data, _SAFE_PARSER)
    except etree.XMLSyntaxError as exc:
        raise UnreadableFile(FindingCode.FILE_UNREADABLE, f"{name}: {exc}") from exc
