"""`bcy-intake check FILE... [--json] [--signature-root PEM]...`: parse and validate form files
offline; an archive (.zip, .7z, .rar, winmail.dat) gives a report for each form in it; a signed
PDF (a cover letter) reports its signatures under the optional key `signatures`."""

from __future__ import annotations

import argparse
import datetime as dt
import errno
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.commands import HELP
from bot.config import DEFAULT_TIMEZONE
from bot.config.specs import checked_campaign, checked_registry
from bot.errors import UsageError
from parsers.codes import FindingCode
from parsers.form.parse import FormReport, add_registry_findings, read_form, unreadable_report
from parsers.form.unpack import read_attachment
from parsers.signature.roots import MAX_ROOT_FILE_BYTES, RootsError, load_roots
from parsers.spec.campaign import Campaign
from replies.findings import report_json
from replies.render import render, staff_message

EXIT_BY_VERDICT = {"accepted": 0, "needs_correction": 1, "unreadable": 2}
MAX_READ = 64 * 1024 * 1024


def register(sub: Any) -> None:
    p = sub.add_parser("check", help=HELP["check"])
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--signature-root", action="append", default=[], metavar="PEM",
                   help="a trust root for signed PDFs (repeatable; none: no chain is trusted)")
    p.set_defaults(func=run)


def _read_bytes(path: str) -> bytes | None:
    try:
        with open(path, "rb") as fh:
            return fh.read(MAX_READ + 1)
    except OSError as exc:
        # The operator's mistake, told to the operator: the agency-facing text of an
        # unreadable form ("Đề nghị Quý cơ quan…") would answer a question nobody asked.
        code = errno.errorcode.get(exc.errno or 0, "")
        told = staff_message("not_a_file", path=path, errno=code, reason=exc.strerror)
        print(f"bcy-intake: {told}", file=sys.stderr)
        return None


def check_file(path: str, campaign: Campaign) -> FormReport:
    """One form file, as it is (an archive is not opened)."""
    data = _read_bytes(path)
    name = Path(path).name
    return unreadable_report(name, FindingCode.FILE_UNREADABLE) if data is None \
        else read_form(data, name, campaign)


def _roots(paths: Sequence[str]) -> tuple[bytes, ...]:
    try:
        return tuple(der for path in paths for der in load_roots(Path(path)))
    except RootsError as exc:
        raise UsageError(staff_message("bad_signature_root", error=exc,
                                       limit=MAX_ROOT_FILE_BYTES)) from None


def _for_reading(report: FormReport, shown: dict[str, Any]) -> dict[str, Any]:
    """The JSON object with its date and signing times as values, for the template's `date`
    and `datetime` filters (dd/mm/yyyy; the staff's time zone, as the digest uses)."""
    day = dt.date.fromisoformat(report.date) if report.date else None
    signatures = [{**s.as_dict(), "signing_time": s.signing_time,
                   "timestamp_time": s.timestamp_time} for s in report.signatures]
    return {**shown, "date": day, "signatures": signatures}


def file_object(name: str, reports: Sequence[FormReport]) -> dict[str, Any]:
    """The one JSON object of one file given: its report, or, for an archive holding several
    files, the worst verdict of them with one object per file inside under `files`."""
    if len(reports) == 1:
        return report_json(reports[0])
    worst = max(reports, key=lambda r: EXIT_BY_VERDICT[r.verdict])
    whole = report_json(unreadable_report(name, FindingCode.FILE_UNREADABLE))
    return {**whole, "verdict": worst.verdict, "findings": [],
            "files": [report_json(r) for r in reports]}


def run(args: argparse.Namespace) -> int:
    """A path that cannot be read is an `unreadable` verdict (exit 2, as the contract says of
    an unreadable input) told on stderr in one line; --json still gives its object."""
    campaign = checked_campaign(args.campaign)
    registry = checked_registry(None)  # config-free: the built-in registry
    roots = _roots(args.signature_root)
    unopened: list[FormReport] = []
    reports: list[FormReport] = []
    objects: list[dict[str, Any]] = []
    for path in args.files:
        data = _read_bytes(path)
        if data is None:
            unopened.append(unreadable_report(Path(path).name, FindingCode.FILE_UNREADABLE))
            found = [unopened[-1]]
        else:
            found = [add_registry_findings(r, registry, campaign.opened)
                     for r in read_attachment(data, Path(path).name, campaign, roots)]
        reports += found
        objects.append(file_object(Path(path).name, found))
    dicts = [report_json(r) for r in reports]
    if args.json:
        payload: Any = objects[0] if len(objects) == 1 else objects
        json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        rows = [(spec.key, spec.short) for spec in campaign.quantity_rows]
        shown = [_for_reading(r, d) for r, d in zip(reports, dicts, strict=True)
                 if r not in unopened]
        if shown:
            sys.stdout.write(render("check/report.txt.j2", reports=shown, rows=rows,
                                    years=campaign.years, tz=ZoneInfo(DEFAULT_TIMEZONE)))
    return max(EXIT_BY_VERDICT[r.verdict] for r in reports)
