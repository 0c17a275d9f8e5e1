"""The DOCX reader's one-pass walk (parsers/read/word) reads what the plain walk it replaced
reads (tests/word_walk_reference.py): on generated bodies full of what Word puts in a form —
nested and merged tables, spans, hyperlinks, text boxes, content controls, legacy fonts,
breaks and tabs — and on every Word file the tests and the corpus hold. Also: the guard's
member heads inflated in place are zipfile's own, and the Normal style is found as the stream
parse found it, damage and all."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from parsers.read.docx_package import W_NS, normal_font, w, word_parts
from parsers.read.errors import UnreadableFile
from parsers.read.read_docx import read_docx
from parsers.read.safe_zip import _head_in_place, check_zip, open_zip, read_head
from tests import word_walk_reference as reference
from tests.shared_corpus import corpus
from tests.test_hostile_files import DOCX_CASE, docx_body, patched

ROOT = Path(__file__).resolve().parent
V_NS = "urn:schemas-microsoft-com:vml"
_WORDS = ("Bộ Tài chính", "Céng hoµ", "2023", "Chứng thư số", "  ", "", "x\ty", "Sè")
_FONTS = ("", "Times New Roman", ".VnTime", ".VnTimeH", "VNI-Times", "Arial")


def _run(rng: random.Random, depth: int) -> str:
    font = rng.choice(_FONTS)
    props = f'<w:rPr><w:rFonts w:ascii="{font}" w:hAnsi="{font}"/></w:rPr>' if font else ""
    if rng.random() < 0.15:
        props = f'<w:rPr><w:rFonts w:eastAsia="x"/><w:rFonts w:ascii="{font}"/></w:rPr>'
    pieces = "".join(rng.choice((
        f"<w:t>{rng.choice(_WORDS)}</w:t>", "<w:t/>", "<w:tab/>", "<w:br/>",
        '<w:br w:type="page"/>', "<w:cr/>", "<w:noBreakHyphen/>", "<w:softHyphen/>",
        "<w:ptab/>", "<!-- c -->", "<w:instrText>F</w:instrText>"))
        for _ in range(rng.randrange(0, 4)))
    if depth < 2 and rng.random() < 0.1:  # a text box: runs below the paragraph, not its text
        inner = _paragraph(rng, depth + 1) + (_table(rng, depth + 1) if rng.random() < 0.3
                                               else "")
        pieces += (f'<w:pict><v:shape xmlns:v="{V_NS}"><v:textbox><w:txbxContent>{inner}'
                   "</w:txbxContent></v:textbox></v:shape></w:pict>")
    return f"<w:r>{props}{pieces}</w:r>"


def _paragraph(rng: random.Random, depth: int = 0) -> str:
    parts = []
    for _ in range(rng.randrange(0, 4)):
        roll = rng.random()
        if roll < 0.15:
            parts.append(f"<w:hyperlink>{_run(rng, depth)}{_run(rng, depth)}</w:hyperlink>")
        elif roll < 0.22:
            parts.append(f"<w:ins>{_run(rng, depth)}</w:ins>")
        else:
            parts.append(_run(rng, depth))
    return f"<w:p><w:pPr/>{''.join(parts)}</w:p>"


def _cell(rng: random.Random, depth: int) -> str:
    marks = ""
    if rng.random() < 0.2:
        marks += f'<w:gridSpan w:val="{rng.choice(("2", "3", "0", "x", "99"))}"/>'
    if rng.random() < 0.25:
        marks += rng.choice(('<w:vMerge/>', '<w:vMerge w:val="restart"/>',
                             '<w:vMerge w:val="continue"/>'))
    content = "".join(_paragraph(rng, depth) for _ in range(rng.randrange(0, 3)))
    if depth < 4 and rng.random() < 0.2:
        content += _table(rng, depth + 1)
    if rng.random() < 0.1:
        content += f"<w:sdt><w:sdtContent>{_paragraph(rng, depth)}</w:sdtContent></w:sdt>"
    if rng.random() < 0.1:  # properties after the content: Word never writes it, a file may
        return f"<w:tc>{content}<w:tcPr>{marks}</w:tcPr></w:tc>"
    return f"<w:tc><w:tcPr>{marks}</w:tcPr>{content}</w:tc>"


def _table(rng: random.Random, depth: int = 0) -> str:
    rows = []
    for _ in range(rng.randrange(1, 5)):
        before = '<w:trPr><w:gridBefore w:val="1"/></w:trPr>' if rng.random() < 0.1 else ""
        cells = "".join(_cell(rng, depth) for _ in range(rng.randrange(1, 5)))
        rows.append(f"<w:tr>{before}{cells}</w:tr>")
    return f"<w:tbl><w:tblPr/>{''.join(rows)}</w:tbl>"


def _body(rng: random.Random) -> str:
    blocks = []
    for _ in range(rng.randrange(1, 8)):
        roll = rng.random()
        if roll < 0.45:
            blocks.append(_paragraph(rng))
        elif roll < 0.85:
            blocks.append(_table(rng))
        else:
            blocks.append(f"<w:sdt><w:sdtContent>{_paragraph(rng)}{_table(rng)}"
                          "</w:sdtContent></w:sdt>")
    return "".join(blocks)


def _reference_read(data: bytes) -> list[object]:
    parts = word_parts(check_zip(data))
    walk = reference.Reader(parts.default_font)
    walk.body(parts.root.find(w("body")))
    return list(walk.blocks)


@pytest.fixture(scope="module")
def package() -> bytes:
    return docx_body("")


def _with_body(package: bytes, body: str) -> bytes:
    document = f'<w:document xmlns:w="{W_NS}"><w:body>{body}</w:body></w:document>'
    return patched(package, {"word/document.xml": document.encode()})


@pytest.mark.parametrize("seed", range(20))
def test_the_one_pass_walk_reads_what_the_plain_walk_reads(seed: int, package: bytes) -> None:
    rng = random.Random(seed)
    for _ in range(25):
        data = _with_body(package, _body(rng))
        assert read_docx(data).blocks == _reference_read(data)


def test_every_word_file_is_read_as_the_plain_walk_reads_it() -> None:
    files = [*sorted((ROOT / "forms").rglob("*.docx")), DOCX_CASE,
             *sorted(corpus("docx-python-docx").rglob("*.docx"))]
    assert len(files) > 20
    read = 0
    for path in files:
        data = path.read_bytes()
        try:
            expected = _reference_read(data)
        except UnreadableFile:
            continue
        assert read_docx(data).blocks == expected, path.name
        read += 1
    assert read > 20


def _mutations(data: bytes, count: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        changed = bytearray(data)
        for _ in range(rng.randrange(1, 4)):
            changed[rng.randrange(len(changed))] = rng.randrange(256)
        out.append(bytes(changed))
    return out


def _stored_copy(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as copy:
        for info in source.infolist():
            copy.writestr(info.filename, source.read(info), zipfile.ZIP_STORED)
    return out.getvalue()


@pytest.mark.parametrize("limit", [8 * 1024, 100, 5_000])
def test_a_head_inflated_in_place_is_zipfiles_own(limit: int) -> None:
    """Wherever the in-place head answers, zipfile's read gives the same bytes without an
    error; on damaged archives it gives way rather than answer otherwise."""
    original = DOCX_CASE.read_bytes()
    answered = 0
    for data in [original, _stored_copy(original), *_mutations(original, 300, limit)]:
        try:
            archive = open_zip(data)
        except UnreadableFile:
            continue
        for info in archive.infolist():
            head = _head_in_place(archive, data, info, limit)
            if head is None:
                continue
            answered += 1
            assert read_head(archive, info, limit) == head, info.filename
    assert answered > 1000


def _stream_normal_font(data: bytes) -> str | None:
    """The Normal style's font as the reader first found it: one stream parse, left at the
    Normal style."""
    by_id: list[str | None] = []
    for _, style in etree.iterparse(io.BytesIO(data), events=("end",), tag=w("style"),
                                    remove_blank_text=True, resolve_entities=False,
                                    no_network=True, load_dtd=False, huge_tree=False):
        parent = style.getparent()
        if parent is None or parent.tag != w("styles") or parent.getparent() is not None:
            continue
        fonts = style.find(f"{w('rPr')}/{w('rFonts')}")
        font = fonts.get(w("ascii")) if fonts is not None and style.get(
            w("type"), "paragraph") in ("paragraph", "character", "table") else None
        if any(n.get(w("val")) == "Normal" for n in style.iterchildren(w("name"))):
            return str(font) if font else None
        if not by_id and style.get(w("styleId")) == "Normal":
            by_id.append(str(font) if font else None)
        style.clear()
    return by_id[0] if by_id else None


def _outcome(read: object, data: bytes) -> str | None:
    try:
        return read(data)  # type: ignore[operator,no-any-return]
    except (UnreadableFile, etree.XMLSyntaxError):
        return "refused"


def test_the_normal_style_is_found_as_the_stream_parse_found_it() -> None:
    styles = zipfile.ZipFile(io.BytesIO(DOCX_CASE.read_bytes())).read("word/styles.xml")
    at = styles.find(b'w:val="Normal"')
    assert 0 < at < 16 * 1024 < len(styles)
    rng = random.Random(7)
    cases = [styles, styles[:at], styles[:at + 600], b"", b"<a/>",
             f'<w:styles xmlns:w="{W_NS}"/>'.encode()]
    cases += [styles[:k] + bad + styles[k:] for k in (100, at - 200, at + 300, 20_000, 40_000)
              for bad in (b"<", b"&", b"\x00")]
    cases += _mutations(styles[:40_000], 200, 3)
    cases += [styles[:rng.randrange(len(styles))] for _ in range(50)]
    for data in cases:
        assert _outcome(lambda d: normal_font(d, "word/styles.xml"), data) == \
            _outcome(_stream_normal_font, data)
