"""A mail too large to take in, seen through its header and its IMAP BODYSTRUCTURE only.

The server describes every part (type, parameters, file name, size) without sending a byte
of it. From that description a *skeleton* is written: a MIME message with the mail's own
headers and every part's headers, and no content. It is what is kept of the mail, and the
decision on it (automatic? a form declared? a reply saying "too large") reads it like any
other mail, so `reprocess` decides it again the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any, Final

Node = str | None | list["Node"]
MAX_PARTS: Final = 500
MAX_DEPTH: Final = 20
MAX_VALUE: Final = 1000
_TOKEN: Final = re.compile(rb'\(|\)|"(?:[^"\\]|\\.)*"|\{(\d+)\+?\}\r?\n?|[^\s()"{]+')
_UNSAFE: Final = re.compile(r'[\x00-\x1f\x7f"\\]')
_DROP_HEADERS: Final = ("content-type", "content-transfer-encoding", "content-disposition",
                        "mime-version")


def fetch_bytes(data: Sequence[Any]) -> bytes:
    """imaplib's answer to one FETCH as one byte string, literals put back in place."""
    out = bytearray()
    for item in data:
        if isinstance(item, tuple):
            out += item[0] + b"\r\n" + (item[1] if len(item) > 1 else b"")
        elif isinstance(item, bytes):
            out += item
    return bytes(out)


def _tokens(text: bytes) -> Iterator[bytes | None]:
    """Atoms, strings and parentheses; a literal `{n}` becomes its n bytes."""
    pos = 0
    while (m := _TOKEN.search(text, pos)) is not None:
        token = m.group(0)
        if m.group(1) is not None:
            size = int(m.group(1))
            yield b'"' + text[m.end():m.end() + size].replace(b"\\", b"\\\\")\
                .replace(b'"', b'\\"') + b'"'
            pos = m.end() + size
            continue
        yield token
        pos = m.end()


def parse(text: bytes) -> list[Node]:
    """The s-expression of a FETCH answer as nested lists (NIL is None)."""
    stack: list[list[Node]] = [[]]
    for token in _tokens(text):
        if token == b"(":
            if len(stack) > MAX_DEPTH * 3:
                break
            stack.append([])
        elif token == b")":
            if len(stack) > 1:
                done = stack.pop()
                stack[-1].append(done)
        elif token is not None:
            stack[-1].append(_atom(token))
    while len(stack) > 1:
        done = stack.pop()
        stack[-1].append(done)
    return stack[0]


def _atom(token: bytes) -> str | None:
    if token.upper() == b"NIL":
        return None
    if token.startswith(b'"'):
        token = re.sub(rb"\\(.)", rb"\1", token[1:-1])
    return token.decode("utf-8", "surrogateescape")


def find(nodes: list[Node], key: str) -> Node:
    """The value after `key` in a FETCH answer (searched in nested lists too)."""
    for i, node in enumerate(nodes):
        if isinstance(node, str) and node.upper() == key and i + 1 < len(nodes):
            return nodes[i + 1]
        if isinstance(node, list):
            found = find(node, key)
            if found is not None:
                return found
    return None


def _safe(value: Node) -> str:
    return _UNSAFE.sub(" ", value if isinstance(value, str) else "")[:MAX_VALUE]


def _params(node: Node) -> str:
    """The parameters as written, but `size`: only the server's count is kept (below)."""
    if not isinstance(node, list):
        return ""
    pairs = zip(node[0::2], node[1::2], strict=False)
    return "".join(f'; {_safe(k)}="{_safe(v)}"' for k, v in pairs
                   if isinstance(k, str) and k.strip().lower() != "size")


