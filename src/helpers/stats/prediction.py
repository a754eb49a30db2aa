"""Prediction models for a binary outcome: optimism-corrected performance by bootstrap, calibration and
decision curves. Every AUC here is the Mann-Whitney AUC of :mod:`helpers.stats.roc`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd

from helpers.stats.design import design_matrix
from helpers.stats.diagnostic import proportion_interval
from helpers.stats.logistic import LogisticFit, fit_logistic_arrays
from helpers.stats.roc import rank_auc
from helpers.validation.checks import SHOWN, as_rng, binary_array, case_mask, complete_rows, z_quantile
from helpers.validation.errors import InputError
from helpers.validation.estimable import NotEstimable


# ----------------------------------------------------------------------------- input checks
def _probabilities(y: Any, p: Any) -> tuple[np.ndarray, np.ndarray]:
    is_case = binary_array(y)
    prob = np.asarray(p, dtype=float)
    if prob.shape != is_case.shape or prob.ndim != 1:
        raise InputError(f"y and p must be one-dimensional and of equal length (got {is_case.shape}, {prob.shape}).")
    bad = ~((prob >= 0) & (prob <= 1))
    if bad.any():
        raise InputError(f"p must lie between 0 and 1; positions {np.flatnonzero(bad)[:SHOWN].tolist()} do not "
                         "(missing or outside). Drop them or use predictions from a fitted model.")
    certain = (prob == 0) | (prob == 1)
    if certain.any():
        # A maximum likelihood model that separates the outcome completely predicts exactly 0 or 1 (its
        # coefficients run off to infinity): a valid cohort, but no log-odds to calibrate or net benefit to weigh.
        raise NotEstimable(f"{int(certain.sum())} of the {len(prob)} predicted probabilities are exactly 0 or 1, as "
                           "from a model that separates the outcome completely, so there is no calibration or "
                           "net benefit to estimate from them")
    if is_case.all() or not is_case.any():
        raise InputError("y holds only one class; calibration and net benefit need events and non-events.")
    return is_case, prob


def _bootstrap_fits(design: np.ndarray, is_case: np.ndarray, n_boot: int,
                    generator: np.random.Generator) -> tuple[np.ndarray, np.ndarray, int]:
    """Refit the model in ``n_boot`` resamples of the rows: (draws (B, N), coefficients (B, p), n_failed).

    Resamples with one class or a fit that does not converge (as under separation, where the maximum
    likelihood estimate does not exist) are left out, with a warning.
    """
    n = len(is_case)
    draws, coefficients = [], []
    for _ in range(n_boot):
        draw = generator.integers(0, n, n)
        y = is_case[draw]
        if y.all() or not y.any():
            continue
        fit = fit_logistic_arrays(design[draw], y)
        if fit.converged:
            draws.append(draw)
            coefficients.append(fit.coef)
    n_failed = n_boot - len(draws)
    if n_failed:
        warnings.warn(f"{n_failed} of {n_boot} resamples had one class, separation or no convergence and were "
                      "left out of the optimism estimate.", stacklevel=3)
    return (np.array(draws).reshape(len(draws), n), np.array(coefficients).reshape(len(draws), design.shape[1]),
            n_failed)


def _model_matrix(df: pd.DataFrame, predictors: Sequence[str]) -> np.ndarray:
    """Intercept and the predictors' terms (as in :func:`helpers.stats.logistic.logistic_regression`)."""
    if isinstance(predictors, str) or len(predictors) == 0:
        raise InputError(f"predictors={predictors!r}: give a list of column names, e.g. ['fa', 'f'].")
    frame = complete_rows(df, list(predictors), "raise")
    return np.column_stack([np.ones(len(df)), design_matrix(frame, predictors=list(predictors)).matrix.to_numpy()])


def _calibration_fits(is_case: np.ndarray, linear_predictor: np.ndarray) -> tuple[LogisticFit, LogisticFit]:
    """Fits of the calibration-in-the-large model (intercept, offset = the linear predictor) and of the
    calibration slope model (intercept + slope on the linear predictor)."""
    ones = np.ones((len(is_case), 1))
    intercept = fit_logistic_arrays(ones, is_case, offset=linear_predictor)
    slope = fit_logistic_arrays(np.column_stack([ones, linear_predictor]), is_case)
    return intercept, slope


