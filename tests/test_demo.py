"""The README's first command: the demo mailbox, its six sample mails (one with a signed cover
letter), one cycle."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.store.database import Store
from demo.run import main
from tests.store_kit import ON_POSTGRES, store_url


def test_demo_prints_four_replies_and_leaves_two_mails(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--keep", str(tmp_path), "--store", store_url(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Thư trả lời đã gửi: 4" in out
    assert out.count("Kết quả:  accepted") == 3
    assert "sau khi Ban Cơ yếu Chính phủ xác nhận" in out  # the free-mail form waits
    # the ministry's signed letter is kept with its form, and its signature holds under the
    # demo's configured test root
    assert "Công văn điện tử có chữ ký số gửi kèm (Cong van 215-BTC-THTK.pdf)" in out
    store = Store.open(store_url(tmp_path))
    try:
        signed = store.submissions.by_reference("BCY-CTS-2021-0001")
    finally:
        store.close()
    assert signed is not None and [s.holds for s in signed.signatures] == [True]
    assert signed.signatures[0].agency_key == "bo-tai-chinh"
    assert out.count("Kết quả:  needs_correction") == 1
    assert "Thư không trả lời (để lại cho cán bộ hoặc thư tự động): 2" in out
    assert ON_POSTGRES or (tmp_path / "intake.db").exists()
    assert len(list((tmp_path / "sent").glob("*.eml"))) == 4
