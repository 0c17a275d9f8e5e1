"""Where a workbook's parts are, found as openpyxl finds them: the workbook by its declared
content type, its sheets in the order of workbook.xml through its relationships, the shared
strings by their declared type, the styles at xl/styles.xml.

What openpyxl would read some other way (a Strict OOXML workbook, a workbook part elsewhere, a
chart sheet, a sheet whose relationship or name is odd) is `Unfamiliar`: the caller hands the
package to openpyxl rather than guess.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
from dataclasses import dataclass

from lxml import etree

from parsers.read.errors import UnreadableFile
from parsers.read.ooxml_parts import content_types
from parsers.read.xlsx.numbers import MAC_EPOCH, WINDOWS_EPOCH
from parsers.read.xlsx_guard import check_defined_name
from parsers.read.xml_prolog import parse_checked

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_WORKSHEET = _R + "/worksheet"
_SPREADSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml"
# openpyxl's order: a template's or a macro workbook's main part before a plain one
_WORKBOOK_TYPES = ("application/vnd.ms-excel.template.macroEnabled.main+xml",
                   f"{_SPREADSHEET}.template.main+xml",
                   "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                   f"{_SPREADSHEET}.sheet.main+xml")
_SHARED_STRINGS = f"{_SPREADSHEET}.sharedStrings+xml"
WORKBOOK = "xl/workbook.xml"
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
STYLES = "xl/styles.xml"
_BAD_TITLE = re.compile(r"[\\*?:/\[\]]")  # openpyxl refuses these in a sheet's title
_STATES = (None, "visible", "hidden", "veryHidden")


class Unfamiliar(Exception):
    """The package holds something the lean reader does not read as openpyxl would."""


@dataclass(frozen=True)
class Sheet:
    title: str
    part: str  # member name of its XML


@dataclass(frozen=True)
class Workbook:
    sheets: list[Sheet]  # worksheets in workbook order, those whose part is missing left out
    epoch: dt.datetime
    strings: str | None  # member name of the shared strings, when declared


def read_part(archive: zipfile.ZipFile, name: str) -> etree._Element:
    """A part parsed whole (sizes and prolog checked by check_zip); Unfamiliar when missing
    or broken, so that the verdict on a broken package is openpyxl's, as it always was."""
    if name not in archive.NameToInfo:
        raise Unfamiliar(f"no {name}")
    try:
        return parse_checked(archive.read(name), name)
    except UnreadableFile as exc:
        raise Unfamiliar(exc.detail) from exc


def _declared(archive: zipfile.ZipFile) -> tuple[str, str | None]:
    try:
        types = content_types(archive)
    except UnreadableFile as exc:
        raise Unfamiliar(exc.detail) from exc
    if types is None:
        raise Unfamiliar("no content types")
    parts = types.overrides
    main = next((p for t in _WORKBOOK_TYPES for p, c in parts.items() if c == t), None)
    if main != WORKBOOK:  # openpyxl would look elsewhere (or, by a default type, here)
        raise Unfamiliar(f"workbook part {main}")
    strings = next((p for p, c in parts.items() if c == _SHARED_STRINGS), None)
    if strings is not None and strings not in archive.NameToInfo:
        raise Unfamiliar("shared strings declared, not there")
    return main, strings


def _relationships(archive: zipfile.ZipFile) -> dict[str, str]:
    """Id → member name of the workbook's internal relationships to worksheets; Unfamiliar for
    any other kind a sheet might point at."""
    found: dict[str, str] = {}
    for rel in read_part(archive, WORKBOOK_RELS):
        rid, kind, target = rel.get("Id"), rel.get("Type"), rel.get("Target")
        if rel.tag != _RELS or not rid or not kind or target is None:
            raise Unfamiliar("odd relationship")
        if kind != _WORKSHEET:
            found.pop(rid, None)  # the last of a repeated id counts, as in openpyxl
            continue
        if rel.get("TargetMode") == "External":
            raise Unfamiliar("external worksheet")
        found[rid] = target[1:] if target.startswith("/") else posixpath.normpath(
            posixpath.join("xl", target))
    return found


def _epoch(root: etree._Element) -> dt.datetime:
    properties = root.findall(MAIN + "workbookPr")
    if len(properties) > 1:
        raise Unfamiliar("workbookPr twice")
    flag = properties[0].get("date1904") if properties else None
    # as openpyxl's Bool reads it: "1", "true", even "False" are true; "", "0", "f", "false" not
    return MAC_EPOCH if flag and flag not in ("false", "f", "0") else WINDOWS_EPOCH


def _sheets(root: etree._Element, archive: zipfile.ZipFile) -> list[Sheet]:
    lists = root.findall(MAIN + "sheets")
    if len(lists) > 1:
        raise Unfamiliar("sheets twice")
    entries = list(lists[0]) if lists else []
    relationships = _relationships(archive) if entries else {}
    sheets: list[Sheet] = []
    titles: set[str] = set()
    for entry in entries:
        title, rid, number = entry.get("name"), entry.get(f"{{{_R}}}id"), entry.get("sheetId")
        if entry.tag != MAIN + "sheet" or not title or _BAD_TITLE.search(title) \
                or title.lower() in titles or entry.get("state") not in _STATES \
                or number is None or not number.strip().isdigit():
            raise Unfamiliar("odd sheet entry")
        if not rid:
            continue  # openpyxl drops a sheet without a relationship, with a warning
        titles.add(title.lower())
        if rid not in relationships:
            raise Unfamiliar(f"sheet {rid}: no worksheet relationship")
        if relationships[rid] in archive.NameToInfo:  # openpyxl passes over a missing part
            sheets.append(Sheet(title, relationships[rid]))
    return sheets


def workbook(archive: zipfile.ZipFile) -> Workbook:
    main, strings = _declared(archive)
    root = read_part(archive, main)
    if root.tag != MAIN + "workbook":  # Strict OOXML, or no workbook at all
        raise Unfamiliar(f"workbook root {root.tag}")
    for name in root.iter(MAIN + "definedName"):  # what openpyxl's regexes cannot take
        check_defined_name(str(name.get("name", "")), name.text or "")
    return Workbook(_sheets(root, archive), _epoch(root), strings)
