"""Input checks shared by :mod:`helpers.roc` and :mod:`helpers.prediction` (private).

Each check raises :class:`helpers.io.InputError` with a message that names the column, the rows and
the fix.
"""

from __future__ import annotations

from typing import Any, Protocol, Sequence, runtime_checkable

import numpy as np
import pandas as pd
from scipy import stats

from helpers.io import InputError

SHOWN = 10  # rows named in an error message


@runtime_checkable
class FittedModel(Protocol):
    """What the ROC functions need of a fitted model passed as a predictor (e.g.
    :class:`helpers.prediction.LogisticModel`): a label, its predictor columns and one predicted
    probability per row of the data it was fitted on."""

    label: str
    predictors: tuple[str, ...]
    predicted_probability: pd.Series


def rows_label(index: pd.Index) -> str:
    shown = ", ".join(map(str, index[:SHOWN]))
    return shown + (f" and {len(index) - SHOWN} more" if len(index) > SHOWN else "")


def z_quantile(level: float) -> float:
    if not 0 < level < 1:
        raise InputError(f"level={level!r}: give a confidence level between 0 and 1, e.g. 0.95.")
    return float(stats.norm.ppf(0.5 + level / 2))


def case_mask(df: pd.DataFrame, outcome: str, positive: Any) -> np.ndarray:
    """Boolean array, True for cases (``df[outcome] == positive``), after checking the column."""
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"expected a pandas DataFrame, got {type(df).__name__}.")
    if outcome not in df.columns:
        raise InputError(f"column '{outcome}' not found; the data have columns {list(df.columns)}. "
                         "Pass the name of the binary outcome column as outcome=.")
    column = df[outcome]
    missing = column.isna().to_numpy()
    if missing.any():
        raise InputError(f"column '{outcome}' is missing in rows {rows_label(df.index[missing])}. Drop these "
                         f"rows first (df.dropna(subset=['{outcome}'])) so the complete-case analysis is explicit.")
    values = list(pd.unique(column))
    if len(values) > 2:
        raise InputError(f"column '{outcome}' has {len(values)} distinct values ({values[:SHOWN]}); "
                         "recode it to two (case / control) before an ROC analysis.")
    is_case = (column == positive).to_numpy(dtype=bool)
    if not is_case.any():
        raise InputError(f"positive={positive!r} does not occur in column '{outcome}' (values: {values}); "
                         "pass positive=<the value that marks a case>.")
    if is_case.all():
        raise InputError(f"column '{outcome}' holds only cases ({positive!r}); ROC analysis needs controls too.")
    return is_case


def scores_of(df: pd.DataFrame, predictor: Any, position: int) -> tuple[str, np.ndarray]:
    """Resolve a column name, a fitted model (:class:`FittedModel`) or an array of scores to (label, float array)."""
    if isinstance(predictor, FittedModel):
        label, values = predictor.label, predictor.predicted_probability
    elif isinstance(predictor, str):
        if predictor not in df.columns:
            raise InputError(f"column '{predictor}' not found; the data have columns {list(df.columns)}.")
        label, values = predictor, df[predictor]
    else:
        name = getattr(predictor, "name", None)
        label, values = (str(name) if name is not None else f"score_{position}"), predictor
    if isinstance(values, pd.Series):
        if not values.index.equals(df.index):
            if values.index.has_duplicates or set(values.index) != set(df.index):
                raise InputError(f"the scores '{label}' are indexed differently from the data frame; compute "
                                 "them from the same frame, or pass a NumPy array in the frame's row order.")
            values = values.reindex(df.index)
        try:
            values = values.to_numpy(dtype=float, na_value=np.nan)
        except (TypeError, ValueError):
            values = values.to_numpy()
    values = np.asarray(values)
    if values.ndim != 1 or len(values) != len(df):
        raise InputError(f"the scores '{label}' have shape {values.shape}; expected one value per row "
                         f"({len(df)} rows).")
    try:
        return label, values.astype(float)
    except (TypeError, ValueError):
        raise InputError(f"predictor '{label}' is not numeric (dtype {values.dtype}); convert it first, "
                         "e.g. ordered categories to their integer codes.") from None


def require_complete(df: pd.DataFrame, labels: Sequence[str], arrays: Sequence[np.ndarray]) -> None:
    missing = np.logical_or.reduce([np.isnan(a) for a in arrays])
    if missing.any():
        raise InputError(f"{', '.join(map(repr, labels))} missing in rows {rows_label(df.index[missing])}. Drop "
                         "these rows first (e.g. df.dropna(subset=[...])) so the complete-case analysis is "
                         "explicit and reported, or impute them.")


def binary_array(y: Any, name: str = "y") -> np.ndarray:
    array = np.asarray(y)
    if array.dtype == bool:
        return array
    try:
        numeric = array.astype(float)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be 0/1 or True/False, got dtype {array.dtype}.") from None
    bad = ~np.isin(numeric, (0.0, 1.0))
    if bad.any():
        raise InputError(f"{name} must be 0/1 or True/False; positions {np.flatnonzero(bad)[:SHOWN].tolist()} "
                         "are not (missing values must be dropped first).")
    return numeric == 1.0


def as_rng(rng: int | np.random.Generator | None) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)

