"""Workbook parts that openpyxl feeds to regular expressions, checked for length first.

openpyxl matches print areas/titles (defined names) and number formats with patterns that take
quadratic time on long input, so a 70,000-character print area costs it minutes. Excel itself
never writes a number format over 255 characters, nor a print area of thousands.
"""

from __future__ import annotations

import zipfile

from lxml import etree

from parsers.codes import FindingCode
from parsers.read.errors import UnreadableFile

MAX_NUMBER_FORMAT = 255
MAX_PRINT_RANGE = 2_048
_SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RESERVED = ("_xlnm.print_area", "_xlnm.print_titles")


def _elements(archive: zipfile.ZipFile, name: str, tag: str) -> list[tuple[str, str, str]]:
    """(name, formatCode, text) of every `tag` element of a member, streamed."""
    if name not in archive.namelist():
        return []
    found: list[tuple[str, str, str]] = []
    try:
        with archive.open(name) as member:
            for _, element in etree.iterparse(member, events=("end",), tag=_SHEET_NS + tag,
                                              resolve_entities=False, no_network=True,
                                              load_dtd=False, huge_tree=False):
                found.append((str(element.get("name", "")), str(element.get("formatCode", "")),
                              element.text or ""))
                element.clear()
    except Exception:  # noqa: BLE001  # a broken part or stream: openpyxl refuses it itself
        return found
    return found


def check_defined_name(name: str, text: str) -> None:
    if name.lower() in _RESERVED and len(text) > MAX_PRINT_RANGE:
        raise UnreadableFile(FindingCode.FILE_UNREADABLE, f"defined name {name} too long")


def check_number_format(code: str) -> None:
    if len(code) > MAX_NUMBER_FORMAT:
        raise UnreadableFile(FindingCode.FILE_UNREADABLE, "number format too long")


def check_workbook_parts(archive: zipfile.ZipFile) -> None:
    """Raise UnreadableFile for the lengths openpyxl cannot parse in bounded time."""
    for name, _, text in _elements(archive, "xl/workbook.xml", "definedName"):
        check_defined_name(name, text)
    for _, code, _ in _elements(archive, "xl/styles.xml", "numFmt"):
        check_number_format(code)
