"""Building mail the way agencies' clients send it, for the demo and the tests."""

from __future__ import annotations

import email.policy
import email.utils
from collections.abc import Mapping, Sequence
from email.message import EmailMessage

# How agencies' clients write: CRLF, long headers left unfolded (the standard folder would
# lose spaces between encoded words; what we send is written by replies.mail.wire instead).
WIRE_POLICY = email.policy.SMTP.clone(max_line_length=998)

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def build_mail(*, sender: str, to: str, subject: str, body: str,
               attachments: Sequence[tuple[str, bytes, str]] = (),
               headers: Mapping[str, str] | None = None, message_id: str | None = None
               ) -> bytes:
    """A plain-text mail with attachments given as (file name, bytes, MIME type)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = email.utils.formatdate(localtime=True)
    msg["Message-ID"] = message_id or email.utils.make_msgid(domain=sender.rpartition("@")[2]
                                                             .rstrip(">") or "example.org")
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    for filename, data, mime in attachments:
        maintype, _, subtype = mime.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes(policy=WIRE_POLICY)
