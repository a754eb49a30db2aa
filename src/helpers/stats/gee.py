"""Generalised estimating equations (GEE) as a sensitivity analysis of a linear mixed model."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd

from helpers.stats.longitudinal import TrajectoryResult, estimated_means, prepare_long
from helpers.stats.mixed_models import tidy_estimates, wald_test
from helpers.validation.errors import InputError


# ------------------------------------------------------------------------------------------------ GEE
@dataclass(frozen=True)
class GEEResult:
    """The trajectory mean model fitted by GEE (see :func:`gee_sensitivity`)."""

    coefficients: pd.DataFrame
    working_correlation: float
    interaction_test: pd.DataFrame
    estimated_means: pd.DataFrame
    comparison: pd.DataFrame | None
    method: str
    n_subjects: int
    n_observations: int
    fit: Any = field(repr=False, compare=False)


def gee_sensitivity(df: pd.DataFrame, *, outcome: str, exposure: str, visit: str, subject: str,
                    confounders: Sequence[str] = (), correlation: str = "exchangeable",
                    exposure_reference: Any = None, compare_with: TrajectoryResult | None = None,
                    level: float = 0.95) -> GEEResult:
    """Refit the mean model of :func:`fit_trajectory_models` by GEE with robust standard errors.

    Parameters
    ----------
    df, outcome, exposure, visit, subject, confounders, exposure_reference, level
        As in :func:`fit_trajectory_models`; ``df`` is not modified.
    correlation : {"exchangeable", "independence"}
        Working correlation structure.
    compare_with : TrajectoryResult, optional
        A mixed-model result to set beside the GEE coefficients.

    Returns
    -------
    GEEResult
        ``coefficients``: term, estimate, standard_error (robust sandwich), statistic, ci_low, ci_high,
        p_value. ``working_correlation`` (NaN for independence). ``interaction_test``: test, statistic,
        df, p_value, method (robust Wald). ``estimated_means``: as in :func:`fit_trajectory_models`.
        ``comparison``: term, mixed_estimate, mixed_standard_error, gee_estimate, gee_standard_error,
        difference (None without ``compare_with``). ``method``; ``n_subjects``; ``n_observations``; ``fit``.

    Notes
    -----
    GEE (Liang and Zeger 1986) estimates population-average coefficients with a sandwich variance valid
    whatever the true correlation, but is unbiased under drop-out only if drop-out is missing completely
    at random; the mixed model needs only missing at random. With an identity link both target the same
    mean, so a large disagreement points to informative drop-out or misspecification. No small-sample
    correction of the sandwich (as R's geepack): anti-conservative with fewer than about 40 patients.

    The working correlation follows R's geepack (``geeglm(..., corstr = "exchangeable")``): with Pearson
    residuals ``r``, scale ``phi = sum r^2 / N`` over all N observations and ``alpha = sum_{i, j < k}
    r_ij r_ik / (phi * M)`` over all M within-patient pairs. statsmodels' default divides by ``N - p`` and
    ``M - p`` (p coefficients), which gives a smaller alpha and slightly different estimates when patients
    have different numbers of visits; ``method`` says which convention was used.
    """
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    if correlation not in ("exchangeable", "independence"):
        raise InputError(f"correlation={correlation!r}; use 'exchangeable' or 'independence'.")
    data = prepare_long(df, outcome=outcome, exposure=exposure, visit=visit, subject=subject,
                         confounders=confounders, exposure_reference=exposure_reference, visit_unit="months")
    work = data.frame.sort_values([subject, visit]).reset_index(drop=True)
    structure = sm.cov_struct.Exchangeable() if correlation == "exchangeable" else sm.cov_struct.Independence()
    model = smf.gee(data.formula, groups=subject, data=work, cov_struct=structure, family=sm.families.Gaussian())
    # ddof_scale=0: the scale and the exchangeable correlation are moment estimates with N denominators (all
    # observations, all within-patient pairs), as R's geepack; statsmodels' default subtracts the number of
    # coefficients from both (0.571 instead of geepack's 0.576 for Reaction ~ Days on lme4's sleepstudy).
    result = model.fit(ddof_scale=0)
    coefficients = tidy_estimates(result.params.index, result.params, result.bse, level)
    comparison = None
    if compare_with is not None:
        mixed = compare_with.model.fixed_effects.set_index("term")
        comparison = pd.DataFrame({
            "term": coefficients["term"], "mixed_estimate": coefficients["term"].map(mixed["estimate"]),
            "mixed_standard_error": coefficients["term"].map(mixed["standard_error"]),
            "gee_estimate": coefficients["estimate"], "gee_standard_error": coefficients["standard_error"]})
        comparison["difference"] = comparison["gee_estimate"] - comparison["mixed_estimate"]
    return GEEResult(
        coefficients=coefficients,
        working_correlation=float(np.ravel(structure.dep_params)[0]) if correlation == "exchangeable" else np.nan,
        interaction_test=wald_test(result.params, result.cov_params(), "Wald chi-squared test of all visit x exposure terms "
                                                   "(GEE, robust covariance)"),
        estimated_means=estimated_means(data, model_spec=model.data.model_spec, params=result.params,
                                         covariance=result.cov_params(), visit=visit, exposure=exposure,
                                         outcome=outcome, level=level),
        comparison=comparison,
        method=f"GEE (statsmodels, Gaussian, identity link, {correlation} working correlation"
               + (" estimated with N denominators as R's geepack" if correlation == "exchangeable" else "")
               + ", robust sandwich standard errors)",
        n_subjects=int(work[subject].nunique()), n_observations=len(work), fit=result)
