"""Two-group comparisons, each test chosen by a stated rule: Welch's t-test or Mann-Whitney U for a
continuous outcome, chi-squared or Fisher's exact test for a binary one.

The book's one normality rule (:func:`normality_rule`) lives here and is used by
:func:`compare_two_groups`, the Table 1 of :func:`helpers.stats.descriptive.describe_by_group` and the
paired analysis of :mod:`helpers.stats.paired`; the Hodges-Lehmann shift and its interval follow R's
``wilcox.test(conf.int = TRUE)``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import gammaln

from helpers.validation.checks import check_level, check_probability, require_columns, z_quantile
from helpers.validation.errors import InputError
from helpers.validation.estimable import NotEstimable
from helpers.validation.results import RESULT_COLUMNS

EXPECTED_COUNT_MINIMUM = 5
"""Chi-squared is replaced by Fisher's exact test when any expected cell count is below this."""

FISHER_MAX_TABLES = 2_000_000
"""Largest number of tables enumerated for an exact r x 2 Fisher test; beyond it, Monte Carlo."""

FISHER_MONTE_CARLO = {"n_resamples": 100_000, "seed": 20240101}
"""Monte Carlo settings for Fisher's test on large r x c tables (fixed seed: reproducible p-values)."""

COMPARISON_COLUMNS = [*RESULT_COLUMNS, "test", "statistic"]
"""Columns of :func:`compare_two_groups`: the book's result columns, then the test and its statistic."""

# ------------------------------------------------------------------------------ categorical tests


def fisher_exact_table(table: Any) -> tuple[float, str]:
    """Two-sided Fisher's exact test on an r x c table of counts; returns (p-value, method).

    Notes
    -----
    2 x 2: ``scipy.stats.fisher_exact``. r x 2 (or 2 x c): every table with the observed margins is
    enumerated and :math:`p = \\sum P(T)` over tables with :math:`P(T) \\le P(T_{obs})(1 + 10^{-7})`,
    :math:`P` multivariate hypergeometric, as R's ``fisher.test``. Larger tables (or more than
    :data:`FISHER_MAX_TABLES` candidates): scipy's Monte Carlo p-value with a fixed seed, named so in
    the method.
    """
    counts = np.asarray(table, dtype=np.int64)
    counts = counts[counts.sum(axis=1) > 0][:, counts.sum(axis=0) > 0]
    if counts.ndim != 2 or min(counts.shape) < 2:
        return 1.0, "Fisher's exact"
    if counts.shape == (2, 2):
        return float(stats.fisher_exact(counts).pvalue), "Fisher's exact"
    if counts.shape[0] == 2:
        counts = counts.T
    if counts.shape[1] == 2:
        rows, first = counts.sum(axis=1), int(counts[:, 0].sum())
        free = np.minimum(rows[:-1], first) + 1
        if np.prod(free.astype(float)) <= FISHER_MAX_TABLES:
            grids = np.meshgrid(*[np.arange(k) for k in free], indexing="ij")
            cells = np.stack([g.ravel() for g in grids], axis=1)
            last = first - cells.sum(axis=1)
            keep = (last >= 0) & (last <= rows[-1])
            cells = np.column_stack([cells[keep], last[keep]])

            def log_probability(x: np.ndarray) -> np.ndarray:
                choose = gammaln(rows + 1) - gammaln(x + 1) - gammaln(rows - x + 1)
                return choose.sum(axis=-1)

            log_p = log_probability(cells)
            observed = log_probability(counts[:, 0])
            total = gammaln(rows.sum() + 1) - gammaln(first + 1) - gammaln(rows.sum() - first + 1)
            p_value = np.exp(log_p[log_p <= observed + np.log1p(1e-7)] - total).sum()
            return float(min(1.0, p_value)), "Fisher's exact"
    method = stats.MonteCarloMethod(n_resamples=FISHER_MONTE_CARLO["n_resamples"],
                                    rng=np.random.default_rng(FISHER_MONTE_CARLO["seed"]))
    result = stats.fisher_exact(counts, method=method)
    return float(result.pvalue), f"Fisher's exact (Monte Carlo, {FISHER_MONTE_CARLO['n_resamples']} tables)"


