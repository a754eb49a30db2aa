"""ROC analysis of a binary outcome (e.g. good recovery after surgery): AUC, comparison, thresholds.

DeLong's variance is implemented once (:func:`delong_auc`, the fast algorithm of Sun & Xu) and every
AUC, confidence interval and comparison in this module goes through it. Directions follow pROC:
``"<"`` means controls < cases (higher values predict the case), ``">"`` the reverse. There is no
``"auto"``: choose the direction from the expected sign before looking at the data, and state it.
Fitted prediction models (logistic regression, optimism correction, calibration, decision curves)
live in :mod:`helpers.stats.prediction`; their models can be passed wherever a predictor is expected.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from helpers.stats.diagnostic import accuracy_from_counts
from helpers.validation.checks import (
    FittedModel,
    as_rng,
    binary_array,
    case_mask,
    require_complete,
    scores_of,
    z_quantile,
)
from helpers.validation.errors import InputError
from helpers.validation.estimable import NotEstimable

DIRECTIONS = ("<", ">")

CONVENTIONS = ("midpoint", "observed")

DELONG_METHOD = "DeLong (Sun & Xu 2014)"

# ----------------------------------------------------------------------------- input checks


def _check_direction(direction: str, name: str = "direction") -> str:
    if direction not in DIRECTIONS:
        raise InputError(
            f"{name}={direction!r}: use '<' when higher values predict the outcome (controls < cases) "
            "or '>' when lower values do. There is no 'auto': choose the direction from the expected "
            "sign before looking at the data, and state it.")
    return direction


def _require_varying(x: np.ndarray, label: str, outcome: str, consequence: str) -> None:
    """Raise :class:`NotEstimable` when a predictor has one value for every patient: it ranks no patient
    above another, so its AUC is 0.5 by construction (with zero variance) and no threshold splits them."""
    present = x[~np.isnan(x)]
    values = np.unique(present)
    if len(values) == 1:
        raise NotEstimable(f"'{label}' has the same value ({values[0].item()!r}) for all {len(present)} patients, so "
                           f"it cannot tell patients with '{outcome}' from those without; {consequence}")

# ----------------------------------------------------------------------------- DeLong core


@dataclass(frozen=True, eq=False)
class DeLongResult:
    """AUCs of k predictors on the same patients and their DeLong covariance matrix (k x k)."""

    auc: np.ndarray
    covariance: np.ndarray
    n_cases: int
    n_controls: int


def delong_auc(y: Any, scores: Any, directions: str | Sequence[str] = "<") -> DeLongResult:
    """AUC and DeLong covariance of one or several predictors, by the fast algorithm of Sun & Xu.

    Parameters
    ----------
    y : array-like of bool or 0/1, length N
        True (1) for cases, False (0) for controls.
    scores : array-like, shape (N,) or (k, N)
        One row per predictor; no missing values.
    directions : {"<", ">"} or sequence of them
        ``"<"``: controls < cases (higher values predict the case); one per predictor or one for all.

    Returns
    -------
    DeLongResult
        ``auc`` (k,), ``covariance`` (k, k), ``n_cases``, ``n_controls``.

    Notes
    -----
    With m cases and n controls, midranks T_Z of the pooled values and T_X, T_Y within cases and
    controls (ties count one half) give the placement values V10_i = (T_Z,i - T_X,i) / n and
    V01_j = 1 - (T_Z,m+j - T_Y,j) / m. AUC = mean(V10) and
    Cov = S10 / m + S01 / n, with S10, S01 the sample covariance matrices (divisor m - 1, n - 1) of
    the placements across predictors (DeLong, DeLong & Clarke-Pearson 1988, Biometrics 44:837-845;
    Sun & Xu 2014, IEEE Signal Process Lett 21:1389-1393). Cost O(k N log N). ``">"`` negates the
    scores. The covariance is NaN (with a warning) when there are fewer than 2 cases or controls.

    Examples
    --------
    >>> result = delong_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> float(result.auc[0])
    0.75
    """
    is_case = binary_array(y)
    values = np.atleast_2d(np.asarray(scores, dtype=float))
    if values.ndim != 2 or values.shape[1] != is_case.shape[0]:
        raise InputError(f"scores have shape {values.shape}; expected (k, {is_case.shape[0]}).")
    if np.isnan(values).any():
        raise InputError("scores contain missing values; drop those patients first.")
    dirs = [directions] * len(values) if isinstance(directions, str) else list(directions)
    if len(dirs) != len(values):
        raise InputError(f"{len(dirs)} directions for {len(values)} predictors; give one per predictor.")
    sign = np.array([-1.0 if _check_direction(d) == ">" else 1.0 for d in dirs])[:, None]
    m = int(is_case.sum())
    n = len(is_case) - m
    if m == 0 or n == 0:
        raise InputError("the outcome needs at least one case and one control.")
    k = len(values)
    v10, v01 = np.empty((k, m)), np.empty((k, n))
    for row, scores_row in enumerate(values * sign):
        pooled, within = _midranks(scores_row, is_case)
        v10[row] = (pooled[is_case] - within[is_case]) / n
        v01[row] = 1.0 - (pooled[~is_case] - within[~is_case]) / m
    if m < 2 or n < 2:
        warnings.warn(f"{m} case(s) and {n} control(s): DeLong's variance needs at least 2 of each; it is NaN.",
                      stacklevel=2)
        covariance = np.full((k, k), np.nan)
    else:
        covariance = np.cov(v10).reshape(k, k) / m + np.cov(v01).reshape(k, k) / n
    return DeLongResult(auc=v10.mean(axis=1), covariance=covariance, n_cases=m, n_controls=n)


def _midranks(values: np.ndarray, is_case: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Midranks (ties averaged, from 1) of ``values`` among all rows and within each row's own class
    (cases among cases, controls among controls), in row order: ``scipy.stats.rankdata`` three times,
    from one sort."""
    order = np.argsort(values, kind="stable")
    ordered, case = values[order], is_case[order]
    start = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])          # groups of tied values
    size = np.diff(np.r_[start, len(values)])
    cases_in = np.add.reduceat(case.astype(np.int64), start)
    cases_before = np.cumsum(cases_in) - cases_in
    group = np.repeat(np.arange(len(start)), size)
    pooled = np.empty(len(values))
    pooled[order] = (2 * start + size + 1)[group] / 2
    own = np.where(case, cases_before[group] + (cases_in[group] + 1) / 2,
                   (start - cases_before)[group] + (size - cases_in + 1)[group] / 2)
    within = np.empty(len(values))
    within[order] = own
    return pooled, within


