"""Hostile and odd attachments: each gets a verdict and a finding code, in bounded time.

The builders below make every file from a real form (an acceptance case or the blank form), so
the bench script and the fuzzer reuse them.
"""

from __future__ import annotations

import dataclasses
import io
import json
import random
import struct
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import docx
import openpyxl
import pytest

from parsers.form.parse import MAX_FILE_BYTES, FormReport, read_form, sniff_kind
from parsers.read.errors import UnreadableFile
from parsers.read.ooxml_parts import read_small
from parsers.read.safe_zip import MAX_MEMBERS, open_zip, read_head
from parsers.spec.campaign import Campaign, default_campaign
from replies.findings import finding_message
from replies.forms.blank_docx import blank_form_docx

CASES = Path(__file__).resolve().parent / "forms" / "cases"
HOSTILE = Path(__file__).resolve().parent / "hostile"
DOCX_CASE = CASES / "d01_btc_template_layout.docx"
XLSX_CASE = CASES / "x01_bacninh_single_sheet.xlsx"
SECONDS = 10.0  # the budget for any one file, far above what a form takes

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
REL = "http://schemas.openxmlformats.org/package/2006/relationships"
VBA_REL = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">'
                    for i in range(1, 10)).replace("&lol0;", "&lol;")
          + "]>\n")
XXE = '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'


# ---------------------------------------------------------------- builders

