"""Attachments and body text of a mail, found by walking the MIME tree ourselves.

imap-tools only lists parts that carry a file name, and the standard library raises on some
malformed headers and unknown charsets. Here headers are read raw and decoded leniently, a
part's kind is judged by its bytes (magic numbers, ZIP member names), and nothing raises.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import email
import email.message
import email.policy
import html
import io
import quopri
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Final

from parsers.text import clean

# What `Attachment.kind` can be.
KINDS: Final = (
    "docx", "xlsx", "xlsm", "docm", "pptx", "ods", "odt",
    "ole", "ole-encrypted-ooxml", "pdf", "zip", "image", "text", "other",
)
BODY_TYPES: Final = frozenset({"text/plain", "text/html"})
MAX_BODY_CHARS: Final = 200_000
_FALLBACK_CHARSETS: Final = ("utf-8", "cp1258", "cp1252")


@dataclass(frozen=True)
class Attachment:
    filename: str | None
    content_type: str
    data: bytes
    kind: str


def parse_message(raw: bytes) -> email.message.Message:
    """`message_from_bytes` that never raises: default policy, then compat32, then empty."""
    for policy in (email.policy.default, email.policy.compat32):
        try:
            return email.message_from_bytes(raw, policy=policy)
        except Exception:
            continue
    return email.message.Message()


# --- header decoding ------------------------------------------------------------------------

_FOLD = re.compile(r"\r?\n(?=[ \t])|\r?\n")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=")


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Bytes to text: the declared charset if Python knows it, else UTF-8, else cp1258."""
    names = [charset.strip().strip("\"'").lower()] if charset else []
    for name in [*names, *_FALLBACK_CHARSETS]:
        try:
            codecs.lookup(name)
            return data.decode(name)
        except (LookupError, UnicodeError, ValueError):
            continue
    return data.decode("latin-1")


def _unescape_8bit(text: str) -> str:
    """Raw 8-bit header bytes arrive as surrogate escapes; decode them as UTF-8 (or cp1258)."""
    if not any("\udc80" <= c <= "\udcff" for c in text):
        return text
    return decode_bytes(text.encode("utf-8", "surrogateescape"))


def _b64(data: bytes) -> bytes:
    data = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
    data = data[: len(data) - len(data) % 4 if len(data) % 4 == 1 else len(data)]
    try:
        return base64.b64decode(data + b"=" * (-len(data) % 4))
    except (binascii.Error, ValueError):
        return b""


def _word_bytes(encoding: str, payload: str) -> bytes:
    data = payload.encode("ascii", "replace")
    if encoding in "bB":
        return _b64(data)
    return quopri.decodestring(data.replace(b"_", b" "), header=True)


def decode_words(text: str) -> str:
    """RFC 2047 encoded words, lenient: adjacent words of one charset are joined as bytes
    before decoding, so a character split across two words survives."""
    out: list[str] = []
    pending = bytearray()
    pending_charset = ""
    pos = 0
    after_word = False
    for m in _ENCODED_WORD.finditer(text):
        gap = text[pos:m.start()]
        adjacent = after_word and not gap.strip()
        charset = m.group(1).split("*")[0].lower()
        if pending and (not adjacent or charset != pending_charset):
            out.append(decode_bytes(bytes(pending), pending_charset))
            pending = bytearray()
        if not adjacent:
            out.append(gap)  # whitespace between two encoded words is not part of the text
        pending += _word_bytes(m.group(2), m.group(3))
        pending_charset = charset
        pos = m.end()
        after_word = True
    if pending:
        out.append(decode_bytes(bytes(pending), pending_charset))
    out.append(text[pos:])
    return "".join(out)


def _raw_values(msg: email.message.Message, name: str) -> list[str]:
    try:
        items = list(msg.raw_items())
    except Exception:
        return []
    values = []
    for key, value in items:
        try:
            if str(key).strip().lower() == name.lower():
                values.append(_FOLD.sub("", str(value)))
        except Exception:
            continue
    return values


def header_values(msg: email.message.Message, name: str) -> list[str]:
    """Every value of a header, unfolded and decoded; never raises."""
    return [clean(decode_words(_unescape_8bit(v))) for v in _raw_values(msg, name)]


def header_value(msg: email.message.Message, name: str) -> str:
    values = header_values(msg, name)
    return values[0] if values else ""


def header_names(msg: email.message.Message) -> list[str]:
    try:
        return [str(k).strip().lower() for k, _ in msg.raw_items()]
    except Exception:
        return []


# --- structured headers: Content-Type and Content-Disposition --------------------------------

_PARAM = re.compile(r';\s*([^=;\s]+)\s*=\s*("(?:[^"\\]|\\.)*"?|[^;]*)')
_SECTION = re.compile(r"^(.*?)\*(\d+)(\*?)$")


