"""The text of an ODF paragraph (`text:p`, `text:h`), spans in a legacy font converted.

Whitespace follows ODF: runs of spaces, tabs and newlines in the XML are one space; `text:s`,
`text:tab` and `text:line-break` are the typed spaces, tabs and breaks. Notes, comments,
tracked deletions and drawings are not part of the paragraph's running text.
"""

from __future__ import annotations

import re

from lxml import etree

from parsers.odf.package import NS, q
from parsers.odf.styles import OdfFonts
from parsers.vietnamese.legacy import legacy_encoding_of_font, to_unicode

MAX_SPACES = 100  # text:s c="1000000" is one attribute; a line of a form never needs more
MAX_DEPTH = 64
_STYLE_NAME = q("text", "style-name")
_SPAN = q("text", "span")
_SPACE = q("text", "s")
_TAB = q("text", "tab")
_BREAK = q("text", "line-break")
_SKIPPED = frozenset({q("text", "note"), q("office", "annotation"),
                      q("office", "annotation-end"), q("text", "tracked-changes"),
                      q("text", "bookmark-ref")})
_DRAW = "{" + NS["draw"] + "}"
_WHITESPACE = re.compile(r"[ \t\r\n]+")

Chunk = tuple[str, str | None]  # text and the font it is drawn in


def _count(element: etree._Element) -> int:
    try:
        return max(1, min(int(element.get(q("text", "c"), "1")), MAX_SPACES))
    except ValueError:
        return 1


def _walk(element: etree._Element, font: str | None, fonts: OdfFonts, out: list[Chunk],
          depth: int) -> None:
    if element.text:
        out.append((_WHITESPACE.sub(" ", element.text), font))
    for child in element:
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIPPED or tag.startswith(_DRAW):
            pass
        elif tag == _SPACE:
            out.append((" " * _count(child), font))
        elif tag == _TAB:
            out.append(("\t", font))
        elif tag == _BREAK:
            out.append(("\n", font))
        elif depth < MAX_DEPTH:
            own = fonts.font("text", child.get(_STYLE_NAME), default=False) if tag == _SPAN \
                else None
            _walk(child, own or font, fonts, out, depth + 1)
        if child.tail:
            out.append((_WHITESPACE.sub(" ", child.tail), font))


def _merged(chunks: list[Chunk]) -> list[Chunk]:
    """Neighbouring chunks in one font joined, so a VNI letter and its mark split across two
    spans are still decoded together."""
    out: list[Chunk] = []
    for text, font in chunks:
        if out and out[-1][1] == font:
            out[-1] = (out[-1][0] + text, font)
        else:
            out.append((text, font))
    return out


def paragraph_text(p: etree._Element, inherited: str | None, fonts: OdfFonts
                   ) -> tuple[str, str | None]:
    """The paragraph's text and the first font its text is drawn in. `inherited` is the
    font of what holds the paragraph (a cell's style), used when the paragraph names none."""
    own = fonts.font("paragraph", p.get(_STYLE_NAME), default=False) or inherited
    if own is None:
        own = fonts.font("paragraph", None)
    chunks: list[Chunk] = []
    _walk(p, own, fonts, chunks, 0)
    merged = _merged(chunks)
    first = next((f for t, f in merged if t.strip() and f), None)
    if not any(legacy_encoding_of_font(f) for _, f in merged):
        return "".join(t for t, _ in merged).strip(" "), first
    return "".join(to_unicode(t, f) for t, f in merged).strip(" "), first
