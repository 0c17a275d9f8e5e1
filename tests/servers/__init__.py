"""Real mail servers for integration tests, bound to 127.0.0.1 only.

`Dovecot` (IMAP + LMTP) and `SmtpSink` (aiosmtpd) are started by the fixtures in
tests/conftest.py; nothing here is mocked at the protocol level.
"""

from __future__ import annotations

from demo.loopback import LOOPBACK, free_port, port_accepts, wait_for_port

__all__ = ["LOOPBACK", "SINK_PASSWORD", "SINK_USER", "free_port", "port_accepts",
           "wait_for_port"]
SINK_USER = "intake-bot"  # AUTH accepted by the `smtp_sink` fixture
SINK_PASSWORD = "smtp-test-password"
