"""The numbers the paraspinal-imf paper reports, and the generator's stated assumptions."""

from __future__ import annotations

from helpers.chapters.common import PublishedValue, published_values

PUBLISHED: tuple[PublishedValue, ...] = (
    PublishedValue("n_patients", "", 149, "patients", kind="exact"),
    PublishedValue("male_percent", "", 52.0, "male (%)", 0.02, "relative"),
    PublishedValue("age_mean", "", 65.5, "age, mean (years)", 0.02, "relative"),
    PublishedValue("age_sd", "", 9.1, "age, SD (years)", 0.02, "relative"),
    PublishedValue("bmi_mean", "", 27.9, "BMI, mean (kg/m2)", 0.02, "relative"),
    PublishedValue("bmi_sd", "", 4.3, "BMI, SD (kg/m2)", 0.02, "relative"),
    PublishedValue("recovery_percent_non_severe", "", 53.7, "recovery (%), non-severe multifidus IMF", 2.0),
    PublishedValue("recovery_percent_severe", "", 37.5, "recovery (%), severe multifidus IMF", 2.0),
    PublishedValue("success_percent_non_severe", "", 76.5, "success (%), non-severe multifidus IMF", 2.0),
    PublishedValue("success_percent_severe", "", 59.9, "success (%), severe multifidus IMF", 2.0),
    PublishedValue("odds_ratio_low", "", 2.26, "adjusted OR, multifidus: lowest"),
    PublishedValue("odds_ratio_high", "", 7.32, "adjusted OR, multifidus: highest"),
    PublishedValue("odds_ratio_p_max", "", 0.049, "adjusted OR, multifidus: largest p"),
    PublishedValue("disability_p_multifidus_right", "", 0.035, "disability, right multifidus: group-by-time p"),
    PublishedValue("pain_p_min", "", 0.143, "leg and back pain: smallest group-by-time p"),
    PublishedValue("imf_cutoff_percent", "", 50.0, "IMF cut-off for a severe muscle (%)"),
)
"""The study's published headline numbers (abstract), the one place the book keeps them. The rules that
combine several of them (e.g. "more than half of the odds ratios inside 2.26-7.32") are in
:func:`helpers.chapters.paraspinal_imf.analysis.published_vs_reproduced`."""

VALUES = published_values(PUBLISHED)
"""The same numbers by quantity, for the generator's calibration targets and the analysis' rules."""


ASSUMPTIONS = {
    "visits_months": (0, 3, 12, 24, 60),
    "recovery_gpe_max": 2,
    "success_improvement_percent": 30.0,
    "disability_questionnaire": "Oswestry Disability Index (ODI, 0-100)",
    "pain_scale": "numeric rating scale, 0-10",
    "headline_muscle": "multifidus_right",
    "headline_visits": "all follow-up visits pooled",
}
"""What the abstract does not state and this book assumes (stated on the chapter page)."""
