"""Sending one message over SMTP (ssl | starttls | none, AUTH when configured), with retries."""

from __future__ import annotations

import logging
import re
import smtplib
import socket
from collections.abc import Sequence

from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential

from bot.config.settings import Security, SmtpConfig
from bot.mail.tls import tls_context

log = logging.getLogger(__name__)
TRANSIENT = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError,
             socket.timeout, OSError)


class PermanentSendError(Exception):
    """The server refused the message for good (5xx): retrying will not help."""


def _connect(cfg: SmtpConfig) -> smtplib.SMTP:
    if cfg.security is Security.SSL:
        return smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout,
                                context=tls_context(cfg.tls_verify, "SMTP"))
    client = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
    if cfg.security is Security.STARTTLS:
        client.starttls(context=tls_context(cfg.tls_verify, "SMTP"))
    return client


def crlf(raw: bytes) -> bytes:
    """SMTP lines end in CRLF; smtplib sends bytes as they are."""
    return re.sub(rb"\r?\n", b"\r\n", raw)


def send_once(cfg: SmtpConfig, raw: bytes, recipients: Sequence[str]) -> None:
    raw = crlf(raw)
    with _connect(cfg) as client:
        if cfg.username and cfg.password is not None:
            client.login(cfg.username, cfg.password.reveal())
        try:
            client.sendmail(cfg.from_address, list(recipients), raw)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if all(code >= 500 for code in codes):
                raise PermanentSendError(str(codes)) from exc
            raise
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code >= 500:
                raise PermanentSendError(f"{exc.smtp_code}") from exc
            raise


def send(cfg: SmtpConfig, raw: bytes, recipients: Sequence[str], attempts: int = 3) -> None:
    """Send with exponential backoff on transient failures; the caller keeps the outbox row."""
    sender = retry(
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=0.5, max=8),
        retry=retry_if_exception_type(TRANSIENT + (smtplib.SMTPResponseException,)),
        reraise=True,
    )(send_once)
    sender(cfg, raw, recipients)
