"""The command line loads the module of the command it runs and no other, so `check` (one per
form in a batch script) starts without the store, the mail and the workbook code; `--help`
and argparse's errors still see every command."""

from __future__ import annotations

import json
import logging
import re
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
             " 'sqlalchemy' in sys.modules, 'bot.staff.workbook.export' in sys.modules,"
             " file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.stderr.strip().splitlines()[-1] == (
        "0 ['bot.commands.cli', 'bot.commands.forms', 'bot.commands.forms.check'] False False")


# Libraries a command imports only when it uses them (`python -X importtime` shows each costs
# tens of milliseconds): `--help` needs none, `check` of a DOCX none but lxml.
HEAVY = ("sqlalchemy", "alembic", "openpyxl", "docx", "xlrd", "py7zr", "rarfile", "pyhanko",
         "flask", "PIL", "odf", "cryptography")


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["check", str(FORM)]])
def test_start_imports_only_what_the_command_uses(argv: list[str]) -> None:
    probe = ("import json, sys\nfrom bot.commands.cli import main\n"
             f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
             "print(json.dumps(sorted(sys.modules)), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True,
                          text=True, timeout=120, check=False)
    modules = json.loads(done.stderr.strip().splitlines()[-1])
    loaded = {m.split(".")[0] for m in modules}
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))
    if argv[0] != "check":
        assert [m for m in modules if m.startswith("bot.commands.")] == ["bot.commands.cli"]


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
    assert all(re.search(rf"[ :]{name}[,.]", refused) for name in COMMANDS)


# argparse's own English words: none may reach the operator
_ENGLISH = re.compile(r"\b(argument|arguments|invalid|choice|choose|required|unrecognized|"
                      r"expected|allowed|ambiguous|usage|error)\b", re.IGNORECASE)


