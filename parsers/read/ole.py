"""What an OLE compound file (the container of Office 97-2003 files) holds, read from its
directory with xlrd's compound-document reader: a Word document, an Excel workbook, an
encrypted OOXML package, or something else (PowerPoint, an Outlook .msg...)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xlrd.compdoc import CompDoc

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_WORD_FLAGS_AT = 0x0A  # FIB: the 16-bit flags word; fEncrypted is bit 8
_WORD_ENCRYPTED = 0x0100
_WORD_IDENT = b"\xec\xa5"
_STREAMS = ("EncryptedPackage", "WordDocument", "Workbook")


def _directory(data: bytes) -> CompDoc | None:
    try:
        from xlrd.compdoc import CompDoc  # only for an OLE file: `check` of a DOCX goes without

        return CompDoc(data, logfile=io.StringIO())
    except Exception:  # noqa: BLE001 - xlrd raises many kinds on a broken compound file
        return None


def _scanned_names(data: bytes) -> set[str]:
    """Stream names found as UTF-16 text, for a compound file whose directory is damaged."""
    return {name.lower() for name in _STREAMS if name.encode("utf-16-le") in data}


def ole_kind(data: bytes) -> str:
    """doc · xls · ole-encrypted (an OOXML file with a password) · ole."""
    document = _directory(data)
    names = ({entry.name.lower() for entry in document.dirlist} if document is not None
             else _scanned_names(data))
    if "encryptedpackage" in names:
        return "ole-encrypted"
    if "worddocument" in names:
        return "doc"
    if names & {"workbook", "book"}:
        return "xls"
    return "ole"


def word_is_encrypted(data: bytes) -> bool:
    """A .doc saved with a password to open: its FIB says so (LibreOffice would stop at it)."""
    document = _directory(data)
    if document is None:
        return False
    try:
        stream = document.get_named_stream("WordDocument")
    except Exception:  # noqa: BLE001 - a broken directory: the converter will say so
        return False
    if not stream or stream[:2] != _WORD_IDENT or len(stream) < _WORD_FLAGS_AT + 2:
        return False
    flags = int.from_bytes(stream[_WORD_FLAGS_AT:_WORD_FLAGS_AT + 2], "little")
    return bool(flags & _WORD_ENCRYPTED)
