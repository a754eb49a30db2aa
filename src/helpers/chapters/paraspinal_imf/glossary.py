"""What each ``quantity`` of the paraspinal-imf chapter's ``results.csv`` means (one line each; the book's
glossary page is generated from it)."""

QUANTITIES = {
    "odds_ratio_unadjusted": "odds ratio of the outcome, non-severe versus severe fat infiltration, unadjusted",
    "odds_ratio": "odds ratio of the outcome, non-severe versus severe fat infiltration, adjusted for the covariates",
    "odds_ratio_per_10_less_imf": "adjusted odds ratio of the outcome per 10 percentage points less fat infiltration",
    "group_by_time_p": "p-value of the visit x fat-infiltration-group interaction (linear mixed model)",
    "mean_difference": "difference of model-estimated means, non-severe minus severe, at the visit named in group",
    "outcome_percent": "percentage of observations with the outcome, all follow-up visits pooled",
    "gee_group_by_time_p": "p-value of the visit x group interaction from GEE (robust to the correlation structure)",
    "imf_percent_synthetic_image": "fat infiltration (%) measured by Otsu thresholding on the synthetic MRI slice",
}
