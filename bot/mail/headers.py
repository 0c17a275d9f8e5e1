"""Mail headers read raw and decoded leniently.

The standard library raises on some malformed headers and unknown charsets, and real mail from
agencies has both: RFC 2047 words split mid-character, raw 8-bit cp1258, RFC 2231 file names
in sections. A header that cannot be decoded cleanly is decoded as well as possible; nothing
here raises. Bytes with no charset declared are read by `parsers.vietnamese.undeclared`.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import email.message
import quopri
import re

from parsers.text import clean
from parsers.vietnamese.undeclared import decode_undeclared

_FOLD = re.compile(r"\r?\n(?=[ \t])|\r?\n")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=")


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Bytes to text: the declared charset if Python knows it and the bytes fit it; else as
    undeclared bytes (UTF-8, or the Vietnamese legacy encoding they read as)."""
    if charset:
        try:
            return data.decode(codecs.lookup(charset.strip().strip("\"'")).name)
        except (LookupError, UnicodeError, ValueError):
            pass
    return decode_undeclared(data)


def _unescape_8bit(text: str) -> str:
    """Raw 8-bit header bytes arrive as surrogate escapes; decode them as undeclared bytes."""
    if not any("\udc80" <= c <= "\udcff" for c in text):
        return text
    return decode_bytes(text.encode("utf-8", "surrogateescape"))


def decode_base64(data: bytes) -> bytes:
    """Base64 that tolerates stray characters and a missing or broken tail; b"" if hopeless."""
    data = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
    data = data[: len(data) - len(data) % 4 if len(data) % 4 == 1 else len(data)]
    try:
        return base64.b64decode(data + b"=" * (-len(data) % 4))
    except (binascii.Error, ValueError):
        return b""


def _word_bytes(encoding: str, payload: str) -> bytes:
    data = payload.encode("ascii", "replace")
    if encoding in "bB":
        return decode_base64(data)
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


def raw_header_values(msg: email.message.Message, name: str) -> list[str]:
    """Every value of a header as sent, unfolded but not decoded; never raises."""
    try:
        items = list(msg.raw_items())
    except Exception:  # noqa: BLE001 - hostile mail makes the email package raise anything
        return []
    values = []
    for key, value in items:
        try:
            if str(key).strip().lower() == name.lower():
                values.append(_FOLD.sub("", str(value)))
        except Exception:  # noqa: BLE001 - hostile mail makes the email package raise anything
            continue
    return values


def header_values(msg: email.message.Message, name: str) -> list[str]:
    """Every value of a header, unfolded and decoded; never raises."""
    return [clean(decode_words(_unescape_8bit(v))) for v in raw_header_values(msg, name)]


def header_value(msg: email.message.Message, name: str) -> str:
    values = header_values(msg, name)
    return values[0] if values else ""


def header_names(msg: email.message.Message) -> list[str]:
    try:
        return [str(k).strip().lower() for k, _ in msg.raw_items()]
    except Exception:  # noqa: BLE001 - hostile mail makes the email package raise anything
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


def structured_header(part: email.message.Message, name: str) -> tuple[str, dict[str, str]]:
    """The first value of a header such as Content-Type, lowercased, and its parameters."""
    values = raw_header_values(part, name)
    return _split_header(values[0]) if values else ("", {})


def declared_filename(disposition: dict[str, str], ctype: dict[str, str]) -> str | None:
    """The file name a part declares (Content-Disposition first, then Content-Type)."""
    for params, key in ((disposition, "filename"), (ctype, "name")):
        try:
            value = _param(params, key)
        except Exception:  # noqa: BLE001 - hostile mail makes the email package raise anything
            value = None
        if value:
            # Some clients send the full path of the file on the sender's machine.
            name = clean(re.split(r"[\\/]", _unescape_8bit(value))[-1])
            name = "".join(c for c in name if c.isprintable())
            if name:
                return name
    return None