def choose_categorical_test(counts: np.ndarray, forced: bool) -> tuple[str, str]:
    """('chi2' or 'fisher', reason) for a levels x groups table."""
    if forced:
        return "fisher", "Fisher's exact requested (exact)"
    minimum = float(stats.contingency.expected_freq(counts).min())
    if minimum < EXPECTED_COUNT_MINIMUM:
        return "fisher", f"smallest expected count {minimum:.2f} < {EXPECTED_COUNT_MINIMUM}"
    return "chi2", f"all expected counts >= {EXPECTED_COUNT_MINIMUM} (smallest {minimum:.2f})"


def categorical_test(choice: str, name: str) -> Any:
    """A p-value function in tableone's ``htest`` form (called with one list of group counts per level)."""

    def test(*levels: Sequence[int]) -> float:
        counts = np.asarray(levels, dtype=float)
        counts = counts[counts.sum(axis=1) > 0][:, counts.sum(axis=0) > 0]
        if min(counts.shape) < 2:
            return np.nan
        if choice == "fisher":
            return fisher_exact_table(counts)[0]
        return float(stats.chi2_contingency(counts, correction=True).pvalue)

    test.__name__ = name
    return test

# ------------------------------------------------------------------------ the one test-choice rule


NORMALITY_CHOICES = ("shapiro", "normal", "nonnormal")
"""Values of ``normality`` everywhere in the book: apply the Shapiro-Wilk rule, or impose the choice."""


@dataclass(frozen=True)
class NormalityRule:
    """The decision of :func:`normality_rule`: ``normal`` (use the t-test family) and the ``reason`` in words."""

    normal: bool
    reason: str


def normality_rule(samples: Mapping[Any, Any], *, normality: str = "shapiro",
                   normality_alpha: float = 0.05) -> NormalityRule:
    """The book's one rule for choosing between a t-test and a rank test.

    Parameters
    ----------
    samples : mapping
        Label -> values (missing values are ignored): the two groups of a two-group comparison, every
        group of a Table 1 row, or the within-pair differences of a paired comparison.
    normality : {"shapiro", "normal", "nonnormal"}
        "shapiro": the t-test family unless the Shapiro-Wilk test rejects normality at
        ``normality_alpha`` in any sample, then the rank test; "normal" / "nonnormal" impose the choice
        (e.g. a variable the analysis plan declares skewed).
    normality_alpha : float
        Level of the Shapiro-Wilk tests.

    Returns
    -------
    NormalityRule
        ``normal`` (True: t-test; False: rank test) and ``reason`` (the Shapiro-Wilk W and p of each
        sample, or the caller's choice).

    Raises
    ------
    InputError
        An unknown ``normality`` or a ``normality_alpha`` outside (0, 1).

    Notes
    -----
    Shapiro-Wilk by ``scipy.stats.shapiro`` (R ``shapiro.test``). A sample with fewer than 3 values or
    no spread cannot be tested; the rule then takes the rank test, which assumes no distribution. A
    normality pre-test has little power in small samples and rejects trivial departures in large ones:
    the rule is a stated convention, reported beside every p-value, not a proof of normality.

    Examples
    --------
    >>> rule = normality_rule({"a": [1.0, 2.1, 2.9, 4.2, 5.0], "b": [1.0, 1.1, 1.2, 1.3, 9.0]})
    >>> rule.normal, rule.reason.split(" (")[0]
    (False, 'Shapiro-Wilk rejected normality in at least one group at 0.05')
    """
    if normality not in NORMALITY_CHOICES:
        raise InputError(f"normality={normality!r}; use 'shapiro' (the rule), 'normal' (t-test) or "
                         "'nonnormal' (rank test).")
    normality_alpha = check_probability("normality_alpha", normality_alpha)
    if normality != "shapiro":
        return NormalityRule(normality == "normal", f"normality={normality!r} chosen by the caller")
    details, normal = [], True
    for label, values in samples.items():
        values = np.asarray(values, dtype=float)
        values = values[~np.isnan(values)]
        if values.size < 3 or np.ptp(values) == 0:
            return NormalityRule(False, f"Shapiro-Wilk cannot test {label} ({values.size} value(s), "
                                        f"{'no spread' if values.size >= 3 else 'fewer than 3'}): rank test")
        shapiro = stats.shapiro(values)
        normal &= bool(shapiro.pvalue >= normality_alpha)
        details.append(f"{label}: W = {shapiro.statistic:.3f}, p = {shapiro.pvalue:.3g}")
    verdict = "did not reject" if normal else "rejected"
    if len(details) == 1:
        where, details = f"of {details[0].split(':')[0]}", [details[0].split(": ", 1)[1]]
    else:
        where = ("in either group" if len(details) == 2 else "in any group") if normal else "in at least one group"
    return NormalityRule(normal, f"Shapiro-Wilk {verdict} normality {where} at {normality_alpha:g} "
                                 f"({'; '.join(details)})")


