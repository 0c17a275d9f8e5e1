"""What a resubmission changed: the pure diff against the agency's previous counted form (golden
cases in tests/golden/changes/cases.json), which submission is that previous one, and an
agency's history."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from bot.intake.changes import agency_history, compare, previous_counted
from bot.store.records import Standing, StoredSubmission, Verdict
from parsers.spec.campaign import default_campaign

CAMPAIGN = default_campaign()
CASES = json.loads((Path(__file__).resolve().parent / "golden" / "changes" / "cases.json")
                   .read_text(encoding="utf-8"))
T0 = dt.datetime(2021, 5, 1, 8, tzinfo=dt.UTC)
LABEL = {spec.key: spec.short for spec in CAMPAIGN.quantity_rows}


def stored(n: int, quantities: dict[str, dict[str, int]], *, hours: int = 0,
           verdict: Verdict = "accepted", standing: Standing = "counted") -> StoredSubmission:
    return StoredSubmission(
        id=n, reference=f"BCY-CTS-2021-{n:04d}", message_id=n, sender="a@mof.gov.vn",
        verdict=verdict, received_at=T0 + dt.timedelta(hours=hours), record_json="{}",
        findings_json="[]", agency="Bộ Tài chính", agency_key="bo-tai-chinh",
        document_number=None, document_date=None, place=None, superseded_by=None,
        quantities=quantities, standing=standing)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_golden_diffs(case: dict[str, Any]) -> None:
    changes = compare(stored(1, case["before"]), case["after"], CAMPAIGN)
    assert [[c.row, c.year, c.old, c.new] for c in changes.cells] == case["cells"]
    assert [c.label for c in changes.cells] == [LABEL[row] for row, *_ in case["cells"]]
    assert [list(t) for t in changes.row_totals] == [
        [LABEL[row], old, new] for row, old, new in case["row_totals"]]
    assert (changes.old_total, changes.new_total) == (case["old_total"], case["new_total"])
    assert changes.unchanged is (not case["cells"])
    assert changes.previous == "BCY-CTS-2021-0001" and changes.previous_received == T0
    view = changes.view("01/05/2021")
    assert view["received"] == "01/05/2021" and len(view["cells"]) == len(case["cells"])


def test_the_previous_counted_one_is_the_latest_before_that_counts() -> None:
    subs = [stored(1, {}, hours=0), stored(2, {}, hours=1, standing="awaiting-confirmation"),
            stored(3, {}, hours=2, verdict="needs_correction"), stored(4, {}, hours=3),
            stored(5, {}, hours=4, standing="rejected"), stored(6, {}, hours=5)]
    assert previous_counted(subs, T0 + dt.timedelta(hours=4, minutes=30)) == subs[3]
    assert previous_counted(subs, T0 + dt.timedelta(hours=9)) == subs[5]
    # a stored one is compared with those before it, never with itself
    assert previous_counted(subs, subs[5].received_at, this=6) == subs[3]
    assert previous_counted(subs, T0, this=1) is None
    # two received in the same second: the order they were stored in decides
    same = [stored(7, {}, hours=1), stored(8, {}, hours=1)]
    assert previous_counted(same, same[1].received_at, this=8) == same[0]
    assert previous_counted(same, same[0].received_at, this=7) is None


def test_history_of_an_agency() -> None:
    first = {"organization_usb_token": {"2021": 10}}
    fixed = {"organization_usb_token": {"2021": 12}}
    subs = [stored(3, fixed, hours=2), stored(1, first, hours=0),
            stored(2, {}, hours=1, verdict="needs_correction"),
            stored(4, fixed, hours=3, standing="awaiting-confirmation")]
    entries = agency_history(subs, CAMPAIGN)
    assert [e.submission.id for e in entries] == [1, 2, 3, 4]
    assert [e.total for e in entries] == [10, 0, 12, 12]
    assert entries[0].changes is None and entries[1].changes is None  # first; not accepted
    assert entries[2].changes is not None and entries[2].changes.previous.endswith("0001")
    assert [(c.old, c.new) for c in entries[2].changes.cells] == [(10, 12)]
    # awaiting confirmation, compared with the latest that counts: nothing changed
    assert entries[3].changes is not None and entries[3].changes.unchanged
    assert entries[3].changes.previous.endswith("0003")
