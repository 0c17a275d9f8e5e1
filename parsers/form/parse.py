"""Bytes of a form file in, a FormReport out: the one entry point of the parsing core."""

from __future__ import annotations

import datetime as dt
import importlib
import zipfile
from dataclasses import dataclass, field, replace

from parsers.codes import FindingCode
from parsers.form.findings import Finding, Verdict, verdict_of
from parsers.form.header import read_header
from parsers.form.reading import AgencyNames, FormReading
from parsers.form.rules import validate, validate_names
from parsers.form.table import TableReading, find_table
from parsers.odf.package import odf_kind
from parsers.read.document import Document, Paragraph
from parsers.read.errors import UnreadableFile
from parsers.read.ole import OLE_MAGIC, ole_kind
from parsers.read.opc import normalized_package, package_kind
from parsers.read.safe_zip import open_zip
from parsers.signature.facts import SignatureFacts
from parsers.spec.campaign import Campaign
from parsers.spec.registry import Registry
from parsers.text import has_phrase, match_key

MAX_FILE_BYTES = 30 * 1024 * 1024
# Archives and Outlook's winmail.dat: their files are read by `parsers.form.unpack`.
CONTAINER_MAGIC = (
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"Rar!\x1a\x07", "rar"),
    (b"\x78\x9f\x3e\x22", "tnef"),
)

Quantities = dict[str, dict[str, int | None] | None]


@dataclass
class FormReport:
    file: str
    verdict: Verdict
    kind: str | None = None
    agency: str | None = None
    document_number: str | None = None
    place: str | None = None
    date: str | None = None
    quantities: Quantities | None = None
    notes: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    names_campaign: bool = False  # the document's own text names the campaign (title, intro)
    names: AgencyNames = field(default_factory=AgencyNames)  # the agency names as written
    # the signatures of a signed PDF: of this file when it is one, else of the cover letters
    # that came with the form (beside it in the mail or in its archive)
    signatures: tuple[SignatureFacts, ...] = ()


def sniff_kind(data: bytes) -> str:
    """By content only: docx · xlsx · xlsb · ooxml (another Office package) · odt · ods · doc ·
    xls · rtf · ole · ole-encrypted · pdf · zip · 7z · rar · tnef · zip-damaged · empty ·
    other."""
    return _sniff(data)[0]


def _sniff(data: bytes) -> tuple[str, zipfile.ZipFile | None]:
    """The kind, and for a zip its archive as opened to sniff it: the guard and the reader
    go on with it instead of opening it again."""
    if not data.strip():
        return "empty", None
    if data.startswith(OLE_MAGIC):
        return ole_kind(data), None
    if data.lstrip().startswith(b"%PDF"):
        return "pdf", None
    if data.startswith(b"{\\rtf"):
        return "rtf", None
    for magic, kind in CONTAINER_MAGIC:
        if data.startswith(magic):
            return kind, None
    if data.startswith(b"PK"):
        return _zip_kind(data)
    return "other", None


def _zip_kind(data: bytes) -> tuple[str, zipfile.ZipFile | None]:
    try:
        archive = open_zip(data)
    except UnreadableFile:
        return "zip-damaged", None
    odf = odf_kind(archive)
    if odf is not None:
        return odf, archive
    try:  # an OPC package says what it is, wherever its parts sit: never an archive of files
        declared = package_kind(archive)
    except UnreadableFile:  # its types unreadable (encrypted, damaged): the reader will say
        declared = None
    if declared is not None and declared != "ooxml":
        return declared, archive
    names = archive.NameToInfo
    if "word/document.xml" in names or any(n.startswith("word/") for n in names):
        return "docx", archive
    if "xl/workbook.xml" in names or any(n.startswith("xl/") for n in names):
        return "xlsx", archive
    return ("zip" if declared is None else "ooxml"), archive


# The reader of each kind, imported when a file of that kind comes: a `check` of one DOCX
# starts without openpyxl, xlrd and the ODF readers.
_READERS = {
    "docx": ("parsers.read.read_docx", "read_docx"),
    "xlsx": ("parsers.read.read_xlsx", "read_xlsx"),
    "xls": ("parsers.read.read_xls", "read_xls"), "ods": ("parsers.odf.read_ods", "read_ods"),
    "odt": ("parsers.odf.read_odt", "read_odt"), "doc": ("parsers.read.read_doc", "read_doc"),
    "rtf": ("parsers.read.read_doc", "read_rtf"),
}


