"""After the deadline in force no text asks for anything "before" a past date: the replies (one
form or several), the reminders and the blank form, with the clock set on each side of the
deadline and with an extended deadline in the campaign file."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import re

import pytest

from parsers.spec.campaign import Campaign, default_campaign
from replies.forms.blank_docx import blank_form_docx
from replies.mail.compose import ReplyForm, ReplyInput, compose_reply
from replies.mail.reminder import ReminderLetter, compose_reminder

CAMPAIGN = default_campaign()
EXTENDED = dataclasses.replace(CAMPAIGN, extended_deadline=dt.date(2021, 5, 31))
BEFORE = re.compile(r"trước ngày (\d\d/\d\d/\d{4})")
ERROR = {"code": "quantity-negative", "severity": "error", "field": "x", "location": "F9",
         "message": "Số lượng không được âm."}
REPORT = {"file": "mau.docx", "agency": "Bộ Tài chính", "quantities": None, "findings": [ERROR]}


def _texts(campaign: Campaign, today: dt.date, verdict: str, several: bool) -> list[str]:
    forms = (ReplyForm("BCY-CTS-2021-0001", verdict, REPORT),
             ReplyForm("BCY-CTS-2021-0002", "accepted", {**REPORT, "findings": []})
             ) if several else ()
    reply = ReplyInput(reference="BCY-CTS-2021-0001", verdict=verdict, report=REPORT,
                       agency="Bộ Tài chính", subject="Mẫu đăng ký", received="10/05/2021",
                       message_id="<m@x>", references=None, forms=forms, today=today)
    msg = compose_reply(reply, campaign, to="vt@mof.gov.vn", from_address="ca@bcy.gov.vn")
    letter = compose_reminder(ReminderLetter("Bộ Tài chính", today, 3), campaign,
                              to=("vt@mof.gov.vn",), from_address="ca@bcy.gov.vn")
    sent = [email.message_from_bytes(m.as_bytes(), policy=email.policy.default)
            for m in (msg, letter)]
    return [str(m["Subject"]) + "\n" + m.get_body((kind,)).get_content()  # type: ignore[union-attr]
            for m in sent for kind in ("plain", "html")]


@pytest.mark.parametrize("several", [False, True])
@pytest.mark.parametrize("verdict", ["needs_correction", "unreadable"])
@pytest.mark.parametrize("campaign,today,asked", [
    (CAMPAIGN, dt.date(2021, 5, 10), "15/05/2021"),
    (CAMPAIGN, dt.date(2021, 5, 15), "15/05/2021"),  # the deadline day is still in time
    (CAMPAIGN, dt.date(2021, 5, 16), None),
    (EXTENDED, dt.date(2021, 5, 20), "31/05/2021"),
    (EXTENDED, dt.date(2021, 6, 1), None),
])
def test_before_a_date_only_while_it_is_ahead(campaign: Campaign, today: dt.date,
                                               asked: str | None, verdict: str,
                                               several: bool) -> None:
    for text in _texts(campaign, today, verdict, several):
        dates = BEFORE.findall(text)
        if asked is None:
            assert dates == [] and "sớm nhất" in text
        else:
            assert dates and set(dates) == {asked}


def test_the_blank_form_asks_for_no_date() -> None:
    """The form travels with every reply and reminder, before and after the deadline: it must
    not name a date to send it by."""
    import io

    import docx

    document = docx.Document(io.BytesIO(blank_form_docx(CAMPAIGN)))
    words = [p.text for p in document.paragraphs] + [
        c.text for t in document.tables for r in t.rows for c in r.cells]
    assert len(words) > 20 and not any("trước ngày" in w for w in words)


def test_an_extended_deadline_before_the_deadline_is_refused() -> None:
    import tomllib
    from importlib import resources

    from parsers.spec.campaign import campaign_from_dict
    from parsers.spec.schema import SpecError

    raw = tomllib.loads(resources.files("parsers.spec").joinpath(
        "campaigns", "cts-2021-2025.toml").read_text(encoding="utf-8"))
    raw["extended_deadline"] = dt.date(2021, 5, 1)
    with pytest.raises(SpecError, match="extended_deadline: 2021-05-01 is before deadline"):
        campaign_from_dict(raw, "c.toml")
