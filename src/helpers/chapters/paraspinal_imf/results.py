"""The rows of the paraspinal-imf chapter's ``results.csv``."""

from __future__ import annotations

from typing import Mapping

import pandas as pd

from helpers.chapters.paraspinal_imf.analysis import MuscleTrajectories, outcome_percentages
from helpers.validation.results import results_frame


def results(cohort: pd.DataFrame, odds_ratios: pd.DataFrame, trajectories: MuscleTrajectories, *,
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
    """
    rows = []
    for row in odds_ratios.itertuples():
        quantity = "odds_ratio" if row.model == "adjusted" else "odds_ratio_unadjusted"
        rows.append({"quantity": quantity, "group": f"{row.muscle}/{row.outcome}/{row.visit:g}",
                     "estimate": row.estimate, "ci_low": row.ci_low, "ci_high": row.ci_high,
                     "p_value": row.p_value, "method": f"{row.method} (non-severe vs severe IMF)", "n": row.n})
    if continuous_odds_ratios is not None:
        for row in continuous_odds_ratios.itertuples():
            rows.append({"quantity": "odds_ratio_per_10_less_imf", "group": f"{row.muscle}/{row.outcome}/{row.visit:g}",
                         "estimate": row.estimate, "ci_low": row.ci_low, "ci_high": row.ci_high,
                         "p_value": row.p_value, "method": row.method, "n": row.n})
    for row in trajectories.summary.itertuples():
        rows.append({"quantity": "group_by_time_p", "group": f"{row.muscle}/{row.outcome}",
                     "estimate": row.group_by_time_p, "p_value": row.group_by_time_p,
                     "method": f"linear mixed model ({row.random_effects}), joint Wald chi-squared "
                               f"{row.statistic:.2f} on {row.df} df of the visit x IMF group terms",
                     "n": row.n_subjects})
    for row in trajectories.mean_differences.itertuples():
        rows.append({"quantity": "mean_difference", "group": f"{row.muscle}/{row.outcome}/{row.visit:g}",
                     "estimate": row.estimate, "ci_low": row.ci_low, "ci_high": row.ci_high, "p_value": row.p_value,
                     "method": f"{row.method}; {row.contrast}", "n": row.n_observed})
    for row in outcome_percentages(cohort).query("visit == 'all'").itertuples():
        rows.append({"quantity": "outcome_percent", "group": f"{row.muscle}/{row.outcome}/{row.group}/all",
                     "estimate": row.percent, "method": "observations with the outcome, all follow-up visits pooled",
                     "n": row.n})
    for (muscle, outcome), result in (gee or {}).items():
        test = result.interaction_test.iloc[0]
        rows.append({"quantity": "gee_group_by_time_p", "group": f"{muscle}/{outcome}", "estimate": test["p_value"],
                     "p_value": test["p_value"], "method": f"{result.method}; {test['method']}",
                     "n": result.n_subjects})
    for muscle, value in (image or {}).items():
        rows.append({"quantity": "imf_percent_synthetic_image", "group": muscle, "estimate": value,
                     "method": "Otsu threshold inside the muscle mask of the synthetic axial slice"})
    return results_frame(rows)
