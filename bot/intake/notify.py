"""systemd notifications (READY=1, WATCHDOG=1, STOPPING=1) over $NOTIFY_SOCKET; silent without
it. `heartbeat` is the watchdog ping of work that is moving: a message decided, a mail sent, an
attachment still being read. A loop that stops making progress stops pinging, and systemd
restarts it; one that works through a long backlog never goes quiet."""

from __future__ import annotations

import os
import socket
import time

HEARTBEAT_EVERY = 5.0  # seconds between two pings at most once; WatchdogSec is 120
_last_ping = 0.0


def sd_notify(state: str) -> bool:
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.connect(address)
            sock.sendall(state.encode())
    except OSError:
        return False
    return True


def heartbeat() -> None:
    """Ping the watchdog, at most every HEARTBEAT_EVERY seconds: called as work moves on."""
    global _last_ping
    now = time.monotonic()
    if now - _last_ping >= HEARTBEAT_EVERY:
        _last_ping = now
        sd_notify("WATCHDOG=1")
