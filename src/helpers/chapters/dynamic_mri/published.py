"""The dynamic-mri study protocol (ChiCTR2600122088): its design, sample sizes, matching covariates and
planned tests. The protocol publishes no results, so there are no published numbers to reproduce.
"""

from __future__ import annotations

from types import MappingProxyType

from helpers.chapters.common import PublishedValue

MATCHING_COVARIATES = ("age", "sex", "bmi", "duration_months", "mjoa_pre", "compressed_segments")
"""The protocol's six matching covariates, in the protocol's order (names as in the data schema)."""

PROTOCOL = MappingProxyType({
    "registration": "ChiCTR2600122088",
    "design": "single-centre retrospective cohort, operations 2020-2025",
    "patients": 300,
    "dynamic": 150,
    "conventional": 150,
    "matching": "1:1 propensity-score matching",
    "matching_covariates": MATCHING_COVARIATES,
    "primary_outcome": "mJOA recovery rate at 6 months",
    "secondary_outcomes": ("VAS", "NDI", "reoperation rate", "time to first complication"),
    "continuous_tests": "t-test / Mann-Whitney U",
    "categorical_tests": "chi-squared / Fisher's exact",
    "time_to_event": "Kaplan-Meier with log-rank test",
    "alpha": 0.05,
    "software": "R 4.4.1",
})
"""The protocol's design, the one place the chapter and its tests take these numbers from."""


PUBLISHED: tuple[PublishedValue, ...] = ()
"""No published numbers: the source is a protocol; the chapter's synthetic truth is in ``simulate.TRUE_EFFECTS``."""
