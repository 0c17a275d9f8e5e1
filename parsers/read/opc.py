"""An OPC package (the zip inside .docx, .xlsx, .xlsm, .xlsb…) known by what it declares, not by
where its parts usually sit.

A package says what it is in [Content_Types].xml (its main part's content type) and where its
parts are in its relationships; writers other than Office put the workbook at the root, write
`xl\\workbook.xml` with Windows separators, or spell a part `SharedStrings.xml` where the
relationships say `sharedStrings.xml`. Office opens all of these (OPC part names are
case-insensitive), so the readers get a copy whose member names are the ones the package
refers to.
"""

from __future__ import annotations

import io
import posixpath
import zipfile

from parsers.codes import FindingCode
from parsers.read.errors import UnreadableFile
from parsers.read.ooxml_parts import CONTENT_TYPES, ContentTypes, content_types, read_small
from parsers.read.safe_zip import check_sizes, open_zip
from parsers.read.xml_prolog import parse_checked

_MAIN_KINDS = {k.lower(): v for k, v in {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml": "docx",
    "application/vnd.ms-word.document.macroEnabled.main+xml": "docx",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": "xlsx",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml": "xlsx",
    "application/vnd.ms-excel.template.macroEnabled.main+xml": "xlsx",
    "application/vnd.ms-excel.sheet.binary.macroEnabled.main": "xlsb",
}.items()}
MAX_RELS = 500  # relationship parts read to rename members; a form has a dozen


def package_kind(archive: zipfile.ZipFile) -> str | None:
    """docx · xlsx · xlsb by the main part's declared type (when that part is there), `ooxml`
    for any other package (a presentation, a drawing, one without its main part); None when
    the zip declares no content types at all."""
    if CONTENT_TYPES not in archive.NameToInfo and _find(archive.namelist(), CONTENT_TYPES) is None:
        return None
    types = _types(archive)
    present = {n.replace("\\", "/").lower() for n in archive.namelist()}
    for part, ctype in types.overrides.items():
        kind = _MAIN_KINDS.get(ctype.strip().lower())
        if kind is not None and part.lower() in present:  # declared and there
            return kind
    # Excel declares a binary workbook's main type as the default of ".bin", not an override
    for ctype in types.defaults.values():
        kind = _MAIN_KINDS.get(ctype.strip().lower())
        if kind is not None:
            return kind
    return "ooxml"


def normalized_package(data: bytes, archive: zipfile.ZipFile | None = None) -> bytes:
    """`data` itself when its member names are the ones it refers to; otherwise a copy with
    `\\` read as `/` and each member named as its references spell it. Raises UnreadableFile
    for a zip that cannot be opened or read within the caps. `archive`: `data` as `open_zip`
    opened it, when it did."""
    if archive is None:
        archive = open_zip(data)
    names = archive.namelist()
    check_sizes(archive.infolist())  # a password or a bomb is told before any part is read
    if not _misnamed(archive, names):
        return data
    referred = {n.lower(): n for n in _references(archive, names)}
    out = io.BytesIO()
    written: set[str] = set()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as copy:
        for info in archive.infolist():
            name = info.filename.replace("\\", "/")
            name = referred.get(name.lower(), name)
            if name.endswith("/") or name in written:
                continue
            written.add(name)
            copy.writestr(name, _member(archive, info))
    return out.getvalue()


def _member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    try:
        return archive.read(info)  # its size is within the caps (check_sizes)
    except Exception as exc:  # corrupt stream, bad CRC
        raise UnreadableFile(FindingCode.FILE_UNREADABLE, f"{info.filename}: {exc}") from exc


def _find(names: list[str], wanted: str) -> str | None:
    lowered = wanted.lower()
    return next((n for n in names if n.replace("\\", "/").lower() == lowered), None)


def _types(archive: zipfile.ZipFile) -> ContentTypes:
    if CONTENT_TYPES in archive.NameToInfo:
        return content_types(archive) or ContentTypes()
    found = _find(archive.namelist(), CONTENT_TYPES)
    types = ContentTypes()
    if found is not None:
        for child in parse_checked(read_small(archive, found), found):
            ctype = str(child.get("ContentType", ""))
            if str(child.tag).endswith("Override"):
                types.overrides[str(child.get("PartName", "")).lstrip("/")] = ctype
            elif str(child.tag).endswith("Default"):
                types.defaults[str(child.get("Extension", "")).lower()] = ctype
    return types


def _misnamed(archive: zipfile.ZipFile, names: list[str]) -> bool:
    if any("\\" in n for n in names):
        return True
    present = set(names)
    lowered = {n.lower() for n in names}
    return any(p not in present and p.lower() in lowered for p in _types(archive).overrides)


def _references(archive: zipfile.ZipFile, names: list[str]) -> set[str]:
    """Every part name the package refers to: its declared parts and its relationships'
    internal targets."""
    found = set(_types(archive).overrides) | {CONTENT_TYPES}
    rels = [n for n in names if n.lower().endswith(".rels")][:MAX_RELS]
    for name in rels:
        source = posixpath.dirname(posixpath.dirname(name.replace("\\", "/")))
        for child in parse_checked(read_small(archive, name), name):
            target = str(child.get("Target", "")).replace("\\", "/")
            if not target or child.get("TargetMode") == "External":
                continue
            found.add(target.lstrip("/") if target.startswith("/")
                      else posixpath.normpath(posixpath.join(source, target)).lstrip("/"))
    # a part's own relationships sit beside it, under a name made from its name
    return found | {posixpath.join(posixpath.dirname(p), "_rels", posixpath.basename(p) + ".rels")
                    for p in found}
