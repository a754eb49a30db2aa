"""Two-group comparisons, each test chosen by a stated rule: Welch's t-test or Mann-Whitney U for a
continuous outcome, chi-squared or Fisher's exact test for a binary one.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd
import pingouin
from scipy import stats
from scipy.special import gammaln
from statsmodels.stats.proportion import confint_proportions_2indep

from helpers.validation.checks import require_columns
from helpers.validation.errors import InputError
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

# ----------------------------------------------------------------------- two-group comparisons


def _hodges_lehmann(other: np.ndarray, reference: np.ndarray, confidence: float,
                    max_pairs: int = 10_000_000) -> tuple[float, float, float]:
    """Hodges-Lehmann shift (median of pairwise differences) with the Moses distribution-free CI."""
    m, n = len(other), len(reference)
    if m * n > max_pairs:
        return np.nan, np.nan, np.nan
    differences = np.sort(np.subtract.outer(other, reference).ravel())
    z = stats.norm.ppf(0.5 + confidence / 2)
    k = int(np.round(m * n / 2 - z * np.sqrt(m * n * (m + n + 1) / 12)))
    k = min(max(k, 1), (m * n + 1) // 2)
    return float(np.median(differences)), float(differences[k - 1]), float(differences[m * n - k])


def compare_two_groups(df: pd.DataFrame, *, outcome: str, group: str, kind: str = "continuous",
                       normality: str = "shapiro", alpha: float = 0.05, reference: Any = None,
                       confidence: float = 0.95) -> pd.DataFrame:
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
        "shapiro": Welch's t-test if the Shapiro-Wilk test does not reject normality at ``alpha`` in
        either group, otherwise the Mann-Whitney U test; "normal"/"nonnormal" impose the choice.
    alpha : float
        Level of the Shapiro-Wilk tests.
    reference : optional
        Reference group (the estimate is other minus reference); default the first sorted value.
    confidence : float
        Level of the confidence intervals.

    Returns
    -------
    DataFrame
        Columns :data:`COMPARISON_COLUMNS`: quantity ("mean difference", "Hodges-Lehmann shift" or
        "risk difference"), group ("other - reference"), estimate, ci_low, ci_high, p_value (of the
        chosen test), method (test, why it was chosen, CI method), n, test, statistic. One row, plus a
        Hodges-Lehmann row when the Mann-Whitney test is chosen.

    Raises
    ------
    InputError
        Missing columns, not exactly two groups, fewer than 3 values in a group, or a binary outcome
        not coded 0/1.

    Notes
    -----
    Continuous: Welch's t-test and CI for the mean difference (scipy ``ttest_ind(equal_var=False)``);
    Mann-Whitney U (scipy ``mannwhitneyu``, two-sided, exact for small samples without ties, else
    normal approximation with continuity and tie corrections, as R's ``wilcox.test``), with the mean
    difference and its Welch CI for description, and the Hodges-Lehmann shift (median of all pairwise
    differences) with the Moses distribution-free CI from the normal approximation to U
    (Hollander and Wolfe 1999, section 4.3; ties not corrected). Binary: chi-squared test with Yates'
    correction (as R's ``chisq.test``) unless any expected count is < 5, then Fisher's exact test;
    the risk difference with Newcombe's hybrid Wilson-score interval (Newcombe 1998, method 10;
    statsmodels ``confint_proportions_2indep(method="newcomb")``).

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
    if normality not in ("shapiro", "normal", "nonnormal"):
        raise InputError(f"normality={normality!r}; use 'shapiro', 'normal' or 'nonnormal'.")
    require_columns(df, [outcome, group])
    data = df[[group, outcome]].dropna()
    levels = sorted(data[group].unique())
    if len(levels) != 2:
        raise InputError(f"'{group}' must have exactly two groups with outcomes; found {levels}.")
    if reference is not None:
        if reference not in levels:
            raise InputError(f"reference={reference!r} is not a value of '{group}' ({levels}).")
        levels = [reference] + [level for level in levels if level != reference]
    ref_label, other_label = levels
    contrast = f"{other_label} - {ref_label}"
    if kind == "binary":
        return _compare_binary(data, outcome, group, ref_label, other_label, contrast, confidence)
    if not pd.api.types.is_numeric_dtype(data[outcome]):
        raise InputError(f"column '{outcome}' must be numeric for a continuous comparison.")
    reference_values = data.loc[data[group] == ref_label, outcome].to_numpy(dtype=float)
    other_values = data.loc[data[group] == other_label, outcome].to_numpy(dtype=float)
    if min(len(reference_values), len(other_values)) < 3:
        raise InputError(f"each group of '{group}' needs at least 3 values of '{outcome}'; found "
                         f"{len(reference_values)} ({ref_label}) and {len(other_values)} ({other_label}).")
    n = len(reference_values) + len(other_values)
    welch = stats.ttest_ind(other_values, reference_values, equal_var=False)
    welch_ci = welch.confidence_interval(confidence)
    difference = float(other_values.mean() - reference_values.mean())
    if normality == "shapiro":
        shapiro = pingouin.normality(data, dv=outcome, group=group, method="shapiro", alpha=alpha)
        detail = ", ".join(f"{level}: W = {shapiro.loc[level, 'W']:.3f}, p = {shapiro.loc[level, 'pval']:.3g}"
                           for level in levels)
        normal = bool(shapiro["normal"].all())
        why = (f"Shapiro-Wilk did not reject normality at {alpha} in either group ({detail})" if normal
               else f"Shapiro-Wilk rejected normality at {alpha} in at least one group ({detail})")
    else:
        normal = normality == "normal"
        why = f"normality={normality!r} requested"
    if normal:
        return pd.DataFrame([{
            "quantity": "mean difference", "group": contrast, "estimate": difference,
            "ci_low": float(welch_ci.low), "ci_high": float(welch_ci.high), "p_value": float(welch.pvalue),
            "method": f"Welch's t-test; {why}; Welch CI", "n": n, "test": "Welch's t-test",
            "statistic": float(welch.statistic)}], columns=COMPARISON_COLUMNS)
    mwu = stats.mannwhitneyu(other_values, reference_values, alternative="two-sided")
    shift, low, high = _hodges_lehmann(other_values, reference_values, confidence)
    common = {"group": contrast, "p_value": float(mwu.pvalue), "n": n, "test": "Mann-Whitney U",
              "statistic": float(mwu.statistic)}
    return pd.DataFrame([
        {"quantity": "mean difference", "estimate": difference, "ci_low": float(welch_ci.low),
         "ci_high": float(welch_ci.high), **common,
         "method": f"Mann-Whitney U test; {why}; mean difference with Welch CI (descriptive)"},
        {"quantity": "Hodges-Lehmann shift", "estimate": shift, "ci_low": low, "ci_high": high, **common,
         "method": f"Mann-Whitney U test; {why}; Hodges-Lehmann shift with Moses distribution-free CI "
                   "(normal approximation to U)"},
    ], columns=COMPARISON_COLUMNS)


def _compare_binary(data: pd.DataFrame, outcome: str, group: str, ref_label: Any, other_label: Any,
                    contrast: str, confidence: float) -> pd.DataFrame:
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
                                           method="newcomb", compare="diff", alpha=1 - confidence)
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
