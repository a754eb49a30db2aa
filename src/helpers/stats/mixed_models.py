"""Linear mixed models with one grouping factor, fitted by lme4's profiled REML/ML criterion vectorised
over patients; Wald tests of groups of terms.
"""

from __future__ import annotations

import keyword
import warnings
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd
import patsy
from scipy import linalg, optimize, stats

from helpers.validation.checks import require_columns, rows_label, z_quantile
from helpers.validation.errors import InputError

OPTIMIZERS = ("L-BFGS-B", "Nelder-Mead", "Powell")
"""scipy.optimize methods tried in turn on the relative covariance factor (all honour its bounds)."""


@dataclass(frozen=True)
class _GroupSums:
    """The per-group cross-products the deviance needs (computed once per data set)."""

    xtx: np.ndarray  # p x p
    xty: np.ndarray  # p
    yty: float
    ztz: np.ndarray  # G x q x q
    crossed: np.ndarray  # G x q x (p + 1): Z_i'[X_i, y_i]
    crossed_all: np.ndarray  # G x q x (p + 1 + q): Z_i'[X_i, y_i, Z_i], for the gradient
    n: int
    p: int
    q: int


def _group_sums(y: np.ndarray, X: np.ndarray, Z: np.ndarray, groups: np.ndarray) -> _GroupSums:
    if np.any(groups[1:] < groups[:-1]):  # rows not already grouped in order
        order = np.argsort(groups, kind="stable")
        groups, y, X, Z = groups[order], y[order], X[order], Z[order]
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    ztz = np.add.reduceat(Z[:, :, None] * Z[:, None, :], starts, axis=0)
    ztx = np.add.reduceat(Z[:, :, None] * X[:, None, :], starts, axis=0)
    zty = np.add.reduceat(Z * y[:, None], starts, axis=0)
    crossed = np.concatenate([ztx, zty[:, :, None]], axis=2)  # once here, not at every evaluation
    return _GroupSums(xtx=X.T @ X, xty=X.T @ y, yty=float(y @ y), ztz=ztz, crossed=crossed,
                      crossed_all=np.concatenate([crossed, ztz], axis=2), n=len(y), p=X.shape[1], q=Z.shape[1])


def _lower(q: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows, columns) of the lower triangle in column-major order, lme4's order of theta."""
    columns, rows = np.triu_indices(q)
    return rows, columns


def _factor(theta: np.ndarray, q: int) -> np.ndarray:
    """Lower-triangular relative covariance factor Lambda from its parameters (lme4's theta)."""
    factor = np.zeros((q, q))
    factor[_lower(q)] = theta
    return factor


def _inverse_log_det(inner: np.ndarray) -> tuple[np.ndarray, float]:
    """Inverses of G positive-definite q x q matrices and the sum of their log determinants.

    Closed forms for q = 1 and 2 (a random intercept, or intercept and slope): elementwise arithmetic,
    several times faster than numpy's batched LAPACK calls on tiny matrices.
    """
    q = inner.shape[1]
    if q == 1:
        return 1.0 / inner, float(np.sum(np.log(inner[:, 0, 0])))
    if q == 2:
        a, b, c, d = inner[:, 0, 0], inner[:, 0, 1], inner[:, 1, 0], inner[:, 1, 1]
        determinant = a * d - b * c
        if not np.all(determinant > 0):
            raise np.linalg.LinAlgError("a random-effects block is not positive definite")
        inverse = np.stack([np.stack([d, -b], axis=1), np.stack([-c, a], axis=1)], axis=1) / determinant[:, None, None]
        return inverse, float(np.sum(np.log(determinant)))
    log_det = 2.0 * float(np.sum(np.log(np.diagonal(np.linalg.cholesky(inner), axis1=1, axis2=2))))
    return np.linalg.inv(inner), log_det


@dataclass(frozen=True)
class _Evaluation:
    deviance: float
    beta: np.ndarray
    information: np.ndarray  # X' W X (scale-free)
    sigma2: float
    gradient: np.ndarray | None = None  # d deviance / d theta (lme4's order), when asked for


