"""Repeated measures after surgery: linear mixed models and GEE.

Long data in: one row per patient per visit, with drop-out (later visits missing). Chapter question: does
paraspinal intramuscular fat before lumbar decompression change the 5-year recovery trajectory?
:func:`fit_trajectory_models` answers with a linear mixed model (valid under missing at random),
:func:`gee_sensitivity` refits the same mean model by GEE (needs missing completely at random). Binary
outcomes visit by visit (:func:`helpers.visits.logistic_by_visit`) live in :mod:`helpers.visits`.
"""

from __future__ import annotations

import keyword
import warnings
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd
import patsy
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import linalg, stats

from helpers.io import InputError
from helpers.mixed_models import OPTIMIZERS, fit_profiled


SINGULAR_TOLERANCE = 1e-4
"""Singular fit: a diagonal element of the relative covariance factor below this (lme4's ``isSingular``)."""

VISIT_UNITS_PER_YEAR = {"years": 1.0, "months": 12.0, "weeks": 365.25 / 7.0, "days": 365.25}


def _quote(name: str) -> str:
    """A column name as a formula term (patsy ``Q()`` when it is not a plain identifier)."""
    return name if name.isidentifier() and not keyword.iskeyword(name) else f'Q("{name}")'


def _term(df: pd.DataFrame, name: str) -> str:
    """Formula term of a covariate: numeric columns linear, others as indicator variables."""
    return _quote(name) if pd.api.types.is_numeric_dtype(df[name]) else f"C({_quote(name)})"