def _calibration_line(is_case: np.ndarray, linear_predictor: np.ndarray) -> tuple[float, float]:
    """Calibration-in-the-large intercept and calibration slope of a linear predictor."""
    intercept, slope = _calibration_fits(is_case, linear_predictor)
    return float(intercept.coef[0]), float(slope.coef[1])


_VALIDATION = "Harrell bootstrap optimism correction"
VALIDATION_METHODS = {"auc": f"{_VALIDATION} (as rms::validate, Dxy / 2 + 0.5)",
           "calibration_intercept": f"{_VALIDATION}; calibration-in-the-large intercept, logit P = a + offset(lp) "
                                    "(not rms::validate's Intercept, which is fitted with a free slope)",
           "calibration_slope": f"{_VALIDATION} (as rms::validate's Slope)"}
"""``method`` of each row of :func:`bootstrap_validation`."""


def bootstrap_validation(df: pd.DataFrame, *, outcome: str, predictors: Sequence[str], positive: Any = 1,
                         n_boot: int = 200, rng: int | np.random.Generator | None = None) -> pd.DataFrame:
    """Bootstrap internal validation of a logistic model: AUC, calibration-in-the-large intercept and
    calibration slope corrected for optimism (Harrell's bootstrap, as in R's ``rms::validate``).

    Parameters
    ----------
    df : DataFrame
        One row per patient, without missing values in the used columns; not modified.
    outcome : str
        Binary outcome column; ``positive`` marks the event.
    predictors : list of str
        Predictor columns of the logistic model (numeric ones linear, categorical ones as dummies, as
        in :func:`helpers.stats.logistic.logistic_regression`).
    n_boot : int
        Bootstrap resamples (rows drawn with replacement).
    rng : int, numpy.random.Generator or None
        Seed or generator; pass an int for reproducible results.

    Returns
    -------
    DataFrame
        Rows ``auc``, ``calibration_intercept``, ``calibration_slope`` with columns ``quantity,
        apparent, optimism, corrected, ideal`` (0.5 for no discrimination; 0 and 1 for perfect
        calibration), ``n_boot`` (resamples used), ``n_failed`` (resamples with one class, separation
        or no convergence, left out), ``n, n_events, method``.

    Raises
    ------
    NotEstimable
        The model has no maximum likelihood fit in these data (separation), or none of the resamples could
        be refitted.

    Notes
    -----
    The model is fitted by :func:`helpers.stats.logistic.fit_logistic_arrays`, the core of
    :func:`helpers.stats.logistic.logistic_regression`. In each resample b refit the model (linear predictor lp_b). Optimism_b = performance of lp_b in
    resample b - performance of lp_b in the original data; corrected = apparent - mean(optimism_b)
    (Harrell, Lee & Mark 1996; Steyerberg 2019, ch. 5). Calibration intercept: the calibration-in-the-
    large intercept, logit P(y) = a + offset(lp); slope: logit P(y) = a + b lp (Van Calster et al. 2016).
    The AUC and slope rows are ``rms::validate``'s ``Dxy / 2 + 0.5`` and ``Slope`` for the same resamples;
    its ``Intercept`` is a different quantity (the intercept ``a`` of the slope model, fitted with the
    slope free), so the intercept row is not ``rms::validate``'s. In the data a maximum-
    likelihood logistic model was fitted on, the intercept is 0 and the slope 1 exactly, so the
    apparent values are 0 and 1 and the corrected slope is the mean test slope: below 1 means the
    predictions are too extreme in new patients (overfitting), and 1 / slope is the usual
    shrinkage factor for the coefficients.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> good = np.repeat([0, 1], 40)
    >>> df = pd.DataFrame({"good": good, "fa": rng.normal(0.50 + 0.04 * good, 0.05),
    ...                    "f": rng.normal(0.12 - 0.02 * good, 0.04)})
    >>> table = bootstrap_validation(df, outcome="good", predictors=["fa", "f"], n_boot=50, rng=1)
    >>> table[["quantity", "apparent", "optimism", "corrected"]].round(3)
                    quantity  apparent  optimism  corrected
    0                    auc     0.776     0.007      0.769
    1  calibration_intercept     0.000    -0.004      0.004
    2      calibration_slope     1.000     0.013      0.987
    """
    if int(n_boot) < 1:
        raise InputError(f"n_boot={n_boot!r}: give a positive number of resamples, e.g. 200.")
    is_case = case_mask(df, outcome, positive)
    design = _model_matrix(df, predictors)
    apparent_fit = fit_logistic_arrays(design, is_case)
    if not apparent_fit.converged:
        raise NotEstimable(f"the model of '{outcome}' on {', '.join(map(repr, predictors))} has no maximum likelihood "
                           f"fit in these {len(df)} patients (the predictors separate the outcome perfectly, or the "
                           "fit does not converge), so there is no optimism to correct")
    apparent_auc = float(rank_auc((design @ apparent_fit.coef)[None, :], is_case)[0])
    draws, coefficients, n_failed = _bootstrap_fits(design, is_case, int(n_boot), as_rng(rng))
    if not len(draws):
        raise NotEstimable(f"the model could be refitted in none of the {int(n_boot)} bootstrap resamples (one "
                           "outcome class, separation or no convergence in each), so its optimism cannot be estimated")
    boot_scores = np.einsum("bnp,bp->bn", design[draws], coefficients)
    test_scores = coefficients @ design.T
    lines = np.array([_calibration_line(is_case, scores) for scores in test_scores])
    optimism = {"auc": float(np.mean(rank_auc(boot_scores, is_case[draws]) - rank_auc(test_scores, is_case))),
                "calibration_intercept": float(np.mean(0.0 - lines[:, 0])),
                "calibration_slope": float(np.mean(1.0 - lines[:, 1]))}
    rows = []
    for quantity, apparent, ideal in (("auc", apparent_auc, 0.5), ("calibration_intercept", 0.0, 0.0),
                                      ("calibration_slope", 1.0, 1.0)):
        rows.append({"quantity": quantity, "apparent": apparent, "optimism": optimism[quantity],
                     "corrected": apparent - optimism[quantity], "ideal": ideal, "n_boot": len(draws),
                     "n_failed": n_failed, "n": len(df), "n_events": int(is_case.sum()),
                     "method": VALIDATION_METHODS[quantity]})
    return pd.DataFrame(rows)


