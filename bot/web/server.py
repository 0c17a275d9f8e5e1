"""The console served by gunicorn: a pre-forking server (sync workers) meant to sit behind a
buffering reverse proxy, which is what gunicorn's own guide asks of sync workers. Each worker
opens its own service (database connections are never shared across a fork); the signing key
is read once, in the master, before the workers start. SIGTERM stops it gracefully, and it
tells systemd READY=1 once listening (Type=notify)."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from bot.config.settings import Config
from bot.intake.service import service_for
from bot.web.app import create_app

GRACEFUL_SECONDS = 30


def bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class ConsoleServer(BaseApplication):  # type: ignore[misc]  # gunicorn is untyped
    def __init__(self, cfg: Config, campaign: str | None, host: str, port: int,
                 secret_key: bytes) -> None:
        self.config, self.campaign, self.web = cfg, campaign, cfg.web
        self.bind, self.secret_key = bind_address(host, port), secret_key
        super().__init__()

    def load_config(self) -> None:
        settings: dict[str, Any] = {
            "bind": [self.bind], "workers": self.web.workers, "worker_class": "sync",
            "timeout": self.web.request_timeout, "graceful_timeout": GRACEFUL_SECONDS,
            "accesslog": "-", "errorlog": "-", "proc_name": "bcy-intake-web",
            "forwarded_allow_ips": ",".join(self.web.trusted_proxies) or "127.0.0.1",
            "preload_app": False,
            "control_socket_disable": True,  # gunicorn ≥ 24: no runtime control socket
        }
        for name, value in settings.items():
            if name in self.cfg.settings:
                self.cfg.set(name, value)

    def load(self) -> Any:
        """In each worker, after the fork."""
        return create_app(service_for(self.config, self.campaign), self.secret_key)
