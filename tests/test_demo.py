"""The README's first command: the demo mailbox, its six sample mails, one cycle."""

from __future__ import annotations

from pathlib import Path

import pytest

from demo.run import main


def test_demo_prints_four_replies_and_leaves_two_mails(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--keep", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Thư trả lời đã gửi: 4" in out
    assert out.count("Kết quả:  accepted") == 3
    assert "sau khi Ban Cơ yếu Chính phủ xác nhận" in out  # the free-mail form waits
    assert out.count("Kết quả:  needs_correction") == 1
    assert "Thư không trả lời (để lại cho cán bộ hoặc thư tự động): 2" in out
    assert (tmp_path / "intake.db").exists()
    assert len(list((tmp_path / "sent").glob("*.eml"))) == 4
