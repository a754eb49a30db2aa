"""Correlation of predictors with an outcome: Pearson and Spearman coefficients with Fisher z intervals."""

from __future__ import annotations

import warnings
from typing import Sequence

import numpy as np
import pandas as pd

from helpers.validation.checks import check_level, numeric_column
from helpers.validation.errors import InputError
from helpers.validation.estimable import NotEstimable

CORRELATIONS = {"pearson": "Pearson r", "spearman": "Spearman rho"}


def correlation_table(df: pd.DataFrame, *, outcome: str, variables: Sequence[str],
                      methods: Sequence[str] = ("pearson", "spearman"), level: float = 0.95) -> pd.DataFrame:
    """Pearson and Spearman correlation of each variable with an outcome, with confidence intervals.

    Parameters
    ----------
    df : DataFrame
        One row per patient; not modified.
    outcome : str
        Numeric outcome column (e.g. ``recovery_rate``).
    variables : list of str
        Numeric columns to correlate with the outcome, one at a time.
    methods : sequence of {"pearson", "spearman"}
        Correlation coefficients to report, in this order for each variable.
    level : float
        Confidence level.

    Returns
    -------
    DataFrame
        One row per variable and method: ``variable, outcome, correlation`` (``pearson`` or
        ``spearman``), ``estimate, ci_low, ci_high, p_value, n`` (complete pairs), ``level, method``.

    Raises
    ------
    InputError
        A missing or non-numeric column, an unknown method.
    NotEstimable
        Fewer than 4 complete pairs, or a variable (or the outcome) with the same value in every pair.

    Notes
    -----
    ``pingouin.corr`` gives r (or rho) and the two-sided p-value (t with n - 2 df, as R's
    ``cor.test``). The interval is the Fisher z interval, ``pingouin.compute_esci``:
    tanh(atanh(r) -/+ z_(1+level)/2 / sqrt(n - 3)) (Fisher 1921), the interval R's ``cor.test``
    reports for Pearson's r. pingouin uses the same formula for Spearman's rho; it is an
    approximation there (Bonett & Wright 2000, Psychometrika 65:23-28, give a wider one). Each
    variable uses its complete pairs with the outcome; fewer than 10 pairs gives a warning.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"recovery": [20, 35, 50, 55, 70, 80, 90, 40, 65, 30, 75, 60],
    ...                    "fa": [0.35, 0.38, 0.41, 0.40, 0.47, 0.45, 0.52, 0.42, 0.39, 0.37, 0.50, 0.44]})
    >>> table = correlation_table(df, outcome="recovery", variables=["fa"])
    >>> table[["correlation", "estimate", "ci_low", "ci_high", "n"]].round(3)
      correlation  estimate  ci_low  ci_high   n
    0     pearson     0.878   0.612    0.965  12
    1    spearman     0.881   0.621    0.966  12
    """
    import pingouin

    level = check_level(level)
    if isinstance(variables, str):
        raise InputError(f"variables={variables!r}: give a list of column names, e.g. ['fa', 'adc'].")
    unknown = [m for m in methods if m not in CORRELATIONS]
    if unknown or len(methods) == 0:
        raise InputError(f"methods={list(methods)!r}: choose from {list(CORRELATIONS)}.")
    y_all = numeric_column(df, outcome)
    rows = []
    for variable in variables:
        x_all = numeric_column(df, variable)
        complete = x_all.notna() & y_all.notna()
        x, y = x_all[complete].to_numpy(), y_all[complete].to_numpy()
        n = int(complete.sum())
        if n < 4:
            raise NotEstimable(f"'{variable}' and '{outcome}' have {n} complete pairs; a correlation with a "
                               "confidence interval needs at least 4")
        for name, values in ((variable, x), (outcome, y)):
            if len(np.unique(values)) == 1:
                raise NotEstimable(f"'{name}' has the same value ({values[0].item()!r}) in all {n} complete pairs, so "
                                   f"its correlation with '{outcome if name == variable else variable}' is "
                                   "undefined (it does not vary)")
        if n < 10:
            warnings.warn(f"'{variable}': {n} complete pairs; the correlation's interval is very wide and the "
                          "Fisher z approximation rough.", stacklevel=2)
        for method in methods:
            result = pingouin.corr(x, y, method=method).iloc[0]
            r = float(result["r"])
            if abs(r) == 1:
                low = high = r
            else:
                # decimals=15: pingouin rounds the interval; keep it at full precision
                low, high = pingouin.compute_esci(stat=r, nx=n, ny=n, eftype="r", confidence=level, decimals=15)
            rows.append({"variable": variable, "outcome": outcome, "correlation": method, "estimate": r,
                         "ci_low": float(low), "ci_high": float(high), "p_value": float(result["p_val"]), "n": n,
                         "level": level, "method": f"{CORRELATIONS[method]} (pingouin), Fisher z CI"})
    return pd.DataFrame(rows)
