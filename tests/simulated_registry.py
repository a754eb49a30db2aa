"""A simulated registry cohort of 100,000 patients with tied follow-up times, for the R cross-checks at scale.

R reads the same rows: ``registry().to_csv("registry100k.csv", index=False)`` then
``d <- read.csv("registry100k.csv")`` (the values in the tests come from that file).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def registry(n: int = 100_000, seed: int = 16) -> pd.DataFrame:
    """Whole months of follow-up (80 distinct times, so many ties), about half with an event."""
    rng = np.random.default_rng(seed)
    age = rng.normal(65, 10, n).round(0)
    female = rng.integers(0, 2, n)
    score = rng.normal(0, 1, n).round(2)
    group = rng.integers(0, 3, n)
    rate = 0.02 * np.exp(0.03 * (age - 65) - 0.4 * female + 0.25 * score + 0.2 * group)
    event_time = rng.exponential(1 / rate)
    censor_time = rng.uniform(0, 80, n)
    return pd.DataFrame({"months": np.ceil(np.minimum(event_time, censor_time)),
                         "dead": (event_time <= censor_time).astype(int),
                         "age": age, "female": female, "score": score, "group": group})