def zip_of(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


def members_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def patched(data: bytes, change: dict[str, bytes | None]) -> bytes:
    """The archive with members replaced, added (bytes) or removed (None)."""
    members = members_of(data)
    for name, new in change.items():
        if new is None:
            members.pop(name, None)
        else:
            members[name] = new
    return zip_of(members)


def docx_body(body_xml: str) -> bytes:
    """The blank form's package with another body: styles, settings and all stay real."""
    document = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<w:document xmlns:w="{W}"><w:body>{body_xml}</w:body></w:document>')
    return patched(blank_form_docx(default_campaign()), {"word/document.xml": document.encode()})


def docm_of(data: bytes) -> bytes:
    members = members_of(data)
    types = members["[Content_Types].xml"].decode().replace(DOCX_MAIN, DOCM_MAIN)
    types = types.replace("</Types>", '<Default Extension="bin" '
                          'ContentType="application/vnd.ms-office.vbaProject"/></Types>')
    rels = members["word/_rels/document.xml.rels"].decode().replace(
        "</Relationships>",
        f'<Relationship Id="rIdVba" Type="{VBA_REL}" Target="vbaProject.bin"/></Relationships>')
    members.update({"[Content_Types].xml": types.encode(), "word/_rels/document.xml.rels":
                    rels.encode(), "word/vbaProject.bin": b"\xd0\xcf\x11\xe0" + bytes(512)})
    return zip_of(members)


def xlsm_of(data: bytes) -> bytes:
    members = members_of(data)
    types = members["[Content_Types].xml"].decode().replace(XLSX_MAIN, XLSM_MAIN)
    types = types.replace("</Types>", '<Default Extension="bin" '
                          'ContentType="application/vnd.ms-office.vbaProject"/></Types>')
    rels = members["xl/_rels/workbook.xml.rels"].decode().replace(
        "</Relationships>",
        f'<Relationship Id="rIdVba" Type="{VBA_REL}" Target="vbaProject.bin"/></Relationships>')
    members.update({"[Content_Types].xml": types.encode(), "xl/_rels/workbook.xml.rels":
                    rels.encode(), "xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + bytes(512)})
    return zip_of(members)


def sheet_rows(path: Path) -> list[list[object]]:
    ws = openpyxl.load_workbook(path, data_only=True).worksheets[0]
    return [list(row) for row in ws.iter_rows(values_only=True)]


def long_sheet(form: list[list[object]], rows: int, form_at: int = 0) -> bytes:
    """A write-only workbook of `rows` filler rows with the form's rows starting at `form_at`."""
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Sheet1")
    filler = 0
    while filler < form_at:
        ws.append([filler, "dòng", filler * 3])
        filler += 1
    for row in form:
        ws.append(row)
    for n in range(rows):
        ws.append([n, f"dòng {n}", n * 7, n % 13])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def ratio_bomb(base: bytes, megabytes: int = 50) -> bytes:
    """`base` with one extra member of zeros that deflates about a thousand to one."""
    return patched(base, {"word/media/zeros.bin": bytes(megabytes * 1024 * 1024)})


def with_central_size(data: bytes, member: str, size: int) -> bytes:
    """The archive with the central directory lying about one member's uncompressed size."""
    out = bytearray(data)
    at = out.find(b"PK\x01\x02")
    while at >= 0:
        name_len = struct.unpack_from("<H", out, at + 28)[0]
        if out[at + 46:at + 46 + name_len].decode() == member:
            struct.pack_into("<I", out, at + 24, size)
            return bytes(out)
        at = out.find(b"PK\x01\x02", at + 46)
    raise KeyError(member)


def with_encryption_flag(data: bytes) -> bytes:
    """Every member marked as PKWARE-encrypted, as a password-protected .zip would be."""
    out = bytearray(data)
    for signature, flag_at in ((b"PK\x01\x02", 8), (b"PK\x03\x04", 6)):
        at = out.find(signature)
        while at >= 0:
            out[at + flag_at] |= 0x1
            at = out.find(signature, at + 4)
    return bytes(out)


def ole_file(encrypted: bool) -> bytes:
    body = bytearray(random.Random(7).randbytes(4096))
    if encrypted:
        body[1024:1024 + 32] = "EncryptedPackage".encode("utf-16-le")
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + bytes(body)


# ---------------------------------------------------------------- checks

@pytest.fixture(scope="module")
def campaign() -> Campaign:
    return default_campaign()


def timed(data: bytes, name: str, campaign: Campaign) -> FormReport:
    started = time.monotonic()
    report = read_form(data, name, campaign)
    assert time.monotonic() - started < SECONDS, f"{name} took too long"
    return report


def codes(report: FormReport) -> list[str]:
    return [f.code for f in report.findings]


def unreadable_with(report: FormReport, code: str) -> None:
    assert report.verdict == "unreadable", report
    assert codes(report) == [code], report


def text_of(report: FormReport) -> str:
    messages = [finding_message(f) for f in report.findings]
    return json.dumps([dataclasses.asdict(report), messages], ensure_ascii=False, default=str)


def same_reading(a: FormReport, b: FormReport) -> None:
    assert (a.verdict, a.agency, a.quantities, codes(a)) == (b.verdict, b.agency, b.quantities,
                                                            codes(b))


# ---------------------------------------------------------------- XML: DTDs and entities

def test_libraries_parse_without_entities() -> None:
    from docx.oxml.parser import parse_xml
    from openpyxl.xml import DEFUSEDXML
    from openpyxl.xml.functions import fromstring, iterparse

    hostile = (XXE + "<r>&xxe;</r>").encode()
    assert "root:" not in (parse_xml(hostile).text or "")  # python-docx: resolve_entities=False
    assert "root:" not in (fromstring(hostile).text or "")  # openpyxl with lxml: the same
    assert DEFUSEDXML is True  # worksheets stream through defusedxml's iterparse
    with pytest.raises(Exception, match="(?i)entit"):
        list(iterparse(io.BytesIO(hostile)))


@pytest.mark.parametrize("prolog", [LAUGHS, XXE], ids=["billion-laughs", "external-entity"])
def test_docx_with_dtd(prolog: str, campaign: Campaign) -> None:
    body = f'<w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>&lol9;&xxe;</w:t></w:r></w:p>' \
           "</w:body></w:document>"
    data = patched(DOCX_CASE.read_bytes(), {"word/document.xml": (prolog + body).encode()})
    report = timed(data, "bomb.docx", campaign)
    unreadable_with(report, "file-unreadable")
    assert "root:" not in text_of(report) and "lollol" not in text_of(report)


@pytest.mark.parametrize("prolog", [LAUGHS, XXE], ids=["billion-laughs", "external-entity"])
def test_xlsx_with_dtd(prolog: str, campaign: Campaign) -> None:
    members = members_of(XLSX_CASE.read_bytes())
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    sheet = sheet[sheet.index("?>") + 2:] if sheet.startswith("<?xml") else sheet
    sheet = sheet.replace("<sheetData>", '<sheetData><row r="1"><c r="A1" t="inlineStr"><is>'
                          "<t>&lol9;&xxe;</t></is></c></row>", 1)
    data = patched(XLSX_CASE.read_bytes(), {"xl/worksheets/sheet1.xml": (prolog + sheet).encode()})
    report = timed(data, "bomb.xlsx", campaign)
    unreadable_with(report, "file-unreadable")
    assert "root:" not in text_of(report)


@pytest.mark.parametrize("member", ["[Content_Types].xml", "_rels/.rels", "word/styles.xml",
                                    "docProps/core.xml"])
def test_dtd_in_any_part(member: str, campaign: Campaign) -> None:
    base = DOCX_CASE.read_bytes()
    original = members_of(base)[member].decode("utf-8")
    original = original[original.index("?>") + 2:]
    report = timed(patched(base, {member: (XXE + original).encode()}), "x.docx", campaign)
    unreadable_with(report, "file-unreadable")


@pytest.mark.parametrize("prolog", [
    '<?xml version="1.0"?>' + "<!-- padding -->" * 1000 + '<!DOCTYPE r [<!ENTITY e "x">]>',
    '<?xml version="1.0" encoding="UTF-7"?>',
    '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY e "x">]>',
], ids=["after-long-comments", "utf-7", "utf-16"])
def test_dtd_smuggled_past_a_naive_scan(prolog: str, campaign: Campaign) -> None:
    body = f'<w:document xmlns:w="{W}"><w:body><w:p/></w:body></w:document>'
    encoding = "utf-16" if "UTF-16" in prolog else "utf-8"
    data = patched(DOCX_CASE.read_bytes(), {"word/document.xml": (prolog + body).encode(encoding)})
    unreadable_with(timed(data, "x.docx", campaign), "file-unreadable")


def test_html_chunk_with_doctype_is_not_refused(campaign: Campaign) -> None:
    base = DOCX_CASE.read_bytes()
    types = members_of(base)["[Content_Types].xml"].decode().replace(
        "</Types>", '<Override PartName="/word/chunk.htm" ContentType="text/html"/></Types>')
    data = patched(base, {"word/chunk.htm": b"<!DOCTYPE html><html><body>x</body></html>",
                          "[Content_Types].xml": types.encode()})
    same_reading(timed(data, "chunk.docx", campaign), read_form(base, "d.docx", campaign))


# ---------------------------------------------------------------- zip bombs

@pytest.mark.parametrize("base", [DOCX_CASE, XLSX_CASE], ids=["docx", "xlsx"])
def test_member_with_huge_ratio(base: Path, campaign: Campaign) -> None:
    report = timed(ratio_bomb(base.read_bytes()), f"bomb.{base.suffix}", campaign)
    unreadable_with(report, "file-unreadable")


@pytest.mark.parametrize("member", ["word/document.xml", "word/styles.xml"])
def test_member_declared_too_large(member: str, campaign: Campaign) -> None:
    data = with_central_size(DOCX_CASE.read_bytes(), member, 100 * 1024 * 1024)
    unreadable_with(timed(data, "big.docx", campaign), "file-too-large")


def test_too_many_members(campaign: Campaign) -> None:
    extra: dict[str, bytes | None] = {f"word/media/m{i}.bin": b"" for i in range(MAX_MEMBERS + 1)}
    report = timed(patched(DOCX_CASE.read_bytes(), extra), "many.docx", campaign)
    unreadable_with(report, "file-unreadable")


def test_directory_larger_than_allowed_is_not_listed() -> None:
    extra: dict[str, bytes | None] = {f"word/{'n' * 200}{i}": b"" for i in range(MAX_MEMBERS)}
    data = patched(DOCX_CASE.read_bytes(), extra)
    assert sniff_kind(data) == "zip-damaged"


def test_central_directory_lying_about_size(campaign: Campaign) -> None:
    big = zip_of({"[Content_Types].xml": members_of(DOCX_CASE.read_bytes())
                  ["[Content_Types].xml"], "word/document.xml": bytes(80 * 1024 * 1024)})
    lying = with_central_size(big, "word/document.xml", 100_000)
    archive = open_zip(lying)
    member = archive.getinfo("word/document.xml")
    assert len(read_head(archive, member, 500)) == 500
    with pytest.raises(UnreadableFile, match="CRC"):
        read_head(archive, member, 10**9)  # inflation stops at the declared size
    unreadable_with(timed(lying, "liar.docx", campaign), "file-unreadable")


def test_small_part_read_is_capped() -> None:
    data = zip_of({"[Content_Types].xml": b"<Types>" + b" " * (4 * 1024 * 1024) + b"</Types>"})
    with pytest.raises(Exception, match="too large"):
        read_small(zipfile.ZipFile(io.BytesIO(data)), "[Content_Types].xml")


def test_nested_zip_is_never_opened(campaign: Campaign) -> None:
    inner = zip_of({f"layer{i}.bin": bytes(20 * 1024 * 1024) for i in range(5)})
    base = DOCX_CASE.read_bytes()
    data = patched(base, {"word/embeddings/inner.zip": inner})
    same_reading(timed(data, "nested.docx", campaign), read_form(base, "d.docx", campaign))


def test_zipped_form_is_not_a_form(campaign: Campaign) -> None:
    data = zip_of({"mau-dang-ky.docx": DOCX_CASE.read_bytes()})
    unreadable_with(timed(data, "forms.zip", campaign), "file-type-unsupported")


def test_truncated_archive(campaign: Campaign) -> None:
    data = DOCX_CASE.read_bytes()
    unreadable_with(timed(data[: len(data) // 2], "cut.docx", campaign), "file-unreadable")


# ---------------------------------------------------------------- macro-enabled

def test_docm_is_read_without_its_macros(campaign: Campaign) -> None:
    docm = docm_of(DOCX_CASE.read_bytes())
    with pytest.raises(ValueError):
        docx.Document(io.BytesIO(docm))  # what python-docx alone does with a .docm
    report = timed(docm, "form.docm", campaign)
    assert report.kind == "docx"
    same_reading(report, read_form(DOCX_CASE.read_bytes(), "form.docx", campaign))


def test_dotx_template_is_read(campaign: Campaign) -> None:
    base = DOCX_CASE.read_bytes()
    types = members_of(base)["[Content_Types].xml"].decode().replace(
        DOCX_MAIN,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml")
    report = timed(patched(base, {"[Content_Types].xml": types.encode()}), "form.dotx", campaign)
    same_reading(report, read_form(base, "form.docx", campaign))


def test_xlsm_is_read_without_its_macros(campaign: Campaign) -> None:
    report = timed(xlsm_of(XLSX_CASE.read_bytes()), "form.xlsm", campaign)
    assert report.kind == "xlsx"
    same_reading(report, read_form(XLSX_CASE.read_bytes(), "form.xlsx", campaign))


# ---------------------------------------------------------------- protected and legacy

@pytest.mark.parametrize("name", ["encrypted.docx", "encrypted.xlsx"])
def test_password_protected_office_file(name: str, campaign: Campaign) -> None:
    report = timed((HOSTILE / name).read_bytes(), name, campaign)
    unreadable_with(report, "file-protected")
    assert "mật khẩu" in finding_message(report.findings[0])


def test_synthetic_encrypted_ole(campaign: Campaign) -> None:
    unreadable_with(timed(ole_file(encrypted=True), "x.docx", campaign), "file-protected")


def test_zip_level_encryption(campaign: Campaign) -> None:
    data = with_encryption_flag(DOCX_CASE.read_bytes())
    unreadable_with(timed(data, "locked.docx", campaign), "file-protected")


@pytest.mark.parametrize("name", ["form.doc", "form.xls"])
def test_legacy_office_file(name: str, campaign: Campaign) -> None:
    report = timed(ole_file(encrypted=False), name, campaign)
    unreadable_with(report, "file-type-unsupported")
    assert report.kind == "ole"
    message = finding_message(report.findings[0])
    assert ".docx" in message and ".xlsx" in message and "Save As" in message


# ---------------------------------------------------------------- oversized

def test_file_over_the_limit(campaign: Campaign) -> None:
    report = timed(b"PK" + bytes(MAX_FILE_BYTES), "huge.docx", campaign)
    unreadable_with(report, "file-too-large")
    assert "dung lượng" in finding_message(report.findings[0])


@pytest.fixture(scope="module")
def form_rows() -> list[list[object]]:
    return sheet_rows(XLSX_CASE)


def test_sheet_of_100k_rows_with_the_form_on_top(form_rows: list[list[object]],
                                                 campaign: Campaign) -> None:
    report = timed(long_sheet(form_rows, 100_000), "long.xlsx", campaign)
    expected = read_form(XLSX_CASE.read_bytes(), "x.xlsx", campaign)
    assert (report.verdict, report.quantities) == (expected.verdict, expected.quantities)


def test_form_below_the_scanned_rows_is_not_found(form_rows: list[list[object]],
                                                  campaign: Campaign) -> None:
    report = timed(long_sheet(form_rows, 10, form_at=1_500), "late.xlsx", campaign)
    unreadable_with(report, "form-not-found")


# ---------------------------------------------------------------- odd containers and layouts

def test_empty_zip(campaign: Campaign) -> None:
    unreadable_with(timed(zip_of({}), "empty.docx", campaign), "file-type-unsupported")


def test_zip_with_only_content_types(campaign: Campaign) -> None:
    data = zip_of({"[Content_Types].xml": members_of(DOCX_CASE.read_bytes())
                   ["[Content_Types].xml"]})
    unreadable_with(timed(data, "types.docx", campaign), "file-type-unsupported")


def test_docx_without_document_part(campaign: Campaign) -> None:
    data = patched(DOCX_CASE.read_bytes(), {"word/document.xml": None})
    unreadable_with(timed(data, "hollow.docx", campaign), "file-unreadable")


def test_docx_without_body(campaign: Campaign) -> None:
    document = f'<w:document xmlns:w="{W}"/>'.encode()
    data = patched(DOCX_CASE.read_bytes(), {"word/document.xml": document})
    assert timed(data, "bodiless.docx", campaign).verdict == "unreadable"


def test_xlsx_without_sheets(campaign: Campaign) -> None:
    members = members_of(XLSX_CASE.read_bytes())
    workbook = members["xl/workbook.xml"].decode()
    start, end = workbook.index("<sheets>"), workbook.index("</sheets>") + len("</sheets>")
    data = patched(XLSX_CASE.read_bytes(),
                   {"xl/workbook.xml": (workbook[:start] + workbook[end:]).encode()})
    assert timed(data, "nosheets.xlsx", campaign).verdict == "unreadable"


def test_merged_cells_everywhere(campaign: Campaign) -> None:
    wb = openpyxl.load_workbook(XLSX_CASE)
    ws = wb.worksheets[0]
    for top in range(1, 120, 2):
        for left in range(1, 60, 3):
            ws.merge_cells(start_row=top + 60, start_column=left, end_row=top + 61,
                           end_column=left + 2)
    out = io.BytesIO()
    wb.save(out)
    assert timed(out.getvalue(), "merged.xlsx", campaign).verdict


def test_wide_sheet(form_rows: list[list[object]], campaign: Campaign) -> None:
    wide = [row + [f"cột {c}" for c in range(200)] for row in form_rows]
    report = timed(long_sheet(wide, 0), "wide.xlsx", campaign)
    expected = read_form(XLSX_CASE.read_bytes(), "x.xlsx", campaign)
    assert report.quantities == expected.quantities


def _table(inner: str, rows: int = 1, cols: int = 1) -> str:
    cell = f"<w:tc><w:p><w:r><w:t>ô</w:t></w:r></w:p>{inner}</w:tc>"
    return "<w:tbl>" + ("<w:tr>" + cell * cols + "</w:tr>") * rows + "</w:tbl>"


def test_docx_with_500_tables(campaign: Campaign) -> None:
    data = docx_body((_table("", rows=3, cols=3) + "<w:p/>") * 500)
    unreadable_with(timed(data, "tables.docx", campaign), "form-not-found")


@pytest.mark.parametrize("depth", [50, 120])
def test_deeply_nested_tables(depth: int, campaign: Campaign) -> None:
    inner = ""
    for _ in range(depth):
        inner = _table(inner + "<w:p/>")
    report = timed(docx_body(inner), "deep.docx", campaign)
    assert codes(report) == ["form-not-found" if depth < 100 else "file-unreadable"]


def test_hostile_grid_span_and_vertical_merge(campaign: Campaign) -> None:
    wide = '<w:tc><w:tcPr><w:gridSpan w:val="2147483647"/></w:tcPr><w:p/></w:tc>'
    merged = '<w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc>'
    rows = "<w:tr>" + wide + "</w:tr>" + ("<w:tr>" + merged * 60 + "</w:tr>") * 250
    report = timed(docx_body("<w:tbl>" + rows + "</w:tbl>"), "span.docx", campaign)
    unreadable_with(report, "form-not-found")  # read through, not refused by the zip checks


def test_sniffing_never_lists_a_hostile_directory() -> None:
    assert sniff_kind(b"PK\x05\x06" + bytes(18)) == "zip"
    assert sniff_kind(b"PK\x03\x04garbage") == "zip-damaged"


def iter_odd_bytes() -> Iterator[bytes]:
    rng = random.Random(1)
    yield b""
    yield b"   \n"
    yield b"%PDF-1.7\n" + rng.randbytes(100)
    yield rng.randbytes(3000)
    yield b"PK" + rng.randbytes(3000)


@pytest.mark.parametrize("data", list(iter_odd_bytes()))
def test_odd_bytes(data: bytes, campaign: Campaign) -> None:
    assert timed(data, "odd.docx", campaign).verdict == "unreadable"


def test_print_area_that_openpyxl_matches_in_quadratic_time(campaign: Campaign) -> None:
    members = members_of(XLSX_CASE.read_bytes())
    workbook = members["xl/workbook.xml"].decode()
    names = (f'<definedNames><definedName name="_xlnm.Print_Area" localSheetId="0">'
             f'{"A" * 70_000}</definedName></definedNames>')
    workbook = workbook.replace("</sheets>", "</sheets>" + names, 1)
    data = patched(XLSX_CASE.read_bytes(), {"xl/workbook.xml": workbook.encode()})
    unreadable_with(timed(data, "redos.xlsx", campaign), "file-unreadable")


def test_number_format_longer_than_excel_writes(campaign: Campaign) -> None:
    members = members_of(XLSX_CASE.read_bytes())
    styles = members["xl/styles.xml"].decode()
    fmt = f'<numFmts count="1"><numFmt numFmtId="200" formatCode="{"[" * 60_000}"/></numFmts>'
    at = styles.index(">", styles.index("<styleSheet")) + 1
    data = patched(XLSX_CASE.read_bytes(),
                   {"xl/styles.xml": (styles[:at] + fmt + styles[at:]).encode()})
    unreadable_with(timed(data, "numfmt.xlsx", campaign), "file-unreadable")


def test_the_read_only_sheet_swap_is_undone_after_reading(campaign: Campaign) -> None:
    import openpyxl.reader.excel
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    from replies.forms.blank_xlsx import blank_form_xlsx

    assert read_form(blank_form_xlsx(campaign), "mau.xlsx", campaign).quantities is not None
    assert openpyxl.reader.excel.ReadOnlyWorksheet is ReadOnlyWorksheet
