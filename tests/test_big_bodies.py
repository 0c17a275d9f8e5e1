"""Long runs of base64 lines held in the raw mail (bot.mail.big_bodies) change nothing a reader
of the tree sees: every mail of the corpora, parsed with every run held (a threshold of one
byte), gives the attachments, body text and part types the plain parse gives; and the cases
the one-pass decode must leave to the email package (padding inside, a broken quad, a run in
a part that is not base64, a forwarded mail sent in base64) come out the same too."""

from __future__ import annotations

import base64
import email.message
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.mail import big_bodies
from bot.mail.mime_parts import body_text, find_attachments, parse_message, part_types

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO.parent / "shared", Path("/work/shared"))


def _mails() -> list[Path]:
    found = sorted((REPO / "tests").glob("**/*.eml"))
    for shared in SHARED:
        found += sorted((shared / "corpus" / "eml-imap-tools").glob("*.eml"))
    return found


def _seen(msg: email.message.Message) -> tuple[object, ...]:
    return (tuple((a.filename, a.content_type, a.data, a.kind) for a in find_attachments(msg)),
            body_text(msg), tuple(part_types(msg)))


def _both(raw: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object, int]:
    plain = _seen(parse_message(raw))
    monkeypatch.setattr(big_bodies, "HOLD_AT", 1)
    held = big_bodies.hold(raw)[1]
    return plain, _seen(parse_message(raw)), len(held)


def test_every_corpus_mail_reads_the_same_with_its_runs_held(
        monkeypatch: pytest.MonkeyPatch) -> None:
    mails = _mails()
    assert len(mails) >= 80, mails
    held = 0
    for path in mails:
        raw = path.read_bytes()
        with monkeypatch.context() as patch:
            plain, kept, runs = _both(raw, patch)
        assert kept == plain, path.name
        held += runs
    assert held > 100  # the corpus's base64 bodies were held, not passed over


def _mail(*parts: bytes) -> bytes:
    head = b"From: a@b.vn\r\nTo: c@d.vn\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
    body = b"".join(b"--XX\r\n" + p + b"\r\n" for p in parts)
    return head + b'Content-Type: multipart/mixed; boundary="XX"\r\n\r\n' + body + b"--XX--\r\n"


def _lines(data: bytes) -> bytes:
    text = base64.b64encode(data)
    return b"\r\n".join(text[i:i + 76] for i in range(0, len(text), 76))


ATTACHED = b"Content-Type: application/octet-stream\r\nContent-Disposition: attachment; " \
           b"filename=a.bin\r\nContent-Transfer-Encoding: "


