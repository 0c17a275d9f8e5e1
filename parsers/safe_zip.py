"""Checks on an OOXML (ZIP) container before any library inflates it: zip bombs stop here."""

from __future__ import annotations

import io
import zipfile

from parsers.errors import UnreadableFile

MAX_MEMBERS = 2_000
MAX_TOTAL_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed, per member of any size worth worrying about
_RATIO_FLOOR = 1024 * 1024  # members under 1 MiB may compress as well as they like


def check_zip(data: bytes) -> zipfile.ZipFile:
    """Open `data` as a ZIP after checking sizes and ratios; raise UnreadableFile otherwise."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile("file-type-unsupported", "ole")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise UnreadableFile("file-unreadable", str(exc)) from exc
    if len(members) > MAX_MEMBERS:
        raise UnreadableFile("file-unreadable", "too many members")
    total = 0
    for m in members:
        if m.flag_bits & 0x1:
            raise UnreadableFile("file-protected", m.filename)
        total += m.file_size
        if m.file_size > _RATIO_FLOOR and m.file_size > MAX_RATIO * max(m.compress_size, 1):
            raise UnreadableFile("file-unreadable", f"compression ratio of {m.filename}")
    if total > MAX_TOTAL_UNCOMPRESSED:
        raise UnreadableFile("file-unreadable", "uncompressed size")
    return archive
