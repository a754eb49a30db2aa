"""The rows of the dynamic-mri chapter's ``results.csv``."""

from __future__ import annotations

from typing import Any

import pandas as pd

from helpers.stats.cox import CoxResult
from helpers.stats.matching import MatchResult
from helpers.validation.results import RESULT_COLUMNS, results_frame

SECONDARY = {"vas_6m": "vas_6m_difference", "ndi_6m": "ndi_6m_difference", "reoperation": "reoperation_risk_difference"}


def results(*, data: pd.DataFrame, match: MatchResult, n_excluded: int, balance_summary: pd.DataFrame,
            primary: pd.DataFrame, paired: pd.DataFrame, adjusted: pd.DataFrame, secondary: pd.DataFrame,
            log_rank: Any, cox_fit: CoxResult, calipers: pd.DataFrame, power_table: pd.DataFrame,
            evalue: Any) -> pd.DataFrame:
    """The chapter's tidy results, from the tables its sections compute.

    Quantities: the match (``matched_pairs``, ``unmatched_*``, ``excluded_mjoa_pre_18``, ``smd_max_before``
    and ``smd_max_after``), the recovery-rate difference (primary matched analysis, crude, paired, IPW
    and under each caliper), the secondary outcomes, the complication log-rank test and hazard ratio, the
    detectable difference and power, and the E-value of the primary estimate.
    """
    test = log_rank.test.iloc[0]
    summary_rows = [
        {"quantity": "matched_pairs", "group": "matched", "estimate": match.n_pairs, "n": len(data),
         "method": f"1:1 nearest neighbour; {match.settings['distance_scale']}; caliper {match.settings['caliper']}"},
        {"quantity": "unmatched_dynamic", "group": "dynamic", "estimate": match.unmatched["treated"]},
        {"quantity": "unmatched_conventional", "group": "conventional", "estimate": match.unmatched["control"]},
        {"quantity": "excluded_mjoa_pre_18", "group": "all", "estimate": n_excluded,
         "method": "recovery rate undefined at the maximum"},
        {"quantity": "smd_max_before", "group": balance_summary.loc[0, "covariate"],
         "estimate": balance_summary.loc[0, "smd_max"], "method": "largest |SMD| over the six covariates; treated SD"},
        {"quantity": "smd_max_after", "group": balance_summary.loc[1, "covariate"],
         "estimate": balance_summary.loc[1, "smd_max"], "method": "largest |SMD| over the six covariates; treated SD"},
        {"quantity": "complication_logrank", "group": "dynamic vs conventional", "estimate": test["statistic"],
         "p_value": test["p_value"], "n": test["n"], "method": test["method"]},
        {"quantity": "e_value", "group": "recovery_rate_difference", "estimate": evalue.e_value_estimate,
         "method": "VanderWeele-Ding, d converted by exp(0.91 d)"},
        {"quantity": "e_value_ci", "group": "recovery_rate_difference", "estimate": evalue.e_value_ci,
         "method": "E-value of the confidence limit closer to the null"},
    ]
    return pd.concat([
        results_frame(summary_rows),
        primary.iloc[[0]].assign(quantity="recovery_rate_difference"),
        adjusted.iloc[[0]].assign(quantity="recovery_rate_difference_crude"),
        paired.assign(quantity="recovery_rate_difference_paired"),
        adjusted.iloc[[3]].assign(quantity="recovery_rate_difference_ipw"),
        secondary.assign(quantity=secondary["outcome"].map(SECONDARY)),
        cox_fit.table.assign(quantity="complication_hazard_ratio", group="dynamic / conventional",
                             estimate=cox_fit.table["hazard_ratio"], n=cox_fit.n),
        calipers.assign(quantity="recovery_rate_difference_caliper_" + calipers["caliper"],
                        group="dynamic - conventional",
                        method="matched sample; " + calipers["quantity"] + "; " + calipers["method"]),
        power_table.iloc[:2].assign(quantity="detectable_difference", group=power_table["scenario"],
                                    estimate=power_table["difference"], method="pingouin power_ttest(2n)"),
        power_table.iloc[[2]].assign(quantity="power_assumed_difference", group=power_table["scenario"],
                                     estimate=power_table["power"], method="pingouin power_ttest(2n)"),
    ], ignore_index=True)[RESULT_COLUMNS].astype({"n": "Int64"})
