"""The rows of the dynamic-mri chapter's ``results.csv``."""

from __future__ import annotations

from typing import Any

import pandas as pd

from helpers.stats.cox import CoxResult
from helpers.stats.matching import MatchResult
from helpers.validation.estimable import NOT_ESTIMATED, Skipped
from helpers.validation.results import RESULT_COLUMNS, results_frame

SECONDARY = {"vas_6m": "vas_6m_difference", "ndi_6m": "ndi_6m_difference", "reoperation": "reoperation_risk_difference"}
DIFFERENCE, RATIO = "dynamic - conventional", "dynamic / conventional"


def results(*, data: pd.DataFrame, match: MatchResult | Skipped, n_excluded: int,
            balance_summary: pd.DataFrame | Skipped, primary: pd.DataFrame | Skipped, paired: pd.DataFrame | Skipped,
            adjusted: pd.DataFrame, secondary: pd.DataFrame | Skipped, log_rank: Any, cox_fit: CoxResult | Skipped,
            calipers: pd.DataFrame, power_table: pd.DataFrame, evalue: Any) -> pd.DataFrame:
    """The chapter's tidy results, from the tables its sections compute.

    Quantities: the match (``matched_pairs``, ``unmatched_*``, ``excluded_mjoa_pre_18``, ``smd_max_before``
    and ``smd_max_after``), the recovery-rate difference (primary matched analysis, crude, paired, IPW
    and under each caliper), the secondary outcomes, the complication log-rank test and hazard ratio, the
    detectable difference and power, and the E-value of the primary estimate.

    An analysis this cohort could not support arrives as a :class:`~helpers.validation.estimable.Skipped`
    (the match, the balance summary, the primary, paired and secondary comparisons, the log-rank test, the
    Cox model, the E-value) and gives the same quantities and groups as usual, without estimates, with a
    ``method`` that starts "not estimated for this cohort" and says why (:meth:`Skipped.row`). In
    ``adjusted``, ``calipers`` and ``power_table`` such rows are already marked in their ``method`` (see
    :mod:`helpers.chapters.dynamic_mri.analysis`) and are passed on as they are, so the crude comparison
    and the protocol's power are reported whatever the match.
    """
    summary_rows = [
        *_match_rows(match, len(data)),
        {"quantity": "excluded_mjoa_pre_18", "group": "all", "estimate": n_excluded,
         "method": "recovery rate undefined at the maximum"},
        *_balance_rows(balance_summary),
        _logrank_row(log_rank),
        *([evalue.row("e_value", "recovery_rate_difference"), evalue.row("e_value_ci", "recovery_rate_difference")]
          if isinstance(evalue, Skipped) else
          [{"quantity": "e_value", "group": "recovery_rate_difference", "estimate": evalue.e_value_estimate,
            "method": "VanderWeele-Ding, d converted by exp(0.91 d)"},
           {"quantity": "e_value_ci", "group": "recovery_rate_difference", "estimate": evalue.e_value_ci,
            "method": "E-value of the confidence limit closer to the null"}]),
    ]
    caliper_skipped = calipers["method"].fillna("").str.startswith(NOT_ESTIMATED)
    caliper_method = "matched sample; " + calipers["quantity"].fillna("").astype(str) + "; " + calipers["method"]
    return pd.concat([
        results_frame(summary_rows),
        _first_row(primary, "recovery_rate_difference", DIFFERENCE),
        adjusted.iloc[[0]].assign(quantity="recovery_rate_difference_crude"),
        _first_row(paired, "recovery_rate_difference_paired", DIFFERENCE, all_rows=True),
        adjusted.iloc[[3]].assign(quantity="recovery_rate_difference_ipw"),
        (results_frame([secondary.row(quantity, DIFFERENCE) for quantity in SECONDARY.values()])
         if isinstance(secondary, Skipped) else secondary.assign(quantity=secondary["outcome"].map(SECONDARY))),
        (results_frame([cox_fit.row("complication_hazard_ratio", RATIO)]) if isinstance(cox_fit, Skipped) else
         cox_fit.table.assign(quantity="complication_hazard_ratio", group=RATIO,
                              estimate=cox_fit.table["hazard_ratio"], n=cox_fit.n)),
        calipers.assign(quantity="recovery_rate_difference_caliper_" + calipers["caliper"], group=DIFFERENCE,
                        method=calipers["method"].where(caliper_skipped, caliper_method)),
        power_table.iloc[:2].assign(quantity="detectable_difference", group=power_table["scenario"],
                                    estimate=power_table["difference"]),
        power_table.iloc[[2]].assign(quantity="power_assumed_difference", group=power_table["scenario"],
                                     estimate=power_table["power"]),
    ], ignore_index=True)[RESULT_COLUMNS].astype({"n": "Int64"})


def _match_rows(match: MatchResult | Skipped, n: int) -> list[dict[str, Any]]:
    if isinstance(match, Skipped):
        return [match.row("matched_pairs", "matched", n=n), match.row("unmatched_dynamic", "dynamic"),
                match.row("unmatched_conventional", "conventional")]
    return [
        {"quantity": "matched_pairs", "group": "matched", "estimate": match.n_pairs, "n": n,
         "method": f"1:1 nearest neighbour; {match.settings['distance_scale']}; caliper {match.settings['caliper']}"},
        {"quantity": "unmatched_dynamic", "group": "dynamic", "estimate": match.unmatched["treated"]},
        {"quantity": "unmatched_conventional", "group": "conventional", "estimate": match.unmatched["control"]},
    ]


def _balance_rows(balance_summary: pd.DataFrame | Skipped) -> list[dict[str, Any]]:
    if isinstance(balance_summary, Skipped):  # the covariate with the largest |SMD| is unknown: no group
        return [balance_summary.row("smd_max_before"), balance_summary.row("smd_max_after")]
    return [{"quantity": quantity, "group": balance_summary.loc[k, "covariate"],
             "estimate": balance_summary.loc[k, "smd_max"],
             "method": "largest |SMD| over the six covariates; treated SD"}
            for k, quantity in enumerate(("smd_max_before", "smd_max_after"))]


def _logrank_row(log_rank: Any) -> dict[str, Any]:
    if isinstance(log_rank, Skipped):
        return log_rank.row("complication_logrank", "dynamic vs conventional")
    test = log_rank.test.iloc[0]
    return {"quantity": "complication_logrank", "group": "dynamic vs conventional", "estimate": test["statistic"],
            "p_value": test["p_value"], "n": test["n"], "method": test["method"]}


def _first_row(table: pd.DataFrame | Skipped, quantity: str, group: str, all_rows: bool = False) -> pd.DataFrame:
    if isinstance(table, Skipped):
        return results_frame([table.row(quantity, group)])
    return (table if all_rows else table.iloc[[0]]).assign(quantity=quantity)
