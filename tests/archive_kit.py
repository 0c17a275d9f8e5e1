"""Archives as agencies' tools write them, built byte by byte where no Python library writes
that shape: ZIP names in a legacy code page without the UTF-8 flag (old Windows zippers), the
Info-ZIP Unicode path field (7-Zip, WinRAR), a RAR 2.9 archive of stored files (no free
program writes RAR), Outlook's winmail.dat (TNEF), and 7z through py7zr."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable

import py7zr


def zip_of(files: dict[str, bytes], raw_names: dict[str, bytes] | None = None,
           unicode_path: bool = False) -> bytes:
    """A ZIP of `files`. A name in `raw_names` is written as those bytes with no UTF-8 flag
    (as a Vietnamese Windows zipper of the 2000s did); with `unicode_path` each such name
    also gets the Info-ZIP Unicode Path field naming it in UTF-8."""
    raw_names = raw_names or {}
    out = io.BytesIO()
    placeholders: dict[bytes, bytes] = {}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for n, (name, data) in enumerate(files.items()):
            info = zipfile.ZipInfo(name, date_time=(2021, 5, 10, 8, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            raw = raw_names.get(name)
            if raw is not None:
                placeholder = f"{n:0{len(raw)}d}"[-len(raw):].encode()
                assert len(placeholder) == len(raw)
                placeholders[placeholder] = raw
                info.filename = placeholder.decode()
                if unicode_path:
                    utf8 = name.encode()
                    body = b"\x01" + struct.pack("<I", zlib.crc32(raw)) + utf8
                    info.extra = struct.pack("<HH", 0x7075, len(body)) + body
            archive.writestr(info, data)
    data = out.getvalue()
    for placeholder, raw in placeholders.items():
        # the name stands in the local header and in the central directory: both are patched
        assert data.count(placeholder) == 2, "placeholder must be unique"
        data = data.replace(placeholder, raw)
    return data


def seven_zip_of(files: dict[str, bytes], password: str | None = None) -> bytes:
    out = io.BytesIO()
    with py7zr.SevenZipFile(out, "w", password=password,
                            header_encryption=password is not None) as archive:
        for name, data in files.items():
            archive.writestr(data, name)
    return out.getvalue()


def _rar_block(kind: int, flags: int, body: bytes) -> bytes:
    header = struct.pack("<BHH", kind, flags, 7 + len(body)) + body
    return struct.pack("<H", zlib.crc32(header) & 0xFFFF) + header


def rar_of(files: dict[str, bytes], compressed_flag: bool = False) -> bytes:
    """A RAR 2.9 archive of stored (uncompressed) files; with `compressed_flag` the headers
    claim the normal compression method, so only an extraction tool can read the data."""
    out = bytearray(b"Rar!\x1a\x07\x00")
    out += _rar_block(0x73, 0, b"\x00" * 6)
    for name, data in files.items():
        encoded = name.encode("utf-8")
        unicode_flag = 0x0200 if not name.isascii() else 0
        stored = b"\x33" if compressed_flag else b"\x30"
        body = struct.pack("<IIBIIB", len(data), len(data), 2, zlib.crc32(data),
                           0x52AA4000, 29) + stored + struct.pack("<HI", len(encoded), 0x20)
        name_field = encoded if not unicode_flag else encoded + b"\x00"
        body = body[:-6] + struct.pack("<HI", len(name_field), 0x20) + name_field
        out += _rar_block(0x74, 0x8000 | unicode_flag, body) + data
    out += _rar_block(0x7B, 0x4000, b"")
    return bytes(out)


def _tnef_attribute(level: int, name: int, kind: int, data: bytes) -> bytes:
    return (struct.pack("<BHHI", level, name, kind, len(data)) + data
            + struct.pack("<H", sum(data) & 0xFFFF))


def _mapi_unicode(prop: int, text: str) -> bytes:
    value = (text + "\x00").encode("utf-16-le")
    padded = value + b"\x00" * (-len(value) % 4)
    return struct.pack("<I", 1) + struct.pack("<HH", 0x001F, prop) + struct.pack(
        "<II", 1, len(value)) + padded


def _cp1252(name: str) -> bytes:
    return name.encode("cp1252", "replace")


def winmail_dat(files: dict[str, bytes], title: Callable[[str], bytes] = _cp1252,
                long_names: bool = True) -> bytes:
    """Outlook's TNEF: each file with its 8.3-style title in the OEM code page and, as Outlook
    writes it, its long name as a Unicode MAPI property."""
    out = struct.pack("<IH", 0x223E9F78, 0x0001)
    out += _tnef_attribute(1, 0x9006, 0x0008, struct.pack("<I", 0x00010000))
    out += _tnef_attribute(1, 0x9007, 0x0006, struct.pack("<II", 1252, 0))
    for name, data in files.items():
        out += _tnef_attribute(2, 0x9002, 0x0006, b"\x01\x00\xff\xff\xff\xff" + b"\x00" * 8)
        out += _tnef_attribute(2, 0x8010, 0x0001, title(name) + b"\x00")
        out += _tnef_attribute(2, 0x800F, 0x0006, data)
        if long_names:
            out += _tnef_attribute(2, 0x9005, 0x0006, _mapi_unicode(0x3707, name))
    return out
