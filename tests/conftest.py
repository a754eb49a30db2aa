"""Shared fixtures: paths of the repository, the reference datasets and a temporary run folder."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
REFERENCE_DATA = REPO.parent / "shared" / "reference-data"


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def reference_data() -> Path:
    """Folder of the R reference datasets (../shared/reference-data); tests skip when it is absent."""
    if not REFERENCE_DATA.is_dir():
        pytest.skip(f"reference datasets not found at {REFERENCE_DATA} (they live in ../shared/reference-data)")
    return REFERENCE_DATA
