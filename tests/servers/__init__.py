"""Real mail servers for integration tests, bound to 127.0.0.1 only.

`Dovecot` (IMAP + LMTP) and `SmtpSink` (aiosmtpd) are started by the fixtures in
tests/conftest.py; nothing here is mocked at the protocol level.
"""

from __future__ import annotations

import socket
import time

LOOPBACK = "127.0.0.1"
SINK_USER = "intake-bot"  # AUTH accepted by the `smtp_sink` fixture
SINK_PASSWORD = "smtp-test-password"


def free_port() -> int:
    """A TCP port that was free a moment ago (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


def port_accepts(port: int, host: str = LOOPBACK) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_for_port(port: int, timeout: float = 10.0, host: str = LOOPBACK) -> bool:
    """True once `port` accepts a connection; False after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    for _ in range(int(timeout / 0.05) + 1):
        if port_accepts(port, host):
            return True
        if time.monotonic() >= deadline:
            break
        time.sleep(0.05)
    return False
