"""ODS/ODT under the OOXML guards (repeat counts, DTDs, passwords, floods), templates of every
format read like their documents, and the LibreOffice path for .doc/.rtf: missing, slow,
password-protected, and inside the isolated reader's memory limit."""

from __future__ import annotations

import io
import json
import os
import random
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from bot.intake.isolated import read_attachment_isolated
from parsers.form.parse import FormReport, read_form
from parsers.odf.read_ods import read_ods
from parsers.odf.read_odt import read_odt
from parsers.read.document import Grid
from parsers.read.soffice import ENVIRONMENT_VARIABLE, convert
from parsers.spec.campaign import default_campaign
from tests.conftest import REPO_ROOT, servers_required
from tests.test_hostile_files import (
    DOCX_CASE,
    SECONDS,
    XLSX_CASE,
    codes,
    docm_of,
    members_of,
    patched,
    xlsm_of,
)
from tests.test_hostile_files import timed as hostile_timed

CAMPAIGN = default_campaign()
CONVERTED = Path(__file__).resolve().parent / "forms" / "converted"
NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
      'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
      'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
      'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
      'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"')


def odf(kind: str, body: str, prolog: str = '<?xml version="1.0" encoding="UTF-8"?>',
        encrypted: bool = False, styles: str = "") -> bytes:
    mime = f"application/vnd.oasis.opendocument.{kind}"
    element = "spreadsheet" if kind.startswith("spreadsheet") else "text"
    content = (f'{prolog}<office:document-content {NS}><office:automatic-styles>{styles}'
               f'</office:automatic-styles><office:body><office:{element}>{body}'
               f'</office:{element}></office:body></office:document-content>')
    entry = ('<manifest:encryption-data manifest:checksum-type="SHA1/1K"/>' if encrypted else "")
    manifest = ('<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
                f'manifest:1.0"><manifest:file-entry manifest:full-path="content.xml">{entry}'
                '</manifest:file-entry></manifest:manifest>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", mime, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def timed(data: bytes, name: str) -> FormReport:
    return hostile_timed(data, name, CAMPAIGN)


def same(a: FormReport, b: FormReport) -> None:
    assert (a.verdict, a.agency, a.quantities, codes(a)) == (b.verdict, b.agency, b.quantities,
                                                            codes(b))


# --- ODS and ODT, hostile ---------------------------------------------------------------------

def test_repeat_counts_are_expanded_only_over_the_form_corner() -> None:
    row = ('<table:table-row table:number-rows-repeated="1000000"><table:table-cell '
           'table:number-columns-repeated="16384" office:value-type="string"><text:p>x</text:p>'
           '</table:table-cell></table:table-row>')
    data = odf("spreadsheet", f'<table:table table:name="S">{row}</table:table>' * 3)
    started = time.monotonic()
    document = read_ods(data)
    assert time.monotonic() - started < SECONDS
    [grid, *_] = document.grids
    assert len(grid.rows) == 1000 and len(grid.rows[0]) == 60
    assert grid.rows[999][59].location.cell == "BH1000"


def test_empty_rows_repeated_a_million_times_cost_nothing() -> None:
    rows = ('<table:table-row><table:table-cell office:value-type="float" office:value="7">'
            '<text:p>7</text:p></table:table-cell></table:table-row>'
            '<table:table-row table:number-rows-repeated="1048570"><table:table-cell '
            'table:number-columns-repeated="1024"/></table:table-row>'
            '<table:table-row><table:table-cell office:value-type="string"><text:p>cuối</text:p>'
            '</table:table-cell></table:table-row>')
    [grid] = read_ods(odf("spreadsheet", f'<table:table table:name="S">{rows}</table:table>')
                      ).grids
    assert [[c.value for c in row] for row in grid.rows] == [[7]]
    assert len(grid.rows) == 1  # the flood is never built; the row after it lies past the corner


def test_a_huge_sheet_is_streamed() -> None:
    rnd = random.Random(3)  # varied values: a real sheet compresses far less than a bomb
    rows = "".join(f'<table:table-row><table:table-cell office:value-type="float" '
                   f'office:value="{v}"><text:p>{v}</text:p></table:table-cell></table:table-row>'
                   for v in (rnd.randrange(10 ** 9) for _ in range(150_000)))
    report = timed(odf("spreadsheet", f'<table:table table:name="S">{rows}</table:table>'),
                   "lon.ods")
    assert codes(report) == ["form-not-found"]


def test_typed_spaces_are_bounded() -> None:
    cell = ('<table:table-row><table:table-cell office:value-type="string"><text:p>a'
            '<text:s text:c="1000000000"/>b</text:p></table:table-cell></table:table-row>')
    [grid] = read_ods(odf("spreadsheet", f'<table:table table:name="S">{cell}</table:table>')
                      ).grids
    assert grid.rows[0][0].text == "a b"  # spaces collapse in the cleaned text
    assert len(str(grid.rows[0][0].value)) <= 102


@pytest.mark.parametrize("kind", ["spreadsheet", "text"])
def test_a_dtd_is_refused_before_parsing(kind: str) -> None:
    prolog = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
              '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>')
    report = timed(odf(kind, "<text:p>&b;</text:p>", prolog=prolog), "dtd.ods")
    assert codes(report) == ["file-unreadable"]


