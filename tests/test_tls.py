"""TLS against real servers: IMAPS on Dovecot and STARTTLS on the SMTP listener, with a
self-signed certificate. Verification is on unless the config turns it off."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.pipeline_kit import docx_mail, poll, received, write_config
from tests.servers import SINK_PASSWORD, SINK_USER
from tests.servers.dovecot import Dovecot, MailboxAccount
from tests.servers.smtp import SmtpSink
from tests.servers.tls import make_certificate, server_context

AGENCY = "Văn thư <vanthu@mof.gov.vn>"
_users = itertools.count(1)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def tls_dovecot(dovecot_server: Dovecot, certificate: tuple[Path, Path]) -> Iterator[Dovecot]:
    """One Dovecot with IMAPS for the module; each test gets a mailbox user of its own."""
    # dovecot_server only makes sure Dovecot can be had (or fails loudly under CI)
    server = Dovecot(tls=certificate)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        server.cleanup()


@pytest.fixture
def tls_servers(tls_dovecot: Dovecot, certificate: tuple[Path, Path]
                ) -> Iterator[tuple[MailboxAccount, SmtpSink]]:
    user = f"tls{next(_users)}"
    tls_dovecot.add_user(user, "tls-password")
    sink = SmtpSink(SINK_USER, SINK_PASSWORD, tls=server_context(*certificate))
    sink.start()
    try:
        yield MailboxAccount(tls_dovecot, tls_dovecot.host, tls_dovecot.imaps_port, user,
                             "tls-password"), sink
    finally:
        sink.stop()


def _tls_config(tmp_path: Path, box: MailboxAccount, sink: SmtpSink, **extra: Any) -> Path:
    config = write_config(tmp_path, box, sink, **extra)
    text = config.read_text(encoding="utf-8")
    text = text.replace('security = "none"', 'security = "ssl"', 1)  # [imap], on IMAPS
    text = text.replace('security = "none"', 'security = "starttls"', 1)  # [smtp]
    config.write_text(text, encoding="utf-8")
    return config


def test_an_untrusted_certificate_is_refused_by_default(
        tmp_path: Path, tls_servers: tuple[MailboxAccount, SmtpSink]) -> None:
    box, sink = tls_servers
    box.append(docx_mail(AGENCY))
    assert poll(_tls_config(tmp_path, box, sink)) == 75
    assert sink.messages == []
    assert len(box.list("INBOX")) == 1


def test_a_trusted_certificate_carries_the_whole_cycle(
        tmp_path: Path, tls_servers: tuple[MailboxAccount, SmtpSink],
        certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    box, sink = tls_servers
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # trust our own test CA
    box.append(docx_mail(AGENCY))
    assert poll(_tls_config(tmp_path, box, sink)) == 0
    [reply] = received(sink)
    assert reply["X-BCY-Intake-Verdict"] == "accepted"


def test_turning_verification_off_works_and_is_logged(
        tmp_path: Path, tls_servers: tuple[MailboxAccount, SmtpSink],
        caplog: pytest.LogCaptureFixture) -> None:
    box, sink = tls_servers
    box.append(docx_mail(AGENCY))
    config = _tls_config(tmp_path, box, sink, tls_verify=False, smtp={"tls_verify": False})
    with caplog.at_level(logging.WARNING):
        assert poll(config) == 0
    assert len(sink.messages) == 1
    assert "verification is OFF for IMAP" in caplog.text
    assert "verification is OFF for SMTP" in caplog.text
