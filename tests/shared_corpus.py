"""Where ../shared/corpus is: beside this repository (CI lays shared/ next to its clone)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import servers_required

CANDIDATES = (Path(__file__).resolve().parents[2] / "shared", Path("/work/shared"))


def corpus_root() -> Path | None:
    """The corpus folder, None when it is not beside the repository (for lists made at
    import; a test that needs it calls `corpus("")`, which fails under CI)."""
    return next((root / "corpus" for root in CANDIDATES if (root / "corpus").is_dir()), None)


def corpus(name: str) -> Path:
    for root in CANDIDATES:
        folder = root / "corpus" / name
        if folder.is_dir():
            return folder
    if servers_required():  # under CI the corpus must be there: a quiet skip would hide it
        pytest.fail(f"third-party corpus {name} not found beside the repository")
    pytest.skip(f"third-party corpus {name} not found beside the repository")