@pytest.mark.parametrize("kind", ["spreadsheet", "text"])
def test_a_password_protected_odf(kind: str) -> None:
    assert codes(timed(odf(kind, "", encrypted=True), "khoa.ods")) == ["file-protected"]


def test_odt_merged_and_repeated_cells_keep_their_columns() -> None:
    table = ('<table:table><table:table-row><table:table-cell table:number-columns-spanned="2">'
             '<text:p>gộp</text:p></table:table-cell><table:covered-table-cell/>'
             '<table:table-cell table:number-columns-repeated="100000"><text:p>x</text:p>'
             '</table:table-cell></table:table-row></table:table>')
    [grid] = read_odt(odf("text", table)).grids
    row = grid.rows[0]
    assert [c.text for c in row[:3]] == ["gộp", "", "x"] and len(row) == 64
    assert row[2].location.column == "3"


def test_odt_tables_nested_deeply_are_cut_off() -> None:
    nested = "<text:p>đáy</text:p>"
    for _ in range(60):
        nested = ("<table:table><table:table-row><table:table-cell>"
                  f"{nested}</table:table-cell></table:table-row></table:table>")
    document = read_odt(odf("text", nested))
    assert 1 < len(document.grids) <= 60


# --- templates --------------------------------------------------------------------------------

TEMPLATE_TYPES = {
    "xltx": "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    "xltm": "application/vnd.ms-excel.template.macroEnabled.main+xml",
    "dotx": "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    "dotm": "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
}
MAIN_TYPES = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "application/vnd.ms-word.document.macroEnabled.main+xml",
)


def template_of(suffix: str) -> tuple[bytes, bytes]:
    """A template of the format `suffix` (xltx, xltm, dotx, dotm, ots, ott) made from a
    form, and the form it was made from."""
    if suffix in ("ots", "ott"):
        kind = "spreadsheet" if suffix == "ots" else "text"
        original = (CONVERTED / ("template-clean.ods" if suffix == "ots"
                                 else "template-clean.odt")).read_bytes()
        return patched(original, {"mimetype": f"application/vnd.oasis.opendocument.{kind}"
                                              "-template".encode()}), original
    text = suffix.startswith("d")
    original = (DOCX_CASE if text else XLSX_CASE).read_bytes()
    base = (docm_of if text else xlsm_of)(original) if suffix.endswith("m") else original
    types = members_of(base)["[Content_Types].xml"].decode()
    for main in MAIN_TYPES:
        types = types.replace(main, TEMPLATE_TYPES[suffix])
    return patched(base, {"[Content_Types].xml": types.encode()}), original


TEMPLATES = [*sorted(TEMPLATE_TYPES), "ots", "ott"]


@pytest.mark.parametrize("suffix", TEMPLATES)
def test_templates_read_like_their_documents(suffix: str) -> None:
    template, original = template_of(suffix)
    same(timed(template, f"mau.{suffix}"), read_form(original, "mau", CAMPAIGN))


