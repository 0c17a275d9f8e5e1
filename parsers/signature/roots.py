"""The trust roots the operator names (`[trust] signature_roots`): PEM files (one or several
certificates each, a CA bundle say) or DER files, read once at start and handed on as DER
bytes, so the isolated reader gets plain bytes and a bad file is a config problem, not a
failed signature later."""

from __future__ import annotations

import errno
from pathlib import Path

MAX_ROOT_FILE_BYTES = 1024 * 1024


class RootsError(ValueError):
    """A roots file that cannot be used. `why` is unreadable | too-large | not-a-certificate |
    empty; for an unreadable file `errno` (its name, e.g. ENOENT) and the system's `detail`.
    The operator's words for it are the templates' (replies/templates/staff/_reasons.txt.j2)."""

    def __init__(self, path: Path, why: str, errno: str = "", detail: str = "") -> None:
        super().__init__(f"{path}: {why}{f' ({detail})' if detail else ''}")
        self.path, self.why, self.errno, self.detail = path, why, errno, detail


def _certificates(data: bytes) -> list[bytes]:
    from asn1crypto import pem, x509

    blobs = [der for _, _, der in pem.unarmor(data, multiple=True)] if pem.detect(data) \
        else [data]
    found = []
    for der in blobs:
        cert = x509.Certificate.load(der)
        cert.subject.native  # noqa: B018 - parses the certificate: a broken one raises here
        found.append(der)
    return found


def load_roots(path: Path) -> tuple[bytes, ...]:
    """The certificates of one file, as DER; RootsError when it holds none or cannot be read."""
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_ROOT_FILE_BYTES + 1)
    except OSError as exc:
        raise RootsError(path, "unreadable", errno.errorcode.get(exc.errno or 0, ""),
                         exc.strerror or "") from exc
    if len(data) > MAX_ROOT_FILE_BYTES:
        raise RootsError(path, "too-large")
    try:
        found = _certificates(data)
    except Exception as exc:  # asn1crypto raises many kinds on bad input
        raise RootsError(path, "not-a-certificate", detail=type(exc).__name__) from exc
    if not found:
        raise RootsError(path, "empty")
    return tuple(found)
