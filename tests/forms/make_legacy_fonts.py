"""Write filled forms typed in the legacy Vietnamese fonts, in every format a reader takes.

Usage:  python tests/forms/make_legacy_fonts.py      (needs `soffice`; writes tests/forms/legacy/)

The official form filled for one agency is re-typed the way an office with the old fonts
types it: TCVN3 (ABC) text in `.VnTime` with capital letters in `.VnTimeH` (the capitals font
draws the lowercase codes as capitals), or VNI-Windows text in `VNI-Times`. The DOCX and XLSX
are written here; LibreOffice saves them again as .doc/.odt and .xls/.ods, keeping the font
names. Each must read exactly like the Unicode original (filled by demo.forms).

Word text mixes fonts run by run, so the Word forms name an agency with a capital ABC cannot
write (Ủ, in .VnTimeH alone); an Excel cell has one font, so the workbooks name one whose
mixed-case text ABC writes whole.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from copy import copy
from pathlib import Path
from typing import Any

import docx
import openpyxl

from demo.forms import Filling, fill_docx, fill_xlsx
from parsers.spec.campaign import default_campaign
from tests.test_legacy import ABC, vni_encode

HERE = Path(__file__).resolve().parent
OUT = HERE / "legacy"
CAMPAIGN = default_campaign()
TEXT_FILLING = Filling("ỦY BAN NHÂN DÂN\nTỈNH QUẢNG NINH", "Ủy ban nhân dân tỉnh Quảng Ninh",
                  "1520/UBND-KSTTHCNC", "Quảng Ninh, ngày 12 tháng 5 năm 2021",
                  numbers={"organization_usb_token": {"2021": 40, "2022": 12},
                           "personal_usb_token": {"2021": "1.250"},
                           "personal_sim_pki": {"2023": 8},
                           "device_service_software": {"2025": 3}})
SHEET_FILLING = Filling("BỘ GIAO THÔNG VẬN TẢI", "Bộ Giao thông vận tải", "3456/BGTVT-CNTT",
                        "Hà Nội, ngày 12 tháng 5 năm 2021",
                        numbers={"organization_usb_token": {"2021": 40, "2022": 12},
                                 "personal_usb_token": {"2021": "1.250"},
                                 "personal_sim_pki": {"2023": 8},
                                 "device_service_software": {"2025": 3}})
TCVN3, TCVN3_CAPITALS, VNI = ".VnTime", ".VnTimeH", "VNI-Times"
Segment = tuple[str, str]  # encoded text, font


def _merge(segments: list[Segment]) -> list[Segment]:
    out: list[Segment] = []
    for text, font in segments:
        if out and out[-1][1] == font:
            out[-1] = (out[-1][0] + text, font)
        else:
            out.append((text, font))
    return out


def tcvn3_segments(text: str) -> list[Segment]:
    """TCVN3 runs: a line in capitals in .VnTimeH; otherwise .VnTime, and a capital that ABC
    cannot write (Ủ, Ấ...) in .VnTimeH alone."""
    if any(c.isalpha() for c in text) and text == text.upper():
        return [("".join(ABC.get(c, c) for c in text.lower()), TCVN3_CAPITALS)]
    segments = []
    for c in text:
        if c in ABC or not c.isalpha() or c.isascii():
            segments.append((ABC.get(c, c), TCVN3))
        else:
            segments.append((ABC.get(c.lower(), c.lower()), TCVN3_CAPITALS))
    return _merge(segments)


def vni_segments(text: str) -> list[Segment]:
    return [(vni_encode(text), VNI)]


def _paragraphs(container: Any) -> Iterator[Any]:
    yield from container.paragraphs
    for table in container.tables:
        for row in table.rows:
            seen: set[int] = set()
            for cell in row.cells:
                if id(cell._tc) not in seen:
                    seen.add(id(cell._tc))
                    yield from _paragraphs(cell)


def retype_docx(data: bytes, segments_of: Callable[[str], list[Segment]]) -> bytes:
    document = docx.Document(io.BytesIO(data))
    for p in list(_paragraphs(document)):
        lines = p.text.split("\n")
        if not p.text.strip():
            continue
        bold = any(r.bold for r in p.runs)
        for r in list(p.runs):
            r._r.getparent().remove(r._r)
        for n, line in enumerate(lines):
            for text, font in segments_of(line):
                run = p.add_run(text)
                run.font.name = font
                run.bold = bold
            if n < len(lines) - 1:
                p.add_run().add_break()
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def retype_xlsx(data: bytes, segments_of: Callable[[str], list[Segment]]) -> bytes:
    """One font per cell; a cell whose text would need two is left in Unicode."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if not isinstance(cell.value, str) or not cell.value.strip():
                    continue
                segments = segments_of(cell.value)
                if len(segments) != 1:
                    continue
                cell.value = segments[0][0]
                font = copy(cell.font)
                font.name = segments[0][1]
                cell.font = font
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def convert(files: list[Path], fmt: str) -> None:
    exe = shutil.which("soffice")
    if exe is None:
        sys.exit("soffice is not installed")
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        subprocess.run([exe, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless",
                        "--norestore", "--convert-to", fmt, "--outdir", str(OUT),
                        *map(str, files)], check=True, capture_output=True, timeout=600)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    (OUT / "unicode.docx").write_bytes(fill_docx(CAMPAIGN, TEXT_FILLING))
    (OUT / "unicode.xlsx").write_bytes(fill_xlsx(CAMPAIGN, SHEET_FILLING))
    texts, sheets = [], []
    for name, segments_of in (("tcvn3", tcvn3_segments), ("vni", vni_segments)):
        text, sheet = OUT / f"{name}.docx", OUT / f"{name}.xlsx"
        text.write_bytes(retype_docx(fill_docx(CAMPAIGN, TEXT_FILLING), segments_of))
        sheet.write_bytes(retype_xlsx(fill_xlsx(CAMPAIGN, SHEET_FILLING), segments_of))
        texts.append(text)
        sheets.append(sheet)
    for fmt in ("doc", "odt"):
        convert(texts, fmt)
    for fmt in ("xls", "ods"):
        convert(sheets, fmt)
    print("\n".join(sorted(p.name for p in OUT.iterdir())))


if __name__ == "__main__":
    main()
