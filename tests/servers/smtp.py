"""An SMTP sink on 127.0.0.1 (aiosmtpd in a thread) that keeps every message it accepts."""

from __future__ import annotations

import asyncio
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any, Self

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from . import LOOPBACK, free_port

REFUSAL = "451 4.3.0 Temporarily refused by the test sink"
RECIPIENT_REFUSAL = "550 5.1.1 No such mailbox here (test sink)"
CLOSING = "421 4.7.0 Too many messages on this connection (test sink)"


@dataclass(frozen=True)
class ReceivedMessage:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    auth_login: str | None
    smtputf8: bool = False  # sent with MAIL FROM ... SMTPUTF8
    at: float = 0.0  # when it was accepted (time.time())


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_EHLO(self, server: SMTP, session: Session, envelope: Envelope,
                          hostname: str, responses: list[str]) -> list[str]:
        self.sink._connected(session)
        session.host_name = hostname
        return responses

    async def handle_NOOP(self, server: SMTP, session: Session, envelope: Envelope,
                          arg: str) -> str:
        with self.sink._lock:
            self.sink.noops += 1
        return "250 OK"

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, mail_options: list[str]) -> str:
        done = getattr(session, "delivered_by_sink", 0)
        if self.sink.close_at_mail_after is not None and done >= self.sink.close_at_mail_after:
            if server.transport is not None:
                asyncio.get_running_loop().call_soon(server.transport.close)
            return CLOSING
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        if address.lower() in self.sink.refuse_recipients:
            return RECIPIENT_REFUSAL
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.sink.refusing:
            return REFUSAL
        if self.sink.delay:
            await asyncio.sleep(self.sink.delay)
        login = session.auth_data.login if isinstance(session.auth_data, LoginPassword) else None
        raw = envelope.original_content or b""
        session.delivered_by_sink = getattr(session, "delivered_by_sink", 0) + 1  # type: ignore[attr-defined]
        if self.sink.drop_after_each and server.transport is not None:
            # the server hangs up once its reply is out (a transport flushes before closing)
            asyncio.get_running_loop().call_soon(server.transport.close)
        self.sink._record(
            ReceivedMessage(
                mail_from=envelope.mail_from or "",
                rcpt_tos=tuple(envelope.rcpt_tos),
                raw=raw if isinstance(raw, bytes) else raw.encode(),
                auth_login=login.decode() if isinstance(login, bytes) else None,
                smtputf8=bool(getattr(envelope, "smtp_utf8", False)),
                at=time.time(),
            )
        )
        return "250 2.0.0 OK: queued by the test sink"


class _Authenticator:
    def __init__(self, user: str, password: str) -> None:
        self.credentials = (user.encode(), password.encode())

    def __call__(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            mechanism in ("PLAIN", "LOGIN")
            and isinstance(data, LoginPassword)
            and (data.login, data.password) == self.credentials
        )
        return AuthResult(success=ok, handled=False, auth_data=data if ok else None)


class SmtpSink:
    """Accepts mail on 127.0.0.1:`port`; with `user`/`password`, AUTH is required.

    Set `refusing = True` at any time to answer 451 to DATA (a temporary failure); put
    addresses in `refuse_recipients` to answer 550 to their RCPT; set `drop_after_each` to
    close the connection after every message accepted; set `close_at_mail_after` to N to
    answer MAIL FROM with 421 and hang up once a session delivered N messages (a server
    limiting mail per connection); set `delay` to answer each DATA that many seconds late (a
    slow server). `noops` counts the NOOP commands heard. With `tls`, STARTTLS is
    offered with that server context; with `smtputf8`, SMTPUTF8 (RFC 6531) is offered.
    `connections` counts the sessions that said EHLO.
    """

    host = LOOPBACK

    def __init__(self, user: str | None = None, password: str | None = None,
                 tls: ssl.SSLContext | None = None, smtputf8: bool = False) -> None:
        self.tls = tls
        self.user = user
        self.password = password
        self.smtputf8 = smtputf8
        self.port = 0
        self.refusing = False
        self.refuse_recipients: set[str] = set()
        self.drop_after_each = False
        self.close_at_mail_after: int | None = None
        self.delay = 0.0
        self.connections = 0
        self.noops = 0
        self._messages: list[ReceivedMessage] = []
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._controller: Controller | None = None

    @property
    def messages(self) -> list[ReceivedMessage]:
        with self._lock:
            return list(self._messages)

    def _connected(self, session: Session) -> None:
        """Count a session at its first EHLO (a second one after STARTTLS is the same)."""
        with self._lock:
            if not getattr(session, "counted_by_sink", False):
                session.counted_by_sink = True  # type: ignore[attr-defined]
                self.connections += 1

    def _record(self, message: ReceivedMessage) -> None:
        with self._arrived:
            self._messages.append(message)
            self._arrived.notify_all()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedMessage]:
        """The messages once at least `count` arrived; raises TimeoutError after `timeout` s."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self._messages) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{len(self._messages)} of {count} messages in {timeout}s")
                self._arrived.wait(remaining)
            return list(self._messages)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()

    def start(self) -> None:
        if self._controller is not None:
            return
        options: dict[str, Any] = {}
        if self.user is not None and self.password is not None:
            options = {
                "authenticator": _Authenticator(self.user, self.password),
                "auth_required": True,
                "auth_require_tls": False,
            }
        if self.tls is not None:
            options["tls_context"] = self.tls
        # aiosmtpd's Controller offers SMTPUTF8 unless told not to: offer it only when asked
        options["enable_SMTPUTF8"] = self.smtputf8
        last_error: Exception | None = None
        for _ in range(5):  # the free port may be taken between probing and binding
            self.port = free_port()
            controller = Controller(
                _Handler(self), hostname=LOOPBACK, port=self.port, ready_timeout=5.0, **options
            )
            try:
                controller.start()
            except Exception as error:  # noqa: BLE001 - retried on another port, then re-raised
                last_error = error
                continue
            self._controller = controller
            return
        raise RuntimeError(f"SMTP sink could not start on 127.0.0.1: {last_error}")

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
