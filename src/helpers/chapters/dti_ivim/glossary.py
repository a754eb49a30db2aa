"""What each ``quantity`` of the dti-ivim chapter's ``results.csv`` means (one line each; the book's
glossary page is generated from it)."""

QUANTITIES = {
    "mean": "mean of the variable named in group",
    "sd": "standard deviation of the variable named in group",
    "mjoa_change": "change in mJOA score from before to after surgery (paired)",
    "correlation": "Pearson correlation of the imaging parameter named in group with the outcome",
    "spearman_correlation": "Spearman rank correlation of the imaging parameter named in group with the outcome",
    "auc": "area under the ROC curve of the predictor named in group",
    "auc_optimism_corrected": "AUC corrected for optimism by bootstrap internal validation",
    "calibration_intercept": "calibration intercept (calibration-in-the-large) after optimism correction",
    "calibration_slope": "calibration slope after optimism correction (1 is ideal; below 1 means overfitting)",
    "youden_threshold": "threshold of the predictor that maximises the Youden index",
    "sensitivity": "proportion of good outcomes classified as good at the threshold",
    "specificity": "proportion of poor outcomes classified as poor at the threshold",
    "positive_predictive_value": "proportion of patients classified good who had a good outcome",
    "negative_predictive_value": "proportion of patients classified poor who had a poor outcome",
    "positive_likelihood_ratio": "sensitivity / (1 - specificity) at the threshold",
    "negative_likelihood_ratio": "(1 - sensitivity) / specificity at the threshold",
    "true_positives": "good outcomes classified good at the threshold",
    "false_positives": "poor outcomes classified good at the threshold",
    "false_negatives": "good outcomes classified poor at the threshold",
    "true_negatives": "poor outcomes classified poor at the threshold",
    "odds_ratio": "odds ratio of a good outcome per unit of the predictor (logistic regression)",
    "delong_difference": "difference between two correlated AUCs (paired DeLong test)",
}