@pytest.mark.parametrize("argv", [
    ("frobnicate",), ("check", "--bogus", "x"), (), ("check",), ("export",),
    ("template", "--format", "pdf", "-o", "x.pdf"), ("template", "-o"),
    ("submissions", "list", "--standing", "foo"), ("submissions",), ("agencies",), ("staff",),
    ("submissions", "frob"), ("digest", "--date", "x"), ("digest", "--date"), ("--config",),
    ("remind", "--bogus"), ("check", "x", "--json=1"),
])
def test_usage_errors_are_one_vietnamese_line(argv: tuple[str, ...],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(capsys, *argv)
    assert code == 64 and out == ""
    assert err.startswith("bcy-intake") and err.count("\n") == 1, err
    assert not _ENGLISH.search(err), err
    assert re.search(r"[ơưđăâêôàảãạáằẳẵặắầẩẫậấèẻẽẹéềểễệếìỉĩịíòỏõọóồổỗộốờởỡợớùủũụúừửữựứỳỷỹỵý]",
                     err.lower()), err


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        code = main(list(argv))
    except SystemExit as exited:
        code = int(exited.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(capsys, "--version")
    assert code == 0 and re.fullmatch(r"bcy-intake \d+\.\d+\S*\n", out)


def test_global_options_before_or_after_the_command(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = str(tmp_path / "nowhere.toml")
    for argv in (("--config", missing, "digest"), ("digest", "--config", missing),
                 ("submissions", "list", "--config", missing, "-v")):
        code, _, err = _cli(capsys, *argv)
        assert code == 78 and missing in err, argv
    good = tmp_path / "campaign.toml"
    good.write_text("not = [valid", encoding="utf-8")
    code, _, err = _cli(capsys, "check", str(FORM), "--campaign", str(good))
    assert code == 78 and "campaign.toml" in err


def test_poll_alone_runs_one_cycle(capsys: pytest.CaptureFixture[str]) -> None:
    _cli(capsys, "poll", "--help")
    shown = capsys.readouterr()
    code, out, _ = _cli(capsys, "poll", "--help")
    assert code == 0 and "always runs exactly one cycle" in " ".join(out.split())
    assert "needs --once" not in out and shown is not None


def test_template_takes_its_format_from_the_name(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(capsys, "template", "-o", str(tmp_path / "t.xlsx"))[0] == 0
    assert (tmp_path / "t.xlsx").read_bytes()[:2] == b"PK"
    assert b"xl/workbook.xml" in (tmp_path / "t.xlsx").read_bytes()
    code, _, err = _cli(capsys, "template", "--format", "docx", "-o", str(tmp_path / "u.xlsx"))
    assert code == 64 and "không khớp" in err and not (tmp_path / "u.xlsx").exists()
    code, _, err = _cli(capsys, "template", "-o", str(tmp_path / "t.pdf"))
    assert code == 64 and "t.pdf" in err


def _kind_of(path: Path) -> str:
    from parsers.form.parse import sniff_kind
    return sniff_kind(path.read_bytes())


@pytest.mark.parametrize(("name", "kind"), [("mau-dang-ky", "docx"), ("mau-dang-ky", "xlsx"),
                                            ("Mau v1.2", "docx"), ("Mau 2021.05", "xlsx"),
                                            ("MAU.DOCX", "docx")])
def test_template_follows_its_own_advice(tmp_path: Path, name: str, kind: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """A name that does not say the format: refused, and told to give --format; given
    --format, the file is written under that very name."""
    target = tmp_path / name
    code, _, err = _cli(capsys, "template", "-o", str(target))
    if target.suffix.lower() != f".{kind}":
        assert code == 64 and "--format" in err and not target.exists()
    code, _, err = _cli(capsys, "template", "--format", kind, "-o", str(target))
    assert code == 0, err
    assert _kind_of(target) == kind


@pytest.mark.parametrize(("name", "given", "advice"), [
    ("t.xlsx", "docx", "--format xlsx"), ("t.docx", "xlsx", "--format docx"),
    ("t.pdf", "docx", ".docx"), ("t.doc", "docx", ".docx")])
def test_template_refuses_a_name_of_another_format(
        tmp_path: Path, name: str, given: str, advice: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _cli(capsys, "template", "--format", given, "-o", str(tmp_path / name))
    assert code == 64 and advice in err and not (tmp_path / name).exists()
    if advice.startswith("--format"):  # the advice, followed, works
        assert _cli(capsys, "template", *advice.split(), "-o", str(tmp_path / name))[0] == 0
    else:
        assert "bỏ --format" not in err  # it would only be refused again


@pytest.mark.parametrize("argv", [
    ("template", "-o", "/missing/dir/t.docx"),
    ("template", "--format", "xlsx", "-o", "/proc/t.xlsx"),
    ("export", "-o", "/missing/dir/t.xlsx"),
])
def test_bad_output_paths_are_one_clean_line(argv: tuple[str, ...],
                                             capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(capsys, *argv)
    assert code == 64 and out == ""
    assert err.startswith("bcy-intake: Không") and err.count("\n") == 1
    assert "Traceback" not in err


def test_check_on_a_missing_path_tells_the_operator(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(capsys, "check", str(tmp_path / "khong-co.docx"), str(FORM))
    assert code == 2  # an unreadable input, as the contract says
    assert err == f"bcy-intake: Không đọc được {tmp_path / 'khong-co.docx'}: " \
                  "không có tệp hoặc thư mục này.\n"
    assert "Đề nghị Quý cơ quan" not in out and FORM.name in out
    code, out, _ = _cli(capsys, "check", "--json", str(tmp_path / "khong-co.docx"))
    assert code == 2 and '"verdict": "unreadable"' in out


def test_unreachable_mailbox_logs_each_attempt(caplog: pytest.LogCaptureFixture) -> None:
    import socket

    from bot.config.settings import ImapConfig, Secret, Security
    from bot.mail.mailbox import Mailbox, MailboxUnavailable

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed once the block ends: nothing listens there
    cfg = ImapConfig(host="127.0.0.1", port=port, security=Security.NONE, username="u",
                     password=Secret("p"), timeout=2)
    caplog.set_level(logging.WARNING, "bot.mail.mailbox")
    with pytest.raises(MailboxUnavailable), Mailbox(cfg, attempts=3):
        pass
    tries = [r.getMessage() for r in caplog.records if "attempt" in r.getMessage()]
    assert len(tries) == 2  # the third failure ends the command, which says so itself
    assert "attempt 1 of 3 failed" in tries[0] and "next in 0.5 s" in tries[0]
