"""The words of a campaign that people read: the blank form's texts and who to contact.

Each field is a key of the campaign file's `[form]` or `[contact]` table, under the same name;
the file is checked against these records when it is loaded (`parsers/spec/schema.py`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class FormTexts:
    """The official blank form, top to bottom, as the campaign's letter prints it."""

    # title block
    title: str
    subtitle: str
    attachment_line: str
    # letter header: the agency's side (left) and the state's (right)
    agency_placeholder: str
    number_placeholder: str
    place_placeholder: str
    date_line: str
    nation: str
    motto: str
    subject_line: str
    # opening
    salutation: str
    intro: str
    intro_agency_placeholder: str  # the part of `intro` the agency replaces with its name
    # the demand table's headings
    column_tt: str
    column_content: str
    column_unit: str
    column_quantity: str
    column_notes: str
    # notes under the table
    notes_heading: str
    notes: tuple[str, ...]
    # signature block
    recipients_heading: str
    recipients: tuple[str, ...]
    signer_title: str
    signer_note: str
    # the workbook's sheet name; the title, capitalised, when not given
    sheet_title: str | None = None



@dataclass(frozen=True, kw_only=True)
class Contact:
    """Who answers questions about the campaign, printed at the foot of every reply. Each line
    is left out when empty; the organisation falls back to the campaign's addressee."""

    organisation: str = ""
    unit: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
