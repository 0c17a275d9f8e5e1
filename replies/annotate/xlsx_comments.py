"""The comments of marked cells, as new parts of the package: xl/commentsN.xml with the texts,
xl/drawings/vmlDrawingN.vml with a hidden note box per comment (the shape openpyxl writes for
Comment(width=320, height=120)), the sheet's relationships to both (its .rels part created when
missing), and [Content_Types].xml declaring them."""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Sequence
from typing import Any

from lxml import etree

from parsers.read.ooxml_parts import CONTENT_TYPES
from parsers.read.xlsx.package import MAIN, Unfamiliar, read_part
from replies.annotate.cell_marks import AUTHOR, COMMENT_HEIGHT, COMMENT_WIDTH

Note = tuple[int, int, str, str]  # row, column, reference, text
_PKG = "http://schemas.openxmlformats.org/package/2006/"
_TYPES, _RELS = _PKG + "content-types", _PKG + "relationships"
_REL_KIND = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_COMMENTS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
_VML_TYPE = "application/vnd.openxmlformats-officedocument.vmlDrawing"
_V, _O, _X = ("urn:schemas-microsoft-com:" + n for n in ("vml", "office:office", "office:excel"))
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_IDMAP = re.compile(rb"""data\s*=\s*["']([0-9,\s]*)["']""")
SHAPES_PER_BLOCK = 1024  # VML shape ids: block × 1024 + n, the block named in the idmap


def serialized(root: Any) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def comments_part(notes: Sequence[Note]) -> bytes:
    root = etree.Element(MAIN + "comments", nsmap={None: MAIN[1:-1]})
    etree.SubElement(etree.SubElement(root, MAIN + "authors"), MAIN + "author").text = AUTHOR
    listed = etree.SubElement(root, MAIN + "commentList")
    for _, _, ref, text in notes:
        comment = etree.SubElement(listed, MAIN + "comment",
                                   {"ref": ref, "authorId": "0", "shapeId": "0"})
        t = etree.SubElement(etree.SubElement(comment, MAIN + "text"), MAIN + "t")
        t.text = text  # ValueError on a character XML cannot hold: openpyxl's to refuse
        if text != text.strip():
            t.set(_XML_SPACE, "preserve")
    return serialized(root)


def v(name: str) -> str:
    return f"{{{_V}}}{name}"


def o(name: str) -> str:
    return f"{{{_O}}}{name}"


def x(name: str) -> str:
    return f"{{{_X}}}{name}"


def vml_part(notes: Sequence[Note], block: int) -> bytes:
    root = etree.Element("xml", nsmap={"v": _V, "o": _O, "x": _X})
    layout = etree.SubElement(root, o("shapelayout"), {v("ext"): "edit"})
    etree.SubElement(layout, o("idmap"), {v("ext"): "edit", "data": str(block)})
    kind = etree.SubElement(root, v("shapetype"), {
        "id": "_x0000_t202", "coordsize": "21600,21600", o("spt"): "202",
        "path": "m,l,21600r21600,l21600,xe"})
    etree.SubElement(kind, v("stroke"), {"joinstyle": "miter"})
    etree.SubElement(kind, v("path"), {"gradientshapeok": "t", o("connecttype"): "rect"})
    style = (f"position:absolute; margin-left:59.25pt;margin-top:1.5pt;width:{COMMENT_WIDTH}px;"
             f"height:{COMMENT_HEIGHT}px;z-index:1;visibility:hidden")
    for n, (row, column, _, _) in enumerate(notes):
        shape = etree.SubElement(root, v("shape"), {
            "id": f"_x0000_s{block * SHAPES_PER_BLOCK + 2 + n}", "type": "#_x0000_t202",
            "style": style, "fillcolor": "#ffffe1", o("insetmode"): "auto"})
        etree.SubElement(shape, v("fill"), {"color2": "#ffffe1"})
        etree.SubElement(shape, v("shadow"), {"color": "black", "obscured": "t"})
        etree.SubElement(shape, v("path"), {o("connecttype"): "none"})
        box = etree.SubElement(shape, v("textbox"), {"style": "mso-direction-alt:auto"})
        etree.SubElement(box, "div", {"style": "text-align:left"})
        data = etree.SubElement(shape, x("ClientData"), {"ObjectType": "Note"})
        etree.SubElement(data, x("MoveWithCells"))
        etree.SubElement(data, x("SizeWithCells"))
        etree.SubElement(data, x("AutoFill")).text = "False"
        etree.SubElement(data, x("Row")).text = str(row - 1)
        etree.SubElement(data, x("Column")).text = str(column - 1)
    return serialized(root)