def _evaluate(theta: np.ndarray, sums: _GroupSums, reml: bool, gradient: bool = False) -> _Evaluation:
    """lme4's profiled deviance at theta: -2 x (RE)ML log-likelihood maximised over beta and sigma.

    With ``gradient``, also its exact derivative. Writing ``Sigma = I + Z Lambda Lambda' Z'`` (the
    marginal covariance over sigma^2), ``e = Sigma^-1 (y - X beta)``, ``s_i = Z_i' e_i``,
    ``C = sum_i Z_i' Sigma_i^-1 Z_i``, ``F_i = Z_i' Sigma_i^-1 X_i``, ``M = X' Sigma^-1 X`` and
    ``r = e' Sigma e``, the derivative along the entry (a, b) of Lambda is element (b, a) of
    ``2 Lambda' (C - H - (dof / r) S)`` with ``S = sum_i s_i s_i'`` and ``H = sum_i F_i M^-1 F_i'``
    (REML; ``H = 0`` for ML), since ``d Sigma = Z (E Lambda' + Lambda E') Z'``. Every ``Z_i' Sigma_i^-1``
    product comes from the group sums by Woodbury's identity, batched over groups.
    """
    q, p = sums.q, sums.p
    factor = _factor(np.asarray(theta, dtype=float), q)
    inner = factor.T @ sums.ztz @ factor + np.eye(q)  # A_i = I + L'Z_i'Z_iL, G x q x q
    inverse, log_det = _inverse_log_det(inner)
    crossed = sums.crossed_all if gradient else sums.crossed
    projected = factor.T @ crossed                  # Lambda' Z_i'[X_i, y_i, (Z_i)]
    solved = inverse @ projected                    # A_i^-1 Lambda' Z_i'[...]
    width = p + 1
    flat_projected, flat_solved = projected[:, :, :width].reshape(-1, width), solved[:, :, :width].reshape(-1, width)
    removed = flat_projected.T @ flat_solved        # [X, y]' Z Lambda A^-1 Lambda' Z' [X, y], summed over groups
    information = sums.xtx - removed[:p, :p]
    xwy = sums.xty - removed[:p, p]
    ywy = sums.yty - removed[p, p]
    beta = np.linalg.solve(information, xwy)
    penalised = max(ywy - float(beta @ xwy), np.finfo(float).tiny)
    dof = sums.n - sums.p if reml else sums.n
    sigma2 = penalised / dof
    deviance = dof * (1.0 + np.log(2.0 * np.pi * sigma2)) + log_det
    if reml:
        deviance += float(np.linalg.slogdet(information)[1])
    derivative = None
    if gradient:
        weighted = crossed - sums.ztz @ (factor @ solved)   # Z_i' Sigma_i^-1 [X_i, y_i, Z_i]
        F, C = weighted[:, :, :p], weighted[:, :, width:].sum(axis=0)
        scores = weighted[:, :, p] - F @ beta           # s_i = Z_i' Sigma_i^-1 (y_i - X_i beta)
        inner_sum = C - (dof / penalised) * (scores.T @ scores)
        if reml:
            FM = F @ np.linalg.inv(information)
            inner_sum = inner_sum - FM.transpose(1, 0, 2).reshape(q, -1) @ F.transpose(1, 0, 2).reshape(q, -1).T
        full = 2.0 * factor.T @ inner_sum
        rows, columns = _lower(q)
        derivative = full[columns, rows]
    return _Evaluation(deviance=float(deviance), beta=beta, information=information, sigma2=sigma2,
                       gradient=derivative)


GRADIENT_TOLERANCE = 0.002
"""lme4's ``check.conv.grad`` tolerance on the scaled gradient of the deviance at the optimum."""


