"""Visit-by-visit results of long data: odds ratios of a binary outcome, group differences of a mixed model.

Long data in: one row per patient per attended visit. :func:`logistic_by_visit` fits one logistic model
per visit (unadjusted and adjusted), the analysis papers report as "odds ratios at each time point"; these
are complete-case (the patients seen at that visit). :func:`mean_difference_by_visit` reads the group
difference at each visit off a mixed model of :mod:`helpers.longitudinal`, which uses every observation
under missing at random.
"""

from __future__ import annotations

import warnings
from typing import Any, Sequence

import numpy as np
import pandas as pd
import patsy
import statsmodels.formula.api as smf
from scipy import stats

from helpers.io import InputError
from helpers.longitudinal import TrajectoryResult, _ordered_levels, _quote, _require_columns, _rows, _term, _z

LOGISTIC_COLUMNS = ["visit", "model", "term", "quantity", "estimate", "ci_low", "ci_high", "p_value", "n",
                    "events", "method", "note"]
"""Columns of :func:`logistic_by_visit`."""


def logistic_by_visit(df: pd.DataFrame, *, outcome: str, exposure: str, visit: str,
                      confounders: Sequence[str] = (), exposure_reference: Any = None,
                      confidence: float = 0.95) -> pd.DataFrame:
    """Odds ratios of a binary outcome for the exposure at each visit, unadjusted and adjusted.

    Parameters
    ----------
    df : DataFrame
        Long data, one row per patient per visit. Not modified.
    outcome : str
        Binary outcome coded 0/1 (or True/False), e.g. recovery rate >= 50 %.
    exposure : str
        Numeric exposure (odds ratio per unit; 0/1 gives the two-group OR) or a group column (one OR per
        non-reference level; a numeric column is treated as groups when ``exposure_reference`` is given).
    visit : str
        Visit column; one pair of models per distinct value.
    confounders : sequence of str
        Adjustment variables of the adjusted model (non-numeric ones as indicators).
    exposure_reference : optional
        Reference level of a group exposure.
    confidence : float
        Level of the Wald confidence intervals.

    Returns
    -------
    DataFrame
        Columns :data:`LOGISTIC_COLUMNS`, one row per visit, model ("unadjusted"/"adjusted") and exposure
        term: visit, model, term, quantity ("odds ratio"), estimate, ci_low, ci_high, p_value, n, events,
        method, note (separation, non-convergence or < 10 events per parameter; empty when none).

    Raises
    ------
    InputError
        Missing columns, empty visits or outcome values other than 0/1.

    Notes
    -----
    :math:`\\operatorname{logit} P(y=1) = \\alpha + \\beta x (+ \\gamma^T c)` by maximum likelihood
    (statsmodels ``Logit``); OR :math:`e^{\\beta}` with Wald CI :math:`e^{\\beta \\pm z\\,SE}` as R's
    ``confint.default`` (R's ``confint`` on a glm profiles the likelihood: slightly different in small
    samples). At each visit both models use the same rows (complete in all variables), so their
    difference reflects adjustment only. Patients lost to follow-up are absent from later visits: these
    analyses are complete-case and unbiased only if drop-out is unrelated to the outcome.
    """
    confounders = list(confounders)
    _require_columns(df, [outcome, exposure, visit, *confounders])
    invalid = df[outcome].notna() & ~df[outcome].isin([0, 1, True, False])
    if invalid.any() or df[outcome].isna().all():
        raise InputError(f"column '{outcome}' must be coded 0/1 (1 = event); rows {_rows(invalid)} have other "
                         "values. Recode it, e.g. (recovery_rate >= 50).astype(int).")
    if df[visit].isna().any():
        raise InputError(f"column '{visit}' is empty in rows {_rows(df[visit].isna())}; fill it in.")
    work = df[list(dict.fromkeys([visit, outcome, exposure, *confounders]))].dropna().copy()
    work[outcome] = work[outcome].astype(int)
    if not pd.api.types.is_numeric_dtype(work[exposure]) or exposure_reference is not None:
        work[exposure] = pd.Categorical(work[exposure],
                                        categories=_ordered_levels(work[exposure], exposure_reference, exposure))
        exposure_term = f"C({_quote(exposure)})"
        is_exposure = lambda term: term.startswith(exposure_term + "[")  # noqa: E731
    else:
        exposure_term = _quote(exposure)
        is_exposure = lambda term: term == exposure_term  # noqa: E731
    adjust = "".join(f" + {_term(work, c)}" for c in confounders)
    z, rows = _z(confidence), []
    for time in sorted(work[visit].unique()):
        at_visit = work[work[visit] == time]
        n, events = len(at_visit), int(at_visit[outcome].sum())
        for label, formula in (("unadjusted", f"{_quote(outcome)} ~ {exposure_term}"),
                               ("adjusted", f"{_quote(outcome)} ~ {exposure_term}{adjust}")):
            if label == "adjusted" and not confounders:
                continue
            common = {"visit": time, "model": label, "quantity": "odds ratio", "n": n, "events": events}
            if events in (0, n):
                warnings.warn(f"visit {time}: {events} events in {n} patients; no odds ratio.", stacklevel=2)
                rows.append({**common, "term": exposure, "method": "not estimable",
                             "note": "no events or no non-events at this visit"})
                continue
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                fit = smf.logit(formula, data=at_visit).fit(disp=0, maxiter=200)
            notes = []
            if any("separation" in str(w.message).lower() for w in caught):
                notes.append("perfect or quasi-separation: estimate unreliable (consider Firth regression)")
            if not fit.mle_retvals.get("converged", True):
                notes.append("did not converge")
            per_parameter = min(events, n - events) / (len(fit.params) - 1)
            if per_parameter < 10:
                notes.append(f"{per_parameter:.1f} events per parameter (< 10)")
            if notes:
                warnings.warn(f"visit {time}, {label} model: " + "; ".join(notes), stacklevel=2)
            method = "logistic regression (statsmodels Logit), Wald CI" + (
                f", adjusted for {', '.join(confounders)}" if label == "adjusted" else "")
            for term in filter(is_exposure, fit.params.index):
                beta, se = float(fit.params[term]), float(fit.bse[term])
                with np.errstate(over="ignore"):
                    odds_ratio, low, high = np.exp([beta, beta - z * se, beta + z * se])
                rows.append({**common, "term": term, "estimate": odds_ratio, "ci_low": low, "ci_high": high,
                             "p_value": float(fit.pvalues[term]), "method": method, "note": "; ".join(notes)})
    return pd.DataFrame(rows, columns=LOGISTIC_COLUMNS)


