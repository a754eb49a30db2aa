"""Meta-analysis of one quantity over studies or sites: fixed effect and random effects.

:func:`meta_analysis` pools estimates on their analysis scale (log hazard ratio, log odds ratio, mean
difference, ...) given their standard errors, as R's ``metafor::rma(yi, sei = se, method = ...)`` does:

* fixed effect (inverse-variance, ``method = "FE"``);
* random effects with tau^2 by DerSimonian-Laird (``"DL"``; statsmodels ``combine_effects``,
  ``method_re="chi2"``) or restricted maximum likelihood (``"REML"``; the Fisher-scoring iteration of
  Viechtbauer 2005, metafor's default algorithm, which statsmodels does not offer);
* optionally the Hartung-Knapp(-Sidik-Jonkman) adjustment (``knha=True``, metafor's ``test = "knha"``):
  the SE rescaled by the weighted residual variance and t quantiles with k - 1 degrees of freedom;
* Cochran's Q and its p, I^2 and H^2 (metafor's definitions, from the typical within-study variance) and the
  prediction interval of a new site's effect (metafor's ``predict()``: estimate +/- crit * sqrt(se^2 + tau^2),
  crit the normal quantile, or t with k - 1 df under ``knha``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats as sps

from helpers.validation.checks import z_quantile
from helpers.validation.errors import InputError
from helpers.validation.estimable import NotEstimable

METHODS = ("FE", "DL", "REML")
"""Estimators of tau^2: none (fixed effect), DerSimonian-Laird, restricted maximum likelihood."""

REML_TOLERANCE = 1e-10
REML_MAX_ITERATIONS = 200


@dataclass(frozen=True)
class MetaAnalysis:
    """One pooled quantity (analysis scale). ``weights`` are percentages in the order of the input."""

    method: str
    knha: bool
    k: int
    estimate: float
    standard_error: float
    ci_low: float
    ci_high: float
    statistic: float
    p_value: float
    tau2: float
    i2: float
    h2: float
    q: float
    q_df: int
    q_p_value: float
    pi_low: float
    pi_high: float
    weights: tuple[float, ...]
    level: float

    def as_dict(self) -> dict:
        """The fields as a plain dict (weights as a list)."""
        record = asdict(self)
        record["weights"] = list(self.weights)
        return record


def _checked(estimates, standard_errors) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(estimates, dtype=float)
    se = np.asarray(standard_errors, dtype=float)
    if y.ndim != 1 or y.shape != se.shape:
        raise InputError(f"estimates and standard_errors: expected two sequences of the same length, got shapes "
                         f"{y.shape} and {se.shape}.")
    if y.size < 1:
        raise NotEstimable("meta-analysis: no estimates to pool; at least one site with an estimate is needed")
    bad = np.flatnonzero(~np.isfinite(y) | ~np.isfinite(se) | (se <= 0))
    if bad.size:
        raise InputError(f"meta-analysis: estimate or standard error missing, infinite or not positive at "
                         f"position(s) {bad.tolist()}; leave out sites whose estimate could not be computed.")
    return y, se


def tau2_dersimonian_laird(estimates, standard_errors) -> float:
    """DerSimonian-Laird tau^2 (statsmodels ``combine_effects(..., method_re="chi2")``), truncated at 0."""
    from statsmodels.stats.meta_analysis import combine_effects

    y, se = _checked(estimates, standard_errors)
    if y.size < 2:
        return 0.0
    with np.errstate(divide="ignore", invalid="ignore"):  # statsmodels' I^2 and HKSJ SE when Q = 0
        return max(float(combine_effects(y, se**2, method_re="chi2", use_t=False).tau2), 0.0)


def tau2_reml(estimates, standard_errors, *, tolerance: float = REML_TOLERANCE,
              max_iterations: int = REML_MAX_ITERATIONS) -> float:
    """REML tau^2 by Fisher scoring from the DL start, truncated at 0 (metafor ``rma(method = "REML")``).

    Update: tau2 <- tau2 + (sum(w^2 (y - mu)^2) - sum(w) + sum(w^2) / sum(w)) / sum(w^2) ... in the
    equivalent fixed-point form tau2 = sum(w^2 ((y - mu)^2 - v)) / sum(w^2) + 1 / sum(w), w = 1 / (v + tau2).
    """
    y, se = _checked(estimates, standard_errors)
    if y.size < 2:
        return 0.0
    v = se**2
    tau2 = tau2_dersimonian_laird(y, se)
    for _ in range(max_iterations):
        w = 1.0 / (v + tau2)
        mu = np.sum(w * y) / np.sum(w)
        updated = max(float(np.sum(w**2 * ((y - mu) ** 2 - v)) / np.sum(w**2) + 1.0 / np.sum(w)), 0.0)
        if abs(updated - tau2) < tolerance:
            return updated
        tau2 = updated
    raise InputError(f"REML tau^2 did not converge in {max_iterations} iterations; use method='DL'.")


def meta_analysis(estimates, standard_errors, *, method: str = "REML", knha: bool = False,
                  level: float = 0.95) -> MetaAnalysis:
    """Pool estimates (analysis scale) with their standard errors.

    Parameters
    ----------
    estimates, standard_errors : sequences of float
        One per site or study, SE > 0.
    method : {"FE", "DL", "REML"}
        Fixed effect, or random effects with tau^2 by DerSimonian-Laird or REML.
    knha : bool
        Hartung-Knapp adjustment (t with k - 1 df; metafor ``test = "knha"``).
    level : float
        Confidence level of the interval and the prediction interval.

    Returns
    -------
    MetaAnalysis

    Examples
    --------
    >>> result = meta_analysis([0.1, 0.3, -0.2, 0.5], [0.2, 0.22, 0.14, 0.32], method="DL")
    >>> round(result.estimate, 4), round(result.tau2, 4)
    (0.1075, 0.0489)
    """
    from helpers.validation.checks import check_level

    check_level(level)
    if method not in METHODS:
        raise InputError(f"method='{method}': use one of {', '.join(METHODS)}.")
    y, se = _checked(estimates, standard_errors)
    k = y.size
    v = se**2
    w_fixed = 1.0 / v
    mu_fixed = float(np.sum(w_fixed * y) / np.sum(w_fixed))
    q = float(np.sum(w_fixed * (y - mu_fixed) ** 2))
    q_p = float(sps.chi2.sf(q, k - 1)) if k > 1 else float("nan")
    tau2 = {"FE": lambda: 0.0, "DL": lambda: tau2_dersimonian_laird(y, se), "REML": lambda: tau2_reml(y, se)}[method]()
    w = 1.0 / (v + tau2)
    mu = float(np.sum(w * y) / np.sum(w))
    standard_error = float(np.sqrt(1.0 / np.sum(w)))
    if knha and k > 1:
        standard_error = float(np.sqrt(np.sum(w * (y - mu) ** 2) / ((k - 1) * np.sum(w))))
        crit = float(sps.t.ppf(0.5 + level / 2, k - 1))
        statistic = mu / standard_error
        p = float(2 * sps.t.sf(abs(statistic), k - 1))
    else:
        crit = z_quantile(level)
        statistic = mu / standard_error
        p = float(2 * sps.norm.sf(abs(statistic)))
    if k > 1:
        typical = (k - 1) * np.sum(w_fixed) / (np.sum(w_fixed) ** 2 - np.sum(w_fixed**2))
        i2 = float(100 * tau2 / (tau2 + typical))
        h2 = float((tau2 + typical) / typical)
    else:
        i2, h2 = 0.0, 1.0
    if method == "FE":
        i2 = float(max(0.0, 100 * (q - (k - 1)) / q)) if k > 1 and q > 0 else 0.0
        h2 = q / (k - 1) if k > 1 else 1.0
    spread = float(np.sqrt(standard_error**2 + tau2))
    return MetaAnalysis(
        method=method, knha=bool(knha), k=int(k), estimate=mu, standard_error=standard_error,
        ci_low=mu - crit * standard_error, ci_high=mu + crit * standard_error, statistic=float(statistic),
        p_value=p, tau2=float(tau2), i2=i2, h2=float(h2), q=q, q_df=int(k - 1), q_p_value=q_p,
        pi_low=mu - crit * spread, pi_high=mu + crit * spread,
        weights=tuple(float(x) for x in 100 * w / np.sum(w)), level=float(level))
