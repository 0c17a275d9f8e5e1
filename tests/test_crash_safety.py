"""SIGKILL at random moments, then restart: every submission stored once, answered once, filed;
nothing left behind. A short run of scripts/soak.py (the long one is run by hand)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.store.database import Store
from tests.pipeline_kit import docx_mail, plain, poll, soak_module, write_config
from tests.servers.dovecot import Dovecot, MailboxAccount
from tests.servers.smtp import SmtpSink
from tests.store_kit import store_url

AGENCY = "Văn thư <vanthu@mof.gov.vn>"
PROCESSED = "BCY-Intake/Processed"


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_short_soak_survives_kills_with_nothing_lost_or_doubled(
        dovecot_server: Dovecot) -> None:
    soak = soak_module()
    result = soak.run_soak(soak.SoakOptions(messages=12, kills=4, seed=7, max_seconds=240),
                           server=dovecot_server, say=lambda line: None)
    print(result.figures())
    assert result.problems == []
    assert result.kills == 4
    assert result.replies == result.submissions + result.doubles
    assert result.doubles <= result.maybe_doubled_events


# --- single crash windows, set up by hand -----------------------------------------------------

def _store(tmp_path: Path) -> Store:
    return Store.open(store_url(tmp_path))


def _validity(box: MailboxAccount) -> int:
    with box.login() as client:
        return int(client.folder.status("INBOX", ["UIDVALIDITY"])["UIDVALIDITY"])


def test_moved_but_not_marked_is_only_marked(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    mailbox.append(docx_mail(AGENCY))
    mailbox.append(plain("Dân <dan@example.vn>", "Hỏi thăm"))
    config = write_config(tmp_path, mailbox, smtp_sink)
    assert poll(config) == 0
    store = _store(tmp_path)
    store.messages.mark(1, mailbox_action_done=False)  # killed between MOVE and the mark
    assert poll(config) == 0
    assert store.messages.get(1).mailbox_action_done
    assert len(mailbox.list("INBOX")) == 1 and len(mailbox.list(PROCESSED)) == 1
    assert len(smtp_sink.messages) == 1


def test_duplicate_copy_remembered_but_not_filed_is_filed_at_restart(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    raw = docx_mail(AGENCY, message_id="<twice@mof.gov.vn>")
    mailbox.append(raw)
    config = write_config(tmp_path, mailbox, smtp_sink)
    assert poll(config) == 0
    uid = mailbox.append(raw)  # delivered again; killed after the slot was kept, before MOVE
    _store(tmp_path).messages.remember_slot("INBOX", _validity(mailbox), uid, 1)
    assert poll(config) == 0
    assert mailbox.list("INBOX") == []
    assert len(mailbox.list(PROCESSED)) == 2 and len(smtp_sink.messages) == 1


def test_stale_uid_is_never_moved_after_uidvalidity_changed(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    mailbox.create_folder(PROCESSED)
    innocent = mailbox.append(plain("Dân <dan@example.vn>", "Hỏi thăm"))
    config = write_config(tmp_path, mailbox, smtp_sink)
    store = _store(tmp_path)
    # A submission decided under the folder's earlier UIDVALIDITY, with the same UID number
    # the innocent mail has now; its mailbox action never ran.
    row = store.messages.save_raw(folder="INBOX", uidvalidity=_validity(mailbox) - 1,
                                  uid=innocent, raw=docx_mail(AGENCY), message_id="<old@x>")
    store.submissions.save_outcome(row, None, kind="submission", state="done")
    assert poll(config) == 0
    [left] = mailbox.list("INBOX")
    assert left.uid == innocent and "\\Seen" not in left.flags
    assert mailbox.list(PROCESSED) == []
    assert store.messages.get(row).mailbox_action_done
    assert [e.kind for e in store.events.find() if e.message_id == row] == ["uidvalidity-changed"]