def _scaled_gradient(deviance, theta: np.ndarray, free: np.ndarray, step: float = 1e-4) -> float:
    """lme4's convergence check: max over parameters of min(|H^-1/2 g|, |g|), central differences.

    Parameters on their bound (a variance of zero, ``free`` False) are left out, as lme4 does for
    singular fits. Returns 0 when no parameter is free, infinity when the Hessian is not positive definite.
    """
    index = np.flatnonzero(free)
    if index.size == 0:
        return 0.0
    centre, k = deviance(theta), index.size
    shifted = {}

    def at(*moves: tuple[int, float]) -> float:
        key = tuple(sorted(moves))
        if key not in shifted:
            point = theta.copy()
            for position, amount in moves:
                point[index[position]] += amount
            shifted[key] = deviance(point)
        return shifted[key]

    gradient, hessian = np.empty(k), np.empty((k, k))
    for a in range(k):
        plus, minus = at((a, step)), at((a, -step))
        gradient[a] = (plus - minus) / (2 * step)
        hessian[a, a] = (plus - 2 * centre + minus) / step ** 2
        for b in range(a):
            hessian[a, b] = hessian[b, a] = (at((a, step), (b, step)) - at((a, step), (b, -step))
                                             - at((a, -step), (b, step)) + at((a, -step), (b, -step))) / (4 * step ** 2)
    try:
        scaled = np.linalg.solve(np.linalg.cholesky(hessian).T, gradient)
    except np.linalg.LinAlgError:
        return np.inf
    return float(np.max(np.minimum(np.abs(scaled), np.abs(gradient))))


@dataclass(frozen=True)
class ProfiledFit:
    """Result of :func:`fit_profiled` (plain arrays; :func:`helpers.stats.mixed_models.fit_mixed_model` labels them)."""

    beta: np.ndarray
    beta_covariance: np.ndarray
    random_covariance: np.ndarray  # q x q, in the outcome's units
    relative_factor: np.ndarray  # Lambda (q x q), lme4's getME(fit, "Lambdat") transposed, one block
    theta: np.ndarray
    residual_variance: float
    log_likelihood: float
    converged: bool
    optimizer: str
    attempts: list
    n_groups: int