@dataclass(frozen=True, eq=False)
class CalibrationResult:
    """``summary``: calibration intercept and slope; ``bins``: observed vs predicted per risk group."""

    summary: pd.DataFrame
    bins: pd.DataFrame


def calibration(y: Any, p: Any, *, n_bins: int = 10, level: float = 0.95) -> CalibrationResult:
    """Calibration intercept and slope of predicted probabilities, and a binned calibration table.

    Parameters
    ----------
    y : array-like of bool or 0/1
        Observed outcomes.
    p : array-like of float in (0, 1)
        Predicted probabilities of the event.
    n_bins : int
        Number of risk groups (quantiles of p; tied quantiles merge).
    level : float
        Confidence level.

    Returns
    -------
    CalibrationResult
        ``summary``: rows ``calibration_intercept`` (ideal 0) and ``calibration_slope`` (ideal 1) with
        ``quantity, estimate, ci_low, ci_high, standard_error, ideal, n, method``. ``bins``: ``bin, n,
        events, mean_predicted, observed, ci_low, ci_high`` (Wilson CI of the observed proportion).

    Raises
    ------
    NotEstimable
        Some predicted probabilities are exactly 0 or 1 (a model that separates the outcome completely).

    Notes
    -----
    Intercept: logit P(y) = a + offset(logit p), intercept only. Slope: logit P(y) = a + b logit p.
    Both fitted by :func:`helpers.stats.logistic.fit_logistic_arrays`. Wald CIs (Cox 1958, Biometrika
    45:562-565; Van Calster et al. 2016, J Clin Epidemiol 74:167-176). In the development data of a
    maximum-likelihood logistic model both are ideal by construction; assess them on validation data or
    bootstrap them.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> good = np.repeat([0, 1], 40)
    >>> df = pd.DataFrame({"good": good, "fa": rng.normal(0.50 + 0.04 * good, 0.05),
    ...                    "f": rng.normal(0.12 - 0.02 * good, 0.04)})
    >>> from helpers.stats.logistic import logistic_regression
    >>> model = logistic_regression(df, outcome="good", predictors=["fa", "f"])
    >>> calibration(df["good"], model.predicted_probability, n_bins=4).bins[["n", "mean_predicted", "observed"]].round(3)
        n  mean_predicted  observed
    0  20           0.195      0.25
    1  20           0.388      0.35
    2  20           0.594      0.50
    3  20           0.823      0.90
    """
    z = z_quantile(level)
    is_case, prob = _probabilities(y, p)
    logit = np.log(prob / (1 - prob))
    target = is_case.astype(float)
    intercept, slope = _calibration_fits(is_case, logit)
    rows = []
    for name, fit, index, ideal, text in (
            ("calibration_intercept", intercept, 0, 0.0, "logistic model with offset logit(p), Wald CI"),
            ("calibration_slope", slope, 1, 1.0, "logistic regression on logit(p), Wald CI")):
        estimate, se = float(fit.coef[index]), float(fit.standard_error[index])
        rows.append({"quantity": name, "estimate": estimate, "ci_low": estimate - z * se,
                     "ci_high": estimate + z * se, "standard_error": se, "ideal": ideal, "n": len(prob),
                     "method": text})
    groups = pd.qcut(prob, q=n_bins, labels=False, duplicates="drop")
    frame = pd.DataFrame({"bin": groups, "y": target, "p": prob})
    bins = frame.groupby("bin").agg(n=("y", "size"), events=("y", "sum"), mean_predicted=("p", "mean"),
                                    observed=("y", "mean")).reset_index()
    limits = [proportion_interval(int(e), int(t), level=level) for e, t in zip(bins["events"], bins["n"])]
    bins["ci_low"], bins["ci_high"] = [low for low, _ in limits], [high for _, high in limits]
    return CalibrationResult(summary=pd.DataFrame(rows), bins=bins)


