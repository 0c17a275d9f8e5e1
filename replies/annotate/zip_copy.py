"""A ZIP archive with some members' content replaced (and some added) and every other member
copied as it is stored: its compressed bytes, method, date and attributes, never inflated and
deflated again.

Re-compressing the 800 KB of XML in a Word file's styles parts cost 5-6 ms, three times the
rest of the marking; the standard library can only copy a member by inflating it. The archive
has passed `check_zip` (no encryption, at most 2,000 members, sizes capped far below 4 GiB),
so the plain ZIP records written here never need ZIP64.
"""

from __future__ import annotations

import io
import struct
import time
import zipfile
import zlib
from collections.abc import Callable, Mapping, Sequence

from parsers.read.ooxml_parts import plain_copy
from replies.annotate.marks import Mark

_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_CENTRAL = struct.Struct("<4sBBHHHHHIIIHHHHHII")
_END = struct.Struct("<4sHHHHIIH")
_LOCAL_SIGNATURE, _CENTRAL_SIGNATURE, _END_SIGNATURE = b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06"
_DATA_DESCRIPTOR = 0x08  # sizes after the data: not needed, they are written before it here
_UTF8_NAME = 0x800
_LIMIT = 0xFFFF_FFFF


def _stored(data: bytes, info: zipfile.ZipInfo) -> memoryview:
    """The member's bytes as stored (compressed), found through its local header."""
    at = info.header_offset
    head = data[at:at + _LOCAL.size]
    if len(head) < _LOCAL.size or head[:4] != _LOCAL_SIGNATURE:
        raise ValueError(f"{info.filename}: no local header")
    fields = _LOCAL.unpack(head)
    start = at + _LOCAL.size + fields[9] + fields[10]  # past the name and extra field
    if start + info.compress_size > len(data):
        raise ValueError(f"{info.filename}: truncated")
    return memoryview(data)[start:start + info.compress_size]


def _deflated(content: bytes) -> bytes:
    # the zlib default level, as zipfile (and so python-docx) writes a deflated member
    packer = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return packer.compress(content) + packer.flush()


def _dos(info: zipfile.ZipInfo) -> tuple[int, int]:
    y, mo, d, h, mi, s = info.date_time
    return h << 11 | mi << 5 | s // 2, (y - 1980) << 9 | mo << 5 | d


def replaced(data: bytes, archive: zipfile.ZipFile, name: str, content: bytes) -> bytes:
    """`data` (the bytes `archive` was opened on) with member `name` holding `content`,
    deflated; ValueError when the archive cannot be copied faithfully."""
    return rewritten(data, archive, {name: content})


def _new_member(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, time.localtime()[:6])  # as zipfile's writestr dates it
    info.external_attr = 0o600 << 16
    return info


def rewritten(data: bytes, archive: zipfile.ZipFile, changed: Mapping[str, bytes],
              added: Mapping[str, bytes] | None = None) -> bytes:
    """`data` with each member named in `changed` holding its new content, the `added` members
    after the others (all of these deflated), every other member copied as stored;
    ValueError when the archive cannot be copied faithfully or an added name is taken."""
    infos = archive.infolist()
    if len({i.filename for i in infos}) != len(infos):
        raise ValueError("a member named twice")
    if sum(i.compress_size for i in infos) > len(data):  # members that overlap: never copied
        raise ValueError("members overlap")
    added = added or {}
    if any(name in archive.NameToInfo for name in added):
        raise ValueError("an added member is there already")
    written = sum(len(c) for c in (*changed.values(), *added.values()))
    if len(infos) + len(added) > 0xFFFF or len(data) + written > _LIMIT // 2:  # past the caps
        raise ValueError("too large for a plain ZIP")
    members = [(i, changed.get(i.filename)) for i in infos]
    members += [(_new_member(name), content) for name, content in added.items()]
    chunks: list[bytes | memoryview] = []
    directory: list[bytes] = []
    offset = 0
    for info, content in members:
        stored: bytes | memoryview
        if content is not None:
            stored, method = _deflated(content), zipfile.ZIP_DEFLATED
            crc, size, flags = zlib.crc32(content), len(content), 0
        else:
            stored, method = _stored(data, info), info.compress_type
            crc, size, flags = info.CRC, info.file_size, info.flag_bits & ~_UTF8_NAME
        flags &= ~_DATA_DESCRIPTOR
        try:
            encoded = info.filename.encode("ascii")
        except UnicodeEncodeError:
            encoded, flags = info.filename.encode("utf-8"), flags | _UTF8_NAME
        version = max(info.extract_version, 20)
        time_, date = _dos(info)
        chunks += [_LOCAL.pack(_LOCAL_SIGNATURE, version, flags, method, time_, date, crc,
                               len(stored), size, len(encoded), 0), encoded, stored]
        directory += [_CENTRAL.pack(_CENTRAL_SIGNATURE, info.create_version, info.create_system,
                                    version, flags, method, time_, date, crc, len(stored), size,
                                    len(encoded), 0, 0, 0, info.internal_attr,
                                    info.external_attr, offset), encoded]
        offset += _LOCAL.size + len(encoded) + len(stored)
    size = sum(len(d) for d in directory)
    end = _END.pack(_END_SIGNATURE, 0, 0, len(members), len(members), size, offset, 0)
    return b"".join([*chunks, *directory, end])


Marker = Callable[[bytes, zipfile.ZipFile, Sequence[Mark]], bytes]


def lean_or_library(data: bytes, archive: zipfile.ZipFile, plain: bool, lean: Marker,
                    library: Callable[[], Callable[[bytes, Sequence[Mark]], bytes]],
                    marks: Sequence[Mark]) -> bytes:
    """`data` marked by `lean` on its package (first made plain when `plain`: macros and
    their links left out, a template a document); by the library's marker (`library()`
    imports it, only then) when the lean one does not know the package or meets anything
    it did not foresee: that costs time, never the marked file."""
    if plain:
        data = plain_copy(archive)
        archive = zipfile.ZipFile(io.BytesIO(data))
    try:
        return lean(data, archive, marks)
    except Exception:  # noqa: BLE001  # Unfamiliar, or anything the lean marker did not foresee
        return library()(data, marks)


class NoLibrary(Exception):
    """The lean marker did not mark the file, and no library was to be loaded for it."""


def no_library() -> Callable[[bytes, Sequence[Mark]], bytes]:
    """In place of a library's marker where none may load (the reader process): the file is
    left to a caller that may load one."""
    raise NoLibrary
