"""The same form, the same bytes: an OOXML package written again with fixed entry times and
a fixed modification date, so the blank form we attach has one SHA-256 per campaign and a
responder that sends it back unchanged is recognised (bot.mail.own_marks)."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

_MODIFIED = re.compile(rb"(<dcterms:modified\b[^>]*>)[^<]*(</dcterms:modified>)")


def reproducible_zip(data: bytes, when: dt.date) -> bytes:
    """`data` (a .docx/.xlsx) with every entry dated `when` and docProps/core.xml's
    modification date set to it; entries keep their order and compression."""
    stamp = dt.datetime.combine(when, dt.time())
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename == "docProps/core.xml":
                content = _MODIFIED.sub(lambda m: m.group(1) + iso + m.group(2), content)
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            fixed.compress_type = info.compress_type
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, content)
    return out.getvalue()
