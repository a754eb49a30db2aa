"""The numbers the dti-ivim paper reports, with the tolerance the chapter is held to."""

from __future__ import annotations

from helpers.chapters.common import PublishedValue

PUBLISHED = (
    PublishedValue("mean", "mjoa_pre", 10.4, "mJOA before surgery, mean (points)", 0.02, "relative"),
    PublishedValue("sd", "mjoa_pre", 2.3, "mJOA before surgery, SD (points)"),
    PublishedValue("mean", "mjoa_post", 14.9, "mJOA after surgery, mean (points)", 0.02, "relative"),
    PublishedValue("sd", "mjoa_post", 1.8, "mJOA after surgery, SD (points)"),
    PublishedValue("correlation", "fa", 0.68, "Pearson r, FA with recovery rate", 0.03),
    PublishedValue("correlation", "adc", -0.59, "Pearson r, ADC with recovery rate", 0.03),
    PublishedValue("correlation", "f", 0.53, "Pearson r, f with recovery rate", 0.03),
    PublishedValue("auc", "fa", 0.86, "AUC, FA for good recovery", 0.03),
    PublishedValue("auc", "f", 0.78, "AUC, f for good recovery", 0.03),
    PublishedValue("auc", "fa+f", 0.90, "AUC, combined FA + f model", 0.03),
    PublishedValue("youden_threshold", "fa", 0.41, "Youden threshold, FA", 0.05, "relative"),
    PublishedValue("youden_threshold", "f", 9.5, "Youden threshold, f (%)", 0.05, "relative"),
)
"""The paper's headline numbers (its abstract), each with the tolerance the chapter's test holds it to.

Correlations are Pearson's r with the recovery rate; AUCs are for good recovery; thresholds are the
Youden-optimal cut-offs (FA >= 0.41, f >= 9.5 %). The SDs are shown but held to no tolerance.
"""
