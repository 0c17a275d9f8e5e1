"""The MIME body of a reply, written directly: text and HTML alternatives, then files, every
part UTF-8 or binary in base64 (seven-bit, lines of 76), every header line within 78.

The standard library builds a tree of message objects and flattens it through its generator:
for a reply of a few pages and two files that was a seventh of the daemon's time per
submission. What a client decodes is the same: the text as rendered (lines ending in LF
before encoding, as `EmailMessage.set_content` encodes them), the files byte for byte, and
file names kept whole — plain ASCII quoted, anything else as RFC 2231 parameter
continuations (`filename*0*=utf-8''…`), which the standard library and mail clients join.
"""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Iterator, Sequence
from typing import Final, Protocol
from urllib.parse import quote

LINE: Final = 78
_SAFE_NAME: Final = re.compile(r"[A-Za-z0-9 !#$%&'()*+,\-./:;<=>?@\[\]^_`{|}~]{1,60}")  # no " or \\


class File(Protocol):
    @property
    def filename(self) -> str: ...
    @property
    def data(self) -> bytes: ...
    @property
    def maintype(self) -> str: ...
    @property
    def subtype(self) -> str: ...


def _base64(data: bytes) -> bytes:
    encoded = base64.b64encode(data)
    return b"".join(encoded[i:i + 76] + b"\r\n" for i in range(0, len(encoded), 76))


def _text(subtype: str, text: str) -> bytes:
    body = b"\n".join(text.encode("utf-8").splitlines()) + b"\n"  # as set_content encodes
    return (f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\n").encode("ascii") + _base64(body)


def _name_params(name: str) -> Iterator[str]:
    """The `filename` parameter: quoted when plain ASCII, else RFC 2231 continuations, each
    short enough for its own line."""
    if _SAFE_NAME.fullmatch(name) and name == name.strip():  # a parser strips the ends
        yield f'filename="{name}"'
        return
    encoded = quote(name, safe="")
    pieces: list[str] = []
    while encoded:
        cut = min(len(encoded), 48)
        while 0 < cut < len(encoded) and "%" in encoded[max(0, cut - 2):cut]:
            cut -= 1  # never split a %XX escape
        pieces.append(encoded[:cut])
        encoded = encoded[cut:]
    for n, piece in enumerate(pieces):
        yield f"filename*{n}*={'utf-8' + chr(39) * 2 if n == 0 else ''}{piece}"


def _file(item: File) -> bytes:
    params = ";\r\n ".join(["attachment", *_name_params(item.filename)])
    head = (f"Content-Type: {item.maintype}/{item.subtype}\r\n"
            "Content-Transfer-Encoding: base64\r\n"
            f"Content-Disposition: {params}\r\n\r\n")
    return head.encode("ascii") + _base64(item.data)


def _multipart(subtype: str, parts: Sequence[bytes], headers: str = "") -> bytes:
    boundary = f"=_bcy_{secrets.token_hex(12)}"
    out = [f'{headers}Content-Type: multipart/{subtype};\r\n boundary="{boundary}"\r\n\r\n'
           .encode("ascii")]
    for part in parts:
        out += [f"--{boundary}\r\n".encode("ascii"), part, b"\r\n"]
    out.append(f"--{boundary}--\r\n".encode("ascii"))
    return b"".join(out)


def mime_body(text: str, html: str, files: Sequence[File] = ()) -> bytes:
    """The body with its MIME headers, CRLF throughout: text and HTML as alternatives, and
    the files after them (multipart/mixed) when there are any."""
    alternative = [_text("plain", text), _text("html", html)]
    if not files:
        return _multipart("alternative", alternative, "MIME-Version: 1.0\r\n")
    return _multipart("mixed", [_multipart("alternative", alternative),
                                *(_file(f) for f in files)], "MIME-Version: 1.0\r\n")
