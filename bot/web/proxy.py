"""Forwarded headers believed only from the reverse proxy. A request whose peer is one of
`[web] trusted_proxies` has its client address, scheme and host taken from X-Forwarded-For,
-Proto and -Host (werkzeug's ProxyFix, one hop) and is marked as come through the proxy, the
one case where the proxy's login header may be read; from any other peer those headers are
ignored, so a client reaching the port directly cannot claim another address or a login."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.middleware.proxy_fix import ProxyFix

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

VIA_PROXY = "bcy.via_proxy"  # environ key: the request came through a trusted proxy


class TrustedProxies:
    def __init__(self, app: WSGIApplication, proxies: Iterable[str]) -> None:
        self.app = app
        self.fixed = ProxyFix(app, x_for=1, x_proto=1, x_host=1)
        self.networks = [ipaddress.ip_network(p, strict=False) for p in proxies]

    def trusted(self, peer: str) -> bool:
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        if self.trusted(environ.get("REMOTE_ADDR", "")):
            environ[VIA_PROXY] = True
            return self.fixed(environ, start_response)
        environ[VIA_PROXY] = False
        return self.app(environ, start_response)
