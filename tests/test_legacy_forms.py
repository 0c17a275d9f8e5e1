"""Forms typed in TCVN3 (.VnTime, .VnTimeH) and VNI (VNI-Times) fonts, in every format
(tests/forms/make_legacy_fonts.py), read exactly like the same form typed in Unicode: through
`check --json`, same verdict, agency, number, date, numbers and findings."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
import xlrd
from lxml import etree

from bot.commands.forms.check import check_file
from parsers.odf.read_ods import read_ods
from parsers.odf.read_odt import read_odt
from parsers.read.document import Grid
from parsers.read.read_docx import read_docx
from parsers.read.read_xls import read_xls
from parsers.read.soffice import convert
from parsers.spec.campaign import default_campaign
from replies.findings import report_json
from tests.forms.make_legacy_fonts import OUT
from tests.test_converted_forms import HAVE_SOFFICE
from tests.test_legacy import ABC, vni_encode

SPREADSHEETS = (".xlsx", ".xls", ".ods")
FILES = sorted(p for p in OUT.iterdir() if not p.name.startswith("unicode."))
AGENCY = {"text": "Ủy ban nhân dân tỉnh Quảng Ninh", "sheet": "Bộ Giao thông vận tải"}


def _family(path: Path) -> str:
    return "sheet" if path.suffix in SPREADSHEETS else "text"


WORD = {"text": "Quảng", "sheet": "thông"}  # a word of the agency's name with a mark


def _encoded(path: Path) -> str:
    """That word as the file's encoding stores it."""
    word = WORD[_family(path)]
    return "".join(ABC.get(c, c) for c in word) if path.stem == "tcvn3" else vni_encode(word)


def _essence(report: dict[str, Any]) -> tuple[Any, ...]:
    findings = sorted((f["code"], f["field"], f["location"]) for f in report["findings"])
    return (report["verdict"], report["agency"], report["document_number"], report["place"],
            report["date"], report["quantities"], findings)


def _original(path: Path) -> dict[str, Any]:
    name = "unicode.xlsx" if path.suffix in SPREADSHEETS else "unicode.docx"
    return report_json(check_file(str(OUT / name), default_campaign()))


@pytest.fixture(scope="module")
def checked() -> dict[str, dict[str, Any]]:
    paths = [p for p in FILES if p.suffix != ".doc" or HAVE_SOFFICE]
    proc = subprocess.run([sys.executable, "-m", "bot", "check", "--json", *map(str, paths)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    return {item["file"]: item for item in json.loads(proc.stdout)}


def _stored_text(path: Path) -> str:
    """The file's text as stored, undecoded: XML parts, BIFF strings, or (for .doc) the DOCX
    LibreOffice makes of it."""
    if path.suffix == ".xls":
        book = xlrd.open_workbook(str(path))
        sheet = book.sheet_by_index(0)
        return "\n".join(str(sheet.cell_value(r, c)) for r in range(sheet.nrows)
                         for c in range(sheet.ncols))
    data = convert(path.read_bytes(), ".doc", "docx") if path.suffix == ".doc" \
        else path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "\n".join("".join(etree.fromstring(archive.read(n)).itertext())
                         for n in archive.namelist() if n.endswith(".xml"))


def test_every_encoding_and_format_is_there() -> None:
    assert {(p.stem, p.suffix) for p in FILES} == {
        (e, s) for e in ("tcvn3", "vni") for s in (".docx", ".doc", ".odt", *SPREADSHEETS)}


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_reads_like_the_unicode_form(path: Path, checked: dict[str, dict[str, Any]]) -> None:
    if path.name not in checked:
        pytest.skip("soffice (LibreOffice) is not installed")
    got = checked[path.name]
    assert got["verdict"] == "accepted"
    assert got["agency"] == AGENCY[_family(path)]
    assert got["quantities"]["personal_usb_token"]["2021"] == 1250
    assert _essence(got) == _essence(_original(path))


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_the_file_really_holds_legacy_text(path: Path) -> None:
    if path.suffix == ".doc" and not HAVE_SOFFICE:
        pytest.skip("soffice (LibreOffice) is not installed")
    stored = _stored_text(path)
    assert _encoded(path) in stored
    assert WORD[_family(path)] not in stored


@pytest.mark.parametrize("path", [p for p in FILES if p.suffix in (".odt", ".ods", ".xls")],
                         ids=lambda p: p.name)
def test_cells_carry_the_legacy_font_name(path: Path) -> None:
    reader = {".odt": read_odt, ".ods": read_ods, ".xls": read_xls}[path.suffix]
    document = reader(path.read_bytes())
    fonts = {c.font for g in document.blocks if isinstance(g, Grid) for row in g.rows for c in row}
    wanted = {".VnTime", ".VnTimeH"} if path.stem == "tcvn3" else {"VNI-Times"}
    assert wanted <= fonts


def test_a_docx_from_the_doc_keeps_the_fonts() -> None:
    if not HAVE_SOFFICE:
        pytest.skip("soffice (LibreOffice) is not installed")
    document = read_docx(convert((OUT / "tcvn3.doc").read_bytes(), ".doc", "docx"))
    fonts = {c.font for g in document.grids for row in g.rows for c in row}
    assert {".VnTime", ".VnTimeH"} <= fonts


def test_an_xls_cell_mixing_fonts_is_decoded_run_by_run(tmp_path: Path) -> None:
    if not HAVE_SOFFICE:
        pytest.skip("soffice (LibreOffice) is not installed")
    from openpyxl import Workbook
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    workbook = Workbook()
    workbook.active["A1"] = CellRichText([
        TextBlock(InlineFont(rFont="Times New Roman"), "Kính gửi: "),
        TextBlock(InlineFont(rFont=".VnTime"), "".join(ABC.get(c, c) for c in "ủy ban nhân dân"))])
    workbook.save(tmp_path / "runs.xlsx")
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'p').as_uri()}",
                    "--headless", "--convert-to", "xls", "--outdir", str(tmp_path),
                    str(tmp_path / "runs.xlsx")], check=True, capture_output=True, timeout=120)
    [grid] = read_xls((tmp_path / "runs.xls").read_bytes()).grids
    assert grid.rows[0][0].text == "Kính gửi: ủy ban nhân dân"
