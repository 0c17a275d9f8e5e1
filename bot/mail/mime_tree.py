"""One node of a MIME tree at a time: its type, its children, its decoded payload.

Both the attachment walk and the body-text walk stand on these, and both meet broken mail:
a lost boundary, a forwarded mail wrongly sent in base64, a transfer encoding the standard
library refuses. Each read here has a fallback instead of an exception.
"""

from __future__ import annotations

import base64
import binascii
import email
import email.headerregistry
import email.message
import email.parser
import email.policy
import quopri
from dataclasses import dataclass
from typing import Any, Final

from bot.mail.big_bodies import attach, decoded, hold, restore, restore_all
from bot.mail.headers import decode_base64, header_names, header_value, structured_header

BODY_TYPES: Final = frozenset({"text/plain", "text/html"})
FEED_SLICE: Final = 64 * 1024  # bytes handed to the feed parser at a time
KEEP_CLASSES: Final = 256  # header names whose class the registry keeps
KEEP_HEADERS: Final = 256  # parsed headers kept for when they are asked for again
KEEP_VALUE: Final = 1024  # characters of a header value worth keeping its parse for


class _Registry(email.headerregistry.HeaderRegistry):
    """The standard registry makes a new class for each header it reads (a `type()` call,
    ≈ 14 µs, some twenty per mail), and parses a header again each time it is asked for
    (a part's Content-Type: 50 µs, asked for a dozen times in a walk). The class depends on
    the name only and the parse on the name and the value, and header objects are never
    changed: both are kept, within bounds (a mail of a thousand invented names or values
    gets no more)."""

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, Any] = {}
        self._parsed: dict[tuple[str, str], Any] = {}

    def __getitem__(self, name: str) -> Any:
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = super().__getitem__(name)
            if len(self._made) < KEEP_CLASSES:
                self._made[key] = made
        return made

    def __call__(self, name: str, value: str) -> Any:
        if len(value) > KEEP_VALUE:
            return super().__call__(name, value)
        key = (name, value)
        parsed = self._parsed.get(key)
        if parsed is None:
            if len(self._parsed) >= KEEP_HEADERS:
                self._parsed.clear()
            parsed = self._parsed[key] = super().__call__(name, value)
        return parsed


PARSE_POLICY: Final = email.policy.default.clone(header_factory=_Registry())


@dataclass
class PartBudget:
    """How many more parts a walk may visit: a bomb of nested parts ends, it does not hang."""

    parts_left: int


def parse_message(raw: bytes) -> email.message.Message:
    """`message_from_bytes` that never raises: default policy, then compat32, then empty.
    Long runs of base64 lines stay in `raw`, each part that has one decodes it from there
    (bot.mail.big_bodies): the tree of a 34 MB mail is a few kilobytes."""
    pieces, runs = hold(raw)
    for policy in (PARSE_POLICY, email.policy.compat32):
        try:
            msg = _parse(pieces, policy)
            attach(msg, runs)
            return msg
        except Exception:  # noqa: BLE001 - hostile mail makes the email package raise anything
            continue
    return email.message.Message()


def _parse(pieces: list[memoryview], policy: email.policy.Policy) -> email.message.Message:
    """What `message_from_bytes` gives, fed in slices: it decodes the whole mail to one str
    and reads it through a StringIO (4 bytes a character), 300 MB at its peak for a 34 MB
    mail; the same feed parser fed slice by slice holds only the parts it builds."""
    parser = email.parser.BytesFeedParser(policy=policy)
    for view in pieces:
        for start in range(0, len(view), FEED_SLICE):
            parser.feed(bytes(view[start:start + FEED_SLICE]))
    return parser.close()


def _serialize(part: email.message.Message) -> bytes:
    try:
        restore_all(part)
        return part.as_bytes(policy=email.policy.compat32)
    except Exception:  # noqa: BLE001 - hostile mail makes the email package raise anything
        return b""


def _clean_base64(part: email.message.Message) -> bytes | None:
    """What `get_payload(decode=True)` gives for base64 that is clean (ASCII, whole quads),
    without its line-by-line copy (half a million small objects for a 25 MB file); None for
    anything else, which the email package decodes its own way, noting its defects."""
    if part.is_multipart() or str(part.get("content-transfer-encoding", "")).lower() != "base64":
        return None
    text = part.get_payload()
    if not isinstance(text, str):
        return None
    try:
        clean = text.encode("ascii").translate(None, b"\r\n")
    except UnicodeError:
        return None
    if len(clean) % 4:
        return None
    try:
        return base64.b64decode(clean, validate=True)
    except binascii.Error:
        return None


def payload(part: email.message.Message) -> bytes:
    """The part's content with its transfer encoding undone; b"" when there is none."""
    try:
        cte = str(part.get("content-transfer-encoding", "")).lower()
        held = decoded(part, base64_body=cte == "base64" and not part.is_multipart())
        if held is not None:
            return held
        restore(part)  # anything else is the email package's to decode, from the text
        clean = _clean_base64(part)
        if clean is not None:
            return clean
        data = part.get_payload(decode=True)
        if isinstance(data, bytes):
            return data
    except Exception:  # noqa: BLE001, S110 - hostile mail makes the email package raise anything
        pass
    try:
        text = part.get_payload()
    except Exception:  # noqa: BLE001 - hostile mail makes the email package raise anything
        return b""
    if isinstance(text, list):  # message/delivery-status and kin: blocks of headers
        return b"\n".join(_serialize(p) for p in text if isinstance(p, email.message.Message))
    if not isinstance(text, str):
        return b""
    raw = text.encode("utf-8", "surrogateescape")
    cte = header_value(part, "Content-Transfer-Encoding").lower()
    if "base64" in cte:
        return decode_base64(raw)
    if "quoted" in cte:
        return quopri.decodestring(raw)
    return raw


def children(part: email.message.Message) -> list[email.message.Message]:
    """The sub-parts of a multipart or message/rfc822 part; [] for a leaf."""
    try:
        content = part.get_payload()
    except Exception:  # noqa: BLE001 - hostile mail makes the email package raise anything
        return []
    if isinstance(content, email.message.Message):
        content = [content]
    if not isinstance(content, list):
        return []
    found = [p for p in content if isinstance(p, email.message.Message)]
    cte = header_value(part, "Content-Transfer-Encoding").lower()
    if len(found) == 1 and ("base64" in cte or "quoted" in cte):
        # A forwarded mail wrongly sent in base64: the parser saw one headerless body.
        inner = found[0]
        restore(inner)
        if not header_names(inner) and isinstance(inner.get_payload(), str):
            raw = str(inner.get_payload()).encode("ascii", "replace")
            return [parse_message(decode_base64(raw) if "base64" in cte
                                  else quopri.decodestring(raw))]
    return found


def content_type(part: email.message.Message, default: str) -> tuple[str, dict[str, str]]:
    """The part's type and parameters; `default` when the header is missing or malformed."""
    ctype, params = structured_header(part, "Content-Type")
    return (ctype if ctype.count("/") == 1 else default), params
