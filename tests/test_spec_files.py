"""The campaign file and the agency registry are checked when loaded: every key of the real files,
renamed or given a value of another type, is refused with a line naming the file and the key;
the commands turn that into exit 78 before any mail or database is touched."""

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.commands.cli import main
from bot.errors import EX_CONFIG, CommandError
from bot.intake.service import open_service
from parsers.spec.campaign import Campaign, campaign_from_dict, default_campaign, load_campaign
from parsers.spec.registry import Registry, load_registry, registry_from_dict
from parsers.spec.schema import SpecError

SPEC = Path(__file__).resolve().parents[1] / "parsers" / "spec"
CAMPAIGN_FILE = SPEC / "campaigns" / "cts-2021-2025.toml"
REGISTRY_FILE = SPEC / "agencies" / "agencies-2021.toml"
Step = str | int  # a key, or the index of a table in an array of tables
Loader = Callable[[dict[str, Any], str], Campaign | Registry]


def _raw(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _key_paths(table: dict[str, Any], prefix: tuple[Step, ...] = ()) -> Iterator[tuple[Step, ...]]:
    """Every key of the file, in tables and in arrays of tables. Each key of an array of tables
    once, in its first table that has it: 100 agencies share seven keys."""
    for key, value in table.items():
        path = (*prefix, key)
        yield path
        if isinstance(value, dict):
            yield from _key_paths(value, path)
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            seen: set[str] = set()
            for index, entry in enumerate(value):
                for sub in _key_paths(entry, (*path, index)):
                    if sub[len(path) + 1] not in seen:
                        yield sub
                seen.update(entry)


def _shown(path: tuple[Step, ...]) -> str:
    """`rows[3].label`, as the loader names it (tables counted from 1)."""
    out = ""
    for step in path:
        out += f"[{step + 1}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out


def _parent(raw: dict[str, Any], path: tuple[Step, ...]) -> Any:
    node: Any = raw
    for step in path[:-1]:
        node = node[step]
    return node


def _other_type(value: object) -> object:
    """A value of another TOML type than `value`."""
    if isinstance(value, (bool, list, dict)):
        return "x"
    if isinstance(value, str):
        return 7
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise AssertionError(f"no TOML type other than {type(value).__name__} chosen")


def _problems(load: Loader, raw: dict[str, Any], name: str) -> list[str]:
    with pytest.raises(SpecError) as caught:
        load(raw, name)
    return caught.value.problems


FILES = [
    pytest.param(CAMPAIGN_FILE, campaign_from_dict, id="campaign"),
    pytest.param(REGISTRY_FILE, registry_from_dict, id="registry"),
]
CASES = [pytest.param(file, load, path, id=f"{file.stem}:{_shown(path)}")
         for file, load in ((CAMPAIGN_FILE, campaign_from_dict),
                            (REGISTRY_FILE, registry_from_dict))
         for path in _key_paths(_raw(file))]


def test_the_real_files_load_and_every_kind_of_key_is_covered() -> None:
    assert isinstance(load_campaign(CAMPAIGN_FILE), Campaign)
    assert isinstance(load_registry(REGISTRY_FILE), Registry)
    shown = {case.id for case in CASES}
    for expected in ("cts-2021-2025:form.signer_title", "cts-2021-2025:rows[3].parent",
                     "cts-2021-2025:reference_letters[1].date", "cts-2021-2025:mail.keywords",
                     "cts-2021-2025:contact.email", "agencies-2021:agency[1].valid_from"):
        assert expected in shown
    assert any(i.startswith("agencies-2021:agency[") and i.endswith("].valid_to") for i in shown)


@pytest.mark.parametrize(("file", "load", "path"), CASES)
def test_a_renamed_key_is_named(file: Path, load: Loader, path: tuple[Step, ...]) -> None:
    raw = copy.deepcopy(_raw(file))
    parent, key = _parent(raw, path), path[-1]
    parent[f"{key}_renamed"] = parent.pop(key)
    problems = _problems(load, raw, file.name)
    renamed = f"{file.name}: {_shown(path)}_renamed: unknown field"
    assert any(p.startswith(renamed) for p in problems), problems
    # the key it replaced is reported missing, unless the file may leave it out
    assert all(p == f"{file.name}: {_shown(path)}: missing" for p in problems
               if p.startswith(f"{file.name}: {_shown(path)}:")), problems


@pytest.mark.parametrize(("file", "load", "path"), CASES)
def test_a_retyped_key_is_named(file: Path, load: Loader, path: tuple[Step, ...]) -> None:
    raw = copy.deepcopy(_raw(file))
    parent, key = _parent(raw, path), path[-1]
    parent[key] = _other_type(parent[key])
    problems = _problems(load, raw, file.name)
    assert any(p.startswith(f"{file.name}: {_shown(path)}: expected ") for p in problems), \
        problems


def test_every_problem_at_once_one_line_each() -> None:
    raw = _raw(CAMPAIGN_FILE)
    raw["deadline"] = "2021-05-15"
    raw["form"]["signer_titel"] = raw["form"].pop("signer_title")
    raw["rows"][0]["label"] = 1
    raw["contact"]["fax"] = "024"
    assert _problems(campaign_from_dict, raw, "cts.toml") == [
        "cts.toml: deadline: expected a date, got a string",
        "cts.toml: form.signer_title: missing",
        "cts.toml: form.signer_titel: unknown field (did you mean signer_title?)",
        "cts.toml: contact.fax: unknown field",
        "cts.toml: rows[1].label: expected a string, got an integer",
    ]


@pytest.mark.parametrize(("change", "line"), [
    (lambda r: r.update(years=[]), "years: must name at least one year"),
    (lambda r: r.update(years=["2021", "21"]), "years: '21' is not a year"),
    (lambda r: r.update(years=["2021", "2021"]), "years: '2021' is given twice"),
    (lambda r: r.update(deadline=dt.date(2021, 3, 1)), "deadline: 2021-03-01 is before opened"),
    (lambda r: r.update(large_quantity_threshold=0), "large_quantity_threshold: must be"),
    (lambda r: r.update(rows=[]), "rows: the table needs at least one"),
    (lambda r: r["rows"][1].update(key="organization_usb_token"), "rows[2].key: "),
    (lambda r: r["rows"][2].update(parent="persnal"), "rows[3].parent: no top-level row"),
    (lambda r: r["rows"][0].update(label="--"), "rows[1].label: must have letters"),
    (lambda r: r.update(id=" "), "id: must not be empty"),
    (lambda r: r["form"].update(notes="one note"), "form.notes: expected a list, got a string"),
    (lambda r: r["mail"]["keywords"].append(3),
     "mail.keywords[13]: expected a string, got an integer"),
    (lambda r: r["reference_letters"].append("86/BCY"),
     "reference_letters[3]: expected a table, got a string"),
])
def test_values_that_are_refused(change: Callable[[dict[str, Any]], None],
                                 line: str) -> None:
    raw = _raw(CAMPAIGN_FILE)
    change(raw)
    problems = _problems(campaign_from_dict, raw, "cts.toml")
    assert any(p.startswith(f"cts.toml: {line}") for p in problems), problems


def test_the_campaign_file_as_records() -> None:
    campaign = default_campaign()
    assert campaign.form.signer_title == "THỦ TRƯỞNG CƠ QUAN"
    assert campaign.form.notes[0].startswith("USB Token:") and len(campaign.form.notes) == 3
    assert campaign.form.sheet_title is None  # optional: the title, capitalised
    assert campaign.contact.email == "ca@bcy.gov.vn"
    assert campaign.unit_name == "chứng thư số"
    assert campaign.row("personal_sim_pki").short == "Cá nhân — SIM PKI"
    assert campaign.row("device_service_software").code == "03"


def test_optional_keys_fall_back() -> None:
    raw = _raw(CAMPAIGN_FILE)
    for key in ("unit_name", "mailbox", "reference_letters", "contact"):
        del raw[key]
    del raw["rows"][0]["short"]
    campaign = campaign_from_dict(raw, "cts.toml")
    assert campaign.unit_name == campaign.unit == "CTS"
    assert campaign.reference_letters == () and campaign.contact.organisation == ""
    assert campaign.rows[0].short == campaign.rows[0].label


# --- the commands ------------------------------------------------------------------------------

def _broken_campaign(tmp_path: Path) -> Path:
    text = CAMPAIGN_FILE.read_text(encoding="utf-8")
    text = text.replace("signer_title =", "signer_titel =").replace(
        "deadline = 2021-05-15", 'deadline = "2021-05-15"')
    path = tmp_path / "campaign.toml"
    path.write_text(text, encoding="utf-8")
    return path


BROKEN_LINES = [
    "campaign.toml: deadline: expected a date, got a string",
    "campaign.toml: form.signer_title: missing",
    "campaign.toml: form.signer_titel: unknown field (did you mean signer_title?)",
]


@pytest.mark.parametrize("command", [["check", "{form}"],
                                     ["template", "--format", "docx", "-o", "{out}"]])
def test_config_free_commands_refuse_a_broken_campaign(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    campaign = _broken_campaign(tmp_path)
    form, out = tmp_path / "form.xlsx", tmp_path / "blank.docx"
    form.write_bytes(b"")
    args = [a.format(form=form, out=out) for a in command]
    assert main(["--campaign", str(campaign), *args]) == EX_CONFIG
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.splitlines() == ["bcy-intake: Tệp chiến dịch (campaign) chưa dùng được:",
                                *(f"{tmp_path}/{line}" for line in BROKEN_LINES)]
    assert not out.exists()


CONFIG = """
[imap]
host = "127.0.0.1"
username = "ca@bcy.gov.vn"
password = "x"
[smtp]
host = "127.0.0.1"
from_address = "ca@bcy.gov.vn"
[store]
url = "sqlite:///{db}"
[campaign]
file = "{campaign}"
[registry]
file = "{registry}"
"""


@pytest.mark.parametrize("broken", ["campaign", "registry"])
def test_the_service_refuses_a_broken_file_before_opening_anything(tmp_path: Path,
                                                                   broken: str) -> None:
    campaign = _broken_campaign(tmp_path) if broken == "campaign" else CAMPAIGN_FILE
    registry = REGISTRY_FILE
    if broken == "registry":
        registry = tmp_path / "agencies.toml"
        text = REGISTRY_FILE.read_text(encoding="utf-8")
        text = text.replace('domains = ["mod.gov.vn"]', 'domain = ["mod.gov.vn"]').replace(
            'domains = ["bocongan.gov.vn"]\ngroup = "bo"',
            'domains = ["bocongan.gov.vn"]\ngroup = "ministry"')
        registry.write_text(text, encoding="utf-8")
    db = tmp_path / "intake.db"
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.format(db=db, campaign=campaign, registry=registry),
                      encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        open_service(str(config))
    assert caught.value.exit_code == EX_CONFIG
    lines = str(caught.value).splitlines()
    what = {"campaign": "chiến dịch (campaign)", "registry": "danh sách cơ quan (registry)"}
    assert lines[0] == f"Tệp {what[broken]} chưa dùng được:"
    if broken == "campaign":
        assert lines[1:] == [f"{tmp_path}/{line}" for line in BROKEN_LINES]
    else:
        assert lines[1:] == [
            f"{registry}: agency[1].domain: unknown field (did you mean domains?)",
            f"{registry}: agency[2].group: 'ministry' must be one of bo, co-quan-ngang-bo, "
            "co-quan-thuoc-chinh-phu, tinh-thanh, dang, quoc-hoi-tu-phap-khac"]
    assert not db.exists()  # refused before the store was opened, so before any mail
