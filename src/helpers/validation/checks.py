"""Input checks and their error messages: the bottom layer, imported by every other layer.

Each check raises :class:`helpers.validation.errors.InputError` with a message that names the column,
the rows and the fix. One implementation per check: the statistics modules call these and keep no
private copies.
"""

from __future__ import annotations

import warnings
from typing import Any, Protocol, Sequence, runtime_checkable

import numpy as np
import pandas as pd
from scipy import stats

from helpers.validation.errors import InputError

SHOWN = 10
"""Rows named in an error message before "and N more"."""

DEFAULT_SEED = 20261121
"""Seed used when a generator is asked for reproducible data without a seed of its own."""


def rows_label(rows: Any, limit: int = SHOWN) -> str:
    """The first ``limit`` row labels for an error message: from an index, a list or a boolean mask."""
    if isinstance(rows, pd.Series) and pd.api.types.is_bool_dtype(rows):
        rows = rows.index[rows.to_numpy()]
    rows = list(rows)
    shown = ", ".join(map(str, rows[:limit]))
    return shown + (f" and {len(rows) - limit} more" if len(rows) > limit else "")


def lines_label(index: Any, limit: int = 5) -> str:
    """Rows of a file named by their line number (the header is line 1, the first data row line 2), for an
    error message: ``"line 4"``, ``"lines 4, 9, 12 and 3 more"``; ``index`` holds 0-based row positions.

    >>> lines_label([2]), lines_label([0, 1, 2], limit=2)
    ('line 4', 'lines 2, 3 and 1 more')
    """
    rows = [int(i) for i in list(index) if isinstance(i, (int, float, np.integer, np.floating)) and pd.notna(i)]
    if not rows:
        return "the whole column"
    shown = ", ".join(str(i + 2) for i in rows[:limit])
    more = f" and {len(rows) - limit} more" if len(rows) > limit else ""
    return ("line " if len(rows) == 1 else "lines ") + shown + more


def check_level(level: float) -> float:
    """The confidence level as a float strictly between 0 and 1 (InputError otherwise)."""
    try:
        value = float(level)
    except (TypeError, ValueError):
        value = float("nan")
    if not 0 < value < 1:
        raise InputError(f"level={level!r}: give a confidence level between 0 and 1, e.g. 0.95.")
    return value


def z_quantile(level: float) -> float:
    """The two-sided standard-normal quantile of a confidence level (1.96 for 0.95), after checking it."""
    return float(stats.norm.ppf(0.5 + check_level(level) / 2))


def as_rng(rng: int | np.random.Generator | None, *, default_seed: int | None = None) -> np.random.Generator:
    """A ``numpy.random.Generator`` from a seed or a Generator (returned as is); ``None`` gives
    ``default_seed`` (fresh entropy when that is None too). Never the global NumPy state."""
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(default_seed if rng is None else rng)


def require_columns(df: pd.DataFrame, columns: Sequence[str]) -> None:
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"expected a pandas DataFrame with one row per patient, got {type(df).__name__}.")
    absent = [column for column in columns if column not in df.columns]
    if absent:
        raise InputError(f"column(s) {absent} not found in the data. Available columns: "
                         f"{list(map(str, df.columns))}. Check the spelling or rename the column.")


def numeric_column(df: pd.DataFrame, column: str) -> pd.Series:
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"expected a pandas DataFrame, got {type(df).__name__}.")
    if column not in df.columns:
        raise InputError(f"column '{column}' not found; the data have columns {list(df.columns)}.")
    try:
        return df[column].astype(float)
    except (TypeError, ValueError):
        raise InputError(f"column '{column}' is not numeric (dtype {df[column].dtype}); convert it first.") from None


