"""The lean XLSX reader reads every cell as openpyxl's read-only, data-only load reads it: the
same sheets, values (of the same type) and fonts, for every workbook of the tests and of the
third-party corpus (Excel, Excel Online, Mac Excel, LibreOffice, Gnumeric, openpyxl) and for a
workbook written to hold every kind of cell; what it does not know it hands to openpyxl."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from demo.forms import Filling, fill_xlsx
from parsers.read import read_xlsx as read_xlsx_module
from parsers.read.errors import UnreadableFile
from parsers.read.opc import normalized_package
from parsers.read.read_xlsx import read_xlsx
from parsers.read.safe_zip import check_zip
from parsers.read.xlsx.lean import lean_sheets
from parsers.read.xlsx.library import library_sheets
from parsers.read.xlsx.package import Unfamiliar
from parsers.read.xlsx.rows import Row
from parsers.spec.campaign import default_campaign
from replies.forms.blank_xlsx import blank_form_xlsx
from tests.archive_kit import zip_of
from tests.shared_corpus import CANDIDATES

TESTS = Path(__file__).resolve().parent
OURS = sorted(p for p in TESTS.rglob("*.xls[xm]"))
CORPUS = next((r / "corpus" / "spreadsheets-calamine" for r in CANDIDATES
               if (r / "corpus" / "spreadsheets-calamine").is_dir()), None)
THEIRS = sorted(CORPUS.glob("*.xls[xm]")) if CORPUS else []
# The corpus workbooks openpyxl reads another way, and why: each goes to openpyxl, no other.
HANDED_ON = {
    "any_sheets.xlsx": "no worksheet relationship",  # a chart sheet
    "issue438.xlsx": "no worksheet relationship",
    "date_iso.xlsx": "ISO date cell",
    "minimal_package.xlsx": "workbook part workbook.xml",
    "strict_iso_paths.xlsx": "purl.oclc.org",  # Strict OOXML
}
Sheets = list[tuple[str, list[Row]]]


def _typed(sheets: Sheets) -> list[object]:
    """Sheets with each value's type beside it: True is not 1, 2.0 is not 2."""
    return [(title, [[(type(s[0]), s[0], s[1]) if s else None for s in row] for row in rows])
            for title, rows in sheets]


def _both(data: bytes) -> tuple[Sheets | Exception, Sheets | Exception]:
    data = normalized_package(data)
    archive = check_zip(data)
    got: list[Sheets | Exception] = []
    for read in (lean_sheets, lambda a: library_sheets(a, data)):
        try:
            got.append(read(archive))
        except Exception as exc:  # noqa: BLE001  # compared below
            got.append(exc)
    return got[0], got[1]


def _readable(path: Path) -> bool:
    try:
        check_zip(normalized_package(path.read_bytes()))
    except UnreadableFile:
        return False
    return True


@pytest.mark.parametrize("path", [p for p in OURS + THEIRS if _readable(p)],
                         ids=lambda p: p.name)
def test_every_workbook_reads_as_openpyxl_reads_it(path: Path) -> None:
    lean, library = _both(path.read_bytes())
    if isinstance(lean, Unfamiliar):
        assert path.name in HANDED_ON and HANDED_ON[path.name] in str(lean), lean
        return
    assert path.name not in HANDED_ON
    assert not isinstance(lean, Exception), lean
    assert not isinstance(library, Exception), library
    assert _typed(lean) == _typed(library)


def test_our_forms_take_the_lean_path() -> None:
    """Every form of the tests, the blank form and a filled one: none costs openpyxl's load."""
    campaign = default_campaign()
    filled = fill_xlsx(campaign, Filling("BỘ TÀI CHÍNH", "Bộ Tài chính", "215/BTC-THTK"))
    forms = [p.read_bytes() for p in OURS if p.stem.startswith(("x", "template", "tcvn3"))]
    assert len(forms) >= 25
    for data in [*forms, blank_form_xlsx(campaign), filled]:
        assert lean_sheets(check_zip(normalized_package(data)))


