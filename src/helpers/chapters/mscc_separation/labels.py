"""Human labels of this chapter's column names and model terms, for ``helpers.presentation.tables.show``."""

LABELS = {
    "patient_id": "Patient", "age": "Age (years)", "sex": "Sex", "sexfemale": "Sex: female", "sexmale": "Sex: male",
    "separated": "Separated", "non_separated": "Not separated",
    "group[T.non_separated]": "Not separated vs separated", "group": "Group", "bilsky_3": "Bilsky grade 3", "bilsky_grade": "Bilsky grade", "sins": "SINS",
    "motor_grade_post": "Motor grade after surgery", "ambulatory_post": "Walking after surgery",
    "Walking after surgery 0/1": "Walking after surgery", "los_days": "Length of stay (days)",
    "radiotherapy": "Radiotherapy", "complication": "Complication", "survival_months": "Survival (months)",
    "death": "Death", "events per variable": "Events per variable", "events per parameter": "Events per parameter",
    "median_survival": "Median survival (months)", "rmst": "Restricted mean survival time (months)",
}
REFERENCES = {"group": "separated", "sex": "male"}