def _split_header(value: str) -> tuple[str, dict[str, str]]:
    """`type/sub; a=1; b="x"` -> ("type/sub", {"a": "1", "b": "x"}); later duplicates lose."""
    head, _, _ = value.partition(";")
    params: dict[str, str] = {}
    for m in _PARAM.finditer(value):
        key, raw = m.group(1).lower(), m.group(2).strip()
        if raw.startswith('"'):
            inner = raw[1:-1] if raw.endswith('"') and len(raw) > 1 else raw[1:]
            raw = re.sub(r"\\(.)", r"\1", inner)
        params.setdefault(key, raw)
    return head.strip().lower(), params


def _rfc2231_value(raw: str, charset_first: bool) -> tuple[bytes, str | None]:
    charset = None
    if charset_first and raw.count("'") >= 2:
        charset, _, raw = raw.split("'", 2)
    data = re.sub(rb"%([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]),
                  raw.encode("utf-8", "surrogateescape"))
    return data, charset or None


def _param(params: dict[str, str], name: str) -> str | None:
    """A parameter in any of its spellings: plain, RFC 2231 extended, or in sections."""
    if f"{name}*" in params:
        data, charset = _rfc2231_value(params[f"{name}*"], True)
        return decode_bytes(data, charset)
    sections: list[tuple[int, str, bool]] = []
    for key, value in params.items():
        m = _SECTION.match(key)
        if m and m.group(1) == name:
            sections.append((int(m.group(2)), value, bool(m.group(3))))
    if sections:
        sections.sort()
        joined, charset = bytearray(), None
        for index, value, extended in sections:
            if extended:
                chunk, cs = _rfc2231_value(value, index == 0)
                charset = charset or cs
                joined += chunk
            else:
                joined += value.encode("utf-8", "surrogateescape")
        return decode_words(decode_bytes(bytes(joined), charset))
    if name in params:
        return decode_words(_unescape_8bit(params[name]))
    return None


def _structured(part: email.message.Message, name: str) -> tuple[str, dict[str, str]]:
    values = _raw_values(part, name)
    return _split_header(values[0]) if values else ("", {})


def _filename(disposition: dict[str, str], ctype: dict[str, str]) -> str | None:
    for params, key in ((disposition, "filename"), (ctype, "name")):
        try:
            value = _param(params, key)
        except Exception:
            value = None
        if value:
            # Some clients send the full path of the file on the sender's machine.
            name = clean(re.split(r"[\\/]", _unescape_8bit(value))[-1])
            name = "".join(c for c in name if c.isprintable())
            if name:
                return name
    return None


# --- payload and kind -------------------------------------------------------------------------

def _serialize(part: email.message.Message) -> bytes:
    try:
        return part.as_bytes(policy=email.policy.compat32)
    except Exception:
        return b""


