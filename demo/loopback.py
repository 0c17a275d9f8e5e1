"""Local servers on 127.0.0.1 for the demo and the tests: a free port, waiting for it to
accept, and child servers that die with their parent."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

LOOPBACK = "127.0.0.1"


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


def wait_for_port(port: int, timeout: float = 10.0, alive: subprocess.Popen[bytes] | None = None,
                  host: str = LOOPBACK) -> bool:
    """True once `port` accepts a connection; False after `timeout` seconds, or at once when
    the server process `alive` has exited."""
    deadline = time.monotonic() + timeout
    for _ in range(int(timeout / 0.05) + 1):
        if alive is not None and alive.poll() is not None:
            return False
        if port_accepts(port, host):
            return True
        if time.monotonic() >= deadline:
            break
        time.sleep(0.05)
    return False


def with_parent_death_signal(command: list[str]) -> list[str]:
    """Prefix `setpriv --pdeathsig TERM` (util-linux) where it exists, so the server stops
    when this process dies without cleaning up (e.g. killed by a CI timeout)."""
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "TERM", "--", *command] if setpriv else command
