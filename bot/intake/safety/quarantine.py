"""When a mail is to blame, and what its sender hears when it is set aside.

A process killed while it reads a mail (SIGKILL, the watchdog, out of memory, a bad deploy)
proves nothing about that mail: it was merely first in line. So a mail is marked as being read
(by which process: `holders.reader_id`) and a mark left by a dead process makes it a
*suspect*, never guilty. A suspect is read again later, after the other mail of the cycle, in
a child process of its own (`decide_isolated`): if that child dies or fails on it, that is
evidence, counted as an attempt; `max_attempts` of them and the mail is quarantined. Random
kills of the service can make a mail a suspect, never quarantine it.

Quarantined mail is kept whole and filed for a person; unless it is automatic, its sender gets
a polite holding reply (`holding_reply`).
"""

from __future__ import annotations

import email.message
import email.parser
import email.policy
import logging
import multiprocessing
import resource
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING

from bot.mail.addresses import reply_address, smtp_address
from bot.mail.headers import raw_header_values
from bot.mail.mime_parts import header_value, parse_message
from bot.store.schema import NewOutbox, StoredMessage

# Every cycle asks who reads and who holds a claim; only a suspect or a quarantined mail
# needs the deciding and replying stack, imported then (a poll over a seen mailbox never).
if TYPE_CHECKING:
    from bot.intake.decide import Decision
    from bot.intake.judge import Judge

log = logging.getLogger(__name__)
DECIDE_TIME_LIMIT = 900.0  # seconds for a whole mail read in a child (each file has 60)
STOP_CHECK = 1.0  # seconds between looks at a stop request while a child reads
MAX_HEADER_BYTES = 256 * 1024


def _child(conn: Connection, judge: Judge, stored: StoredMessage, raw: bytes) -> None:
    from bot.intake.isolated import MEMORY_LIMIT

    try:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        result: Decision | str = judge.decide(stored, parse_message(raw))[1]
    except BaseException as exc:  # noqa: BLE001 - MemoryError too: the parent gets a verdict
        result = f"{type(exc).__name__}: {exc}"[:300]
    conn.send(result)
    conn.close()


def decide_isolated(judge: Judge, stored: StoredMessage, raw: bytes,
                    seconds: float = DECIDE_TIME_LIMIT,
                    stop: Callable[[], bool] = lambda: False) -> Decision | str | None:
    """Decide a suspect (`raw`, its bytes) in a child process, which never touches the store:
    its Decision, or why the child gave none (it died, ran out of time, or failed): evidence
    against the mail. None when `stop` asked the service to end meanwhile: no evidence."""
    from bot.intake.isolated import wait_for

    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    # not a daemon: it starts readers of its own (bot.intake.isolated) for the attachments
    child = context.Process(target=_child, args=(sender, judge, stored, raw), daemon=False)
    child.start()
    sender.close()
    try:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if stop():
                return None
            if wait_for(receiver, min(left, STOP_CHECK)):
                result: Decision | str = receiver.recv()
                return result
        return f"reading this mail took over {seconds:.0f} s"
    except (EOFError, OSError):
        child.join(1)
        return f"the reader died on this mail (exit {child.exitcode})"
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join(1)


def headers_of(raw: bytes) -> email.message.Message:
    """The header block alone, parsed without touching the body: safe on any mail."""
    head = raw[:MAX_HEADER_BYTES].split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    return email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(head)


def holding_reply(judge: Judge, stored: StoredMessage, raw: bytes) -> NewOutbox | None:
    """The holding reply to a quarantined mail, or None for automatic mail, a mail without a
    usable address, or one a cap holds back."""
    from bot.intake.replying import received_day
    from bot.mail.classify import classify
    from replies.mail.compose import compose_holding

    msg = headers_of(raw)
    builder = judge.builder
    if classify(msg, builder.campaign, judge.own, attachments=[]).kind == "automatic":
        return None
    to = reply_address(msg, judge.own)
    if not to or not builder.writer.caps.admit(msg, to, f"message {stored.id}", stored.id):
        return None
    smtp = judge.cfg.smtp
    mail = compose_holding(
        subject=header_value(msg, "Subject"), received=received_day(msg, builder.tz),
        message_id=" ".join(raw_header_values(msg, "Message-ID")) or None,
        references=" ".join(raw_header_values(msg, "References")) or None,
        campaign=builder.campaign, to=smtp_address(to)[0], from_address=smtp.from_address,
        from_name=smtp.from_name, held=f"message {stored.id}")
    return builder.writer.outgoing(msg, to, mail)
