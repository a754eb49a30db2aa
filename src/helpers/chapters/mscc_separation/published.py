"""The numbers the mscc-separation paper reports, and the tolerance of each kind of number."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PublishedValue:
    """One number the paper reports.

    ``kind`` sets the tolerance (:data:`TOLERANCES`); ``p_value`` is the paper's p for the comparison
    (compared by side of 0.05); ``ci_low``/``ci_high`` its 95% interval, when given.
    """

    quantity: str
    group: str
    kind: str
    value: float
    p_value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    note: str = ""


PUBLISHED: tuple[PublishedValue, ...] = (
    PublishedValue("patients", "separated", "count", 26),
    PublishedValue("patients", "non_separated", "count", 33),
    PublishedValue("bilsky_3_patients", "separated", "count", 16, p_value=0.041),
    PublishedValue("bilsky_3_patients", "non_separated", "count", 28, p_value=0.041),
    PublishedValue("motor_grade_post_mean", "separated", "mean", 4.54, p_value=0.015),
    PublishedValue("motor_grade_post_mean", "non_separated", "mean", 3.67, p_value=0.015),
    PublishedValue("ambulatory_post_patients", "separated", "count", 24, p_value=0.032),
    PublishedValue("ambulatory_post_patients", "non_separated", "count", 23, p_value=0.032),
    PublishedValue("los_days_mean", "separated", "mean", 15.81, p_value=0.042),
    PublishedValue("los_days_mean", "non_separated", "mean", 23.94, p_value=0.042),
    PublishedValue("median_survival_months", "separated", "median", 13.31, p_value=0.001,
                   note="p from the log-rank test"),
    PublishedValue("median_survival_months", "non_separated", "median", 6.02, p_value=0.001,
                   note="p from the log-rank test"),
    PublishedValue("odds_ratio", "bilsky_3", "ratio", 0.248, p_value=0.032, ci_low=0.069, ci_high=0.888,
                   note="odds of separation, Bilsky 3 vs 0-2, adjusted for SINS and age (our reading)"),
    PublishedValue("hazard_ratio", "non_separated_vs_separated_unadjusted", "ratio", 2.63, p_value=0.006,
                   note="the paper does not say whether adjusted: compared with both models"),
    PublishedValue("hazard_ratio", "non_separated_vs_separated_adjusted", "ratio", 2.63, p_value=0.006,
                   note="the paper does not say whether adjusted: compared with both models"),
)
"""The paper's numbers (abstract), the single source for the chapter's table and its test."""

TOLERANCES = {
    "count": "exact",
    "mean": "within 2% (relative)",
    "median": "within 5% (relative)",
    "ratio": "within 10% (relative) and inside the published 95% CI (when given)",
}
"""Agreement rule per kind of number; every p-value must also fall on the paper's side of 0.05."""
