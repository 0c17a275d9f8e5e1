"""The files of a .zip, under the checks an Office file's zip gets (`safe_zip`), with their
names decoded the way the archiver meant them: the UTF-8 flag (bit 11), else the Info-ZIP
Unicode Path field, else the raw bytes read by `parsers.vietnamese.undeclared` — CP437 by the book,
but Vietnamese Windows tools wrote cp1258 or TCVN3 there."""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator

from parsers.archive.members import Budget, Member, base_name, wanted
from parsers.codes import FindingCode
from parsers.read.safe_zip import check_sizes, open_zip
from parsers.vietnamese.undeclared import decode_undeclared

_UTF8_FLAG = 0x800
_UNICODE_PATH = 0x7075


def _unicode_path(info: zipfile.ZipInfo, raw: bytes) -> str | None:
    """The UTF-8 name of an Info-ZIP Unicode Path field, when it belongs to this raw name."""
    extra, at = info.extra, 0
    while at + 4 <= len(extra):
        tag = int.from_bytes(extra[at:at + 2], "little")
        size = int.from_bytes(extra[at + 2:at + 4], "little")
        body = extra[at + 4:at + 4 + size]
        if tag == _UNICODE_PATH and len(body) > 5 and body[0] == 1 \
                and int.from_bytes(body[1:5], "little") == zlib.crc32(raw):
            try:
                return body[5:].decode("utf-8")
            except UnicodeDecodeError:
                return None
        at += 4 + size
    return None


def zip_name(info: zipfile.ZipInfo) -> str:
    if info.flag_bits & _UTF8_FLAG:
        return info.filename
    raw = info.filename.encode("cp437")  # zipfile read the bytes as CP437: undo that
    return _unicode_path(info, raw) or decode_undeclared(raw, also=("cp437",))


def zip_members(data: bytes, budget: Budget) -> Iterator[Member]:
    archive = open_zip(data)
    infos = [i for i in archive.infolist() if not i.is_dir() and wanted(i.filename)]
    check_sizes(infos)  # passwords, sizes, ratios: all before inflating anything
    for info in infos:
        name = base_name(zip_name(info))
        problem = budget.take(info.file_size)
        if problem:
            yield Member(name, None, problem)
            continue
        try:
            yield Member(name, archive.read(info))  # zipfile stops at the declared size
        except Exception:  # noqa: BLE001 - zipfile and zlib raise many kinds on a bad member
            yield Member(name, None, FindingCode.FILE_UNREADABLE)
