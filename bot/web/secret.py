"""The key that signs session cookies and CSRF tokens: `[web] secret_key`, else the file
`[web] secret_key_file`, else `web-secret.key` in the service's state directory
($STATE_DIRECTORY under systemd, else the folder of the SQLite database, else
$XDG_STATE_HOME/bcy-intake or ~/.local/state/bcy-intake), made on first run with 64 random
bytes, mode 0600. Never in the repository, never in a log."""

from __future__ import annotations

import errno
import logging
import os
import secrets
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.config.settings import Config
from bot.errors import EX_CONFIG, CommandError
from replies.render import staff_message

log = logging.getLogger(__name__)
KEY_FILE = "web-secret.key"
KEY_BYTES = 64
MIN_KEY_BYTES = 32


def key_path(cfg: Config) -> Path:
    if cfg.web.secret_key_file is not None:
        return cfg.web.secret_key_file
    state = os.environ.get("STATE_DIRECTORY", "").split(":")[0]
    if state:
        return Path(state) / KEY_FILE
    url = make_url(cfg.store.url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).resolve().parent / KEY_FILE
    home = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(home) / "bcy-intake" / KEY_FILE


def _create(path: Path) -> None:
    """Write a new key unless one exists; O_EXCL, so two starting processes keep one key."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as fh:
        fh.write(secrets.token_bytes(KEY_BYTES))
        fh.flush()
        os.fsync(fh.fileno())


def secret_key(cfg: Config) -> bytes:
    """The signing key; CommandError (exit 78) when it cannot be had."""
    if cfg.web.secret_key is not None:
        return cfg.web.secret_key.reveal().encode()
    path = key_path(cfg)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _create(path)
        key = path.read_bytes()
        if path.stat().st_mode & 0o077:
            log.warning("%s", staff_message("session_key_open", path=path))
    except OSError as exc:
        raise CommandError(staff_message("session_key_unreadable", path=path, reason=exc.strerror,
                                         errno=errno.errorcode.get(exc.errno or 0, "")),
                           EX_CONFIG) from exc
    if len(key) < MIN_KEY_BYTES:
        raise CommandError(staff_message("session_key_short", path=path, least=MIN_KEY_BYTES),
                           EX_CONFIG)
    return key
