"""An OpenDocument package (ODT, ODS and their templates) opened under the same guards as OOXML:
the zip limits and the XML prolog check of `safe_zip` run before any part is parsed, and every
parse has entities, DTDs and the network off.

Password-protected ODF keeps a normal zip whose parts are encrypted; the manifest says so, and
that is told apart from a broken file.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from lxml import etree

from parsers.codes import FindingCode
from parsers.read.errors import UnreadableFile
from parsers.read.ooxml_parts import read_small
from parsers.read.safe_zip import check_zip

NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "manifest": "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0",
}
CONTENT = "content.xml"
STYLES = "styles.xml"
MANIFEST = "META-INF/manifest.xml"
MIMETYPE = "mimetype"


def q(prefix: str, local: str) -> str:
    """The Clark name lxml uses, e.g. q("table", "table-row")."""
    return f"{{{NS[prefix]}}}{local}"


def repeat(element: etree._Element, attribute: str, limit: int) -> int:
    """A repeat count (`number-rows-repeated`...), at least 1 and at most `limit`: a hostile
    file may repeat a column 16,384 times or a row a million times."""
    try:
        count = int(element.get(attribute, "1"))
    except ValueError:
        count = 1
    return max(0, min(max(count, 1), limit))


def _parser() -> etree.XMLParser:
    # Not xml_prolog's parser: it drops blank text, and in ODF a lone space between two
    # spans is text.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=False, remove_blank_text=False)


@dataclass
class OdfPackage:
    archive: zipfile.ZipFile
    mimetype: str  # e.g. application/vnd.oasis.opendocument.spreadsheet

    def has(self, name: str) -> bool:
        return name in self.archive.namelist()

    def open(self, name: str) -> IO[bytes]:
        try:
            return self.archive.open(name)
        except Exception as exc:  # bad local header, unknown method
            raise UnreadableFile(FindingCode.FILE_UNREADABLE, f"{name}: {exc}") from exc

    def parse(self, name: str) -> etree._Element:
        """A whole part as a tree; its size was checked by `check_zip`."""
        try:
            with self.open(name) as member:
                return etree.parse(member, _parser()).getroot()
        except etree.XMLSyntaxError as exc:
            raise UnreadableFile(FindingCode.FILE_UNREADABLE, f"{name}: {exc}") from exc
        except (OSError, EOFError, zipfile.BadZipFile) as exc:
            raise UnreadableFile(FindingCode.FILE_UNREADABLE, f"{name}: {exc}") from exc

    def iterparse(self, name: str) -> Iterator[tuple[str, etree._Element]]:
        """(event, element) for `start` and `end`, streamed: a huge sheet costs no memory when
        the caller clears what it has read."""
        try:
            with self.open(name) as member:
                yield from etree.iterparse(member, events=("start", "end"),
                                           resolve_entities=False, no_network=True,
                                           load_dtd=False, huge_tree=False,
                                           remove_blank_text=False)
        except etree.XMLSyntaxError as exc:
            raise UnreadableFile(FindingCode.FILE_UNREADABLE, f"{name}: {exc}") from exc
        except (OSError, EOFError, zipfile.BadZipFile) as exc:
            raise UnreadableFile(FindingCode.FILE_UNREADABLE, f"{name}: {exc}") from exc


def _encrypted(archive: zipfile.ZipFile) -> bool:
    if MANIFEST not in archive.NameToInfo:
        return False
    return b"encryption-data" in read_small(archive, MANIFEST)


def open_odf(data: bytes, archive: zipfile.ZipFile | None = None) -> OdfPackage:
    archive = check_zip(data, archive)
    names = set(archive.namelist())
    if _encrypted(archive):
        raise UnreadableFile(FindingCode.FILE_PROTECTED, "encrypted ODF")
    if CONTENT not in names:
        raise UnreadableFile(FindingCode.FILE_UNREADABLE, "no content.xml")
    mimetype = ""
    if MIMETYPE in names:
        mimetype = read_small(archive, MIMETYPE)[:200].decode("ascii", "replace").strip()
    return OdfPackage(archive, mimetype)


def odf_kind(archive: zipfile.ZipFile) -> str | None:
    """"ods" or "odt" (templates included) from the package's mimetype, else None."""
    try:
        if MIMETYPE not in archive.NameToInfo or archive.getinfo(MIMETYPE).file_size > 200:
            return None
        mimetype = archive.read(MIMETYPE).decode("ascii", "replace").strip()
    except Exception:  # noqa: BLE001 - zipfile and zlib raise many kinds on damage
        return None  # damaged or encrypted: not recognisably ODF
    for suffix, kind in (("spreadsheet", "ods"), ("spreadsheet-template", "ods"),
                         ("text", "odt"), ("text-template", "odt")):
        if mimetype == f"application/vnd.oasis.opendocument.{suffix}":
            return kind
    return None