def rank_auc(scores: np.ndarray, is_case: np.ndarray) -> np.ndarray:
    """Mann-Whitney AUC of each row of ``scores`` (B, N); ``is_case`` (N,) or (B, N); ties count 1/2."""
    ranks = stats.rankdata(scores, axis=1)
    is_case = np.broadcast_to(is_case, scores.shape)
    m = is_case.sum(axis=1)
    n = scores.shape[1] - m
    return ((ranks * is_case).sum(axis=1) - m * (m + 1) / 2) / (m * n)


def _warn_auc(auc: float, variance: float, n_cases: int, n_controls: int, label: str) -> None:
    if min(n_cases, n_controls) < 10:
        warnings.warn(f"'{label}': {n_cases} cases and {n_controls} controls; DeLong's normal approximation "
                      "may be poor with fewer than 10 in a group.", stacklevel=3)
    if variance == 0:
        warnings.warn(f"'{label}': AUC = {auc} with zero DeLong variance (complete separation); the CI is "
                      "degenerate and misleading.", stacklevel=3)
    elif auc < 0.5:
        warnings.warn(f"'{label}': AUC = {auc:.3f} < 0.5; the predictor works against the stated direction.",
                      stacklevel=3)

# ----------------------------------------------------------------------------- AUC and comparison


def _ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator as a float; 0/0 is 0 (pROC's rule for equal AUCs), x/0 is +-inf."""
    if numerator == 0 and denominator == 0:
        return 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64(numerator) / denominator)


