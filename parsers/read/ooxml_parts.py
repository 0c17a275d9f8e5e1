"""[Content_Types].xml read safely, and macro-enabled or template Word and Excel files turned
into plain ones in memory.

A .docm/.dotm/.dotx differs from a .docx (an .xlsm/.xltm/.xltx from an .xlsx) only in the main
part's content type and the VBA parts. The copy handed on has the plain content type and no VBA
at all: the data is read, nothing is executed, and the macros never reach a parser.
"""

from __future__ import annotations

import io
import posixpath
import weakref
import zipfile
from dataclasses import dataclass, field

from lxml import etree

from parsers.codes import FindingCode
from parsers.read.errors import UnreadableFile
from parsers.read.xml_prolog import parse_checked

CONTENT_TYPES = "[Content_Types].xml"
MAX_SMALL_PART = 1024 * 1024  # [Content_Types].xml and .rels parts rewritten here
WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
WORD_MAIN_VARIANTS = (
    "application/vnd.ms-word.document.macroEnabled.main+xml",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
)
EXCEL_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
EXCEL_MAIN_VARIANTS = (
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
)
_PLAIN = {**dict.fromkeys(WORD_MAIN_VARIANTS, WORD_MAIN),
          **dict.fromkeys(EXCEL_MAIN_VARIANTS, EXCEL_MAIN)}
_XML_EXTENSIONS = (".xml", ".rels", ".vml")
_VBA_MARKS = ("vbaproject", "vbadata")


@dataclass
class ContentTypes:
    defaults: dict[str, str] = field(default_factory=dict)  # extension (lower) → type
    overrides: dict[str, str] = field(default_factory=dict)  # part name without "/" → type


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def read_small(archive: zipfile.ZipFile, name: str) -> bytes:
    """A whole member known to be small, read with a cap; UnreadableFile when it is not."""
    try:
        with archive.open(name) as member:
            data = member.read(MAX_SMALL_PART + 1)
    except Exception as exc:  # bad local header, unknown method, corrupt stream
        raise UnreadableFile(FindingCode.FILE_UNREADABLE, f"{name}: {exc}") from exc
    if len(data) > MAX_SMALL_PART:
        raise UnreadableFile(FindingCode.FILE_UNREADABLE, f"{name}: too large")
    return data


# An archive's declared types, read once however many steps ask (the sniffer, the guard, the
# reader): an archive read here is never written, and the entry goes with the archive.
_TYPES_READ: weakref.WeakKeyDictionary[zipfile.ZipFile, ContentTypes | None] = (
    weakref.WeakKeyDictionary())


def content_types(archive: zipfile.ZipFile) -> ContentTypes | None:
    """The declared content types, or None when the archive has no [Content_Types].xml.
    Shared by every caller for the same archive: read them, never change them."""
    if archive in _TYPES_READ:
        return _TYPES_READ[archive]
    types = _read_types(archive)
    _TYPES_READ[archive] = types
    return types


def _read_types(archive: zipfile.ZipFile) -> ContentTypes | None:
    if CONTENT_TYPES not in archive.NameToInfo:
        return None
    root = parse_checked(read_small(archive, CONTENT_TYPES), CONTENT_TYPES)
    types = ContentTypes()
    for child in root:
        kind, ctype = _local(child.tag), str(child.get("ContentType", ""))
        if kind == "Default":
            types.defaults[str(child.get("Extension", "")).lower()] = ctype
        elif kind == "Override":
            types.overrides[str(child.get("PartName", "")).lstrip("/")] = ctype
    return types


def is_xml_part(name: str, types: ContentTypes | None) -> bool:
    """Whether a library may parse this member as XML (so its prolog must be checked)."""
    if name.lower().endswith(_XML_EXTENSIONS) or types is None:
        return True
    ctype = types.overrides.get(name) or types.defaults.get(posixpath.splitext(name)[1][1:].lower())
    # an HTML chunk (altChunk) is kept as a blob by the libraries, never parsed
    return ctype is None or (ctype.lower().endswith("xml") and "html" not in ctype.lower())


def _is_vba(name: str) -> bool:
    lowered = posixpath.basename(name).lower()
    return lowered.startswith(_VBA_MARKS) or lowered.startswith(tuple(m + ".bin.rels"
                                                                     for m in _VBA_MARKS))


def _plain_types(data: bytes) -> bytes:
    root = parse_checked(data, CONTENT_TYPES)
    for child in list(root):
        ctype = str(child.get("ContentType", ""))
        if _local(child.tag) == "Override" and _is_vba(str(child.get("PartName", ""))):
            root.remove(child)
        elif ctype in _PLAIN:
            child.set("ContentType", _PLAIN[ctype])
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def _without_vba_links(data: bytes, name: str) -> bytes:
    root = parse_checked(data, name)
    for child in list(root):
        if _is_vba(str(child.get("Target", ""))):
            root.remove(child)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def needs_plain_word(archive: zipfile.ZipFile) -> bool:
    types = content_types(archive)
    return types is not None and any(t in WORD_MAIN_VARIANTS for t in types.overrides.values())


def needs_plain_workbook(archive: zipfile.ZipFile) -> bool:
    """A macro-enabled or template workbook, or any workbook that carries VBA parts."""
    types = content_types(archive)
    return (types is not None and any(t in EXCEL_MAIN_VARIANTS for t in types.overrides.values())
            ) or any(_is_vba(name) for name in archive.NameToInfo)


def plain_copy(archive: zipfile.ZipFile) -> bytes:
    """A .docx (.xlsx) built from a macro-enabled or template Word (Excel) archive: the same
    parts, the plain main content type, no VBA."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as copy:
        for info in archive.infolist():
            name = info.filename
            if info.is_dir() or _is_vba(name):
                continue
            if name == CONTENT_TYPES:
                copy.writestr(name, _plain_types(read_small(archive, name)))
            elif name.endswith(".rels"):
                copy.writestr(name, _without_vba_links(read_small(archive, name), name))
            else:
                copy.writestr(name, _read_member(archive, info))
    return out.getvalue()


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    try:
        return archive.read(info)  # size already checked against the caps
    except Exception as exc:  # corrupt stream, bad CRC
        raise UnreadableFile(FindingCode.FILE_UNREADABLE, f"{info.filename}: {exc}") from exc
