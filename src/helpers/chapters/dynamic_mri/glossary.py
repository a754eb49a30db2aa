"""What each ``quantity`` of the dynamic-mri chapter's ``results.csv`` means (one line each; the book's
glossary page is generated from it)."""

QUANTITIES = {
    "matched_pairs": "pairs of dynamic- and conventional-MRI patients formed by propensity-score matching",
    "unmatched_dynamic": "dynamic-MRI patients left without a match",
    "unmatched_conventional": "conventional-MRI patients left without a match",
    "excluded_mjoa_pre_18": "patients excluded because their pre-operative mJOA was 18, where the recovery rate is undefined",
    "smd_max_before": "largest absolute standardised mean difference of the covariates before matching",
    "smd_max_after": "largest absolute standardised mean difference of the covariates after matching",
    "complication_logrank": "log-rank test of time to complication between the groups",
    "e_value": "E-value: how strong an unmeasured confounder would have to be to explain the estimate away",
    "e_value_ci": "E-value of the confidence limit closer to the null",
    "recovery_rate_difference": "difference in mJOA recovery rate between the groups in the matched sample",
    "recovery_rate_difference_crude": "difference in mJOA recovery rate between the groups before matching",
    "recovery_rate_difference_paired": "mean within-pair difference in recovery rate in the matched pairs",
    "recovery_rate_difference_ipw": "difference in recovery rate weighted by the inverse probability of treatment",
    "vas_6m_difference": "difference in pain (VAS) at 6 months between the groups",
    "ndi_6m_difference": "difference in Neck Disability Index at 6 months between the groups",
    "reoperation_risk_difference": "difference in the proportion reoperated between the groups",
    "complication_hazard_ratio": "hazard ratio of complication, dynamic versus conventional MRI (Cox model)",
    "recovery_rate_difference_caliper_0.1": "recovery-rate difference after matching with a caliper of 0.1 SD of the logit",
    "recovery_rate_difference_caliper_0.2": "recovery-rate difference after matching with a caliper of 0.2 SD of the logit",
    "recovery_rate_difference_caliper_none": "recovery-rate difference after matching without a caliper",
    "detectable_difference": "smallest standardised difference the matched sample detects with 80% power",
    "power_assumed_difference": "power of the matched sample to detect the assumed difference",
}
