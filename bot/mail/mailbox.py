"""The mailbox behind a small interface: list UIDs, fetch raw bytes without marking \\Seen, move
or flag, append, IDLE. Connects with retries; never touches a message it was not asked to."""

from __future__ import annotations

import contextlib
import logging
import re
import socket
from collections.abc import Iterator, Sequence
from types import TracebackType
from typing import Any

import imap_tools
from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted
from tenacity import (
    RetryCallState,
    retry,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from bot.config.settings import ImapConfig, Security
from bot.mail.structure import fetch_bytes, find, parse
from bot.mail.tls import tls_context

log = logging.getLogger(__name__)
_UID = re.compile(rb"UID (\d+)")
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")
SIZES_PER_COMMAND = 500  # UIDs in one FETCH of sizes: a short command line
MAX_HEADER_FETCH = 256 * 1024  # bytes of a large mail's header taken in
_ANNOUNCING = ("EXISTS", "RECENT")  # untagged responses that say new mail is there
CONNECT_ERRORS = (OSError, socket.timeout, imap_tools.errors.MailboxLoginError,
                  imap_tools.errors.MailboxFolderSelectError)


def byte_batches(uids: list[int], sizes: dict[int, int], max_bytes: int, max_count: int,
                 max_message: int) -> Iterator[list[int]]:
    """UIDs in order, in batches of at most `max_count` mails and `max_bytes` bytes; a mail
    bigger than that, or over `max_message` (only its outline is fetched), comes alone."""
    batch: list[int] = []
    total = 0
    for uid in uids:
        size = sizes[uid]
        if batch and (len(batch) >= max_count or total + size > max_bytes
                      or size > max_message):
            yield batch
            batch, total = [], 0
        if size > max_message:
            yield [uid]
            continue
        batch.append(uid)
        total += size
    if batch:
        yield batch


class MailboxUnavailable(Exception):
    """The IMAP server could not be reached or refused us after every retry."""


class MailboxLoginRefused(MailboxUnavailable):
    """The server refused the account's login: the configuration is wrong, and trying again
    only earns the account the server's penalty (Dovecot's auth delay, a lockout)."""

    def __init__(self, username: str, host: str, said: str) -> None:
        super().__init__(f"{host}: login refused for {username}: {said}")
        self.username, self.host, self.said = username, host, said


def _login_refused(exc: BaseException) -> bool:
    """A LOGIN answered NO for good; `[UNAVAILABLE]` (RFC 5530) is the server's own trouble."""
    return (isinstance(exc, imap_tools.errors.MailboxLoginError)
            and b"UNAVAILABLE" not in _said(exc).encode().upper())


def _worth_retrying(exc: BaseException) -> bool:
    return isinstance(exc, CONNECT_ERRORS) and not _login_refused(exc)


def _said(exc: BaseException) -> str:
    result = getattr(exc, "command_result", None)
    data = result[1] if isinstance(result, tuple) and len(result) > 1 else None
    lines = [d.decode("utf-8", "replace") if isinstance(d, bytes) else str(d)
             for d in (data or [])]
    return " ".join(" ".join(lines).split())[:200]


def _open(cfg: ImapConfig) -> Any:
    if cfg.security is Security.SSL:
        box: Any = MailBox(cfg.host, cfg.port, timeout=cfg.timeout,
                           ssl_context=tls_context(cfg.tls_verify, "IMAP"))
    elif cfg.security is Security.STARTTLS:
        box = MailBoxStartTls(cfg.host, cfg.port, timeout=cfg.timeout,
                              ssl_context=tls_context(cfg.tls_verify, "IMAP"))
    else:
        box = MailBoxUnencrypted(cfg.host, cfg.port, timeout=cfg.timeout)
    box.login(cfg.username, cfg.password.reveal(), initial_folder=cfg.folder)
    # imaplib keeps the pre-login CAPABILITY list, which lacks MOVE on most servers; without
    # this, imap-tools falls back to COPY + EXPUNGE and expunges others' \Deleted mail.
    typ, data = box.client.capability()
    if typ == "OK" and data and data[-1]:
        box.client.capabilities = tuple(data[-1].decode().upper().split())
    return box


class Mailbox:
    def __init__(self, cfg: ImapConfig, attempts: int = 5) -> None:
        self.cfg = cfg
        self.attempts = attempts
        self.box: Any = None
        self._folders: set[str] = set()
        self.listed = 0  # the newest UID `uids` has listed

    def _failed_attempt(self, state: RetryCallState) -> None:
        """Each failed try and the wait before the next, so an unreachable server is seen
        at once in the log instead of after every retry has run out."""
        error = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        log.warning("IMAP %s:%s: attempt %s of %s failed (%s: %s); next in %.1f s",
                    self.cfg.host, self.cfg.port, state.attempt_number, self.attempts,
                    type(error).__name__, error, wait)

    def __enter__(self) -> Mailbox:
        log.debug("IMAP %s:%s: connecting", self.cfg.host, self.cfg.port)
        opener = retry(stop=stop_after_attempt(self.attempts),
                       wait=wait_exponential(multiplier=0.5, max=30),
                       retry=retry_if_exception(_worth_retrying), reraise=True,
                       before_sleep=self._failed_attempt)(_open)
        try:
            self.box = opener(self.cfg)
        except CONNECT_ERRORS as exc:
            if _login_refused(exc):
                raise MailboxLoginRefused(self.cfg.username, f"{self.cfg.host}:{self.cfg.port}",
                                          _said(exc)) from exc
            raise MailboxUnavailable(f"{self.cfg.host}:{self.cfg.port}: {exc}") from exc
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            self.box.logout()
        except Exception:  # the connection may already be gone; nothing to save
            log.debug("logout failed", exc_info=True)

    @property
    def capabilities(self) -> tuple[str, ...]:
        return tuple(self.box.client.capabilities)

    def uidvalidity(self) -> int:
        status = self.box.folder.status(self.cfg.folder, ["UIDVALIDITY"])
        return int(status["UIDVALIDITY"])

    def uids(self) -> list[int]:
        typ, data = self.box.client.uid("SEARCH", "ALL")
        if typ != "OK":
            raise MailboxUnavailable(f"UID SEARCH: {typ}")
        found = sorted(int(x) for x in b" ".join(d for d in data if d).split())
        self.listed = max(self.listed, found[-1] if found else 0)
        return found

    def newer_than_listed(self) -> bool:
        """Mail arrived in the folder since `uids` last listed it (a cycle ran meanwhile:
        what the server announced then came with the answers to the cycle's own commands)."""
        self.box.client.noop()  # the session sees mail that arrived since its last command
        typ, data = self.box.client.uid("SEARCH", "UID", f"{self.listed + 1}:*")
        if typ != "OK":
            raise MailboxUnavailable(f"UID SEARCH: {typ}")
        # "n:*" always matches the newest mail, even below n
        return any(int(x) > self.listed for x in b" ".join(d for d in data if d).split())

    def fetch_raw(self, uids: list[int]) -> Iterator[tuple[int, bytes]]:
        """(uid, raw bytes) for each UID, with BODY.PEEK so nothing is marked \\Seen."""
        if not uids:
            return
        typ, data = self.box.client.uid("FETCH", ",".join(map(str, uids)), "(UID BODY.PEEK[])")
        if typ != "OK":
            raise MailboxUnavailable(f"UID FETCH: {typ}")
        for item in data:
            if isinstance(item, tuple) and len(item) >= 2:
                m = _UID.search(item[0])
                if m:
                    yield int(m.group(1)), bytes(item[1])

    def sizes(self, uids: list[int]) -> dict[int, int]:
        """RFC822.SIZE of each UID, read before any body (a UID gone meanwhile is missing)."""
        found: dict[int, int] = {}
        for start in range(0, len(uids), SIZES_PER_COMMAND):
            chunk = uids[start:start + SIZES_PER_COMMAND]
            typ, data = self.box.client.uid("FETCH", ",".join(map(str, chunk)),
                                            "(UID RFC822.SIZE)")
            if typ != "OK":
                raise MailboxUnavailable(f"UID FETCH RFC822.SIZE: {typ}")
            for item in data:
                line = item[0] if isinstance(item, tuple) else item
                uid, size = _UID.search(line or b""), _SIZE.search(line or b"")
                if uid and size:
                    found[int(uid.group(1))] = int(size.group(1))
        return found

    def fetch_outline(self, uid: int) -> tuple[bytes, Any] | None:
        """The header (at most MAX_HEADER_FETCH bytes) and the parsed BODYSTRUCTURE of one
        mail, never its body; None when the UID is gone."""
        typ, data = self.box.client.uid("FETCH", str(uid),
                                        f"(UID BODY.PEEK[HEADER]<0.{MAX_HEADER_FETCH}>)")
        if typ != "OK":
            raise MailboxUnavailable(f"UID FETCH HEADER: {typ}")
        header = next((bytes(item[1]) for item in data
                       if isinstance(item, tuple) and len(item) >= 2), None)
        typ, data = self.box.client.uid("FETCH", str(uid), "(UID BODYSTRUCTURE)")
        if typ != "OK":
            raise MailboxUnavailable(f"UID FETCH BODYSTRUCTURE: {typ}")
        if header is None:
            return None
        return header, find(parse(fetch_bytes(data)), "BODYSTRUCTURE")

    def ensure_folder(self, name: str) -> None:
        if name in self._folders:
            return
        if not self.box.folder.exists(name):
            self.box.folder.create(name)
        self._folders.add(name)

    def move(self, uid: int | Sequence[int], folder: str) -> None:
        """MOVE one mail, or several by one UID set."""
        self.ensure_folder(folder)
        uids = [uid] if isinstance(uid, int) else list(uid)
        self.box.move([str(u) for u in uids], folder, chunks=500)

    def mark_seen(self, uid: int) -> None:
        self.box.client.uid("STORE", str(uid), "+FLAGS.SILENT", r"(\Seen)")

    def append(self, raw: bytes, folder: str, seen: bool = True) -> None:
        self.ensure_folder(folder)
        self.box.append(raw, folder, flag_set=[imap_tools.MailMessageFlags.SEEN] if seen else [])

    def interrupt(self) -> None:
        """Shut the socket down (safe from a signal handler): a blocked read returns at once."""
        with contextlib.suppress(OSError, AttributeError):
            self.box.client.sock.shutdown(socket.SHUT_RDWR)

    def idle_wait(self, timeout: float) -> bool:
        """Wait in IDLE up to `timeout` s; True when the server announced something: while
        waiting, or as IDLE began or ended (imaplib keeps such announcements aside, and a
        mail that arrived between two waits is announced as the next one begins)."""
        aside = self.box.client.untagged_responses
        for kind in _ANNOUNCING:
            aside.pop(kind, None)
        heard = bool(self.box.idle.wait(timeout=timeout))
        return any([heard, *(aside.pop(kind, None) for kind in _ANNOUNCING)])
