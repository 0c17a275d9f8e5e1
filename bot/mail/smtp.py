"""Sending over SMTP (ssl | starttls | none, AUTH when configured): one connection for a whole
run of the outbox, opened again when the server dropped it.

What fails is told apart, because it decides what the outbox does next:
- the server cannot be had (refused connection, timeout, 421, a failed login, our sender
  refused): `SmtpUnavailable`, and the outbox waits for the next run;
- this one message is refused (its recipient, its size, its content, a non-ASCII address the
  server cannot take): `MessageRefused`, for good (5xx) or for now (4xx), and the outbox goes
  on with the next message.
"""

from __future__ import annotations

import contextlib
import logging
import re
import select
import smtplib
import ssl
from types import TracebackType

from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential

from bot.config.settings import Security, SmtpConfig
from bot.mail.tls import tls_context

log = logging.getLogger(__name__)
CONNECTION_ERRORS = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError)
SIZE_REFUSED = 552  # at MAIL FROM, when the SIZE we declared is too much: this message only


class SmtpUnavailable(Exception):
    """The server cannot take mail now; nothing is wrong with any one message."""


class MessageRefused(Exception):
    """The server refused this message: for good when `permanent`, else for now."""

    def __init__(self, text: str, permanent: bool) -> None:
        super().__init__(text)
        self.permanent = permanent


def crlf(raw: bytes) -> bytes:
    """SMTP lines end in CRLF; smtplib sends bytes as they are. Our own mail has CRLF
    throughout already: two counts tell, where a substitution would rebuild it."""
    if raw.count(b"\n") == raw.count(b"\r\n"):
        return raw
    return re.sub(rb"\r?\n", b"\r\n", raw)


def _text(code: int, message: bytes | str) -> str:
    said = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    return f"{code} {said}"[:300]


def _quiet(client: smtplib.SMTP) -> bool:
    """Nothing has arrived on the connection since its last reply (no EOF, no line)."""
    sock = getattr(client, "sock", None)
    if sock is None:
        return False
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable and not (isinstance(sock, ssl.SSLSocket) and sock.pending())


class _Closed(Exception):
    """The server had closed the connection (or closed it, 421) by MAIL FROM: nothing of the
    mail reached it."""


def _hand_over(client: smtplib.SMTP, sender: str, recipient: str, raw: bytes,
               options: list[str]) -> None:
    """smtplib's `sendmail` for one recipient, telling a connection found closed at MAIL
    FROM (`_Closed`) from a refusal; the same exceptions otherwise."""
    client.ehlo_or_helo_if_needed()
    extensions = [*([f"size={len(raw)}"] if client.has_extn("size") else []), *options] \
        if client.does_esmtp else []
    try:
        code, said = client.mail(sender, extensions)
    except (smtplib.SMTPServerDisconnected, ConnectionError) as exc:
        raise _Closed(f"{type(exc).__name__}: {exc}") from exc
    if code == 421:
        raise _Closed(_text(code, said))
    if code != 250:
        _reset(client)
        raise smtplib.SMTPSenderRefused(code, said, sender)
    code, said = client.rcpt(recipient)
    if code not in (250, 251):
        if code != 421:
            _reset(client)
        raise smtplib.SMTPRecipientsRefused({recipient: (code, said)})
    code, said = client.data(raw)
    if code != 250:
        if code != 421:
            _reset(client)
        raise smtplib.SMTPDataError(code, said)


def _reset(client: smtplib.SMTP) -> None:
    """RSET after a refusal, as smtplib does: a server gone meanwhile shows at the next mail."""
    with contextlib.suppress(smtplib.SMTPServerDisconnected):
        client.rset()


