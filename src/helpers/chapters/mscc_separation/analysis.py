"""Analysis steps of the mscc-separation chapter: analysis columns, and published vs reproduced."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.chapters.mscc_separation.published import PUBLISHED
from helpers.chapters.mscc_separation.schema import NON_SEPARATED, SEPARATED

NONNORMAL_OUTCOMES = ("los_days",)
"""Continuous outcomes declared non-normal before looking at the data (the hospital stay is right-skewed):
median [Q1,Q3] and the Mann-Whitney U test in the outcome Table 1, ``normality="nonnormal"`` in
:func:`helpers.stats.two_groups.compare_two_groups`, so both report the same test. The other continuous
outcomes follow the Shapiro-Wilk rule in both."""


def published_vs_reproduced(data: pd.DataFrame, *, level: float = 0.95) -> pd.DataFrame:
    """The paper's numbers (:data:`PUBLISHED`) beside the same quantities computed by the book's helpers.

    Parameters
    ----------
    data : DataFrame
        Validated chapter data (:data:`helpers.chapters.mscc_separation.schema.MSCC_SEPARATION`); not modified.
    level : float
        Confidence level of the reproduced odds ratio's interval.

    Returns
    -------
    DataFrame
        One row per published number: ``quantity``, ``group``, ``published``, ``published_ci_low``,
        ``published_ci_high``, ``reproduced``, ``reproduced_ci_low``, ``reproduced_ci_high``,
        ``p_published``, ``p_reproduced``, ``tolerance`` (the value's rule, :attr:`helpers.chapters.common.PublishedValue.rule`), ``agrees`` (value within
        tolerance and p-value on the paper's side of 0.05), ``how`` (the helper and test that gave the
        reproduced number). A model this cohort cannot support (collinear covariates, no deaths in a
        group, separation) gives an empty ``reproduced`` and ``agrees``, and ``how`` says why.

    Notes
    -----
    Counts and means by group; 2 x 2 p-values from Pearson's chi-squared without continuity correction
    (the test whose p-values equal the paper's for the published counts; see
    :func:`helpers.stats.two_groups.contingency_tests`); motor grade and stay by
    :func:`helpers.stats.two_groups.compare_two_groups` (its stated rule; the stay declared non-normal,
    :data:`NONNORMAL_OUTCOMES`), the p-value of its first row, the chosen test's own analysis; medians by
    :func:`helpers.stats.survival.kaplan_meier` from surgery; p of the medians from
    :func:`helpers.stats.survival.logrank`; the odds ratio of separation for Bilsky 3 vs 0-2 adjusted for SINS and
    age by :func:`helpers.stats.logistic.logistic_regression` (Wald); the hazard ratio of death,
    non-separated vs separated, by :func:`helpers.stats.cox.cox_model`, unadjusted and adjusted for Bilsky 3,
    age and radiotherapy (Wald p).
    """
    import warnings

    from helpers.chapters.mscc_separation.analysis import add_analysis_columns
    from helpers.chapters.mscc_separation.schema import NON_SEPARATED, SEPARATED
    from helpers.stats.cox import cox_model
    from helpers.stats.logistic import logistic_regression
    from helpers.stats.survival import kaplan_meier, logrank
    from helpers.stats.two_groups import compare_two_groups, contingency_tests
    from helpers.validation.estimable import NOT_ESTIMATED, attempt

    frame = add_analysis_columns(data)
    by_group = frame.groupby("group", observed=True)
    pearson = {column: contingency_tests(frame, outcome=column, group="group").iloc[0]["p_value"]
               for column in ("bilsky_3", "ambulatory_post")}
    rule = {column: compare_two_groups(frame, outcome=column, group="group", reference=NON_SEPARATED,
                                       normality="nonnormal" if column in NONNORMAL_OUTCOMES else "shapiro").iloc[0]
            for column in ("motor_grade_post", "los_days")}
    medians = kaplan_meier(frame, time="survival_months", event="death", group="group").medians.set_index("group")
    logrank_p = float(logrank(frame, time="survival_months", event="death", group="group").test.loc[0, "p_value"])
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*events per (variable|parameter).*")
        logistic = logistic_regression(frame, outcome="separated", predictors=["bilsky_3", "sins", "age"], level=level)
        cox = {adjusted: attempt("Cox model", cox_model, frame, time="survival_months", event="death", level=level,
                                 covariates=["group", *(["bilsky_3", "age", "radiotherapy"] if adjusted else [])],
                                 reference={"group": SEPARATED}, display=False)
               for adjusted in (False, True)}
    cox = {adjusted: (fit.table.set_index("term").loc[f"group[T.{NON_SEPARATED}]"] if fit
                      else pd.Series({"hazard_ratio": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan,
                                      "note": fit.reason}))
           for adjusted, fit in cox.items()}
    odds = logistic.table.set_index("term").loc["bilsky_3"]
    reproduced: dict[tuple[str, str], tuple[float, float, float, float, str]] = {}
    for label, part in by_group:
        reproduced[("patients", label)] = (len(part), np.nan, np.nan, np.nan, "count")
        reproduced[("bilsky_3_patients", label)] = (int(part["bilsky_3"].sum()), np.nan, np.nan, pearson["bilsky_3"],
                                                    "count; Pearson chi-squared without continuity correction")
        reproduced[("ambulatory_post_patients", label)] = (
            int(part["ambulatory_post"].sum()), np.nan, np.nan, pearson["ambulatory_post"],
            "count; Pearson chi-squared without continuity correction")
        for column, quantity in (("motor_grade_post", "motor_grade_post_mean"), ("los_days", "los_days_mean")):
            reproduced[(quantity, label)] = (float(part[column].mean()), np.nan, np.nan, float(rule[column]["p_value"]),
                                             f"mean; {rule[column]['test']} (compare_two_groups rule)")
        reproduced[("median_survival_months", label)] = (
            float(medians.loc[label, "estimate"]), float(medians.loc[label, "ci_low"]),
            float(medians.loc[label, "ci_high"]), logrank_p, "Kaplan-Meier median from surgery (R's log CI); log-rank p")
    reproduced[("odds_ratio", "bilsky_3")] = (
        float(odds["odds_ratio"]), float(odds["ci_low"]), float(odds["ci_high"]), float(odds["p_value"]),
        "logistic regression separated ~ Bilsky 3 + SINS + age; Wald CI and p"
        + (f"; {odds['method']}" if str(odds["method"]).startswith(NOT_ESTIMATED) else ""))
    for adjusted, suffix, how in ((False, "unadjusted", "Cox model ~ group"),
                                  (True, "adjusted", "Cox model ~ group + Bilsky 3 + age + radiotherapy")):
        row = cox[adjusted]
        reproduced[("hazard_ratio", f"non_separated_vs_separated_{suffix}")] = (
            float(row["hazard_ratio"]), float(row["ci_low"]), float(row["ci_high"]), float(row["p_value"]),
            f"{how}; Efron ties; Wald CI and p"
            + (f"; {NOT_ESTIMATED}: {row['note']}" if "note" in row.index else ""))
    rows = []
    for published in PUBLISHED:
        value, low, high, p_value, how = reproduced[(published.quantity, published.group)]
        rows.append({"quantity": published.quantity, "group": published.group, "published": published.value,
                     "published_ci_low": published.ci_low, "published_ci_high": published.ci_high,
                     "reproduced": value, "reproduced_ci_low": low, "reproduced_ci_high": high,
                     "p_published": published.p_value, "p_reproduced": p_value if published.p_value else np.nan,
                     "tolerance": published.rule, "how": how,
                     "agrees": published.agrees(value, p_value) if np.isfinite(value) else None})
    return pd.DataFrame(rows).astype({"published_ci_low": float, "published_ci_high": float, "p_published": float})


def add_analysis_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of validated data with the chapter's analysis columns added.

    Returns
    -------
    DataFrame
        The input columns plus ``group`` (categorical ``separated`` / ``non_separated``, in that order, so
        that curves and tables list the separated group first) and ``bilsky_3`` (1 = Bilsky grade 3, 0 = 0
        to 2). The input is not modified.

    Examples
    --------
    >>> frame = pd.DataFrame({"separated": [1, 0], "bilsky_grade": ["3", "1c"]})
    >>> out = add_analysis_columns(frame)
    >>> out["group"].tolist(), out["bilsky_3"].tolist()
    (['separated', 'non_separated'], [1, 0])
    """
    group = pd.Categorical(frame["separated"].map({1: SEPARATED, 0: NON_SEPARATED}),
                           categories=[SEPARATED, NON_SEPARATED])
    return frame.assign(group=group, bilsky_3=frame["bilsky_grade"].astype(str).eq("3").astype(int))


