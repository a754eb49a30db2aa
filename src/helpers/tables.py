"""Descriptive tables and two-group comparisons, each test chosen by a stated rule.

This module fits no models: :func:`describe_by_group` wraps ``tableone.TableOne`` (the clinical
"Table 1") and :func:`compare_two_groups` picks and runs one classical test (scipy, pingouin,
statsmodels) and reports an effect size with its confidence interval.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
import pingouin
from scipy import stats
from scipy.special import gammaln
from statsmodels.stats.proportion import confint_proportions_2indep
from tableone import TableOne

from helpers.io import RESULT_COLUMNS, InputError

EXPECTED_COUNT_MINIMUM = 5
"""Chi-squared is replaced by Fisher's exact test when any expected cell count is below this."""

FISHER_MAX_TABLES = 2_000_000
"""Largest number of tables enumerated for an exact r x 2 Fisher test; beyond it, Monte Carlo."""

FISHER_MONTE_CARLO = {"n_resamples": 100_000, "seed": 20240101}
"""Monte Carlo settings for Fisher's test on large r x c tables (fixed seed: reproducible p-values)."""

COMPARISON_COLUMNS = [*RESULT_COLUMNS, "test", "statistic"]
"""Columns of :func:`compare_two_groups`: the book's result columns, then the test and its statistic."""


