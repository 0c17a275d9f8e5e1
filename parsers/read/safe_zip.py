"""Checks on an OOXML (ZIP) container before any library inflates it: zip bombs and DTDs stop here.

Every limit is on what the archive declares, and every read of a member is a bounded read, so a
directory that lies about sizes still costs no more than the caps (`zipfile` itself never
inflates a member past its declared size).
"""

from __future__ import annotations

import io
import zipfile

from parsers.codes import FindingCode
from parsers.read.errors import UnreadableFile
from parsers.read.ooxml_parts import content_types, is_xml_part
from parsers.read.xml_prolog import PROLOG_BYTES, check_prolog

MAX_MEMBERS = 2_000
MAX_DIRECTORY_BYTES = MAX_MEMBERS * 512  # central directory, read before any member
MAX_TOTAL_UNCOMPRESSED = 200 * 1024 * 1024
MAX_MEMBER_UNCOMPRESSED = 64 * 1024 * 1024  # one part, parsed whole by python-docx
MAX_RATIO = 200  # uncompressed / compressed, per member of any size worth worrying about
_RATIO_FLOOR = 1024 * 1024  # members under 1 MiB may compress as well as they like
_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_EOCD = b"PK\x06\x06"
_EOCD_SEARCH = 22 + 65_535


def _u(data: bytes, at: int, size: int) -> int:
    return int.from_bytes(data[at:at + size], "little")


def _directory_size(data: bytes) -> tuple[int, int] | None:
    """(entries, bytes) the end record declares, zip64 included; None when there is none."""
    at = data.rfind(_EOCD, max(0, len(data) - _EOCD_SEARCH))
    if at < 0 or at + 22 > len(data):
        return None
    entries, size = _u(data, at + 10, 2), _u(data, at + 12, 4)
    locator = at - 20
    if locator >= 0 and data[locator:locator + 4] == _ZIP64_LOCATOR:
        record = _u(data, locator + 8, 8)
        if record + 56 <= len(data) and data[record:record + 4] == _ZIP64_EOCD:
            entries, size = _u(data, record + 32, 8), _u(data, record + 40, 8)
    return entries, size


def open_zip(data: bytes) -> zipfile.ZipFile:
    """The archive, once its directory is small enough to read; UnreadableFile otherwise."""
    declared = _directory_size(data)
    if declared is not None:
        entries, size = declared
        if entries > MAX_MEMBERS or size > MAX_DIRECTORY_BYTES:
            raise UnreadableFile(FindingCode.FILE_UNREADABLE, "central directory too large")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # zipfile raises many kinds on a broken directory
        raise UnreadableFile(FindingCode.FILE_UNREADABLE, str(exc)) from exc
    if len(archive.infolist()) > MAX_MEMBERS:
        raise UnreadableFile(FindingCode.FILE_UNREADABLE, "too many members")
    return archive


def member_names(data: bytes) -> list[str] | None:
    """Names in the archive, or None when it cannot be opened safely (for sniffing)."""
    try:
        return open_zip(data).namelist()
    except UnreadableFile:
        return None


def check_sizes(members: list[zipfile.ZipInfo]) -> None:
    """Raise UnreadableFile for a password, a member too large, or a ratio past the cap."""
    total = 0
    for m in members:
        if m.flag_bits & 0x1:
            raise UnreadableFile(FindingCode.FILE_PROTECTED, m.filename)
        total += m.file_size
        if m.file_size > MAX_MEMBER_UNCOMPRESSED:
            raise UnreadableFile(FindingCode.FILE_TOO_LARGE, f"size of {m.filename}")
        if m.file_size > _RATIO_FLOOR and m.file_size > MAX_RATIO * max(m.compress_size, 1):
            raise UnreadableFile(FindingCode.FILE_UNREADABLE, f"compression ratio of {m.filename}")
    if total > MAX_TOTAL_UNCOMPRESSED:
        raise UnreadableFile(FindingCode.FILE_TOO_LARGE, "uncompressed size")


def read_head(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """At most `limit` bytes from the start of a member; inflates no more than that."""
    try:
        with archive.open(info) as member:
            return member.read(limit)
    except Exception as exc:  # bad local header, unknown method, corrupt stream
        raise UnreadableFile(FindingCode.FILE_UNREADABLE, f"{info.filename}: {exc}") from exc


def _check_prologs(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> None:
    types = content_types(archive)
    for m in members:
        if m.is_dir() or not is_xml_part(m.filename, types):
            continue
        check_prolog(read_head(archive, m, PROLOG_BYTES), m.filename, PROLOG_BYTES)


def check_zip(data: bytes) -> zipfile.ZipFile:
    """Open `data` as a ZIP after checking sizes, ratios and XML prologs; raise UnreadableFile
    otherwise."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile(FindingCode.FILE_TYPE_UNSUPPORTED, "ole")
    archive = open_zip(data)
    members = archive.infolist()
    check_sizes(members)
    _check_prologs(archive, members)
    return archive
