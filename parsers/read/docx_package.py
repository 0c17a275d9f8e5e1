"""The two parts of a Word package the reader needs — the main document and its styles — found
as python-docx finds them (package relationships, then the main part's), parsed with the
parser options python-docx uses, without building the rest of the package.

Where python-docx refuses a package that a form needs (no main part, a main part that is not a
Word document, a relationship or part that is missing or is not XML), this refuses it too.
Parts the form never needs (images, headers, numbering, VBA) are neither read nor parsed.
"""

from __future__ import annotations

import posixpath
import zipfile
from dataclasses import dataclass

from lxml import etree

from parsers.codes import FindingCode
from parsers.read.errors import UnreadableFile
from parsers.read.ooxml_parts import (
    WORD_MAIN,
    WORD_MAIN_VARIANTS,
    ContentTypes,
    content_types,
    read_small,
)
from parsers.read.xml_prolog import PROLOG_BYTES, check_prolog, parse_checked

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_STYLES_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"
# Macro-enabled and template Word files are read like plain ones: only the two parts above
# are parsed, so the VBA never reaches a parser.
_MAIN_TYPES = frozenset({WORD_MAIN, *WORD_MAIN_VARIANTS})


def w(local: str) -> str:
    """The Clark name of a WordprocessingML element or attribute: w("p") → "{…/main}p"."""
    return f"{{{W_NS}}}{local}"


@dataclass(frozen=True)
class WordParts:
    root: etree._Element  # the main part's root element (w:document for a Word file)
    default_font: str | None  # the "Normal" style's font, as `normal_font` finds it


def _fail(detail: str) -> UnreadableFile:
    return UnreadableFile(FindingCode.FILE_UNREADABLE, detail)


def _read_part(archive: zipfile.ZipFile, partname: str) -> bytes:
    try:
        return archive.read(partname.lstrip("/"))  # sizes already checked against the caps
    except Exception as exc:  # missing member, corrupt stream, bad CRC
        raise _fail(f"{partname}: {type(exc).__name__}") from exc


def _related(archive: zipfile.ZipFile, source: str, reltype: str) -> str | None:
    """The part `source` ("/" for the package) relates to by `reltype`; None when none does;
    UnreadableFile when more than one does (python-docx refuses the ambiguity too)."""
    folder, base = posixpath.split(source)
    rels = posixpath.join(folder, "_rels", f"{base}.rels").lstrip("/")
    if rels not in archive.NameToInfo:
        return None
    by_id: dict[str | None, str | None] = {}  # as python-docx keeps them: a repeated id, once
    for rel in parse_checked(read_small(archive, rels), rels):
        if rel.tag != f"{{{_RELS_NS}}}Relationship":
            continue
        internal = rel.get("Type") == _RT + reltype and rel.get("TargetMode") != "External"
        target = posixpath.normpath(posixpath.join(folder, str(rel.get("Target", ""))))
        by_id[rel.get("Id")] = target if internal else None
    found = [target for target in by_id.values() if target is not None]
    if len(found) > 1:
        raise _fail(f"{source}: several {reltype} relationships")
    return found[0] if found else None


def _content_type(types: ContentTypes, partname: str) -> str | None:
    name = partname.lstrip("/").lower()
    for key, ctype in types.overrides.items():
        if key.lower() == name:
            return ctype
    return types.defaults.get(posixpath.splitext(name)[1][1:])


def _parse(archive: zipfile.ZipFile, partname: str) -> etree._Element:
    return parse_checked(_read_part(archive, partname), partname.lstrip("/"))


def main_part(archive: zipfile.ZipFile, types: ContentTypes) -> tuple[str, str]:
    """The part name ("/word/document.xml") and content type of the main document of a checked
    Word archive whose declared content types are `types`; UnreadableFile when there is none."""
    main = _related(archive, "/", "officeDocument")
    if main is None:
        raise _fail("no main document")
    ctype = _content_type(types, main)
    if ctype is None or ctype not in _MAIN_TYPES:
        raise _fail("not a Word document")
    return main, ctype


def word_parts(archive: zipfile.ZipFile) -> WordParts:
    """The main document and styles of a checked Word archive; UnreadableFile otherwise."""
    types = content_types(archive)
    if types is None:
        raise _fail("no [Content_Types].xml")
    main, _ = main_part(archive, types)
    root = _parse(archive, main)
    try:
        styles_name = _related(archive, main, "styles")
    except UnreadableFile:
        styles_name = None  # several: python-docx gives up on the styles, not on the file
    # python-docx reads a styles part declared as one and keeps any other as bytes it never reads
    font = None
    if styles_name is not None and _content_type(types, styles_name) == _STYLES_TYPE:
        font = normal_font(_read_part(archive, styles_name), styles_name.lstrip("/"))
    return WordParts(root, font)


def _font_of(style: etree._Element) -> str | None:
    if style.get(w("type"), "paragraph") not in ("paragraph", "character", "table"):
        return None  # a numbering style has no font in python-docx
    properties = style.find(w("rPr"))
    fonts = properties.find(w("rFonts")) if properties is not None else None
    name = fonts.get(w("ascii")) if fonts is not None else None
    return str(name) if name else None


def normal_font(data: bytes, name: str) -> str | None:
    """The font of the "Normal" style (its w:ascii font), as python-docx's
    `document.styles["Normal"].font.name` gives it — the style named Normal, else the one
    whose id is Normal; None where that raises or is empty.

    Word's styles part is often 300-400 KiB (every latent style listed): it is fed to the
    parser a slice at a time and left as soon as the style named Normal is seen, near its
    start. A syntax error raises once the styles before it are looked at, as a stream parse
    raises it: damage past the Normal style is never reached."""
    check_prolog(data[:PROLOG_BYTES], name, PROLOG_BYTES)
    parser = etree.XMLPullParser(events=("end",), tag=w("style"), remove_blank_text=True,
                                 resolve_entities=False, no_network=True, load_dtd=False,
                                 huge_tree=False)
    found = _NormalStyle()
    for at in [*range(0, len(data), _STYLES_SLICE), None]:
        try:
            if at is not None:
                parser.feed(data[at:at + _STYLES_SLICE])
            else:
                parser.close()
        except etree.XMLSyntaxError as exc:
            if found.look(parser):
                return found.font
            raise _fail(f"{name}: {exc}") from exc
        if found.look(parser):
            return found.font
    return found.by_id[0] if found.by_id else None


_STYLES_SLICE = 16 * 1024  # Word's Normal style ends near 15 KiB in: one slice, mostly


class _NormalStyle:
    def __init__(self) -> None:
        self.font: str | None = None
        self.by_id: tuple[str | None] | None = None

    def look(self, parser: etree.XMLPullParser) -> bool:
        """True once the style named Normal has been read (its font in `font`)."""
        for _, style in parser.read_events():
            parent = style.getparent()
            if parent is None or parent.tag != w("styles") or parent.getparent() is not None:
                continue
            if any(n.get(w("val")) == "Normal" for n in style.iterchildren(w("name"))):
                self.font = _font_of(style)
                return True
            if self.by_id is None and style.get(w("styleId")) == "Normal":
                self.by_id = (_font_of(style),)
            style.clear()
        return False