def fit_profiled(y: np.ndarray, X: np.ndarray, Z: np.ndarray, groups: np.ndarray, *, reml: bool = True,
                 optimizers: Sequence[str] = OPTIMIZERS) -> ProfiledFit:
    """Fit :math:`y = X\\beta + Zb + \\varepsilon` with one grouping factor by lme4's profiled deviance.

    Parameters
    ----------
    y : array (n,)
        Outcome.
    X : array (n, p)
        Fixed-effects design, full column rank.
    Z : array (n, q)
        Random-effects design (columns of ones for an intercept, time for a slope).
    groups : array (n,)
        Group labels (patients); rows need not be sorted.
    reml : bool
        REML (default) or maximum likelihood.
    optimizers : sequence of str
        scipy.optimize methods tried in turn until one converges (default :data:`OPTIMIZERS`).

    Returns
    -------
    ProfiledFit
        beta, beta_covariance (:math:`\\hat\\sigma^2 (X^T W X)^{-1}`, as lme4's ``vcov``),
        random_covariance (:math:`\\hat\\sigma^2\\Lambda\\Lambda^T`), relative_factor, theta,
        residual_variance, log_likelihood (-deviance / 2), converged, optimizer, attempts (optimizer,
        converged, log_likelihood, warnings) and n_groups.

    Raises
    ------
    RuntimeError
        No optimiser returns a finite deviance.

    Notes
    -----
    With :math:`b_i = \\Lambda u_i`, :math:`u_i \\sim N(0, \\sigma^2 I)` and
    :math:`A_i = I + \\Lambda^T Z_i^T Z_i \\Lambda`, Woodbury's identity gives
    :math:`X^TWX = X^TX - \\sum_i (Z_i^TX_i)^T\\Lambda A_i^{-1}\\Lambda^T Z_i^TX_i` (likewise for
    :math:`X^TWy` and :math:`y^TWy`) and :math:`\\log|V|/\\sigma^2 = \\sum_i \\log|A_i|`. Profiling out
    :math:`\\beta` and :math:`\\sigma^2` leaves lme4's deviance,
    :math:`d(\\theta) = \\sum_i\\log|A_i| + \\log|X^TWX| + (n-p)(1 + \\log(2\\pi\\hat\\sigma^2))` for REML
    (:math:`n` and no :math:`\\log|X^TWX|` for ML), minimised over :math:`\\theta` (the entries of the
    lower-triangular :math:`\\Lambda`, diagonal >= 0) from lme4's start, :math:`\\Lambda = I`.
    The optimiser works on a q(q+1)/2-dimensional problem, whatever the number of patients; L-BFGS-B
    uses the exact gradient of the deviance (see ``_evaluate``), computed with it from the same batched
    per-patient products, so a fit costs a few dozen evaluations.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> groups = np.repeat(np.arange(40), 5)
    >>> X = np.column_stack([np.ones(200), np.tile(np.arange(5.0), 40)])
    >>> y = X @ [10.0, 2.0] + rng.normal(0, 2, 40)[groups] + rng.normal(0, 1, 200)
    >>> fit = fit_profiled(y, X, np.ones((200, 1)), groups)
    >>> fit.converged, np.round(fit.beta, 1).tolist()
    (True, [9.9, 2.0])
    """
    unknown = [name for name in optimizers if name not in OPTIMIZERS]
    if unknown or not optimizers:
        raise ValueError(f"optimizers {unknown or list(optimizers)}: use one or more of {list(OPTIMIZERS)}.")
    y, X, Z = (np.asarray(a, dtype=float) for a in (y, X, Z))
    X, Z = X.reshape(len(y), -1), Z.reshape(len(y), -1)
    codes = pd.factorize(np.asarray(groups), sort=True)[0]  # np.unique's codes, by hashing the labels
    sums = _group_sums(y, X, Z, codes)
    q = sums.q
    lower = _lower(q)
    diagonal = lower[0] == lower[1]
    start = diagonal.astype(float)  # Lambda = I
    bounds = [(0.0, None) if on_diagonal else (None, None) for on_diagonal in diagonal]

    def deviance(theta: np.ndarray) -> float:
        try:
            value = _evaluate(theta, sums, reml).deviance
        except np.linalg.LinAlgError:
            return np.inf
        return value if np.isfinite(value) else np.inf

    last: dict[bytes, tuple[float, np.ndarray]] = {}

    def with_gradient(theta: np.ndarray) -> tuple[float, np.ndarray]:
        """Deviance and exact gradient, computed together once per point (L-BFGS-B asks for both)."""
        key = np.asarray(theta, dtype=float).tobytes()
        if key not in last:
            try:
                evaluation = _evaluate(theta, sums, reml, gradient=True)
                value, slope = evaluation.deviance, evaluation.gradient
            except np.linalg.LinAlgError:
                value, slope = np.inf, np.zeros_like(theta)
            if not np.isfinite(value) or not np.all(np.isfinite(slope)):
                value, slope = np.inf, np.zeros_like(theta)
            last.clear()
            last[key] = (value, slope)
        return last[key]

    attempts, best = [], None
    for name in optimizers:
        # L-BFGS-B with the exact gradient of the profiled deviance (see _evaluate)
        options = {"L-BFGS-B": {"ftol": 1e-12, "gtol": 1e-6, "maxiter": 2000},
                   "Nelder-Mead": {"xatol": 1e-9, "fatol": 1e-10, "maxiter": 20000},
                   "Powell": {"xtol": 1e-10, "ftol": 1e-14, "maxiter": 20000}}[name]
        try:
            if name == "L-BFGS-B":
                result = optimize.minimize(lambda theta: with_gradient(theta)[0], start, method=name, bounds=bounds,
                                           options=options, jac=lambda theta: with_gradient(theta)[1])
            else:
                result = optimize.minimize(deviance, start, method=name, bounds=bounds, options=options)
        except (ValueError, np.linalg.LinAlgError) as error:
            attempts.append({"optimizer": name, "converged": False, "log_likelihood": np.nan,
                             "warnings": f"failed: {error}"})
            continue
        finite = bool(np.isfinite(result.fun))
        theta = np.where(diagonal, np.maximum(result.x, 0.0), result.x)
        gradient = _scaled_gradient(deviance, theta, ~diagonal | (theta > 0)) if finite else np.inf
        ok = finite and gradient < GRADIENT_TOLERANCE
        notes = []
        if not result.success:  # the optimiser's own verdict; lme4's gradient check below decides
            notes.append(f"{name} stopped: {result.message}")
        if finite and not (ok and result.success):
            notes.append(f"scaled gradient {gradient:.3g} {'<' if ok else '>='} {GRADIENT_TOLERANCE} "
                         "(lme4's convergence check)")
        attempts.append({"optimizer": name, "converged": ok,
                         "log_likelihood": -0.5 * float(result.fun) if finite else np.nan,
                         "warnings": "; ".join(notes)})
        if finite and (best is None or ok or result.fun < best[1]):
            best = (name, float(result.fun), theta, ok)
        if ok:
            break
    if best is None:
        raise RuntimeError(f"the mixed model could not be fitted with any of {list(optimizers)}.")
    name, _, theta, converged = best
    final = _evaluate(theta, sums, reml)
    factor = _factor(theta, q)
    return ProfiledFit(beta=final.beta, beta_covariance=final.sigma2 * np.linalg.inv(final.information),
                       random_covariance=final.sigma2 * factor @ factor.T, relative_factor=factor, theta=theta,
                       residual_variance=final.sigma2, log_likelihood=-0.5 * final.deviance, converged=converged,
                       optimizer=name, attempts=attempts, n_groups=int(sums.ztz.shape[0]))