@dataclass(frozen=True)
class ChosenTest:
    """The test :func:`choose_two_group_test` picked: ``test`` ("Welch's t-test" or "Mann-Whitney U") and why."""

    test: str
    reason: str


WELCH, MANN_WHITNEY = "Welch's t-test", "Mann-Whitney U"
"""Names of the two continuous two-group tests, as they appear in every table's ``test`` column."""


def choose_two_group_test(samples: Mapping[Any, Any], *, normality: str = "shapiro",
                          normality_alpha: float = 0.05) -> ChosenTest:
    """Welch's t-test or the Mann-Whitney U test for a continuous outcome in two groups.

    The one choice used by :func:`compare_two_groups` and by the Table 1 of
    :func:`helpers.stats.descriptive.describe_by_group`, so both give the same test and p-value for the
    same comparison.

    Parameters
    ----------
    samples : mapping
        The two groups: label -> values.
    normality, normality_alpha
        As in :func:`normality_rule`.

    Returns
    -------
    ChosenTest
        ``test``: :data:`WELCH` unless the rule says rank test, then :data:`MANN_WHITNEY`; ``reason``.

    Examples
    --------
    >>> choose_two_group_test({"a": [30, 32, 35, 31, 29, 33], "b": [25, 24, 27, 22, 26, 23]}).test
    "Welch's t-test"
    >>> choose_two_group_test({"a": [1, 2, 3], "b": [4, 5, 6]}, normality="nonnormal").test
    'Mann-Whitney U'
    """
    if len(samples) != 2:
        raise InputError(f"choose_two_group_test needs exactly two groups; got {len(samples)}.")
    rule = normality_rule(samples, normality=normality, normality_alpha=normality_alpha)
    return ChosenTest(WELCH if rule.normal else MANN_WHITNEY, rule.reason)


def _exact_rank_sum(other: np.ndarray, reference: np.ndarray) -> bool:
    """R's ``wilcox.test`` rule: exact distribution when both groups have < 50 values and nothing is tied."""
    pooled = np.concatenate([other, reference])
    return len(other) < 50 and len(reference) < 50 and np.unique(pooled).size == pooled.size


def welch_t_test(other: np.ndarray, reference: np.ndarray) -> Any:
    """Welch's t-test of ``other`` versus ``reference`` (scipy ``ttest_ind(equal_var=False)``; R
    ``t.test(other, reference)``): the result has ``statistic``, ``pvalue`` and ``confidence_interval(level)``."""
    return stats.ttest_ind(other, reference, equal_var=False)


