"""Attachments of a mail, found by walking the MIME tree ourselves.

imap-tools only lists parts that carry a file name, and the standard library raises on some
malformed headers and unknown charsets. Here every part is visited (forwarded mail included),
a part's kind is judged by its bytes, and nothing raises.

Header decoding, content sniffing and body text live in their own modules; their names are
re-exported here so callers have one place to import the mail's parts from.
"""

from __future__ import annotations

import contextlib
import email.message
from dataclasses import dataclass

from bot.mail.attachment_kind import KINDS, detect_kind
from bot.mail.body import MAX_BODY_CHARS, body_text, html_to_text
from bot.mail.headers import (
    declared_filename,
    decode_bytes,
    decode_words,
    header_names,
    header_value,
    header_values,
    raw_header_values,
    structured_header,
)
from bot.mail.mime_tree import (
    BODY_TYPES,
    PartBudget,
    children,
    content_type,
    parse_message,
    payload,
)

__all__ = [
    "BODY_TYPES", "KINDS", "MAX_BODY_CHARS", "Attachment", "body_text", "decode_bytes",
    "decode_words", "detect_kind", "find_attachments", "header_names", "header_value",
    "header_values", "html_to_text", "parse_message", "part_types",
]


@dataclass(frozen=True)
class Attachment:
    filename: str | None
    content_type: str
    data: bytes
    kind: str


def _leaf(part: email.message.Message, ctype: str, cparams: dict[str, str]) -> Attachment | None:
    disposition, dparams = structured_header(part, "Content-Disposition")
    filename = declared_filename(dparams, cparams)
    if ctype in BODY_TYPES and filename is None and disposition != "attachment":
        return None
    data = payload(part)
    kind = detect_kind(data)
    inline_image = ctype.startswith("image/") and raw_header_values(part, "Content-ID")
    # A picture in the HTML body is not a file the sender chose; a document labelled
    # image/* by a confused client still is.
    if inline_image and disposition != "attachment" and kind in ("image", "text", "other"):
        return None
    return Attachment(filename=filename, content_type=ctype, data=data, kind=kind)


def _walk(part: email.message.Message, depth: int, budget: PartBudget, max_depth: int,
          default: str, found: list[Attachment]) -> None:
    if budget.parts_left <= 0 or depth > max_depth:
        return
    budget.parts_left -= 1
    ctype, params = content_type(part, default)
    if ctype.startswith("multipart/") or ctype == "message/rfc822":
        child_default = "message/rfc822" if ctype == "multipart/digest" else "text/plain"
        for child in children(part):
            _walk(child, depth + 1, budget, max_depth, child_default, found)
        return
    attachment = _leaf(part, ctype, params)
    if attachment is not None:
        found.append(attachment)


_FOUND = "_bcy_attachments"  # where a parsed mail keeps what find_attachments found


def find_attachments(msg: email.message.Message, max_depth: int = 20,
                     max_parts: int = 500) -> list[Attachment]:
    """Every part that is not the message body nor an inline picture, forwarded mail included.
    Worked out once per parsed mail (deciding, reading ahead and marking each ask; each
    payload is decoded once)."""
    known: dict[tuple[int, int], list[Attachment]] = msg.__dict__.setdefault(_FOUND, {})
    if (max_depth, max_parts) not in known:
        found: list[Attachment] = []
        with contextlib.suppress(Exception):
            _walk(msg, 0, PartBudget(max_parts), max_depth, "text/plain", found)
        known[max_depth, max_parts] = found
    return list(known[max_depth, max_parts])


def part_types(msg: email.message.Message, max_depth: int = 20, max_parts: int = 500) -> list[str]:
    """Content types of every part, depth first, forwarded mail included; never raises."""
    types: list[str] = []
    stack: list[tuple[email.message.Message, int]] = [(msg, 0)]
    try:
        while stack and len(types) < max_parts:
            part, depth = stack.pop()
            ctype = content_type(part, "text/plain")[0]
            types.append(ctype)
            if depth < max_depth and (ctype.startswith("multipart/") or ctype == "message/rfc822"):
                stack.extend((c, depth + 1) for c in reversed(children(part)))
    except Exception:  # noqa: BLE001, S110 - hostile mail makes the email package raise anything
        pass
    return types
