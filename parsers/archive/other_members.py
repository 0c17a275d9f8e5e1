"""The files of a .7z (py7zr), a .rar (rarfile with the unar or bsdtar program) and Outlook's
winmail.dat (TNEF, tnefparse), each listed and checked against the budget before anything is
taken out.

Why these: py7zr is the maintained pure-Python 7z reader (it caps what it inflates,
`max_extract_size`); RAR's compression is not free to reimplement, so rarfile reads the
listing itself and hands extraction to a Debian tool (unar, libarchive's bsdtar) — without one
the sender is asked for a .zip; tnefparse is the one maintained TNEF reader.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import py7zr
import py7zr.exceptions
import py7zr.io
import rarfile
import tnefparse

from parsers.archive.members import (
    MAX_LISTED,
    MAX_MEMBER,
    Budget,
    Member,
    base_name,
    bomb,
    wanted,
)
from parsers.codes import FindingCode
from parsers.read.errors import UnreadableFile
from parsers.vietnamese.undeclared import decode_undeclared

MAX_TNEF_OBJECTS = 10_000  # tnefparse copies the rest of the file for every object it reads


def _planned(entries: list[tuple[str, int]], budget: Budget) -> list[Member]:
    """A placeholder per wanted entry: data b"" to fill in, or the problem that keeps it out."""
    out = []
    for name, size in entries:
        problem = budget.take(size)
        out.append(Member(name, None if problem else b"", problem))
    return out


def seven_zip_members(data: bytes, budget: Budget) -> list[Member]:
    try:
        with py7zr.SevenZipFile(io.BytesIO(data), max_extract_size=budget.size) as archive:
            if archive.needs_password():
                raise UnreadableFile(FindingCode.FILE_PROTECTED, "7z")
            listed = archive.list()
            if len(listed) > MAX_LISTED:
                raise UnreadableFile(FindingCode.FILE_TOO_COMPLEX, "7z entries")
            entries = [(i.filename, int(i.uncompressed or 0)) for i in listed
                       if not i.is_directory and wanted(i.filename)]
            if bomb(sum(size for _, size in entries), len(data)):
                raise UnreadableFile(FindingCode.FILE_UNREADABLE, "7z compression ratio")
            planned = _planned(entries, budget)
            targets = [name for (name, _), m in zip(entries, planned, strict=True) if not m.problem]
            factory = py7zr.io.BytesIOFactory(MAX_MEMBER + 1)
            if targets:
                archive.extract(targets=targets, factory=factory)
    except py7zr.exceptions.PasswordRequired as exc:
        raise UnreadableFile(FindingCode.FILE_PROTECTED, "7z") from exc
    except UnreadableFile:
        raise
    except Exception as exc:  # py7zr raises many kinds (and lzma, zlib errors) on damage
        raise UnreadableFile(FindingCode.FILE_UNREADABLE, f"7z: {type(exc).__name__}") from exc
    out = []
    for (name, _), member in zip(entries, planned, strict=True):
        product = factory.products.get(name) if not member.problem else None
        if product is not None:
            product.seek(0)
        data_out = product.read() if product is not None else None
        out.append(Member(base_name(name), data_out, member.problem or
                          (None if data_out is not None else FindingCode.FILE_UNREADABLE)))
    return out


def rar_members(data: bytes, budget: Budget) -> list[Member]:
    # The extraction tool reads a file, not memory: the archive gets a private temporary copy.
    with tempfile.TemporaryDirectory(prefix="bcy-rar-") as folder:
        path = Path(folder) / "archive.rar"
        path.write_bytes(data)
        try:
            archive = rarfile.RarFile(str(path))
            if archive.needs_password():
                raise UnreadableFile(FindingCode.FILE_PROTECTED, "rar")
            listed = archive.infolist()
        except rarfile.PasswordRequired as exc:
            raise UnreadableFile(FindingCode.FILE_PROTECTED, "rar") from exc
        except UnreadableFile:
            raise
        except Exception as exc:  # rarfile raises many kinds on a damaged archive
            raise UnreadableFile(FindingCode.FILE_UNREADABLE, f"rar: {type(exc).__name__}") from exc
        if len(listed) > MAX_LISTED:
            raise UnreadableFile(FindingCode.FILE_TOO_COMPLEX, "rar entries")
        infos = [i for i in listed if not i.is_dir() and wanted(i.filename or "")]
        if bomb(sum(int(i.file_size or 0) for i in infos), len(data)):
            raise UnreadableFile(FindingCode.FILE_UNREADABLE, "rar compression ratio")
        planned = _planned([(i.filename or "", int(i.file_size or 0)) for i in infos], budget)
        return [Member(base_name(m.name), None, m.problem) if m.problem
                else Member(base_name(m.name), _rar_read(archive, info))
                for info, m in zip(infos, planned, strict=True)]


def _rar_read(archive: rarfile.RarFile, info: rarfile.RarInfo) -> bytes:
    try:
        with archive.open(info) as stream:
            return bytes(stream.read(MAX_MEMBER + 1))
    except rarfile.RarCannotExec as exc:  # compressed, and no unar/bsdtar/unrar installed
        raise UnreadableFile(FindingCode.FILE_CONVERTER_MISSING, "rar") from exc
    except Exception as exc:  # rarfile and the tool raise many kinds on a damaged member
        raise UnreadableFile(FindingCode.FILE_UNREADABLE, f"rar: {type(exc).__name__}") from exc


def _tnef_objects(data: bytes) -> int:
    """How many attributes the file holds, by their lengths alone."""
    at, count = 6, 0
    while at + 11 <= len(data):
        at += 11 + int.from_bytes(data[at + 5:at + 9], "little")
        count += 1
        if count > MAX_TNEF_OBJECTS:
            raise UnreadableFile(FindingCode.FILE_TOO_COMPLEX, "TNEF attributes")
    return count


def _tnef_name(attachment: object) -> str:
    try:
        name = attachment.long_filename()  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - a title in an unknown code page
        name = None
    if isinstance(name, bytes):
        name = decode_undeclared(name)
    if not name:
        raw = getattr(attachment, "_name", b"")  # the attAttachTitle bytes, undecoded
        name = decode_undeclared(raw) if isinstance(raw, bytes) else str(raw)
    return str(name).strip("\x00").strip() or "winmail-dat"


def tnef_members(data: bytes, budget: Budget) -> list[Member]:
    _tnef_objects(data)
    try:
        parsed = tnefparse.TNEF(data, do_checksum=False)
        attachments = list(parsed.attachments)
    except Exception as exc:  # tnefparse raises many kinds on a damaged file
        raise UnreadableFile(FindingCode.FILE_UNREADABLE, f"TNEF: {type(exc).__name__}") from exc
    entries = [(_tnef_name(a), len(a.data or b"")) for a in attachments]
    planned = _planned([(n, s) for n, s in entries if wanted(n)], budget)
    datas = [bytes(a.data or b"") for a, (n, _) in zip(attachments, entries, strict=True)
             if wanted(n)]
    return [Member(base_name(m.name), None if m.problem else d, m.problem)
            for m, d in zip(planned, datas, strict=True)]
