"""What each ``quantity`` of the mscc-separation chapter's ``results.csv`` means (one line each; the book's
glossary page is generated from it)."""

QUANTITIES = {
    "median_survival_months": "median overall survival in months (Kaplan-Meier) of the group",
    "logrank": "log-rank test of survival between separation surgery and the comparison group",
    "hazard_ratio": "hazard ratio of death between the groups (Cox model)",
    "odds_ratio": "odds ratio of receiving separation surgery for the named factor (logistic regression)",
    "rmst_difference": "difference in restricted mean survival time up to the horizon tau, in months",
    "motor_grade_difference": "difference in post-operative motor grade between the groups",
    "ambulation_difference": "difference in the proportion walking after surgery between the groups",
    "los_days_difference": "difference in length of hospital stay (days) between the groups",
    "complication_difference": "difference in the proportion with a complication between the groups",
    "radiotherapy_difference": "difference in the proportion receiving radiotherapy between the groups",
    "proportional_hazards_global": "global test of the proportional-hazards assumption of the Cox model",
    "deaths": "number of deaths in the survival cohort (the events of the Cox models)",
    "separated_patients": "number of patients with MRI-confirmed separation (the events of the logistic models)",
}