def roc_auc(df: pd.DataFrame, *, outcome: str, predictor: Any, positive: Any = 1, direction: str = "<",
            level: float = 0.95) -> pd.DataFrame:
    """Area under the ROC curve with DeLong's confidence interval (pROC ``ci.auc(method="delong")``).

    Parameters
    ----------
    df : DataFrame
        One row per patient; not modified.
    outcome : str
        Binary outcome column.
    predictor : str, LogisticResult or array-like
        Column name, a fitted :class:`helpers.stats.logistic.LogisticResult` (its predicted probabilities)
        or one score per row.
    positive : default 1
        Value of ``outcome`` that marks a case (1 also matches True).
    direction : {"<", ">"}
        ``"<"``: controls < cases (higher values predict the case).
    level : float
        Confidence level.

    Returns
    -------
    DataFrame
        One row: ``predictor, estimate`` (AUC), ``ci_low, ci_high, variance, standard_error, n,
        n_cases, n_controls, direction, level, method``.

    Raises
    ------
    InputError
        Missing column or values, an outcome that is not binary, an unknown direction.
    NotEstimable
        The predictor has the same value for every patient (no ranking, so no AUC to estimate).

    Notes
    -----
    CI = AUC -/+ z_(1+level)/2 * sqrt(var), the DeLong variance from :func:`delong_auc`; as in pROC
    the limits are clipped to [0, 1]. Warnings flag fewer than 10 cases or controls, zero variance
    (AUC 0 or 1) and AUC < 0.5.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> good = np.repeat([0, 1], 40)
    >>> df = pd.DataFrame({"good": good, "fa": rng.normal(0.50 + 0.04 * good, 0.05),
    ...                    "f": rng.normal(0.12 - 0.02 * good, 0.04)})
    >>> roc_auc(df, outcome="good", predictor="fa")[["estimate", "ci_low", "ci_high"]].round(3)
       estimate  ci_low  ci_high
    0     0.711   0.597    0.826
    """
    z = z_quantile(level)
    _check_direction(direction)
    is_case = case_mask(df, outcome, positive)
    label, x = scores_of(df, predictor, 1)
    require_complete(df, [outcome, label], [x])
    _require_varying(x, label, outcome, "its AUC would be 0.5 by construction, with no confidence interval")
    result = delong_auc(is_case, x, direction)
    auc, variance = float(result.auc[0]), float(result.covariance[0, 0])
    _warn_auc(auc, variance, result.n_cases, result.n_controls, label)
    se = np.sqrt(variance)
    return pd.DataFrame([{
        "predictor": label, "estimate": auc, "ci_low": max(0.0, auc - z * se), "ci_high": min(1.0, auc + z * se),
        "variance": variance, "standard_error": se, "n": len(x), "n_cases": result.n_cases,
        "n_controls": result.n_controls, "direction": direction, "level": level, "method": DELONG_METHOD}])


