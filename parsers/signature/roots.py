"""The trust roots the operator names (`[trust] signature_roots`): PEM files (one or several
certificates each, a CA bundle say) or DER files, read once at start and handed on as DER
bytes, so the isolated reader gets plain bytes and a bad file is a config problem, not a
failed signature later."""

from __future__ import annotations

from pathlib import Path

MAX_ROOT_FILE_BYTES = 1024 * 1024


class RootsError(ValueError):
    """A roots file that cannot be used; the message says why."""


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
        raise RootsError(f"cannot read {path}: {exc.strerror}") from exc
    if len(data) > MAX_ROOT_FILE_BYTES:
        raise RootsError(f"{path}: larger than {MAX_ROOT_FILE_BYTES} bytes")
    try:
        found = _certificates(data)
    except Exception as exc:  # asn1crypto raises many kinds on bad input
        raise RootsError(f"{path}: not a PEM or DER certificate ({type(exc).__name__})") from exc
    if not found:
        raise RootsError(f"{path}: holds no certificate")
    return tuple(found)
