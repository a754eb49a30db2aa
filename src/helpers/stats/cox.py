"""Cox proportional-hazards regression and the Schoenfeld-residual test of proportional hazards.

Split from :mod:`helpers.stats.survival` (which keeps Kaplan-Meier, the log-rank test and RMST); the data
conventions are the same: one row per patient, a follow-up time (>= 0) and an event indicator 1 = event,
0 = censored. Estimates come from lifelines ``CoxPHFitter``; where lifelines' conventions differ from R's
survival package (the time transforms of the Schoenfeld test, the global test) R's are implemented here
and ``method`` says which was used.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Literal, Mapping, Sequence

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter
from lifelines.statistics import proportional_hazard_test
from scipy import stats

from helpers.stats.design import EPV_THRESHOLD, design_matrix
from helpers.stats.survival import product_limit, survival_data
from helpers.validation.checks import z_quantile
from helpers.validation.errors import InputError

COX_COLUMNS = ["term", "variable", "level", "reference", "coef", "hazard_ratio", "standard_error", "z",
               "p_value", "ci_low", "ci_high", "method"]


@dataclass(frozen=True, eq=False)
class CoxResult:
    """Fitted Cox proportional-hazards model.

    Attributes
    ----------
    table : DataFrame
        Per term: ``term``, ``variable``, ``level``, ``reference``, ``coef`` (log hazard ratio),
        ``hazard_ratio``, ``standard_error``, ``z``, ``p_value`` (Wald), ``ci_low``, ``ci_high``
        (hazard-ratio scale), ``method``.
    n, n_event, events_per_parameter, log_likelihood (partial), concordance (Harrell's C)
        Numbers.
    likelihood_ratio, likelihood_ratio_df, likelihood_ratio_p_value
        Likelihood-ratio test against the model without covariates.
    fitter : lifelines.CoxPHFitter
        The fitted lifelines model, on ``data`` (columns ``time``, ``event`` and one per term).
    """

    table: pd.DataFrame
    n: int
    n_event: int
    concordance: float
    likelihood_ratio: float
    likelihood_ratio_df: int
    likelihood_ratio_p_value: float
    log_likelihood: float
    events_per_parameter: float
    fitter: CoxPHFitter
    data: pd.DataFrame
    time: str
    event: str


def cox_model(df: pd.DataFrame, *, time: str, event: str, covariates: Sequence[str], ties: str = "efron",
              reference: Mapping[str, Any] | None = None, level: float = 0.95,
              missing: Literal["raise", "drop"] = "raise", strata: str | None = None) -> CoxResult:
    """Cox proportional-hazards regression with hazard ratios, concordance and likelihood-ratio test.

    Parameters
    ----------
    df, time, event, level, missing
        As in :func:`kaplan_meier`.
    covariates : list of str
        Numeric columns enter as they are; text and category columns as dummies against a reference
        level (see :func:`helpers.stats.design.design_matrix`).
    ties : {"efron"}
        Efron's method is R's default and the only one lifelines offers.
    reference : dict, optional
        Reference level per categorical covariate.
    strata : str, optional
        A column whose levels each get their own baseline hazard (R's ``+ strata(column)``), e.g. the
        hospital in a one-stage analysis of a multi-centre cohort.

    Returns
    -------
    CoxResult

    Raises
    ------
    InputError
        Bad columns or values, no events, ``ties`` other than "efron".

    Warns
    -----
    UserWarning
        Fewer than 10 events per parameter (Peduzzi et al. 1995).

    Notes
    -----
    Partial likelihood with Efron's ties (Efron 1977) maximised by lifelines ``CoxPHFitter``, as R's
    ``coxph``. Wald ``z = coef / SE``; interval ``exp(coef +/- z SE)``; likelihood-ratio statistic
    ``2 (l(b_hat) - l(0))`` on the number of terms; concordance is Harrell's C.

    Examples
    --------
    >>> df = pd.DataFrame({"months": [2, 3, 5, 7, 9, 11, 4, 6], "dead": [1, 0, 1, 1, 0, 1, 1, 1],
    ...                    "arm": ["a", "b", "a", "b", "a", "b", "a", "b"]})
    >>> fit = cox_model(df, time="months", event="dead", covariates=["arm"])
    >>> fit.table["term"].tolist(), fit.table["reference"].tolist()
    (['arm[T.b]'], ['a'])
    """
    if ties != "efron":
        raise InputError(f"ties={ties!r} is not available: lifelines implements Efron's method only (R's default). "
                         "Use ties='efron'.")
    covariates = list(covariates)
    if not covariates or {time, event} & set(covariates):
        raise InputError(f"covariates must be a non-empty list of columns other than '{time}' and '{event}'.")
    z_quantile(level)
    if strata is not None and strata in covariates:
        raise InputError(f"strata='{strata}' is also a covariate; a stratum gets its own baseline hazard instead.")
    data = survival_data(df, time, event, covariates + ([strata] if strata else []), missing)
    n_event = int(data[event].sum())
    if n_event == 0:
        raise InputError(f"column '{event}' has no events (all 0): a Cox model needs at least one event.")
    design = design_matrix(data, predictors=covariates, reference=reference)
    frame = pd.concat([data[[time, event]], design.matrix], axis=1)
    if strata is not None:
        frame = frame.assign(**{f"__stratum_{strata}": data[strata].astype(str).to_numpy()})
    per_parameter = n_event / design.matrix.shape[1]
    if per_parameter < EPV_THRESHOLD:
        warnings.warn(f"{per_parameter:.3g} events per parameter (< {EPV_THRESHOLD}; {n_event} events for "
                      f"{design.matrix.shape[1]} parameters): hazard ratios may be biased and unstable.", stacklevel=2)
    fitter = CoxPHFitter(alpha=1 - level).fit(frame, duration_col=time, event_col=event,
                                              strata=[f"__stratum_{strata}"] if strata else None)
    summary = fitter.summary
    bounds = fitter.confidence_intervals_.to_numpy()
    table = design.terms.assign(coef=fitter.params_.to_numpy(), hazard_ratio=np.exp(fitter.params_.to_numpy()),
                                standard_error=fitter.standard_errors_.to_numpy(), z=summary["z"].to_numpy(),
                                p_value=summary["p"].to_numpy(), ci_low=np.exp(bounds[:, 0]),
                                ci_high=np.exp(bounds[:, 1]),
                                method="Cox partial likelihood, Efron ties (lifelines CoxPHFitter); Wald CI and test"
                                       + (f"; stratified by {strata}" if strata else ""))
    ratio = fitter.log_likelihood_ratio_test()
    return CoxResult(table=table[COX_COLUMNS], n=len(frame), n_event=n_event,
                     concordance=float(fitter.concordance_index_), likelihood_ratio=float(ratio.test_statistic),
                     likelihood_ratio_df=int(ratio.degrees_freedom), likelihood_ratio_p_value=float(ratio.p_value),
                     log_likelihood=float(fitter.log_likelihood_), events_per_parameter=float(per_parameter),
                     fitter=fitter, data=frame, time=time, event=event)


def _time_transform(durations: Sequence[float], events: Sequence[float], kind: str) -> np.ndarray:
    """Transformed times for the Schoenfeld test, one per patient, as R's ``cox.zph`` defines them.

    "km": ``1 - S(t-)`` with the left-continuous Kaplan-Meier estimate (lifelines uses ``1 - S(t)``);
    "rank": ranks of the event times with ties averaged, NaN when censored (lifelines numbers tied
    times 1, 2, ... in data order); "identity"; "log".
    """
    t, e = np.asarray(durations, dtype=float), np.asarray(events, dtype=float) == 1
    if kind == "identity":
        return t
    if kind == "log":
        return np.log(t)
    if kind == "rank":
        ranks = np.full(len(t), np.nan)
        ranks[e] = stats.rankdata(t[e])
        return ranks
    if kind == "km":
        curve = product_limit(t, e)
        before = np.searchsorted(curve["time"].to_numpy(), t, side="left") - 1
        return 1 - np.where(before >= 0, curve["survival"].to_numpy()[np.clip(before, 0, None)], 1.0)
    raise InputError(f"transform must be 'km', 'rank', 'identity' or 'log', not {kind!r}.")


@dataclass(frozen=True, eq=False)
class ProportionalHazardsResult:
    """Schoenfeld-residual test of proportional hazards.

    Attributes
    ----------
    table : DataFrame
        Per term and ``GLOBAL``: ``term``, ``statistic`` (chi-squared), ``df``, ``p_value``, ``transform``,
        ``method``.
    residuals : DataFrame
        Plot data, per term and event: ``term``, ``time``, ``transformed_time``, ``scaled_residual``
        (lifelines'), ``beta_t`` (coef + scaled residual, as R's ``plot(cox.zph(fit))``).
    """

    table: pd.DataFrame
    residuals: pd.DataFrame


def proportional_hazards_test(model: CoxResult, *, transform: Literal["km", "rank", "identity", "log"] = "km",
                              ) -> ProportionalHazardsResult:
    """Test the proportional-hazards assumption of a Cox model with scaled Schoenfeld residuals.

    Parameters
    ----------
    model : CoxResult
        From :func:`cox_model`.
    transform : {"km", "rank", "identity", "log"}
        Function of time against which the residuals are tested; "km" (R's default) is ``1 - S(t-)``
        with the left-continuous Kaplan-Meier estimate, "rank" the ranks of the event times.

    Returns
    -------
    ProportionalHazardsResult

    Notes
    -----
    Grambsch & Therneau (Biometrika 1994) in the approximation of R's survival before version 3.0,
    which lifelines ``proportional_hazard_test`` implements (per term). With ``g`` the centred
    transformed event times, ``D`` events, ``V`` the model covariance and ``s`` the Schoenfeld
    residuals: per term ``(g' s V D)_k^2 / (D V_kk g'g)`` on 1 df; global ``(g's) V (s'g) D / g'g`` on
    (number of terms) df, computed here as lifelines gives no global test. R 3.0 and later
    (``cox.zph`` since 2019) use an exact score test, so their p-values differ somewhat. The transforms
    follow R: with tied event times lifelines' own "km" (``1 - S(t)``, right-continuous) and "rank"
    (1, 2, ... in data order, no averaging of ties) differ.

    Examples
    --------
    >>> df = pd.DataFrame({"months": [2, 3, 5, 7, 9, 11, 4, 6], "dead": [1, 0, 1, 1, 0, 1, 1, 1],
    ...                    "age": [70, 62, 75, 50, 58, 66, 80, 55]})
    >>> fit = cox_model(df, time="months", event="dead", covariates=["age"])
    >>> proportional_hazards_test(fit).table["term"].tolist()
    ['age', 'GLOBAL']
    """
    fitter, data = model.fitter, model.data
    if transform not in ("km", "rank", "identity", "log"):
        raise InputError(f"transform must be 'km', 'rank', 'identity' or 'log', not {transform!r}.")
    transformed = pd.Series(_time_transform(data[model.time], data[model.event], transform), index=data.index)
    as_r = lambda durations, events, weights: pd.Series(  # noqa: E731  (lifelines wants a callable)
        _time_transform(durations, events, transform), index=durations.index)
    per_term = proportional_hazard_test(fitter, data, time_transform=as_r).summary
    schoenfeld = fitter.compute_residuals(data, kind="schoenfeld")
    centred = transformed.loc[schoenfeld.index] - transformed.loc[schoenfeld.index].mean()
    weighted = centred.to_numpy() @ schoenfeld.to_numpy()
    deaths = len(schoenfeld)
    statistic = float(weighted @ fitter.variance_matrix_.to_numpy() @ weighted * deaths / np.sum(centred ** 2))
    terms = list(fitter.params_.index)
    method = (f"Grambsch-Therneau test of scaled Schoenfeld residuals against {transform}-transformed time "
              "(lifelines proportional_hazard_test; R survival < 3.0 cox.zph)")
    table = pd.DataFrame({"term": [*terms, "GLOBAL"],
                          "statistic": [*per_term.loc[terms, "test_statistic"].to_numpy(), statistic],
                          "df": [1] * len(terms) + [len(terms)],
                          "p_value": [*per_term.loc[terms, "p"].to_numpy(), stats.chi2.sf(statistic, len(terms))],
                          "transform": transform, "method": method})
    scaled = fitter.compute_residuals(data, kind="scaled_schoenfeld")
    residuals = (scaled.rename_axis("row").reset_index()
                 .melt(id_vars="row", var_name="term", value_name="scaled_residual"))
    residuals["time"] = data.loc[residuals["row"], model.time].to_numpy()
    residuals["transformed_time"] = transformed.loc[residuals["row"]].to_numpy()
    residuals["beta_t"] = residuals["scaled_residual"] + fitter.params_.loc[residuals["term"]].to_numpy()
    return ProportionalHazardsResult(
        table=table, residuals=residuals[["term", "time", "transformed_time", "scaled_residual", "beta_t"]])


def smooth_schoenfeld_residuals(result: ProportionalHazardsResult, *, fraction: float = 2 / 3) -> pd.DataFrame:
    """Lowess curve of ``beta(t)`` per term: the visual guide drawn on a scaled Schoenfeld residual plot.

    Parameters
    ----------
    result : ProportionalHazardsResult
        From :func:`proportional_hazards_test`.
    fraction : float
        Share of the events used for each local fit (lowess ``frac``).

    Returns
    -------
    DataFrame
        ``term``, ``time``, ``transformed_time``, ``beta_t_smooth``, sorted by time within term: a flat
        curve at the model's coefficient is what proportional hazards predicts.

    Notes
    -----
    Locally weighted linear regression (Cleveland 1979; statsmodels ``lowess``, no robustness
    iterations) of ``beta_t`` on the transformed time of the test, so the curve shows the trend the test
    measures. R's ``plot(cox.zph(fit))`` draws a natural spline instead; both are visual guides only.

    Examples
    --------
    >>> df = pd.DataFrame({"months": [2, 3, 5, 7, 9, 11, 4, 6, 8, 10, 12, 1],
    ...                    "dead": [1, 0, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1],
    ...                    "age": [70, 62, 75, 50, 58, 66, 80, 55, 61, 72, 49, 77]})
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     fit = cox_model(df, time="months", event="dead", covariates=["age"])
    >>> smooth = smooth_schoenfeld_residuals(proportional_hazards_test(fit))
    >>> len(smooth) == fit.n_event
    True
    """
    from statsmodels.nonparametric.smoothers_lowess import lowess

    if not 0 < fraction <= 1:
        raise InputError(f"fraction must lie in (0, 1], not {fraction!r}.")
    frames = []
    for term, part in result.residuals.groupby("term", sort=False):
        part = part.sort_values(["transformed_time", "time"], kind="stable")
        fitted = lowess(part["beta_t"].to_numpy(), part["transformed_time"].to_numpy(), frac=fraction, it=0,
                        return_sorted=False)
        frames.append(pd.DataFrame({"term": term, "time": part["time"].to_numpy(),
                                    "transformed_time": part["transformed_time"].to_numpy(),
                                    "beta_t_smooth": fitted}))
    return pd.concat(frames, ignore_index=True)
