"""Big base64 bodies kept out of the email package's hands.

The feed parser turns a part's body into one Python string through a list of its lines: for a
25 MB attachment, 34 MB of text held twice over and half a million line objects (≈ 150 MB at
the parse's peak), then decoding copies it twice more. Here a long run of base64 lines
(`HOLD_AT` bytes or more) is handed to the parser as one token line instead, and the part
keeps a view of the run in the raw bytes: decoding it is one pass over those bytes, and no
string of it is ever made. What a reader of the tree sees is unchanged: `restore` puts the
original text back into a part whenever anything but a clean decode is asked of it.

A run is whole lines of the base64 alphabet; the line ending after it stays in the stream,
so the parser sees the same structure (boundaries, blank lines) as without it. Tokens carry
a random nonce of this parse, so no mail can name one."""

from __future__ import annotations

import binascii
import email.message
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

HOLD_AT: Final = 16 * 1024  # bytes of base64 lines that are held rather than parsed
# characters a run may hold: a regular expression over lines would keep a backtracking
# record per line (92 MB for 460,000 lines); one over characters keeps none
_ALPHABET: Final = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\r\n"
_SPAN: Final = re.compile(rb"[A-Za-z0-9+/=\r\n]+")
BLOCK: Final = 4 * 1024  # bytes looked at a time for spans of the alphabet
_BLANK: Final = re.compile(rb"\n\r?\n")
_HELD: Final = "_bcy_held"  # the attribute a part keeps its held runs in


@dataclass(frozen=True)
class Run:
    """Lines of base64 in the raw mail: raw[start:end], without the last line ending."""

    raw: bytes
    start: int
    end: int

    def text(self) -> str:
        return self.raw[self.start:self.end].decode("ascii")


Runs = dict[str, Run]


def hold(raw: bytes, at_least: int | None = None) -> tuple[list[memoryview], Runs]:
    """`raw` as the pieces to feed a parser, each long run of base64 lines replaced by a
    token, and the runs by their token."""
    at_least = HOLD_AT if at_least is None else at_least
    view = memoryview(raw)
    if len(raw) < at_least:
        return [view], {}
    nonce = secrets.token_hex(8)
    pieces: list[memoryview] = []
    runs: Runs = {}
    last = 0
    for start, end in _runs(raw, at_least):
        token = f"BCYHELD{nonce}N{len(runs)}"
        pieces += [view[last:start], memoryview(token.encode("ascii"))]
        runs[token] = Run(raw, start, end)
        last = end
    pieces.append(view[last:])
    return pieces, runs


def _runs(raw: bytes, at_least: int) -> Iterator[tuple[int, int]]:
    """(start, end) of each run of whole lines of the base64 alphabet, `at_least` bytes
    long: from a line's start to the end of its last line, its last line ending left out;
    no empty line in it, a CR only before an LF."""
    for start, stop in _spans(raw, at_least):
        if start and raw[start - 1] != ord("\n"):  # began inside a line: from the next one
            start = raw.find(b"\n", start, stop) + 1
        stop = raw.rfind(b"\n", start, stop) + 1  # the last whole line
        if not start or stop <= start:
            continue
        for blank in [*_BLANK.finditer(raw, start, stop), None]:
            until = blank.start() + 1 if blank else stop
            while start < until and raw[start] in b"\r\n":  # empty lines first
                start += 1
            if until - start >= at_least and raw.count(b"\r", start, until) == \
                    raw.count(b"\r\n", start, until):
                yield start, until - (2 if raw[until - 2:until] == b"\r\n" else 1)
            start = blank.end() if blank else stop


def _spans(raw: bytes, at_least: int) -> Iterator[tuple[int, int]]:
    """(start, end) of each longest stretch of `_ALPHABET` characters, `at_least` long. By
    whole blocks of the alphabet, widened at both ends: one match per word of a long text
    would cost seconds (4 s for 22 MB); a stretch that long holds at least one whole block."""
    if at_least < 2 * BLOCK:  # short runs asked for (tests): every stretch, one by one
        yield from ((m.start(), m.end()) for m in _SPAN.finditer(raw)
                    if m.end() - m.start() >= at_least)
        return
    block, blocks = 0, -(-len(raw) // BLOCK)
    while block < blocks:
        if raw[block * BLOCK:(block + 1) * BLOCK].translate(None, _ALPHABET):
            block += 1
            continue
        first = block
        while block < blocks and not raw[block * BLOCK:(block + 1) * BLOCK].translate(
                None, _ALPHABET):
            block += 1
        before = raw[max(0, first - 1) * BLOCK:first * BLOCK] if first else b""
        after = raw[block * BLOCK:(block + 1) * BLOCK]
        start = first * BLOCK - (len(before) - len(before.rstrip(_ALPHABET)))
        stop = min(len(raw), block * BLOCK) + (len(after) - len(after.lstrip(_ALPHABET)))
        if stop - start >= at_least:
            yield start, stop
        block += 1  # the block after holds a character outside the alphabet


def attach(msg: email.message.Message, runs: Runs) -> None:
    """Give each part whose body names a held run that run, to be decoded or restored."""
    if not runs:
        return
    nonce = next(iter(runs))[:len("BCYHELD") + 16]
    for part in msg.walk():
        body = _text(part)
        if body is not None and nonce in body:
            setattr(part, _HELD, {t: r for t, r in runs.items() if t in body})


def decoded(part: email.message.Message, base64_body: bool) -> bytes | None:
    """The part's held body decoded in one pass over the raw bytes, when the body is one held
    run and nothing else, and is base64 the strict way (whole quads, padding only at its
    end): what `base64.b64decode(text without line endings, validate=True)` gives. Else
    None."""
    held: Runs | None = getattr(part, _HELD, None)
    if not held or not base64_body or len(held) != 1:
        return None
    (token, run), = held.items()
    if (_text(part) or "").rstrip("\r\n") != token:
        return None
    raw, start, end = run.raw, run.start, run.end
    chars = end - start - raw.count(b"\r", start, end) - raw.count(b"\n", start, end)
    pad = 0
    while pad < 2 and end - pad > start and raw[end - pad - 1] == ord("="):
        pad += 1
    if chars % 4 or raw.find(b"=", start, end - pad) != -1:
        return None
    try:  # the run holds the alphabet and line endings only (_RUN): nothing else is skipped
        return binascii.a2b_base64(memoryview(raw)[start:end])
    except binascii.Error:
        return None


def restore(part: email.message.Message) -> None:
    """The part's body as it came, held runs put back (for anything but a clean decode)."""
    held: Runs | None = getattr(part, _HELD, None)
    if not held:
        return
    delattr(part, _HELD)
    body = _text(part) or ""
    for token, run in held.items():
        body = body.replace(token, run.text())
    part.set_payload(body)


def _text(part: email.message.Message) -> str | None:
    """The body text as the parser left it: bytes that are not ASCII still as surrogates
    (`get_payload()` would decode them by the part's charset, and the text put back would
    no longer be what the parser made)."""
    body = getattr(part, "_payload", None)
    return body if isinstance(body, str) else None


def restore_all(msg: email.message.Message) -> None:
    for part in msg.walk():
        restore(part)
