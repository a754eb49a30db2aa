"""The rows of the dti-ivim chapter's ``results.csv``."""

from __future__ import annotations

import pandas as pd

from helpers.stats.descriptive import describe_columns
from helpers.validation.results import as_results

SCORES = ["mjoa_pre", "mjoa_post", "recovery_rate"]


def results(*, cohort: pd.DataFrame, paired: pd.DataFrame, correlations: pd.DataFrame, aucs: pd.DataFrame,
            model_auc: pd.DataFrame, validation: pd.DataFrame, youden: pd.DataFrame, at_threshold: pd.DataFrame,
            model_table: pd.DataFrame, comparisons: pd.DataFrame, level: float) -> pd.DataFrame:
    """The chapter's tidy results, from the tables its sections compute.

    Quantities: ``mean`` and ``sd`` of the scores, ``mjoa_change`` (the paired comparison),
    ``correlation`` (Pearson) and ``spearman_correlation``, ``auc`` per predictor and for the FA + f model,
    ``auc_optimism_corrected`` and the corrected calibration intercept and slope (bootstrap validation),
    ``youden_threshold``, the accuracy at each threshold, ``odds_ratio`` per model term and
    ``delong_difference`` per contrast.
    """
    corrected = validation.set_index("quantity")
    return pd.concat([
        as_results(describe_columns(cohort, columns=SCORES, level=level), quantity="mean", method="mean, t interval",
                   columns={"group": "variable", "estimate": "mean", "ci_low": "mean_ci_low",
                            "ci_high": "mean_ci_high"}),
        as_results(describe_columns(cohort, columns=SCORES), quantity="sd", method="standard deviation",
                   columns={"group": "variable", "estimate": "sd"}),
        as_results(paired, quantity="mjoa_change", group="mjoa_post-mjoa_pre"),
        as_results(correlations[correlations["correlation"] == "pearson"], quantity="correlation",
                   columns={"group": "variable"}),
        as_results(correlations[correlations["correlation"] == "spearman"], quantity="spearman_correlation",
                   columns={"group": "variable"}),
        as_results(aucs, quantity="auc", columns={"group": "predictor"}),
        as_results(model_auc, quantity="auc", group="fa+f"),
        as_results(corrected.loc[["auc"]], quantity="auc_optimism_corrected", group="fa+f",
                   columns={"estimate": "corrected"}),
        as_results(corrected.loc[["calibration_intercept", "calibration_slope"]].reset_index(), group="fa+f",
                   columns={"estimate": "corrected"}),
        as_results(youden, quantity="youden_threshold", columns={"group": "predictor", "estimate": "threshold"}),
        as_results(at_threshold, columns={"group": "predictor"}),
        as_results(model_table, quantity="odds_ratio", method="logistic regression, Wald interval",
                   columns={"group": "term", "estimate": "odds_ratio"}),
        as_results(comparisons, quantity="delong_difference", columns={"group": "contrast"}),
    ], ignore_index=True)
