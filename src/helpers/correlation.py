"""Column summaries, correlation of predictors with an outcome, and a paired before/after comparison.

Each returns one tidy DataFrame (``estimate, ci_low, ci_high, p_value, n, method`` among the columns).
Correlations come from pingouin (Pearson and Spearman with Fisher-z confidence intervals); the paired
comparison chooses a paired t-test or a Wilcoxon signed-rank test by a fixed, stated rule.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
import pingouin
from scipy import stats

from helpers.io import InputError

CORRELATIONS = {"pearson": "Pearson r", "spearman": "Spearman rho"}
PAIRED_TESTS = ("auto", "t", "wilcoxon")


def _numeric_column(df: pd.DataFrame, column: str) -> pd.Series:
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"expected a pandas DataFrame, got {type(df).__name__}.")
    if column not in df.columns:
        raise InputError(f"column '{column}' not found; the data have columns {list(df.columns)}.")
    try:
        return df[column].astype(float)
    except (TypeError, ValueError):
        raise InputError(f"column '{column}' is not numeric (dtype {df[column].dtype}); convert it first.") from None


def _check_level(level: float) -> float:
    if not 0 < level < 1:
        raise InputError(f"level={level!r}: give a confidence level between 0 and 1, e.g. 0.95.")
    return float(level)


def describe_columns(df: pd.DataFrame, *, columns: Sequence[str], level: float = 0.95) -> pd.DataFrame:
    """Mean with its t confidence interval, SD, median and quartiles of numeric columns.

    Parameters
    ----------
    df : DataFrame
        One row per patient; not modified.
    columns : list of str
        Numeric columns.
    level : float
        Confidence level of the mean's interval.

    Returns
    -------
    DataFrame
        One row per column: ``variable, n`` (non-missing), ``n_missing, mean, mean_ci_low,
        mean_ci_high, sd, median, q1, q3, minimum, maximum``.

    Notes
    -----
    CI of the mean: mean -/+ t_(n-1) SD / sqrt(n); SD with divisor n - 1; quartiles by linear
    interpolation (R's type 7, numpy's default).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"mjoa_pre": [9, 11, 10, 12, 8], "mjoa_post": [14, 15, 13, 16, None]})
    >>> describe_columns(df, columns=["mjoa_pre", "mjoa_post"])[["variable", "n", "mean", "sd"]].round(3)
        variable  n  mean     sd
    0   mjoa_pre  5  10.0  1.581
    1  mjoa_post  4  14.5  1.291
    """
    level = _check_level(level)
    if isinstance(columns, str):
        raise InputError(f"columns={columns!r}: give a list of column names, e.g. ['mjoa_pre', 'mjoa_post'].")
    rows = []
    for column in columns:
        values = _numeric_column(df, column).dropna().to_numpy()
        n = len(values)
        mean = float(values.mean()) if n else np.nan
        sd = float(values.std(ddof=1)) if n > 1 else np.nan
        half = float(stats.t.ppf(0.5 + level / 2, n - 1) * sd / np.sqrt(n)) if n > 1 else np.nan
        q1, median, q3 = np.quantile(values, [0.25, 0.5, 0.75]) if n else (np.nan,) * 3
        rows.append({"variable": column, "n": n, "n_missing": int(len(df) - n), "mean": mean,
                     "mean_ci_low": mean - half, "mean_ci_high": mean + half, "sd": sd, "median": float(median),
                     "q1": float(q1), "q3": float(q3), "minimum": float(values.min()) if n else np.nan,
                     "maximum": float(values.max()) if n else np.nan})
    return pd.DataFrame(rows)


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
        A missing or non-numeric column, an unknown method, or fewer than 4 complete pairs.

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
    level = _check_level(level)
    if isinstance(variables, str):
        raise InputError(f"variables={variables!r}: give a list of column names, e.g. ['fa', 'adc'].")
    unknown = [m for m in methods if m not in CORRELATIONS]
    if unknown or len(methods) == 0:
        raise InputError(f"methods={list(methods)!r}: choose from {list(CORRELATIONS)}.")
    y_all = _numeric_column(df, outcome)
    rows = []
    for variable in variables:
        x_all = _numeric_column(df, variable)
        complete = x_all.notna() & y_all.notna()
        x, y = x_all[complete].to_numpy(), y_all[complete].to_numpy()
        n = int(complete.sum())
        if n < 4:
            raise InputError(f"'{variable}' and '{outcome}' have {n} complete pairs; a correlation with a "
                             "confidence interval needs at least 4.")
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


def _hodges_lehmann(differences: np.ndarray, level: float) -> tuple[float, float, float]:
    """Pseudo-median of the differences (median of the Walsh averages) with its distribution-free CI."""
    i, j = np.triu_indices(len(differences))
    walsh = np.sort((differences[i] + differences[j]) / 2)
    n = len(differences)
    z = stats.norm.ppf(0.5 + level / 2)
    k = int(np.floor(n * (n + 1) / 4 - z * np.sqrt(n * (n + 1) * (2 * n + 1) / 24)))
    k = min(max(k, 0), len(walsh) - 1)
    return float(np.median(walsh)), float(walsh[k]), float(walsh[len(walsh) - 1 - k])


@dataclass(frozen=True)
class SignedRankResult:
    """Wilcoxon signed-rank test of paired differences (see :func:`wilcoxon_signed_rank`)."""

    statistic: float  # V, the sum of the ranks of the positive differences (as R prints it)
    p_value: float
    exact: bool
    n_nonzero: int
    method: str


def wilcoxon_signed_rank(differences: np.ndarray) -> SignedRankResult:
    """Wilcoxon signed-rank test that the paired differences are centred on zero, as R's ``wilcox.test``.

    Parameters
    ----------
    differences : array
        Within-pair differences (after - before, or other - reference).

    Returns
    -------
    SignedRankResult
        ``statistic`` (V), ``p_value`` (two-sided), ``exact``, ``n_nonzero`` and ``method`` (text).

    Raises
    ------
    InputError
        Every difference is zero.

    Notes
    -----
    R's rule (``wilcox.test(x, y, paired = TRUE)``): zero differences are dropped; the p-value is
    exact when fewer than 50 differences remain and there are neither ties nor zeros, otherwise it
    uses the normal approximation with tie and continuity corrections. The one rule for every paired
    comparison in the book (:func:`paired_comparison`, :func:`helpers.effects.compare_matched_pairs`).

    Examples
    --------
    >>> result = wilcoxon_signed_rank(np.array([1.0, 2.0, 0.0, 3.0, -1.5, 4.0, 5.0]))
    >>> result.statistic, round(result.p_value, 5), result.exact
    (19.0, 0.09349, False)
    """
    differences = np.asarray(differences, dtype=float)
    nonzero = differences[differences != 0]
    if nonzero.size == 0:
        raise InputError("every paired difference is zero; there is nothing to test.")
    ties = np.unique(np.abs(nonzero)).size < nonzero.size or nonzero.size < differences.size
    exact = not ties and nonzero.size < 50
    result = stats.wilcoxon(nonzero, zero_method="wilcox", correction=not exact,
                            method="exact" if exact else "approx")
    ranks = stats.rankdata(np.abs(nonzero))
    method = "exact p-value" if exact else "normal approximation with tie and continuity corrections"
    return SignedRankResult(statistic=float(ranks[nonzero > 0].sum()), p_value=float(result.pvalue), exact=exact,
                            n_nonzero=int(nonzero.size), method=method)


def paired_comparison(df: pd.DataFrame, *, before: str, after: str, test: str = "auto",
                      normality_alpha: float = 0.05, level: float = 0.95) -> pd.DataFrame:
    """Compare a score before and after treatment in the same patients (paired t or Wilcoxon).

    Parameters
    ----------
    df : DataFrame
        One row per patient; not modified. Rows missing either score are left out (counted in ``n``).
    before, after : str
        Numeric columns (e.g. ``mjoa_pre`` and ``mjoa_post``).
    test : {"auto", "t", "wilcoxon"}
        ``"auto"`` applies the stated rule below; ``"t"`` or ``"wilcoxon"`` force one test (e.g. for a
        sensitivity analysis).
    normality_alpha : float
        Significance level of the Shapiro-Wilk test in the ``"auto"`` rule.
    level : float
        Confidence level.

    Returns
    -------
    DataFrame
        One row: ``before, after, n, before_mean, before_sd, after_mean, after_sd,
        mean_difference, sd_difference, median_difference, estimate`` (mean difference for the t-test,
        Hodges-Lehmann pseudo-median for Wilcoxon; after - before), ``ci_low, ci_high, statistic``
        (t or V), ``df`` (t only), ``p_value, effect_size`` (Cohen's d_z = mean / SD of the
        differences), ``normality_p_value`` (Shapiro-Wilk on the differences), ``test, rule, method``.

    Raises
    ------
    InputError
        Missing or non-numeric columns, fewer than 3 complete pairs, an unknown test.

    Notes
    -----
    Rule (``"auto"``): the paired t-test when the Shapiro-Wilk test of the differences has
    p >= ``normality_alpha``, otherwise the Wilcoxon signed-rank test. The t-test's CI is
    mean -/+ t_(n-1) SD / sqrt(n). The Wilcoxon test is ``scipy.stats.wilcoxon`` with zero
    differences dropped and the normal approximation with continuity correction when there are
    ties or zeros (as R's ``wilcox.test(paired = TRUE)``); V is the sum of the positive ranks. Its
    estimate is the Hodges-Lehmann pseudo-median with the Walsh-average interval (large-sample
    order statistic; Hollander & Wolfe 1999). A normality pre-test has low power in small samples
    and the choice it makes should be reported; the other test is a natural sensitivity analysis.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"pre": [9, 11, 10, 12, 8, 10, 13, 9], "post": [14, 15, 13, 16, 12, 15, 16, 15]})
    >>> row = paired_comparison(df, before="pre", after="post").iloc[0]
    >>> print(row["test"], round(float(row["estimate"]), 3), round(float(row["statistic"]), 3))
    paired t-test 4.25 11.613
    """
    level = _check_level(level)
    if test not in PAIRED_TESTS:
        raise InputError(f"test={test!r}: use 'auto' (the stated rule), 't' or 'wilcoxon'.")
    first, second = _numeric_column(df, before), _numeric_column(df, after)
    complete = first.notna() & second.notna()
    x, y = first[complete].to_numpy(), second[complete].to_numpy()
    n = int(complete.sum())
    if n < 3:
        raise InputError(f"'{before}' and '{after}' have {n} complete pairs; a paired comparison needs at least 3.")
    differences = y - x
    normality = float(stats.shapiro(differences).pvalue) if np.ptp(differences) > 0 else np.nan
    if test == "auto":
        chosen = "t" if not np.isnan(normality) and normality >= normality_alpha else "wilcoxon"
        rule = (f"Shapiro-Wilk on the differences: p = {normality:.3g} "
                f"{'>=' if chosen == 't' else '<'} {normality_alpha:g}, so the "
                f"{'paired t-test' if chosen == 't' else 'Wilcoxon signed-rank test'}")
    else:
        chosen, rule = test, "chosen by the caller"
    mean, sd = float(differences.mean()), float(differences.std(ddof=1))
    if chosen == "t":
        t = stats.ttest_rel(y, x)
        half = stats.t.ppf(0.5 + level / 2, n - 1) * sd / np.sqrt(n)
        estimate, low, high = mean, mean - half, mean + half
        statistic, dof, p_value = float(t.statistic), float(n - 1), float(t.pvalue)
        name, method = "paired t-test", "paired t-test, t CI of the mean difference"
    else:
        if not np.any(differences != 0):
            raise InputError(f"every patient has the same '{before}' and '{after}'; there is nothing to test.")
        signed_rank = wilcoxon_signed_rank(differences)
        statistic, dof, p_value = signed_rank.statistic, np.nan, signed_rank.p_value
        estimate, low, high = _hodges_lehmann(differences, level)
        name = "Wilcoxon signed-rank test"
        method = f"Wilcoxon signed-rank test ({signed_rank.method}), Hodges-Lehmann estimate and CI"
    return pd.DataFrame([{
        "before": before, "after": after, "n": n, "before_mean": float(x.mean()), "before_sd": float(x.std(ddof=1)),
        "after_mean": float(y.mean()), "after_sd": float(y.std(ddof=1)), "mean_difference": mean,
        "sd_difference": sd, "median_difference": float(np.median(differences)), "estimate": estimate,
        "ci_low": low, "ci_high": high, "statistic": statistic, "df": dof, "p_value": p_value,
        "effect_size": mean / sd if sd > 0 else np.nan, "normality_p_value": normality, "test": name,
        "rule": rule, "method": method}])
