"""Paired comparisons: before/after scores in the same patients and the pairs of a 1:1 match. One
analysis (:func:`paired_comparison`): the paired t-test or the Wilcoxon signed-rank test, chosen by the
book's one normality rule (:func:`helpers.stats.two_groups.normality_rule`), each with its own estimate
and interval; :func:`compare_matched_pairs` reshapes matched pairs and calls it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from helpers.stats.two_groups import (
    COMPARISON_COLUMNS,
    HODGES_LEHMANN_NOTE,
    NORMALITY_CHOICES,
    HodgesLehmannEstimate,
    exact_order_statistic,
    normality_rule,
    root_of_steps,
    shortfall,
)
from helpers.validation.checks import check_level, numeric_column, require_columns, two_levels
from helpers.validation.errors import InputError
from helpers.validation.estimable import NotEstimable

PAIRED_T, SIGNED_RANK = "paired t-test", "Wilcoxon signed-rank"
"""Names of the two paired tests, as they appear in every table's ``test`` column."""


# ------------------------------------------------------------------------------ Wilcoxon signed rank
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
    uses the normal approximation with tie and continuity corrections.

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
    exact = _exact_signed_rank(differences)
    result = stats.wilcoxon(nonzero, zero_method="wilcox", correction=not exact,
                            method="exact" if exact else "approx")
    ranks = stats.rankdata(np.abs(nonzero))
    method = "exact p-value" if exact else "normal approximation with tie and continuity corrections"
    return SignedRankResult(statistic=float(ranks[nonzero > 0].sum()), p_value=float(result.pvalue), exact=exact,
                            n_nonzero=int(nonzero.size), method=method)


def _exact_signed_rank(differences: np.ndarray) -> bool:
    """R's rule: exact when fewer than 50 non-zero differences remain, with no zeros and no tied |d|."""
    nonzero = differences[differences != 0]
    return nonzero.size < 50 and nonzero.size == differences.size and np.unique(np.abs(nonzero)).size == nonzero.size


def _signed_rank_null_counts(n: int) -> list[int]:
    """Number of sign patterns giving V = 0..n(n+1)/2 for n ranks (coefficients of prod (1 + q^k))."""
    total = n * (n + 1) // 2
    counts = [1] + [0] * total
    for k in range(1, n + 1):
        for v in range(total, k - 1, -1):
            counts[v] += counts[v - k]
    return counts


def _signed_rank_z(values: np.ndarray, shift: float, correct: bool) -> float:
    """R's standardised signed-rank statistic of ``values - shift`` (zeros dropped, tie-corrected SD)."""
    centred = values - shift
    centred = centred[centred != 0]
    n = centred.size
    if n == 0:
        return np.nan
    ranks = stats.rankdata(np.abs(centred))
    ties = np.unique(ranks, return_counts=True)[1].astype(float)
    sigma = np.sqrt(n * (n + 1) * (2 * n + 1) / 24 - float((ties ** 3 - ties).sum()) / 48)
    z = float(ranks[centred > 0].sum()) - n * (n + 1) / 4
    return (z - (0.5 * np.sign(z) if correct else 0.0)) / sigma if sigma > 0 else np.nan


