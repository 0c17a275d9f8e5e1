"""`bcy-intake web [--listen HOST:PORT]`: serve the staff console (default `[web] listen`,
else 127.0.0.1:8080). The config, campaign, registry, database and session key are checked
before the server starts, so a mistake ends the command with one line and exit 78; a port
already taken ends it with exit 75."""

from __future__ import annotations

import argparse
import errno
import ipaddress
import logging
import socket
from typing import Any

from bot.commands import HELP
from bot.config.settings import config_path
from bot.config.web import split_listen
from bot.errors import EX_TEMPFAIL, CommandError, UsageError
from bot.intake.service import open_service
from bot.web.secret import secret_key
from bot.web.server import ConsoleServer
from replies.render import staff_message

log = logging.getLogger(__name__)


def register(sub: Any) -> None:
    p = sub.add_parser("web", help=HELP["web"])
    p.add_argument("--listen", metavar="HOST:PORT",
                   help="where to listen (default: [web] listen, else 127.0.0.1:8080)")
    p.set_defaults(func=run)


def _check_free(host: str, port: int) -> None:
    """A clear one-line refusal instead of gunicorn's five retries on a taken port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            code = EX_TEMPFAIL if exc.errno == errno.EADDRINUSE else 1
            raise CommandError(staff_message(
                "cannot_listen", host=host, port=port, reason=exc.strerror,
                errno=errno.errorcode.get(exc.errno or 0, "")), code) from exc


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def run(args: argparse.Namespace) -> int:
    path = config_path(args.config)
    if args.listen is not None:
        try:
            split_listen(args.listen)
        except ValueError as exc:
            raise UsageError(staff_message("bad_listen", reason=exc)) from None
    service = open_service(path, args.campaign)  # every check, once, before any worker
    try:
        cfg = service.cfg
        host, port = split_listen(args.listen or cfg.web.listen)
        key = secret_key(cfg)
    finally:
        service.store.close()
    _check_free(host, port)
    if not cfg.web.cookie_secure and not _loopback(host):
        log.warning("%s", staff_message("listen_without_tls", host=host))
    log.info("staff console on http://%s:%s/ (%s workers)", host, port, cfg.web.workers)
    ConsoleServer(cfg, args.campaign, host, port, key).run()
    return 0