# ---------------------------------------------------------------- every kind of cell

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_STYLES = f"""<styleSheet {_NS}><numFmts><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/>
<numFmt numFmtId="165" formatCode='[$-42A]d mmmm yyyy;@'/><numFmt numFmtId="166"
formatCode='"ngày" 0'/></numFmts><fonts><font><name val="Calibri"/></font>
<font><sz val="12"/><name val=".VnTime"/></font><font><sz val="11"/></font>
<font><name val=""/></font></fonts>
<cellXfs><xf/><xf numFmtId="14" fontId="1"/><xf numFmtId="164"/><xf numFmtId="20"/>
<xf numFmtId="46"/><xf numFmtId="9" fontId="2"/><xf numFmtId="49"/><xf fontId="9"/>
<xf numFmtId="165"/><xf numFmtId="166"/><xf fontId="3"/></cellXfs></styleSheet>"""
_STRINGS = f"""<sst {_NS}><si><r><rPr><b/></rPr><t>Bộ </t></r><r><t xml:space="preserve">Tài
 chính</t></r><rPh sb="0" eb="1"><t>ぶ</t></rPh></si><si><t>a_x005F_x000D_b</t></si>
<si><t/><r><rPr><i/></rPr></r></si><si><t>Boä Taøi chính</t></si></sst>"""
_CELLS = """<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>
<c r="C1" t="inlineStr"><is><t>inline _x005F_</t></is></c><c r="D1" t="inlineStr"><v>9</v>
<is><r><t>in</t></r><r><t>runs</t></r></is></c><c r="E1" t="b"><v>1</v></c>
<c r="F1" t="b"><v>0</v></c><c r="G1" t="e"><v>#DIV/0!</v></c>
<c r="H1" t="str"><f>A1&amp;B1</f><v>text</v></c><c r="I1"><v>12</v></c>
<c r="J1"><v>12.5</v></c><c r="K1"><v>1E3</v></c><c r="L1" s="1"><v>45000</v></c>
<c r="M1" s="2"><v>45000.5</v></c><c r="N1" s="3"><v>0.25</v></c><c r="O1" s="4"><v>1.5</v></c>
<c r="P1" s="5"><v>0.5</v></c><c r="Q1" s="6"><v>7</v></c><c r="R1" s=""><v>3</v></c>
<c r="S1" s="1"><v>-1000000000</v></c><c r="T1" s="7"><v>1</v></c><c r="U1" s="8"><v>45000</v></c>
<c r="V1" s="9"><v>3</v></c><c r="W1" s="1"><v>30</v></c><c r="X1" t="s"><v>3</v></c>
<c r="Y1" s="10"><v>1</v></c><c r="BZ1"><v>99</v></c></row>
<row><c><v>1</v></c><c t="s"><v>2</v></c><c s="1"><v>0</v></c></row>
<row r="4"><c r="A4"><v>4</v></c><c r="A4"><v>5</v></c><c r="C4" t="s"><v></v></c></row>
<row r="5.0"><c r="B5"><f>1+1</f><v>2</v></c><c r="C5"><f>1+1</f></c></row>
<row r="3"><c r="A3"><v>33</v></c></row>"""


def _workbook(properties: str) -> bytes:
    types = ("application/vnd.openxmlformats-officedocument.spreadsheetml.", "+xml")
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    return zip_of({
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            + "".join(f'<Override PartName="/xl/{part}" ContentType="{types[0]}{kind}{types[1]}"/>'
                      for part, kind in (("workbook.xml", "sheet.main"), ("styles.xml", "styles"),
                                         ("sharedStrings.xml", "sharedStrings"),
                                         ("worksheets/sheet1.xml", "worksheet")))
            + "</Types>").encode(),
        "_rels/.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>").encode(),
        "xl/workbook.xml": (
            f'<workbook {_NS} xmlns:r="{rel}">{properties}<sheets><sheet name="Biểu mẫu" '
            'sheetId="1" r:id="rId1"/></sheets></workbook>').encode(),
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>").encode(),
        "xl/styles.xml": _STYLES.encode(),
        "xl/sharedStrings.xml": _STRINGS.encode(),
        "xl/worksheets/sheet1.xml": f"<worksheet {_NS}><sheetData>{_CELLS}</sheetData>"
                                    "</worksheet>".encode(),
    })


@pytest.mark.parametrize("properties", ["", *(f'<workbookPr date1904="{flag}"/>' for flag in (
    "1", "true", "False", "false", "0", ""))])
def test_every_kind_of_cell_reads_as_openpyxl_reads_it(properties: str) -> None:
    lean, library = _both(_workbook(properties))
    assert not isinstance(lean, Exception), lean
    assert not isinstance(library, Exception), library
    assert _typed(lean) == _typed(library)
    values = [s[0] if s else None for s in lean[0][1][0]]
    assert values[:6] == ["Bộ Tài\n chính", "a_x000D_b", "inline _x005F_", "inruns", True, False]
    assert isinstance(values[11], dt.datetime) and values[18] == "#VALUE!"


@pytest.mark.parametrize("styles", [None, f'<styleSheet {_NS}><fonts><font><name val="Arial"/>'
                                          "</font></fonts><cellXfs/></styleSheet>"])
def test_a_workbook_without_cell_styles_reads_in_openpyxls_defaults(styles: str | None) -> None:
    """No styles part, or one without cell styles (as some generators write them): every
    style is openpyxl's default one (Calibri, no dates), on both paths."""
    members = _members(_workbook(""))
    members.pop("xl/styles.xml")
    data = zip_of({**members, **({"xl/styles.xml": styles.encode()} if styles else {})})
    lean, library = _both(data)
    assert not isinstance(lean, Exception), lean
    assert _typed(lean) == _typed(library)
    assert [s[1] if s else None for s in lean[0][1][0][:3]] == ["Calibri"] * 3


