"""The numbers the paraspinal-imf paper reports, and the generator's stated assumptions."""

from __future__ import annotations

PUBLISHED = {
    "n_patients": 149,
    "male_percent": 52.0,
    "age_mean": 65.5, "age_sd": 9.1,
    "bmi_mean": 27.9, "bmi_sd": 4.3,
    "recovery_percent_non_severe": 53.7, "recovery_percent_severe": 37.5,
    "success_percent_non_severe": 76.5, "success_percent_severe": 59.9,
    "odds_ratio_low": 2.26, "odds_ratio_high": 7.32, "odds_ratio_p_max": 0.049,
    "disability_p_multifidus_right": 0.035,
    "pain_p_min": 0.143,
    "imf_cutoff_percent": 50.0,
}
"""The study's published headline numbers (abstract), the one place the book keeps them."""

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