def complete_rows(df: pd.DataFrame, columns: Sequence[str], missing: str) -> pd.DataFrame:
    """Copy of ``df[columns]`` without rows that have a missing value (``missing='drop'``) or an error."""
    if missing not in ("raise", "drop"):
        raise InputError(f"missing must be 'raise' or 'drop', not {missing!r}.")
    require_columns(df, columns)
    frame = df.loc[:, list(dict.fromkeys(columns))].copy()
    absent = frame.isna()
    if not absent.any().any():
        return frame
    if missing == "raise":
        problems = [f"'{column}' in rows {rows_label(frame.index[absent[column]].tolist())}"
                    for column in frame.columns if absent[column].any()]
        raise InputError("missing values in " + "; ".join(problems) + ". Impute or remove them first "
                         f"(e.g. df.dropna(subset={list(frame.columns)})), or pass missing='drop' to "
                         "analyse complete cases.")
    keep = ~absent.any(axis=1)
    warnings.warn(f"{int((~keep).sum())} of {len(frame)} rows dropped for missing values in "
                  f"{[c for c in frame.columns if absent[c].any()]}; complete-case analysis.", stacklevel=3)
    return frame.loc[keep]


def binary_column(series: pd.Series, role: str) -> np.ndarray:
    """A 0/1 float array from a bool or 0/1 column; InputError naming the column otherwise."""
    name = series.name
    if pd.api.types.is_bool_dtype(series):
        return series.to_numpy(dtype=float)
    values = pd.to_numeric(series, errors="coerce")
    bad = series.index[values.isna() | ~values.isin([0, 1])]
    if len(bad):
        found = sorted(map(str, pd.unique(series.loc[bad])))[:5]
        hint = (" It looks like R's 1 = censored / 2 = event coding: recode it, e.g. "
                f"df.assign({name}=df['{name}'].eq(2).astype(int))."
                if set(pd.unique(series.dropna())) <= {1, 2} else
                f" Recode it, e.g. df.assign({name}=df['{name}'].eq(<event value>).astype(int)).")
        raise InputError(f"column '{name}' ({role}) must be coded 1 = event, 0 = no event (or True/False); "
                         f"rows {rows_label(bad.tolist())} have {found}.{hint}")
    return values.to_numpy(dtype=float)


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


def two_levels(df: pd.DataFrame, group: str, reference: Any) -> tuple[Any, Any]:
    levels = sorted(df[group].dropna().unique(), key=str)
    if len(levels) != 2:
        raise InputError(f"'{group}' must have exactly two groups; found {levels}.")
    if reference is None:
        reference = levels[0]
    if reference not in levels:
        raise InputError(f"reference={reference!r} is not a value of '{group}' ({levels}).")
    return reference, next(level for level in levels if level != reference)


def check_probability(name: str, value: float, *, closed: bool = False) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise InputError(f"parameter {name}: expected a number between 0 and 1, got {value!r}.") from None
    inside = 0.0 <= value <= 1.0 if closed else 0.0 < value < 1.0
    if not np.isfinite(value) or not inside:
        bounds = "[0, 1]" if closed else "(0, 1), not 0 or 1 and not a percentage"
        raise InputError(f"parameter {name}: expected a probability in {bounds}, got {value!r}.")
    return value


def require_complete(df: pd.DataFrame, labels: Sequence[str], arrays: Sequence[np.ndarray]) -> None:
    missing = np.logical_or.reduce([np.isnan(a) for a in arrays])
    if missing.any():
        raise InputError(f"{', '.join(map(repr, labels))} missing in rows {rows_label(df.index[missing])}. Drop "
                         "these rows first (e.g. df.dropna(subset=[...])) so the complete-case analysis is "
                         "explicit and reported, or impute them.")


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


@runtime_checkable
class FittedModel(Protocol):
    """What the ROC functions need of a fitted model passed as a predictor (e.g.
    :class:`helpers.stats.logistic.LogisticResult`): a label, its predictor columns and one predicted
    probability per row of the data it was fitted on (a Series on that data's index; pass the same frame,
    without the rows the fit dropped, to the ROC function)."""

    label: str
    predictors: tuple[str, ...]
    predicted_probability: pd.Series


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
