"""Word 97-2003 (.doc) and RTF → Document: converted to DOCX by LibreOffice, then read by the
DOCX reader, so tables, rows and columns are numbered as in a DOCX."""

from __future__ import annotations

from parsers.codes import FindingCode
from parsers.read.document import Document
from parsers.read.errors import UnreadableFile
from parsers.read.ole import word_is_encrypted
from parsers.read.read_docx import read_docx
from parsers.read.soffice import convert


def read_doc(data: bytes) -> Document:
    if word_is_encrypted(data):
        raise UnreadableFile(FindingCode.FILE_PROTECTED, "encrypted .doc")
    return Document(kind="doc", blocks=read_docx(convert(data, ".doc", "docx")).blocks)


def read_rtf(data: bytes) -> Document:
    return Document(kind="rtf", blocks=read_docx(convert(data, ".rtf", "docx")).blocks)
