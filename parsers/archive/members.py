"""What comes out of an archive: the member files, each with its name, and the budget that caps
what one attachment may unpack, nested archives included."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from parsers.codes import FindingCode

MAX_DEPTH = 3  # an archive in an archive in an archive, no deeper
MAX_FILES = 50  # member files taken out of one attachment, nested archives included
MAX_TOTAL = 100 * 1024 * 1024  # bytes taken out of one attachment, nested archives included
MAX_MEMBER = 30 * 1024 * 1024  # one member: a form file is never larger (parse.MAX_FILE_BYTES)
MAX_LISTED = 2_000  # entries an archive may list at all (as for an Office file's zip)
MAX_RATIO = 200  # uncompressed / compressed, for an archive of more than a MiB
RATIO_FLOOR = 1024 * 1024
# What file managers leave in archives: never a form.
_JUNK = re.compile(r"(^|/)(__MACOSX/|\._|\.DS_Store$|Thumbs\.db$|desktop\.ini$)", re.IGNORECASE)


@dataclass(frozen=True)
class Member:
    name: str  # the last part of its path, decoded
    data: bytes | None  # None when it was not taken out
    problem: FindingCode | None = None  # then, the finding code saying why


@dataclass
class Budget:
    files: int = MAX_FILES
    size: int = MAX_TOTAL

    def take(self, size: int) -> FindingCode | None:
        """Count one member of `size` bytes; the finding code when it is one too many."""
        if size > MAX_MEMBER:
            return FindingCode.FILE_TOO_LARGE
        if self.files <= 0:
            return FindingCode.FILE_TOO_COMPLEX
        if size > self.size:
            return FindingCode.FILE_TOO_LARGE
        self.files -= 1
        self.size -= size
        return None


def wanted(path: str) -> bool:
    """A file worth reading: not a folder, nor what Finder or Explorer leave behind."""
    return bool(path) and not path.endswith(("/", "\\")) and not _JUNK.search(path)


def base_name(path: str) -> str:
    return posixpath.basename(path.replace("\\", "/")) or path


def bomb(declared_total: int, archive_size: int) -> bool:
    """Whether an archive declares far more than its bytes could honestly hold."""
    return declared_total > RATIO_FLOOR and declared_total > MAX_RATIO * max(archive_size, 1)
