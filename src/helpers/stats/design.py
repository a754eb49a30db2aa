"""Design matrices of regression models: categorical columns become indicator columns against a stated
reference level; one term naming for every model (``Intercept``, ``variable[T.level]``); the same coding
applied to new rows (:func:`apply_design`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from helpers.validation.checks import require_columns, rows_label
from helpers.validation.errors import InputError
from helpers.validation.estimable import NotEstimable

EPV_THRESHOLD = 10
"""Events per variable below which a warning is given (Peduzzi et al. 1996)."""

INTERCEPT = "Intercept"

TERM_COLUMNS = ["term", "variable", "level", "reference"]


@dataclass(frozen=True, eq=False)
class DesignMatrix:
    """Model matrix built from data columns.

    Attributes
    ----------
    matrix : DataFrame
        One float column per model term (no intercept), same index as the data.
    terms : DataFrame
        ``term`` (column name in ``matrix``), ``variable`` (data column), ``level`` (the dummy's level,
        empty for numeric variables), ``reference`` (reference level, empty for numeric variables).
    """

    matrix: pd.DataFrame
    terms: pd.DataFrame


def design_matrix(df: pd.DataFrame, *, predictors: Sequence[str],
                  reference: Mapping[str, Any] | None = None) -> DesignMatrix:
    """Expand predictors into model terms: numeric columns as they are, categorical ones as dummies.

    Parameters
    ----------
    df : DataFrame
        Data without missing values in ``predictors`` (not modified).
    predictors : list of str
        Columns. Numeric and boolean columns enter as one term each (True = 1); text and category
        columns enter as one 0/1 dummy per level except the reference level.
    reference : dict, optional
        Reference level per categorical column. Default: the first category of a ``category`` column,
        otherwise the first level in sorted order (R's default for factors).

    Returns
    -------
    DesignMatrix
        ``matrix`` and ``terms``; dummy terms are named ``variable[T.level]`` as in statsmodels.

    Raises
    ------
    InputError
        Unknown column or reference level, or a predictor with a single value.

    Examples
    --------
    >>> df = pd.DataFrame({"age": [60, 70, 80, 65], "grade": ["B", "A", "C", "A"]})
    >>> design_matrix(df, predictors=["age", "grade"]).terms["term"].tolist()
    ['age', 'grade[T.B]', 'grade[T.C]']
    """
    predictors = list(predictors)
    reference = dict(reference or {})
    require_columns(df, predictors)
    unknown = set(reference) - set(predictors)
    if unknown:
        raise InputError(f"reference levels given for {sorted(unknown)}, which are not predictors {predictors}.")
    columns: dict[str, pd.Series] = {}
    rows = []
    for variable in predictors:
        series = df[variable]
        if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
            if series.nunique(dropna=True) < 2:
                value = series.dropna().iloc[0] if series.notna().any() else None
                raise NotEstimable(f"predictor '{variable}' has a single value ({_plain(value)}) in every row, so its "
                                   "effect cannot be estimated")
            columns[variable] = series.astype(float)
            rows.append({"term": variable, "variable": variable, "level": "", "reference": ""})
            continue
        if isinstance(series.dtype, pd.CategoricalDtype):
            levels = [level for level in series.cat.categories if (series == level).any()]
        else:
            levels = sorted(pd.unique(series.dropna()), key=str)
        if len(levels) < 2:
            raise NotEstimable(f"predictor '{variable}' has a single level ({', '.join(map(str, levels)) or 'none'}) "
                               "in every row, so its effect cannot be estimated")
        base = reference.get(variable, levels[0])
        if base not in levels:
            raise InputError(f"reference level {base!r} of '{variable}' is not among its levels {levels}.")
        for level in levels:
            if level == base:
                continue
            term = f"{variable}[T.{level}]"
            columns[term] = (series == level).astype(float)
            rows.append({"term": term, "variable": variable, "level": str(level), "reference": str(base)})
    matrix = pd.DataFrame(columns, index=df.index)
    terms = pd.DataFrame(rows, columns=TERM_COLUMNS)
    rank = np.linalg.matrix_rank(np.column_stack([np.ones(len(matrix)), matrix.to_numpy()]))
    if rank < matrix.shape[1] + 1:
        values = matrix.to_numpy(dtype=float)
        k = next(k for k in range(values.shape[1])
                 if np.linalg.matrix_rank(np.column_stack([np.ones(len(matrix)), values[:, :k + 1]])) < k + 2)
        words = dict(zip(terms["term"], readable_terms(terms)))
        redundant, before = words[matrix.columns[k]], [words[term] for term in matrix.columns[:k]]
        named = ", ".join(before)
        raise NotEstimable(f"the predictors {predictors} are collinear: {redundant} "
                           + (f"is fully determined by {named} in these rows (a linear combination of "
                              f"{'it' if len(before) == 1 else 'them'} and the intercept)" if before
                              else "has a single value in these rows")
                           + f", so the model cannot tell their effects apart (model matrix of rank {rank} with "
                             f"{matrix.shape[1] + 1} columns)")
    return DesignMatrix(matrix=matrix, terms=terms)


def readable_terms(terms: pd.DataFrame) -> list[str]:
    """Model terms in words for a message: 'age' for a numeric column, 'group' (non_separated vs separated)
    for a dummy, rather than statsmodels' ``group[T.non_separated]``."""
    return [f"'{row.variable}'" + (f" ({row.level} vs {row.reference})" if row.level != "" else "")
            for row in terms.itertuples(index=False)]


def _plain(value: Any) -> str:
    """A value as a reader would write it (9.0, 'male'), not as numpy's repr (np.float64(9.0))."""
    return repr(value.item() if hasattr(value, "item") else value)


def apply_design(df: pd.DataFrame, *, terms: pd.DataFrame) -> pd.DataFrame:
    """Model matrix of (new) rows with the terms of an earlier :func:`design_matrix`: the same columns,
    dummies and reference levels, e.g. to predict for an external validation set.

    Parameters
    ----------
    df : DataFrame
        Rows to encode (not modified); needs every ``variable`` of ``terms``, without missing values.
    terms : DataFrame
        ``term, variable, level, reference`` as in :attr:`DesignMatrix.terms` (rows naming
        :data:`INTERCEPT` are skipped).

    Returns
    -------
    DataFrame
        One float column per term, in the order of ``terms``, on the index of ``df``.

    Raises
    ------
    InputError
        Unknown column, missing values, a non-numeric value for a numeric term, or a level of a
        categorical variable that the earlier design did not have.

    Examples
    --------
    >>> fitted = design_matrix(pd.DataFrame({"age": [60, 70, 80, 65], "grade": ["A", "B", "C", "A"]}),
    ...                        predictors=["age", "grade"])
    >>> apply_design(pd.DataFrame({"age": [65], "grade": ["C"]}), terms=fitted.terms).iloc[0].tolist()
    [65.0, 0.0, 1.0]
    """
    terms = terms[terms["term"] != INTERCEPT]
    variables = list(dict.fromkeys(terms["variable"]))
    require_columns(df, variables)
    absent = df[variables].isna()
    if absent.any().any():
        problems = [f"'{column}' in rows {rows_label(df.index[absent[column]].tolist())}"
                    for column in variables if absent[column].any()]
        raise InputError("missing values in " + "; ".join(problems) + ": the model cannot predict for these "
                         f"rows. Remove them first (e.g. df.dropna(subset={variables})) or impute them.")
    columns: dict[str, pd.Series] = {}
    for variable, part in terms.groupby("variable", sort=False):
        series = df[variable]
        if (part["level"] == "").all():
            if not (pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series)):
                raise InputError(f"column '{variable}' must be numeric, as in the data the model was fitted to "
                                 f"(it has dtype {series.dtype}).")
            columns[variable] = series.astype(float)
            continue
        text = series.astype(str)
        known = {*part["level"], *part["reference"]}
        unknown = ~text.isin(known)
        if unknown.any():
            raise InputError(f"column '{variable}' has levels {sorted(set(text[unknown]))} in rows "
                             f"{rows_label(df.index[unknown.to_numpy()].tolist())} that the model was not fitted "
                             f"with (known: {sorted(known)}); recode or remove these rows.")
        for term, level in zip(part["term"], part["level"]):
            columns[term] = (text == level).astype(float)
    return pd.DataFrame(columns, index=df.index)[list(terms["term"])]
