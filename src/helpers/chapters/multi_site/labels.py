"""Human labels of this chapter's column names and model terms, for ``helpers.presentation.tables.show``."""

LABELS = {
    "patient_id": "Patient", "site": "Hospital", "age": "Age (years)", "sex": "Sex", "separated": "Separated",
    "non_separated": "Not separated", "group": "Group", "group[T.non_separated]": "Not separated vs separated",
    "bilsky_3": "Bilsky grade 3", "bilsky_grade": "Bilsky grade", "sins": "SINS",
    "motor_grade_post": "Motor grade after surgery", "ambulatory_post": "Walking after surgery",
    "los_days": "Length of stay (days)", "radiotherapy": "Radiotherapy", "complication": "Complication",
    "survival_months": "Survival (months)", "death": "Death",
    "patients": "Patients", "deaths": "Deaths", "separated_pct": "Separated (%)", "bilsky_3_pct": "Bilsky 3 (%)",
    "mean_age": "Mean age (years)", "radiotherapy_pct": "Radiotherapy (%)",
    "longest_follow_up_months": "Longest follow-up (months)", "estimable": "Estimable",
    "standard_error": "Standard error", "events": "Events", "k": "Hospitals", "HR": "Hazard ratio",
    "tau2": "tau²", "I2 %": "I² (%)", "PI low": "Prediction interval, low", "PI high": "Prediction interval, high",
    "left out": "Hospital left out", "p": "p",
}
KINDS = {"separated_pct": "percent", "bilsky_3_pct": "percent", "radiotherapy_pct": "percent", "I2 %": "percent",
         "p": "p", "HR": "ratio", "PI low": "ratio", "PI high": "ratio"}
REFERENCES = {"group": "separated"}