def two_group_test(test: str, other: Any, reference: Any) -> tuple[float, float]:
    """(statistic, two-sided p-value) of Welch's t-test or the Mann-Whitney U test, other versus reference.

    Welch: scipy ``ttest_ind(equal_var=False)`` (R ``t.test(other, reference)``). Mann-Whitney: U of
    ``other`` (R's W) with R's rule (``wilcox.test(other, reference)``): the exact p-value when both groups
    have fewer than 50 values and there are no ties, otherwise the normal approximation with tie and
    continuity corrections. NaN when a group is too small to test. The one computation behind
    :func:`compare_two_groups` and the Table 1 of :func:`helpers.stats.descriptive.describe_by_group`.

    Examples
    --------
    >>> statistic, p = two_group_test("Mann-Whitney U", [5.1, 6.3, 7.2, 8.8], [1.2, 2.5, 3.1, 4.0])
    >>> statistic, round(p, 4)  # R: wilcox.test(c(5.1, 6.3, 7.2, 8.8), c(1.2, 2.5, 3.1, 4)): W = 16, p = 0.02857
    (16.0, 0.0286)
    """
    other = np.asarray(other, dtype=float)
    reference = np.asarray(reference, dtype=float)
    other, reference = other[~np.isnan(other)], reference[~np.isnan(reference)]
    if test == WELCH:
        if min(other.size, reference.size) < 2:
            return np.nan, np.nan
        result = welch_t_test(other, reference)
    elif test == MANN_WHITNEY:
        if min(other.size, reference.size) < 1:
            return np.nan, np.nan
        exact = _exact_rank_sum(other, reference)
        result = stats.mannwhitneyu(other, reference, alternative="two-sided", use_continuity=not exact,
                                    method="exact" if exact else "asymptotic")
    else:
        raise InputError(f"test={test!r}; use {WELCH!r} or {MANN_WHITNEY!r}.")
    return float(result.statistic), float(result.pvalue)


def continuous_test(test: str) -> Any:
    """A p-value function in tableone's ``htest`` form (called with one array per group) for ``test``."""

    def p_value(*groups: Any) -> float:
        if len(groups) != 2:
            return np.nan
        return two_group_test(test, groups[1], groups[0])[1]

    p_value.__name__ = test
    return p_value

# ------------------------------------------------------------------------- Hodges-Lehmann shift


@dataclass(frozen=True)
class HodgesLehmannEstimate:
    """A Hodges-Lehmann estimate and its distribution-free interval (:func:`hodges_lehmann_shift`,
    :func:`helpers.stats.paired.hodges_lehmann_pseudomedian`)."""

    estimate: float
    ci_low: float
    ci_high: float
    exact: bool
    method: str


def _rank_sum_null_counts(m: int, n: int) -> list[int]:
    """Number of arrangements giving U = 0..m*n for group sizes m and n (Gaussian binomial coefficient)."""
    counts = [1] + [0] * (m * n)
    for i in range(1, m + 1):  # multiply by (1 - q^(n+i)) / (1 - q^i)
        step = n + i
        for u in range(m * n, step - 1, -1):
            counts[u] -= counts[u - step]
        for u in range(i, m * n + 1):
            counts[u] += counts[u - i]
    return counts


def exact_order_statistic(counts: Sequence[int], level: float) -> tuple[int, float]:
    """The order statistic k of an exact rank-based interval and the level it achieves, as R.

    ``counts`` is the null distribution of the rank statistic T as integer counts of 0, 1, 2, ...
    (Mann-Whitney U or the signed-rank V). k is R's ``qwilcox`` / ``qsignrank`` of (1 - level) / 2 (the
    smallest q with P(T <= q) >= that probability, lowered by 10 machine epsilons as R does), at least
    1; the interval runs from the k-th smallest to the k-th largest pairwise difference or Walsh
    average, and its level is 1 - 2 P(T <= k - 1). R warns and reports that level when it falls short of
    the request by more than half the requested 1 - level; so do the callers.
    """
    total, running, target = sum(counts), 0, (1 - level) / 2 - 10 * np.finfo(float).eps
    cumulative = []
    for count in counts:
        running += count
        cumulative.append(running)
    k = next((q for q, value in enumerate(cumulative) if value / total >= target), len(counts) - 1)
    k = max(k, 1)
    return k, 1 - 2 * cumulative[k - 1] / total


def shortfall(level: float, achieved: float, size: str) -> str:
    """'' when an exact interval reaches its level, else a warning and the words for ``method`` (as R)."""
    if (1 - achieved) - (1 - level) <= (1 - level) / 2:
        return ""
    warnings.warn(f"a {level:.0%} distribution-free interval is not achievable with {size}; the interval given "
                  f"has level {achieved:.2g} (as R's wilcox.test).", stacklevel=3)
    return f"; requested level not achievable, interval at level {achieved:.2g} (as R)"


