"""Human labels of this chapter's column names and quantities, for ``helpers.presentation.tables.show``."""

LABELS = {
    "patient_id": "Patient", "test_positive": "Index test positive", "disease_present": "Myelopathy present",
    "sensitivity": "Sensitivity", "specificity": "Specificity", "ppv": "Positive predictive value",
    "npv": "Negative predictive value", "lr_positive": "Positive likelihood ratio",
    "lr_negative": "Negative likelihood ratio", "prevalence": "Prevalence", "accuracy": "Accuracy",
    "diagnostic_odds_ratio": "Diagnostic odds ratio", "pre_test_probability": "Pre-test probability",
    "post_test_probability_positive": "Post-test probability after a positive test",
    "post_test_probability_negative": "Post-test probability after a negative test",
    "true_positive": "True positives", "false_positive": "False positives", "true_negative": "True negatives",
    "false_negative": "False negatives",
}
REFERENCES: dict[str, str] = {}
