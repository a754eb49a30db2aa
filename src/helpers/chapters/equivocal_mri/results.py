"""The rows of the equivocal-mri chapter's ``results.csv``."""

from __future__ import annotations

import pandas as pd

from helpers.validation.results import RESULT_COLUMNS


def results(*, reasoning: pd.DataFrame, accuracy: pd.DataFrame) -> pd.DataFrame:
    """The chapter's tidy results: the diagnostic reasoning with the chosen parameters
    (:func:`helpers.stats.diagnostic.diagnostic_reasoning`) and the accuracy estimated from the data's
    2x2 table (:func:`helpers.stats.diagnostic.accuracy_from_counts`), in that order."""
    return pd.concat([reasoning, accuracy], ignore_index=True)[RESULT_COLUMNS]
