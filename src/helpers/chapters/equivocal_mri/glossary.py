"""What each ``quantity`` of the equivocal-mri chapter's ``results.csv`` means (one line each; the book's
glossary page is generated from it)."""

QUANTITIES = {
    "lr_positive": "positive likelihood ratio of the chosen sensitivity and specificity",
    "lr_negative": "negative likelihood ratio of the chosen sensitivity and specificity",
    "post_test_probability_positive": "probability of myelopathy after a positive test, from the chosen pre-test probability",
    "post_test_probability_negative": "probability of myelopathy after a negative test, from the chosen pre-test probability",
    "ppv": "positive predictive value at the chosen pre-test probability (equals the post-test probability after a positive test)",
    "npv": "negative predictive value at the chosen pre-test probability (one minus the post-test probability after a negative test)",
    "true_positive": "patients with the condition whose test was positive (2x2 table of the data)",
    "false_positive": "patients without the condition whose test was positive",
    "false_negative": "patients with the condition whose test was negative",
    "true_negative": "patients without the condition whose test was negative",
    "prevalence": "proportion of the data's patients with the condition",
    "sensitivity": "proportion of patients with the condition whose test was positive",
    "specificity": "proportion of patients without the condition whose test was negative",
}
