"""Files a command writes for a person (a blank form, a workbook): checked before any work, so
a wrong path is one clear line and not a traceback after a minute of work, and written whole
(temporary file in the same folder, fsync, rename) so nobody ever opens half a file."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from bot.errors import UsageError
from replies.render import staff_message


def writable_target(name: str) -> Path:
    """The path to write, once its folder is known to exist and take a new file."""
    path = Path(name).expanduser()
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(staff_message("missing_folder", folder=folder, path=path))
    if path.is_dir():
        raise UsageError(staff_message("cannot_write", path=path, reason="đây là một thư mục"))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(staff_message("cannot_write", path=path,
                                       reason="không có quyền ghi vào thư mục"))
    return path


def write_output(path: Path, data: bytes) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise UsageError(staff_message("cannot_write", path=path, **_reason(exc))) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UsageError(staff_message("cannot_write", path=path, **_reason(exc))) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _reason(exc: OSError) -> dict[str, str]:
    """What went wrong, as the message template takes it: the errno's name, and the system's
    own words for an errno the template does not translate."""
    return {"errno": errno.errorcode.get(exc.errno or 0, ""),
            "reason": exc.strerror or type(exc).__name__}