# --------------------------------------------------------------------- mean differences by visit
MEAN_DIFFERENCE_COLUMNS = ["visit", "contrast", "estimate", "standard_error", "ci_low", "ci_high", "p_value",
                           "n_observed", "method"]
"""Columns of :func:`mean_difference_by_visit`."""


def mean_difference_by_visit(trajectory: TrajectoryResult, *, exposure: str, visit: str,
                             confidence: float = 0.95) -> pd.DataFrame:
    """Model-estimated difference between exposure groups at each visit, from a mixed-model fit.

    Parameters
    ----------
    trajectory : TrajectoryResult
        The result of :func:`helpers.longitudinal.fit_trajectory_models` (its kept model is used).
    exposure, visit : str
        The exposure and visit columns given to that fit.
    confidence : float
        Level of the Wald confidence intervals.

    Returns
    -------
    DataFrame
        Columns :data:`MEAN_DIFFERENCE_COLUMNS`, one row per visit and non-reference group: visit,
        contrast ("<group> - <reference>"), estimate, standard_error, ci_low, ci_high, p_value (Wald z),
        n_observed (patients with the outcome at that visit, both groups), method.

    Raises
    ------
    InputError
        When ``exposure`` or ``visit`` is not a column of the fitted model's data.

    Notes
    -----
    The difference at visit :math:`v` is :math:`c_v^T\\hat\\beta`, with :math:`c_v` the difference of the
    two design rows (group set to each level, visit to :math:`v`, covariates equal, so they cancel), and
    variance :math:`c_v^T \\hat V c_v`. It equals the difference of the two estimated means of
    :func:`~helpers.longitudinal.fit_trajectory_models` (the model has no exposure x covariate terms) but
    with the correct standard error, which the two means' own intervals do not give (they are correlated).
    At the reference visit it is the exposure's main-effect coefficient. Wald z (emmeans would use
    Kenward-Roger degrees of freedom).
    """
    fit = trajectory.model
    frame = fit.frame
    _require_columns(frame, [exposure, visit])
    spec = fit.design_info
    names = list(fit.estimates.index)
    beta = fit.estimates.to_numpy(dtype=float)
    covariance = trajectory.model.fixed_effects_covariance.loc[names, names].to_numpy(dtype=float)
    levels, visits = list(trajectory.exposure_levels), list(trajectory.visits)
    reference = levels[0]
    z = _z(confidence)
    observed = frame.groupby(visit, observed=False).size()
    rows = []
    for level in levels[1:]:
        grid = pd.concat([frame.iloc[[0]]] * (2 * len(visits)), ignore_index=True)
        grid[visit] = pd.Categorical(visits * 2, categories=visits)
        grid[exposure] = pd.Categorical([level] * len(visits) + [reference] * len(visits), categories=levels)
        design = patsy.build_design_matrices([spec], grid, return_type="dataframe")[0][names].to_numpy(dtype=float)
        contrasts = design[: len(visits)] - design[len(visits):]
        for time, contrast in zip(visits, contrasts):
            estimate = float(contrast @ beta)
            standard_error = float(np.sqrt(contrast @ covariance @ contrast))
            rows.append({"visit": time, "contrast": f"{level} - {reference}", "estimate": estimate,
                         "standard_error": standard_error, "ci_low": estimate - z * standard_error,
                         "ci_high": estimate + z * standard_error,
                         "p_value": float(2.0 * stats.norm.sf(abs(estimate / standard_error))),
                         "n_observed": int(observed.get(time, 0)),
                         "method": f"difference of model-estimated means ({trajectory.random_effects} mixed "
                                   f"model), Wald z {confidence:.0%} CI"})
    return pd.DataFrame(rows, columns=MEAN_DIFFERENCE_COLUMNS)
