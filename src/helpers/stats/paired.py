"""Paired comparisons: before/after scores in the same patients and the pairs of a 1:1 match; the
paired t-test or the Wilcoxon signed-rank test (R's rule), chosen by a stated rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from helpers.stats.two_groups import COMPARISON_COLUMNS
from helpers.validation.checks import check_level, numeric_column, require_columns, two_levels
from helpers.validation.errors import InputError


# ----------------------------------------------------------------------------------- paired analysis
def compare_matched_pairs(matched: pd.DataFrame, *, outcome: str, group: str, pair: str = "pair_id",
                          reference: Any = None, normality: Literal["shapiro", "normal", "nonnormal"] = "shapiro",
                          alpha: float = 0.05, confidence: float = 0.95) -> pd.DataFrame:
    """Paired comparison of a 1:1 matched sample: paired t-test or Wilcoxon signed-rank test.

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
    normality : {"shapiro", "normal", "nonnormal"}
        ``"shapiro"``: the paired t-test if the Shapiro-Wilk test of the within-pair differences does
        not reject normality at ``alpha``, otherwise the Wilcoxon signed-rank test; the others impose
        the choice.
    alpha : float
        Level of the Shapiro-Wilk test.
    confidence : float
        Level of the confidence interval.

    Returns
    -------
    DataFrame
        One row with columns :data:`helpers.stats.two_groups.COMPARISON_COLUMNS`: ``quantity`` ("mean paired
        difference"), ``group`` ("other - reference"), ``estimate`` (mean of the within-pair
        differences), ``ci_low``, ``ci_high`` (t interval of that mean), ``p_value`` (of the chosen
        test), ``method`` (test, why it was chosen, pairs left out), ``n`` (complete pairs), ``test``
        ("paired t-test" or "Wilcoxon signed-rank"), ``statistic`` (t, or V = sum of positive ranks as
        R prints it). ``attrs["differences"]`` holds the within-pair differences.

    Raises
    ------
    InputError
        Missing columns, a pair without exactly one member of each group, or fewer than 3 complete pairs.

    Notes
    -----
    Paired t: t = mean(d) / (sd(d) / sqrt(n)) on n - 1 df (R ``t.test(x, y, paired = TRUE)``).
    Wilcoxon signed-rank: zero differences dropped; exact p-value when n < 50 and there are no ties,
    otherwise the normal approximation with tie and continuity corrections, as R's
    ``wilcox.test(x, y, paired = TRUE)``. The CI is always the t interval of the mean difference
    (valid for moderate n by the central limit theorem), so the estimate reads the same whichever
    test gives the p-value. Matched pairs are not independent samples: Austin (2011, Stat Med
    30:1292-1301) argues for paired methods after matching; Stuart (2010, Stat Sci 25:1-21) and
    MatchIt's authors accept the unpaired analysis. The chapter reports both.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"pair_id": [1, 1, 2, 2, 3, 3, 4, 4], "arm": ["a", "b"] * 4,
    ...                   "y": [10, 12, 8, 11, 9, 9.5, 7, 10]})
    >>> row = compare_matched_pairs(d, outcome="y", group="arm", normality="normal")
    >>> float(row.loc[0, "estimate"]), row.loc[0, "test"]
    (2.125, 'paired t-test')
    """
    if normality not in ("shapiro", "normal", "nonnormal"):
        raise InputError(f"normality={normality!r}; use 'shapiro', 'normal' or 'nonnormal'.")
    check_level(confidence)
    require_columns(matched, [outcome, group, pair])
    reference, other = two_levels(matched, group, reference)
    counts = matched.groupby([pair, group], observed=True).size().unstack(fill_value=0)
    bad = counts.index[(counts.reindex(columns=[reference, other], fill_value=0) != 1).any(axis=1)]
    if len(bad):
        raise InputError(f"pairs {list(bad[:5])} do not have exactly one '{reference}' and one '{other}' row; "
                         "pass the matched cohort of a 1:1 match.")
    wide = matched.pivot(index=pair, columns=group, values=outcome)
    complete = wide.dropna()
    dropped = len(wide) - len(complete)
    if len(complete) < 3:
        raise InputError(f"only {len(complete)} pair(s) have '{outcome}' for both members; at least 3 are needed.")
    differences = (complete[other] - complete[reference]).to_numpy(dtype=float)
    n = differences.size
    mean = float(differences.mean())
    half = stats.t.ppf(0.5 + confidence / 2, n - 1) * differences.std(ddof=1) / math.sqrt(n)
    if normality == "shapiro":
        shapiro = stats.shapiro(differences)
        normal = bool(shapiro.pvalue >= alpha)
        why = (f"Shapiro-Wilk {'did not reject' if normal else 'rejected'} normality of the within-pair "
               f"differences at {alpha} (W = {shapiro.statistic:.3f}, p = {shapiro.pvalue:.3g})")
    else:
        normal = normality == "normal"
        why = f"normality={normality!r} requested"
    left_out = f"; {dropped} pair(s) without the outcome for both members left out" if dropped else ""
    if normal:
        result = stats.ttest_rel(complete[other], complete[reference])
        test, statistic, p_value = "paired t-test", float(result.statistic), float(result.pvalue)
    else:
        signed_rank = wilcoxon_signed_rank(differences)
        test, statistic, p_value = "Wilcoxon signed-rank", signed_rank.statistic, signed_rank.p_value
        why += f"; {signed_rank.method}"
    frame = pd.DataFrame([{
        "quantity": "mean paired difference", "group": f"{other} - {reference}", "estimate": mean,
        "ci_low": mean - half, "ci_high": mean + half, "p_value": p_value,
        "method": f"{test} on {n} matched pairs; {why}; t CI of the mean difference{left_out}", "n": n,
        "test": test, "statistic": statistic}], columns=COMPARISON_COLUMNS)
    frame.attrs["differences"] = differences
    frame.attrs["pairs_left_out"] = dropped
    return frame


PAIRED_TESTS = ("auto", "t", "wilcoxon")


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
    comparison in the book (:func:`paired_comparison`, :func:`helpers.stats.paired.compare_matched_pairs`).

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
    level = check_level(level)
    if test not in PAIRED_TESTS:
        raise InputError(f"test={test!r}: use 'auto' (the stated rule), 't' or 'wilcoxon'.")
    first, second = numeric_column(df, before), numeric_column(df, after)
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
