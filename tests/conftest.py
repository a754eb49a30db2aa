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


@pytest.fixture(scope="session")
def built_site(repo: Path) -> Path:
    """Build the whole book once per test session with the README's command path (spinebook build)."""
    import subprocess
    import sys

    finished = subprocess.run([sys.executable, "-m", "helpers.cli", "build"], cwd=repo, capture_output=True,
                              text=True, timeout=1800)
    assert finished.returncode == 0, f"spinebook build failed:\n{finished.stdout}\n{finished.stderr}"
    site = repo / "book" / "_build" / "html"
    assert (site / "index.html").is_file()
    return site
