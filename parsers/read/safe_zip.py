"""Checks on an OOXML (ZIP) container before any library inflates it: zip bombs and DTDs stop here.

Every limit is on what the archive declares, and every read of a member is a bounded read, so a
directory that lies about sizes still costs no more than the caps (`zipfile` itself never
inflates a member past its declared size).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

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


_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # zipfile's structFileHeader
_LOCAL_MAGIC = b"PK\x03\x04"
_ODD_FLAGS = 0x1 | 0x20 | 0x40  # encrypted, patched, strongly encrypted
_UTF8_NAME = 0x800
_READ_SIZE = 4096  # zipfile.ZipExtFile.MIN_READ_SIZE


def _local_start(archive: zipfile.ZipFile, data: bytes, info: zipfile.ZipInfo) -> int | None:
    """Where the member's bytes start in `data`, when its local header is one zipfile opens
    without complaint."""
    at, size = info.header_offset, _LOCAL_HEADER.size
    if at < 0 or at + size > len(data) or info.flag_bits & _ODD_FLAGS:
        return None
    magic, _, _, flags, *_, name_size, extra_size = _LOCAL_HEADER.unpack_from(data, at)
    encoding = "utf-8" if flags & _UTF8_NAME else getattr(archive, "metadata_encoding", None)
    try:
        name = data[at + size:at + size + name_size].decode(encoding or "cp437")
    except UnicodeDecodeError:
        return None
    if magic != _LOCAL_MAGIC or name != info.orig_filename:
        return None
    start = at + size + name_size + extra_size
    return start if start + info.compress_size <= len(data) else None


def _head_in_place(archive: zipfile.ZipFile, data: bytes, info: zipfile.ZipInfo,
                   limit: int) -> bytes | None:
    """`read_head`'s answer, inflated straight from `data` without zipfile's file object per
    member (which cost a form a tenth of its parse); None wherever zipfile could answer
    otherwise (another method, an odd header, a short, damaged or mislabelled stream): the
    caller then asks zipfile. Taken only where it is what zipfile's first read gives: the
    whole member, its CRC right, or the first `limit` bytes of a stream that goes on."""
    start = _local_start(archive, data, info)
    if start is None:
        return None
    size, packed = info.file_size, info.compress_size
    chunk = memoryview(data)[start:start + min(max(limit, _READ_SIZE), packed)]
    if info.compress_type == zipfile.ZIP_STORED and packed == size:
        head, ended = bytes(chunk), len(chunk) == packed
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-15)
        try:
            head = inflater.decompress(chunk, max(limit, _READ_SIZE))
        except zlib.error:
            return None
        ended = inflater.eof or (len(chunk) == packed and not inflater.unconsumed_tail)
    else:
        return None
    if size > limit:
        return head[:limit] if len(head) >= limit and not ended else None
    whole = head[:size]
    return whole if len(whole) == size and zlib.crc32(whole) == info.CRC else None
def _check_prologs(archive: zipfile.ZipFile, data: bytes, members: list[zipfile.ZipInfo]
                   ) -> None:
    types = content_types(archive)
    for m in members:
        if m.is_dir() or not is_xml_part(m.filename, types):
            continue
        head = _head_in_place(archive, data, m, PROLOG_BYTES)
        if head is None:
            head = read_head(archive, m, PROLOG_BYTES)
        check_prolog(head, m.filename, PROLOG_BYTES)


def check_zip(data: bytes, archive: zipfile.ZipFile | None = None) -> zipfile.ZipFile:
    """Open `data` as a ZIP after checking sizes, ratios and XML prologs; raise UnreadableFile
    otherwise. `archive`: `data` already opened by `open_zip` (by the sniffer), not opened
    again."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile(FindingCode.FILE_TYPE_UNSUPPORTED, "ole")
    if archive is None:
        archive = open_zip(data)
    members = archive.infolist()
    check_sizes(members)
    _check_prologs(archive, data, members)
    return archive