def root_of_steps(points: np.ndarray, values: np.ndarray) -> float:
    """Where a non-increasing step function first drops to zero or below, as R's ``uniroot`` finds it.

    ``points`` are the sorted jump points u_1 < ... < u_K; ``values`` the function on the K + 1 open
    intervals (-inf, u_1), (u_1, u_2), ..., (u_K, inf). Returns the jump point u_j at which the sign
    changes, u_1 if the function is never positive and u_K if it never drops: R's ``wilcox.test``
    returns the ends of the data range in those two cases.
    """
    below = np.flatnonzero(values <= 0)
    if below.size == 0:
        return float(points[-1])
    return float(points[max(int(below[0]), 1) - 1])


def hodges_lehmann_shift(other: Any, reference: Any, *, level: float = 0.95,
                         max_pairs: int = 10_000_000) -> HodgesLehmannEstimate:
    """Hodges-Lehmann shift of ``other`` relative to ``reference`` with its distribution-free CI, as R.

    Parameters
    ----------
    other, reference : array
        The two groups' values (no missing values).
    level : float
        Confidence level.
    max_pairs : int
        Largest number of pairwise differences computed (memory); beyond it the result is NaN.

    Returns
    -------
    HodgesLehmannEstimate
        ``estimate`` (median of the m x n differences other_i - reference_j), ``ci_low``, ``ci_high``,
        ``exact`` and ``method``.

    Notes
    -----
    R's ``wilcox.test(other, reference, conf.int = TRUE)``. Without ties and with fewer than 50 values
    in each group the interval is exact: the order statistics k and mn + 1 - k of the pairwise
    differences, k = ``qwilcox((1 - level) / 2, m, n)`` (Bauer 1972; Hollander and Wolfe 1999, 4.3).
    Otherwise it is the set of shifts the Mann-Whitney test with tie and continuity corrections does not
    reject at 1 - level (R solves for its ends with ``uniroot`` to 1e-4; here they are found exactly,
    and they are pairwise differences). Either way the limits are order statistics of the pairwise
    differences, so with ties or discrete scores a limit can equal the estimate. R's estimate without
    ties matches exactly; with ties R reports a root of the estimating equation that lies between the
    two middle pairwise differences, while this is their midpoint, the median (the usual definition).

    Examples
    --------
    R: ``wilcox.test(c(5.1, 6.3, 7.2, 8.8), c(1.2, 2.5, 3.1, 4), conf.int = TRUE)`` gives 4.0 (1.1, 7.6).

    >>> shift = hodges_lehmann_shift([5.1, 6.3, 7.2, 8.8], [1.2, 2.5, 3.1, 4.0])
    >>> round(shift.estimate, 2), round(shift.ci_low, 2), round(shift.ci_high, 2), shift.exact
    (4.0, 1.1, 7.6, True)
    """
    level = check_level(level)
    other, reference = np.asarray(other, dtype=float), np.asarray(reference, dtype=float)
    m, n = other.size, reference.size
    if m * n > max_pairs or min(m, n) == 0:
        return HodgesLehmannEstimate(np.nan, np.nan, np.nan, False, f"not computed ({m} x {n} pairwise differences)")
    differences = np.sort(np.subtract.outer(other, reference).ravel())
    estimate = float(np.median(differences))
    exact = _exact_rank_sum(other, reference)
    if exact:
        k, achieved = exact_order_statistic(_rank_sum_null_counts(m, n), level)
        low, high = float(differences[k - 1]), float(differences[m * n - k])
        how = "exact limits (R wilcox.test: no ties, < 50 per group)" + shortfall(level, achieved,
                                                                                 f"groups of {m} and {n}")
    else:
        points = np.unique(differences)
        above = m * n - np.searchsorted(differences, points, side="right")  # pairs above each interval
        u_count = np.concatenate([[m * n], above]).astype(float)
        ties = sum(float((t ** 3 - t).sum()) for t in (np.unique(other, return_counts=True)[1],
                                                      np.unique(reference, return_counts=True)[1]))
        sigma = np.sqrt(m * n / 12 * ((m + n + 1) - ties / ((m + n) * (m + n - 1))))
        centred = u_count - m * n / 2
        z = (centred - 0.5 * np.sign(centred)) / sigma
        quantile = z_quantile(level)
        low, high = root_of_steps(points, z - quantile), root_of_steps(points, z + quantile)
        how = "limits from the normal approximation (R wilcox.test: ties or >= 50 in a group)"
    return HodgesLehmannEstimate(estimate, low, high, exact, how)

