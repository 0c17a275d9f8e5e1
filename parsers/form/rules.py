"""Validation rules: each a small function from a FormReading to findings.

The order in which they run is the tables `HEADER_RULES` and `TABLE_RULES` at the bottom. Adding
a rule is one function and one row there, one code in `parsers/codes.py`, one message template
`replies/templates/findings/<code>.txt.j2` and one test. Rules that need the agency registry
(`REGISTRY_RULES`) read the names the form gives itself and run where the registry is known:
after the file is read, in the intake and in `check` (`parse.add_registry_findings`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

from parsers.codes import FindingCode
from parsers.form.findings import Finding, Params
from parsers.form.reading import AgencyNames, FormReading
from parsers.spec.campaign import Campaign
from parsers.spec.registry import Registry
from parsers.text import match_key

Rule = Callable[[FormReading, Campaign], Iterator[Finding]]
RegistryRule = Callable[[AgencyNames, Registry, dt.date], Iterator[Finding]]


def agency(form: FormReading, campaign: Campaign) -> Iterator[Finding]:
    head, intro = form.header.agency, form.header.intro_agency
    if head.placeholder:
        yield Finding(FindingCode.AGENCY_PLACEHOLDER, "header.agency",
                      params={"written": head.written})
    elif not head.value and not intro.value:
        yield Finding(FindingCode.AGENCY_MISSING, "header.agency")
    elif intro.placeholder:
        yield Finding(FindingCode.AGENCY_INTRO_PLACEHOLDER, "header.agency",
                      params={"written": intro.written})


def document_number(form: FormReading, campaign: Campaign) -> Iterator[Finding]:
    number = form.header.number
    if number.placeholder:
        yield Finding(FindingCode.DOCUMENT_NUMBER_PLACEHOLDER, "header.document_number",
                      params={"written": number.written})
    elif not number.value:
        yield Finding(FindingCode.DOCUMENT_NUMBER_MISSING, "header.document_number")


def place(form: FormReading, campaign: Campaign) -> Iterator[Finding]:
    if form.header.place.placeholder:
        yield Finding(FindingCode.PLACE_PLACEHOLDER, "header.place",
                      params={"written": form.header.place.written})


def date(form: FormReading, campaign: Campaign) -> Iterator[Finding]:
    d = form.header.date
    params: Params = {"written": d.written, "deadline": campaign.deadline,
                      "opened": campaign.opened}
    if d.placeholder:
        yield Finding(FindingCode.DATE_PLACEHOLDER, "header.date", params=params)
    elif d.invalid:
        yield Finding(FindingCode.DATE_INVALID, "header.date", params=params)
    elif d.value is None:
        yield Finding(FindingCode.DATE_MISSING, "header.date", params=params)
    elif d.value > campaign.deadline:
        yield Finding(FindingCode.DATE_AFTER_DEADLINE, "header.date",
                      params={**params, "date": d.value})
    elif d.value < campaign.opened:
        yield Finding(FindingCode.DATE_BEFORE_CAMPAIGN, "header.date",
                      params={**params, "date": d.value})


def rows_present(form: FormReading, campaign: Campaign) -> Iterator[Finding]:
    assert form.table is not None
    for spec in campaign.quantity_rows:
        if spec.key not in form.table.rows:
            yield Finding(FindingCode.ROW_MISSING, f"quantities.{spec.key}", form.table.location,
                          params={"row": spec.label, "code": spec.code or ""})
    for dup in form.table.duplicates:
        yield Finding(FindingCode.ROW_DUPLICATED, f"quantities.{dup.key}", dup.location,
                      params={"row": campaign.row(dup.key).label})


def years_present(form: FormReading, campaign: Campaign) -> Iterator[Finding]:
    assert form.table is not None
    for year in campaign.years:
        if year not in form.table.years:
            yield Finding(FindingCode.YEAR_MISSING, f"quantities.*.{year}", form.table.location,
                          params={"year": year})


def cells(form: FormReading, campaign: Campaign) -> Iterator[Finding]:
    assert form.table is not None
    for spec in campaign.quantity_rows:
        row = form.table.rows.get(spec.key)
        for year, cell in (row.cells.items() if row else ()):
            q = cell.quantity
            params: Params = {"row": spec.label, "year": year, "written": q.written,
                              "threshold": campaign.large_quantity_threshold}
            field = f"quantities.{spec.key}.{year}"
            if q.problem:
                yield Finding(q.problem, field, cell.location, params)
            elif q.value is not None and q.value > campaign.large_quantity_threshold:
                yield Finding(FindingCode.QUANTITY_TOO_LARGE, field, cell.location, params)


def units(form: FormReading, campaign: Campaign) -> Iterator[Finding]:
    assert form.table is not None
    # the unit's own abbreviation, or it spelt out ("CTS" is "chứng thư số")
    accepted = {match_key(campaign.unit), match_key(campaign.unit_name)}
    for spec in campaign.quantity_rows:
        row = form.table.rows.get(spec.key)
        if row and row.unit and match_key(row.unit) not in accepted:
            yield Finding(FindingCode.UNIT_NOT_CTS, f"quantities.{spec.key}", row.location,
                          {"row": spec.label, "written": row.unit, "unit": campaign.unit})


def subtotals(form: FormReading, campaign: Campaign) -> Iterator[Finding]:
    assert form.table is not None
    for group in campaign.group_rows:
        own = form.table.rows.get(group.key)
        if own is None:
            continue
        for year, cell in own.cells.items():
            if cell.quantity.blank or cell.quantity.value is None:
                continue
            parts = [form.table.rows[c.key].cells.get(year) for c in campaign.children(group.key)
                     if c.key in form.table.rows]
            total = sum(p.quantity.value or 0 for p in parts if p is not None)
            if total != cell.quantity.value:
                # a group total is no contract row: the finding is about that year's column
                # (its rows disagree there); the location names the total's own cell
                yield Finding(FindingCode.SUBTOTAL_MISMATCH, f"quantities.*.{year}",
                              cell.location, {"row": group.label, "year": year,
                                              "written": cell.quantity.written, "total": total})


def emptiness(form: FormReading, campaign: Campaign) -> Iterator[Finding]:
    assert form.table is not None
    leaves = [form.table.rows[s.key] for s in campaign.quantity_rows if s.key in form.table.rows]
    quantities = [c.quantity for r in leaves for c in r.cells.values()]
    if not quantities or all(q.blank for q in quantities):
        yield Finding(FindingCode.TABLE_EMPTY, "table", form.table.location)
    elif all(q.value == 0 for q in quantities):
        yield Finding(FindingCode.TABLE_ALL_ZERO, "table", form.table.location)


def agency_conflict(names: AgencyNames, registry: Registry, on: dt.date) -> Iterator[Finding]:
    """The letterhead names one agency and the opening sentence another ("BỘ TÀI CHÍNH" over
    "Ủy ban nhân dân tỉnh Bắc Ninh đề xuất…"): whose numbers these are is uncertain. Only
    agencies the registry knows are compared, so "BTC" and "Bộ Tài chính" are one; a unit
    named on the letterhead under its ministry ("BỘ TÀI CHÍNH / CỤC THUẾ TỈNH BẮC NINH") is
    named by the letterhead too, and is no conflict."""
    if not names.header or not names.intro:
        return
    head, intro = registry.match_header(names.header, on), registry.match_header(names.intro, on)
    if head and intro and head.key != intro.key and not registry.names(names.header, intro):
        yield Finding(FindingCode.AGENCY_CONFLICT, "header.agency",
                      params={"header": names.header, "intro": names.intro})


HEADER_RULES: tuple[Rule, ...] = (agency, document_number, place, date)
TABLE_RULES: tuple[Rule, ...] = (rows_present, years_present, emptiness, cells, units, subtotals)


REGISTRY_RULES: tuple[RegistryRule, ...] = (agency_conflict,)


def validate(form: FormReading, campaign: Campaign) -> list[Finding]:
    rules = HEADER_RULES + (TABLE_RULES if form.table is not None else ())
    return [finding for rule in rules for finding in rule(form, campaign)]


def validate_names(names: AgencyNames, registry: Registry, on: dt.date) -> list[Finding]:
    """The findings of REGISTRY_RULES; `on` is the campaign's date (the registry as it stood)."""
    return [finding for rule in REGISTRY_RULES for finding in rule(names, registry, on)]
