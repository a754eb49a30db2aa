"""Repeated measures after surgery: trajectory models of a score by exposure group over visits (linear
mixed models), mean differences and odds ratios visit by visit.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd
import patsy
from scipy import stats

from helpers.stats.design import EPV_THRESHOLD
from helpers.stats.logistic import LogisticResult, logistic_regression
from helpers.stats.mixed_models import (
    MixedModelResult,
    fit_mixed_model,
    formula_name,
    ordered_levels,
    wald_test,
)
from helpers.validation.checks import check_level, require_columns, rows_label, z_quantile
from helpers.validation.errors import InputError
from helpers.validation.estimable import NotEstimable

VISIT_UNITS_PER_YEAR = {"years": 1.0, "months": 12.0, "weeks": 365.25 / 7.0, "days": 365.25}

# ----------------------------------------------------------------------------- trajectory analysis


@dataclass(frozen=True)
class _LongData:
    frame: pd.DataFrame  # model rows; visit and exposure as ordered categories
    formula: str
    reduced_formula: str  # without the visit x exposure interaction
    visits: tuple
    exposure_levels: tuple  # reference first
    time_column: str  # visit time in years
    baseline: pd.DataFrame  # one row per patient (first visit): confounder values for estimated means


def prepare_long(df: pd.DataFrame, *, outcome: str, exposure: str, visit: str, subject: str,
                  confounders: Sequence[str], exposure_reference: Any, visit_unit: str) -> _LongData:
    confounders = list(confounders)
    require_columns(df, [outcome, exposure, visit, subject, *confounders])
    if visit_unit not in VISIT_UNITS_PER_YEAR:
        raise InputError(f"visit_unit={visit_unit!r} is not one of {sorted(VISIT_UNITS_PER_YEAR)}.")
    for column in (subject, visit):
        if df[column].isna().any():
            raise InputError(f"column '{column}' is empty in rows {rows_label(df[column].isna())}; fill it in or "
                             "drop those rows.")
    if not pd.api.types.is_numeric_dtype(df[visit]):
        raise InputError(f"column '{visit}' must be numeric time since surgery (e.g. months: 0, 3, 12, 60); "
                         "recode labels such as 'pre-op' to 0.")
    if not pd.api.types.is_numeric_dtype(df[outcome]):
        raise InputError(f"column '{outcome}' (the outcome) must be numeric.")
    duplicated = df.duplicated([subject, visit], keep=False)
    if duplicated.any():
        raise InputError(f"patients appear more than once at the same visit ('{subject}' x '{visit}') in rows "
                         f"{rows_label(duplicated)}; keep one row per patient per visit.")
    work = df[list(dict.fromkeys([subject, visit, outcome, exposure, *confounders]))].copy()
    incomplete = work[[exposure, *confounders]].isna().any(axis=1)
    if incomplete.any():
        warnings.warn(f"{int(incomplete.sum())} row(s) with missing '{exposure}' or confounders "
                      f"(rows {rows_label(incomplete)}) were dropped (complete-case analysis).", stacklevel=3)
    work = work[~incomplete & work[outcome].notna()]
    patient = pd.factorize(work[subject], sort=True)[0]  # codes in the order of the sorted identifiers
    by_patient = np.argsort(patient, kind="stable")
    same_patient = patient[by_patient][1:] == patient[by_patient][:-1]
    for column in [exposure, *confounders]:  # complete here: a change between a patient's rows is a new value
        values = pd.factorize(work[column])[0][by_patient]
        if np.any(same_patient & (values[1:] != values[:-1])):
            warnings.warn(f"'{column}' changes within patients; it is used as a time-varying covariate.",
                          stacklevel=3)
    for column in confounders:  # a valid cohort (every patient female) the model cannot be adjusted in
        if work[column].nunique() == 1:
            value = work[column].iloc[0]
            value = value.item() if hasattr(value, "item") else value
            raise NotEstimable(f"the confounder '{column}' has a single value ({value!r}) for every patient "
                               "analysed, so the model cannot be adjusted for it (it confounds nothing here: "
                               "leave it out of the adjustment set to fit the model without it)")
    visits = tuple(sorted(work[visit].unique()))
    levels = ordered_levels(work[exposure], exposure_reference, exposure)
    if len(visits) < 2 or len(levels) < 2:
        raise InputError(f"need at least two visits and two exposure groups with outcomes; found visits "
                         f"{list(visits)} and groups {levels} in '{visit}' and '{exposure}'.")
    # Text columns become pandas categories and enter the formula bare (patsy dummy-codes categories, so
    # "visit_month[T.3]"), not wrapped in C(): patsy 1.0 codes C(<pandas category>) with a Python loop per
    # row (pydata/patsy#97), which dominated the fit on registry-sized data.
    for column in confounders:
        if not pd.api.types.is_numeric_dtype(work[column]) and not isinstance(work[column].dtype, pd.CategoricalDtype):
            work[column] = pd.Categorical(work[column], categories=sorted(work[column].unique()))
    extra = "".join(f" + {formula_name(c)}" for c in confounders)
    work[visit] = pd.Categorical(work[visit], categories=list(visits))
    work[exposure] = pd.Categorical(work[exposure], categories=levels)
    time_column = "visit_years"
    while time_column in work.columns:
        time_column = "_" + time_column
    work[time_column] = work[visit].astype(float) / VISIT_UNITS_PER_YEAR[visit_unit]
    y, v, e = formula_name(outcome), formula_name(visit), formula_name(exposure)
    # Each patient's first visit (the rows of work.sort_values([subject, visit]).drop_duplicates(subject)),
    # sorted on integer codes rather than on the identifiers themselves.
    first = np.lexsort((work[visit].cat.codes.to_numpy(), patient))
    first = first[np.r_[True, patient[first][1:] != patient[first][:-1]]]
    return _LongData(work, f"{y} ~ {v} * {e}{extra}", f"{y} ~ {v} + {e}{extra}", visits, tuple(levels),
                     time_column, work.iloc[first])


def estimated_means(data: _LongData, *, model_spec: Any, params: pd.Series, covariance: pd.DataFrame,
                     visit: str, exposure: str, outcome: str, level: float) -> pd.DataFrame:
    """Model means by group and visit, averaging the design rows of all patients (= at mean covariates).

    The design of the mean model has columns of terms in the visit and the exposure only (the same in every
    patient's row: 0/1 indicators and the intercept) and columns of the confounders (which do not depend
    on the visit or the group): the patients' design is built and averaged once, and each group and visit
    only sets the first kind. A term crossing the visit or the exposure with a confounder would make the
    patients' rows depend on both; the design is then built for every group and visit.
    """
    z, beta = z_quantile(level), params.to_numpy(dtype=float)
    names = list(params.index)
    sigma = covariance.loc[names, names].to_numpy(dtype=float)
    observed = data.frame.groupby([exposure, visit], observed=False)[outcome].agg(["size", "mean"])
    years = data.frame.groupby(visit, observed=False)[data.time_column].first()
    cell_factors = {patsy.EvalFactor(formula_name(column)).name() for column in (visit, exposure)}
    kinds = {}  # column -> "cell" (visit and exposure only), "patient" (neither) or "both"
    for term, columns in model_spec.term_slices.items():
        factors = {factor.name() for factor in term.factors}
        kind = "cell" if factors <= cell_factors else "patient" if not factors & cell_factors else "both"
        for column in model_spec.column_names[columns]:
            kinds[column] = kind
    per_cell = any(kinds[name] == "both" for name in names)

    def design(rows: pd.DataFrame, exposure_level: Any, time: Any) -> pd.DataFrame:
        grid = rows.copy()
        grid[visit] = pd.Categorical.from_codes(np.full(len(grid), list(data.visits).index(time)),
                                                categories=list(data.visits))
        grid[exposure] = pd.Categorical.from_codes(np.full(len(grid), list(data.exposure_levels).index(exposure_level)),
                                                   categories=list(data.exposure_levels))
        return patsy.build_design_matrices([model_spec], grid, return_type="dataframe")[0][names]

    patient_means = None if per_cell else design(data.baseline, data.exposure_levels[0], data.visits[0]).mean(axis=0)
    from_cell = np.array([kinds[name] == "cell" for name in names])
    rows = []
    for exposure_level in data.exposure_levels:
        for time in data.visits:
            if per_cell:
                x = design(data.baseline, exposure_level, time).mean(axis=0).to_numpy(dtype=float)
            else:
                x = np.where(from_cell, design(data.baseline.iloc[:1], exposure_level, time).iloc[0].to_numpy(dtype=float),
                             patient_means.to_numpy(dtype=float))
            estimate, standard_error = float(x @ beta), float(np.sqrt(x @ sigma @ x))
            rows.append({"exposure": exposure_level, "visit": time, "visit_years": float(years[time]),
                         "estimate": estimate, "standard_error": standard_error,
                         "ci_low": estimate - z * standard_error, "ci_high": estimate + z * standard_error,
                         "n_observed": int(observed.loc[(exposure_level, time), "size"]),
                         "observed_mean": float(observed.loc[(exposure_level, time), "mean"])})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class TrajectoryResult:
    """Group-by-visit mixed-model analysis (see :func:`fit_trajectory_models`)."""

    model: MixedModelResult
    intercept_model: MixedModelResult
    slope_model: MixedModelResult | None
    random_effects: str
    random_effects_reason: str
    slope_test: pd.DataFrame
    interaction_test: pd.DataFrame
    estimated_means: pd.DataFrame
    formula: str
    visits: tuple
    exposure_levels: tuple
    n_subjects: int
    n_observations: int


def _choose_random_slope(intercept: MixedModelResult, slope: MixedModelResult | None, mode: str,
                         alpha: float) -> tuple[MixedModelResult, str, pd.DataFrame]:
    """(kept model, reason, slope test) following the rule of :func:`fit_trajectory_models`."""
    if slope is None:
        return intercept, "random slope dropped: the model could not be fitted by any optimiser.", pd.DataFrame()
    statistic = max(0.0, 2.0 * (slope.log_likelihood - intercept.log_likelihood))
    p_value = float(0.5 * stats.chi2.sf(statistic, 1) + 0.5 * stats.chi2.sf(statistic, 2))
    table = pd.DataFrame([{"test": "random slope", "statistic": statistic, "df": "1 and 2 (50:50 mixture)",
                           "p_value": p_value, "method": "REML likelihood-ratio test, same fixed effects; "
                           "p from a 50:50 mixture of chi2(1) and chi2(2) (Self and Liang 1987)"}])
    test = f"REML LR chi2 = {statistic:.2f}, mixture p = {p_value:.3g}"
    if mode == "always":
        return slope, "random slope requested (random_slope='always').", table
    if not slope.converged:
        tried = ", ".join(slope.attempts["optimizer"])
        return intercept, f"random slope dropped: the model did not converge with any optimiser ({tried}).", table
    if slope.singular:
        return intercept, "random slope dropped: the fit is singular (slope variance ~0 or correlation +-1).", table
    if p_value >= alpha:
        return intercept, f"random slope dropped: it did not improve the fit ({test} >= {alpha}).", table
    return slope, f"random slope kept: converged ({slope.optimizer}), not singular, improved the fit ({test}).", table


def fit_trajectory_models(df: pd.DataFrame, *, outcome: str, exposure: str, visit: str, subject: str,
                          confounders: Sequence[str] = (), random_slope: str = "try",
                          interaction_test: str = "wald", exposure_reference: Any = None,
                          visit_unit: str = "months", slope_alpha: float = 0.05,
                          level: float = 0.95) -> TrajectoryResult:
    """Compare outcome trajectories between exposure groups with a linear mixed model.

    Parameters
    ----------
    df : DataFrame
        Long data: one row per patient per attended visit (missed visits absent or with an empty
        outcome). Not modified.
    outcome : str
        Numeric outcome (e.g. JOA score, ODI).
    exposure : str
        Exposure group (e.g. high vs low multifidus fat); reference: ``exposure_reference`` or the
        first sorted value.
    visit : str
        Numeric time since surgery (e.g. months, 0 = before surgery); the visits are its distinct values.
    subject : str
        Patient identifier.
    confounders : sequence of str
        Adjustment variables (numeric: linear; text or category: indicator terms).
    random_slope : {"try", "always", "never"}
        "try": add a random slope on visit time in years and keep it only if that model converges, is
        not singular and improves the fit at ``slope_alpha``.
    interaction_test : {"wald", "lrt"}
        Joint test of the visit x exposure terms: Wald chi-squared on the REML fit, or likelihood-ratio
        test of ML refits with and without them.
    exposure_reference : optional
        Reference exposure group.
    visit_unit : {"months", "years", "weeks", "days"}
        Unit of ``visit``, to express the random slope per year.
    slope_alpha, level : float
        Level of the random-slope test; confidence level of the intervals.

    Returns
    -------
    TrajectoryResult
        ``model`` (the kept :class:`MixedModelResult`), ``intercept_model``, ``slope_model`` (or None),
        ``random_effects`` ("intercept" or "intercept + slope") and ``random_effects_reason`` (text),
        ``slope_test`` and ``interaction_test`` (test, statistic, df, p_value, method),
        ``estimated_means`` (exposure, visit, visit_years, estimate, standard_error, ci_low, ci_high,
        n_observed, observed_mean), ``formula``, ``visits``, ``exposure_levels``, ``n_subjects``,
        ``n_observations``.

    Raises
    ------
    InputError
        Missing columns, empty identifiers or visits, non-numeric outcome or visit, duplicate visits.

    Notes
    -----
    :math:`E[y_{ij}] = \\beta_0 + \\text{visit}_j + \\text{group}_i + (\\text{visit}\\times
    \\text{group})_{ij} + \\gamma^T c_i`, visits as categories (no shape imposed), random intercept per
    patient. The random slope is judged by a REML likelihood-ratio test (same fixed effects); its null
    puts a variance on the boundary, hence the 50:50 chi-squared mixture (Verbeke and Molenberghs 2000,
    6.3). Mixed models use every observed visit and are valid under missing at random; per-visit or
    complete-case analyses are not. Estimated means: :math:`\\bar x^T\\hat\\beta`, variance
    :math:`\\bar x^T \\hat V \\bar x`, :math:`\\bar x` the average design row of all patients (covariates
    from their first visit) with group and visit set, i.e. numeric confounders at their mean and
    categorical ones at their sample proportions. Wald z CIs (emmeans would use Kenward-Roger df).
    """
    if random_slope not in ("try", "always", "never"):
        raise InputError(f"random_slope={random_slope!r}; use 'try', 'always' or 'never'.")
    if interaction_test not in ("wald", "lrt"):
        raise InputError(f"interaction_test={interaction_test!r}; use 'wald' or 'lrt'.")
    data = prepare_long(df, outcome=outcome, exposure=exposure, visit=visit, subject=subject,
                         confounders=confounders, exposure_reference=exposure_reference, visit_unit=visit_unit)
    work = data.frame
    intercept = fit_mixed_model(work, formula=data.formula, group=subject, level=level)
    chosen, slope = intercept, None
    reason, slope_table = "random slope not requested (random_slope='never').", pd.DataFrame()
    if random_slope != "never":
        with warnings.catch_warnings(record=True) as caught:  # in "try" mode the reason text reports problems
            warnings.simplefilter("always")
            try:
                slope = fit_mixed_model(work, formula=data.formula, group=subject,
                                        re_formula=f"~{data.time_column}", level=level)
            except RuntimeError:
                if random_slope == "always":
                    raise
        chosen, reason, slope_table = _choose_random_slope(intercept, slope, random_slope, slope_alpha)
        for caught_warning in caught if random_slope == "always" else []:
            warnings.warn(str(caught_warning.message), stacklevel=2)
    if interaction_test == "wald":
        test_table = wald_test(chosen.estimates, chosen.fixed_effects_covariance, "Wald chi-squared test of all visit x exposure terms (REML fit)")
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            full, reduced = (fit_mixed_model(work, formula=formula, group=subject, re_formula=chosen.re_formula,
                                             reml=False) for formula in (data.formula, data.reduced_formula))
        statistic = max(0.0, 2.0 * (full.log_likelihood - reduced.log_likelihood))
        df_test = int(sum(":" in name for name in chosen.fixed_effects["term"]))
        test_table = pd.DataFrame([{
            "test": "visit x exposure", "statistic": statistic, "df": df_test,
            "p_value": float(stats.chi2.sf(statistic, df_test)),
            "method": "likelihood-ratio test of ML fits with and without the visit x exposure terms"}])
    means = estimated_means(data, model_spec=chosen.design_info, params=chosen.estimates,
                             covariance=chosen.fixed_effects_covariance, visit=visit, exposure=exposure,
                             outcome=outcome, level=level)
    return TrajectoryResult(
        model=chosen, intercept_model=intercept, slope_model=slope,
        random_effects="intercept + slope" if chosen is slope else "intercept",
        random_effects_reason=reason, slope_test=slope_table, interaction_test=test_table,
        estimated_means=means, formula=data.formula, visits=data.visits, exposure_levels=data.exposure_levels,
        n_subjects=int(work[subject].nunique()), n_observations=len(work))


LOGISTIC_BY_VISIT_COLUMNS = ["visit", "model", "term", "quantity", "estimate", "ci_low", "ci_high", "p_value",
                             "n", "n_events", "method", "note"]
"""Columns of :func:`logistic_by_visit`."""


def _fit_notes(result: LogisticResult) -> list[str]:
    """Problems of one fitted model, as short notes for a table."""
    notes = []
    if result.separation != "none":
        notes.append(f"{result.separation} separation: estimate unreliable (consider Firth regression)")
    elif not result.converged:
        notes.append("did not converge")
    if result.events_per_variable < EPV_THRESHOLD:
        notes.append(f"{result.events_per_variable:.1f} events per variable (< {EPV_THRESHOLD})")
    return notes


def logistic_by_visit(df: pd.DataFrame, *, outcome: str, exposure: str, visit: str,
                      confounders: Sequence[str] = (), exposure_reference: Any = None,
                      level: float = 0.95, models: Sequence[str] = ("unadjusted", "adjusted")) -> pd.DataFrame:
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
        Reference level of a group exposure (default: the first in sorted order).
    level : float
        Confidence level of the Wald intervals.
    models : sequence of {"unadjusted", "adjusted"}
        The models to fit at each visit (the adjusted one only with confounders).

    Returns
    -------
    DataFrame
        Columns :data:`LOGISTIC_BY_VISIT_COLUMNS`, one row per visit, model ("unadjusted"/"adjusted") and
        exposure term: visit, model, term (``exposure`` or ``exposure[T.level]``), quantity ("odds
        ratio"), estimate, ci_low, ci_high, p_value, n, n_events, method, note (separation,
        non-convergence or < 10 events per variable; empty when none).

    Raises
    ------
    InputError
        Missing columns, empty visits or outcome values other than 0/1.

    Warns
    -----
    UserWarning
        Per visit and model, the problems written in ``note``; a visit without events or non-events, or
        where a model cannot be set up (e.g. a confounder with one value), gets a "not estimable" row.

    Notes
    -----
    :math:`\\operatorname{logit} P(y=1) = \\alpha + \\beta x (+ \\gamma^T c)` by maximum likelihood, one
    :func:`helpers.stats.logistic.logistic_regression` per visit and model (its separation check and
    events-per-variable rule fill ``note``); OR :math:`e^{\\beta}` with Wald CI
    :math:`e^{\\beta \\pm z\\,SE}` as R's ``confint.default`` (R's ``confint`` on a glm profiles the
    likelihood: slightly different in small samples). At each visit both models use the same rows
    (complete in all variables), so their difference reflects adjustment only. Patients lost to
    follow-up are absent from later visits: these analyses are complete-case and unbiased only if
    drop-out is unrelated to the outcome.
    """
    confounders = list(confounders)
    require_columns(df, [outcome, exposure, visit, *confounders])
    check_level(level)
    unknown = [model for model in models if model not in ("unadjusted", "adjusted")]
    if unknown or not len(models) or isinstance(models, str):
        raise InputError(f"models={models!r}: give one or both of 'unadjusted' and 'adjusted'.")
    invalid = df[outcome].notna() & ~df[outcome].isin([0, 1, True, False])
    if invalid.any() or df[outcome].isna().all():
        raise InputError(f"column '{outcome}' must be coded 0/1 (1 = event); rows {rows_label(invalid)} have other "
                         "values. Recode it, e.g. (recovery_rate >= 50).astype(int).")
    if df[visit].isna().any():
        raise InputError(f"column '{visit}' is empty in rows {rows_label(df[visit].isna())}; fill it in.")
    work = df[list(dict.fromkeys([visit, outcome, exposure, *confounders]))].dropna().copy()
    work[outcome] = work[outcome].astype(int)
    if not pd.api.types.is_numeric_dtype(work[exposure]) or exposure_reference is not None:
        work[exposure] = pd.Categorical(work[exposure],
                                        categories=ordered_levels(work[exposure], exposure_reference, exposure))
    rows = []
    for time in sorted(work[visit].unique()):
        at_visit = work[work[visit] == time]
        n, n_events = len(at_visit), int(at_visit[outcome].sum())
        for label, predictors in (("unadjusted", [exposure]), ("adjusted", [exposure, *confounders])):
            if (label == "adjusted" and not confounders) or label not in models:
                continue
            common = {"visit": time, "model": label, "quantity": "odds ratio", "n": n, "n_events": n_events}
            if n_events in (0, n):
                warnings.warn(f"visit {time}: {n_events} events in {n} patients; no odds ratio.", stacklevel=2)
                rows.append({**common, "term": exposure, "method": "not estimable",
                             "note": "no events or no non-events at this visit"})
                continue
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # the problems are read from the result into the note
                    result = logistic_regression(at_visit, outcome=outcome, predictors=predictors, level=level)
            except InputError as error:
                warnings.warn(f"visit {time}, {label} model: not estimable: {error}", stacklevel=2)
                rows.append({**common, "term": exposure, "method": "not estimable", "note": str(error)})
                continue
            notes = _fit_notes(result)
            if notes:
                warnings.warn(f"visit {time}, {label} model: " + "; ".join(notes), stacklevel=2)
            method = "logistic regression (maximum likelihood), Wald CI" + (
                f", adjusted for {', '.join(confounders)}" if label == "adjusted" else "")
            for term in result.table[result.table["variable"] == exposure].itertuples():
                rows.append({**common, "term": term.term, "estimate": term.odds_ratio, "ci_low": term.ci_low,
                             "ci_high": term.ci_high, "p_value": term.p_value, "method": method,
                             "note": "; ".join(notes)})
    return pd.DataFrame(rows, columns=LOGISTIC_BY_VISIT_COLUMNS)