def test_templates_through_check_json(tmp_path: Path) -> None:
    paths = []
    for suffix in TEMPLATES:
        paths.append(tmp_path / f"mau.{suffix}")
        paths[-1].write_bytes(template_of(suffix)[0])
    proc = subprocess.run([sys.executable, "-m", "bot", "check", "--json", *map(str, paths)],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
                          check=False)
    got = {o["file"]: o["verdict"] for o in json.loads(proc.stdout)}
    assert got == {f"mau.{s}": "accepted" for s in TEMPLATES} and proc.returncode == 0


# --- .doc and .rtf through LibreOffice --------------------------------------------------------

def _need_soffice() -> None:
    if shutil.which("soffice"):
        return
    if servers_required():
        pytest.fail("soffice (LibreOffice) is not installed: the .doc path is NOT tested")
    pytest.skip("soffice (LibreOffice) is not installed")


DOC = CONVERTED / "template-clean.doc"


def test_without_libreoffice_a_doc_asks_for_another_format(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, "none")
    report = timed(DOC.read_bytes(), "mau.doc")
    assert (report.verdict, codes(report), report.kind) == (
        "unreadable", ["file-converter-missing"], "doc")


def test_a_doc_saved_with_a_password_is_named_as_such() -> None:
    data = bytearray(DOC.read_bytes())
    # the WordDocument stream starts on a sector boundary with the FIB's magic number
    at = next(i for i in range(512, len(data), 512) if data[i:i + 2] == b"\xec\xa5")
    data[at + 0x0B] |= 0x01  # fEncrypted
    assert codes(timed(bytes(data), "khoa.doc")) == ["file-protected"]


def _soffice_processes(marker: str) -> list[str]:
    out = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True)
    return [line for line in out.stdout.splitlines() if marker in line]


def test_a_slow_conversion_is_stopped_with_its_whole_process_group() -> None:
    _need_soffice()
    from parsers.read.errors import UnreadableFile

    started = time.monotonic()
    with pytest.raises(UnreadableFile) as raised:
        convert(DOC.read_bytes(), ".doc", "docx", seconds=0.2)
    assert raised.value.code == "file-too-complex"
    assert time.monotonic() - started < 10
    time.sleep(0.5)
    assert _soffice_processes("bcy-soffice-") == []


def test_two_conversions_at_once_do_not_share_a_profile() -> None:
    _need_soffice()
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        outputs = list(pool.map(lambda _: convert(DOC.read_bytes(), ".doc", "docx"), range(2)))
    assert all(o.startswith(b"PK") for o in outputs)


def test_a_doc_reads_inside_the_isolated_reader() -> None:
    _need_soffice()
    [inside] = read_attachment_isolated(DOC.read_bytes(), "mau.doc", CAMPAIGN)
    assert inside.verdict == "accepted" and inside.kind == "doc"
    same(inside, read_form((CONVERTED.parent.parent / "golden" / "template-clean.docx")
                           .read_bytes(), "mau", CAMPAIGN))


def test_an_rtf_is_read_through_libreoffice(tmp_path: Path) -> None:
    _need_soffice()
    profile = tmp_path / "profile"
    subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    "--norestore", "--convert-to", "rtf", "--outdir", str(tmp_path),
                    str(DOC)], check=True, capture_output=True, timeout=120,
                   env={**os.environ, "HOME": str(tmp_path)})
    report = timed((tmp_path / "template-clean.rtf").read_bytes(), "mau.rtf")
    assert (report.verdict, report.kind, report.agency) == ("accepted", "rtf", "Bộ Tài chính")


def test_grids_of_a_converted_doc_keep_docx_locations() -> None:
    _need_soffice()
    from parsers.read.read_doc import read_doc

    grids = [b for b in read_doc(DOC.read_bytes()).blocks if isinstance(b, Grid)]
    assert grids[1].rows[2][3].location.table == 2
    assert grids[1].rows[2][3].location.row == 3