# ----------------------------------------------------------------------- two-group comparisons

HODGES_LEHMANN_NOTE = ("distribution-free CI (order statistics of the pairwise differences; can touch the "
                       "estimate with ties/discrete scores)")
"""The words that go with every Hodges-Lehmann interval in ``method``."""


def compare_two_groups(df: pd.DataFrame, *, outcome: str, group: str, kind: str = "continuous",
                       normality: str = "shapiro", normality_alpha: float = 0.05, reference: Any = None,
                       level: float = 0.95) -> pd.DataFrame:
    """Compare an outcome between two groups with a test chosen by a stated rule.

    Parameters
    ----------
    df : DataFrame
        One row per patient. Not modified.
    outcome : str
        Continuous outcome, or binary outcome coded 0/1 when ``kind="binary"``.
    group : str
        Column with exactly two groups (rows with an empty group or outcome are left out).
    kind : {"continuous", "binary"}
        Type of outcome.
    normality : {"shapiro", "normal", "nonnormal"}
        The rule of :func:`choose_two_group_test`: "shapiro": Welch's t-test unless the Shapiro-Wilk test
        rejects normality at ``normality_alpha`` in either group, then the Mann-Whitney U test;
        "normal" / "nonnormal" impose Welch / Mann-Whitney. Pass the same choice as to the Table 1 of
        :func:`helpers.stats.descriptive.describe_by_group` (``nonnormal`` there means "nonnormal" here).
    normality_alpha : float
        Level of the Shapiro-Wilk tests.
    reference : optional
        Reference group (the estimate is other minus reference); default the first sorted value.
    level : float
        Confidence level of the intervals.

    Returns
    -------
    DataFrame
        Columns :data:`COMPARISON_COLUMNS`. Every row is one analysis: its estimate, interval, p-value,
        test and statistic come from the same method. The first row is the chosen test's own analysis:

        - Welch's t-test: quantity "mean difference", the Welch CI and p;
        - Mann-Whitney U: quantity "Hodges-Lehmann shift", its distribution-free CI
          (:func:`hodges_lehmann_shift`) and the Mann-Whitney p; then a second, descriptive row "mean
          difference" with its own Welch CI and Welch p, marked as not the rule's test in ``method``;
        - binary: quantity "risk difference" with Newcombe's CI and the chi-squared or Fisher p.

        ``group`` is "other - reference"; ``method`` names the test, why it was chosen and the CI;
        ``test`` and ``statistic`` (t, U of the other group as R's W, or chi-squared) belong to the row.

    Raises
    ------
    InputError
        Missing columns, not exactly two groups, fewer than 3 values in a group, or a binary outcome
        not coded 0/1.

    Notes
    -----
    Welch: scipy ``ttest_ind(equal_var=False)`` and its CI (R ``t.test(other, reference)``).
    Mann-Whitney U: :func:`two_group_test` (R ``wilcox.test(other, reference, conf.int = TRUE)``: exact
    without ties when both groups have < 50 values, else the normal approximation with tie and
    continuity corrections), the Hodges-Lehmann shift and interval of :func:`hodges_lehmann_shift`.
    Binary: chi-squared test with Yates' correction (as R's ``chisq.test``) unless any expected count is
    < 5, then Fisher's exact test; the risk difference with Newcombe's hybrid Wilson-score interval
    (Newcombe 1998, method 10; statsmodels ``confint_proportions_2indep(method="newcomb")``).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"arm": ["A"] * 6 + ["B"] * 6, "odi": [30, 32, 35, 31, 29, 33, 25, 24, 27, 22, 26, 23]})
    >>> row = compare_two_groups(d, outcome="odi", group="arm")
    >>> row.loc[0, "test"], float(row.loc[0, "estimate"])
    ("Welch's t-test", -7.166666666666668)
    """
    if kind not in ("continuous", "binary"):
        raise InputError(f"kind={kind!r}; use 'continuous' or 'binary'.")
    if normality not in NORMALITY_CHOICES:
        raise InputError(f"normality={normality!r}; use 'shapiro', 'normal' or 'nonnormal'.")
    level = check_level(level)
    require_columns(df, [outcome, group])
    data = df[[group, outcome]].dropna()
    levels = sorted(data[group].unique())
    if len(levels) != 2:
        raise InputError(f"'{group}' must have exactly two groups with outcomes; found {levels}.")
    if reference is not None:
        if reference not in levels:
            raise InputError(f"reference={reference!r} is not a value of '{group}' ({levels}).")
        levels = [reference] + [value for value in levels if value != reference]
    ref_label, other_label = levels
    contrast = f"{other_label} - {ref_label}"
    if kind == "binary":
        return _compare_binary(data, outcome, group, ref_label, other_label, contrast, level)
    if not pd.api.types.is_numeric_dtype(data[outcome]):
        raise InputError(f"column '{outcome}' must be numeric for a continuous comparison.")
    reference_values = data.loc[data[group] == ref_label, outcome].to_numpy(dtype=float)
    other_values = data.loc[data[group] == other_label, outcome].to_numpy(dtype=float)
    if min(len(reference_values), len(other_values)) < 3:
        raise NotEstimable(f"each group of '{group}' needs at least 3 values of '{outcome}'; found "
                           f"{len(reference_values)} ({ref_label}) and {len(other_values)} ({other_label})")
    n = len(reference_values) + len(other_values)
    choice = choose_two_group_test({ref_label: reference_values, other_label: other_values}, normality=normality,
                                   normality_alpha=normality_alpha)
    welch = welch_t_test(other_values, reference_values)
    welch_ci = welch.confidence_interval(level)
    welch_row = {"quantity": "mean difference", "group": contrast,
                 "estimate": float(other_values.mean() - reference_values.mean()),
                 "ci_low": float(welch_ci.low), "ci_high": float(welch_ci.high), "p_value": float(welch.pvalue),
                 "n": n, "test": WELCH, "statistic": float(welch.statistic)}
    if choice.test == WELCH:
        return pd.DataFrame([{**welch_row, "method": f"Welch's t-test; {choice.reason}; mean difference with "
                                                      "Welch CI"}], columns=COMPARISON_COLUMNS)
    statistic, p_value = two_group_test(MANN_WHITNEY, other_values, reference_values)
    shift = hodges_lehmann_shift(other_values, reference_values, level=level)
    exact = "exact p-value" if shift.exact else "normal approximation with tie and continuity corrections"
    return pd.DataFrame([
        {"quantity": "Hodges-Lehmann shift", "group": contrast, "estimate": shift.estimate, "ci_low": shift.ci_low,
         "ci_high": shift.ci_high, "p_value": p_value, "n": n, "test": MANN_WHITNEY, "statistic": statistic,
         "method": f"Mann-Whitney U test, {exact}; {choice.reason}; Hodges-Lehmann shift (median of the "
                   f"pairwise differences) with its {HODGES_LEHMANN_NOTE}, {shift.method}"},
        {**welch_row, "method": "descriptive, not the rule's test (the rule chose Mann-Whitney U): mean "
                                "difference with its own Welch CI and Welch's t-test p"},
    ], columns=COMPARISON_COLUMNS)


