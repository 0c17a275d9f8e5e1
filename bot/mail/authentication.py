"""Who a mail says it is from, and what our own receiving server found when it checked.

The author is the one address of the one `From` header, read from the header as sent (before
any encoded word is decoded, so a display name cannot smuggle in an address); a `From` with no
address or several, or several `From` headers, names no author.

`Authentication-Results` (RFC 8601) is read only when the configuration names the authserv-id
of our own receiving server, and then only the topmost header carrying that id: the server
adds its header above the ones the mail arrived with, and anyone can write a header that
claims any id further down. (The server must also remove incoming headers that claim its id,
RFC 8601 §5, as OpenDMARC, rspamd and Exchange do.) Its meaning for the author's domain:
- `fail` when DMARC failed for it, or (without a DMARC result) SPF failed for an envelope
  sender of that domain and no DKIM signature of it passed;
- `pass` when DMARC passed, or an aligned DKIM signature or SPF check passed;
- `none` otherwise: no header of ours, or nothing said about this domain.
A `fail` means the From may be forged: the mail earns no trust by its address or domain.
"""

from __future__ import annotations

import email.message
import email.utils
from dataclasses import dataclass
from typing import Any, Literal

import authres

from bot.mail.headers import raw_header_values
from parsers.spec.agency import ADDRESS

AuthResult = Literal["pass", "fail", "none"]
_FAILED = frozenset({"fail", "softfail"})


@dataclass(frozen=True)
class Author:
    address: str | None  # lower case; None when the mail names no single author
    authentication: AuthResult = "none"

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2] if self.address else ""


def author_address(msg: email.message.Message) -> str | None:
    values = raw_header_values(msg, "From")
    if len(values) != 1:
        return None
    found = [addr.strip() for _, addr in email.utils.getaddresses(values) if addr.strip()]
    if len(found) != 1:
        return None
    address = found[0].lower().rstrip(".")
    return address if ADDRESS.match(address) else None


def author(msg: email.message.Message, authserv_id: str | None) -> Author:
    address = author_address(msg)
    if address is None or not authserv_id:
        return Author(address)
    return Author(address, authentication(msg, authserv_id, address.rpartition("@")[2]))


def _authserv_id(value: str) -> str:
    head = value.split(";", 1)[0].split()
    return head[0].lower() if head else ""


def authentication(msg: email.message.Message, authserv_id: str, domain: str) -> AuthResult:
    """What our server's topmost Authentication-Results says of `domain` (the From's)."""
    ours = [v for v in raw_header_values(msg, "Authentication-Results")
            if _authserv_id(v) == authserv_id.lower()]
    if not ours:
        return "none"
    try:
        parsed = authres.AuthenticationResultsHeader.parse_value(ours[0])
    except Exception:  # noqa: BLE001 - authres raises its own kinds on any malformed header
        return "none"
    return _meaning(list(parsed.results), domain.lower())


def _prop(result: Any, ptype: str, name: str) -> str | None:
    for p in result.properties:
        if str(p.type).lower() == ptype and str(p.name).lower() == name:
            return str(p.value).strip().strip("<>").lower()
    return None


def _aligned(checked: str | None, domain: str) -> bool:
    """Relaxed alignment, without the public suffix list: the same domain, or one a
    sub-domain of the other."""
    if not checked:
        return False
    checked = checked.rpartition("@")[2].rstrip(".")
    return checked == domain or checked.endswith("." + domain) or domain.endswith("." + checked)


def _meaning(results: list[Any], domain: str) -> AuthResult:
    def of(method: str) -> list[tuple[str, Any]]:
        return [(str(r.result).lower(), r) for r in results if str(r.method).lower() == method]

    dmarc = [res for res, r in of("dmarc")
             if _prop(r, "header", "from") in (None, domain)]
    if "fail" in dmarc:
        return "fail"
    if "pass" in dmarc:
        return "pass"
    if any(res == "pass" and _aligned(_prop(r, "header", "d") or _prop(r, "header", "i"), domain)
           for res, r in of("dkim")):
        return "pass"
    spf = [res for res, r in of("spf")
           if _aligned(_prop(r, "smtp", "mailfrom") or _prop(r, "smtp", "helo"), domain)]
    if any(res in _FAILED for res in spf):
        return "fail"
    return "pass" if "pass" in spf else "none"