def _require_columns(df: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [column for column in columns if column not in df.columns]
    if missing:
        raise InputError(f"column(s) {missing} not found; the table has {list(df.columns)}. "
                         "Rename the columns or pass the right names.")


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


def _choose_categorical_test(counts: np.ndarray, forced: bool) -> tuple[str, str]:
    """('chi2' or 'fisher', reason) for a levels x groups table."""
    if forced:
        return "fisher", "Fisher's exact requested (exact)"
    minimum = float(stats.contingency.expected_freq(counts).min())
    if minimum < EXPECTED_COUNT_MINIMUM:
        return "fisher", f"smallest expected count {minimum:.2f} < {EXPECTED_COUNT_MINIMUM}"
    return "chi2", f"all expected counts >= {EXPECTED_COUNT_MINIMUM} (smallest {minimum:.2f})"


def _categorical_htest(choice: str, name: str) -> Any:
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


# ---------------------------------------------------------------------------------- Table 1
@dataclass(frozen=True)
class GroupDescription:
    """A "Table 1" and its audit trail (see :func:`describe_by_group`)."""

    table: pd.DataFrame
    tests: pd.DataFrame
    smd: pd.DataFrame
    rules: str
    group: str
    groups: tuple
    n_excluded: int
    tableone: Any = field(repr=False, compare=False)


def describe_by_group(df: pd.DataFrame, *, group: str, continuous: Sequence[str] = (),
                      categorical: Sequence[str] = (), nonnormal: Sequence[str] = (),
                      exact: Sequence[str] = (), equal_variance: bool = False, decimals: int = 1,
                      labels: Mapping[str, str] | None = None) -> GroupDescription:
    """Describe variables by group (a clinical "Table 1") with tests and standardised differences.

    Parameters
    ----------
    df : DataFrame
        One row per patient. Not modified.
    group : str
        Grouping column (e.g. treatment, fat-infiltration grade). Rows where it is empty are excluded.
    continuous, categorical : sequence of str
        Variables summarised as mean (SD) / median [Q1,Q3], or as n (%). Binary 0/1 variables belong in
        ``categorical``.
    nonnormal : sequence of str
        Continuous variables shown as median [Q1,Q3] and tested by Kruskal-Wallis.
    exact : sequence of str
        Categorical variables always tested by Fisher's exact test.
    equal_variance : bool
        Pooled-variance t-test (R tableone's default, ``oneway.test(var.equal = TRUE)``) instead of
        Welch's (default here and in Python tableone).
    decimals : int
        Decimals of the displayed summaries.
    labels : mapping, optional
        Display names for variables.

    Returns
    -------
    GroupDescription
        ``table``: the formatted table (rows: variable and level; columns: Missing, Overall, one per
        group, SMD, P-Value, Test), strings for display. ``tests``: variable, kind, test, p_value,
        reason (why this test). ``smd``: variable by pair of groups, absolute SMD.
        ``rules``: the rules in words. ``group``, ``groups``, ``n_excluded``, ``tableone`` (the
        TableOne object, for audit).

    Raises
    ------
    InputError
        Missing columns, a variable in two roles, or ``nonnormal``/``exact`` naming variables not in
        ``continuous``/``categorical``.

    Notes
    -----
    Tests: Welch (or pooled) t-test, one-way ANOVA for more than two groups, Kruskal-Wallis for
    ``nonnormal`` (for two groups the Mann-Whitney U test with normal approximation); chi-squared with
    Yates' correction for 2 x 2 tables (as R's ``chisq.test``) unless any expected count is < 5 or
    the variable is in ``exact``, then Fisher's exact test (:func:`fisher_exact_table`). Python
    tableone on its own uses Fisher only for 2 x 2 tables and keeps chi-squared with a warning for
    larger ones; here the categorical tests are passed to tableone through its ``htest`` hook so the
    stated rule holds for every table. SMD (tableone): pooled-SD for continuous variables, Yang and
    Dalton (2012) for categorical, shown as absolute values like R tableone (Python tableone prints
    continuous SMDs with a sign).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"arm": list("AABBAB"), "age": [60, 62, 70, 71, 65, 69], "sex": list("fmfmff")})
    >>> out = describe_by_group(d, group="arm", continuous=["age"], categorical=["sex"])
    >>> list(out.tests["test"])
    ['Welch’s T-test', "Fisher's exact"]
    """
    continuous, categorical = list(continuous), list(categorical)
    nonnormal, exact = list(nonnormal), list(exact)
    _require_columns(df, [group, *continuous, *categorical])
    both = sorted(set(continuous) & set(categorical))
    if both:
        raise InputError(f"{both} are listed as both continuous and categorical; keep each in one list.")
    if group in continuous + categorical:
        raise InputError(f"'{group}' is the grouping column; remove it from the variables.")
    for name, subset, parent in (("nonnormal", nonnormal, continuous), ("exact", exact, categorical)):
        stray = sorted(set(subset) - set(parent))
        if stray:
            kind = "continuous" if name == "nonnormal" else "categorical"
            raise InputError(f"{name} names {stray}, which are not in {kind}; add them there or remove them.")
    for column in continuous:
        if not pd.api.types.is_numeric_dtype(df[column]):
            raise InputError(f"column '{column}' is listed as continuous but is not numeric; "
                             "move it to categorical or fix its values.")
    data = df[[group, *continuous, *categorical]].copy()
    excluded = int(data[group].isna().sum())
    if excluded:
        warnings.warn(f"{excluded} row(s) with an empty '{group}' were excluded.", stacklevel=2)
        data = data[data[group].notna()]
    groups = tuple(sorted(data[group].unique()))
    if len(groups) < 2:
        raise InputError(f"'{group}' has fewer than two groups ({list(groups)}); a comparison needs two.")

    htest, reasons = {}, {}
    for column in categorical:
        counts = pd.crosstab(data[group], data[column]).T.to_numpy()
        counts = counts[counts.sum(axis=1) > 0]
        if min(counts.shape) < 2:
            reasons[column] = "only one observed level: not tested"
            continue
        choice, reasons[column] = _choose_categorical_test(counts, column in exact)
        name = "Chi-squared" if choice == "chi2" else fisher_exact_table(counts)[1]
        htest[column] = _categorical_htest(choice, name)
    for column in continuous:
        reasons[column] = ("listed in nonnormal" if column in nonnormal
                           else "continuous, not listed in nonnormal")

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*(low number of observations|Monte Carlo).*")
        one = TableOne(data, columns=continuous + categorical, categorical=categorical, continuous=continuous,
                       groupby=group, nonnormal=nonnormal, pval=True, htest_name=True, htest=htest or None,
                       smd=len(groups) > 1, ttest_equal_var=equal_variance, decimals=decimals,
                       rename=dict(labels) if labels else None, overall=True, include_null=False)
    smd = one.smd_table.astype(float).abs()
    tests = one.htest_table.reset_index().rename(columns={"P-Value": "p_value", "Test": "test"})
    tests = pd.DataFrame({"variable": tests["variable"],
                          "kind": np.where(tests["continuous"].astype(bool), "continuous", "categorical"),
                          "test": tests["test"].astype(str), "p_value": tests["p_value"].astype(float),
                          "reason": tests["variable"].map(reasons)})
    order = {name: i for i, name in enumerate(continuous + categorical)}
    tests = tests.sort_values("variable", key=lambda s: s.map(order)).reset_index(drop=True)
    smd = smd.loc[[v for v in continuous + categorical if v in smd.index]]

    table = one.tableone.copy()
    table.columns = table.columns.droplevel(0)
    for column in [c for c in table.columns if str(c).startswith("SMD")]:
        table[column] = table[column].astype(str).str.lstrip("-")  # absolute values, as R tableone prints
    t_test = "pooled-variance" if equal_variance else "Welch's"
    rules = (f"Continuous variables: mean (SD), {t_test} t-test (one-way ANOVA for more than two groups); "
             f"those listed as non-normal ({', '.join(nonnormal) or 'none'}): median [Q1,Q3], Kruskal-Wallis "
             "test (for two groups the Mann-Whitney U test, normal approximation). Categorical variables: "
             "n (%), chi-squared test (Yates' correction for 2 x 2 tables), or Fisher's exact test when any "
             f"expected count is < {EXPECTED_COUNT_MINIMUM} or when requested ({', '.join(exact) or 'none'}). "
             "SMD: absolute standardised mean difference, pooled SD for continuous variables, Yang and Dalton "
             f"(2012) for categorical ones. Percentages exclude missing values; {excluded} row(s) without "
             f"'{group}' excluded.")
    return GroupDescription(table=table, tests=tests, smd=smd, rules=rules, group=group, groups=groups,
                            n_excluded=excluded, tableone=one)


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
    _require_columns(df, [outcome, group])
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
    choice, why = _choose_categorical_test(counts, forced=False)
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
