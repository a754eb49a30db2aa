"""Covariate balance between treatment arms: standardised mean differences, variance ratios, ATT weights.

Balance is what propensity-score matching or weighting is judged by (Austin 2011): :func:`balance_table`
describes any sample (full, matched or weighted) as R's MatchIt (``summary(m)``) and cobalt do, and
:func:`ipw_att_weights` gives the inverse-probability weights of the average effect in the treated. The
input checks of treatment-group data live here too and are shared with :mod:`helpers.stats.matching`.
"""

from __future__ import annotations

import math
from typing import Any, Literal, Sequence

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from helpers.validation.checks import rows_label
from helpers.validation.errors import InputError

SMD_THRESHOLD = 0.1
"""|SMD| above which a covariate is called imbalanced after matching (Austin 2011)."""

_ZERO_SD = math.sqrt(np.finfo(float).eps)

# ----------------------------------------------------------------------------------------- inputs


def check_frame(df: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [column for column in columns if column not in df.columns]
    if missing:
        raise InputError(f"column(s) {missing} not found in the data. Available columns: "
                         f"{list(df.columns)}. Check the spelling or rename the column.")
    if not df.index.is_unique:
        duplicated = df.index[df.index.duplicated()].unique()
        raise InputError(f"the row index has duplicate labels ({rows_label(duplicated)}); matched pairs are "
                         "reported by index label. Fix: df = df.reset_index(drop=True).")
    for column in columns:
        absent = df.index[df[column].isna().to_numpy()]
        if len(absent):
            raise InputError(f"column '{column}' has missing values in rows {rows_label(absent)}. Matching needs "
                             f"complete data: impute them or drop the rows (df.dropna(subset=['{column}'])).")


def treatment_indicator(df: pd.DataFrame, treatment: str) -> np.ndarray:
    values = df[treatment]
    if is_bool_dtype(values):
        treated = values.to_numpy(dtype=bool)
    else:
        numeric = pd.to_numeric(values, errors="coerce")
        bad = df.index[~numeric.isin([0, 1]).to_numpy()]
        if len(bad):
            raise InputError(f"column '{treatment}' must be coded 1 = treated, 0 = control (or True/False); "
                             f"rows {rows_label(bad)} hold {rows_label(values.loc[bad].unique())}. Fix: recode it, "
                             f"e.g. df['{treatment}'] = (df['{treatment}'] == 'dynamic').astype(int).")
        treated = numeric.to_numpy() == 1
    if treated.all() or not treated.any():
        raise InputError(f"column '{treatment}' has only one arm ({int(treated.sum())} treated, "
                         f"{int((~treated).sum())} control rows); matching needs both.")
    return treated


def as_list(columns: str | Sequence[str] | None) -> list[str]:
    return [] if columns is None else [columns] if isinstance(columns, str) else list(columns)


def covariate_design(df: pd.DataFrame, covariates: Sequence[str], *, levels: dict[str, list[Any]] | None = None,
            drop_first: bool) -> tuple[pd.DataFrame, dict[str, list[Any]]]:
    """Numeric model matrix: numbers and booleans as they are, one 0/1 column per category level.

    Level columns are named column + level, as R's model.matrix does (``race`` -> ``raceblack``).
    """
    levels = dict(levels or {})
    parts: dict[str, np.ndarray] = {}
    for column in covariates:
        values = df[column]
        is_category = isinstance(values.dtype, pd.CategoricalDtype)
        if is_numeric_dtype(values) and not is_category:
            parts[column] = values.to_numpy(dtype=float)
            continue
        known = levels.setdefault(column, list(values.cat.categories) if is_category
                                  else sorted(values.unique(), key=str))
        unknown = df.index[~values.isin(known).to_numpy()]
        if len(unknown):
            raise InputError(f"column '{column}' has levels {rows_label(values.loc[unknown].unique())} in rows "
                             f"{rows_label(unknown)} that the full sample does not have ({known}). "
                             "Fix: pass the full sample from which these rows were taken.")
        for level in known[1:] if drop_first else known:
            parts[f"{column}{level}"] = (values == level).to_numpy(dtype=float)
    return pd.DataFrame(parts, index=df.index), levels

# ------------------------------------------------------------------------------------- balance


def _weighted_variance(x: np.ndarray, weights: np.ndarray, binary: np.ndarray) -> np.ndarray:
    w = weights / weights.sum()
    mean = w @ x
    with np.errstate(divide="ignore", invalid="ignore"):  # NaN for a single patient
        reliability = (w[:, None] * (x - mean) ** 2).sum(axis=0) / (1.0 - np.sum(w ** 2))
    return np.where(binary, mean * (1.0 - mean), reliability)


def _standardiser(x: np.ndarray, treated: np.ndarray, binary: np.ndarray, denominator: str) -> np.ndarray:
    ones = np.ones(x.shape[0])
    var1 = _weighted_variance(x[treated], ones[treated], binary)
    var0 = _weighted_variance(x[~treated], ones[~treated], binary)
    pooled = np.sqrt((var1 + var0) / 2.0)
    if denominator == "pooled":
        return pooled
    # MatchIt falls back to a pooled SD when the treated SD is zero.
    sd1 = np.sqrt(var1)
    return np.where(sd1 < _ZERO_SD, pooled, sd1)


def balance_statistics(x: pd.DataFrame, treated: np.ndarray, weights: np.ndarray, reference: pd.DataFrame,
             reference_treated: np.ndarray, denominator: str) -> pd.DataFrame:
    values, ref = x.to_numpy(dtype=float), reference.to_numpy(dtype=float)
    binary = np.all((ref == 0) | (ref == 1), axis=0) & np.all((values == 0) | (values == 1), axis=0)
    w1, w0 = weights[treated], weights[~treated]
    if w1.sum() <= 0 or w0.sum() <= 0:
        raise InputError("the weights of one arm sum to zero; each arm needs positive weights.")
    mean1, mean0 = w1 @ values[treated] / w1.sum(), w0 @ values[~treated] / w0.sum()
    scale = _standardiser(ref, reference_treated, binary, denominator)
    difference = mean1 - mean0
    with np.errstate(divide="ignore", invalid="ignore"):
        smd = np.where(difference == 0, 0.0, difference / scale)
        ratio = _weighted_variance(values[treated], w1, binary) / _weighted_variance(values[~treated], w0, binary)
    return pd.DataFrame({
        "covariate": list(x.columns), "mean_treated": mean1, "mean_control": mean0, "smd": smd,
        "variance_ratio": np.where(binary, np.nan, ratio), "sd_denominator": scale, "binary": binary,
        "denominator": denominator,
    })


def weights_array(df: pd.DataFrame, weights: str | pd.Series | np.ndarray | None) -> np.ndarray:
    if weights is None:
        return np.ones(len(df))
    if isinstance(weights, str):
        check_frame(df, [weights])
        values = df[weights].to_numpy(dtype=float)
    elif isinstance(weights, pd.Series):
        values = weights.reindex(df.index).to_numpy(dtype=float)
    else:
        values = np.asarray(weights, dtype=float)
    if values.shape != (len(df),) or not np.all(np.isfinite(values)) or np.any(values < 0):
        raise InputError("weights must be one finite, non-negative number per row of the data "
                         "(a column name, a Series on the same index, or an array of the same length).")
    return values


def balance_table(df: pd.DataFrame, *, treatment: str, covariates: Sequence[str],
                  weights: str | pd.Series | np.ndarray | None = None,
                  denominator: Literal["treated", "pooled"] = "treated",
                  reference: pd.DataFrame | None = None) -> pd.DataFrame:
    """Covariate balance between arms: means, standardised mean difference and variance ratio.

    Parameters
    ----------
    df : DataFrame
        The sample to describe (full, matched, or weighted through ``weights``); not modified.
    treatment : str
        Column coded 1 / 0 (or True/False).
    covariates : list of str
        Columns to describe. A non-numeric column gives one row per level, named column + level as
        MatchIt prints them (``raceblack``, ``racehispan``, ``racewhite``).
    weights : str, Series or array, optional
        Column name or per-row weights (e.g. :func:`ipw_att_weights`); unweighted when omitted.
    denominator : {"treated", "pooled"}
        ``"treated"`` (MatchIt's ATT default): SD of the treated arm; ``"pooled"``:
        sqrt((s1^2 + s0^2) / 2).
    reference : DataFrame, optional
        The full, unmatched sample from which the denominator is taken. Pass it when ``df`` is a matched
        cohort so that the SMDs before and after matching share one denominator, as in MatchIt.
        Defaults to ``df`` itself.

    Returns
    -------
    DataFrame
        One row per covariate (or level) with columns ``covariate``; ``mean_treated`` and
        ``mean_control`` (weighted means); ``smd`` ((mean_treated - mean_control) / sd_denominator);
        ``variance_ratio`` (weighted variance treated / control; NaN for binary covariates);
        ``sd_denominator``; ``binary`` (values only 0 and 1); ``denominator`` ("treated" or
        "pooled"). ``attrs["denominator"]`` repeats the rule.

    Notes
    -----
    SMD = (x̄1 - x̄0) / s, where s is computed in ``reference`` without weights: s = s1 for
    ``"treated"`` (sqrt(p1(1 - p1)) for a binary covariate; a pooled SD if s1 = 0, as MatchIt does),
    s = sqrt((s1^2 + s0^2) / 2) for ``"pooled"``. Weighted variances use reliability weights,
    sum w(x - x̄)^2 / (1 - sum w^2) with w normalised to sum 1 (``cov.wt`` in R, MatchIt's ``wvar``).
    Austin PC. Pharm Stat 2011;10:150-161; Ho, Imai, King, Stuart. J Stat Softw 2011;42(8) (MatchIt).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"dynamic": [1, 1, 0, 0], "age": [50.0, 60.0, 55.0, 75.0]})
    >>> balance_table(df, treatment="dynamic", covariates=["age"])[["covariate", "smd"]]
      covariate       smd
    0       age -1.414214
    """
    if denominator not in ("treated", "pooled"):
        raise InputError(f"denominator must be 'treated' or 'pooled', not {denominator!r}.")
    covariates = as_list(covariates)
    reference = df if reference is None else reference
    check_frame(df, [treatment, *covariates])
    check_frame(reference, [treatment, *covariates])
    ref_design, levels = covariate_design(reference, covariates, drop_first=False)
    design, _ = covariate_design(df, covariates, levels=levels, drop_first=False)
    table = balance_statistics(design, treatment_indicator(df, treatment), weights_array(df, weights), ref_design,
                     treatment_indicator(reference, treatment), denominator)
    table.attrs["denominator"] = denominator
    return table
