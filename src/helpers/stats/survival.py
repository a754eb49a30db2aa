"""Survival analysis: Kaplan-Meier curves, the log-rank test, restricted mean survival time (RMST).

Cox models and the proportional-hazards test live in :mod:`helpers.stats.cox`. Everything is computed
here from sorted times with cumulative sums, following R's survival package: the Kaplan-Meier curve
(:func:`product_limit`, R's arithmetic), the log-rank test (:func:`logrank_counts`, R's ``survdiff``), the
median rule and its interval, the variance of the RMST; ``method`` says which convention was used. Data: one row per patient with a
follow-up time (>= 0) and an event indicator 1 = event, 0 = censored (recode R's 1/2 ``status`` first).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from helpers.validation.checks import binary_column, complete_rows, rows_label, z_quantile
from helpers.validation.errors import InputError
from helpers.validation.estimable import NotEstimable

ALL = "all"
"""Group label used when no grouping column is given."""

R_TOLERANCE = float(np.sqrt(np.finfo(float).eps))
"""R's ``sqrt(.Machine$double.eps)``: how close a flat part of a curve must be to 0.5 to count as at 0.5."""

KM_COLUMNS = ["group", "time", "n_at_risk", "n_event", "n_censored", "survival", "standard_error",
              "ci_low", "ci_high"]

MEDIAN_COLUMNS = ["group", "n", "n_event", "estimate", "ci_low", "ci_high", "method"]


def survival_data(df: pd.DataFrame, time: str, event: str, others: Sequence[str], missing: str) -> pd.DataFrame:
    """Complete rows of the used columns with a validated float time and 0/1 event."""
    data = complete_rows(df, [time, event, *others], missing)
    if data.empty:
        raise InputError("no rows left to analyse. Check the data and the missing-value handling.")
    durations = pd.to_numeric(data[time], errors="coerce")
    bad = data.index[~np.isfinite(durations.to_numpy(dtype=float, na_value=np.nan)) | (durations < 0).to_numpy()]
    if len(bad):
        raise InputError(f"column '{time}' (follow-up time) must hold finite numbers >= 0; rows {rows_label(bad.tolist())} "
                         f"have {list(data.loc[bad, time].head(5))}. Correct or remove those rows.")
    data[time] = durations.astype(float)
    data[event] = binary_column(data[event], "event indicator")
    return data


def _levels(series: pd.Series) -> list[Any]:
    if isinstance(series.dtype, pd.CategoricalDtype):
        return [level for level in series.cat.categories if (series == level).any()]
    return sorted(pd.unique(series), key=lambda value: (str(type(value)), value))


def _groups(data: pd.DataFrame, group: str | None) -> list[tuple[Any, pd.DataFrame]]:
    if group is None:
        return [(ALL, data)]
    return [(level, data.loc[data[group] == level]) for level in _levels(data[group])]


def product_limit(durations: Any, events: Any) -> pd.DataFrame:
    """The Kaplan-Meier (product-limit) estimate at every distinct observed time, as R's ``survfit``.

    One sort and cumulative sums (O(n log n)); the survival is the cumulative product of
    ``(at risk - deaths) / at risk`` in R's order of operations, so a curve that reaches exactly 0.5 does so here
    too. The one Kaplan-Meier computation of the package (curves, medians, RMST, ``cox.zph``'s "km").

    Returns
    -------
    DataFrame
        ``time``, ``n_at_risk``, ``n_event``, ``n_censored``, ``survival``.

    Examples
    --------
    >>> product_limit([1, 2, 2, 3, 4], [1, 1, 0, 1, 0])["survival"].round(3).tolist()
    [0.8, 0.6, 0.3, 0.3]
    """
    t = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=float)
    times, inverse, counts = np.unique(t, return_inverse=True, return_counts=True)
    deaths = np.bincount(inverse, weights=e, minlength=len(times))
    at_risk = len(t) - np.concatenate([[0], np.cumsum(counts)[:-1]])
    survival = np.cumprod((at_risk - deaths) / at_risk)  # R's survfit: the running product of (n - d) / n
    return pd.DataFrame({"time": times, "n_at_risk": at_risk.astype(int), "n_event": deaths.astype(int),
                         "n_censored": (counts - deaths).astype(int), "survival": survival})