def preload_readers() -> None:
    """Import every reader now: a process that forks a child per file (the daemon) imports
    them once, before the first fork, instead of once in every child."""
    for module, _ in _READERS.values():
        importlib.import_module(module)


def _read(kind: str, data: bytes, archive: zipfile.ZipFile | None) -> Document:
    module, name = _READERS[kind]
    reader = getattr(importlib.import_module(module), name)
    document: Document = reader(data) if archive is None else reader(data, archive)
    return document
_PACKAGES = frozenset({"docx", "xlsx"})
_UNSUPPORTED_CODE: dict[str, FindingCode] = {
    "empty": FindingCode.FILE_EMPTY,
    "ole-encrypted": FindingCode.FILE_PROTECTED,
    "zip-damaged": FindingCode.FILE_UNREADABLE,
}


def unreadable_report(name: str, code: FindingCode, kind: str | None = None) -> FormReport:
    """The report of a file that could not be read as a form: one file-level finding."""
    finding = Finding(code, "file", params={"file": name, "kind": kind or ""})
    return FormReport(file=name, verdict="unreadable", kind=kind, findings=[finding])


def _quantities(table: TableReading, campaign: Campaign) -> Quantities:
    out: Quantities = {}
    for spec in campaign.quantity_rows:
        row = table.rows.get(spec.key)
        if row is None:
            out[spec.key] = None
            continue
        out[spec.key] = {
            year: (row.cells[year].quantity.value if year in row.cells else None)
            for year in campaign.years
        }
    return out


def _header_lines(document: Document, table: TableReading | None) -> list[str]:
    lines: list[str] = []
    for block in document.blocks:
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif table is not None and block is table.grid:
            lines.extend(block.lines_outside(table.first_row, table.last_row))
        else:
            lines.extend(block.lines_outside(0, -1))
    return lines


def read_document(document: Document, name: str, campaign: Campaign) -> FormReport:
    table = find_table(document.grids, campaign)
    if table is None:
        return unreadable_report(name, FindingCode.FORM_NOT_FOUND, document.kind)
    lines = _header_lines(document, table)
    header = read_header(lines, campaign)
    reading = FormReading(document.kind, header, table)
    findings = validate(reading, campaign)
    return FormReport(
        file=name,
        verdict=verdict_of(findings),
        kind=document.kind,
        agency=header.intro_agency.value or header.agency.value,
        document_number=header.number.value,
        place=header.place.value,
        date=header.date.value.isoformat() if header.date.value else None,
        quantities=_quantities(table, campaign),
        notes={k: r.note for k, r in table.rows.items() if r.note},
        findings=findings,
        names_campaign=_names_campaign(lines, campaign),
        names=AgencyNames(header.agency.value, header.intro_agency.value),
    )


def add_registry_findings(report: FormReport, registry: Registry, on: dt.date) -> FormReport:
    """`report` with the findings of the rules that need the agency registry (as it stood on
    the campaign's date `on`), its verdict judged again."""
    extra = validate_names(report.names, registry, on)
    if not extra:
        return report
    findings = [*report.findings, *extra]
    return replace(report, findings=findings, verdict=verdict_of(findings))


def _names_campaign(lines: list[str], campaign: Campaign) -> bool:
    return any(has_phrase(match_key(line), campaign.keyword_keys) for line in lines)


def read_form(data: bytes, name: str, campaign: Campaign) -> FormReport:
    """Parse and validate one file. Never raises on bad input: a bad file is a verdict."""
    if len(data) > MAX_FILE_BYTES:
        return unreadable_report(name, FindingCode.FILE_TOO_LARGE)
    kind, archive = _sniff(data)
    if kind not in _READERS:
        code = _UNSUPPORTED_CODE.get(kind, FindingCode.FILE_TYPE_UNSUPPORTED)
        return unreadable_report(name, code, kind)
    try:
        if kind in _PACKAGES:
            plain = normalized_package(data, archive)
            data, archive = plain, (archive if plain is data else None)
        return read_document(_read(kind, data, archive), name, campaign)
    except UnreadableFile as exc:
        return unreadable_report(name, exc.code, kind)
    except RecursionError:
        return unreadable_report(name, FindingCode.FILE_UNREADABLE, kind)
