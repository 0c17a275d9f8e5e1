"""A Word paragraph's text and font as python-docx reads them: `Paragraph.text` (the text of
the paragraph's own runs and of its hyperlinks' runs), runs in a legacy font (.VnTime,
VNI-Times) converted, and the font of its first run that has one (the "Normal" style standing
in for a run without its own).

What a paragraph holds is gathered from one pass of lxml's `iter` (in C) over a part of the
tree, each element placed by the identity of its parent: a Python step per paragraph and run,
each making lxml build an iterator or walk a path, was most of a form's parse.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from parsers.read.docx_package import w
from parsers.vietnamese.legacy import legacy_encoding_of_font
from parsers.vietnamese.legacy import to_unicode as _to_unicode

P, R, T, HYPERLINK = w("p"), w("r"), w("t"), w("hyperlink")
_RPR, RFONTS = w("rPr"), w("rFonts")
_BR, _BR_TYPE = w("br"), w("type")
_FONT_ATTRS = (w("hAnsi"), w("ascii"), w("cs"))  # a legacy font's accents are drawn in hAnsi
# A run's text as python-docx's `CT_R.text` gives it: a page or column break is no text,
# an absolute tab is a tab, a soft hyphen is nothing.
_DOCX_TEXT = {w("tab"): "\t", w("cr"): "\n", w("noBreakHyphen"): "-", w("ptab"): "\t"}
# A run's text for legacy-font conversion: every break is a line.
_RUN_TEXT = {w("tab"): "\t", w("br"): "\n", w("cr"): "\n", w("softHyphen"): "\xad",
             w("noBreakHyphen"): "-"}
PIECE_TAGS = frozenset((T, _BR, *_DOCX_TEXT))
PARAGRAPH_TAGS = (P, R, RFONTS, *PIECE_TAGS)  # a paragraph and what `Gatherer.take` places

# One paragraph as gathered: its text pieces, every run below it.
Gathered = tuple[list[str], list[Any]]


class Gatherer:
    """Places paragraphs, runs, fonts elements and text pieces met in document order."""

    def __init__(self) -> None:
        self.paragraphs: dict[Any, Gathered] = {}  # the paragraphs read, by element
        # run → the font of its first rPr's first rFonts (as r.find() finds that), if any
        self.fonts: dict[Any, str | None] = {}
        # elements a run's search for its paragraph stops at: the tables, rows and cells read
        self.stops: set[Any] = set()

    def paragraph(self, p: Any) -> Gathered:
        gathered: Gathered = ([], [])
        self.paragraphs[p] = gathered
        return gathered

    def done(self) -> None:
        """All is placed: let the elements go that only placing needed (a table may hold
        thousands of cells, each kept until its table is read)."""
        self.paragraphs.clear()
        self.stops.clear()

    def take(self, element: Any, tag: str) -> bool:
        """Place a run, fonts element or text piece; False for any other element."""
        if tag == R:
            self.run(element)
        elif tag in PIECE_TAGS:
            self.piece(element, tag)
        elif tag == RFONTS:
            self.run_fonts(element)
        else:
            return False
        return True

    def run(self, run: Any) -> None:
        gathered = self._holder(run)
        if gathered is not None:
            gathered[1].append(run)

    def piece(self, piece: Any, tag: str) -> None:
        gathered = self._reader_of(piece)
        if gathered is not None:
            gathered[0].append(_piece(piece, tag))

    def run_fonts(self, fonts: Any) -> None:
        properties = fonts.getparent()
        run = properties.getparent() if properties.tag == _RPR else None
        if run is not None and run.tag == R and run not in self.fonts:
            self.fonts[run] = _font(fonts)

    def _reader_of(self, piece: Any) -> Gathered | None:
        """The paragraph whose `Paragraph.text` reads this piece: a run's child, the run in
        the paragraph or in one of its hyperlinks."""
        run = piece.getparent()
        if run.tag != R:
            return None
        owner = run.getparent()
        gathered = self.paragraphs.get(owner)
        if gathered is None and owner.tag == HYPERLINK:
            gathered = self.paragraphs.get(owner.getparent())
        return gathered

    def _holder(self, run: Any) -> Gathered | None:
        """The paragraph read whose `.//w:r` this run is in, if any (a text box's run belongs
        to the paragraph holding the text box)."""
        element = run.getparent()
        while element is not None:
            gathered = self.paragraphs.get(element)
            if gathered is not None:
                return gathered
            if element in self.stops:
                return None
            element = element.getparent()
        return None

    def text(self, paragraph: Gathered, default_font: str | None) -> tuple[str, str | None]:
        """The paragraph's text and the font of its first run that has one."""
        pieces, runs = paragraph
        if not self.fonts:  # no run has its own font: each is in the default font
            if not runs or not default_font:
                return "".join(pieces), None
            if not _legacy(default_font):
                return "".join(pieces), default_font
        fonts = [self.fonts.get(r) or default_font for r in runs]
        first = next((f for f in fonts if f), None)
        if not any(_legacy(f) for f in fonts):
            return "".join(pieces), first
        return "".join(_to_unicode(_run_text(r), f) for r, f in zip(runs, fonts, strict=True)
                       ), first


def _piece(element: Any, tag: str) -> str:
    if tag == T:
        return element.text or ""
    if tag == _BR:
        return "\n" if element.get(_BR_TYPE, "textWrapping") == "textWrapping" else ""
    return _DOCX_TEXT[tag]


def _font(fonts: Any) -> str | None:
    if fonts is None:
        return None
    for attr in _FONT_ATTRS:
        name = fonts.get(attr)
        if name:
            return str(name)
    return None


@lru_cache(maxsize=1024)
def _legacy(font: str | None) -> bool:
    return legacy_encoding_of_font(font) is not None


def _run_text(r: Any) -> str:
    out: list[str] = []
    for child in r.iterchildren():
        if child.tag == T:
            out.append(child.text or "")
        else:
            out.append(_RUN_TEXT.get(child.tag, ""))
    return "".join(out)
