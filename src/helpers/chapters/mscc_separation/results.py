"""The rows of the mscc-separation chapter's ``results.csv``."""

from __future__ import annotations

from typing import Any, Sequence

import pandas as pd

from helpers.chapters.mscc_separation.schema import NON_SEPARATED
from helpers.validation.estimable import NOT_ESTIMATED, Skipped
from helpers.validation.results import RESULT_COLUMNS, results_frame

CONTRAST = "non_separated_vs_separated"
DIFFERENCE = "separated_minus_non_separated"
OUTCOME_NAMES = {"ambulatory_post": "ambulation", "motor_grade_post": "motor_grade", "los_days": "los_days",
                 "complication": "complication", "radiotherapy": "radiotherapy"}
ODDS_NAMES = {"multivariable": "bilsky_3", "multivariable, Firth": "bilsky_3_firth",
              "univariable": "bilsky_3_unadjusted"}


def results(*, km: Any, log_rank: Any, hazards: pd.DataFrame, n_cohort: int, cox_terms: Sequence[str],
            odds: pd.DataFrame, logistic_predictors: str, rmst: Any, rmst_tau_months: float,
            outcomes: pd.DataFrame, proportional_hazards: Any, cox_models: dict[str, Any]) -> pd.DataFrame:
    """The chapter's tidy results, from the tables its sections compute.

    Quantities: ``median_survival_months`` per group, ``logrank``, ``hazard_ratio`` (not separated vs
    separated, unadjusted and adjusted), ``odds_ratio`` of separation for Bilsky 3 (univariable,
    multivariable, Firth), ``rmst_difference``, one ``<outcome>_difference`` per outcome and
    ``proportional_hazards_global`` of the adjusted Cox model; the counts ``deaths`` (survival cohort) and
    ``separated_patients`` (logistic models) that a multi-centre pooling reports as events.

    ``cox_models`` holds the "unadjusted" and "adjusted" Cox models; each, and ``proportional_hazards``, may
    be a :class:`helpers.validation.estimable.Skipped` (covariates collinear with the group, no deaths in a
    group): their rows then have no estimate and a ``method`` that says why. Odds-ratio rows whose model gave
    no estimate (separation) keep the model's own "not estimated" method.
    """
    group_term = f"group[T.{NON_SEPARATED}]"
    odds_method = ("odds of separation, Bilsky 3 vs 0-2; logistic regression, " + odds["model"]
                   + " (" + logistic_predictors + ")")
    if "method" in odds.columns:  # a model that gave no estimate says why
        odds_method = odds_method.where(~odds["method"].fillna("").str.startswith(NOT_ESTIMATED),
                                        odds["method"].fillna("") + "; " + odds_method)
    adjustment = {"unadjusted": "", "adjusted": " + " + " + ".join(cox_terms)}
    parts = [
        km.medians.assign(quantity="median_survival_months"),
        log_rank.test.assign(quantity="logrank", group=CONTRAST, estimate=log_rank.test["statistic"]),
        pd.DataFrame() if isinstance(hazards, Skipped) else hazards.loc[hazards["term"] == group_term].assign(
            quantity="hazard_ratio", group=CONTRAST + "_" + hazards["model"], estimate=hazards["hazard_ratio"],
            n=n_cohort, method="Cox model ~ group" + hazards["model"].map(adjustment) + "; " + hazards["method"]),
        odds.loc[odds["term"] == "bilsky_3"].assign(
            quantity="odds_ratio", group=odds["model"].map(ODDS_NAMES), estimate=odds["odds_ratio"],
            method=odds_method),
        rmst.difference.assign(quantity="rmst_difference", group=DIFFERENCE, n=n_cohort,
                               method=f"tau = {rmst_tau_months} months; " + rmst.difference["method"]),
        outcomes.drop_duplicates("outcome").assign(
            quantity=outcomes["outcome"].map(OUTCOME_NAMES) + "_difference", group=DIFFERENCE,
            method=outcomes["quantity"] + "; " + outcomes["method"]),
    ]
    skipped = [fit.row("hazard_ratio", f"{CONTRAST}_{name}", n_cohort) for name, fit in cox_models.items()
               if isinstance(fit, Skipped)]
    if skipped:
        parts.insert(3, pd.DataFrame(skipped))
    # Counts a multi-centre pooling reports beside each estimate (spinebook run --site): deaths in the
    # survival cohort, and patients separated among those in the logistic models.
    models = odds.drop_duplicates("model")
    parts.append(pd.DataFrame([
        {"quantity": "deaths", "group": "all", "estimate": int(log_rank.groups["observed"].sum()),
         "method": "count of deaths in the survival cohort", "n": n_cohort},
        {"quantity": "separated_patients", "group": "all", "estimate": int(models["n_events"].iloc[0]),
         "method": "count of patients with MRI-confirmed separation in the logistic models",
         "n": int(models["n"].iloc[0])}]))
    if isinstance(proportional_hazards, Skipped):
        parts.append(pd.DataFrame([proportional_hazards.row("proportional_hazards_global", "adjusted_model")]))
    else:
        parts.append(proportional_hazards.table.tail(1).assign(
            quantity="proportional_hazards_global", group="adjusted_model",
            estimate=proportional_hazards.table["statistic"], n=cox_models["adjusted"].n))
    return results_frame(pd.concat(parts, ignore_index=True).reindex(columns=RESULT_COLUMNS).to_dict("records"))