class SmtpSession:
    """`with SmtpSession(cfg) as smtp: smtp.send(raw, recipient)` for each message."""

    def __init__(self, cfg: SmtpConfig, connect_attempts: int = 3) -> None:
        self.cfg = cfg
        self.connect_attempts = connect_attempts
        self.client: smtplib.SMTP | None = None
        self.used = False

    def __enter__(self) -> SmtpSession:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()

    def _connect(self) -> smtplib.SMTP:
        cfg = self.cfg
        client: smtplib.SMTP
        if cfg.security is Security.SSL:
            client = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout,
                                      context=tls_context(cfg.tls_verify, "SMTP"))
        else:
            client = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
            if cfg.security is Security.STARTTLS:
                client.starttls(context=tls_context(cfg.tls_verify, "SMTP"))
        try:
            client.ehlo_or_helo_if_needed()
            if cfg.username and cfg.password is not None:
                client.login(cfg.username, cfg.password.reveal())
        except BaseException:
            client.close()
            raise
        return client

    def _open(self) -> smtplib.SMTP:
        """The connection: reused while the server keeps it, else opened (with retries)."""
        if self.client is not None and self.used:
            try:
                if self.client.noop()[0] == 250:
                    return self.client
            except (smtplib.SMTPException, OSError):
                pass
            log.info("the SMTP server closed the connection; opening a new one")
            self.close()
        if self.client is None:
            opener = retry(stop=stop_after_attempt(self.connect_attempts),
                           wait=wait_exponential(multiplier=0.5, max=8),
                           retry=retry_if_exception_type(CONNECTION_ERRORS), reraise=True)
            try:
                self.client = opener(self._connect)()
            except smtplib.SMTPAuthenticationError as exc:
                raise SmtpUnavailable(f"login-refused: {_text(exc.smtp_code, exc.smtp_error)}"
                                      ) from exc
            except (smtplib.SMTPException, OSError) as exc:
                raise SmtpUnavailable(f"{type(exc).__name__}: {exc}"[:300]) from exc
            self.used = False
        return self.client

    def connect(self) -> None:
        """Open the connection now (SmtpUnavailable when the server is away)."""
        self._open()

    def _ready(self) -> tuple[smtplib.SMTP, bool]:
        """The connection, and whether it may have been closed by the server unseen. One in
        use with nothing waiting to be read is taken as open without a NOOP's round trip
        (one per reply: 20 ms each to a distant relay): a server that closed it, or is about
        to (421), has sent its EOF or its line, and then the NOOP is spent. One it closed
        in the instant since is found at MAIL FROM, before anything of the mail went."""
        if self.client is not None and self.used and _quiet(self.client):
            return self.client, True
        return self._open(), False

    def send(self, raw: bytes, recipient: str) -> None:
        """Hand one message to the server for one recipient."""
        client, unchecked = self._ready()
        raw = crlf(raw)
        options = []
        if not (recipient.isascii() and raw.isascii()):
            if not client.has_extn("smtputf8"):
                # a code, not a sentence: staff read it in their words (labels [send_error])
                raise MessageRefused("smtputf8-missing", permanent=True)
            options.append("SMTPUTF8")
            if client.has_extn("8bitmime"):
                options.append("BODY=8BITMIME")
        self.used = True
        try:
            try:
                _hand_over(client, self.cfg.from_address, recipient, raw, options)
            except _Closed:
                if not unchecked:
                    raise
                log.info("the SMTP server closed the connection; opening a new one")
                self.close()
                _hand_over(self._open(), self.cfg.from_address, recipient, raw, options)
                self.used = True
        except _Closed as exc:
            self.close()
            raise SmtpUnavailable(f"{exc}"[:300]) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            code, said = next(iter(exc.recipients.values()), (550, b""))
            self._refused(code, said)
        except smtplib.SMTPSenderRefused as exc:
            if exc.smtp_code == SIZE_REFUSED:
                raise MessageRefused(_text(exc.smtp_code, exc.smtp_error), True) from exc
            self.close()
            raise SmtpUnavailable(f"sender-refused: {_text(exc.smtp_code, exc.smtp_error)}"
                                  ) from exc
        except smtplib.SMTPResponseException as exc:
            self._refused(exc.smtp_code, exc.smtp_error)
        except (smtplib.SMTPNotSupportedError, UnicodeError) as exc:
            raise MessageRefused(f"{type(exc).__name__}: {exc}"[:300], True) from exc
        except (smtplib.SMTPException, OSError) as exc:  # timeouts are OSErrors
            self.close()
            raise SmtpUnavailable(f"{type(exc).__name__}: {exc}"[:300]) from exc

    def _refused(self, code: int, said: bytes | str) -> None:
        if code == 421 or code < 400:  # the server is closing, or answered nonsense
            self.close()
            raise SmtpUnavailable(_text(code, said))
        raise MessageRefused(_text(code, said), permanent=code >= 500)