def test_what_the_lean_reader_does_not_know_goes_to_openpyxl() -> None:
    """An ISO date cell (t="d"): the lean reader hands the workbook on, openpyxl reads it."""
    iso = zip_of({**_members(_workbook("")), "xl/worksheets/sheet1.xml": (
        f'<worksheet {_NS}><sheetData><row r="1"><c r="A1"><v>1</v></c>'
        '<c r="B1" t="d"><v>2025-03-31T00:00:00</v></c></row></sheetData></worksheet>').encode()})
    with pytest.raises(Unfamiliar, match="ISO date"):
        lean_sheets(check_zip(iso))
    [grid] = read_xlsx(iso).grids
    assert [c.value for c in grid.rows[0]] == [1, dt.datetime(2025, 3, 31)]
    if CORPUS is not None:  # Strict OOXML: read as openpyxl reads it (no worksheet it knows)
        strict = (CORPUS / "strict_iso_paths.xlsx").read_bytes()
        with pytest.raises(Unfamiliar, match="purl.oclc.org"):
            lean_sheets(check_zip(strict))
        assert read_xlsx(strict).grids == []


_PRINT_AREA = "Sheet1!$A$1:$B$2," * 200


@pytest.mark.parametrize("part, old, new", [
    ("xl/worksheets/sheet1.xml", "</row>\n<row>", "</row>\n<rw>"),  # not well-formed
    ("xl/workbook.xml", "<sheets>", "<sheets/><sheets>"),  # openpyxl takes the last
    ("xl/styles.xml", '<xf fontId="9"/>', '<xf fontId="nine"/>'),
    ("xl/styles.xml", '<xf fontId="9"/>', '<xf fontId="4294967296"/>'),
    ("xl/styles.xml", '<xf fontId="9"/>', '<xf fontId="9" borderId="x"/>'),
    ("xl/worksheets/sheet1.xml", '<c r="X1" t="s"><v>3</v>', '<c r="X1" t="s"><v>30</v>'),
    ("xl/worksheets/sheet1.xml", "<v>12.5</v>", "<v>twelve</v>"),
    ("xl/worksheets/sheet1.xml", '<row r="3">', '<row r="3.5">'),
    ("xl/styles.xml", 'formatCode="dd/mm/yyyy"', f'formatCode="{"0" * 300}"'),
    ("xl/workbook.xml", "<sheets>", '<definedNames><definedName name="_xlnm.Print_Area" '
                                    f'localSheetId="0">{_PRINT_AREA}</definedName></definedNames>'
                                    "<sheets>"),
    ("xl/_rels/workbook.xml.rels", 'Id="rId1"', 'Id="rId7"'),
])
def test_a_broken_workbook_gets_openpyxls_verdict(part: str, old: str, new: str) -> None:
    """What the lean reader cannot read goes to openpyxl, whose verdict (or reading) stands,
    word for word as before; the lengths openpyxl's regexes cannot take are refused first."""
    members = _members(_workbook(""))
    assert old.encode() in members[part]
    data = zip_of({**members, part: members[part].replace(old.encode(), new.encode(), 1)})
    archive = check_zip(data)

    def verdict(read: Callable[[], object]) -> object:
        try:
            return read()
        except UnreadableFile as exc:
            return exc.code, exc.detail

    lean = verdict(lambda: [(g.name, g.rows) for g in read_xlsx(data).grids])
    library = verdict(lambda: [(g.name, g.rows) for g in (
        read_xlsx_module._grid(title, rows)
        for title, rows in read_xlsx_module._library_sheets(archive, data))])
    assert lean == library


def _local_date(members: dict[str, bytes]) -> None:
    core = members["docProps/core.xml"].decode()
    start = core.index(">", core.index("<dcterms:created")) + 1
    members["docProps/core.xml"] = (core[:start] + "ngày 5 tháng 3 năm 2025"
                                    + core[core.index("<", start):]).encode()


def _past_the_corner(members: dict[str, bytes]) -> None:
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    members["xl/worksheets/sheet1.xml"] = sheet.replace(
        "</row>", '<c r="ZZ1"><v>không phải số</v></c></row>', 1).encode()


@pytest.mark.parametrize("damage", [_local_date, _past_the_corner], ids=lambda f: f.__name__)
def test_damage_where_a_form_never_looks_no_longer_refuses_it(
        damage: Callable[[dict[str, bytes]], None]) -> None:
    """openpyxl refused a workbook for a date it cannot parse in the document properties (a
    writer that puts a local date there) or a cell it cannot read far past the corner a form
    is read from; the lean reader reads neither, so the form is read. The one kind of
    difference between the two paths, and on purpose."""
    members = _members((TESTS / "forms" / "cases" / "x01_bacninh_single_sheet.xlsx").read_bytes())
    damage(members)
    data = zip_of(members)
    with pytest.raises(UnreadableFile, match="ValueError"):
        read_xlsx_module._library_sheets(check_zip(data), data)
    assert read_xlsx(data).grids[0].rows


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {n: archive.read(n) for n in archive.namelist()}