def _payload(part: email.message.Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
        if isinstance(data, bytes):
            return data
    except Exception:
        pass
    try:
        text = part.get_payload()
    except Exception:
        return b""
    if isinstance(text, list):  # message/delivery-status and kin: blocks of headers
        return b"\n".join(_serialize(p) for p in text if isinstance(p, email.message.Message))
    if not isinstance(text, str):
        return b""
    raw = text.encode("utf-8", "surrogateescape")
    cte = header_value(part, "Content-Transfer-Encoding").lower()
    if "base64" in cte:
        return _b64(raw)
    if "quoted" in cte:
        return quopri.decodestring(raw)
    return raw


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
    except Exception:
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
    if data.startswith(_IMAGE_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        return "image"
    head = data[:4096]
    if head and b"\x00" not in head:
        controls = sum(1 for b in head if b < 32 and b not in b"\t\r\n\f" or b == 127)
        if controls * 100 <= len(head):
            return "text"
    return "other"


# --- walking ----------------------------------------------------------------------------------

@dataclass
class _Budget:
    parts_left: int


def _children(part: email.message.Message) -> list[email.message.Message]:
    try:
        payload = part.get_payload()
    except Exception:
        return []
    if isinstance(payload, email.message.Message):
        payload = [payload]
    if not isinstance(payload, list):
        return []
    children = [p for p in payload if isinstance(p, email.message.Message)]
    cte = header_value(part, "Content-Transfer-Encoding").lower()
    if len(children) == 1 and ("base64" in cte or "quoted" in cte):
        # A forwarded mail wrongly sent in base64: the parser saw one headerless body.
        inner = children[0]
        if not header_names(inner) and isinstance(inner.get_payload(), str):
            raw = str(inner.get_payload()).encode("ascii", "replace")
            return [parse_message(_b64(raw) if "base64" in cte else quopri.decodestring(raw))]
    return children


def _content_type(part: email.message.Message, default: str) -> tuple[str, dict[str, str]]:
    ctype, params = _structured(part, "Content-Type")
    return (ctype if ctype.count("/") == 1 else default), params


def _leaf(part: email.message.Message, ctype: str, cparams: dict[str, str]) -> Attachment | None:
    disposition, dparams = _structured(part, "Content-Disposition")
    filename = _filename(dparams, cparams)
    if ctype in BODY_TYPES and filename is None and disposition != "attachment":
        return None
    data = _payload(part)
    kind = detect_kind(data)
    inline_image = ctype.startswith("image/") and _raw_values(part, "Content-ID")
    # A picture in the HTML body is not a file the sender chose; a document labelled
    # image/* by a confused client still is.
    if inline_image and disposition != "attachment" and kind in ("image", "text", "other"):
        return None
    return Attachment(filename=filename, content_type=ctype, data=data, kind=kind)


def _walk(part: email.message.Message, depth: int, budget: _Budget, max_depth: int,
          default: str, found: list[Attachment]) -> None:
    if budget.parts_left <= 0 or depth > max_depth:
        return
    budget.parts_left -= 1
    ctype, params = _content_type(part, default)
    if ctype.startswith("multipart/") or ctype == "message/rfc822":
        child_default = "message/rfc822" if ctype == "multipart/digest" else "text/plain"
        for child in _children(part):
            _walk(child, depth + 1, budget, max_depth, child_default, found)
        return
    attachment = _leaf(part, ctype, params)
    if attachment is not None:
        found.append(attachment)


def find_attachments(msg: email.message.Message, max_depth: int = 20,
                     max_parts: int = 500) -> list[Attachment]:
    """Every part that is not the message body nor an inline picture, forwarded mail included."""
    found: list[Attachment] = []
    try:
        _walk(msg, 0, _Budget(max_parts), max_depth, "text/plain", found)
    except Exception:
        pass
    return found


# --- body text --------------------------------------------------------------------------------

class _TextOfHtml(HTMLParser):
    _SKIP: Final = frozenset({"script", "style", "head", "title"})
    _BREAK: Final = frozenset({"br", "p", "div", "tr", "li", "h1", "h2", "h3", "table", "td", "th"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BREAK:
            self.chunks.append(" " if tag in ("td", "th") else "\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skipping:
            self._skipping -= 1
        elif tag in self._BREAK:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.chunks.append(data)


def html_to_text(markup: str) -> str:
    parser = _TextOfHtml()
    try:
        parser.feed(markup)
        parser.close()
        text = "".join(parser.chunks)
    except Exception:
        text = html.unescape(re.sub(r"<[^>]*>", " ", markup))
    return re.sub(r"[ \t\r\f\v\u00a0]+", " ", re.sub(r"\n\s*\n+", "\n\n", text)).strip()


def _part_text(part: email.message.Message, ctype: str, params: dict[str, str]) -> str:
    text = decode_bytes(_payload(part), params.get("charset"))
    return html_to_text(text) if ctype == "text/html" else text


def _alternative(children: list[email.message.Message], depth: int, budget: _Budget,
                 max_depth: int) -> list[str]:
    """One version of the body: plain text if it says something, else HTML, else the first."""
    for wanted in ("text/plain", "text/html"):
        for child in children:
            if _content_type(child, "text/plain")[0] == wanted:
                chunks = _body(child, depth + 1, budget, max_depth)
                if any(c.strip() for c in chunks):
                    return chunks
    return _body(children[0], depth + 1, budget, max_depth) if children else []


def _body(part: email.message.Message, depth: int, budget: _Budget, max_depth: int) -> list[str]:
    if budget.parts_left <= 0 or depth > max_depth:
        return []
    budget.parts_left -= 1
    ctype, params = _content_type(part, "text/plain")
    if ctype.startswith("multipart/") or ctype == "message/rfc822":
        children = _children(part)
        if ctype == "multipart/alternative":
            return _alternative(children, depth, budget, max_depth)
        if not children and ctype.startswith("multipart/"):
            return [_part_text(part, "text/plain", params)]  # boundary lost: keep the raw text
        return [t for c in children for t in _body(c, depth + 1, budget, max_depth)]
    disposition, dparams = _structured(part, "Content-Disposition")
    if ctype in BODY_TYPES and disposition != "attachment" and _filename(dparams, params) is None:
        return [_part_text(part, ctype, params)]
    return []


def body_text(msg: email.message.Message, max_chars: int = MAX_BODY_CHARS,
              max_depth: int = 20, max_parts: int = 500) -> str:
    """Plain text of the body (text/plain preferred over HTML), forwarded mail included, NFC."""
    try:
        chunks = _body(msg, 0, _Budget(max_parts), max_depth)
    except Exception:
        return ""
    text = "\n\n".join(c.strip() for c in chunks if c.strip())[:max_chars]
    return unicodedata.normalize("NFC", text)  # cp1258 mail spells tones as combining marks


def part_types(msg: email.message.Message, max_depth: int = 20, max_parts: int = 500) -> list[str]:
    """Content types of every part, depth first, forwarded mail included; never raises."""
    types: list[str] = []
    stack: list[tuple[email.message.Message, int]] = [(msg, 0)]
    try:
        while stack and len(types) < max_parts:
            part, depth = stack.pop()
            ctype = _content_type(part, "text/plain")[0]
            types.append(ctype)
            if depth < max_depth and (ctype.startswith("multipart/") or ctype == "message/rfc822"):
                stack.extend((c, depth + 1) for c in reversed(_children(part)))
    except Exception:
        pass
    return types
