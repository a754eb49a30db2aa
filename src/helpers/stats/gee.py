"""Generalised estimating equations (GEE) as a sensitivity analysis of a linear mixed model."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd
import patsy

from helpers.stats.longitudinal import TrajectoryResult, estimated_means, prepare_long
from helpers.stats.mixed_models import tidy_estimates, wald_test
from helpers.validation.errors import InputError


# ------------------------------------------------------------------------------------------------ GEE
@dataclass(frozen=True)
class GaussianGEEFit:
    """A Gaussian GEE with identity link (returned by :func:`fit_gaussian_gee`)."""

    params: np.ndarray
    covariance: np.ndarray  # robust (sandwich)
    naive_covariance: np.ndarray  # model-based
    working_correlation: float  # NaN for independence
    scale: float
    iterations: int
    converged: bool


def fit_gaussian_gee(y: np.ndarray, X: np.ndarray, groups: np.ndarray, *, correlation: str = "exchangeable",
                     max_iter: int = 60, tolerance: float = 1e-6) -> GaussianGEEFit:
    """GEE of ``y`` on ``X`` (Gaussian, identity link) clustered by ``groups``, with robust standard errors.

    Parameters
    ----------
    y : array (n,)
        Outcome.
    X : array (n, p)
        Design, full column rank.
    groups : array (n,)
        Cluster (patient) labels; rows need not be sorted.
    correlation : {"exchangeable", "independence"}
        Working correlation.
    max_iter, tolerance : int, float
        Iterations allowed; the norm of the estimating equations below which they are solved.

    Returns
    -------
    GaussianGEEFit
        params, covariance (robust sandwich), naive_covariance, working_correlation, scale, iterations,
        converged.

    Notes
    -----
    The iteration is statsmodels' ``GEE.fit`` (start at least squares; a Fisher scoring step of the
    coefficients, then a moment update of the working correlation, until the estimating equations' norm is
    below ``tolerance`` after at least one update), with N denominators for the scale and the correlation
    (statsmodels' ``ddof_scale=0``, R's geepack): ``phi = sum r^2 / N``, ``alpha = sum_{i, j < k} r_ij r_ik /
    (phi M)`` over the M within-patient pairs. With an exchangeable working covariance
    ``V_i = (1 - alpha) I + alpha 1 1'``, ``V_i^-1 = (I - c_i 1 1') / (1 - alpha)`` with
    ``c_i = alpha / (1 + alpha (m_i - 1))``, so every sum over patients is a sum over rows minus one
    term per patient (built from the patients' column sums): no loop over patients, which is where
    statsmodels spends its time (35 s for 149,000 patients).
    """
    if correlation not in ("exchangeable", "independence"):
        raise InputError(f"correlation={correlation!r}; use 'exchangeable' or 'independence'.")
    y, X = np.asarray(y, dtype=float), np.asarray(X, dtype=float)
    order = np.argsort(pd.factorize(np.asarray(groups), sort=True)[0], kind="stable")
    codes = pd.factorize(np.asarray(groups), sort=True)[0][order]
    y, X = y[order], X[order]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    sizes = np.diff(np.r_[starts, len(y)]).astype(float)
    n_pairs = float(np.sum(sizes * (sizes - 1) / 2))
    if correlation == "exchangeable" and n_pairs == 0:
        raise InputError("an exchangeable working correlation needs patients with at least two visits.")
    xtx = X.T @ X
    column_sums = np.add.reduceat(X, starts, axis=0)          # X_i' 1, one row per patient
    beta = np.linalg.lstsq(X, y, rcond=None)[0]               # least squares: statsmodels' start (a Gaussian GLM)

    def weights(alpha: float) -> np.ndarray:
        return alpha / (1.0 - alpha) / (1.0 + alpha * (sizes - 1))  # c_i / (1 - alpha), as statsmodels writes it

    def bread(alpha: float) -> np.ndarray:                    # sum_i X_i' V_i^-1 X_i
        return xtx / (1.0 - alpha) - (column_sums * weights(alpha)[:, None]).T @ column_sums

    def solve(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
        try:
            return np.linalg.solve(matrix, vector)
        except np.linalg.LinAlgError:
            return np.linalg.pinv(matrix) @ vector

    alpha, updates, norm, iterations = 0.0, 0, -1.0, 0
    for iterations in range(1, max_iter + 1):
        residual = y - X @ beta
        score = X.T @ residual / (1.0 - alpha) - column_sums.T @ (weights(alpha) * np.add.reduceat(residual, starts))
        beta = beta + solve(bread(alpha), score)
        norm = float(np.sqrt(np.sum(score ** 2)))
        if norm < tolerance and updates > 0:
            break
        if correlation == "exchangeable":
            residual = y - X @ beta
            scale = float(np.sum(residual ** 2)) / len(y)
            within = np.add.reduceat(residual, starts) ** 2 - np.add.reduceat(residual ** 2, starts)
            alpha = float(np.sum(within / 2)) / scale / n_pairs
        updates += 1
    converged = norm < tolerance
    if not converged:
        warnings.warn(f"GEE: the estimating equations were not solved in {max_iter} iterations (norm {norm:.3g}).",
                      stacklevel=2)
    residual = y - X @ beta
    scale = float(np.sum(residual ** 2)) / len(y)
    per_patient = (np.add.reduceat(X * residual[:, None], starts, axis=0) / (1.0 - alpha)
                   - column_sums * (weights(alpha) * np.add.reduceat(residual, starts))[:, None])
    try:
        inverse = np.linalg.inv(bread(alpha))
    except np.linalg.LinAlgError:
        inverse = np.linalg.pinv(bread(alpha))
    robust = inverse @ (per_patient.T @ per_patient) @ inverse
    return GaussianGEEFit(params=beta, covariance=robust / scale * scale, naive_covariance=inverse * scale,
                          working_correlation=alpha if correlation == "exchangeable" else np.nan, scale=scale,
                          iterations=iterations, converged=converged)


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
    scale: float


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
        difference (None without ``compare_with``). ``method``; ``n_subjects``; ``n_observations``; ``scale``
        (the residual variance, geepack's ``gamma``).

    Notes
    -----
    GEE (Liang and Zeger 1986) estimates population-average coefficients with a sandwich variance valid
    whatever the true correlation, but is unbiased under drop-out only if drop-out is missing completely
    at random; the mixed model needs only missing at random. With an identity link both target the same
    mean, so a large disagreement points to informative drop-out or misspecification. No small-sample
    correction of the sandwich (as R's geepack): anti-conservative with fewer than about 40 patients.

    The working correlation follows R's geepack (``geeglm(..., corstr = "exchangeable")``): with Pearson
    residuals ``r``, scale ``phi = sum r^2 / N`` over all N observations and ``alpha = sum_{i, j < k}
    r_ij r_ik / (phi * M)`` over all M within-patient pairs. statsmodels' GEE by default divides by ``N - p``
    and ``M - p`` (p coefficients), which gives a smaller alpha and slightly different estimates when
    patients have different numbers of visits; ``method`` says which convention was used. The model is
    fitted by :func:`fit_gaussian_gee` (statsmodels' iteration, vectorised over patients).
    """
    if correlation not in ("exchangeable", "independence"):
        raise InputError(f"correlation={correlation!r}; use 'exchangeable' or 'independence'.")
    data = prepare_long(df, outcome=outcome, exposure=exposure, visit=visit, subject=subject,
                         confounders=confounders, exposure_reference=exposure_reference, visit_unit="months")
    work = data.frame.sort_values([subject, visit]).reset_index(drop=True)
    response, design = patsy.dmatrices(data.formula, work, return_type="dataframe")
    fit = fit_gaussian_gee(response.to_numpy()[:, 0], design.to_numpy(), work[subject].to_numpy(),
                           correlation=correlation)
    terms = list(design.columns)
    params = pd.Series(fit.params, index=terms)
    covariance = pd.DataFrame(fit.covariance, index=terms, columns=terms)
    coefficients = tidy_estimates(terms, fit.params, np.sqrt(np.diag(fit.covariance)), level)
    comparison = None
    if compare_with is not None:
        mixed = compare_with.model.fixed_effects.set_index("term")
        comparison = pd.DataFrame({
            "term": coefficients["term"], "mixed_estimate": coefficients["term"].map(mixed["estimate"]),
            "mixed_standard_error": coefficients["term"].map(mixed["standard_error"]),
            "gee_estimate": coefficients["estimate"], "gee_standard_error": coefficients["standard_error"]})
        comparison["difference"] = comparison["gee_estimate"] - comparison["mixed_estimate"]
    return GEEResult(
        coefficients=coefficients, working_correlation=float(fit.working_correlation),
        interaction_test=wald_test(params, covariance, "Wald chi-squared test of all visit x exposure terms "
                                                       "(GEE, robust covariance)"),
        estimated_means=estimated_means(data, model_spec=design.design_info, params=params, covariance=covariance,
                                         visit=visit, exposure=exposure, outcome=outcome, level=level),
        comparison=comparison,
        method=f"GEE (Gaussian, identity link, {correlation} working correlation"
               + (" estimated with N denominators as R's geepack" if correlation == "exchangeable" else "")
               + ", robust sandwich standard errors)",
        n_subjects=int(work[subject].nunique()), n_observations=len(work), scale=fit.scale)
