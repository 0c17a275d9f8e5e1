"""The headers of the mail we send, written by hand: what a reader's client decodes is exactly
the text we rendered.

Python's header folder (CPython gh-144156, fixed upstream in 2026 only) leaves the space
between two encoded words outside them, and RFC 2047 §6.2 tells decoders to drop it: "nhân số"
arrives as "nhânsố". Here a header with anything but plain words is written as UTF-8 base64
encoded words that carry every character of the text, spaces included, each folded line
holding whole words and whole characters; plain ASCII is folded at its spaces. Lines stay
within 78 characters (RFC 5322 §2.1.1), far within the hard limit of 998.

Text from outside (an agency's subject, a display name) is made one safe line first
(`header_text`): control and bidirectional-override characters dropped, whitespace collapsed,
and capped on a character boundary, so composing costs time linear in a bounded input.
"""

from __future__ import annotations

import base64
import re
import unicodedata
from collections.abc import Iterator, Sequence
from email.message import EmailMessage
from email.policy import SMTP
from typing import Final

LINE: Final = 78  # RFC 5322 §2.1.1: SHOULD not exceed 78 characters
MAX_WORD: Final = 75  # RFC 2047 §2: an encoded word is at most 75 characters
PREFIX: Final = "=?utf-8?b?"
SUFFIX: Final = "?="
SUBJECT_LIMIT: Final = 250  # characters of an outside subject kept in what we send
NAME_LIMIT: Final = 120
ELLIPSIS: Final = "…"
# Invisible characters that reorder or hide text: a subject must read as it was written.
_BIDI: Final = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
                         "\u061c\ufeff")
_PLAIN_WORD: Final = re.compile(r"[\x21-\x7e]+")
_ATOM: Final = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+")  # a phrase without quoting
_BODY_POLICY: Final = SMTP.clone(max_line_length=LINE)


def header_text(text: str, limit: int = SUBJECT_LIMIT) -> str:
    """One line of text from outside, fit for a header and a sentence: NFC, control and bidi
    characters dropped, whitespace runs made one space, at most `limit` characters (cut on a
    character boundary, never between a letter and its accent, and marked with "…")."""
    text = unicodedata.normalize("NFC", text[: limit * 4])  # enough for any NFC of `limit`
    kept = []
    for c in text:
        if c.isspace():
            kept.append(" ")
        elif c not in _BIDI and unicodedata.category(c) not in ("Cc", "Cs", "Co", "Cn"):
            kept.append(c)
    line = " ".join("".join(kept).split())
    if len(line) <= limit:
        return line
    cut = limit - 1
    while cut > 0 and unicodedata.combining(line[cut]):
        cut -= 1
    return line[:cut].rstrip() + ELLIPSIS


def _chunks(text: str, first: int, rest: int) -> Iterator[str]:
    """Pieces of `text` whose UTF-8 fits `first` bytes, then `rest` bytes each; a piece never
    ends between a character and the combining marks that follow it."""
    budget, start, used = first, 0, 0
    for i, c in enumerate(text):
        size = len(c.encode("utf-8"))
        if used + size > budget and i > start:
            cut = i
            # a few marks at most: a letter buried under hundreds of them is cut anyway
            while cut > max(start + 1, i - 8) and unicodedata.combining(text[cut]):
                cut -= 1
            yield text[start:cut]
            used = len(text[cut:i].encode("utf-8"))
            start, budget = cut, rest
        used += size
    if start < len(text):
        yield text[start:]