def _free(taken: set[str], pattern: str) -> str:
    n = 1
    while pattern.format(n) in taken:
        n += 1
    taken.add(pattern.format(n))
    return pattern.format(n)


class NewParts:
    """The parts and relationships the comments of a package's marked sheets add."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.types = read_part(archive, CONTENT_TYPES)
        if self.types.tag != f"{{{_TYPES}}}Types":
            raise Unfamiliar("content types")
        self.taken = {name.lower() for name in archive.NameToInfo}
        self.block = self._last_block() + 1
        self.changed: dict[str, bytes] = {}
        self.added: dict[str, bytes] = {}
        # the type a .vml part gets by its extension, when the package names one
        self._vml_default = next((d.get("ContentType") for d in self.types
                                  if d.tag == f"{{{_TYPES}}}Default"
                                  and d.get("Extension", "").lower() == "vml"), None)

    def _last_block(self) -> int:
        """The highest shape-id block the package's VML drawings (comments or form controls
        of other sheets) already claim: a new drawing's shapes must not take their ids."""
        used = [0]
        for name in self.archive.NameToInfo:
            if name.lower().endswith(".vml"):
                for found in _IDMAP.finditer(self.archive.read(name)):
                    used += [int(n) for n in re.split(rb"[,\s]+", found.group(1)) if n]
        return max(used)

    def _declare(self, tag: str, **attributes: str) -> None:
        element = self.types.makeelement(f"{{{_TYPES}}}{tag}", attributes)
        if tag == "Default":
            self.types.insert(0, element)  # the defaults first, as Excel lists them
        else:
            self.types.append(element)

    def _relationships(self, part: str) -> tuple[str, Any]:
        name = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
        if name in self.archive.NameToInfo:
            root = read_part(self.archive, name)
            if root.tag != f"{{{_RELS}}}Relationships":
                raise Unfamiliar(f"{name} root")
            for rel in root:
                if rel.get("Type") in (_REL_KIND + "comments", _REL_KIND + "vmlDrawing"):
                    raise Unfamiliar("comments there already")  # openpyxl merges them
        else:
            root = etree.Element(f"{{{_RELS}}}Relationships", nsmap={None: _RELS})
        return name, root

    def comments(self, part: str, notes: Sequence[Note]) -> str:
        """The new comments of the sheet at `part`; the id of its relationship to their VML."""
        if len(notes) > SHAPES_PER_BLOCK - 2:
            raise Unfamiliar("more notes than one drawing block holds")
        rels_name, rels = self._relationships(part)
        ids = {str(rel.get("Id")) for rel in rels}
        comments = _free(self.taken, "xl/comments{}.xml")
        vml = _free(self.taken, "xl/drawings/vmldrawing{}.vml").replace("vmldrawing", "vmlDrawing")
        self.added[comments] = comments_part(notes)
        self.added[vml] = vml_part(notes, self.block)
        self.block += 1
        comments_id = _free(ids, "rId{}")
        vml_id = _free(ids, "rId{}")
        for rid, kind, target in ((comments_id, "comments", comments),
                                  (vml_id, "vmlDrawing", vml)):
            rels.append(rels.makeelement(f"{{{_RELS}}}Relationship",
                                         {"Id": rid, "Type": _REL_KIND + kind,
                                          "Target": "/" + target}))
        (self.changed if rels_name in self.archive.NameToInfo else self.added)[rels_name] = \
            serialized(rels)
        self._declare("Override", PartName="/" + comments, ContentType=_COMMENTS_TYPE)
        if self._vml_default is None:
            self._declare("Default", Extension="vml", ContentType=_VML_TYPE)
            self._vml_default = _VML_TYPE
        elif self._vml_default != _VML_TYPE:
            self._declare("Override", PartName="/" + vml, ContentType=_VML_TYPE)
        return vml_id

    def content_types(self) -> bytes:
        return serialized(self.types)
