"""Analysis steps of the dti-ivim chapter that run once per imaging metric or per AUC comparison.

Each metric is analysed on its own, so a metric this cohort cannot support (f with the same value for every
patient, say) is not estimated, with a note on the page where its result would be, while the other metrics
go on. Its rows stay in the step's table, with no numbers and a ``method`` that begins "not estimated for
this cohort" and says why, so ``results.csv`` shows which numbers are missing. The statistics come from
:mod:`helpers.stats.correlation` and :mod:`helpers.stats.roc`.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping, Sequence

import pandas as pd

from helpers.chapters.dti_ivim.labels import LABELS
from helpers.stats.correlation import correlation_table
from helpers.stats.logistic import INTERCEPT
from helpers.stats.roc import ACCURACY_QUANTITIES, classification_metrics, compare_auc, roc_auc, youden_threshold
from helpers.validation.estimable import NOT_ESTIMATED, Skipped, attempt

MODEL_PREDICTORS = ["fa_x100", "f"]
"""The combined model's predictors: FA per 0.01 and f per 1 %."""

MODEL_TERMS = (INTERCEPT, *MODEL_PREDICTORS)
"""Its terms, the groups of its ``odds_ratio`` rows in ``results.csv``."""

CORRELATIONS = ("pearson", "spearman")


def correlate_each(cohort: pd.DataFrame, *, outcome: str, variables: Iterable[str], level: float) -> pd.DataFrame:
    """Pearson and Spearman correlation of each metric with ``outcome``
    (:func:`helpers.stats.correlation.correlation_table`, one metric at a time); a metric this cohort cannot
    support keeps a row per coefficient, without numbers."""
    return _each(f"correlation of '{{name}}' with '{outcome}'", variables, column="variable",
                 keys=[{"outcome": outcome, "correlation": name} for name in CORRELATIONS],
                 call=lambda name: correlation_table(cohort, outcome=outcome, variables=[name],
                                                     methods=CORRELATIONS, level=level))


def roc_auc_each(cohort: pd.DataFrame, *, outcome: str, directions: Mapping[str, str], level: float) -> pd.DataFrame:
    """The AUC of each metric with its DeLong interval (:func:`helpers.stats.roc.roc_auc`), in the direction
    stated for it; a metric this cohort cannot support keeps its row, without numbers."""
    return _each("ROC analysis of '{name}'", directions, keys=[{}], directions=directions,
                 call=lambda name: roc_auc(cohort, outcome=outcome, predictor=name, direction=directions[name],
                                           level=level))


def youden_each(cohort: pd.DataFrame, *, outcome: str, directions: Mapping[str, str], n_boot: int, rng: int,
                level: float) -> pd.DataFrame:
    """The Youden-optimal threshold of each metric with its bootstrap interval
    (:func:`helpers.stats.roc.youden_threshold`; every metric's bootstrap starts from the seed ``rng``)."""
    return _each("Youden threshold of '{name}'", directions, keys=[{}], directions=directions,
                 call=lambda name: youden_threshold(cohort, outcome=outcome, predictor=name,
                                                    direction=directions[name], n_boot=n_boot, rng=rng,
                                                    level=level))


def accuracy_at_thresholds(cohort: pd.DataFrame, *, outcome: str, youden: pd.DataFrame,
                           directions: Mapping[str, str], level: float) -> pd.DataFrame:
    """Sensitivity, specificity, predictive values and likelihood ratios of each metric at its Youden
    threshold (:func:`helpers.stats.roc.classification_metrics`), with a ``predictor`` column; a metric
    without a threshold keeps its rows, without numbers."""
    thresholds = youden.set_index("predictor")

    def at_threshold(name: str) -> Any:
        cut = _result_or_skipped(thresholds.loc[name], "threshold")
        return attempt(f"accuracy at the Youden threshold of '{name}'", classification_metrics, cohort,
                       outcome=outcome, predictor=name, threshold=cut, direction=directions[name],
                       level=level)

    return _each("", directions, keys=[{"quantity": q} for q in ACCURACY_QUANTITIES], directions=directions,
                 call=at_threshold, attempted=True)


def compare_each(cohort: pd.DataFrame, *, outcome: str, contrasts: Mapping[str, Sequence[Any]],
                 level: float) -> pd.DataFrame:
    """The paired DeLong comparison (:func:`helpers.stats.roc.compare_auc`) of each pair of predictors
    (column names or fitted models), with a ``contrast`` column naming it; a pair this cohort cannot
    support (a metric with one value, a model that was not estimated) keeps its row, without numbers."""
    def compare(contrast: str) -> Any:
        return attempt(f"DeLong comparison of {LABELS.get(contrast, contrast)}", compare_auc, cohort,
                       outcome=outcome, predictors=tuple(contrasts[contrast]), level=level)

    return _each("", contrasts, column="contrast", keys=[{}], call=compare, attempted=True)


def estimated(table: pd.DataFrame, column: str = "predictor") -> list[str]:
    """The names in ``column`` of the rows this cohort gave an estimate (in table order)."""
    return list(table.loc[~_not_estimated(table), column].drop_duplicates())


def note_not_estimated(table: pd.DataFrame, *, analysis: str, column: str = "term") -> Skipped | None:
    """A note (shown on the page) for the rows of a fitted model's table that this cohort could not estimate,
    e.g. terms separated from the outcome; None when every row has its estimate, or when the model itself was
    not estimated (its own note is already on the page)."""
    if isinstance(table, Skipped):
        return None
    missing = table[_not_estimated(table)]
    if missing.empty:
        return None
    reasons = missing.groupby("method", sort=False)[column].agg(lambda names: ", ".join(f"'{n}'" for n in names))
    if len(missing) == len(table) and len(reasons) == 1:  # one reason for the whole model
        return Skipped(analysis, reasons.index[0].removeprefix(NOT_ESTIMATED + ": "))
    return Skipped(analysis, "; ".join(f"{names}: {method.removeprefix(NOT_ESTIMATED + ': ')}"
                                       for method, names in reasons.items()))


# ----------------------------------------------------------------------------- one step per name
def _each(analysis: str, names: Iterable[str], *, call: Callable[[str], Any], keys: Sequence[Mapping[str, Any]],
          column: str = "predictor", directions: Mapping[str, str] | None = None,
          attempted: bool = False) -> pd.DataFrame:
    """``call(name)`` for each name, in one table; a name whose call this cohort cannot support shows its
    note (headed ``analysis.format(name=name)``; ``attempted=True``: ``call`` attempts and notes itself) and
    keeps one row per key, with its name (and direction), no numbers and the reason in ``method``."""
    tables = []
    for name in names:
        result = call(name) if attempted else attempt(analysis.format(name=name), call, name)
        if isinstance(result, Skipped):
            extra = {"direction": directions[name]} if directions else {}
            result = pd.DataFrame([{column: name, **key, **extra, "method": result.method} for key in keys])
        elif column not in result.columns:
            result = result.assign(**{column: name})
        tables.append(result)
    return pd.concat(tables, ignore_index=True)


def _not_estimated(table: pd.DataFrame) -> pd.Series:
    return table["method"].fillna("").astype(str).str.startswith(NOT_ESTIMATED)


def _result_or_skipped(row: pd.Series, value: str) -> Any:
    """A value of an earlier step's row, or that step's :class:`Skipped` when the row was not estimated."""
    method = str(row["method"])
    if not method.startswith(NOT_ESTIMATED):
        return row[value]
    analysis, reason = method.removeprefix(NOT_ESTIMATED + ": ").split(": ", 1)
    return Skipped(analysis, reason)