def _decoded_size(node: list[Node]) -> str:
    """`; size=N` (RFC 2183: octets of the file), from the part's encoded size as the server
    counted it, so a reply can name the file that is too large; "" when it is not told."""
    octets, encoding = (node[6] if len(node) > 6 else None), (node[5] if len(node) > 5 else None)
    if not isinstance(octets, str) or not octets.isdigit():
        return ""
    size = int(octets)
    if isinstance(encoding, str) and encoding.lower() == "base64":
        size = size * 3 // 4  # four characters carry three bytes (line breaks ignored)
    return f"; size={size}"


class Skeleton:
    """Writes the skeleton of one BODYSTRUCTURE, within MAX_PARTS parts."""

    def __init__(self) -> None:
        self.parts = 0
        self.boundaries = 0

    def part(self, node: Node, depth: int = 0) -> str:
        """Headers and content (empty, or sub-parts) of one body part."""
        self.parts += 1
        if not isinstance(node, list) or not node or depth > MAX_DEPTH \
                or self.parts > MAX_PARTS:
            return "Content-Type: text/plain\r\n\r\n"
        if isinstance(node[0], list):
            return self._multipart(node, depth)
        kind, sub = _safe(node[0]).lower(), _safe(node[1] if len(node) > 1 else "").lower()
        head = f"Content-Type: {kind}/{sub}{_params(node[2] if len(node) > 2 else None)}\r\n"
        ext = 9 if kind == "text" else 11 if (kind, sub) == ("message", "rfc822") else 8
        disposition = node[ext] if len(node) > ext else None
        size = _decoded_size(node)
        if isinstance(disposition, list) and disposition and isinstance(disposition[0], str):
            head += f"Content-Disposition: {_safe(disposition[0]).lower()}" \
                    f"{_params(disposition[1] if len(disposition) > 1 else None)}{size}\r\n"
        elif size and kind not in ("text", "multipart", "message"):
            head += f"Content-Disposition: attachment{size}\r\n"
        if (kind, sub) == ("message", "rfc822") and len(node) > 8:
            return head + "\r\n" + self.message(node[7], node[8], depth + 1)
        return head + "\r\n"

    def _multipart(self, node: list[Node], depth: int) -> str:
        """`(part)(part)... "subtype" (params) ...`: the parts come first, then the subtype."""
        children: list[Node] = []
        for child in node:
            if not isinstance(child, list):
                break
            children.append(child)
        subtype = node[len(children)] if len(children) < len(node) else None
        subtype = subtype if isinstance(subtype, str) else "mixed"
        self.boundaries += 1
        boundary = f"=_bcy_skeleton_{self.boundaries}"
        out = f'Content-Type: multipart/{_safe(subtype).lower()}; boundary="{boundary}"\r\n\r\n'
        for child in children[:MAX_PARTS]:
            out += f"--{boundary}\r\n{self.part(child, depth + 1)}\r\n"
        return out + f"--{boundary}--\r\n"

    def message(self, envelope: Node, body: Node, depth: int) -> str:
        """An attached message: the envelope's Date, Subject, Message-ID, then its parts."""
        head = ""
        if isinstance(envelope, list):
            for index, name in ((0, "Date"), (1, "Subject"), (9, "Message-ID")):
                if len(envelope) > index and isinstance(envelope[index], str):
                    head += f"{name}: {_safe(envelope[index])}\r\n"
        return head + self.part(body, depth)


def skeleton_message(header: bytes, structure: Node) -> bytes:
    """The mail's own header (its MIME headers replaced) and the skeleton of its parts."""
    kept, dropping = [], False
    for line in header.replace(b"\r\n", b"\n").split(b"\n"):
        if not line.strip():
            continue
        if line[:1] in (b" ", b"\t"):
            if not dropping:
                kept.append(line)
            continue
        dropping = line.split(b":", 1)[0].strip().lower().decode("ascii", "replace") \
            in _DROP_HEADERS
        if not dropping:
            kept.append(line)
    body = Skeleton().part(structure).encode("utf-8", "surrogateescape")
    return b"\r\n".join(kept) + b"\r\nMIME-Version: 1.0\r\n" + body
