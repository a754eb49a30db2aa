"""Synthetic data of the equivocal-mri chapter: an illustrative diagnostic-accuracy cohort."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.validation.checks import DEFAULT_SEED, as_rng


def simulate(n: int = 240, *, prevalence: float = 0.30, sensitivity: float = 0.85,
                           specificity: float = 0.90, rng: int | np.random.Generator | None = None) -> pd.DataFrame:
    """An illustrative diagnostic-accuracy cohort: patients with an equivocal cervical MRI, an index test
    (for example CT myelography) and a reference standard diagnosis of myelopathy.

    The default accuracy figures are illustrative only: the source overview gives no accuracy data.

    Returns
    -------
    DataFrame
        ``patient_id`` (``EQ0001``...), ``test_positive`` (0/1), ``disease_present`` (0/1).
    """
    generator = as_rng(rng, default_seed=DEFAULT_SEED)
    disease = generator.random(n) < prevalence
    positive_if_diseased = generator.random(n) < sensitivity
    positive_if_healthy = generator.random(n) >= specificity
    test = np.where(disease, positive_if_diseased, positive_if_healthy)
    return pd.DataFrame({
        "patient_id": [f"EQ{i:04d}" for i in range(1, n + 1)],
        "test_positive": test.astype(int),
        "disease_present": disease.astype(int),
    })
