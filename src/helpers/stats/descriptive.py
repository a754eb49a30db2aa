"""Descriptive tables: the clinical "Table 1" by group (tableone, each test chosen by a stated rule) and
column summaries with t intervals.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from helpers.stats.two_groups import (
    EXPECTED_COUNT_MINIMUM,
    MANN_WHITNEY,
    NORMALITY_CHOICES,
    WELCH,
    categorical_test,
    choose_categorical_test,
    choose_two_group_test,
    continuous_test,
    fisher_exact_table,
    normality_rule,
)
from helpers.validation.checks import check_level, numeric_column, require_columns
from helpers.validation.errors import InputError


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
                      exact: Sequence[str] = (), normality: str = "shapiro", normality_alpha: float = 0.05,
                      equal_variance: bool = False, decimals: int = 1,
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
        Continuous variables declared non-normal (e.g. in the analysis plan): shown as median [Q1,Q3]
        and tested by the rank test whatever the Shapiro-Wilk test says. Pass
        ``normality="nonnormal"`` to :func:`helpers.stats.two_groups.compare_two_groups` for the same
        variables so both give the same p-value.
    exact : sequence of str
        Categorical variables always tested by Fisher's exact test.
    normality : {"shapiro", "normal", "nonnormal"}
        The rule for the other continuous variables (:func:`helpers.stats.two_groups.choose_two_group_test`,
        the one used by ``compare_two_groups``): "shapiro" tests each variable's normality in every
        group; "normal" keeps the t-test for every variable not in ``nonnormal`` (R tableone's
        convention); "nonnormal" takes the rank test for all.
    normality_alpha : float
        Level of the Shapiro-Wilk tests.
    equal_variance : bool
        Pooled-variance t-test (R tableone's default, ``oneway.test(var.equal = TRUE)``) instead of
        Welch's (default here, in Python tableone and in ``compare_two_groups``).
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
        Missing columns, a variable in two roles, ``nonnormal``/``exact`` naming variables not in
        ``continuous``/``categorical``, or an unknown ``normality``.

    Notes
    -----
    Continuous variables, two groups: Welch's t-test with mean (SD), or the Mann-Whitney U test with
    median [Q1,Q3] when the variable is in ``nonnormal`` or the rule of
    :func:`helpers.stats.two_groups.choose_two_group_test` rejects normality; both computed by
    :func:`helpers.stats.two_groups.two_group_test` (R's ``t.test`` and ``wilcox.test``, exact without
    ties for < 50 per group), so every p-value equals that of ``compare_two_groups`` for the same
    variable and choice. (R tableone tests non-normal variables with ``kruskal.test``, which for two
    groups is the Mann-Whitney test without continuity correction, so its p-values differ slightly.)
    ``equal_variance``: tableone's pooled t-test. More than two groups: one-way ANOVA, or Kruskal-Wallis
    by the same rule. Categorical variables: chi-squared with
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
    ["Welch's t-test", "Fisher's exact"]
    """
    from tableone import TableOne

    continuous, categorical = list(continuous), list(categorical)
    nonnormal, exact = list(nonnormal), list(exact)
    require_columns(df, [group, *continuous, *categorical])
    both = sorted(set(continuous) & set(categorical))
    if both:
        raise InputError(f"{both} are listed as both continuous and categorical; keep each in one list.")
    if group in continuous + categorical:
        raise InputError(f"'{group}' is the grouping column; remove it from the variables.")
    if normality not in NORMALITY_CHOICES:
        raise InputError(f"normality={normality!r}; use 'shapiro' (the rule), 'normal' or 'nonnormal'.")
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
        choice, reasons[column] = choose_categorical_test(counts, column in exact)
        name = "Chi-squared" if choice == "chi2" else fisher_exact_table(counts)[1]
        htest[column] = categorical_test(choice, name)
    rank_tested = []
    for column in continuous:
        samples = {level: data.loc[data[group] == level, column].to_numpy(dtype=float) for level in groups}
        listed = column in nonnormal
        choice = "nonnormal" if listed else normality
        if len(groups) == 2:
            test = choose_two_group_test(samples, normality=choice, normality_alpha=normality_alpha)
            rank, reasons[column] = test.test == MANN_WHITNEY, test.reason
            if rank or not equal_variance:
                htest[column] = continuous_test(test.test)
        else:
            rule = normality_rule(samples, normality=choice, normality_alpha=normality_alpha)
            rank, reasons[column] = not rule.normal, rule.reason
        if listed:
            reasons[column] = "listed in nonnormal"
        if data[column].nunique(dropna=True) < 2:
            reasons[column] = "one value for every patient: not tested"
        if rank:
            rank_tested.append(column)

    # np.errstate: a variable with no spread in either group (one value for every patient) has no SMD; tableone
    # leaves it blank, and numpy's "invalid value" warning about it would only add noise to the page
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.filterwarnings("ignore", message=".*(low number of observations|Monte Carlo).*")
        one = TableOne(data, columns=continuous + categorical, categorical=categorical, continuous=continuous,
                       groupby=group, nonnormal=rank_tested, pval=True, htest_name=True, htest=htest or None,
                       smd=len(groups) > 1, ttest_equal_var=equal_variance, decimals=decimals,
                       rename=dict(labels) if labels else None, overall=True, include_null=False)
    smd = one.smd_table.astype(float).abs()
    tests = one.htest_table.reset_index().rename(columns={"P-Value": "p_value", "Test": "test"})
    tests = pd.DataFrame({"variable": tests["variable"],
                          "kind": np.where(tests["continuous"].astype(bool), "continuous", "categorical"),
                          "test": tests["test"].astype(str), "p_value": tests["p_value"].astype(float),
                          "reason": tests["variable"].map(reasons)})
    # A variable with one observed level or value has no test: tableone would print p = 1.000 for it.
    untested = [name for name, reason in reasons.items() if str(reason).endswith("not tested")]
    tests.loc[tests["variable"].isin(untested), ["test", "p_value"]] = ["not tested", np.nan]
    order = {name: i for i, name in enumerate(continuous + categorical)}
    tests = tests.sort_values("variable", key=lambda s: s.map(order)).reset_index(drop=True)
    smd = smd.loc[[v for v in continuous + categorical if v in smd.index]]

    table = one.tableone.copy()
    table.columns = table.columns.droplevel(0)
    if untested:
        shown = [(dict(labels or {}).get(name, name)) for name in untested]
        rows = table.index.get_level_values(0).str.split(",").str[0].isin(shown)
        for column in [c for c in table.columns if str(c) in ("P-Value", "Test")]:
            table.loc[rows, column] = ""
    for column in [c for c in table.columns if str(c).startswith("SMD")]:
        table[column] = table[column].astype(str).str.lstrip("-")  # absolute values, as R tableone prints
    t_test = "the pooled-variance t-test" if equal_variance else f"{WELCH}"
    listed = ", ".join(nonnormal) or "none"
    if normality == "shapiro":
        continuous_rule = (f"mean (SD) and {t_test}, unless the Shapiro-Wilk test rejects normality at "
                           f"{normality_alpha:g} in either group or the variable is listed as non-normal ({listed}): "
                           f"then median [Q1,Q3] and the {MANN_WHITNEY} test")
    elif normality == "normal":
        continuous_rule = (f"mean (SD) and {t_test}, or median [Q1,Q3] and the {MANN_WHITNEY} test for those "
                           f"listed as non-normal ({listed})")
    else:
        continuous_rule = f"median [Q1,Q3] and the {MANN_WHITNEY} test (every variable treated as non-normal)"
    rules = (f"Continuous variables: {continuous_rule} (more than two groups: one-way ANOVA or Kruskal-Wallis "
             "by the same rule); the rule and the tests are those of compare_two_groups, so its p-values agree. "
             "Categorical variables: n (%), chi-squared test (Yates' correction for 2 x 2 tables), or Fisher's "
             f"exact test when any expected count is < {EXPECTED_COUNT_MINIMUM} or when requested "
             f"({', '.join(exact) or 'none'}). SMD: absolute standardised mean difference, pooled SD for "
             "continuous variables, Yang and Dalton (2012) for categorical ones. Percentages exclude missing "
             f"values; {excluded} row(s) without '{group}' excluded.")
    return GroupDescription(table=table, tests=tests, smd=smd, rules=rules, group=group, groups=groups,
                            n_excluded=excluded, tableone=one)


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
    level = check_level(level)
    if isinstance(columns, str):
        raise InputError(f"columns={columns!r}: give a list of column names, e.g. ['mjoa_pre', 'mjoa_post'].")
    rows = []
    for column in columns:
        values = numeric_column(df, column).dropna().to_numpy()
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
