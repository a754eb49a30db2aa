"""A simulated registry cohort of 100,000 patients with tied follow-up times, for the R cross-checks at scale.

R reads the same rows: ``registry().to_csv("registry100k.csv", index=False)`` then
``d <- read.csv("registry100k.csv")`` (the values in the tests come from that file). The generator is
``make bench``'s (:func:`helpers.book.bench.registry_cohort`), so the benchmarks time the data the tests check.
"""

from __future__ import annotations

import pandas as pd

from helpers.book.bench import registry_cohort


def registry(n: int = 100_000, seed: int = 16) -> pd.DataFrame:
    """Whole months of follow-up (80 distinct times, so many ties), about half with an event."""
    return registry_cohort(n, seed)
