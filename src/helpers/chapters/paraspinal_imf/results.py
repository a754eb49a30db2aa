"""The rows of the paraspinal-imf chapter's ``results.csv``."""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

from helpers.chapters.paraspinal_imf.analysis import (
    CONTINUOUS_OUTCOMES,
    MUSCLES,
    MuscleTrajectories,
    outcome_percentages,
)
from helpers.validation.estimable import NOT_ESTIMATED, Skipped
from helpers.validation.results import results_frame


def results(cohort: pd.DataFrame, odds_ratios: pd.DataFrame, trajectories: MuscleTrajectories | Skipped, *,
                  continuous_odds_ratios: pd.DataFrame | None = None, gee: dict | None = None,
                  image: Mapping[str, float] | None = None) -> pd.DataFrame:
    """The chapter's tidy results (``results.csv``), from the tables its sections compute.

    Quantities: ``odds_ratio`` (adjusted; group ``<muscle>/<outcome>/<month>``), ``odds_ratio_unadjusted``,
    ``odds_ratio_per_10_less_imf`` (continuous IMF, when given), ``group_by_time_p`` (group
    ``<muscle>/<outcome>``; estimate and p_value both the p-value), ``mean_difference`` (non-severe minus
    severe, model-estimated; group ``<muscle>/<outcome>/<month>``, every outcome and visit),
    ``outcome_percent`` (group ``<muscle>/<outcome>/<group>/all``), ``gee_group_by_time_p`` (group
    ``<muscle>/<outcome>``, from ``gee``: (muscle, outcome) -> :class:`~helpers.stats.gee.GEEResult`)
    and ``imf_percent_synthetic_image`` (group ``<muscle>``; estimate measured, from ``image``: muscle ->
    measured IMF %).

    Analyses this cohort could not support keep their rows, with no estimate and a ``method`` that begins
    "not estimated for this cohort" and says why: an odds ratio whose model could not be fitted (a visit
    where every patient, or none, had the outcome; a confounder with one value), and, when
    ``trajectories`` or a ``gee`` value is a :class:`~helpers.validation.estimable.Skipped`, every
    ``group_by_time_p`` and ``mean_difference`` (each follow-up visit of the cohort) or the GEE row.
    """
    rows = []
    for row in odds_ratios.itertuples():
        quantity = "odds_ratio" if row.model == "adjusted" else "odds_ratio_unadjusted"
        rows.append({"quantity": quantity, "group": f"{row.muscle}/{row.outcome}/{row.visit:g}",
                     "estimate": row.estimate, "ci_low": row.ci_low, "ci_high": row.ci_high,
                     "p_value": row.p_value,
                     "method": _odds_ratio_method(row, "(non-severe vs severe IMF)"), "n": row.n})
    if continuous_odds_ratios is not None:
        for row in continuous_odds_ratios.itertuples():
            rows.append({"quantity": "odds_ratio_per_10_less_imf", "group": f"{row.muscle}/{row.outcome}/{row.visit:g}",
                         "estimate": row.estimate, "ci_low": row.ci_low, "ci_high": row.ci_high,
                         "p_value": row.p_value,
                         "method": _odds_ratio_method(row), "n": row.n})
    if isinstance(trajectories, Skipped):
        follow = {outcome: sorted(cohort.loc[cohort[outcome].notna(), "visit_month"].unique())
                  for outcome in CONTINUOUS_OUTCOMES}
        rows += [trajectories.row("group_by_time_p", f"{muscle}/{outcome}")
                 for muscle in MUSCLES for outcome in CONTINUOUS_OUTCOMES]
        rows += [trajectories.row("mean_difference", f"{muscle}/{outcome}/{visit:g}")
                 for muscle in MUSCLES for outcome in CONTINUOUS_OUTCOMES for visit in follow[outcome]]
    else:
        for row in trajectories.summary.itertuples():
            rows.append({"quantity": "group_by_time_p", "group": f"{row.muscle}/{row.outcome}",
                         "estimate": row.group_by_time_p, "p_value": row.group_by_time_p,
                         "method": f"linear mixed model ({row.random_effects}), joint Wald chi-squared "
                                   f"{row.statistic:.2f} on {row.df} df of the visit x IMF group terms",
                         "n": row.n_subjects})
        for row in trajectories.mean_differences.itertuples():
            rows.append({"quantity": "mean_difference", "group": f"{row.muscle}/{row.outcome}/{row.visit:g}",
                         "estimate": row.estimate, "ci_low": row.ci_low, "ci_high": row.ci_high,
                         "p_value": row.p_value, "method": f"{row.method}; {row.contrast}", "n": row.n_observed})
    for row in outcome_percentages(cohort).query("visit == 'all'").itertuples():
        rows.append({"quantity": "outcome_percent", "group": f"{row.muscle}/{row.outcome}/{row.group}/all",
                     "estimate": row.percent, "method": "observations with the outcome, all follow-up visits pooled",
                     "n": row.n})
    for (muscle, outcome), result in (gee or {}).items():
        if isinstance(result, Skipped):
            rows.append(result.row("gee_group_by_time_p", f"{muscle}/{outcome}"))
            continue
        test = result.interaction_test.iloc[0]
        rows.append({"quantity": "gee_group_by_time_p", "group": f"{muscle}/{outcome}", "estimate": test["p_value"],
                     "p_value": test["p_value"], "method": f"{result.method}; {test['method']}",
                     "n": result.n_subjects})
    for muscle, value in (image or {}).items():
        rows.append({"quantity": "imf_percent_synthetic_image", "group": muscle, "estimate": value,
                     "method": "Otsu threshold inside the muscle mask of the synthetic axial slice"})
    return results_frame(rows)


def not_estimated_odds_ratios(table: pd.DataFrame) -> Skipped | None:
    """A note (shown on the page) for the odds ratios of ``table`` (:func:`odds_ratio_table` or
    :func:`continuous_odds_ratio_table`) whose models this cohort could not fit, each reason once, as their
    ``results.csv`` rows give it; None when every model was fitted."""
    reasons = list(dict.fromkeys(_odds_ratio_method(row).removeprefix(f"{NOT_ESTIMATED}: ")
                                 for row in table[table["estimate"].isna()].itertuples()))
    if len(reasons) == 1:  # "adjusted odds ratios: <why>"
        return Skipped(*reasons[0].split(": ", 1))
    return Skipped("some odds ratios", "; ".join(reasons)) if reasons else None


def _odds_ratio_method(row: Any, suffix: str = "") -> str:
    """The ``method`` of an odds ratio's row: the model's, or why this cohort could not support it (its
    ``note`` from :func:`helpers.stats.longitudinal.logistic_by_visit`, in words)."""
    if pd.notna(row.estimate) or not str(row.method).startswith("not estimable"):
        return f"{row.method} {suffix}".strip()
    analysis = "odds ratios per 10 points less IMF" if "IMF continuous" in str(row.method) else "odds ratios"
    if row.n_events in (0, row.n):
        return (f"{NOT_ESTIMATED}: {analysis} at {row.visit:g} months: {'every one' if row.n_events else 'none'} "
                f"of the {row.n} patients seen at this visit had '{row.outcome}', so there is no odds ratio to "
                "estimate")
    return f"{NOT_ESTIMATED}: {row.model} {analysis}: {row.note}"
