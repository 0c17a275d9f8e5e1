"""Converting a file with LibreOffice headless (`soffice --convert-to`), for the formats no
Python library reads well (Word 97-2003 .doc, RTF).

Each conversion runs in a fresh temporary folder with its own LibreOffice profile and output
folder: two conversions sharing a profile make the second exit silently with no output, and
two outputs of one name overwrite each other. soffice starts helper processes, so it runs in
a process group of its own, and the whole group is killed on timeout and afterwards.

LibreOffice is an optional dependency: without it, the file gets the finding
`file-converter-missing` and the sender is asked for another format. `BCY_INTAKE_SOFFICE`
names the program when it is not on PATH ("none" turns conversion off).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from parsers.codes import FindingCode
from parsers.read.errors import UnreadableFile

TIME_LIMIT = 40.0  # seconds; well under the reader process's own limit, so it can answer
MAX_OUTPUT = 64 * 1024 * 1024
ENVIRONMENT_VARIABLE = "BCY_INTAKE_SOFFICE"
_CANDIDATES = ("soffice", "libreoffice", "/usr/lib/libreoffice/program/soffice",
               "/opt/libreoffice/program/soffice")


def find_soffice() -> str | None:
    """The LibreOffice program to run, or None when there is none."""
    chosen = os.environ.get(ENVIRONMENT_VARIABLE, "").strip()
    if chosen.lower() in ("none", "off", "0"):
        return None
    for name in (chosen,) if chosen else _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _environment(home: Path) -> dict[str, str]:
    # A private HOME and TMPDIR: nothing of the service account's is read or left behind.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home),
           "TMPDIR": str(home), "LANG": "C.UTF-8", "SAL_USE_VCLPLUGIN": "svp"}
    return env


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def convert(data: bytes, suffix: str, target: str, seconds: float = TIME_LIMIT) -> bytes:
    """`data` (a file whose usual extension is `suffix`, e.g. ".doc") converted to `target`
    (e.g. "docx"). Raises UnreadableFile: `file-converter-missing` without LibreOffice,
    `file-too-complex` past the time limit, `file-unreadable` when nothing comes out."""
    program = find_soffice()
    if program is None:
        raise UnreadableFile(FindingCode.FILE_CONVERTER_MISSING, "soffice not found")
    with tempfile.TemporaryDirectory(prefix="bcy-soffice-") as folder:
        work = Path(folder)
        source, out = work / f"input{suffix}", work / "out"
        source.write_bytes(data)
        command = [program, f"-env:UserInstallation={(work / 'profile').as_uri()}",
                   "--headless", "--invisible", "--norestore", "--nolockcheck", "--nologo",
                   "--nodefault", "--convert-to", target, "--outdir", str(out), str(source)]
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, cwd=work, env=_environment(work),
                                   start_new_session=True)
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired as exc:
            raise UnreadableFile(FindingCode.FILE_TOO_COMPLEX, "conversion timed out") from exc
        finally:
            _kill_group(process)  # helpers left running, or all of it on timeout
            process.wait()
        return _output(out / f"input.{target}", process.returncode)


def _output(path: Path, status: int) -> bytes:
    if not path.is_file():
        raise UnreadableFile(FindingCode.FILE_UNREADABLE,
                             f"conversion gave no file (exit {status})")
    if path.stat().st_size > MAX_OUTPUT:
        raise UnreadableFile(FindingCode.FILE_TOO_LARGE, "converted file")
    return path.read_bytes()
