"""A certificate's subject or issuer into Unicode, as Vietnamese CAs actually write them.

The standard string types decode as declared (UTF8String, BMPString — UTF-16 —,
UniversalString). Some CAs put other bytes in the 8-bit types: UTF-8 or windows-1258 (even
TCVN3) in a TeletexString or PrintableString, which a strict decoder reads as Latin-1
mojibake; and some wrote UTF-8 text that had already been read as Latin-1 or windows-1252
into a UTF8String ("Bá»\x98 TÃ\x80I CHÃ\x8dNH"). Each is read the way that reads as
Vietnamese (`parsers.vietnamese.undeclared`)."""

from __future__ import annotations

import unicodedata
from typing import Any

from parsers.signature.facts import SignerName
from parsers.text import clean
from parsers.vietnamese.undeclared import decode_undeclared, vietnamese_score

_EIGHT_BIT = frozenset({"teletex_string", "printable_string", "ia5_string", "visible_string"})
_FIELDS = {"common_name": "common_name", "organization_name": "organization",
           "organizational_unit_name": "units", "locality_name": "locality",
           "state_or_province_name": "province", "country_name": "country"}
MAX_FIELD_CHARS = 500


def _repaired(text: str) -> str:
    """UTF-8 that was once decoded as Latin-1 or windows-1252, decoded right."""
    best, best_score = text, vietnamese_score(text)
    for codec in ("latin-1", "cp1252"):
        try:
            again = text.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        score = vietnamese_score(unicodedata.normalize("NFC", again))
        if score > best_score:
            best, best_score = again, score
    return best


def decode_value(value: Any) -> str:
    """One attribute value (an asn1crypto DirectoryString or similar) as text."""
    kind = getattr(value, "name", None)
    chosen = getattr(value, "chosen", value)
    if kind in _EIGHT_BIT:
        text = decode_undeclared(bytes(chosen.contents or b""))
    else:
        try:
            native = chosen.native if hasattr(chosen, "native") else value.native
        except (ValueError, UnicodeDecodeError):
            native = decode_undeclared(bytes(getattr(chosen, "contents", b"") or b""))
        text = _repaired(str(native)) if isinstance(native, str) else str(native or "")
    return clean(unicodedata.normalize("NFC", text))[:MAX_FIELD_CHARS]


def signer_name(name: Any) -> SignerName:
    """An asn1crypto x509.Name as a SignerName; attributes it does not name are left out."""
    found: dict[str, Any] = {"units": []}
    for rdn in name.chosen:
        for attribute in rdn:
            field = _FIELDS.get(attribute["type"].native)
            if field is None:
                continue
            text = decode_value(attribute["value"])
            if not text:
                continue
            if field == "units":
                found["units"].append(text)
            else:
                found.setdefault(field, text)
    found["units"] = tuple(found["units"])
    return SignerName(**found)
