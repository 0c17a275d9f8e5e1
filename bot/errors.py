"""What stops a command: one exception type with the exit status it ends with. Every floor may
raise these; only the CLI catches them, so nothing needs to import the CLI."""

from __future__ import annotations

EX_USAGE = 64  # sysexits.h: the command was called wrongly
EX_TEMPFAIL = 75  # a server or the store is away: try again later
EX_CONFIG = 78  # the configuration is wrong


class CommandError(Exception):
    """The command cannot go on: a one-line message (or a few) and an exit status."""

    exit_code = 1

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(CommandError):
    """A mistake in how the command was called: exit 64 with one line, no traceback."""

    exit_code = EX_USAGE
