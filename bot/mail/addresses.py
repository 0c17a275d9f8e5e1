"""Addresses read from the header as it was sent, before any decoding.

A display name is text, never an address: `=?utf-8?q?victim@elsewhere,?= <me@x>` decodes to
`victim@elsewhere, <me@x>`, which an address parser reads as two mailboxes. So the raw value
is parsed, with every encoded word replaced by a plain word first; what comes out must look
like a mailbox (one @, a dotted domain, nothing a header could hide) or it is not used.

Keys for counting replies fold what one mailbox can be written as: case, and the `+tag`
many providers deliver to the same box (`victim+1@`, `Victim+2@`).
"""

from __future__ import annotations

import email.message
import email.utils
import re
from collections.abc import Collection
from typing import Final

from bot.mail.headers import decode_bytes, raw_header_values

_ENCODED_WORD: Final = re.compile(r"=\?[^?\s]*\?[bBqQ]\?[^?\s]*\?=")
_LOCAL: Final = re.compile(r"[^\s\"(),:;<>@\[\\\]\x00-\x1f\x7f]{1,64}")
_LABEL: Final = re.compile(r"(?!-)[^\s\"(),:;<>@\[\\\]\x00-\x1f\x7f._]{1,63}(?<!-)")
MAX_ADDRESS: Final = 254


def _raw_text(value: str) -> str:
    """Raw 8-bit bytes (RFC 6532 addresses) as text; encoded words are not touched."""
    if any("\udc80" <= c <= "\udcff" for c in value):
        return decode_bytes(value.encode("utf-8", "surrogateescape"))
    return value


def valid_address(address: str) -> bool:
    """A mailbox we may write to: local@domain.tld, no space, control or quoting."""
    local, at, domain = address.rpartition("@")
    if not at or len(address) > MAX_ADDRESS or "=?" in address or "?=" in address:
        return False
    labels = domain.split(".")
    return (bool(_LOCAL.fullmatch(local)) and len(labels) >= 2
            and all(_LABEL.fullmatch(label) for label in labels)
            and not labels[-1].isdigit())


def header_addresses(msg: email.message.Message, name: str) -> list[str]:
    """The valid addresses of every `name` header, in order, from the raw values."""
    found: list[str] = []
    for value in raw_header_values(msg, name):
        text = _ENCODED_WORD.sub("x", _raw_text(value))[:10_000]
        try:
            pairs = email.utils.getaddresses([text])
        except Exception:  # noqa: BLE001 - hostile mail makes the email package raise anything
            continue
        found += [addr.strip() for _, addr in pairs if valid_address(addr.strip())]
    return found


def display_names(msg: email.message.Message, name: str) -> list[str]:
    """The raw display names and addresses of a header, lowercased, as written (for robot
    senders such as `MAILER-DAEMON <>`, whose address is empty)."""
    names: list[str] = []
    for value in raw_header_values(msg, name):
        try:
            pairs = email.utils.getaddresses([_raw_text(value)[:10_000]])
        except Exception:  # noqa: BLE001 - hostile mail makes the email package raise anything
            continue
        names += [n.strip().strip('"').lower() for n, _ in pairs if n.strip()]
    return names


def reply_address(msg: email.message.Message, own: Collection[str] = ()) -> str:
    """Where a reply goes (CONTRACT.md): the first mailbox of Reply-To, else of From. A
    Reply-To naming one of our `own` addresses is not where the agency reads (a reply there
    comes back to us, and the agency hears nothing): it is passed over."""
    ours = {address_key(a) for a in own}
    for name in ("Reply-To", "From"):
        found = [a for a in header_addresses(msg, name)
                 if name == "From" or address_key(a) not in ours]
        if found:
            return found[0]
    return ""


def sender_address(msg: email.message.Message) -> str:
    """The first mailbox of From, lowercased; "" when there is none."""
    found = header_addresses(msg, "From")
    return found[0].lower() if found else ""


def address_domain(address: str) -> str:
    """The domain, lowercased, as ASCII (IDNA) where it can be."""
    domain = address.rpartition("@")[2].strip().lower().rstrip(".")
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain


def address_key(address: str) -> str:
    """One mailbox however written: case folded, `+tag` dropped, domain as ASCII."""
    local = address.rpartition("@")[0].casefold().split("+", 1)[0]
    return f"{local}@{address_domain(address)}"


def smtp_address(address: str) -> tuple[str, bool]:
    """The address for the SMTP envelope and the To header, and whether it needs SMTPUTF8: a
    non-ASCII domain is written as its A-label (the same domain), a non-ASCII local part can
    only go as it is, over SMTPUTF8 (RFC 6531)."""
    local, _, domain = address.rpartition("@")
    ascii_domain = address_domain(address) if not domain.isascii() else domain
    if not ascii_domain.isascii():
        return address, True
    return f"{local}@{ascii_domain}", not local.isascii()
