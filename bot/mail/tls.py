"""TLS contexts: verification on unless the config turns it off, and then loudly."""

from __future__ import annotations

import logging
import ssl

log = logging.getLogger(__name__)


def tls_context(verify: bool, what: str) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not verify:
        log.warning("TLS certificate verification is OFF for %s (tls_verify = false)", what)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context