def _require_columns(df: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [column for column in columns if column not in df.columns]
    if missing:
        raise InputError(f"column(s) {missing} not found; the table has {list(df.columns)}. "
                         "Rename the columns or pass the right names.")


def _rows(mask: pd.Series, limit: int = 5) -> str:
    index, more = list(mask[mask].index[:limit]), int(mask.sum()) - limit
    return f"{index}" + (f" and {more} more" if more > 0 else "")


def _ordered_levels(values: pd.Series, reference: Any, column: str) -> list:
    levels = sorted(values.unique())
    if reference is None:
        return levels
    if reference not in levels:
        raise InputError(f"reference level {reference!r} is not a value of '{column}' ({levels}).")
    return [reference] + [level for level in levels if level != reference]


def _z(confidence: float) -> float:
    return float(stats.norm.ppf(0.5 + confidence / 2.0))


def _tidy(terms: Sequence[str], estimate: Any, standard_error: Any, confidence: float) -> pd.DataFrame:
    """term, estimate, standard_error, statistic (z), ci_low, ci_high, p_value (Wald, normal)."""
    estimate, standard_error = np.asarray(estimate, dtype=float), np.asarray(standard_error, dtype=float)
    statistic, z = estimate / standard_error, _z(confidence)
    return pd.DataFrame({"term": list(terms), "estimate": estimate, "standard_error": standard_error,
                         "statistic": statistic, "ci_low": estimate - z * standard_error,
                         "ci_high": estimate + z * standard_error,
                         "p_value": 2.0 * stats.norm.sf(np.abs(statistic))})


def _wald_interaction(estimates: pd.Series, covariance: pd.DataFrame, method: str) -> pd.DataFrame:
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


def _require_full_rank(design: pd.DataFrame) -> None:
    """InputError naming the fixed-effect terms the data cannot estimate (aliased columns)."""
    values = design.to_numpy(dtype=float)
    rank = int(np.linalg.matrix_rank(values))
    if rank < values.shape[1]:
        pivots = linalg.qr(values, mode="r", pivoting=True)[1]
        aliased = [design.columns[j] for j in sorted(pivots[rank:])]
        raise InputError(f"the model's terms {aliased} cannot be estimated from these data (for example a visit "
                         "at which one group has no patients with the outcome, or a covariate with one value); "
                         "drop those visits, merge groups or remove the covariate.")


def fit_mixed_model(df: pd.DataFrame, *, formula: str, group: str, re_formula: str | None = None,
                    reml: bool = True, optimizers: Sequence[str] = OPTIMIZERS,
                    confidence: float = 0.95) -> MixedModelResult:
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
    confidence : float
        Level of the Wald confidence intervals.

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
    (:func:`helpers.mixed_models.fit_profiled`, vectorised over patients so registry-sized data fit in
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
    _require_columns(df, [group])
    if df[group].isna().any():
        raise InputError(f"column '{group}' (the grouping column) is empty in rows {_rows(df[group].isna())}; "
                         "give every row its patient identifier.")
    outcome, design = patsy.dmatrices(formula, df, return_type="dataframe", NA_action="drop")
    random = patsy.dmatrix(re_formula or "~1", df, return_type="dataframe", NA_action="drop")
    used = outcome.index.intersection(random.index)
    if len(df) > len(used):
        warnings.warn(f"{len(df) - len(used)} row(s) with missing values in the model variables were dropped.",
                      stacklevel=2)
    _require_full_rank(design.loc[used])
    result = fit_profiled(outcome.loc[used].to_numpy()[:, 0], design.loc[used].to_numpy(),
                          random.loc[used].to_numpy(), df.loc[used, group].to_numpy(), reml=reml,
                          optimizers=optimizers)
    if not result.converged:
        warnings.warn(f"the mixed model did not converge with any optimiser ({list(optimizers)}); the reported "
                      f"fit ({result.optimizer}) has the highest log-likelihood. Do not report it as is.",
                      stacklevel=2)
    names = ["(Intercept)" if np.allclose(random.loc[used, label], 1.0) else str(label) for label in random.columns]
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
        fixed_effects=_tidy(terms, result.beta, np.sqrt(np.diag(result.beta_covariance)), confidence),
        random_effects=pd.DataFrame({"term": names, "variance": np.diag(cov_re), "sd": sd}),
        random_correlation=correlation, residual_sd=float(np.sqrt(result.residual_variance)),
        log_likelihood=result.log_likelihood,
        reml_criterion=-2.0 * result.log_likelihood if reml else np.nan, reml=reml, converged=result.converged,
        singular=singular, optimizer=result.optimizer,
        attempts=pd.DataFrame(result.attempts, columns=["optimizer", "converged", "log_likelihood", "warnings"]),
        fixed_effects_covariance=pd.DataFrame(result.beta_covariance, index=terms, columns=terms),
        n_observations=len(used), n_groups=result.n_groups, formula=formula, re_formula=re_formula,
        method=(f"linear mixed model ({'REML' if reml else 'ML'}, lme4's profiled deviance, optimiser "
                f"{result.optimizer}); Wald z {confidence:.0%} CIs and p-values"),
        frame=df.loc[used], design_info=design.design_info)


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


def _prepare_long(df: pd.DataFrame, *, outcome: str, exposure: str, visit: str, subject: str,
                  confounders: Sequence[str], exposure_reference: Any, visit_unit: str) -> _LongData:
    confounders = list(confounders)
    _require_columns(df, [outcome, exposure, visit, subject, *confounders])
    if visit_unit not in VISIT_UNITS_PER_YEAR:
        raise InputError(f"visit_unit={visit_unit!r} is not one of {sorted(VISIT_UNITS_PER_YEAR)}.")
    for column in (subject, visit):
        if df[column].isna().any():
            raise InputError(f"column '{column}' is empty in rows {_rows(df[column].isna())}; fill it in or "
                             "drop those rows.")
    if not pd.api.types.is_numeric_dtype(df[visit]):
        raise InputError(f"column '{visit}' must be numeric time since surgery (e.g. months: 0, 3, 12, 60); "
                         "recode labels such as 'pre-op' to 0.")
    if not pd.api.types.is_numeric_dtype(df[outcome]):
        raise InputError(f"column '{outcome}' (the outcome) must be numeric.")
    duplicated = df.duplicated([subject, visit], keep=False)
    if duplicated.any():
        raise InputError(f"patients appear more than once at the same visit ('{subject}' x '{visit}') in rows "
                         f"{_rows(duplicated)}; keep one row per patient per visit.")
    work = df[list(dict.fromkeys([subject, visit, outcome, exposure, *confounders]))].copy()
    incomplete = work[[exposure, *confounders]].isna().any(axis=1)
    if incomplete.any():
        warnings.warn(f"{int(incomplete.sum())} row(s) with missing '{exposure}' or confounders "
                      f"(rows {_rows(incomplete)}) were dropped (complete-case analysis).", stacklevel=3)
    work = work[~incomplete & work[outcome].notna()]
    for column in [exposure, *confounders]:
        if (work.groupby(subject)[column].nunique() > 1).any():
            warnings.warn(f"'{column}' changes within patients; it is used as a time-varying covariate.",
                          stacklevel=3)
    visits = tuple(sorted(work[visit].unique()))
    levels = _ordered_levels(work[exposure], exposure_reference, exposure)
    if len(visits) < 2 or len(levels) < 2:
        raise InputError(f"need at least two visits and two exposure groups with outcomes; found visits "
                         f"{list(visits)} and groups {levels} in '{visit}' and '{exposure}'.")
    # Text columns become pandas categories and enter the formula bare (patsy dummy-codes categories, so
    # "visit_month[T.3]"), not wrapped in C(): patsy 1.0 codes C(<pandas category>) with a Python loop per
    # row (pydata/patsy#97), which dominated the fit on registry-sized data.
    for column in confounders:
        if not pd.api.types.is_numeric_dtype(work[column]) and not isinstance(work[column].dtype, pd.CategoricalDtype):
            work[column] = pd.Categorical(work[column], categories=sorted(work[column].unique()))
    extra = "".join(f" + {_quote(c)}" for c in confounders)
    work[visit] = pd.Categorical(work[visit], categories=list(visits))
    work[exposure] = pd.Categorical(work[exposure], categories=levels)
    time_column = "visit_years"
    while time_column in work.columns:
        time_column = "_" + time_column
    work[time_column] = work[visit].astype(float) / VISIT_UNITS_PER_YEAR[visit_unit]
    y, v, e = _quote(outcome), _quote(visit), _quote(exposure)
    return _LongData(work, f"{y} ~ {v} * {e}{extra}", f"{y} ~ {v} + {e}{extra}", visits, tuple(levels),
                     time_column, work.sort_values([subject, visit]).drop_duplicates(subject))


def _estimated_means(data: _LongData, *, model_spec: Any, params: pd.Series, covariance: pd.DataFrame,
                     visit: str, exposure: str, outcome: str, confidence: float) -> pd.DataFrame:
    """Model means by group and visit, averaging the design rows of all patients (= at mean covariates)."""
    z, beta = _z(confidence), params.to_numpy(dtype=float)
    sigma = covariance.loc[params.index, params.index].to_numpy(dtype=float)
    observed = data.frame.groupby([exposure, visit], observed=False)[outcome].agg(["size", "mean"])
    years = data.frame.groupby(visit, observed=False)[data.time_column].first()
    rows = []
    for level in data.exposure_levels:
        for time in data.visits:
            grid = data.baseline.copy()
            grid[visit] = pd.Categorical([time] * len(grid), categories=list(data.visits))
            grid[exposure] = pd.Categorical([level] * len(grid), categories=list(data.exposure_levels))
            design = patsy.build_design_matrices([model_spec], grid, return_type="dataframe")[0]
            x = design[list(params.index)].mean(axis=0).to_numpy(dtype=float)
            estimate, standard_error = float(x @ beta), float(np.sqrt(x @ sigma @ x))
            rows.append({"exposure": level, "visit": time, "visit_years": float(years[time]),
                         "estimate": estimate, "standard_error": standard_error,
                         "ci_low": estimate - z * standard_error, "ci_high": estimate + z * standard_error,
                         "n_observed": int(observed.loc[(level, time), "size"]),
                         "observed_mean": float(observed.loc[(level, time), "mean"])})
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
                          confidence: float = 0.95) -> TrajectoryResult:
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
    slope_alpha, confidence : float
        Level of the random-slope test; level of the confidence intervals.

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
    data = _prepare_long(df, outcome=outcome, exposure=exposure, visit=visit, subject=subject,
                         confounders=confounders, exposure_reference=exposure_reference, visit_unit=visit_unit)
    work = data.frame
    intercept = fit_mixed_model(work, formula=data.formula, group=subject, confidence=confidence)
    chosen, slope = intercept, None
    reason, slope_table = "random slope not requested (random_slope='never').", pd.DataFrame()
    if random_slope != "never":
        with warnings.catch_warnings(record=True) as caught:  # in "try" mode the reason text reports problems
            warnings.simplefilter("always")
            try:
                slope = fit_mixed_model(work, formula=data.formula, group=subject,
                                        re_formula=f"~{data.time_column}", confidence=confidence)
            except RuntimeError:
                if random_slope == "always":
                    raise
        chosen, reason, slope_table = _choose_random_slope(intercept, slope, random_slope, slope_alpha)
        for caught_warning in caught if random_slope == "always" else []:
            warnings.warn(str(caught_warning.message), stacklevel=2)
    if interaction_test == "wald":
        test_table = _wald_interaction(chosen.estimates, chosen.fixed_effects_covariance, "Wald chi-squared test of all visit x exposure terms (REML fit)")
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
    means = _estimated_means(data, model_spec=chosen.design_info, params=chosen.estimates,
                             covariance=chosen.fixed_effects_covariance, visit=visit, exposure=exposure,
                             outcome=outcome, confidence=confidence)
    return TrajectoryResult(
        model=chosen, intercept_model=intercept, slope_model=slope,
        random_effects="intercept + slope" if chosen is slope else "intercept",
        random_effects_reason=reason, slope_test=slope_table, interaction_test=test_table,
        estimated_means=means, formula=data.formula, visits=data.visits, exposure_levels=data.exposure_levels,
        n_subjects=int(work[subject].nunique()), n_observations=len(work))


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
                    confidence: float = 0.95) -> GEEResult:
    """Refit the mean model of :func:`fit_trajectory_models` by GEE with robust standard errors.

    Parameters
    ----------
    df, outcome, exposure, visit, subject, confounders, exposure_reference, confidence
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
    """
    if correlation not in ("exchangeable", "independence"):
        raise InputError(f"correlation={correlation!r}; use 'exchangeable' or 'independence'.")
    data = _prepare_long(df, outcome=outcome, exposure=exposure, visit=visit, subject=subject,
                         confounders=confounders, exposure_reference=exposure_reference, visit_unit="months")
    work = data.frame.sort_values([subject, visit]).reset_index(drop=True)
    structure = sm.cov_struct.Exchangeable() if correlation == "exchangeable" else sm.cov_struct.Independence()
    model = smf.gee(data.formula, groups=subject, data=work, cov_struct=structure, family=sm.families.Gaussian())
    result = model.fit()
    coefficients = _tidy(result.params.index, result.params, result.bse, confidence)
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
        interaction_test=_wald_interaction(result.params, result.cov_params(), "Wald chi-squared test of all visit x exposure terms "
                                                   "(GEE, robust covariance)"),
        estimated_means=_estimated_means(data, model_spec=model.data.model_spec, params=result.params,
                                         covariance=result.cov_params(), visit=visit, exposure=exposure,
                                         outcome=outcome, confidence=confidence),
        comparison=comparison,
        method=f"GEE (statsmodels, Gaussian, identity link, {correlation} working correlation, robust "
               "sandwich standard errors)",
        n_subjects=int(work[subject].nunique()), n_observations=len(work), fit=result)
