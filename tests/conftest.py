"""Shared fixtures: paths of the repository, the reference datasets (tests/data) and the built site."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from helpers.book.parity import read_r_results  # one reader for the tests and the book

REPO = Path(__file__).resolve().parents[1]
REFERENCE_DATA = REPO / "tests" / "data"
R_RESULTS = REPO / "tests" / "r" / "results"
"""R's reference values, written by tests/r/*.R (``make r-reference``) and committed."""


@pytest.fixture(scope="session")
def r_reference():
    """``r_reference(family, dataset, quantity)``: R's value (NaN for NA) from the committed JSON; a value
    that is not there fails the test (regenerate with ``make r-reference``)."""
    import math

    families = read_r_results(R_RESULTS)

    def value(family: str, dataset: str, quantity: str) -> float:
        try:
            record = families[family][(dataset, quantity)]
        except KeyError:
            pytest.fail(f"no R value for {family} / {dataset} / {quantity!r} in {R_RESULTS}; run make r-reference")
        return math.nan if record["value"] is None else float(record["value"])

    return value


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def reference_data() -> Path:
    """Folder of the R reference datasets, committed in the repository (tests/data, see its README).

    A missing folder fails the test (it never skips): the R-reference tests must run from any clone."""
    if not REFERENCE_DATA.is_dir():
        pytest.fail(f"reference datasets not found at {REFERENCE_DATA}; they are part of the repository "
                    "(restore tests/data from git).")
    return REFERENCE_DATA


@pytest.fixture(scope="session")
def rscript():
    """Run R code with ``Rscript -e`` and return its standard output; tests skip when R is not installed."""
    executable = shutil.which("Rscript")
    if executable is None:
        pytest.skip("Rscript not found: the live R cross-checks need R (the committed R values are tested anyway)")

    def run(code: str) -> str:
        finished = subprocess.run([executable, "-e", code], capture_output=True, text=True, timeout=300)
        assert finished.returncode == 0, f"R failed:\n{finished.stderr}"
        return finished.stdout

    return run


@pytest.fixture(scope="session")
def built_site(repo: Path) -> Path:
    """Build the whole book once per test session with the README's command path (spinebook build)."""
    import sys

    finished = subprocess.run([sys.executable, "-m", "helpers.book.cli", "build"], cwd=repo, capture_output=True,
                              text=True, timeout=1800)
    assert finished.returncode == 0, f"spinebook build failed:\n{finished.stdout}\n{finished.stderr}"
    site = repo / "book" / "_build" / "html"
    assert (site / "index.html").is_file()
    return site


@pytest.fixture()
def roc_cohort():
    """Seeded synthetic cohort for the ROC and prediction tests: 300 patients, FA and f related to good recovery."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(20240601)
    n = 300
    fa = rng.normal(0.55, 0.06, n)
    f = rng.normal(0.10, 0.03, n)
    risk = 1 / (1 + np.exp(-(-0.5 + 25 * (fa - 0.55) - 15 * (f - 0.10))))
    good = (rng.random(n) < risk).astype(int)
    return pd.DataFrame({"good": good, "fa": fa, "f": f, "noise": rng.normal(size=n)},
                        index=pd.RangeIndex(1000, 1000 + n))
