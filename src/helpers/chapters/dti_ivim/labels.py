"""Human labels of this chapter's column names and quantities, for ``helpers.presentation.tables.show``."""

LABELS = {
    "patient_id": "Patient", "age": "Age (years)", "sex": "Sex", "sexfemale": "Sex: female", "sexmale": "Sex: male",
    "mjoa_pre": "Baseline mJOA", "mjoa_post": "mJOA after surgery", "fa": "FA", "adc": "ADC (10⁻³ mm²/s)", "d": "D (10⁻³ mm²/s)",
    "d_star": "D* (10⁻³ mm²/s)", "f": "f (%)", "fa_x100": "FA (per 0.01)", "n_cases": "Good recoverers",
    "n_controls": "Poor recoverers", "youden_index": "Youden index", "auc_1": "AUC 1", "auc_2": "AUC 2",
    "contrast": "Comparison", "fa-f": "FA vs f", "fa+f-fa": "FA + f model vs FA", "before_mean": "Mean before",
    "before_sd": "SD before", "after_mean": "Mean after", "after_sd": "SD after", "pearson": "Pearson",
    "spearman": "Spearman", "variable": "Metric", "recovery_rate": "Recovery rate (%)",
    "good_recovery": "Good recovery", "lr_positive": "Positive likelihood ratio",
    "lr_negative": "Negative likelihood ratio", "auc": "AUC", "sensitivity": "Sensitivity",
    "specificity": "Specificity", "youden": "Youden index", "threshold": "Cut-off",
}
REFERENCES: dict[str, str] = {}
