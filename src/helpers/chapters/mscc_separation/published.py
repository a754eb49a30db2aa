"""The numbers the mscc-separation paper reports (its abstract), each with the rule the chapter is held to.

Counts must be exact; means within 2 % and medians within 5 % (relative); ratios within 10 % (relative)
and inside the published 95 % CI when one is given; every p-value on the paper's side of 0.05.
"""

from __future__ import annotations

from helpers.chapters.common import PublishedValue


def _count(quantity: str, group: str, value: int, p_value: float | None = None) -> PublishedValue:
    return PublishedValue(quantity, group, value, kind="exact", p_value=p_value)


def _mean(quantity: str, group: str, value: float, p_value: float) -> PublishedValue:
    return PublishedValue(quantity, group, value, tolerance=0.02, kind="relative", p_value=p_value)


NOTE_HR = "the paper does not say whether adjusted: compared with both models"

PUBLISHED: tuple[PublishedValue, ...] = (
    _count("patients", "separated", 26),
    _count("patients", "non_separated", 33),
    _count("bilsky_3_patients", "separated", 16, 0.041),
    _count("bilsky_3_patients", "non_separated", 28, 0.041),
    _mean("motor_grade_post_mean", "separated", 4.54, 0.015),
    _mean("motor_grade_post_mean", "non_separated", 3.67, 0.015),
    _count("ambulatory_post_patients", "separated", 24, 0.032),
    _count("ambulatory_post_patients", "non_separated", 23, 0.032),
    _mean("los_days_mean", "separated", 15.81, 0.042),
    _mean("los_days_mean", "non_separated", 23.94, 0.042),
    PublishedValue("median_survival_months", "separated", 13.31, tolerance=0.05, kind="relative", p_value=0.001,
                   note="p from the log-rank test"),
    PublishedValue("median_survival_months", "non_separated", 6.02, tolerance=0.05, kind="relative", p_value=0.001,
                   note="p from the log-rank test"),
    PublishedValue("odds_ratio", "bilsky_3", 0.248, tolerance=0.10, kind="relative", p_value=0.032, ci_low=0.069,
                   ci_high=0.888, note="odds of separation, Bilsky 3 vs 0-2, adjusted for SINS and age (our reading)"),
    PublishedValue("hazard_ratio", "non_separated_vs_separated_unadjusted", 2.63, tolerance=0.10, kind="relative",
                   p_value=0.006, note=NOTE_HR),
    PublishedValue("hazard_ratio", "non_separated_vs_separated_adjusted", 2.63, tolerance=0.10, kind="relative",
                   p_value=0.006, note=NOTE_HR),
)
"""The paper's numbers (abstract), the single source for the chapter's table and its test."""