def compare_clocks(cohorts: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The log-rank statistic, the unadjusted hazard ratio (not separated vs separated) and the median
    survival of each group, for the same patients with time counted from different origins.

    Parameters
    ----------
    cohorts : dict
        Clock name -> cohort with ``survival_months``, ``death`` and ``group`` (as
        :func:`add_analysis_columns` gives), e.g. {"from surgery": ..., "from the landmark": ...}.

    Returns
    -------
    DataFrame
        One row per clock: ``clock``, ``log-rank chi-squared``, ``hazard ratio NS vs S`` (empty when the
        Cox model cannot be estimated, e.g. no deaths in a group; ``note`` says why) and
        ``median, <group>`` per group (empty when not reached).
    """
    from helpers.stats.cox import cox_model
    from helpers.stats.survival import kaplan_meier, logrank
    from helpers.validation.estimable import attempt

    rows = []
    for name, frame in cohorts.items():
        fit = attempt("Cox model", cox_model, frame, time="survival_months", event="death", covariates=["group"],
                      reference={"group": SEPARATED}, display=False)
        medians = kaplan_meier(frame, time="survival_months", event="death", group="group").medians
        rows.append({"clock": name,
                     "log-rank chi-squared": logrank(frame, time="survival_months", event="death",
                                                     group="group").test.loc[0, "statistic"],
                     "hazard ratio NS vs S": fit.table.loc[0, "hazard_ratio"] if fit else np.nan,
                     **{f"median, {group}": median for group, median in medians[["group", "estimate"]].to_numpy()},
                     "note": "" if fit else "hazard ratio not estimable: " + fit.reason.split(" (")[0]})
    table = pd.DataFrame(rows)
    return table if table["note"].str.len().any() else table.drop(columns="note")

CLOCK_EMPTY_CELLS = {"hazard ratio NS vs S": "not estimable", f"median, {SEPARATED}": "not reached",
                     f"median, {NON_SEPARATED}": "not reached"}
"""What an empty cell of :func:`compare_clocks` means, for :func:`helpers.presentation.tables.show`'s ``missing``."""