SINGULAR_TOLERANCE = 1e-4
"""Singular fit: a diagonal element of the relative covariance factor below this (lme4's ``isSingular``)."""


def formula_name(name: str) -> str:
    """A column name as a formula term (patsy ``Q()`` when it is not a plain identifier)."""
    return name if name.isidentifier() and not keyword.iskeyword(name) else f'Q("{name}")'


def formula_term(df: pd.DataFrame, name: str) -> str:
    """Formula term of a covariate: numeric columns linear, others as indicator variables."""
    return formula_name(name) if pd.api.types.is_numeric_dtype(df[name]) else f"C({formula_name(name)})"


def ordered_levels(values: pd.Series, reference: Any, column: str) -> list:
    levels = sorted(values.unique())
    if reference is None:
        return levels
    if reference not in levels:
        raise InputError(f"reference level {reference!r} is not a value of '{column}' ({levels}).")
    return [reference] + [level for level in levels if level != reference]


def tidy_estimates(terms: Sequence[str], estimate: Any, standard_error: Any, level: float) -> pd.DataFrame:
    """term, estimate, standard_error, statistic (z), ci_low, ci_high, p_value (Wald, normal)."""
    estimate, standard_error = np.asarray(estimate, dtype=float), np.asarray(standard_error, dtype=float)
    statistic, z = estimate / standard_error, z_quantile(level)
    return pd.DataFrame({"term": list(terms), "estimate": estimate, "standard_error": standard_error,
                         "statistic": statistic, "ci_low": estimate - z * standard_error,
                         "ci_high": estimate + z * standard_error,
                         "p_value": 2.0 * stats.norm.sf(np.abs(statistic))})


def wald_test(estimates: pd.Series, covariance: pd.DataFrame, method: str) -> pd.DataFrame:
    """Joint Wald chi-squared test that every interaction (':') coefficient is zero.

    :math:`W = b^T V^{-1} b` over the interaction coefficients :math:`b` with covariance :math:`V`,
    referred to chi-squared with as many df as coefficients (statsmodels ``wald_test(use_f=False)``).
    """
    names = [name for name in estimates.index if ":" in name]
    b = estimates[names].to_numpy(dtype=float)
    statistic = float(b @ np.linalg.solve(covariance.loc[names, names].to_numpy(dtype=float), b))
    return pd.DataFrame([{"test": "visit x exposure", "statistic": statistic, "df": len(names),
                          "p_value": float(stats.chi2.sf(statistic, len(names))), "method": method}])

# ---------------------------------------------------------------------------------- the mixed model