def compare_auc(df: pd.DataFrame, *, outcome: str, predictors: Sequence[Any], positive: Any = 1,
                directions: str | Sequence[str] = "<", paired: bool = True, level: float = 0.95) -> pd.DataFrame:
    """Compare two AUCs with DeLong's test (pROC ``roc.test(roc1, roc2, method="delong")``).

    Parameters
    ----------
    df : DataFrame
        One row per patient; not modified.
    outcome : str
        Binary outcome column.
    predictors : pair of (str, LogisticResult or array-like)
        The two predictors; each a column name, a fitted :class:`helpers.stats.logistic.LogisticResult`
        (e.g. FA + f) or one
        score per row (a Series aligned on ``df.index`` or an array in row order).
    positive : default 1
        Value of ``outcome`` that marks a case.
    directions : {"<", ">"} or a pair of them
        One for both predictors or one each; model probabilities use ``"<"``.
    paired : bool
        True: the same patients for both (rows must be complete). False: each predictor uses its own
        non-missing rows, assumed to be different patients.
    level : float
        Confidence level of the difference.

    Returns
    -------
    DataFrame
        One row: ``predictor_1, predictor_2, auc_1, auc_2, estimate`` (auc_1 - auc_2), ``ci_low,
        ci_high, standard_error, statistic, df`` (NaN when paired), ``p_value`` (two-sided),
        ``correlation`` (of the two AUC estimates; NaN unpaired), ``n, n_cases, n_controls,
        direction_1, direction_2, level, method``.

    Raises
    ------
    NotEstimable
        A predictor has the same value for every patient (it has no AUC to compare).

    Notes
    -----
    Paired: Z = (AUC1 - AUC2) / sqrt(V1 + V2 - 2 C12), with the DeLong covariance of
    :func:`delong_auc` (DeLong et al. 1988); CI = difference -/+ z * SE; Z = 0 when both difference
    and SE are 0. Unpaired (pROC): D = (AUC1 - AUC2) / sqrt(V1 + V2) on Welch-Satterthwaite
    df = (V1 + V2)^2 / (V1^2 / (N1 - 1) + V2^2 / (N2 - 1)); the CI uses the same t quantile (pROC
    gives none). Comparing a fitted model with one of its own predictors (nested models) makes the
    DeLong test conservative (Demler, Pencina & D'Agostino 2012, Stat Med 31:2577-2587); a warning
    says so and a Wald or likelihood-ratio test of the added term is the better test.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> good = np.repeat([0, 1], 40)
    >>> df = pd.DataFrame({"good": good, "fa": rng.normal(0.50 + 0.04 * good, 0.05),
    ...                    "f": rng.normal(0.12 - 0.02 * good, 0.04)})
    >>> result = compare_auc(df, outcome="good", predictors=("fa", "f"), directions=("<", ">"))
    >>> result[["estimate", "statistic", "p_value"]].round(3)
       estimate  statistic  p_value
    0    -0.014     -0.174    0.861
    """
    z = z_quantile(level)
    if isinstance(predictors, (str, bytes)) or len(predictors) != 2:
        raise InputError(f"predictors={predictors!r}: give exactly two, e.g. predictors=('fa', 'adc').")
    dirs = (directions, directions) if isinstance(directions, str) else tuple(directions)
    if len(dirs) != 2:
        raise InputError(f"directions={directions!r}: give one direction or a pair.")
    for d in dirs:
        _check_direction(d, "directions")
    is_case = case_mask(df, outcome, positive)
    (label1, x1), (label2, x2) = (scores_of(df, p, i + 1) for i, p in enumerate(predictors))
    for label, x in ((label1, x1), (label2, x2)):
        _require_varying(x, label, outcome, "it has no AUC to compare")
    terms = [set(p.predictors) if isinstance(p, FittedModel) else {p} if isinstance(p, str) else None
             for p in predictors]
    if (any(isinstance(p, FittedModel) for p in predictors) and None not in terms
            and (terms[0] <= terms[1] or terms[1] <= terms[0])):
        warnings.warn(f"'{label1}' and '{label2}' are nested models fitted on these data: the DeLong "
                      "test is conservative here (Demler et al. 2012); test the added terms with a Wald or "
                      "likelihood-ratio test and report the AUCs descriptively.", stacklevel=2)
    if paired:
        require_complete(df, [outcome, label1, label2], [x1, x2])
        result = delong_auc(is_case, np.vstack([x1, x2]), dirs)
        (a1, a2), cov = result.auc, result.covariance
        se, diff = np.sqrt(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1]), a1 - a2
        statistic = _ratio(diff, se)
        dof, p_value, quantile = np.nan, float(2 * stats.norm.sf(abs(statistic))), z
        correlation = _ratio(cov[0, 1], np.sqrt(cov[0, 0] * cov[1, 1]))
        n, n_cases, n_controls = len(x1), result.n_cases, result.n_controls
        method = "Paired DeLong test, Z (DeLong 1988; Sun & Xu 2014)"
        for a, v, lab in ((a1, cov[0, 0], label1), (a2, cov[1, 1], label2)):
            _warn_auc(float(a), float(v), n_cases, n_controls, lab)
    else:
        parts = []
        for x, d in ((x1, dirs[0]), (x2, dirs[1])):
            keep = ~np.isnan(x)
            parts.append((delong_auc(is_case[keep], x[keep], d), int(keep.sum())))
        (r1, n1), (r2, n2) = parts
        a1, a2, v1, v2 = r1.auc[0], r2.auc[0], r1.covariance[0, 0], r2.covariance[0, 0]
        both = ~np.isnan(x1) & ~np.isnan(x2)
        if both.any():
            warnings.warn(f"{int(both.sum())} rows have both predictors: the unpaired test ignores their "
                          "correlation; use paired=True for the same patients.", stacklevel=2)
        diff, se = a1 - a2, np.sqrt(v1 + v2)
        statistic = _ratio(diff, se)
        dof = _ratio((v1 + v2) ** 2, v1 ** 2 / (n1 - 1) + v2 ** 2 / (n2 - 1))
        p_value, quantile = float(2 * stats.t.sf(abs(statistic), dof)), float(stats.t.ppf(0.5 + level / 2, dof))
        used = ~np.isnan(x1) | ~np.isnan(x2)
        correlation, n, n_cases = np.nan, int(used.sum()), int(is_case[used].sum())
        n_controls = n - n_cases
        method = "Unpaired DeLong test, D on Welch df (pROC roc.test)"
    return pd.DataFrame([{
        "predictor_1": label1, "predictor_2": label2, "auc_1": float(a1), "auc_2": float(a2),
        "estimate": float(diff), "ci_low": float(diff - quantile * se), "ci_high": float(diff + quantile * se),
        "standard_error": float(se), "statistic": statistic, "df": dof, "p_value": p_value, "correlation": correlation, "n": n,
        "n_cases": n_cases, "n_controls": n_controls, "direction_1": dirs[0], "direction_2": dirs[1],
        "level": level, "method": method}])

