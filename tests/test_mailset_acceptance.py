"""Acceptance: the realistic mail set of tests/mailset/ through a real Dovecot INBOX and a real
SMTP listener, two `poll --once` cycles, then `export` and `digest`.

Expectations come from the spec ("Mail pipeline"), kept in tests/mailset/expect.json (per
message: the reply or none, and whether it must still be in the INBOX, unseen and unchanged)
and tests/mailset/expect_export.json (the 25 numbers of each agency's latest valid form).
Every mismatch is collected and reported together; set BCY_MAILSET_REPORT=path to also get
them as JSON.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import json
import os
import subprocess
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

import openpyxl

from bot.commands.cli import main
from tests.pipeline_kit import write_config
from tests.servers.dovecot import MailboxAccount
from tests.servers.smtp import SmtpSink

MAILSET = Path(__file__).resolve().parent / "mailset"
MESSAGES = MAILSET / "messages"
YEARS = ["2021", "2022", "2023", "2024", "2025"]
ROWS = ["organization_usb_token", "personal_usb_token", "personal_sim_pki",
        "personal_sd_secure", "device_service_software"]
CONTRACT_HEADERS = ("In-Reply-To", "References", "Auto-Submitted", "X-BCY-Intake-Verdict",
                    "X-BCY-Intake-Reference", "X-BCY-Intake-Standing")
COMMAND_TIMEOUT = 120


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(str(text).split()))


def _parse(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def _load() -> tuple[dict[str, bytes], dict[str, dict], dict[str, dict]]:
    if not (MAILSET / "expect.json").exists() or not any(MESSAGES.glob("*.eml")):
        subprocess.run([sys.executable, str(MAILSET / "make_mailset.py")], check=True,
                       timeout=COMMAND_TIMEOUT)
    expect = json.loads((MAILSET / "expect.json").read_text(encoding="utf-8"))
    export = json.loads((MAILSET / "expect_export.json").read_text(encoding="utf-8"))
    raws = {name: (MESSAGES / name).read_bytes() for name in sorted(expect)}
    return raws, expect, export


def _cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("bcy-intake")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "bot"]
    return subprocess.run([*command, "--config", str(config), *args], capture_output=True,
                          text=True, timeout=COMMAND_TIMEOUT, check=False)


def _read_export(path: Path, names: dict[str, str]) -> tuple[dict[str, dict], list[str], str]:
    """{agency name: {row: {year: n}}} read from the workbook by header labels, plus the
    agency-like cells that match no expected agency, plus a dump of the sheets for the report."""
    wb = openpyxl.load_workbook(path, data_only=True)
    dump: list[str] = []
    found: dict[str, dict] = {}
    unknown: list[str] = []
    wanted = {_nfc(n).casefold(): n for n in names.values()}
    for ws in wb.worksheets:
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        dump.append(f"--- sheet {ws.title!r}")
        dump.extend(" | ".join("" if v is None else str(v) for v in r) for r in rows[:60])
        for r in rows:
            cells = [_nfc(v).casefold() if isinstance(v, str) else None for v in r]
            hit = next((wanted[c] for c in cells if c in wanted), None)
            if hit is None:
                continue
            ints = [v for v in r if isinstance(v, int) and not isinstance(v, bool)]
            found.setdefault(hit, {"_raw": ints, "_sheet": ws.title})
    return found, unknown, "\n".join(dump)


def test_mailset_acceptance(tmp_path: Path, mailbox: MailboxAccount,
                            smtp_sink: SmtpSink) -> None:
    raws, expect, export_expect = _load()
    problems: list[dict[str, object]] = []

    def problem(message: str, expected: object, got: object) -> None:
        problems.append({"message": message, "expected": expected, "got": got})

    msgid_of: dict[str, str] = {}
    subject_of: dict[str, str] = {}
    for name, raw in raws.items():
        parsed = _parse(raw)
        msgid_of[name] = str(parsed["Message-ID"]).strip()
        subject_of[name] = str(parsed["Subject"] or "")
        mailbox.append(raw)

    config = write_config(tmp_path, mailbox, smtp_sink)
    rc1 = main(["--config", str(config), "poll", "--once"])
    after_first = len(smtp_sink.messages)
    rc2 = main(["--config", str(config), "poll", "--once"])
    if rc1 != 0 or rc2 != 0:
        problem("(poll)", "exit 0, 0", f"exit {rc1}, {rc2}")

    # ---- replies -----------------------------------------------------------------------------
    replies_by_id: dict[str, list[tuple[EmailMessage, tuple[str, ...]]]] = defaultdict(list)
    stray: list[str] = []
    for sent in smtp_sink.messages:
        msg = _parse(sent.raw)
        irt = str(msg["In-Reply-To"] or "").strip()
        if irt:
            replies_by_id[irt].append((msg, sent.rcpt_tos))
        else:
            stray.append(f"{msg['Subject']} to {sent.rcpt_tos}")
    for s in stray:
        problem("(reply without In-Reply-To)", "none", s)

    expected_by_id: dict[str, list[str]] = defaultdict(list)
    for name in raws:
        expected_by_id[msgid_of[name]].append(name)
    known_ids = set(expected_by_id)
    for irt, got in replies_by_id.items():
        if irt not in known_ids:
            problem("(reply to unknown message)", "none",
                    f"In-Reply-To {irt}: {[str(m['Subject']) for m, _ in got]}")

    references: list[str] = []
    awaiting: list[str] = []  # accepted forms whose numbers wait for staff to confirm them
    for msgid, names in expected_by_id.items():
        wanted = [expect[n]["reply"] for n in names if expect[n]["reply"] is not None]
        got = replies_by_id.get(msgid, [])
        label = "+".join(names)
        if len(got) != len(wanted):
            problem(label, f"{len(wanted)} reply(ies) {wanted}",
                    f"{len(got)}: " + "; ".join(
                        f"{m['X-BCY-Intake-Verdict']} to {rc} subj={m['Subject']!s}"
                        for m, rc in got))
        for (msg, rcpt), want in zip(got, wanted, strict=True):
            verdict = str(msg["X-BCY-Intake-Verdict"] or "")
            ref = str(msg["X-BCY-Intake-Reference"] or "")
            if ref:
                references.append(ref)
            to_addrs = [a.lower() for _, a in email.utils.getaddresses([str(msg["To"] or "")])]
            if verdict != want["verdict"]:
                problem(label, f"verdict {want['verdict']}", f"verdict {verdict or None}")
            standing = str(msg["X-BCY-Intake-Standing"] or "")
            if standing != want["standing"]:
                problem(label, f"standing {want['standing']}", f"standing {standing or None}")
            if standing == "awaiting-confirmation" and verdict == "accepted" and ref:
                awaiting.append(ref)
            if to_addrs != [want["to"]] or [r.lower() for r in rcpt] != [want["to"]]:
                problem(label, f"to {want['to']}", f"To: {to_addrs}, RCPT TO: {list(rcpt)}")
            for header in CONTRACT_HEADERS:
                if msg[header] is None:
                    problem(label, f"header {header}", "missing")
            if str(msg["Auto-Submitted"] or "").strip().lower() != "auto-replied":
                problem(label, "Auto-Submitted: auto-replied", msg["Auto-Submitted"])
            if msgid not in str(msg["References"] or ""):
                problem(label, f"References containing {msgid}", msg["References"])
            body = msg.get_body(("plain", "html"))
            text = _nfc(body.get_content()) if body is not None else ""
            if ref and ref not in text:
                problem(label, f"reply text naming {ref}", "absent")
            if want["verdict"] == "unreadable" and not (".docx" in text and ".xlsx" in text):
                problem(label, "unreadable reply telling to send .docx/.xlsx", text[:200])
            subj = _nfc(str(msg["Subject"] or ""))
            orig = _nfc(subject_of[names[0]])
            ok_prefix = subj.startswith(f"Re: {orig}") or (
                orig.lower().startswith("re:") and subj.startswith(orig))
            if not ok_prefix or not ref or ref not in subj:
                problem(label, f"subject 'Re: {orig}' with reference {ref!r}", subj)
    if after_first != len(smtp_sink.messages):
        problem("(second poll)", "no new replies",
                f"{len(smtp_sink.messages) - after_first} more")

    # ---- the INBOX -----------------------------------------------------------------------------
    inbox = mailbox.list("INBOX")
    inbox_by_id: dict[str, list] = defaultdict(list)
    for stored in inbox:
        inbox_by_id[str(_parse(stored.raw)["Message-ID"] or "").strip()].append(stored)
    for msgid, names in expected_by_id.items():
        label = "+".join(names)
        want_left = [n for n in names if expect[n]["left_in_inbox"]]
        there = inbox_by_id.get(msgid, [])
        if len(there) != len(want_left):
            problem(label, f"{len(want_left)} copy(ies) left in INBOX",
                    f"{len(there)} in INBOX")
        for stored in there:
            if "\\Seen" in stored.flags:
                problem(label, "not \\Seen", f"flags {stored.flags}")
            if want_left and stored.raw.replace(b"\r\n", b"\n") != \
                    raws[want_left[0]].replace(b"\r\n", b"\n"):
                problem(label, "bytes unchanged", "message changed in INBOX")
            if want_left and any(f for f in stored.flags if f != "\\Recent"):
                problem(label, "flags untouched", f"flags {stored.flags}")

    # ---- export: before staff confirm the forms that wait for them, then after -----------------
    counted = {k: v for k, v in export_expect.items() if v["standing"] == "counted"}
    _check_export(config, tmp_path / "x.xlsx", counted, export_expect, problem)
    for ref in awaiting:
        done = _cli(config, "submissions", "confirm", ref)
        if done.returncode != 0:
            problem(f"(confirm {ref})", "exit 0", f"exit {done.returncode}: {done.stderr[-300:]}")
    _check_export(config, tmp_path / "confirmed.xlsx", export_expect, export_expect, problem)

    # ---- digest --------------------------------------------------------------------------------
    done = _cli(config, "digest")
    if done.returncode != 0:
        problem("(digest)", "exit 0", f"exit {done.returncode}: {done.stderr[-500:]}")
    for ref in sorted(set(references)):
        if ref not in done.stdout:
            problem("(digest)", f"names {ref}", "absent")

    report = os.environ.get("BCY_MAILSET_REPORT")
    if report:
        Path(report).write_text(json.dumps({
            "problems": problems,
            "replies": [{"in_reply_to": irt, "verdict": str(m["X-BCY-Intake-Verdict"]),
                         "to": list(rc), "subject": str(m["Subject"]),
                         "reference": str(m["X-BCY-Intake-Reference"])}
                        for irt, got in replies_by_id.items() for m, rc in got],
            "export_dump": (tmp_path / "x.txt").read_text(encoding="utf-8")
            if (tmp_path / "x.txt").exists() else None,
            "digest": done.stdout,
        }, ensure_ascii=False, indent=1), encoding="utf-8")
    assert not problems, "mail set mismatches:\n" + "\n".join(
        f"- {p['message']}: expected {p['expected']}, got {p['got']}" for p in problems)


def _check_export(config: Path, out: Path, wanted: dict[str, dict], every: dict[str, dict],
                  problem: Callable[[str, object, object], None]) -> None:
    """`export` shows exactly the agencies of `wanted`, each with its 25 numbers; the other
    agencies of `every` (forms awaiting confirmation) are absent."""
    done = _cli(config, "export", "-o", str(out))
    if done.returncode != 0 or not out.exists():
        problem("(export)", "exit 0 and a workbook",
                f"exit {done.returncode}: {done.stderr[-500:]}")
        return
    names = {key: v["name"] for key, v in every.items()}
    found, _, dump = _read_export(out, names)
    out.with_suffix(".txt").write_text(dump, encoding="utf-8")
    for want in wanted.values():
        numbers = [want["numbers"][r][y] for r in ROWS for y in YEARS]
        row = found.get(want["name"])
        if row is None:
            problem(f"(export {out.name}) {want['name']}", "one row", "missing")
            continue
        ints = row["_raw"]
        # the 25 numbers in row order (01, 02 USB, SIM, SD, 03) x years, consecutively
        if not any(ints[i:i + 25] == numbers for i in range(max(1, len(ints) - 24))):
            problem(f"(export {out.name}) {want['name']}", numbers, ints)
    for key in every.keys() - wanted.keys():
        if every[key]["name"] in found and found[every[key]["name"]]["_sheet"] == "Tổng hợp":
            problem(f"(export {out.name}) {every[key]['name']}", "no row before confirmation",
                    found[every[key]["name"]]["_raw"])
    count = _count_agency_rows(out)
    if count is not None and count != len(wanted):
        problem(f"(export {out.name})", f"{len(wanted)} agency rows", f"{count}")


def _count_agency_rows(path: Path) -> int | None:
    """Rows of the first sheet that carry 25+ integers and a text cell (one per agency; the
    year header row and a totals row are not counted); None if no row does."""
    wb = openpyxl.load_workbook(path, data_only=True)
    ws = wb.worksheets[0]
    count = 0
    for r in ws.iter_rows(values_only=True):
        ints = [v for v in r if isinstance(v, int) and not isinstance(v, bool)]
        texts = [v for v in r if isinstance(v, str) and v.strip()]
        if len(ints) >= 25 and set(map(str, ints)) - set(YEARS) and texts and not any(
                t.strip().lower().startswith(("tổng", "cộng", "total")) for t in texts):
            count += 1
    return count or None
