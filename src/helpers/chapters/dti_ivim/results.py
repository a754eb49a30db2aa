"""The rows of the dti-ivim chapter's ``results.csv``."""

from __future__ import annotations

from typing import Any

import pandas as pd

from helpers.chapters.dti_ivim.analysis import MODEL_TERMS
from helpers.stats.descriptive import describe_columns
from helpers.validation.estimable import NOT_ESTIMATED, Skipped
from helpers.validation.results import as_results

SCORES = ["mjoa_pre", "mjoa_post", "recovery_rate"]

VALIDATED = ("auc_optimism_corrected", "calibration_intercept", "calibration_slope")
"""The bootstrap validation's quantities (group ``fa+f``)."""


def results(*, cohort: pd.DataFrame, paired: pd.DataFrame, correlations: pd.DataFrame, aucs: pd.DataFrame,
            model_auc: pd.DataFrame | Skipped, validation: pd.DataFrame | Skipped, youden: pd.DataFrame,
            at_threshold: pd.DataFrame, model_table: pd.DataFrame | Skipped, comparisons: pd.DataFrame,
            level: float) -> pd.DataFrame:
    """The chapter's tidy results, from the tables its sections compute.

    Quantities: ``mean`` and ``sd`` of the scores, ``mjoa_change`` (the paired comparison),
    ``correlation`` (Pearson) and ``spearman_correlation``, ``auc`` per predictor and for the FA + f model,
    ``auc_optimism_corrected`` and the corrected calibration intercept and slope (bootstrap validation),
    ``youden_threshold``, the accuracy at each threshold, ``odds_ratio`` per model term and
    ``delong_difference`` per contrast.

    An analysis this cohort could not support still has its rows, with no estimate and a ``method`` that
    begins "not estimated for this cohort" and says why: the per-metric tables (``correlations``, ``aucs``,
    ``youden``, ``at_threshold``, ``comparisons``, from :mod:`helpers.chapters.dti_ivim.analysis`) carry
    such rows already; the combined model's ``model_table``, ``model_auc`` and ``validation`` may each be a
    :class:`~helpers.validation.estimable.Skipped`, which gives the rows they would have given (an
    ``odds_ratio`` per term, the ``auc`` of ``fa+f``, the three validated quantities); a model term
    without an estimate (separation) keeps its own reason.
    """
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
        _or_skipped(model_auc, [("auc", "fa+f")], lambda: as_results(model_auc, quantity="auc", group="fa+f")),
        _or_skipped(validation, [(quantity, "fa+f") for quantity in VALIDATED], lambda: _validated(validation)),
        as_results(youden, quantity="youden_threshold", columns={"group": "predictor", "estimate": "threshold"}),
        as_results(at_threshold, columns={"group": "predictor"}),
        _or_skipped(model_table, [("odds_ratio", term) for term in MODEL_TERMS], lambda: as_results(
            _keep_not_estimated(model_table, "logistic regression, Wald interval"), quantity="odds_ratio",
            columns={"group": "term", "estimate": "odds_ratio"})),
        as_results(comparisons, quantity="delong_difference", columns={"group": "contrast"}),
    ], ignore_index=True)


def _validated(validation: pd.DataFrame) -> pd.DataFrame:
    corrected = validation.set_index("quantity")
    return pd.concat([
        as_results(corrected.loc[["auc"]], quantity="auc_optimism_corrected", group="fa+f",
                   columns={"estimate": "corrected"}),
        as_results(corrected.loc[["calibration_intercept", "calibration_slope"]].reset_index(), group="fa+f",
                   columns={"estimate": "corrected"}),
    ], ignore_index=True)


def _or_skipped(result: Any, rows: list[tuple[str, str]], tidy: Any) -> pd.DataFrame:
    """``tidy()``, or the rows an analysis this cohort could not support would have given."""
    if isinstance(result, Skipped):
        return as_results(pd.DataFrame([result.row(quantity, group) for quantity, group in rows]))
    return tidy()


def _keep_not_estimated(table: pd.DataFrame, method: str) -> pd.DataFrame:
    """``table`` with ``method`` on every row but those not estimated for this cohort, which keep their own."""
    return table.assign(method=table["method"].where(table["method"].str.startswith(NOT_ESTIMATED), method))
