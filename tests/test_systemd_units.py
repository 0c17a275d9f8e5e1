"""`systemd-analyze verify` on the unit files (through tests/systemd_verify.sh)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import servers_required

SCRIPT = Path(__file__).with_name("systemd_verify.sh")


def test_units_verify_cleanly() -> None:
    if shutil.which("systemd-analyze") is None:
        if servers_required():
            pytest.fail("systemd-analyze is missing (apt-get install systemd)")
        pytest.skip("systemd-analyze is missing (apt-get install systemd)")
    done = subprocess.run(["sh", str(SCRIPT)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
