"""Human labels of this chapter's column names and model terms, for ``helpers.presentation.tables.show``.

A label with ``{level}`` is filled in with the term's level: ``visit_month[T.3.0]`` reads "3 months"."""

LABELS = {
    "patient_id": "Patient", "visit_month": "{level} months", "age": "Age (years)", "sex": "Sex",
    "sexfemale": "Sex: female", "sexmale": "Sex: male", "bmi": "BMI (kg/m2)",
    "imf_multifidus_left": "IMF left multifidus (%)", "imf_multifidus_right": "IMF right multifidus (%)",
    "imf_erector_left": "IMF left erector spinae (%)", "imf_erector_right": "IMF right erector spinae (%)",
    "leg_pain": "Leg pain (0-10)", "back_pain": "Back pain (0-10)", "disability": "Disability (0-100)",
    "gpe": "Global perceived effect", "group_multifidus_left": "{level} left multifidus",
    "group_multifidus_right": "{level} right multifidus", "group_erector_left": "{level} left erector spinae",
    "group_erector_right": "{level} right erector spinae", "group_by_time_p": "p (group x time)",
    "group_by_time_p_intercept_only": "p (group x time, random intercept only)", "muscle": "Muscle",
}
REFERENCES: dict[str, str] = {}