def decision_curve(y: Any, p: Any, thresholds: Any = None) -> pd.DataFrame:
    """Net benefit of treating by a model's risk, of treating all and of treating none.

    Parameters
    ----------
    y : array-like of bool or 0/1
        Observed outcomes (the event is the one the decision acts on).
    p : array-like of float in (0, 1)
        Predicted probabilities.
    thresholds : array-like of float in [0, 1), optional
        Threshold probabilities; default 0.01, 0.02, ..., 0.99.

    Returns
    -------
    DataFrame
        One row per threshold: ``threshold, net_benefit_model, net_benefit_treat_all,
        net_benefit_treat_none, true_positives, false_positives, n``.

    Raises
    ------
    NotEstimable
        Some predicted probabilities are exactly 0 or 1 (a model that separates the outcome completely).

    Notes
    -----
    Treat when p >= t. Net benefit = TP / N - FP / N * t / (1 - t); treat all:
    prevalence - (1 - prevalence) * t / (1 - t); treat none: 0 (Vickers & Elkin 2006, Med Decis
    Making 26:565-574).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> good = np.repeat([0, 1], 40)
    >>> df = pd.DataFrame({"good": good, "fa": rng.normal(0.50 + 0.04 * good, 0.05),
    ...                    "f": rng.normal(0.12 - 0.02 * good, 0.04)})
    >>> from helpers.stats.logistic import logistic_regression
    >>> model = logistic_regression(df, outcome="good", predictors=["fa", "f"])
    >>> curve = decision_curve(df["good"], model.predicted_probability, thresholds=[0.3, 0.5])
    >>> curve[["threshold", "net_benefit_model", "net_benefit_treat_all"]].round(3)
       threshold  net_benefit_model  net_benefit_treat_all
    0        0.3              0.298                  0.286
    1        0.5              0.262                  0.000
    """
    is_case, prob = _probabilities(y, p)
    t = np.linspace(0.01, 0.99, 99) if thresholds is None else np.atleast_1d(np.asarray(thresholds, dtype=float))
    if not ((t >= 0) & (t < 1)).all():
        raise InputError(f"thresholds must lie in [0, 1); got {t[~((t >= 0) & (t < 1))][:SHOWN].tolist()}.")
    n = len(prob)
    case_p, control_p = np.sort(prob[is_case]), np.sort(prob[~is_case])
    tp = len(case_p) - np.searchsorted(case_p, t, side="left")
    fp = len(control_p) - np.searchsorted(control_p, t, side="left")
    odds = t / (1 - t)
    prevalence = is_case.mean()
    return pd.DataFrame({"threshold": t, "net_benefit_model": tp / n - fp / n * odds,
                         "net_benefit_treat_all": prevalence - (1 - prevalence) * odds,
                         "net_benefit_treat_none": np.zeros_like(t), "true_positives": tp,
                         "false_positives": fp, "n": n})
