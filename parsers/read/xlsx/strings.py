"""Cell text as openpyxl reads it (`Text.content`, rich_text off): the plain text and every
run's text, phonetic guides left out; shared strings with openpyxl's one unescape
(`x005F_` removed), inline strings as they are."""

from __future__ import annotations

import zipfile

from lxml import etree

from parsers.read.xlsx.package import MAIN, Unfamiliar
from parsers.read.xlsx.styles import local

_SI, _T = MAIN + "si", MAIN + "t"
_IGNORED = ("rPh", "phoneticPr")


def _text_of(element: etree._Element) -> str | None:
    if len(element):
        raise Unfamiliar("markup inside a text")
    text: str | None = element.text
    return text


def text_content(node: etree._Element) -> str:
    """The text of an <si> or <is>: its <t> (the last, if repeated), then each run's <t>."""
    plain: str | None = None
    runs: list[str] = []
    for child in node:
        tag = child.tag
        name = "t" if tag == _T else local(tag)
        if name == "t":
            plain = _text_of(child)
        elif name == "r":
            text = None
            for part in child:
                part_name = local(part.tag)
                if part_name == "t":
                    text = _text_of(part)
                elif part_name != "rPr":
                    raise Unfamiliar(f"run holds {part_name}")
            if text is not None:
                runs.append(text)
        elif name not in _IGNORED:
            raise Unfamiliar(f"string holds {name}")
    return (plain or "") + "".join(runs)


def shared_strings(archive: zipfile.ZipFile, part: str) -> list[str]:
    """Every <si> of the part, streamed (a long table stays flat in memory)."""
    strings: list[str] = []
    with archive.open(part) as source:
        for _, si in etree.iterparse(source, events=("end",), tag=_SI, remove_comments=True,
                                     remove_pis=True, resolve_entities=False,
                                     no_network=True, load_dtd=False, huge_tree=False):
            strings.append(text_content(si).replace("x005F_", ""))
            si.clear()
            while si.getprevious() is not None:
                del si.getparent()[0]
    return strings