def _walsh_averages(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct Walsh averages ``(d_i + d_j) / 2``, i <= j, sorted, and the number of them at most each.

    Built from the distinct values and their counts (``c_a (c_a + 1) / 2`` pairs for a value with itself,
    ``c_a c_b`` for two values), so scores with few distinct differences (points on a clinical scale) need
    a few hundred averages, not n(n + 1)/2: 55 million for 10,500 patients.
    """
    distinct, counts = np.unique(values, return_counts=True)
    a, b = np.triu_indices(len(distinct))
    pairs = np.where(a == b, counts[a] * (counts[a] + 1) // 2, counts[a] * counts[b])
    points, which = np.unique((distinct[a] + distinct[b]) / 2, return_inverse=True)
    return points, np.cumsum(np.bincount(which, weights=pairs, minlength=len(points)).astype(np.int64))


def hodges_lehmann_pseudomedian(differences: Any, *, level: float = 0.95) -> HodgesLehmannEstimate:
    """Hodges-Lehmann pseudo-median of paired differences with its distribution-free interval, as R.

    Parameters
    ----------
    differences : array
        Within-pair differences (after - before). Zero differences are dropped, as the Wilcoxon test
        drops them.
    level : float
        Confidence level.

    Returns
    -------
    HodgesLehmannEstimate
        ``estimate`` (median of the Walsh averages (d_i + d_j) / 2, i <= j, of the non-zero
        differences), ``ci_low``, ``ci_high``, ``exact``, ``method``.

    Raises
    ------
    InputError
        Every difference is zero.

    Notes
    -----
    R's ``wilcox.test(after, before, paired = TRUE, conf.int = TRUE)``. Without zeros or tied |d| and with
    fewer than 50 differences the interval is exact: Walsh averages k and N + 1 - k, k =
    ``qsignrank((1 - level) / 2, n)``, N = n(n + 1)/2 (Hollander and Wolfe 1999, 3.3). Otherwise it is the
    set of centres the signed-rank test with tie and continuity corrections does not reject (R solves
    for its ends with ``uniroot`` to 1e-4; here they are found exactly, and they are Walsh averages);
    when even the data range cannot reach ``level``, R and this function lower the level and warn.
    The limits are order statistics of the Walsh averages, so with ties or discrete scores a limit
    can equal the estimate. R's estimate without ties and zeros matches exactly; otherwise R reports a
    root of the estimating equation between the two middle Walsh averages, this their midpoint.

    Examples
    --------
    R: ``wilcox.test(c(1.2, 2.9, 0.4, 3.8, -0.7, 2.2, 1.6), conf.int = TRUE)`` gives the pseudo-median
    1.625 with the exact interval (0.25, 3).

    >>> hl = hodges_lehmann_pseudomedian([1.2, 2.9, 0.4, 3.8, -0.7, 2.2, 1.6])
    >>> round(hl.estimate, 3), round(hl.ci_low, 3), round(hl.ci_high, 3), hl.exact
    (1.625, 0.25, 3.0, True)
    """
    level = check_level(level)
    values = np.asarray(differences, dtype=float)
    nonzero = values[values != 0]
    n = nonzero.size
    if n == 0:
        raise InputError("every paired difference is zero; there is no location to estimate.")
    points, at_most = _walsh_averages(nonzero)
    total = n * (n + 1) // 2

    def walsh(position: int) -> float:  # the position-th smallest Walsh average, from 1
        return float(points[np.searchsorted(at_most, position, side="left")])

    estimate = walsh((total + 1) // 2) if total % 2 else (walsh(total // 2) + walsh(total // 2 + 1)) / 2
    zeros = f"; {values.size - n} zero difference(s) dropped" if n < values.size else ""
    if _exact_signed_rank(values):
        k, achieved = exact_order_statistic(_signed_rank_null_counts(n), level)
        return HodgesLehmannEstimate(estimate, walsh(k), walsh(total + 1 - k), True,
                                     "exact limits (R wilcox.test: no ties or zeros, < 50 differences)"
                                     + shortfall(level, achieved, f"{n} differences"))
    alpha = 1 - level
    at_min, at_max = _signed_rank_z(nonzero, nonzero.min(), True), _signed_rank_z(nonzero, nonzero.max(), True)
    if not (np.isfinite(at_min) and np.isfinite(at_max)):  # R: every non-zero difference is the same
        return HodgesLehmannEstimate(estimate, np.nan, np.nan, False,
                                     f"no interval: every non-zero difference is the same (as R){zeros}")
    while alpha < 1 and (at_min < stats.norm.isf(alpha / 2) or at_max > stats.norm.ppf(alpha / 2)):
        alpha *= 2  # R: the requested level is not achievable within the range of the differences
    how = f"limits from the normal approximation (R wilcox.test: ties, zeros or >= 50 differences){zeros}"
    if alpha > 1 - level:
        achieved = 1 - min(alpha, 1.0)
        warnings.warn(f"a {level:.0%} interval of the pseudo-median is not achievable with {n} differences; "
                      f"the interval given has level {achieved:.3g} (as R's wilcox.test).", stacklevel=2)
        how += f"; requested level not achievable, interval at level {achieved:.3g} (as R)"
        if alpha >= 1:
            return HodgesLehmannEstimate(estimate, float(np.median(nonzero)), float(np.median(nonzero)), False, how)
    above = np.concatenate([[total], total - at_most]).astype(float)
    ties = np.unique(nonzero, return_counts=True)[1].astype(float)
    sigma = np.sqrt(n * (n + 1) * (2 * n + 1) / 24 - float((ties ** 3 - ties).sum()) / 48)
    centred = above - n * (n + 1) / 4
    z = (centred - 0.5 * np.sign(centred)) / sigma
    quantile = float(stats.norm.isf(alpha / 2))
    return HodgesLehmannEstimate(estimate, root_of_steps(points, z - quantile), root_of_steps(points, z + quantile),
                                 False, how)


# ----------------------------------------------------------------------------------- paired analysis
def paired_comparison(df: pd.DataFrame, *, before: str, after: str,
                      normality: Literal["shapiro", "normal", "nonnormal"] = "shapiro",
                      normality_alpha: float = 0.05, level: float = 0.95) -> pd.DataFrame:
    """Compare a score before and after treatment in the same patients (paired t or Wilcoxon).

    Parameters
    ----------
    df : DataFrame
        One row per patient (or pair); not modified. Rows missing either score are left out (counted in
        ``n_left_out``).
    before, after : str
        Numeric columns (e.g. ``mjoa_pre`` and ``mjoa_post``); the difference is after - before.
    normality : {"shapiro", "normal", "nonnormal"}
        The book's rule (:func:`helpers.stats.two_groups.normality_rule`) applied to the differences:
        "shapiro": the paired t-test unless the Shapiro-Wilk test rejects normality of the differences
        at ``normality_alpha``, then the Wilcoxon signed-rank test; "normal" / "nonnormal" impose the
        paired t-test / the Wilcoxon test (e.g. for a sensitivity analysis).
    normality_alpha : float
        Level of the Shapiro-Wilk test.
    level : float
        Confidence level.

    Returns
    -------
    DataFrame
        One row: ``before, after, n`` (complete pairs), ``n_left_out``, ``before_mean, before_sd,
        after_mean, after_sd, mean_difference, sd_difference, median_difference`` (descriptive),
        ``quantity`` ("mean difference" for the t-test, "Hodges-Lehmann pseudo-median" for Wilcoxon),
        ``estimate, ci_low, ci_high, statistic`` (t or V), ``df`` (t only), ``p_value`` (all four from the
        chosen test's own analysis), ``effect_size`` (Cohen's d_z = mean / SD of the differences),
        ``normality_p_value`` (Shapiro-Wilk on the differences), ``test, rule`` (why this test),
        ``method``. ``attrs["differences"]`` holds the complete differences (a tuple).

    Raises
    ------
    InputError
        Missing or non-numeric columns, fewer than 3 complete pairs, an unknown ``normality``, or only
        zero differences for the Wilcoxon test.

    Notes
    -----
    Paired t: t = mean(d) / (sd(d) / sqrt(n)) on n - 1 df, CI mean -/+ t_(n-1) SD / sqrt(n) (R
    ``t.test(after, before, paired = TRUE)``). Wilcoxon: :func:`wilcoxon_signed_rank` (R's rule for
    the exact or normal-approximation p-value), estimate and CI by :func:`hodges_lehmann_pseudomedian`
    (R ``wilcox.test(after, before, paired = TRUE, conf.int = TRUE)``). A normality pre-test has low power
    in small samples; report the choice, and the other test as a sensitivity analysis.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"pre": [9, 11, 10, 12, 8, 10, 13, 9], "post": [14, 15, 13, 16, 12, 15, 16, 15]})
    >>> row = paired_comparison(df, before="pre", after="post").iloc[0]
    >>> print(row["test"], round(float(row["estimate"]), 3), round(float(row["statistic"]), 3))
    paired t-test 4.25 11.613
    """
    level = check_level(level)
    if normality not in NORMALITY_CHOICES:
        raise InputError(f"normality={normality!r}: use 'shapiro' (the stated rule), 'normal' (paired t-test) or "
                         "'nonnormal' (Wilcoxon signed-rank test).")
    first, second = numeric_column(df, before), numeric_column(df, after)
    complete = first.notna() & second.notna()
    x, y = first[complete].to_numpy(), second[complete].to_numpy()
    n = int(complete.sum())
    if n < 3:
        raise InputError(f"'{before}' and '{after}' have {n} complete pairs; a paired comparison needs at least 3.")
    differences = y - x
    normality_p = float(stats.shapiro(differences).pvalue) if np.ptp(differences) > 0 else np.nan
    rule = normality_rule({"the differences": differences}, normality=normality, normality_alpha=normality_alpha)
    mean, sd = float(differences.mean()), float(differences.std(ddof=1))
    if rule.normal:
        t = stats.ttest_rel(y, x)
        half = stats.t.ppf(0.5 + level / 2, n - 1) * sd / np.sqrt(n)
        quantity, estimate, low, high = "mean difference", mean, mean - half, mean + half
        statistic, dof, p_value = float(t.statistic), float(n - 1), float(t.pvalue)
        name, method = PAIRED_T, f"paired t-test; {rule.reason}; mean difference with t CI"
    else:
        if not np.any(differences != 0):
            raise InputError(f"every patient has the same '{before}' and '{after}'; there is nothing to test.")
        signed_rank = wilcoxon_signed_rank(differences)
        hodges_lehmann = hodges_lehmann_pseudomedian(differences, level=level)
        statistic, dof, p_value = signed_rank.statistic, np.nan, signed_rank.p_value
        quantity, estimate = "Hodges-Lehmann pseudo-median", hodges_lehmann.estimate
        low, high = hodges_lehmann.ci_low, hodges_lehmann.ci_high
        name = SIGNED_RANK
        method = (f"Wilcoxon signed-rank test, {signed_rank.method}; {rule.reason}; Hodges-Lehmann pseudo-median "
                  f"(median of the Walsh averages of the non-zero differences) with its "
                  f"{HODGES_LEHMANN_NOTE.replace('pairwise differences', 'Walsh averages')}, {hodges_lehmann.method}")
    frame = pd.DataFrame([{
        "before": before, "after": after, "n": n, "n_left_out": int(len(df) - n), "before_mean": float(x.mean()),
        "before_sd": float(x.std(ddof=1)), "after_mean": float(y.mean()), "after_sd": float(y.std(ddof=1)),
        "mean_difference": mean, "sd_difference": sd, "median_difference": float(np.median(differences)),
        "quantity": quantity, "estimate": estimate, "ci_low": low, "ci_high": high, "statistic": statistic,
        "df": dof, "p_value": p_value, "effect_size": mean / sd if sd > 0 else np.nan,
        "normality_p_value": normality_p, "test": name, "rule": rule.reason, "method": method}])
    frame.attrs["differences"] = tuple(float(value) for value in differences)  # a tuple: pandas compares attrs
    return frame


def compare_matched_pairs(matched: pd.DataFrame, *, outcome: str, group: str, pair: str = "pair_id",
                          reference: Any = None, normality: Literal["shapiro", "normal", "nonnormal"] = "shapiro",
                          normality_alpha: float = 0.05, level: float = 0.95) -> pd.DataFrame:
    """Paired comparison of a 1:1 matched sample: :func:`paired_comparison` on the within-pair differences.

    Parameters
    ----------
    matched : DataFrame
        Two rows per pair (e.g. ``MatchResult.matched``), one in each group; not modified.
    outcome : str
        Continuous outcome. Pairs in which either member's outcome is missing are left out (counted
        in ``method``).
    group : str
        Column with the two groups.
    pair : str
        Column identifying the pair (``pair_id`` in a :class:`helpers.stats.matching.MatchResult`).
    reference : optional
        Reference group; the within-pair difference is other minus reference (default: first sorted).
    normality, normality_alpha, level
        As in :func:`paired_comparison` (the same rule, applied to the within-pair differences).

    Returns
    -------
    DataFrame
        One row with columns :data:`helpers.stats.two_groups.COMPARISON_COLUMNS`, taken from
        :func:`paired_comparison` with the reference member as "before" and the other as "after":
        ``quantity`` ("mean difference" for the paired t-test, "Hodges-Lehmann pseudo-median" for
        Wilcoxon, of the within-pair differences), ``group`` ("other - reference"), ``estimate``,
        ``ci_low``, ``ci_high``, ``p_value`` (the chosen test's own analysis), ``method`` (test, why it was
        chosen, CI, pairs left out), ``n`` (complete pairs), ``test`` ("paired t-test" or "Wilcoxon
        signed-rank"), ``statistic`` (t, or V as R prints it). ``attrs["differences"]`` holds the
        within-pair differences, ``attrs["pairs_left_out"]`` the number of incomplete pairs.

    Raises
    ------
    InputError
        Missing columns, a pair without exactly one member of each group, or fewer than 3 complete pairs.

    Notes
    -----
    Matched pairs are not independent samples: Austin (2011, Stat Med 30:1292-1301) argues for paired
    methods after matching; Stuart (2010, Stat Sci 25:1-21) and MatchIt's authors accept the unpaired
    analysis. The chapter reports both.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"pair_id": [1, 1, 2, 2, 3, 3, 4, 4], "arm": ["a", "b"] * 4,
    ...                   "y": [10, 12, 8, 11, 9, 9.5, 7, 10]})
    >>> row = compare_matched_pairs(d, outcome="y", group="arm", normality="normal")
    >>> float(row.loc[0, "estimate"]), row.loc[0, "test"]
    (2.125, 'paired t-test')
    """
    require_columns(matched, [outcome, group, pair])
    reference, other = two_levels(matched, group, reference)
    counts = matched.groupby([pair, group], observed=True).size().unstack(fill_value=0)
    bad = counts.index[(counts.reindex(columns=[reference, other], fill_value=0) != 1).any(axis=1)]
    if len(bad):
        raise InputError(f"pairs {list(bad[:5])} do not have exactly one '{reference}' and one '{other}' row; "
                         "pass the matched cohort of a 1:1 match.")
    wide = matched.pivot(index=pair, columns=group, values=outcome)
    wide = pd.DataFrame({"reference": wide[reference], "other": wide[other]})
    complete = int(wide.notna().all(axis=1).sum())
    if complete < 3:
        raise NotEstimable(f"only {complete} pair(s) have '{outcome}' for both members; at least 3 are needed")
    result = paired_comparison(wide, before="reference", after="other", normality=normality,
                               normality_alpha=normality_alpha, level=level)
    row = result.iloc[0]
    dropped = int(row["n_left_out"])
    left_out = f"; {dropped} pair(s) without the outcome for both members left out" if dropped else ""
    frame = pd.DataFrame([{
        "quantity": row["quantity"], "group": f"{other} - {reference}", "estimate": row["estimate"],
        "ci_low": row["ci_low"], "ci_high": row["ci_high"], "p_value": row["p_value"],
        "method": f"{row['n']} matched pairs; {row['method']}{left_out}", "n": int(row["n"]), "test": row["test"],
        "statistic": row["statistic"]}], columns=COMPARISON_COLUMNS)
    frame.attrs["differences"] = result.attrs["differences"]
    frame.attrs["pairs_left_out"] = dropped
    return frame