def _km_table(durations: pd.Series, events: pd.Series, z: float, conf_type: str) -> pd.DataFrame:
    """Kaplan-Meier table at every distinct observed time, with Greenwood SE and pointwise CI."""
    counts = product_limit(durations, events)
    at_risk = counts["n_at_risk"].to_numpy(dtype=float)
    died = counts["n_event"].to_numpy(dtype=float)
    survival = counts["survival"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        greenwood = np.cumsum(np.where(at_risk > died, died / (at_risk * (at_risk - died)), np.inf))
        se_log = np.sqrt(greenwood)
        if conf_type == "log":
            low, high = survival * np.exp(-z * se_log), np.minimum(1.0, survival * np.exp(z * se_log))
        else:
            spread = np.exp(z * se_log / -np.log(survival))
            low, high = survival ** spread, survival ** (1 / spread)
        no_events = greenwood == 0
        low, high = np.where(no_events, 1.0, low), np.where(no_events, 1.0, high)
        low, high = np.where(survival > 0, low, np.nan), np.where(survival > 0, high, np.nan)
        standard_error = np.where(survival > 0, survival * se_log, np.nan)
    return counts.assign(standard_error=standard_error, ci_low=low, ci_high=high)


def _survival_quantile(times: Sequence[float], survival: Sequence[float], probability: float = 0.5,
                       tolerance: float = R_TOLERANCE) -> float:
    """First time a curve (or band; NaN allowed) reaches ``1 - probability``, by R's ``findq`` rule.

    ``times`` are the curve's distinct times, censoring times included. NaN when never reached; the
    midpoint of a part flat within ``tolerance`` of ``1 - probability`` (see :func:`kaplan_meier`).

    >>> _survival_quantile([1, 2, 3, 4], [0.75, 0.5, 0.25, 0.0])  # flat at 0.5 from 2 to 3
    2.5
    """
    x = np.r_[0.0, np.asarray(times, dtype=float)]
    y = np.r_[0.0, 1.0 - np.asarray(survival, dtype=float)]
    if np.all(np.isnan(y)) or np.nanmax(y) < probability:
        return float("nan")
    last_time = x[-1]
    keep = ~pd.Series(y).duplicated().to_numpy()
    x, y = x[keep], y[keep]

    def first_reaching(shifted: np.ndarray) -> int | None:
        # R: approx(shifted, 1:n, probability, method = "constant", f = 1)
        valid = ~np.isnan(shifted)
        if not valid.any() or not shifted[valid].min() <= probability <= shifted[valid].max():
            return None
        candidates = np.flatnonzero(valid & (shifted >= probability))
        return int(candidates[np.argmin(shifted[candidates])])

    first, after = first_reaching(y + tolerance), first_reaching(y - tolerance)
    quantile = (x[first] + x[after]) / 2 if first is not None and after is not None else float("nan")
    if first is not None and not np.isnan(y[-1]) and abs(probability - y[-1]) < tolerance:
        quantile = (x[first] + last_time) / 2
    return float(quantile)


@dataclass(frozen=True, eq=False)
class KaplanMeierResult:
    """Kaplan-Meier estimates per group.

    Attributes
    ----------
    table : DataFrame
        Per group and distinct observed time: ``group``, ``time``, ``n_at_risk`` (just before ``time``),
        ``n_event``, ``n_censored``, ``survival``, ``standard_error`` (Greenwood, of the survival),
        ``ci_low``, ``ci_high`` (pointwise; NaN where survival is 0).
    medians : DataFrame
        Per group: ``group``, ``n``, ``n_event``, ``estimate``, ``ci_low``, ``ci_high`` (NaN when not
        reached), ``method``.
    level, conf_type
        As given.
    """

    table: pd.DataFrame
    medians: pd.DataFrame
    level: float
    conf_type: str

    def number_at_risk(self, times: Sequence[float]) -> pd.DataFrame:
        """At ``times``: ``group``, ``time``, ``n_at_risk`` (followed up to at least ``time``, as R's
        ``summary(fit, times)``), ``n_event_cumulative``, ``n_censored_cumulative`` (up to ``time``)."""
        return self._at(times)[["group", "time", "n_at_risk", "n_event_cumulative", "n_censored_cumulative"]]

    def survival_at(self, times: Sequence[float]) -> pd.DataFrame:
        """At ``times`` (e.g. 6-month survival): ``group``, ``time``, ``survival``, ``ci_low``, ``ci_high``,
        ``n_at_risk``; NaN beyond a group's last follow-up (R's ``summary(fit, times)`` drops those)."""
        return self._at(times)[["group", "time", "survival", "ci_low", "ci_high", "n_at_risk"]]

    def _at(self, times: Sequence[float]) -> pd.DataFrame:
        frames = []
        for label, part in self.table.groupby("group", sort=False):
            when = np.asarray(times, dtype=float)
            last = np.searchsorted(part["time"].to_numpy(), when, side="right") - 1  # last row at or before
            later = np.searchsorted(part["time"].to_numpy(), when, side="left")     # first row at or after
            values = np.vstack([np.ones(3), part[["survival", "ci_low", "ci_high"]].to_numpy()])[last + 1]
            values[when > part["time"].max()] = np.nan
            frames.append(pd.DataFrame({
                "group": label, "time": when, "survival": values[:, 0], "ci_low": values[:, 1],
                "ci_high": values[:, 2], "n_at_risk": np.r_[part["n_at_risk"].to_numpy(), 0][later],
                "n_event_cumulative": np.r_[0, part["n_event"].cumsum().to_numpy()][last + 1],
                "n_censored_cumulative": np.r_[0, part["n_censored"].cumsum().to_numpy()][last + 1]}))
        return pd.concat(frames, ignore_index=True)


def kaplan_meier(df: pd.DataFrame, *, time: str, event: str, group: str | None = None, level: float = 0.95,
                 conf_type: Literal["log", "log-log"] = "log",
                 missing: Literal["raise", "drop"] = "raise") -> KaplanMeierResult:
    """Kaplan-Meier survival curves with Greenwood confidence intervals and median survival.

    Parameters
    ----------
    df : DataFrame
        One row per patient (not modified).
    time, event : str
        Follow-up time (>= 0) and event indicator (1 = event, 0 = censored).
    group : str, optional
        Column defining the curves (sorted levels, or the order of a categorical column).
    level : float
        Confidence level.
    conf_type : {"log", "log-log"}
        "log" is R's ``survfit`` default; "log-log" is lifelines' default.
    missing : {"raise", "drop"}
        Missing values raise an InputError, or their rows are dropped with a warning.

    Returns
    -------
    KaplanMeierResult
        ``table``, ``medians``, and methods ``number_at_risk(times)`` and ``survival_at(times)``.

    Raises
    ------
    InputError
        Unknown columns, missing values, negative times, an event column not coded 0/1, bad options.

    Notes
    -----
    ``S(t) = prod_{t_j <= t} (1 - d_j / n_j)`` (Kaplan & Meier 1958; :func:`product_limit`). Greenwood:
    ``se(log S) = sqrt(sum_{t_j <= t} d_j / (n_j (n_j - d_j)))``; the ``standard_error`` column is
    ``S se(log S)``. Intervals: "log" ``S exp(+/- z se(log S))`` capped at 1; "log-log"
    ``S^exp(+/- z se(log S) / log S)``. Before the first event the interval is (1, 1) (R's log-log
    gives NA there).

    Median, by the rule of ``findq`` in R's ``quantile.survfit`` (used by ``print.survfit``): with
    ``x = (0, times)`` and ``y = (0, 1 - S)`` without repeated ``y`` values, the first ``x`` whose ``y``
    reaches 0.5; where the curve is flat at 0.5 (within ``sqrt(.Machine$double.eps)``) the midpoint of
    the flat part, or of its start and the last time when it ends the curve (lifelines instead takes
    the first time with S <= 0.5). The same rule on the lower and upper pointwise bands gives the
    interval (Brookmeyer & Crowley, Biometrics 1982); NaN means not reached.

    Examples
    --------
    >>> df = pd.DataFrame({"months": [2, 3, 5, 7, 9, 11], "dead": [1, 0, 1, 1, 0, 1]})
    >>> fit = kaplan_meier(df, time="months", event="dead")
    >>> fit.table["survival"].round(3).tolist()
    [0.833, 0.833, 0.625, 0.417, 0.417, 0.0]
    >>> float(fit.medians.loc[0, "estimate"])
    7.0
    """
    if conf_type not in ("log", "log-log"):
        raise InputError(f"conf_type must be 'log' (R's default) or 'log-log' (lifelines' default), not {conf_type!r}.")
    z = z_quantile(level)
    data = survival_data(df, time, event, [group] if group is not None else [], missing)
    source = "R survfit default" if conf_type == "log" else "lifelines default; R conf.type='log-log'"
    method = (f"Kaplan-Meier; Greenwood variance; {conf_type} pointwise CI ({source}); median and CI by "
              "R's quantile.survfit rule")
    tables, medians = [], []
    for label, part in _groups(data, group):
        table = _km_table(part[time], part[event], z, conf_type)
        tables.append(table.assign(group=label))
        times = table["time"].to_numpy()
        medians.append({"group": label, "n": len(part), "n_event": int(part[event].sum()),
                        "estimate": _survival_quantile(times, table["survival"].to_numpy()),
                        "ci_low": _survival_quantile(times, table["ci_low"].to_numpy()),
                        "ci_high": _survival_quantile(times, table["ci_high"].to_numpy()), "method": method})
    return KaplanMeierResult(table=pd.concat(tables, ignore_index=True)[KM_COLUMNS],
                             medians=pd.DataFrame(medians, columns=MEDIAN_COLUMNS), level=level, conf_type=conf_type)


@dataclass(frozen=True, eq=False)
class LogrankResult:
    """Log-rank test.

    Attributes
    ----------
    test : DataFrame
        One row: ``statistic`` (chi-squared), ``df``, ``p_value``, ``n``, ``n_event``, ``method``.
    groups : DataFrame
        One row per group: ``group``, ``n``, ``observed``, ``expected``, ``observed_over_expected``.
    """

    test: pd.DataFrame
    groups: pd.DataFrame


def logrank(df: pd.DataFrame, *, time: str, event: str, group: str,
            missing: Literal["raise", "drop"] = "raise") -> LogrankResult:
    """Log-rank test of equal survival across groups, with observed and expected events.

    Parameters
    ----------
    df, time, event, missing
        As in :func:`kaplan_meier`.
    group : str
        Group column (two or more levels).

    Returns
    -------
    LogrankResult

    Raises
    ------
    InputError
        Bad columns or values, or fewer than two groups.

    Notes
    -----
    As R's ``survdiff`` with ``rho = 0``: ``(O - E)' V^-1 (O - E)`` without the first group, on (groups
    with expected events - 1) df, hypergeometric variance; expected events ``E_g = sum_j d_j n_gj / n_j``
    over distinct times (Peto & Peto 1972). One sort and cumulative sums (:func:`logrank_counts`).

    Examples
    --------
    >>> df = pd.DataFrame({"months": [2, 3, 5, 7, 9, 11, 4, 6], "dead": [1, 0, 1, 1, 0, 1, 1, 1],
    ...                    "arm": ["a", "a", "a", "b", "b", "b", "a", "b"]})
    >>> logrank(df, time="months", event="dead", group="arm").groups["observed"].tolist()
    [3, 3]
    """
    data = survival_data(df, time, event, [group], missing)
    levels = _levels(data[group])
    if len(levels) < 2:
        raise InputError(f"column '{group}' has a single group ({levels}); the log-rank test compares two or more.")
    if data[event].sum() == 0:
        raise NotEstimable(f"there are no events in column '{event}' (all {len(data)} patients censored), so there "
                           "are no event times to compare: the log-rank test needs at least one event")
    labels = data[group].to_numpy()
    codes = np.zeros(len(labels), dtype=int)
    for code, level in enumerate(levels):
        codes[labels == level] = code
    observed, expected, variance = logrank_counts(data[time].to_numpy(), data[event].to_numpy(), codes, len(levels))
    # R survdiff: chi = (O - E)[-1]' V[-1, -1]^-1 (O - E)[-1]; df = (groups with E > 0) - 1
    difference = (observed - expected)[1:]
    statistic = float(difference @ np.linalg.solve(variance[1:, 1:], difference))
    df_test = int(np.sum(expected > 0)) - 1
    counts = np.bincount(codes, minlength=len(levels))
    rows = [{"group": level, "n": int(counts[k]), "observed": int(observed[k]), "expected": float(expected[k]),
             "observed_over_expected": observed[k] / expected[k] if expected[k] > 0 else np.nan}
            for k, level in enumerate(levels)]
    test = pd.DataFrame([{"statistic": statistic, "df": df_test, "p_value": float(stats.chi2.sf(statistic, df_test)),
                          "n": len(data), "n_event": int(observed.sum()),
                          "method": "log-rank test (R survdiff rho = 0)"}])
    return LogrankResult(test=test, groups=pd.DataFrame(rows))


def logrank_counts(durations: Any, events: Any, codes: Any, n_groups: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Observed and expected events per group and the hypergeometric variance matrix of ``O - E``.

    ``codes`` numbers the groups 0 .. ``n_groups - 1``. Counts per distinct time and group by one
    ``bincount``; at-risk numbers by reverse cumulative sums (no loop over patients or times).

    >>> o, e, v = logrank_counts([1, 2, 3, 4], [1, 1, 1, 1], [0, 1, 0, 1], 2)
    >>> o.tolist(), e.round(3).tolist()
    ([2.0, 2.0], [1.333, 2.667])
    """
    t = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=float)
    g = np.asarray(codes, dtype=int)
    times, inverse = np.unique(t, return_inverse=True)
    cell = inverse * n_groups + g
    size = len(times) * n_groups
    leaving = np.bincount(cell, minlength=size).reshape(len(times), n_groups).astype(float)
    deaths_g = np.bincount(cell, weights=e, minlength=size).reshape(len(times), n_groups)
    at_risk_g = np.cumsum(leaving[::-1], axis=0)[::-1]          # n_gj: followed to at least t_j
    at_risk, deaths = at_risk_g.sum(axis=1), deaths_g.sum(axis=1)
    used = deaths > 0
    at_risk_g, at_risk, deaths = at_risk_g[used], at_risk[used], deaths[used]
    share = at_risk_g / at_risk[:, None]
    expected = deaths @ share
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(at_risk > 1, deaths * (at_risk - deaths) / (at_risk - 1), 0.0)
    variance = np.diag(factor @ share) - (share * factor[:, None]).T @ share
    return deaths_g.sum(axis=0), expected, variance


def restricted_mean(times: np.ndarray, survival: np.ndarray, tau: float) -> float:
    """Area under a Kaplan-Meier step curve from 0 to ``tau`` (the restricted mean survival time).

    >>> restricted_mean(np.array([1.0, 3.0]), np.array([0.5, 0.25]), 4.0)  # 1 + 0.5 x 2 + 0.25 x 1
    2.25
    """
    edges = np.concatenate([[0.0], times[times < tau], [tau]])
    heights = np.concatenate([[1.0], survival[times < tau]])
    return float(np.sum(heights * np.diff(edges)))


def _rmst_variance(times: Sequence[float], n_at_risk: Sequence[float], n_event: Sequence[float],
                   survival: Sequence[float], tau: float) -> float:
    """Greenwood-type variance of the Kaplan-Meier RMST up to ``tau`` from one group's KM table.

    ``sum_{t_j <= tau} A_j^2 d_j / (n_j (n_j - d_j))``, ``A_j = int_{t_j}^{tau} S(u) du``; a term with
    ``n_j = d_j`` is 0 (then ``A_j = 0``), as in R's survRM2.
    """
    times, at_risk = np.asarray(times, dtype=float), np.asarray(n_at_risk, dtype=float)
    died, survival = np.asarray(n_event, dtype=float), np.asarray(survival, dtype=float)
    used = times <= tau
    times, at_risk, died, survival = times[used], at_risk[used], died[used], survival[used]
    widths = np.diff(np.r_[times, tau])
    remaining = np.cumsum((widths * survival)[::-1])[::-1]  # A_j = int_{t_j}^{tau} S(u) du
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where((died > 0) & (at_risk > died), remaining ** 2 * died / (at_risk * (at_risk - died)), 0.0)
    return float(np.sum(terms))


@dataclass(frozen=True, eq=False)
class RmstResult:
    """Restricted mean survival time per group and differences.

    Attributes
    ----------
    groups : DataFrame
        ``group``, ``n``, ``n_event``, ``tau``, ``rmst``, ``standard_error``, ``ci_low``, ``ci_high``, ``method``.
    difference : DataFrame
        Per non-reference group: ``group``, ``reference``, ``tau``, ``estimate`` (group minus reference),
        ``standard_error``, ``ci_low``, ``ci_high``, ``p_value``, ``method``.
    """

    groups: pd.DataFrame
    difference: pd.DataFrame


def rmst_difference(df: pd.DataFrame, *, time: str, event: str, group: str, tau: float, level: float = 0.95,
                    reference: Any = None, missing: Literal["raise", "drop"] = "raise") -> RmstResult:
    """Restricted mean survival time (area under the Kaplan-Meier curve up to ``tau``) and its difference.

    Parameters
    ----------
    df, time, event, level, missing
        As in :func:`kaplan_meier`.
    group : str
        Group column.
    tau : float
        Truncation time; at most the last follow-up time of every group whose curve has not reached 0.
    reference : optional
        Reference group (default: the first level).

    Returns
    -------
    RmstResult

    Raises
    ------
    InputError
        Bad columns or values, a single group, or ``tau`` beyond a group's follow-up.

    Notes
    -----
    ``RMST(tau) = int_0^tau S(t) dt`` (:func:`restricted_mean`). Its variance,
    implemented here (lifelines' ``return_variance`` is the variance of min(T, tau) under the fitted
    curve, not of the estimator), is the Greenwood-type ``sum_{t_j <= tau} A_j^2 d_j / (n_j (n_j - d_j))``
    with ``A_j = int_{t_j}^{tau} S(u) du`` (Klein & Moeschberger, Survival Analysis 2003, section 4.5;
    R's ``survRM2``; a term with ``n_j = d_j`` is 0). Difference ``RMST_g - RMST_ref`` with
    ``SE = sqrt(Var_g + Var_ref)``, Wald interval and z test (Royston & Parmar, BMC Med Res Methodol
    2013;13:152; Uno et al., J Clin Oncol 2014;32:2380-5).

    Examples
    --------
    >>> df = pd.DataFrame({"months": [2, 3, 5, 7, 9, 11, 4, 6], "dead": [1, 0, 1, 1, 0, 1, 1, 1],
    ...                    "arm": ["a", "a", "a", "b", "b", "b", "a", "b"]})
    >>> fit = rmst_difference(df, time="months", event="dead", group="arm", tau=5)
    >>> fit.groups["rmst"].round(3).tolist()
    [3.875, 5.0]
    """
    z = z_quantile(level)
    if not isinstance(tau, (int, float, np.integer, np.floating)) or not np.isfinite(tau) or tau <= 0:
        raise InputError(f"tau must be a positive finite time, not {tau!r}.")
    data = survival_data(df, time, event, [group], missing)
    levels = _levels(data[group])
    if len(levels) < 2:
        raise InputError(f"column '{group}' has a single group ({levels}); the RMST difference needs two or more.")
    reference = levels[0] if reference is None else reference
    if reference not in levels:
        raise InputError(f"reference group {reference!r} is not among the levels {levels} of '{group}'.")
    rows = []
    for label, part in _groups(data, group):
        table = _km_table(part[time], part[event], z, "log")
        if tau > table["time"].max() and table["survival"].iloc[-1] > 0:
            raise InputError(f"tau = {tau} is beyond the last follow-up time of group {label!r} "
                             f"({table['time'].max()}), where its survival curve is unknown. Choose tau <= "
                             f"{data.groupby(group)[time].max().min()} (the shortest follow-up of the groups).")
        estimate = restricted_mean(table["time"].to_numpy(), table["survival"].to_numpy(), tau)
        standard_error = float(np.sqrt(_rmst_variance(table["time"], table["n_at_risk"], table["n_event"],
                                                     table["survival"], tau)))
        rows.append({"group": label, "n": len(part), "n_event": int(part[event].sum()), "tau": float(tau),
                     "rmst": estimate, "standard_error": standard_error, "ci_low": estimate - z * standard_error,
                     "ci_high": estimate + z * standard_error,
                     "method": "Kaplan-Meier RMST; Greenwood-type variance; Wald CI"})
    groups = pd.DataFrame(rows)
    base = groups.loc[groups["group"] == reference].iloc[0]
    differences = []
    for _, row in groups.loc[groups["group"] != reference].iterrows():
        estimate = row["rmst"] - base["rmst"]
        standard_error = float(np.hypot(row["standard_error"], base["standard_error"]))
        with np.errstate(divide="ignore", invalid="ignore"):
            p_value = float(2 * stats.norm.sf(abs(estimate) / standard_error))
        differences.append({"group": row["group"], "reference": reference, "tau": float(tau), "estimate": estimate,
                            "standard_error": standard_error, "ci_low": estimate - z * standard_error,
                            "ci_high": estimate + z * standard_error,
                            "p_value": p_value,
                            "method": "difference in RMST; SE = sqrt(sum of Greenwood-type variances); Wald CI, z test"})
    return RmstResult(groups=groups, difference=pd.DataFrame(differences))


@dataclass(frozen=True, eq=False)
class LandmarkCohort:
    """Patients still alive and followed at a landmark time.

    Attributes
    ----------
    data : DataFrame
        The rows kept (all columns), with the time column counted from the landmark when ``reset_clock``.
    excluded : DataFrame
        ``reason`` ("event at or before the landmark", "censored at or before the landmark"), ``n``.
    landmark : float
    reset_clock : bool
    """

    data: pd.DataFrame
    excluded: pd.DataFrame
    landmark: float
    reset_clock: bool


def landmark_cohort(df: pd.DataFrame, *, time: str, event: str, landmark: float, reset_clock: bool = False,
                    missing: Literal["raise", "drop"] = "raise") -> LandmarkCohort:
    """Keep the patients alive and under follow-up after a landmark time (landmark analysis).

    When a group is defined by something known only at a later time (a response, an MRI finding), the
    analysis starts at that landmark: patients who died or left follow-up before it are excluded and
    the groups are compared from the landmark on, so neither group is credited with time during which
    it could not die (immortal-time bias).

    Parameters
    ----------
    df, time, event, missing
        As in :func:`kaplan_meier` (``df`` is not modified).
    landmark : float
        Landmark on the time scale of ``time`` (>= 0).
    reset_clock : bool
        Count time from the landmark (``time - landmark``) instead of from the original origin.

    Returns
    -------
    LandmarkCohort

    Raises
    ------
    InputError
        Bad columns or values, a negative landmark, or nobody left after it.

    Notes
    -----
    Anderson, Cain & Gelber (J Clin Oncol 1983;1:710-9). Patients with ``time <= landmark`` are excluded.
    Resetting the clock shifts every kept time by the same amount, so the order of the times, the risk
    sets, the log-rank test and Cox hazard ratios are unchanged; Kaplan-Meier medians move by ``landmark``.

    Examples
    --------
    >>> df = pd.DataFrame({"months": [0.5, 0.6, 3.0, 8.0], "dead": [1, 0, 1, 0]})
    >>> cohort = landmark_cohort(df, time="months", event="dead", landmark=0.7, reset_clock=True)
    >>> cohort.data["months"].round(2).tolist(), cohort.excluded["n"].tolist()
    ([2.3, 7.3], [1, 1])
    """
    if not isinstance(landmark, (int, float, np.integer, np.floating)) or not np.isfinite(landmark) or landmark < 0:
        raise InputError(f"landmark must be a finite time >= 0, not {landmark!r}.")
    checked = survival_data(df, time, event, [], missing)
    after = checked[time] > landmark
    if not after.any():
        raise InputError(f"no patient has '{time}' beyond the landmark {landmark}; choose an earlier landmark.")
    before = checked.loc[~after]
    excluded = pd.DataFrame({"reason": ["event at or before the landmark", "censored at or before the landmark"],
                             "n": [int((before[event] == 1).sum()), int((before[event] == 0).sum())]})
    kept = df.loc[checked.index[after]].copy()
    kept[time] = checked.loc[after, time] - (landmark if reset_clock else 0.0)
    return LandmarkCohort(data=kept, excluded=excluded, landmark=float(landmark), reset_clock=reset_clock)