@pytest.mark.parametrize("part", [
    ATTACHED + b"base64\r\n\r\n" + _lines(os.urandom(3000)),
    ATTACHED + b"base64\r\n\r\n" + _lines(os.urandom(3001)),  # padding at the end
    ATTACHED + b"base64\r\n\r\n" + _lines(b"ab") + b"\r\n" + _lines(b"cd"),  # padding inside
    ATTACHED + b"base64\r\n\r\n" + _lines(os.urandom(300))[:-1],  # a broken last quad
    ATTACHED + b"base64\r\n\r\n" + _lines(os.urandom(300)) + b"\r\n\r\ntrailing words\r\n",
    ATTACHED + b"7bit\r\n\r\n" + _lines(os.urandom(300)),  # the alphabet, not base64
    ATTACHED + b"quoted-printable\r\n\r\nabc=\r\ndef=3D\r\nghi\r\n",
    b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    + _lines(b"From: x@y.vn\r\nSubject: inner\r\n\r\nthe forwarded text\r\n"),
    b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    + _lines("Kính gửi Ban Cơ yếu.".encode()),
])
def test_what_the_one_pass_decode_leaves_alone_reads_the_same(
        part: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    plain, kept, runs = _both(_mail(part), monkeypatch)
    assert runs >= 1
    assert kept == plain


def test_a_token_named_in_a_mail_is_not_ours(monkeypatch: pytest.MonkeyPatch) -> None:
    """The nonce is the parse's own: text that looks like a token stays text."""
    monkeypatch.setattr(big_bodies, "HOLD_AT", 1)
    raw = _mail(ATTACHED + b"base64\r\n\r\n" + _lines(b"real"),
                b"Content-Type: text/plain\r\n\r\nBCYHELD0000000000000000N0\r\n")
    found = find_attachments(parse_message(raw))
    assert [a.data for a in found] == [b"real"]
    assert "BCYHELD0000000000000000N0" in body_text(parse_message(raw))


def test_a_25_mb_attachment_parses_and_decodes_in_little_more_than_its_size(
        tmp_path: Path) -> None:
    """In a fresh process that has read the raw mail (34 MB): the parse and the decode add
    the decoded file (25 MB) and little else; the plain parse added about four times that
    (the body's lines, its text, the text without line endings, the decoded file)."""
    mail = tmp_path / "big.eml"
    mail.write_bytes(_mail(ATTACHED + b"base64\r\n\r\n" + _lines(os.urandom(25 << 20))))
    probe = ("import sys\n"
             "from bot.mail.mime_parts import find_attachments, parse_message\n"
             "def kib(key):\n"
             "    lines = open('/proc/self/status').read().splitlines()\n"
             "    return int(next(x for x in lines if x.startswith(key)).split()[1])\n"
             "raw = open(sys.argv[1], 'rb').read()\n"
             "open('/proc/self/clear_refs', 'w').write('5')\n"  # peak RSS := RSS now
             "before = kib('VmRSS:')\n"
             "found = find_attachments(parse_message(raw))\n"
             "assert len(found[0].data) == 25 << 20\n"
             "print((kib('VmHWM:') - before) // 1024)\n")
    run = subprocess.run([sys.executable, "-c", probe, str(mail)], capture_output=True,
                         text=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                         timeout=120, check=True)
    grown = int(run.stdout.strip())
    assert grown <= 35, f"the parse and decode grew the peak RSS by {grown} MB"


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(st.tuples(st.booleans(), st.integers(0, 70)), max_size=40),
       at_least=st.integers(16, 60))
def test_spans_by_blocks_are_the_spans_one_by_one(
        pieces: list[tuple[bool, int]], at_least: int) -> None:
    """The block-wise search finds the very stretches the character-wise one does (blocks of
    8 bytes here, so that a few hundred bytes cross many of them)."""
    raw = b"".join((b"QUJD\r\n" * 12)[:n] if alphabet else (b"a b:" * 18)[:n]
                   for alphabet, n in pieces)
    one_by_one = [(m.start(), m.end()) for m in big_bodies._SPAN.finditer(raw)
                  if m.end() - m.start() >= at_least]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(big_bodies, "BLOCK", 8)
        assert list(big_bodies._spans(raw, at_least)) == one_by_one


def test_a_long_text_is_scanned_by_blocks_not_by_words(monkeypatch: pytest.MonkeyPatch) -> None:
    """22 MB of plain text: the search for base64 runs looks at it in blocks, never match by
    match (one match a word cost 4 s, six times the parse); no run is found in it, and the
    base64 run after it is."""
    class NoMatching:
        def finditer(self, *_: object) -> None:
            raise AssertionError("matched word by word")

    monkeypatch.setattr(big_bodies, "_SPAN", NoMatching())
    text = b"Kinh gui Ban Co yeu Chinh phu, so 15/BC ngay 10\r\n" * 450_000
    raw = b"Subject: x\r\n\r\n" + text + b"\r\n" + _lines(os.urandom(1 << 20)) + b"\r\n"
    [run] = big_bodies.hold(raw)[1].values()
    assert run.start == len(raw) - len(_lines(os.urandom(1 << 20))) - 2
