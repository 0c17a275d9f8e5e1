"""The command line loads the module of the command it runs and no other, so `check` (one per
form in a batch script) starts without the store, the mail and the workbook code; `--help`
and argparse's errors still see every command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.commands import COMMANDS
from bot.commands.cli import main, named_command

REPO = Path(__file__).resolve().parent.parent
FORM = REPO / "tests" / "forms" / "cases" / "d01_btc_template_layout.docx"


@pytest.mark.parametrize("argv,command", [
    (["check", "a.docx"], "check"),
    (["--config", "check", "poll", "--once"], "poll"),
    (["--config=check", "-v", "run"], "run"),
    (["--campaign", "c.toml", "submissions", "list"], "submissions"),
    (["-h", "check"], None),
    (["chek", "a.docx"], None),
    (["--config"], None),
    (["--unknown", "check"], None),
    ([], None),
])
def test_the_named_command_is_found_without_loading_any(argv: list[str],
                                                         command: str | None) -> None:
    assert named_command(argv) == command


def test_check_loads_only_its_own_command() -> None:
    probe = ("import sys\nfrom bot.commands.cli import main\n"
             f"code = main(['check', '--json', {str(FORM)!r}])\n"
             "print(code, sorted(m for m in sys.modules if m.startswith('bot.commands.')),"
             " 'sqlalchemy' in sys.modules, 'bot.staff.export' in sys.modules, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.stderr.strip().splitlines()[-1] == (
        "0 ['bot.commands.check', 'bot.commands.cli'] False False")


def test_help_and_errors_still_list_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as help_exit:
        main(["--help"])
    assert help_exit.value.code == 0
    shown = capsys.readouterr().out
    assert all(f"    {name} " in shown for name in COMMANDS)
    with pytest.raises(SystemExit) as error_exit:
        main(["chek"])
    assert error_exit.value.code == 64
    refused = capsys.readouterr().err
    assert all(repr(name) in refused for name in COMMANDS)
