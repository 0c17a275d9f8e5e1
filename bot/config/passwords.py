"""The IMAP and SMTP passwords: where they may come from, and how they are kept out of logs.

Passwords come from, in order: $BCY_INTAKE_IMAP_PASSWORD / $BCY_INTAKE_SMTP_PASSWORD,
`password`, `password_file`, then the systemd credential `imap_password` / `smtp_password`
($CREDENTIALS_DIRECTORY). A password file readable by other users is read, with a warning.
"""

from __future__ import annotations

import errno
import hmac
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.config.reader import Section, said


class Secret:
    """A password that never shows itself in repr(), str() or a log line."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "***"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and hmac.compare_digest(
            self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(self._value)


def read_password(s: Section, env: str, credential: str, required: bool) -> Secret | None:
    """The section's password from the first source that has one; a problem if required."""
    inline, file = s.optional_text("password"), s.path("password_file")
    if os.environ.get(env):
        return Secret(os.environ[env])
    if inline is not None and file is not None:
        s.problem("password", said("password_twice"))
    if inline is not None:
        return Secret(inline)
    credentials = os.environ.get("CREDENTIALS_DIRECTORY")
    if file is None and credentials and (Path(credentials) / credential).exists():
        file = Path(credentials) / credential
    if file is not None:
        return _read_password_file(s, file)
    if required:
        s.missing("password", said("password_missing", env=env, credential=credential))
    return None


def _read_password_file(s: Section, file: Path) -> Secret | None:
    try:
        value = file.read_text(encoding="utf-8").rstrip("\r\n")
        if file.stat().st_mode & 0o077:
            s.warnings.append(f"[{s.name}] password_file: {said('password_file_open', file=file)}")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        code = errno.errorcode.get(exc.errno or 0, "") if isinstance(exc, OSError) else ""
        s.problem("password_file", said("password_file_unreadable", file=file, reason=reason,
                                        errno=code))
        return None
    if not value:
        s.problem("password_file", said("password_file_empty", file=file))
        return None
    return Secret(value)


_URL_PASSWORD = re.compile(r"://[^/@:]*:[^/@]+@")


def inline_secret_warnings(path: Path, data: Mapping[str, Any]) -> list[str]:
    """A config file readable by other users that holds a password itself is warned about as a
    password file would be: the password is only as private as the file."""
    try:
        if not path.stat().st_mode & 0o077:
            return []
    except OSError:
        return []
    found = [f"[{name}] password" for name in ("imap", "smtp")
             if isinstance(data.get(name), Mapping) and "password" in data[name]]
    store = data.get("store")
    if isinstance(store, Mapping) and _URL_PASSWORD.search(str(store.get("url", ""))):
        found.append("[store] url")
    return [f"{where}: {said('password_inline_open', file=path)}" for where in found]
