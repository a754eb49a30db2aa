"""What a hospital running the mscc-separation chapter may pool with others (``spinebook run --site``)."""

from helpers.chapters.common import PoolableQuantity, SiteDiagnostic

POOLABLE = (
    PoolableQuantity("log_hazard_ratio_unadjusted", "hazard_ratio", "non_separated_vs_separated_unadjusted", "log",
                     "log HR of death, not separated vs separated, unadjusted (Cox, Wald SE)", events=("deaths", "all")),
    PoolableQuantity("log_hazard_ratio_adjusted", "hazard_ratio", "non_separated_vs_separated_adjusted", "log",
                     "log HR of death, not separated vs separated, adjusted (Cox, Wald SE)", events=("deaths", "all")),
    PoolableQuantity("log_odds_ratio_bilsky_3_unadjusted", "odds_ratio", "bilsky_3_unadjusted", "log",
                     "log OR of separation, Bilsky 3 vs 0-2, univariable (Wald SE)",
                     events=("separated_patients", "all")),
    PoolableQuantity("log_odds_ratio_bilsky_3", "odds_ratio", "bilsky_3", "log",
                     "log OR of separation, Bilsky 3 vs 0-2, multivariable (Wald SE)",
                     events=("separated_patients", "all")),
)
"""Pooled on the log scale; SE = (log(ci_high) - log(ci_low)) / (2 z); events are the chapter's ``deaths`` and
``separated_patients`` counts (left out below the small-cell threshold, as n)."""

DIAGNOSTICS = (
    SiteDiagnostic("proportional_hazards_p", "proportional_hazards_global", "p_value"),
    SiteDiagnostic("logrank_p", "logrank", "p_value"),
)