# ----------------------------------------------------------------------------- thresholds


def _gap_rates(case_counts: np.ndarray, control_counts: np.ndarray) -> tuple[np.ndarray, ...]:
    """Sensitivity, specificity and m*n*(J + 1) (exact in floating point) at the k+1 gaps, (B, k+1) each.

    Counts are per ascending distinct value (B, k). Gap g calls a value positive when its index is
    >= g (gap 0: all positive; gap k: none).
    """
    zero = np.zeros((len(case_counts), 1))
    cases_below = np.concatenate([zero, np.cumsum(case_counts, axis=1)], axis=1)
    controls_below = np.concatenate([zero, np.cumsum(control_counts, axis=1)], axis=1)
    m, n = cases_below[:, -1:], controls_below[:, -1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        return (m - cases_below) / m, controls_below / n, (m - cases_below) * n + controls_below * m


def _gap_thresholds(values: np.ndarray, present: np.ndarray, gap: np.ndarray, convention: str) -> np.ndarray:
    """Threshold of gap ``gap`` (B, G) given the values ``present`` (B, k) in each sample."""
    k = len(values)
    index = np.arange(k)
    next_present = np.minimum.accumulate(np.where(present, index, k)[:, ::-1], axis=1)[:, ::-1]
    next_present = np.concatenate([next_present, np.full((len(present), 1), k)], axis=1)
    above = np.append(values, np.inf)[np.take_along_axis(next_present, gap, axis=1)]
    if convention == "observed":
        return above
    last_present = np.maximum.accumulate(np.where(present, index, -1), axis=1)
    last_present = np.concatenate([np.full((len(present), 1), -1), last_present], axis=1)
    below = np.insert(values, 0, -np.inf)[np.take_along_axis(last_present, gap, axis=1) + 1]
    return (below + above) / 2


def _threshold_inputs(df, outcome, predictor, positive, direction, convention):
    _check_direction(direction)
    if convention not in CONVENTIONS:
        raise InputError(f"convention={convention!r}: use 'midpoint' (pROC) or 'observed' (scikit-learn).")
    is_case = case_mask(df, outcome, positive)
    label, x = scores_of(df, predictor, 1)
    require_complete(df, [outcome, label], [x])
    sign = -1.0 if direction == ">" else 1.0
    values, codes = np.unique(sign * x, return_inverse=True)
    return label, is_case, sign, values, codes


def _percentiles(values: np.ndarray, probabilities: Sequence[float]) -> np.ndarray:
    """Linear-interpolation percentiles (R type 7, numpy's default) that keep equal infinite neighbours."""
    ordered = np.sort(values)
    position = (len(ordered) - 1) * np.asarray(probabilities)
    low, high = ordered[np.floor(position).astype(int)], ordered[np.ceil(position).astype(int)]
    with np.errstate(invalid="ignore"):
        return np.where(low == high, low, low + (position - np.floor(position)) * (high - low))


def roc_curve_points(df: pd.DataFrame, *, outcome: str, predictor: Any, positive: Any = 1,
                     direction: str = "<", convention: str = "midpoint") -> pd.DataFrame:
    """Sensitivity and specificity at every threshold, for plotting an ROC curve.

    Parameters
    ----------
    df, outcome, predictor, positive, direction
        As in :func:`roc_auc`.
    convention : {"midpoint", "observed"}
        ``"midpoint"``: -inf, the midpoints between consecutive sorted distinct values, +inf (pROC).
        ``"observed"``: the distinct observed values plus one infinite end (scikit-learn).

    Returns
    -------
    DataFrame
        One row per threshold, ascending: ``threshold, sensitivity, specificity,
        false_positive_rate`` (1 - specificity).

    Notes
    -----
    Direction ``"<"`` calls a patient positive when value >= threshold, ``">"`` when value <=
    threshold (pROC: controls < t <= cases). With k distinct values there are k + 1 points.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> good = np.repeat([0, 1], 40)
    >>> df = pd.DataFrame({"good": good, "fa": rng.normal(0.50 + 0.04 * good, 0.05),
    ...                    "f": rng.normal(0.12 - 0.02 * good, 0.04)})
    >>> roc_curve_points(df, outcome="good", predictor="fa").head(3).round(3)
       threshold  sensitivity  specificity  false_positive_rate
    0       -inf          1.0        0.000                1.000
    1      0.385          1.0        0.025                0.975
    2      0.412          1.0        0.050                0.950
    """
    _, is_case, sign, values, codes = _threshold_inputs(df, outcome, predictor, positive, direction, convention)
    k = len(values)
    sens, spec, _ = _gap_rates(np.bincount(codes[is_case], minlength=k)[None, :],
                            np.bincount(codes[~is_case], minlength=k)[None, :])
    thresholds = sign * _gap_thresholds(values, np.ones((1, k), bool), np.arange(k + 1)[None, :], convention)
    table = pd.DataFrame({"threshold": thresholds[0], "sensitivity": sens[0], "specificity": spec[0]})
    table["false_positive_rate"] = 1 - table["specificity"]
    return table.sort_values("threshold", kind="stable").reset_index(drop=True)


def youden_threshold(df: pd.DataFrame, *, outcome: str, predictor: Any, positive: Any = 1,
                     direction: str = "<", convention: str = "midpoint", n_boot: int = 0, level: float = 0.95,
                     stratified: bool = True, rng: int | np.random.Generator | None = None) -> pd.DataFrame:
    """Threshold maximising Youden's J = sensitivity + specificity - 1, with a bootstrap CI.

    Parameters
    ----------
    df, outcome, predictor, positive, direction
        As in :func:`roc_auc`.
    convention : {"midpoint", "observed"}
        See :func:`roc_curve_points`; pROC reports midpoints, scikit-learn observed values.
    n_boot : int
        Bootstrap resamples for the threshold's percentile CI (0: no CI).
    level : float
        Confidence level.
    stratified : bool
        Resample cases and controls separately (pROC's default), keeping their numbers fixed.
    rng : int, numpy.random.Generator or None
        Seed or generator; pass an int for reproducible results.

    Returns
    -------
    DataFrame
        One row: ``predictor, threshold, ci_low, ci_high, sensitivity, specificity, youden_index, n,
        n_cases, n_controls, n_boot, level, convention, direction, method``.

    Raises
    ------
    NotEstimable
        The predictor has the same value for every patient (no threshold separates anyone).

    Notes
    -----
    J is evaluated at every threshold of :func:`roc_curve_points` (Youden 1950, Cancer 3:32-35).
    Among tied maxima the threshold with the highest sensitivity is reported, with a warning. The
    bootstrap counts each distinct value per resample (all resamples at once) and repeats the same
    search, thresholds taken between the values present in that resample; the CI is the percentile
    interval. Cutpoints chosen this way are optimistic in the data that chose them.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> good = np.repeat([0, 1], 40)
    >>> df = pd.DataFrame({"good": good, "fa": rng.normal(0.50 + 0.04 * good, 0.05),
    ...                    "f": rng.normal(0.12 - 0.02 * good, 0.04)})
    >>> best = youden_threshold(df, outcome="good", predictor="fa", n_boot=500, rng=1)
    >>> best[["threshold", "ci_low", "ci_high", "sensitivity", "specificity"]].round(3)
       threshold  ci_low  ci_high  sensitivity  specificity
    0      0.534   0.486    0.548         0.55         0.85
    """
    label, is_case, sign, values, codes = _threshold_inputs(df, outcome, predictor, positive, direction,
                                                            convention)
    z_quantile(level)
    _require_varying(sign * values[codes], label, outcome, "no threshold on it separates them")
    k = len(values)
    case_counts = np.bincount(codes[is_case], minlength=k)[None, :]
    control_counts = np.bincount(codes[~is_case], minlength=k)[None, :]
    sens, spec, exact = _gap_rates(case_counts, control_counts)
    youden = (sens + spec - 1)[0]
    best = int(np.argmax(exact[0]))  # first maximum: the highest sensitivity
    all_thresholds = sign * _gap_thresholds(values, np.ones((1, k), bool), np.arange(k + 1)[None, :], convention)[0]
    if youden[best] <= 0:
        warnings.warn(f"'{label}': no threshold has a Youden index above 0; the reported threshold is "
                      "infinite or uninformative.", stacklevel=2)
    tied = np.flatnonzero(exact[0] == exact[0, best])
    if len(tied) > 1:
        warnings.warn(f"'{label}': {len(tied)} thresholds share the maximal Youden index "
                      f"({all_thresholds[tied].tolist()}); reporting the one with the highest sensitivity.",
                      stacklevel=2)
    ci_low = ci_high = np.nan
    if n_boot and n_boot > 0:
        generator = as_rng(rng)
        boot = []
        case_codes, control_codes = codes[is_case], codes[~is_case]
        chunk = max(1, 2_000_000 // len(codes))
        for start in range(0, int(n_boot), chunk):
            b = min(chunk, int(n_boot) - start)
            offsets = (np.arange(b) * (k + 1))[:, None]
            if stratified:
                drawn_cases = case_codes[generator.integers(0, len(case_codes), (b, len(case_codes)))]
                drawn_controls = control_codes[generator.integers(0, len(control_codes), (b, len(control_codes)))]
            else:
                draw = generator.integers(0, len(codes), (b, len(codes)))
                drawn_cases = np.where(is_case[draw], codes[draw], k)  # code k: the other group, dropped below
                drawn_controls = np.where(~is_case[draw], codes[draw], k)
            boot_cases = np.bincount((drawn_cases + offsets).ravel(), minlength=b * (k + 1))
            boot_controls = np.bincount((drawn_controls + offsets).ravel(), minlength=b * (k + 1))
            boot_cases, boot_controls = (c.reshape(b, k + 1)[:, :k].astype(float) for c in (boot_cases, boot_controls))
            gap = np.argmax(_gap_rates(boot_cases, boot_controls)[2], axis=1)[:, None]
            thresholds = sign * _gap_thresholds(values, (boot_cases + boot_controls) > 0, gap, convention)[:, 0]
            valid = (boot_cases.sum(axis=1) > 0) & (boot_controls.sum(axis=1) > 0)
            boot.append(thresholds[valid])
        boot = np.concatenate(boot)
        if len(boot) < n_boot:
            warnings.warn(f"{n_boot - len(boot)} resamples without cases or controls were dropped.", stacklevel=2)
        infinite = int(np.isinf(boot).sum())
        if infinite:
            warnings.warn(f"{infinite} resamples had no threshold with Youden index above 0 (infinite threshold).",
                          stacklevel=2)
        ci_low, ci_high = _percentiles(boot, [0.5 - level / 2, 0.5 + level / 2])
    return pd.DataFrame([{
        "predictor": label, "threshold": float(all_thresholds[best]), "ci_low": float(ci_low),
        "ci_high": float(ci_high), "sensitivity": float(sens[0, best]), "specificity": float(spec[0, best]),
        "youden_index": float(youden[best]), "n": len(codes), "n_cases": int(is_case.sum()),
        "n_controls": int((~is_case).sum()), "n_boot": int(n_boot), "level": level, "convention": convention,
        "direction": direction, "method": "Youden index" + (", percentile bootstrap CI" if n_boot else "")}])


# ----------------------------------------------------------------------------- at a threshold
_ACCURACY_NAMES = {"sensitivity": "sensitivity", "specificity": "specificity", "ppv": "positive_predictive_value",
                   "npv": "negative_predictive_value", "lr_positive": "positive_likelihood_ratio",
                   "lr_negative": "negative_likelihood_ratio", "true_positive": "true_positives",
                   "false_positive": "false_positives", "false_negative": "false_negatives",
                   "true_negative": "true_negatives"}
ACCURACY_QUANTITIES = tuple(_ACCURACY_NAMES.values())
"""The ``quantity`` rows of :func:`classification_metrics`, in order."""


def classification_metrics(df: pd.DataFrame, *, outcome: str, predictor: Any, threshold: float,
                           direction: str = "<", positive: Any = 1, level: float = 0.95) -> pd.DataFrame:
    """Sensitivity, specificity, predictive values and likelihood ratios at one threshold.

    Parameters
    ----------
    df, outcome, predictor, positive, direction, level
        As in :func:`roc_auc`.
    threshold : float
        ``"<"``: positive when value >= threshold; ``">"``: positive when value <= threshold.

    Returns
    -------
    DataFrame
        One row per quantity (``sensitivity, specificity, positive_predictive_value,
        negative_predictive_value, positive_likelihood_ratio, negative_likelihood_ratio,
        true_positives, false_positives, false_negatives, true_negatives``) with columns ``quantity,
        estimate, ci_low, ci_high, numerator, denominator, threshold, direction, n, method``.

    Notes
    -----
    The 2x2 table at the threshold goes to :func:`helpers.stats.diagnostic.accuracy_from_counts`, so the
    book has one convention: proportions carry Wilson score intervals (Wilson 1927);
    LR+ = sens / (1 - spec), LR- = (1 - sens) / spec, CI exp(log LR -/+ z * SE) with
    SE(log LR+) = sqrt(1/TP - 1/(TP+FN) + 1/FP - 1/(FP+TN)) and
    SE(log LR-) = sqrt(1/FN - 1/(TP+FN) + 1/TN - 1/(FP+TN)) (Simel, Samsa & Matchar 1991,
    J Clin Epidemiol 44:763-770). When a cell a ratio needs (TP or FP for LR+, FN or TN for LR-) is
    zero, 0.5 is added to every cell for that ratio (estimate and CI), with a warning, and the
    ``method`` says so. Predictive values depend on the prevalence in these data. A threshold chosen
    on the same data (e.g. Youden's) gives optimistic values.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> good = np.repeat([0, 1], 40)
    >>> df = pd.DataFrame({"good": good, "fa": rng.normal(0.50 + 0.04 * good, 0.05),
    ...                    "f": rng.normal(0.12 - 0.02 * good, 0.04)})
    >>> table = classification_metrics(df, outcome="good", predictor="fa", threshold=0.52)
    >>> table[["quantity", "estimate", "ci_low", "ci_high"]].head(2).round(3)
          quantity  estimate  ci_low  ci_high
    0  sensitivity     0.625   0.470    0.758
    1  specificity     0.700   0.546    0.819
    """
    z_quantile(level)
    _check_direction(direction)
    is_case = case_mask(df, outcome, positive)
    label, x = scores_of(df, predictor, 1)
    require_complete(df, [outcome, label], [x])
    called = x >= threshold if direction == "<" else x <= threshold
    tp, fp = int((called & is_case).sum()), int((called & ~is_case).sum())
    fn, tn = int((~called & is_case).sum()), int((~called & ~is_case).sum())
    fractions = {"sensitivity": (tp, tp + fn), "specificity": (tn, tn + fp), "ppv": (tp, tp + fp),
                 "npv": (tn, tn + fn)}
    for name, (_, denominator) in fractions.items():
        if denominator == 0:
            warnings.warn(f"{_ACCURACY_NAMES[name]} is undefined: no patients in its denominator at threshold "
                          f"{threshold}.", stacklevel=2)
    two_by_two = pd.DataFrame({"test_positive": called.astype(int), "disease_present": is_case.astype(int)})
    table = accuracy_from_counts(two_by_two, level=level, interval="wilson")
    table = table[table["quantity"].isin(list(_ACCURACY_NAMES))].set_index("quantity").loc[list(_ACCURACY_NAMES)]
    counts = {"true_positive": tp, "false_positive": fp, "false_negative": fn, "true_negative": tn}
    numerator = [fractions[q][0] if q in fractions else counts.get(q, np.nan) for q in table.index]
    denominator = [fractions[q][1] if q in fractions else len(x) if q in counts else np.nan for q in table.index]
    return pd.DataFrame({
        "quantity": [_ACCURACY_NAMES[q] for q in table.index], "estimate": table["estimate"].to_numpy(float),
        "ci_low": table["ci_low"].to_numpy(float), "ci_high": table["ci_high"].to_numpy(float),
        "numerator": numerator, "denominator": denominator, "threshold": float(threshold),
        "direction": direction, "n": len(x), "method": table["method"].to_numpy()})
