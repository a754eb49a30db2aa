"""Logistic regression of a binary outcome, by maximum likelihood or Firth's penalised likelihood, with
the separation check and events-per-variable warning: the package's one logistic fitter.

:func:`logistic_regression` fits a model to a data frame and returns a :class:`LogisticResult` (odds
ratio table, predicted probabilities, ``predict`` for new patients). :func:`fit_logistic_arrays` is its
maximum-likelihood core on arrays, for loops that refit many times (the bootstrap, calibration lines,
one model per visit go through one of the two).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Literal, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from helpers.stats.design import EPV_THRESHOLD, INTERCEPT, TERM_COLUMNS, apply_design, design_matrix
from helpers.validation.checks import binary_column, check_level, complete_rows, z_quantile
from helpers.validation.errors import InputError
from helpers.validation.estimable import NOT_ESTIMATED


# ----------------------------------------------------------------------------- maximum likelihood core
@dataclass(frozen=True, eq=False)
class LogisticFit:
    """Maximum likelihood logistic fit on arrays (returned by :func:`fit_logistic_arrays`).

    Attributes
    ----------
    coef, standard_error : ndarray, shape (p,)
        Coefficients (log odds scale) and their standard errors ``sqrt(diag(I(b)^-1))``; NaN when the
        information matrix was singular.
    log_likelihood : float
    converged : bool
        Newton's method converged and the optimiser raised no warning (it does not converge under
        separation, where the maximum likelihood estimate does not exist).
    problems : tuple of str
        Names of the warnings or errors the optimiser raised (e.g. ``PerfectSeparationWarning``,
        ``ConvergenceWarning``, ``LinAlgError``); empty after a clean fit.
    """

    coef: np.ndarray
    standard_error: np.ndarray
    log_likelihood: float
    converged: bool
    problems: tuple[str, ...]


def fit_logistic_arrays(x: np.ndarray, y: np.ndarray, *, offset: np.ndarray | None = None,
                        max_iter: int = 100) -> LogisticFit:
    """Maximum likelihood logistic regression of a 0/1 array on a model matrix, without checks or tables.

    Parameters
    ----------
    x : ndarray, shape (n, p)
        Model matrix, including the intercept column when wanted.
    y : ndarray of 0/1 or bool, shape (n,)
        Outcome.
    offset : ndarray, shape (n,), optional
        Known term added to the linear predictor (coefficient fixed at 1), e.g. a model's linear
        predictor in the calibration-in-the-large model.
    max_iter : int
        Newton iterations allowed.

    Returns
    -------
    LogisticFit
        ``coef, standard_error, log_likelihood, converged, problems``.

    Notes
    -----
    ``logit P(y = 1) = offset + x b``, maximised by Newton's method exactly as statsmodels' ``Logit.fit``
    (method "newton") does it: from b = 0, steps ``b <- b + (X'WX / n + 1e-10 I)^-1 X'(y - pi) / n`` until no
    coefficient moves by more than 1e-8, at most ``max_iter`` steps (reaching the limit counts as not
    converged); standard errors from ``(X'WX)^-1`` at the estimate. Each step is two matrix-vector products
    and one weighted cross-product over the rows, with none of statsmodels' per-call overhead, which
    dominated when models are refitted many times (the bootstrap, one model per visit). This is the one
    place the package fits a logistic regression by maximum likelihood; :func:`logistic_regression` adds
    the input checks, the separation check, the events-per-variable warning and the odds ratio table.

    ``problems`` names what statsmodels would warn about: ``PerfectSeparationWarning`` (after some step
    the fitted probabilities equal the outcomes, to ``numpy.allclose``), ``ConvergenceWarning`` (the
    iteration limit), ``LinAlgError`` (a singular information matrix; the coefficients are then NaN).

    Examples
    --------
    >>> x = np.column_stack([np.ones(8), [50, 55, 60, 62, 65, 70, 75, 80]])
    >>> fit = fit_logistic_arrays(x, np.array([0, 0, 1, 0, 0, 1, 1, 1]))  # R: glm(y ~ age, binomial)
    >>> fit.coef.round(3).tolist(), fit.converged
    ([-17.215, 0.268], True)
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n, p = x.shape
    shift = np.zeros(n) if offset is None else np.asarray(offset, dtype=float)
    problems: set[str] = set()

    def information(prob: np.ndarray) -> np.ndarray:  # X'WX, as A'A with A = W^(1/2) X (one symmetric product)
        root = x * np.sqrt(prob * (1.0 - prob))[:, None]
        return root.T @ root

    beta, previous, iterations = np.zeros(p), np.full(p, np.inf), 0
    prob = special.expit(x @ beta + shift)
    try:
        while iterations < max_iter and np.any(np.abs(beta - previous) > 1e-8):
            hessian = information(prob) / n
            hessian[np.diag_indices(p)] += 1e-10  # statsmodels' ridge on the Newton step's Hessian
            previous = beta
            beta = previous + np.linalg.solve(hessian, x.T @ (y - prob) / n)
            prob = special.expit(x @ beta + shift)
            if np.max(np.abs(prob - y)) <= 1e-8:  # statsmodels' check, np.allclose(prob - y, 0)
                problems.add("PerfectSeparationWarning")
            iterations += 1
        if iterations == max_iter:
            problems.add("ConvergenceWarning")
        covariance = np.linalg.inv(information(prob) / n) / n
    except np.linalg.LinAlgError:  # singular information, e.g. under separation
        empty = np.full(p, np.nan)
        return LogisticFit(coef=empty, standard_error=empty, log_likelihood=np.nan, converged=False,
                           problems=("LinAlgError",))
    with np.errstate(invalid="ignore"):
        standard_error = np.sqrt(np.diag(covariance))
    eta = x @ beta + shift
    log_likelihood = float(-np.sum(np.logaddexp(0.0, -(2.0 * y - 1.0) * eta)))
    return LogisticFit(coef=beta, standard_error=standard_error, log_likelihood=log_likelihood,
                       converged=not problems, problems=tuple(sorted(problems)))


LOGISTIC_COLUMNS = [*TERM_COLUMNS, "coef", "standard_error", "odds_ratio", "ci_low", "ci_high",
                    "p_value", "n", "n_events", "method"]


def _detect_separation(x: np.ndarray, y: np.ndarray, *, tolerance: float = 1e-7,
                       coef: np.ndarray | None = None) -> tuple[str, np.ndarray]:
    """Check a logistic model matrix for complete or quasi-complete separation by linear programming.

    Parameters
    ----------
    x : ndarray, shape (n, p)
        Model matrix including the intercept column.
    y : ndarray of 0/1
        Outcome.
    tolerance : float
        Threshold on the (scaled) linear-programme optimum.
    coef : ndarray, shape (p,), optional
        Maximum likelihood coefficients already fitted to ``x`` and ``y``: when their score equations
        prove that the programme's optimum is below the threshold, the programme is not solved (see Notes).

    Returns
    -------
    kind : {"none", "quasi-complete", "complete"}
    direction : ndarray, shape (p,)
        A direction along which the likelihood keeps increasing (zeros when there is none); terms with
        a non-zero entry have infinite maximum likelihood estimates.

    Notes
    -----
    With ``z_i = (2 y_i - 1) x_i``, the maximum likelihood estimate is infinite exactly when some
    ``b != 0`` has ``z_i b >= 0`` for every row (Albert & Anderson 1984). The linear programme
    ``max sum_i z_i b`` subject to ``z_i b >= 0`` and ``-1 <= b <= 1`` has a positive optimum then and
    only then (Konis 2007, the method of R's ``detectseparation``); separation is complete when some
    ``b`` makes every ``z_i b`` strictly positive. Columns are standardised first so that the
    tolerance has a fixed scale.

    A fitted model spares the programme (which takes about half a second per 100,000 rows) when it
    certifies that there is no separation: with ``w_i = 1 - pi_i`` for events and ``pi_i`` otherwise
    (all positive), the score equations say ``sum_i w_i z_i = X'(y - pi) = r ~ 0``, so every feasible
    ``b`` has ``min(w) sum_i z_i b <= sum_i w_i z_i b = r'b <= |r|_1``: the optimum is at most
    ``|r|_1 / min(w)``. ``w`` is first corrected by least squares to make ``r`` vanish to rounding
    error; when the bound is below ``tolerance`` (stricter than the programme's ``tolerance * n``) the
    answer is "none", as the programme's would be. Otherwise, e.g. when the fit diverged, the
    programme decides.
    """
    x = np.asarray(x, dtype=float)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    centre = np.where(np.all(x == 1.0, axis=0), 0.0, x.mean(axis=0))
    standard = x.copy()
    varying = ~np.all(x == 1.0, axis=0)
    standard[:, varying] = (x[:, varying] - centre[varying]) / scale[varying]
    sign = 2 * np.asarray(y, dtype=float) - 1
    z = sign[:, None] * standard
    n, p = z.shape
    if coef is not None and np.all(np.isfinite(coef)):
        weight = special.expit(-sign * (x @ np.asarray(coef, dtype=float)))  # 1 - pi (events), pi (non-events)
        try:
            weight = weight - z @ np.linalg.solve(z.T @ z, z.T @ weight)  # least-squares correction: z'w = 0
        except np.linalg.LinAlgError:
            weight = np.zeros(n)
        smallest = weight.min()
        if smallest > 0 and np.abs(z.T @ weight).sum() <= tolerance * smallest:
            return "none", np.zeros(p)
    quasi = optimize.linprog(-z.sum(axis=0), A_ub=-z, b_ub=np.zeros(n), bounds=[(-1, 1)] * p, method="highs")
    if quasi.status != 0 or -quasi.fun <= tolerance * n:
        return "none", np.zeros(p)
    # Complete separation: max t subject to z_i b >= t, t <= 1.
    complete = optimize.linprog(np.r_[np.zeros(p), -1.0], A_ub=np.column_stack([-z, np.ones(n)]),
                                b_ub=np.zeros(n), bounds=[(-1, 1)] * p + [(None, 1)], method="highs")
    kind = "complete" if complete.status == 0 and -complete.fun > tolerance else "quasi-complete"
    direction = quasi.x.copy()
    # Back to the original columns: the intercept absorbs the centring.
    direction[varying] = direction[varying] / scale[varying]
    direction[np.abs(direction) < 1e-9] = 0.0
    return kind, direction


def _penalised_loglik(beta: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    """Firth's penalised log-likelihood l(b) + log|I(b)| / 2 for logistic regression."""
    eta = x @ beta
    loglik = float(np.sum(y * eta - np.logaddexp(0.0, eta)))
    weight = special.expit(eta) * special.expit(-eta)
    sign, logdet = np.linalg.slogdet(x.T @ (x * weight[:, None]))
    return loglik + 0.5 * logdet if sign > 0 and np.isfinite(logdet) else -np.inf


def _firth_derivatives(beta: np.ndarray, x: np.ndarray, y: np.ndarray,
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradient (the modified score), Fisher information and Hessian of the penalised log-likelihood.

    ``U*(b) = X'(y - pi + h(1/2 - pi))`` with ``h_i = w_i x_i' I^-1 x_i``. With ``A_r = dI/db_r =
    X' diag(w (1 - 2 pi) x_r) X``, the Hessian is ``-I + (X' diag(q) X - [tr(I^-1 A_r I^-1 A_s)])/2``,
    ``q_i = w_i ((1 - 2 pi_i)^2 - 2 w_i) x_i' I^-1 x_i``. Raises LinAlgError when I is singular.
    """
    prob = special.expit(x @ beta)
    weight = prob * (1 - prob)
    information = x.T @ (x * weight[:, None])
    inverse = np.linalg.inv(information)
    leverage = np.einsum("ij,jk,ik->i", x, inverse, x)
    score = x.T @ (y - prob + weight * leverage * (0.5 - prob))
    derivative = np.einsum("ir,ij,ik,i->rjk", x, x, x, weight * (1 - 2 * prob))
    product = inverse @ derivative
    cross = np.einsum("sjk,rkj->rs", product, product)
    q = weight * ((1 - 2 * prob) ** 2 - 2 * weight) * leverage
    hessian = -information + 0.5 * (x.T @ (x * q[:, None]) - cross)
    return score, information, hessian


def _firth_maximise(x: np.ndarray, y: np.ndarray, start: np.ndarray, free: np.ndarray, *,
                    max_iter: int = 200, tolerance: float = 1e-9, max_step: float = 5.0,
                    ) -> tuple[np.ndarray, float, bool]:
    """Maximise the penalised log-likelihood over the ``free`` coefficients (the others held fixed).

    Newton-Raphson with the exact Hessian where it is negative definite and the Fisher information
    otherwise (Firth's modified-score iteration, as logistf), steps capped at ``max_step`` and halved
    until the penalised log-likelihood does not decrease. Returns (coefficients, maximum, converged);
    the maximum is -inf when the start is not feasible (singular information).
    """
    beta = start.astype(float).copy()
    current = _penalised_loglik(beta, x, y)
    if not np.isfinite(current):
        return beta, -np.inf, False
    for _ in range(max_iter):
        try:
            score, information, hessian = _firth_derivatives(beta, x, y)
        except np.linalg.LinAlgError:
            return beta, current, False
        gradient = score[free]
        if np.max(np.abs(gradient), initial=0.0) < tolerance:
            return beta, current, True
        try:
            np.linalg.cholesky(-hessian[np.ix_(free, free)])
            step = np.linalg.solve(-hessian[np.ix_(free, free)], gradient)
        except np.linalg.LinAlgError:
            step = np.linalg.solve(information[np.ix_(free, free)], gradient)
        largest = np.max(np.abs(step), initial=0.0)
        if largest > max_step:
            step *= max_step / largest
        for _ in range(60):
            candidate = beta.copy()
            candidate[free] += step
            value = _penalised_loglik(candidate, x, y)
            if value >= current - 1e-12:
                break
            step /= 2
        else:
            return beta, current, False
        beta, current = candidate, value
    return beta, current, False


def _firth_profile(x: np.ndarray, y: np.ndarray, beta_hat: np.ndarray, maximum: float, index: int,
                   standard_error: float, critical: float) -> tuple[float, float]:
    """Profile penalised likelihood limits for coefficient ``index`` (NaN where not found).

    Walks outwards from the estimate in doubling steps, warm-starting each constrained fit from the
    previous one, until the profile deviance exceeds ``critical``; then solves for the crossing.
    """
    free = np.arange(x.shape[1]) != index
    warm = {"beta": beta_hat.copy()}

    def excess(value: float) -> float:
        start = warm["beta"].copy()
        start[index] = value
        beta, penalised, converged = _firth_maximise(x, y, start, free)
        if not np.isfinite(penalised):
            return np.inf
        warm["beta"] = beta
        return 2 * (maximum - penalised) - critical

    limits = []
    for sign in (-1.0, 1.0):
        warm["beta"] = beta_hat.copy()
        inner, width, limit = beta_hat[index], max(standard_error, 1e-3) / 2, np.nan
        for _ in range(30):
            outer = inner + sign * width
            beyond = excess(outer)
            if not np.isfinite(beyond):
                break
            if beyond > 0:
                limit = optimize.brentq(excess, min(inner, outer), max(inner, outer), xtol=1e-10, rtol=1e-12)
                break
            inner, width = outer, width * 1.5
        limits.append(limit)
    return limits[0], limits[1]


def _firth_fit(x: np.ndarray, y: np.ndarray, names: list[str], level: float) -> tuple[pd.DataFrame, float, bool]:
    p = x.shape[1]
    beta, maximum, converged = _firth_maximise(x, y, np.zeros(p), np.ones(p, dtype=bool))
    _, information, _ = _firth_derivatives(beta, x, y)
    standard_error = np.sqrt(np.diag(np.linalg.inv(information)))
    critical = stats.chi2.ppf(level, 1)
    rows = []
    for j, name in enumerate(names):
        free = np.arange(p) != j
        start = beta.copy()
        start[j] = 0.0
        _, at_zero, reached = _firth_maximise(x, y, start, free)
        if not reached:
            warnings.warn(f"the penalised likelihood with {name} = 0 was not maximised; its p-value is "
                          "unreliable.", stacklevel=3)
        p_value = float(stats.chi2.sf(max(2 * (maximum - at_zero), 0.0), 1))
        low, high = _firth_profile(x, y, beta, maximum, j, standard_error[j], critical)
        method = "Firth penalised likelihood; profile penalised-likelihood CI; penalised LR test"
        if not (np.isfinite(low) and np.isfinite(high)):
            z = stats.norm.ppf(0.5 + level / 2)
            low, high = beta[j] - z * standard_error[j], beta[j] + z * standard_error[j]
            method = "Firth penalised likelihood; Wald CI (profile not found); penalised LR test"
        rows.append({"term": name, "coef": beta[j], "standard_error": standard_error[j],
                     "coef_low": low, "coef_high": high, "p_value": p_value, "method": method})
    return pd.DataFrame(rows), maximum, converged


def _ml_fit(x: np.ndarray, y: np.ndarray, names: list[str], level: float) -> tuple[pd.DataFrame, float, bool]:
    fit = fit_logistic_arrays(x, y)
    z = z_quantile(level)
    method = ("maximum likelihood (failed)" if "LinAlgError" in fit.problems else
              "maximum likelihood (Newton-Raphson); Wald CI and z test")
    with np.errstate(invalid="ignore", divide="ignore"):
        p_value = 2 * stats.norm.sf(np.abs(fit.coef / fit.standard_error))
    frame = pd.DataFrame({"term": names, "coef": fit.coef, "standard_error": fit.standard_error,
                          "coef_low": fit.coef - z * fit.standard_error,
                          "coef_high": fit.coef + z * fit.standard_error, "p_value": p_value, "method": method})
    return frame, fit.log_likelihood, fit.converged


@dataclass(frozen=True, eq=False)
class LogisticResult:
    """Fitted logistic regression (returned by :func:`logistic_regression`).

    Attributes
    ----------
    table : DataFrame
        One row per term including the intercept: ``term``, ``variable``, ``level``, ``reference``,
        ``coef`` (log odds ratio), ``standard_error`` (of ``coef``), ``odds_ratio`` (exp(coef); the
        intercept's is the baseline odds), ``ci_low``, ``ci_high`` (odds-ratio scale), ``p_value``, ``n``,
        ``n_events``, ``method``.
    outcome : str
    predictors : tuple of str
        The predictor columns, as given.
    predicted_probability : Series
        Fitted probability of the event for each row used, on the data's index (named
        ``predicted_probability``).
    n, n_events : int
        Rows used and rows with outcome 1.
    n_parameters : int
        Terms besides the intercept.
    events_per_variable : float
        min(events, non-events) / n_parameters.
    separation : {"none", "quasi-complete", "complete"}
    separation_terms : tuple of str
        Terms whose maximum likelihood estimate is infinite.
    log_likelihood : float
        Maximised log-likelihood (penalised when ``firth``).
    converged, firth, level
        Whether the fit converged, which estimator, the confidence level.

    Notes
    -----
    A fitted model can be passed to :func:`helpers.stats.roc.roc_auc` and
    :func:`helpers.stats.roc.compare_auc` in place of a column (it has the ``label``, ``predictors`` and
    ``predicted_probability`` of :class:`helpers.validation.checks.FittedModel`).
    """

    table: pd.DataFrame
    outcome: str
    predictors: tuple[str, ...]
    predicted_probability: pd.Series
    n: int
    n_events: int
    n_parameters: int
    events_per_variable: float
    separation: str
    separation_terms: tuple[str, ...]
    log_likelihood: float
    converged: bool
    firth: bool
    level: float = 0.95

    @property
    def label(self) -> str:
        """The model as text, e.g. ``logistic(fa_x100 + f)``."""
        return "logistic(" + " + ".join(self.predictors) + ")"

    def predict(self, df: pd.DataFrame) -> pd.Series:
        """Predicted probabilities of the event for (new) patients, e.g. an external validation set.

        Parameters
        ----------
        df : DataFrame
            The predictor columns, coded as in the data the model was fitted to (not modified).

        Returns
        -------
        Series
            ``predicted_probability`` on the index of ``df``: ``expit(b0 + x b)``, as R's
            ``predict(fit, newdata, type = "response")``.

        Raises
        ------
        InputError
            Missing columns or values, or a category the model was not fitted with.
        """
        matrix = apply_design(df, terms=self.table[TERM_COLUMNS]).to_numpy()
        coef = self.table["coef"].to_numpy(dtype=float)
        return pd.Series(special.expit(coef[0] + matrix @ coef[1:]), index=df.index, name="predicted_probability")


def logistic_regression(df: pd.DataFrame, *, outcome: str, predictors: Sequence[str], firth: bool = False,
                        reference: Mapping[str, Any] | None = None, level: float = 0.95,
                        missing: Literal["raise", "drop"] = "raise") -> LogisticResult:
    """Logistic regression of a 0/1 outcome, by maximum likelihood or Firth's penalised likelihood.

    Parameters
    ----------
    df : DataFrame
        One row per patient (not modified).
    outcome : str
        Column coded 1 = event, 0 = no event (or True/False).
    predictors : list of str
        Columns; categorical ones become dummies (see :func:`design_matrix`).
    firth : bool
        Fit Firth's penalised likelihood instead of maximum likelihood (small samples, rare events,
        separation).
    reference : dict, optional
        Reference level per categorical predictor.
    level : float
        Confidence level.
    missing : {"raise", "drop"}
        Missing values in the used columns raise an InputError, or their rows are dropped with a warning.

    Returns
    -------
    LogisticResult
        See the attributes of :class:`LogisticResult`: ``table`` holds the odds ratios and their
        intervals, ``predicted_probability`` the fitted probabilities, ``predict(new_data)`` gives
        probabilities for new patients; ``label``, ``predictors`` and ``predicted_probability`` let the
        ROC functions take the model as a predictor.

    Raises
    ------
    InputError
        Unknown columns, missing values, an outcome not coded 0/1 or with a single class, collinear
        predictors.

    Warns
    -----
    UserWarning
        Events per variable below 10; separation (maximum likelihood estimates are then infinite);
        non-convergence.

    Notes
    -----
    ``logit P(event) = b0 + b1 x1 + ...``; OR = exp(b) per unit of a numeric predictor (rescale it first,
    e.g. FA x 100, for an OR per meaningful step) or against the reference level of a categorical one.

    Maximum likelihood: :func:`fit_logistic_arrays` (Newton's method, as statsmodels' ``Logit``); Wald
    intervals ``exp(coef +/- z SE)`` and Wald z tests (R's ``glm`` with ``confint.default``; R's
    ``confint`` on a glm profiles the likelihood instead).

    Firth (1993), Heinze & Schemper (2002): maximise ``l*(b) = l(b) + log|I(b)|/2`` (the Jeffreys
    prior) by Newton-Raphson on the modified score ``U*(b) = X'(y - pi + h(1/2 - pi))``, where ``h``
    is the diagonal of ``W^(1/2) X (X'WX)^(-1) X' W^(1/2)``, with step halving as in R's logistf.
    Confidence limits are where the profile penalised deviance ``2(l*(b_hat) - max l*(b | b_j))``
    equals the chi-squared(1) quantile; p-values are penalised likelihood-ratio tests of ``b_j = 0``
    (logistf's defaults). Standard errors are ``sqrt(diag(I(b_hat)^-1))``.

    Events per variable (EPV) = min(events, non-events) / parameters (Peduzzi et al., J Clin
    Epidemiol 1996;49:1373-9). Separation is found by the linear programme of Konis (2007; R's detectseparation).

    Examples
    --------
    >>> df = pd.DataFrame({"dead": [0, 0, 0, 1, 0, 1, 1, 1], "age": [50, 55, 60, 62, 65, 70, 75, 80]})
    >>> fit = logistic_regression(df, outcome="dead", predictors=["age"], firth=True)
    >>> fit.table.loc[1, ["odds_ratio", "ci_low", "ci_high"]].astype(float).round(2).tolist()
    [1.19, 1.0, 1.92]
    >>> fit.label, fit.predict(pd.DataFrame({"age": [58, 72]})).round(3).tolist()
    ('logistic(age)', [0.241, 0.788])
    """
    if isinstance(predictors, str) or not len(predictors):
        raise InputError(f"predictors={predictors!r}: give a list of column names, e.g. ['age', 'grade'].")
    predictors = list(predictors)
    level = check_level(level)
    data = complete_rows(df, [outcome, *predictors], missing)
    y = binary_column(data[outcome], "outcome")
    n, n_events = len(y), int(y.sum())
    if n_events in (0, n):
        raise InputError(f"outcome '{outcome}' has {n_events} events in {n} rows: both outcomes are needed "
                         "to fit a logistic regression.")
    design = design_matrix(data, predictors=predictors, reference=reference)
    x = np.column_stack([np.ones(n), design.matrix.to_numpy()])
    names = [INTERCEPT, *design.matrix.columns]
    n_parameters = x.shape[1] - 1
    epv = min(n_events, n - n_events) / n_parameters
    if epv < EPV_THRESHOLD:
        warnings.warn(f"{epv:.3g} events per variable (< {EPV_THRESHOLD}; {min(n_events, n - n_events)} of the "
                      f"rarer outcome for {n_parameters} parameters): estimates may be biased and unstable. "
                      "Use fewer predictors or firth=True.", stacklevel=2)
    if not firth:  # fitted first: a converged fit shows cheaply that there is no separation
        fitted, loglik, converged = _ml_fit(x, y, names, level)
    kind, direction = _detect_separation(x, y, coef=None if firth else fitted["coef"].to_numpy(dtype=float))
    separated = tuple(name for name, value in zip(names, direction) if value != 0 and name != INTERCEPT)
    if kind != "none":
        advice = ("Firth's estimates stay finite and are reported." if firth else
                  "Their maximum likelihood estimates are infinite and are not reported: refit with firth=True.")
        warnings.warn(f"{kind} separation of '{outcome}' by {list(separated) or 'the predictors'}. {advice}",
                      stacklevel=2)
    if firth:
        fitted, loglik, converged = _firth_fit(x, y, names, level)
    if not converged and kind == "none":
        warnings.warn("the fit did not converge; treat the estimates with caution.", stacklevel=2)
    terms = pd.concat([pd.DataFrame([{"term": INTERCEPT, "variable": INTERCEPT, "level": "", "reference": ""}]),
                       design.terms], ignore_index=True)
    table = terms.merge(fitted, on="term", how="left", validate="one_to_one")
    with np.errstate(over="ignore"):  # infinite ORs under separation stay inf
        table["odds_ratio"] = np.exp(table["coef"])
        table["ci_low"] = np.exp(table.pop("coef_low"))
        table["ci_high"] = np.exp(table.pop("coef_high"))
    table["n"], table["n_events"] = n, n_events
    probability = pd.Series(special.expit(x @ table["coef"].to_numpy(dtype=float)), index=data.index,
                            name="predicted_probability")
    if kind != "none" and not firth:
        # An infinite estimate has no number to report (R's glm prints a huge coefficient and SE): the
        # separated terms get no estimate and say why, so no table or results row shows a meaningless OR.
        # Under complete separation the likelihood has no maximum at all: no term has an estimate, the intercept
        # included (the optimiser stops at arbitrary values), so every row says so, with one reason.
        infinite = table["term"].isin(separated) | (kind == "complete")
        table.loc[infinite, ["coef", "standard_error", "odds_ratio", "ci_low", "ci_high", "p_value"]] = np.nan
        if kind == "complete":
            names = " and ".join(map(repr, separated)) if len(separated) < 3 else ", ".join(map(repr, separated))
            table.loc[infinite, "method"] = (
                f"{NOT_ESTIMATED}: maximum likelihood logistic regression: complete separation of '{outcome}' by "
                f"{names} (a cut-off on {'it' if len(separated) == 1 else 'a combination of them'} predicts every "
                "patient's outcome exactly), so the likelihood has no maximum and no term of the model, the "
                "intercept included, has an estimate (Firth's estimates stay finite)")
        else:
            table.loc[infinite, "method"] = [f"{NOT_ESTIMATED}: maximum likelihood logistic regression: {kind} "
                                             f"separation of '{outcome}' by '{term}', so its estimate is infinite "
                                             "(Firth's estimate stays finite)" for term in table.loc[infinite, "term"]]
    return LogisticResult(table=table[LOGISTIC_COLUMNS], outcome=outcome, predictors=tuple(predictors),
                          predicted_probability=probability, n=n, n_events=n_events, n_parameters=n_parameters,
                          events_per_variable=float(epv), separation=kind, separation_terms=separated,
                          log_likelihood=loglik, converged=converged, firth=firth, level=level)


def univariable_logistic_regression(df: pd.DataFrame, *, outcome: str, predictors: Sequence[str],
                                    firth: bool = False, reference: Mapping[str, Any] | None = None,
                                    level: float = 0.95, missing: Literal["raise", "drop"] = "raise",
                                    ) -> pd.DataFrame:
    """One logistic regression per predictor: the unadjusted odds ratios of a clinical table.

    Parameters
    ----------
    df, outcome, firth, reference, level, missing
        As in :func:`logistic_regression`; with ``missing='drop'`` each model uses the rows complete
        for its own predictor.
    predictors : list of str
        Each is fitted alone with an intercept.

    Returns
    -------
    DataFrame
        ``model`` (the predictor) followed by the columns of :attr:`LogisticResult.table`, without the
        intercepts; ``n`` and ``n_events`` are per model.

    Raises
    ------
    InputError
        As in :func:`logistic_regression`.

    Notes
    -----
    Warnings from each model (EPV, separation) are re-issued with the predictor's name.

    Examples
    --------
    >>> df = pd.DataFrame({"dead": [0, 1, 0, 1, 0, 1, 1, 0], "age": [50, 55, 60, 62, 65, 70, 75, 80],
    ...                    "sex": ["f", "m", "f", "m", "m", "f", "m", "f"]})
    >>> univariable_logistic_regression(df, outcome="dead", predictors=["age", "sex"])["term"].tolist()
    ['age', 'sex[T.m]']
    """
    tables = []
    reference = dict(reference or {})
    for predictor in predictors:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = logistic_regression(df, outcome=outcome, predictors=[predictor], firth=firth, level=level,
                                         reference={k: v for k, v in reference.items() if k == predictor},
                                         missing=missing)
        for warning in caught:
            warnings.warn(f"{predictor}: {warning.message}", stacklevel=2)
        tables.append(result.table.loc[result.table["term"] != INTERCEPT].assign(model=predictor))
    table = pd.concat(tables, ignore_index=True)
    return table[["model", *LOGISTIC_COLUMNS]]