def _compare_binary(data: pd.DataFrame, outcome: str, group: str, ref_label: Any, other_label: Any,
                    contrast: str, level: float) -> pd.DataFrame:
    from statsmodels.stats.proportion import confint_proportions_2indep

    invalid = ~data[outcome].isin([0, 1, True, False])
    if invalid.any():
        rows = list(invalid[invalid].index[:5])
        raise InputError(f"column '{outcome}' must be coded 0/1 for kind='binary'; rows {rows} have other "
                         "values. Recode it (1 = event).")
    y = data[outcome].astype(int)
    counts = np.array([[int(((data[group] == level) & (y == 1)).sum()),
                        int(((data[group] == level) & (y == 0)).sum())] for level in (ref_label, other_label)])
    events_ref, events_other = counts[:, 0]
    n_ref, n_other = counts.sum(axis=1)
    choice, why = choose_categorical_test(counts, forced=False)
    if choice == "fisher":
        test, statistic = "Fisher's exact", np.nan
        p_value = float(stats.fisher_exact(counts).pvalue)
    else:
        chi2 = stats.chi2_contingency(counts, correction=True)
        test, statistic, p_value = "Chi-squared (Yates)", float(chi2.statistic), float(chi2.pvalue)
    low, high = confint_proportions_2indep(int(events_other), int(n_other), int(events_ref), int(n_ref),
                                           method="newcomb", compare="diff", alpha=1 - level)
    estimate = events_other / n_other - events_ref / n_ref
    return pd.DataFrame([{
        "quantity": "risk difference", "group": contrast, "estimate": float(estimate), "ci_low": float(low),
        "ci_high": float(high), "p_value": p_value,
        "method": f"{test} test ({why}); Newcombe hybrid Wilson-score CI", "n": int(counts.sum()),
        "test": test, "statistic": statistic}], columns=COMPARISON_COLUMNS)

