"""The text a person wrote in the mail body: it tells whether a mail is about the campaign.

Agencies write in Outlook, webmail and phones: HTML only, plain text only, both as
multipart/alternative, or a forwarded mail inside. One readable text is made of whichever is
there, plain text preferred, and normalized to NFC so cp1258 tone marks compare equal.
"""

from __future__ import annotations

import email.message
import html
import re
import unicodedata
from html.parser import HTMLParser
from typing import Final

from bot.mail.headers import declared_filename, decode_bytes, structured_header
from bot.mail.mime_tree import BODY_TYPES, PartBudget, children, content_type, payload

MAX_BODY_CHARS: Final = 200_000


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
    except Exception:  # noqa: BLE001 - hostile mail makes the email package raise anything
        text = html.unescape(re.sub(r"<[^>]*>", " ", markup))
    return re.sub(r"[ \t\r\f\v\u00a0]+", " ", re.sub(r"\n\s*\n+", "\n\n", text)).strip()


def _part_text(part: email.message.Message, ctype: str, params: dict[str, str]) -> str:
    text = decode_bytes(payload(part), params.get("charset"))
    return html_to_text(text) if ctype == "text/html" else text


def _alternative(parts: list[email.message.Message], depth: int, budget: PartBudget,
                 max_depth: int) -> list[str]:
    """One version of the body: plain text if it says something, else HTML, else the first."""
    for wanted in ("text/plain", "text/html"):
        for child in parts:
            if content_type(child, "text/plain")[0] == wanted:
                chunks = _body(child, depth + 1, budget, max_depth)
                if any(c.strip() for c in chunks):
                    return chunks
    return _body(parts[0], depth + 1, budget, max_depth) if parts else []


def _body(part: email.message.Message, depth: int, budget: PartBudget,
          max_depth: int) -> list[str]:
    if budget.parts_left <= 0 or depth > max_depth:
        return []
    budget.parts_left -= 1
    ctype, params = content_type(part, "text/plain")
    if ctype.startswith("multipart/") or ctype == "message/rfc822":
        parts = children(part)
        if ctype == "multipart/alternative":
            return _alternative(parts, depth, budget, max_depth)
        if not parts and ctype.startswith("multipart/"):
            return [_part_text(part, "text/plain", params)]  # boundary lost: keep the raw text
        return [t for c in parts for t in _body(c, depth + 1, budget, max_depth)]
    disposition, dparams = structured_header(part, "Content-Disposition")
    if (ctype in BODY_TYPES and disposition != "attachment"
            and declared_filename(dparams, params) is None):
        return [_part_text(part, ctype, params)]
    return []


_TEXT = "_bcy_body_text"  # where a parsed mail keeps its body text


def body_text(msg: email.message.Message, max_chars: int = MAX_BODY_CHARS,
              max_depth: int = 20, max_parts: int = 500) -> str:
    """Plain text of the body (text/plain preferred over HTML), forwarded mail included, NFC.
    Worked out once per parsed mail and limits (classifying, looking for our own mail and
    for bounces each ask)."""
    known: dict[tuple[int, int, int], str] = msg.__dict__.setdefault(_TEXT, {})
    key = (max_chars, max_depth, max_parts)
    if key not in known:
        try:
            chunks = _body(msg, 0, PartBudget(max_parts), max_depth)
        except Exception:  # noqa: BLE001 - hostile mail makes the email package raise anything
            chunks = []
        text = "\n\n".join(c.strip() for c in chunks if c.strip())[:max_chars]
        known[key] = unicodedata.normalize("NFC", text)  # cp1258 spells tones combining
    return known[key]
