"""The multi-site chapter's forest plot: each hospital's hazard ratio and the pooled ones."""

from __future__ import annotations

import pandas as pd

from helpers.presentation.figures.meta_analysis import plot_meta_forest
from helpers.validation.checks import z_quantile


def plot_site_forest(sites: pd.DataFrame, pooled: dict, *, level: float = 0.95, title: str, xlabel: str):
    """Forest plot of the estimable hospitals' log hazard ratios (CI at ``level``, REML weights) with the
    fixed-effect and REML random-effects diamonds and the REML prediction interval; computes nothing but
    the intervals from the estimates and SEs it is given."""
    fit = pooled["random_effects_REML"]
    z = z_quantile(level)
    usable = sites[sites["estimable"]].assign(ci_low=lambda t: t["estimate"] - z * t["standard_error"],
                                              ci_high=lambda t: t["estimate"] + z * t["standard_error"],
                                              weight=list(fit.weights))
    fixed = pooled["fixed_effect"]
    return plot_meta_forest(
        usable, [{"label": "Fixed effect", "estimate": fixed.estimate, "ci_low": fixed.ci_low, "ci_high": fixed.ci_high},
                 {"label": "Random effects (REML)", "estimate": fit.estimate, "ci_low": fit.ci_low,
                  "ci_high": fit.ci_high, "pi_low": fit.pi_low, "pi_high": fit.pi_high}],
        title=title, xlabel=xlabel, exponentiate=True)