@dataclass(frozen=True)
class MixedModelResult:
    """A fitted linear mixed model in tidy form (see :func:`fit_mixed_model`)."""

    fixed_effects: pd.DataFrame
    random_effects: pd.DataFrame
    random_correlation: pd.DataFrame
    residual_sd: float
    log_likelihood: float
    reml_criterion: float
    reml: bool
    converged: bool
    singular: bool
    optimizer: str
    attempts: pd.DataFrame
    fixed_effects_covariance: pd.DataFrame
    n_observations: int
    n_groups: int
    formula: str
    re_formula: str | None
    method: str
    frame: pd.DataFrame = field(repr=False, compare=False)
    design_info: Any = field(repr=False, compare=False)

    @property
    def estimates(self) -> pd.Series:
        """Fixed-effect estimates by term (patsy names, e.g. ``Intercept``, ``Days``)."""
        return self.fixed_effects.set_index("term")["estimate"]


WELL_CONDITIONED = 1e-8
"""Smallest eigenvalue of the unit-diagonal cross-product matrix of a fixed-effects design above which the
design is of full rank without the singular value decomposition of :func:`_require_full_rank`."""


def _require_full_rank(design: pd.DataFrame) -> None:
    """InputError naming the fixed-effect terms the data cannot estimate (aliased columns).

    The rank is numpy's (singular values of the design). A design whose cross-product matrix, scaled to a
    unit diagonal, has its smallest eigenvalue above :data:`WELL_CONDITIONED` (columns far from
    collinear) is of full rank and skips that decomposition, which costs a second per million rows.
    """
    values = design.to_numpy(dtype=float)
    gram = values.T @ values
    scale = np.sqrt(np.diag(gram))
    if np.all(scale > 0) and np.linalg.eigvalsh(gram / np.outer(scale, scale))[0] > WELL_CONDITIONED:
        return
    rank = int(np.linalg.matrix_rank(values))
    if rank < values.shape[1]:
        pivots = linalg.qr(values, mode="r", pivoting=True)[1]
        aliased = [design.columns[j] for j in sorted(pivots[rank:])]
        raise InputError(f"the model's terms {aliased} cannot be estimated from these data (for example a visit "
                         "at which one group has no patients with the outcome, or a covariate with one value); "
                         "drop those visits, merge groups or remove the covariate.")


