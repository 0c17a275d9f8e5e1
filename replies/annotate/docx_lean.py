"""A Word document marked on its own XML: the main part found and parsed as the reader finds
and parses it, the cells shaded and the notes written with lxml as python-docx writes them,
the part serialized as python-docx serializes it, every other member copied as it is stored.

python-docx's load and save were 14 of the 16 ms a marking took. Whatever this marker does not
know raises `Unfamiliar`, and the file is marked through python-docx instead."""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from typing import Any

from lxml import etree

from parsers.read.docx_package import W_NS, main_part, w
from parsers.read.errors import UnreadableFile
from parsers.read.ooxml_parts import WORD_MAIN, content_types
from parsers.read.read_docx import table_elements
from parsers.read.xml_prolog import parse_checked
from replies.annotate.marks import Mark
from replies.annotate.word_marks import (
    cells_of,
    marks_by_table,
    note_text,
    shading_order,
    table_rows,
)
from replies.annotate.zip_copy import replaced

RED = "C00000"
_NSMAP = {"w": W_NS}  # what python-docx declares on each element it makes
_TC_PR, _SHD, _VAL = w("tcPr"), w("shd"), w("val")
_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


class Unfamiliar(Exception):
    """The package holds something this marker does not write as python-docx would."""


def _element(tag: str, attributes: dict[str, str] | None = None) -> Any:
    return etree.Element(tag, attributes, nsmap=_NSMAP)


def _shade(tc: Any, fill: str) -> None:
    properties = tc.find(_TC_PR)
    if properties is None:
        properties = _element(_TC_PR)
        tc.insert(0, properties)  # first, as the schema (and python-docx) puts it
    for old in properties.findall(_SHD):
        properties.remove(old)
    properties.append(_element(_SHD, {_VAL: "clear", w("color"): "auto", w("fill"): fill}))


def _run_content(run: Any, text: str) -> None:
    """`text` as python-docx writes a run's text: a tab as w:tab, a line end as w:br, the rest
    in w:t, spaces kept where they lead or trail."""
    pending: list[str] = []

    def flush() -> None:
        chunk = "".join(pending)
        if chunk:
            t = _element(w("t"))
            t.text = chunk
            if len(chunk.strip()) < len(chunk):
                t.set(_SPACE, "preserve")
            run.append(t)
        pending.clear()

    for char in text:
        if char == "\t" or char in "\r\n":
            flush()
            run.append(_element(w("tab") if char == "\t" else w("br")))
        else:
            pending.append(char)
    flush()


def _note(mark: Mark) -> Any:
    """A paragraph of one run in red italics, as python-docx's add_run, italic and colour make
    it."""
    paragraph, run, properties = _element(w("p")), _element(w("r")), _element(w("rPr"))
    paragraph.append(run)
    run.append(properties)
    properties.append(_element(w("i")))
    properties.append(_element(w("color"), {_VAL: RED}))
    _run_content(run, note_text(mark))
    return paragraph


def _main(archive: zipfile.ZipFile) -> tuple[str, Any]:
    """The member name and root of the main document; Unfamiliar where python-docx would
    look at the package otherwise (or refuse it: its refusal stays its own)."""
    try:
        types = content_types(archive)
        if types is None:
            raise Unfamiliar("no content types")
        partname, ctype = main_part(archive, types)
        if ctype != WORD_MAIN:
            raise Unfamiliar(ctype)  # python-docx opens no other
        name = partname.lstrip("/")
        if name not in archive.NameToInfo:
            raise Unfamiliar(f"no member {name}")
        return name, parse_checked(archive.read(name), name)
    except UnreadableFile as exc:
        raise Unfamiliar(exc.detail) from exc


def lean_marked(data: bytes, archive: zipfile.ZipFile, marks: Sequence[Mark]) -> bytes:
    """`data` (a checked, macro-free Word file, opened as `archive`) marked; Unfamiliar."""
    name, root = _main(archive)
    body = root.find(w("body")) if root.tag == w("document") else None
    if body is None:
        raise Unfamiliar("no body")
    tables = table_elements(body)
    for number, found in marks_by_table(marks, len(tables)).items():
        tbl = tables[number - 1]
        rows = table_rows(tbl)
        for mark in shading_order(found):
            for tc in cells_of(rows, mark):
                _shade(tc, mark.fill)
        anchor = tbl
        for mark in found:
            note = _note(mark)
            anchor.addnext(note)
            anchor = note
    part = etree.tostring(root, encoding="UTF-8", standalone=True)  # python-docx's serializer
    try:
        return replaced(data, archive, name, part)
    except ValueError as exc:
        raise Unfamiliar(str(exc)) from exc
