"""The rows of the equivocal-mri chapter's ``results.csv``."""

from __future__ import annotations

import pandas as pd

from helpers.validation.results import RESULT_COLUMNS


def results(*, reasoning: pd.DataFrame, accuracy: pd.DataFrame) -> pd.DataFrame:
    """The chapter's tidy results: the diagnostic reasoning with the chosen parameters
    (:func:`helpers.stats.diagnostic.diagnostic_reasoning`) and the accuracy estimated from the data's
    2x2 table (:func:`helpers.stats.diagnostic.accuracy_from_counts`), in that order.

    A quantity that is 0/0 for the data (the PPV, LR+ and post-test probability after a positive result of
    a test that was never positive; the NPV, LR- and post-test probability after a negative result of one
    that was never negative) keeps its row, without an estimate, with a ``method`` that starts "not
    estimated for this cohort" and says why (``accuracy_from_counts`` writes it)."""
    return pd.concat([reasoning, accuracy], ignore_index=True)[RESULT_COLUMNS]