# --------------------------------------------------------------------- mean differences by visit
MEAN_DIFFERENCE_COLUMNS = ["visit", "contrast", "estimate", "standard_error", "ci_low", "ci_high", "p_value",
                           "n_observed", "method"]
"""Columns of :func:`mean_difference_by_visit`."""


def mean_difference_by_visit(trajectory: TrajectoryResult, *, exposure: str, visit: str,
                             level: float = 0.95) -> pd.DataFrame:
    """Model-estimated difference between exposure groups at each visit, from a mixed-model fit.

    Parameters
    ----------
    trajectory : TrajectoryResult
        The result of :func:`helpers.stats.longitudinal.fit_trajectory_models` (its kept model is used).
    exposure, visit : str
        The exposure and visit columns given to that fit.
    level : float
        Confidence level of the Wald intervals.

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
    :func:`~helpers.stats.longitudinal.fit_trajectory_models` (the model has no exposure x covariate terms) but
    with the correct standard error, which the two means' own intervals do not give (they are correlated).
    At the reference visit it is the exposure's main-effect coefficient. Wald z (emmeans would use
    Kenward-Roger degrees of freedom).
    """
    fit = trajectory.model
    frame = fit.frame
    require_columns(frame, [exposure, visit])
    spec = fit.design_info
    names = list(fit.estimates.index)
    beta = fit.estimates.to_numpy(dtype=float)
    covariance = trajectory.model.fixed_effects_covariance.loc[names, names].to_numpy(dtype=float)
    levels, visits = list(trajectory.exposure_levels), list(trajectory.visits)
    reference = levels[0]
    z = z_quantile(level)
    observed = frame.groupby(visit, observed=False).size()
    rows = []
    for exposure_level in levels[1:]:
        grid = pd.concat([frame.iloc[[0]]] * (2 * len(visits)), ignore_index=True)
        grid[visit] = pd.Categorical(visits * 2, categories=visits)
        grid[exposure] = pd.Categorical([exposure_level] * len(visits) + [reference] * len(visits),
                                        categories=levels)
        design = patsy.build_design_matrices([spec], grid, return_type="dataframe")[0][names].to_numpy(dtype=float)
        contrasts = design[: len(visits)] - design[len(visits):]
        for time, contrast in zip(visits, contrasts):
            estimate = float(contrast @ beta)
            standard_error = float(np.sqrt(contrast @ covariance @ contrast))
            rows.append({"visit": time, "contrast": f"{exposure_level} - {reference}", "estimate": estimate,
                         "standard_error": standard_error, "ci_low": estimate - z * standard_error,
                         "ci_high": estimate + z * standard_error,
                         "p_value": float(2.0 * stats.norm.sf(abs(estimate / standard_error))),
                         "n_observed": int(observed.get(time, 0)),
                         "method": f"difference of model-estimated means ({trajectory.random_effects} mixed "
                                   f"model), Wald z {level:.0%} CI"})
    return pd.DataFrame(rows, columns=MEAN_DIFFERENCE_COLUMNS)
