"""Deterministic synthetic cohorts, one generator per chapter.

Every generator takes ``rng`` (an int seed or a ``numpy.random.Generator``) and never touches global
random state: the same seed gives the same rows, and :func:`write_csv` the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

DEFAULT_SEED = 20261121


def as_generator(rng: int | np.random.Generator | None) -> np.random.Generator:
    """A ``numpy.random.Generator`` from a seed, a Generator (returned as is) or None (the book's seed)."""
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(DEFAULT_SEED if rng is None else rng)


def simulate_equivocal_mri(n: int = 240, *, prevalence: float = 0.30, sensitivity: float = 0.85,
                           specificity: float = 0.90, rng: int | np.random.Generator | None = None) -> pd.DataFrame:
    """An illustrative diagnostic-accuracy cohort: patients with an equivocal cervical MRI, an index test
    (for example CT myelography) and a reference standard diagnosis of myelopathy.

    The default accuracy figures are illustrative only: the source overview gives no accuracy data.

    Returns
    -------
    DataFrame
        ``patient_id`` (``EQ0001``...), ``test_positive`` (0/1), ``disease_present`` (0/1).
    """
    generator = as_generator(rng)
    disease = generator.random(n) < prevalence
    positive_if_diseased = generator.random(n) < sensitivity
    positive_if_healthy = generator.random(n) >= specificity
    test = np.where(disease, positive_if_diseased, positive_if_healthy)
    return pd.DataFrame({
        "patient_id": [f"EQ{i:04d}" for i in range(1, n + 1)],
        "test_positive": test.astype(int),
        "disease_present": disease.astype(int),
    })


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a synthetic table as UTF-8 CSV with fixed formatting (same frame, same bytes)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n", float_format="%.6f")
    return path
