"""What an attachment is, judged by its bytes.

Senders' declared types and file names are often wrong (a .docx sent as
application/octet-stream, an old .doc renamed .docx, a password-protected workbook), so the
kind comes from magic numbers and ZIP member names; a truncated ZIP still gives its names.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Final

# What `detect_kind` answers, and so what `Attachment.kind` can be.
KINDS: Final = (
    "docx", "xlsx", "xlsm", "docm", "pptx", "ods", "odt", "rtf",
    "ole", "ole-encrypted-ooxml", "pdf", "zip", "7z", "rar", "tnef", "image", "text", "other",
)
# Archives and Outlook's winmail.dat, told by their first bytes.
_CONTAINER_MAGIC: Final = (
    (b"7z\xbc\xaf\x27\x1c", "7z"), (b"Rar!\x1a\x07", "rar"), (b"\x78\x9f\x3e\x22", "tnef"),
)

# (main part, member prefix, kind, kind with macros); macros are told by vbaProject.bin.
_OOXML: Final = (
    ("word/document.xml", "word/", "docx", "docm"),
    ("xl/workbook.xml", "xl/", "xlsx", "xlsm"),
    ("ppt/presentation.xml", "ppt/", "pptx", "pptx"),
)
_ODF: Final = (
    (b"application/vnd.oasis.opendocument.spreadsheet", "ods"),
    (b"application/vnd.oasis.opendocument.text", "odt"),
)
_IMAGE_MAGIC: Final = (
    b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*",
)
_LOCAL_HEADER: Final = re.compile(rb"PK\x03\x04.{26}", re.DOTALL)


def _zip_names(data: bytes) -> list[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return zf.namelist()
    except Exception:  # noqa: BLE001, S110 - a damaged zip: its local headers are read below
        pass
    # A truncated ZIP has no central directory; local headers still carry the names.
    names = []
    for m in _LOCAL_HEADER.finditer(data):
        length = int.from_bytes(m.group(0)[26:28], "little")
        names.append(data[m.end():m.end() + length].decode("utf-8", "replace"))
    return names


def _zip_kind(data: bytes) -> str:
    # ODF stores an uncompressed "mimetype" member first: its text sits at a fixed offset.
    if data[30:38] == b"mimetype":
        for mime, kind in _ODF:
            if data[38:38 + len(mime)] == mime:
                return kind
    names = set(_zip_names(data))
    if "[Content_Types].xml" in names:
        for rank in (0, 1):  # the main part by its usual name, else any member of its folder
            for main, prefix, plain, macro in _OOXML:
                if main in names if rank == 0 else any(n.startswith(prefix) for n in names):
                    return macro if f"{prefix}vbaProject.bin" in names else plain
    return "zip"


def detect_kind(data: bytes) -> str:
    """What the bytes are, whatever the sender declared."""
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(data)
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole-encrypted-ooxml" if "EncryptedPackage".encode("utf-16-le") in data else "ole"
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"{\\rtf"):
        return "rtf"
    for magic, kind in _CONTAINER_MAGIC:
        if data.startswith(magic):
            return kind
    if data.startswith(_IMAGE_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        return "image"
    head = data[:4096]
    if head and b"\x00" not in head:
        controls = sum(1 for b in head if b < 32 and b not in b"\t\r\n\f" or b == 127)
        if controls * 100 <= len(head):
            return "text"
    return "other"