# ------------------------------------------------------------------- one table, every usual test


def contingency_tests(df: pd.DataFrame, *, outcome: str, group: str) -> pd.DataFrame:
    """Pearson's chi-squared (with and without Yates' correction) and Fisher's exact test on one table.

    The rule of :func:`describe_by_group` and :func:`compare_two_groups` picks one test; this shows what
    each usual choice gives for the same ``outcome`` x ``group`` table, to check which test a paper used
    and whether its conclusion depends on the choice.

    Parameters
    ----------
    df : DataFrame
        One row per patient (not modified); rows with an empty ``outcome`` or ``group`` are left out.
    outcome, group : str
        Categorical columns (e.g. a 0/1 outcome and a two-level group).

    Returns
    -------
    DataFrame
        One row per test: ``test`` ("Pearson chi-squared", "Pearson chi-squared, Yates' correction"
        (2 x 2 tables only), "Fisher's exact"), ``statistic`` (chi-squared; NaN for Fisher), ``df``,
        ``p_value``, ``min_expected`` (smallest expected count), ``n``, ``method``.

    Raises
    ------
    InputError
        Missing columns, or fewer than two levels in ``outcome`` or ``group``.

    Notes
    -----
    ``X^2 = sum (O - E)^2 / E`` with ``E`` from the margins, on (r - 1)(c - 1) df; Yates' version
    subtracts ``min(0.5, |O - E|)`` from each ``|O - E|`` (as R's ``chisq.test``, whose default for a
    2 x 2 table it is); Fisher's test by :func:`fisher_exact_table`.

    Examples
    --------
    >>> d = pd.DataFrame({"arm": ["a"] * 26 + ["b"] * 33, "walks": [1] * 24 + [0] * 2 + [1] * 23 + [0] * 10})
    >>> contingency_tests(d, outcome="walks", group="arm")["p_value"].round(4).tolist()
    [0.0322, 0.0693, 0.0497]
    """
    require_columns(df, [outcome, group])
    data = df[[outcome, group]].dropna()
    counts = pd.crosstab(data[outcome], data[group]).to_numpy()
    if min(counts.shape) < 2:
        raise InputError(f"'{outcome}' and '{group}' each need at least two observed levels; the table is "
                         f"{counts.shape[0]} x {counts.shape[1]}.")
    minimum = float(stats.contingency.expected_freq(counts).min())
    rows = []
    plain = stats.chi2_contingency(counts, correction=False)
    rows.append({"test": "Pearson chi-squared", "statistic": float(plain.statistic), "df": int(plain.dof),
                 "p_value": float(plain.pvalue), "method": "no continuity correction (R chisq.test(correct = FALSE))"})
    if counts.shape == (2, 2):
        yates = stats.chi2_contingency(counts, correction=True)
        rows.append({"test": "Pearson chi-squared, Yates' correction", "statistic": float(yates.statistic),
                     "df": int(yates.dof), "p_value": float(yates.pvalue),
                     "method": "continuity correction (R chisq.test default for 2 x 2)"})
    p_value, name = fisher_exact_table(counts)
    rows.append({"test": "Fisher's exact", "statistic": np.nan, "df": np.nan, "p_value": p_value,
                 "method": f"{name} (R fisher.test)"})
    table = pd.DataFrame(rows)
    table.insert(4, "min_expected", minimum)
    table.insert(5, "n", int(counts.sum()))
    return table
