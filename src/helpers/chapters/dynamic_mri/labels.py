"""Human labels of this chapter's column names and model terms, for ``helpers.presentation.tables.show``."""

LABELS = {
    "patient_id": "Patient", "imaging": "Imaging", "age": "Age (years)", "sex": "Sex", "sexfemale": "Sex: female",
    "sexmale": "Sex: male", "bmi": "BMI (kg/m2)", "duration_months": "Symptom duration (months)",
    "mjoa_pre": "Baseline mJOA", "compressed_segments": "Compressed segments", "mjoa_6m": "mJOA at 6 months",
    "vas_pre": "Baseline VAS", "vas_6m": "VAS at 6 months", "ndi_pre": "Baseline NDI (%)", "ndi_6m": "NDI at 6 months (%)",
    "reoperation": "Reoperation", "complication": "Complication", "complication_months": "Months to complication",
    "distance": "Propensity score", "conventional": "Conventional MRI", "smd_denominator": "SMD denominator",
    "caliper_sd": "Caliper SD", "distance_scale": "Distance scale", "ties": "Ties", "replacement": "Replacement", "recovery_rate": "Recovery rate (%)", "dynamic": "Dynamic MRI",
    "mjoa_pre_at_18": "Baseline mJOA of 18 (no room to recover)",
    "recovery_rate_difference": "Recovery-rate difference (points)", "vas_difference": "VAS difference",
    "ndi_difference": "NDI difference", "reoperation_odds_ratio": "Reoperation odds ratio",
    "complication_hazard_ratio": "Complication hazard ratio", "unmatched": "Unmatched (dynamic MRI)",
    "unmatched_treated": "Unmatched (dynamic MRI)", "smd_max_after": "Largest |SMD| after",
    "caliper": "Caliper", "caliper_scale": "Caliper scale", "order": "Matching order", "exact": "Exact matching on",
    "ratio": "Controls per treated patient", "replace": "With replacement", "estimand": "Estimand",
    "threshold": "SMD threshold", "max |SMD|": "Largest |SMD|",
}
REFERENCES = {"imaging": "conventional", "sex": "male"}