def fit_mixed_model(df: pd.DataFrame, *, formula: str, group: str, re_formula: str | None = None,
                    reml: bool = True, optimizers: Sequence[str] = OPTIMIZERS,
                    level: float = 0.95) -> MixedModelResult:
    """Fit a linear mixed model with one grouping factor (patients), as lme4's ``lmer``.

    Parameters
    ----------
    df : DataFrame
        Long data, one row per observation. Not modified.
    formula : str
        Fixed-effects formula, e.g. ``"Reaction ~ Days"``.
    group : str
        Column identifying the clusters (patients).
    re_formula : str, optional
        Random-effects formula: ``"~Days"`` is lme4's ``(Days | Subject)`` (correlated intercept and
        slope). None: random intercept only, ``(1 | Subject)``.
    reml : bool
        REML (default, as lme4) or maximum likelihood (to compare fixed effects by LR test).
    optimizers : sequence of str
        scipy.optimize methods tried in order, each on its own, until one converges.
    level : float
        Confidence level of the Wald intervals.

    Returns
    -------
    MixedModelResult
        ``fixed_effects``: term, estimate, standard_error, statistic (z), ci_low, ci_high, p_value.
        ``random_effects``: term (``(Intercept)`` as in lme4), variance, sd. ``random_correlation``
        (matrix); ``residual_sd``; ``log_likelihood``; ``reml_criterion`` (-2 x REML log-likelihood,
        NaN for ML); ``converged``; ``singular``; ``optimizer`` (of the reported fit); ``attempts``:
        optimizer, converged, log_likelihood, warnings; ``fixed_effects_covariance``;
        ``n_observations``; ``n_groups``; ``method``; ``frame`` (the rows used) and ``design_info``
        (patsy, to build design rows for estimated means).

    Raises
    ------
    InputError
        A missing column or empty cells in the group column.
    RuntimeError
        No optimiser returns a finite fit.

    Notes
    -----
    :math:`y_i = X_i\\beta + Z_i b_i + \\varepsilon_i`, :math:`b_i \\sim N(0, G)`,
    :math:`\\varepsilon_i \\sim N(0, \\sigma^2 I)`, fitted by minimising lme4's profiled deviance
    (:func:`helpers.stats.mixed_models.fit_profiled`, vectorised over patients so registry-sized data fit in
    about a second; statsmodels ``MixedLM`` gives the same estimates but loops over patients in Python).
    ``reml_criterion`` is lme4's "REML criterion at convergence"; standard errors are lme4's
    (:math:`\\hat\\sigma^2 (X^T\\hat W X)^{-1}`). Unlike lme4's summary, CIs and p-values are Wald z
    (lmerTest would use Satterthwaite t). Singular fits are flagged by lme4's ``isSingular`` rule (a
    diagonal element of the relative covariance factor below 1e-4). Rows with missing model variables
    are dropped with a warning.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> d = pd.DataFrame({"id": np.repeat(np.arange(30), 4), "t": np.tile(np.arange(4.0), 30)})
    >>> d["y"] = 10 + 2 * d["t"] + np.repeat(rng.normal(0, 2, 30), 4) + rng.normal(0, 1, 120)
    >>> fit = fit_mixed_model(d, formula="y ~ t", group="id")
    >>> bool(fit.converged), fit.optimizer
    (True, 'L-BFGS-B')
    """
    require_columns(df, [group])
    if df[group].isna().any():
        raise InputError(f"column '{group}' (the grouping column) is empty in rows {rows_label(df[group].isna())}; "
                         "give every row its patient identifier.")
    outcome, design = patsy.dmatrices(formula, df, return_type="dataframe", NA_action="drop")
    random = patsy.dmatrix(re_formula or "~1", df, return_type="dataframe", NA_action="drop")
    design_info = design.design_info
    used = outcome.index.intersection(random.index)
    groups = df[group]
    if len(df) > len(used):
        warnings.warn(f"{len(df) - len(used)} row(s) with missing values in the model variables were dropped.",
                      stacklevel=2)
        outcome, design, random, groups = outcome.loc[used], design.loc[used], random.loc[used], groups.loc[used]
    _require_full_rank(design)
    result = fit_profiled(outcome.to_numpy()[:, 0], design.to_numpy(), random.to_numpy(), groups.to_numpy(),
                          reml=reml, optimizers=optimizers)
    if not result.converged:
        warnings.warn(f"the mixed model did not converge with any optimiser ({list(optimizers)}); the reported "
                      f"fit ({result.optimizer}) has the highest log-likelihood. Do not report it as is.",
                      stacklevel=2)
    names = ["(Intercept)" if np.allclose(random[label], 1.0) else str(label) for label in random.columns]
    cov_re = result.random_covariance
    sd = np.sqrt(np.clip(np.diag(cov_re), 0.0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        correlation = pd.DataFrame(cov_re / np.outer(sd, sd), index=names, columns=names)
    singular = bool(np.any(np.diag(result.relative_factor) < SINGULAR_TOLERANCE))
    if singular:
        warnings.warn("singular fit: a random-effect variance is (near) zero or a correlation is +-1 "
                      "(lme4's isSingular rule). Simplify the random effects.", stacklevel=2)
    terms = list(design.columns)
    return MixedModelResult(
        fixed_effects=tidy_estimates(terms, result.beta, np.sqrt(np.diag(result.beta_covariance)), level),
        random_effects=pd.DataFrame({"term": names, "variance": np.diag(cov_re), "sd": sd}),
        random_correlation=correlation, residual_sd=float(np.sqrt(result.residual_variance)),
        log_likelihood=result.log_likelihood,
        reml_criterion=-2.0 * result.log_likelihood if reml else np.nan, reml=reml, converged=result.converged,
        singular=singular, optimizer=result.optimizer,
        attempts=pd.DataFrame(result.attempts, columns=["optimizer", "converged", "log_likelihood", "warnings"]),
        fixed_effects_covariance=pd.DataFrame(result.beta_covariance, index=terms, columns=terms),
        n_observations=len(used), n_groups=result.n_groups, formula=formula, re_formula=re_formula,
        method=(f"linear mixed model ({'REML' if reml else 'ML'}, lme4's profiled deviance, optimiser "
                f"{result.optimizer}); Wald z {level:.0%} CIs and p-values"),
        frame=df.loc[used], design_info=design_info)