def _word_bytes(room: int) -> int:
    """How many bytes of text an encoded word of at most `room` characters carries."""
    return max(4, (min(room, MAX_WORD) - len(PREFIX) - len(SUFFIX)) // 4 * 3)


def encoded_words(text: str, first_room: int) -> list[str]:
    """`text` as UTF-8 base64 encoded words: the first fits `first_room` characters, the
    others a continuation line. Joined by folding whitespace, they decode to `text` exactly."""
    pieces = _chunks(text, _word_bytes(first_room), _word_bytes(LINE - 1))
    return [PREFIX + base64.b64encode(p.encode("utf-8")).decode("ascii") + SUFFIX
            for p in pieces]


def _is_plain(text: str) -> bool:
    """Printable ASCII words, single spaces, nothing an RFC 2047 decoder would take for an
    encoded word, no word too long to fold."""
    words = text.split(" ")
    return all(_PLAIN_WORD.fullmatch(w) and len(w) <= LINE - 12 for w in words) \
        and "=?" not in text


def _fold(name: str, tokens: Sequence[str]) -> str:
    """`Name: tok tok ...` with a fold before any token that would pass LINE."""
    lines, line = [], f"{name}:"
    for token in tokens:
        if len(line) + 1 + len(token) > LINE and line != f"{name}:":
            lines.append(line)
            line = ""
        line += " " + token
    lines.append(line)
    return "\r\n".join(lines) + "\r\n"


def unstructured(name: str, text: str) -> str:
    """An unstructured header (Subject and kin), folded, ending in CRLF."""
    if not text or _is_plain(text):
        return _fold(name, text.split(" ") if text else [])
    return _fold(name, encoded_words(text, LINE - len(name) - 2))


def phrase(name: str) -> list[str]:
    """A display name as header tokens: atoms, a quoted string, or ONE encoded word. Python's
    address parser (email.policy.default) puts a space between two encoded words of a display
    name, where RFC 2047 §6.2 drops the whitespace between them: only a single word reads the
    same in both. A name is at most NAME_LIMIT characters, so its line stays within 998."""
    if not name:
        return []
    if name.isascii() and _ATOM.fullmatch(name) and _is_plain(name):
        return name.split(" ")
    if name.isascii() and _is_plain(name):
        return ['"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"']
    return [PREFIX + base64.b64encode(name.encode("utf-8")).decode("ascii") + SUFFIX]


def address_header(name: str, mailboxes: Sequence[tuple[str, str]]) -> str:
    """From/To/Cc: each (display name, address), the names encoded, addresses as they are
    (a non-ASCII address is written in UTF-8, RFC 6532: it goes only over SMTPUTF8)."""
    tokens: list[str] = []
    for n, (display, address) in enumerate(mailboxes):
        words = phrase(header_text(display, NAME_LIMIT))
        bracketed = f"<{address}>" if words else address
        tokens += words + [bracketed + ("," if n < len(mailboxes) - 1 else "")]
    return _fold(name, tokens)


def text_parts(body: EmailMessage, text: str, html: str) -> None:
    """The text and HTML alternatives of a mail, each UTF-8 in base64: Vietnamese is mostly
    non-ASCII, so quoted-printable would triple it and cost three times as long to write
    (Python's encoder is pure Python), and base64 needs no 8BITMIME from the server."""
    body.set_content(text, cte="base64")
    body.add_alternative(html, subtype="html", cte="base64")


def wire_bytes(header_fields: Sequence[str], body: EmailMessage | bytes) -> bytes:
    """The mail as sent: our header fields (each folded and ending in CRLF: see
    `unstructured`, `address_header`, `plain`), then the MIME body (written already, or
    flattened here), CRLF throughout."""
    flat = body if isinstance(body, bytes) else body.as_bytes(policy=_BODY_POLICY)
    return "".join(header_fields).encode("utf-8") + flat


def plain(name: str, value: str) -> str:
    """A header whose value we wrote ourselves (dates, our marks, message ids), folded at its
    spaces; anything else is written as encoded words."""
    value = header_text(value, 900)
    if _is_plain(value):
        return _fold(name, value.split(" ") if value else [])
    return unstructured(name, value)


_MSG_ID: Final = re.compile(r"<[\x21-\x3b\x3d\x3f-\x7e]{1,250}>")


def message_ids(*values: str | None, keep: int = 10) -> list[str]:
    """The message ids (`<...>`) found in header values, in order, each once, the last `keep`
    of them (RFC 5322 §3.6.4 lets a long References be trimmed from the front)."""
    found = [m.group(0) for v in values if v for m in _MSG_ID.finditer(v)]
    return list(dict.fromkeys(found))[-keep:]
