"""What a hospital running the dynamic-mri chapter may pool with others (``spinebook run --site``)."""

from helpers.chapters.common import PoolableQuantity, SiteDiagnostic

POOLABLE = (
    PoolableQuantity("matched_mean_difference", "recovery_rate_difference_paired", "dynamic - conventional",
                     "identity", "recovery-rate difference (points), matched pairs (paired t SE)",
                     se_from="t_n_minus_1"),
    PoolableQuantity("log_hazard_ratio_complication", "complication_hazard_ratio", "dynamic / conventional", "log",
                     "log HR of complication, dynamic vs conventional (Cox, Wald SE)"),
)
"""The matched difference's SE from its paired t interval: (hi - lo) / (2 t_{n-1}), n the pairs analysed."""

DIAGNOSTICS = (
    SiteDiagnostic("largest_abs_smd_after_matching", "smd_max_after"),
    SiteDiagnostic("largest_abs_smd_before_matching", "smd_max_before"),
    SiteDiagnostic("matched_pairs", "matched_pairs", count=True),
)
