"""Write the acceptance forms in the formats agencies' office software also saves: every DOCX
case as Word 97-2003 (.doc) and OpenDocument text (.odt), every XLSX case as Excel 97-2003
(.xls) and OpenDocument spreadsheet (.ods), converted by LibreOffice.

Usage:  python tests/forms/make_converted.py      (needs `soffice`; writes tests/forms/converted/)
then    UPDATE_GOLDEN=1 pytest tests/test_converted_forms.py   (writes the golden JSON)

Inputs whose original cannot be opened at all (zero bytes, truncated, random) are left out:
LibreOffice has nothing to convert. Each call converts one batch with its own profile folder.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
OUT = HERE / "converted"
SOURCES = (HERE / "cases", TESTS / "golden")
TARGETS = {".docx": ("doc", "odt"), ".xlsx": ("xls", "ods")}
# Originals LibreOffice cannot open: no conversion to compare.
NOT_CONVERTIBLE = ("u03_", "u04_", "u05_", "u06_", "u07_")


def sources() -> list[Path]:
    return sorted(p for folder in SOURCES for p in folder.iterdir()
                  if p.suffix in TARGETS and not p.name.startswith(NOT_CONVERTIBLE))


def original_of(converted: Path) -> Path:
    """The DOCX/XLSX file a converted file was made from."""
    suffix = ".docx" if converted.suffix in (".doc", ".odt") else ".xlsx"
    for folder in SOURCES:
        candidate = folder / (converted.stem + suffix)
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"no original for {converted.name}")


def convert_batch(files: list[Path], fmt: str) -> None:
    exe = shutil.which("soffice")
    if exe is None:
        sys.exit("soffice is not installed (apt-get install libreoffice-writer-nogui "
                 "libreoffice-calc-nogui)")
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        command = [exe, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless",
                   "--norestore", "--convert-to", fmt, "--outdir", str(OUT),
                   *map(str, files)]
        subprocess.run(command, check=True, capture_output=True, timeout=600)
    missing = [f.name for f in files if not (OUT / f"{f.stem}.{fmt}").exists()]
    if missing:
        raise RuntimeError(f"LibreOffice produced no {fmt} for {missing}")


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for suffix, formats in TARGETS.items():
        files = [p for p in sources() if p.suffix == suffix]
        for fmt in formats:
            convert_batch(files, fmt)
            print(f"{len(files)} {suffix} → .{fmt}")


if __name__ == "__main__":
    main()
