"""Sensitivity to unmeasured confounding: the E-value of a ratio and of a difference in means."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from helpers.validation.checks import require_columns, two_levels
from helpers.validation.errors import InputError
from helpers.validation.estimable import NotEstimable


# ------------------------------------------------------------------------------------------ E-value
def pooled_standard_deviation(df: pd.DataFrame, *, outcome: str, group: str) -> float:
    """Pooled within-group standard deviation of an outcome over two groups.

    sqrt(((n1 - 1) s1^2 + (n0 - 1) s0^2) / (n1 + n0 - 2)), missing outcomes left out: the SD that turns a
    difference in means into Cohen's d (e.g. for :func:`e_value_for_mean_difference`).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"arm": ["a"] * 3 + ["b"] * 3, "y": [1.0, 2.0, 3.0, 2.0, 4.0, 6.0]})
    >>> round(pooled_standard_deviation(d, outcome="y", group="arm"), 4)  # sqrt((2 x 1 + 2 x 4) / 4)
    1.5811
    """
    require_columns(df, [outcome, group])
    data = df[[outcome, group]].dropna()
    two_levels(data, group, None)
    parts = data.groupby(group)[outcome]
    sizes, variances = parts.count(), parts.var(ddof=1)
    if (sizes < 2).any():
        raise NotEstimable(f"each group of '{group}' needs at least 2 values of '{outcome}' for a standard "
                           f"deviation; found {', '.join(f'{int(n)} ({label})' for label, n in sizes.items())}")
    return float(math.sqrt(((sizes - 1) * variances).sum() / (sizes.sum() - 2)))


def e_value_for_mean_difference(estimate: float, ci_low: float | None = None, ci_high: float | None = None, *,
                                sd: float) -> EValueResult:
    """E-value of a difference in means, through the standardised difference d = difference / SD.

    Parameters
    ----------
    estimate, ci_low, ci_high : float
        The difference in means and its confidence limits (outcome units).
    sd : float
        Standard deviation of the outcome (e.g. pooled over the groups) that standardises them.

    Returns
    -------
    EValueResult
        From :func:`helpers.stats.sensitivity.e_value` with ``scale="smd"``: the estimate and limits are the
        standardised ones (d), ``risk_ratio`` = exp(0.91 d), ``e_value_estimate`` and ``e_value_ci``.

    Notes
    -----
    VanderWeele and Ding (Ann Intern Med 2017;167:268-274): a standardised difference d corresponds
    approximately to a risk ratio exp(0.91 d); E = RR + sqrt(RR (RR - 1)) (with 1 / RR below 1).

    Examples
    --------
    >>> round(e_value_for_mean_difference(10.0, 4.0, 16.0, sd=20.0).e_value_estimate, 3)
    2.529
    """
    if not (np.isfinite(sd) and sd > 0):
        raise InputError(f"sd={sd!r}: give the outcome's standard deviation, a positive number.")
    scaled = [None if value is None else value / sd for value in (estimate, ci_low, ci_high)]
    return e_value(scaled[0], scaled[1], scaled[2], scale="smd")


@dataclass(frozen=True)
class EValueResult:
    """E-value of an estimate and of its confidence limit closest to the null (see :func:`e_value`)."""

    estimate: float
    ci_low: float | None
    ci_high: float | None
    scale: str
    risk_ratio: float
    risk_ratio_ci_low: float | None
    risk_ratio_ci_high: float | None
    e_value_estimate: float
    e_value_ci: float | None

    def to_frame(self) -> pd.DataFrame:
        """The result as a one-row DataFrame with the attribute names as columns."""
        return pd.DataFrame([self.__dict__])


def _e_value_of_ratio(ratio: float) -> float:
    ratio = 1.0 / ratio if ratio < 1 else ratio
    return ratio + math.sqrt(ratio * (ratio - 1.0))


def e_value(estimate: float, ci_low: float | None = None, ci_high: float | None = None, *,
            scale: Literal["rr", "or_rare", "or_common", "hr_rare", "hr_common", "smd"] = "rr",
            ) -> EValueResult:
    """E-value: how strong unmeasured confounding must be to explain away an association.

    Parameters
    ----------
    estimate : float
        Point estimate on ``scale``.
    ci_low, ci_high : float, optional
        Confidence limits on the same scale.
    scale : {"rr", "or_rare", "or_common", "hr_rare", "hr_common", "smd"}
        Risk ratio; odds or hazard ratio with a rare (< 15 %) outcome (taken as a risk ratio) or a
        common one; standardised mean difference d.

    Returns
    -------
    EValueResult
        ``estimate``, ``ci_low``, ``ci_high``, ``scale``; ``risk_ratio``, ``risk_ratio_ci_low``,
        ``risk_ratio_ci_high`` (the approximate risk ratios); ``e_value_estimate``; ``e_value_ci``
        (for the limit closest to 1; 1 when the interval includes the null; None without limits).

    Raises
    ------
    InputError
        Non-positive ratios, or limits that do not bracket the estimate.

    Notes
    -----
    For RR >= 1, E = RR + sqrt(RR (RR - 1)); for RR < 1 use 1 / RR. Conversions to an approximate RR:
    common OR -> sqrt(OR); common HR -> (1 - 0.5^sqrt(HR)) / (1 - 0.5^sqrt(1 / HR)); SMD d ->
    exp(0.91 d). VanderWeele TJ, Ding P. Ann Intern Med 2017;167:268-274.

    Examples
    --------
    >>> result = e_value(3.9, 1.8, 8.7)
    >>> round(result.e_value_estimate, 2), round(result.e_value_ci, 2)
    (7.26, 3.0)
    """
    conversions = {
        "rr": lambda x: x, "or_rare": lambda x: x, "hr_rare": lambda x: x,
        "or_common": math.sqrt,
        "hr_common": lambda x: (1 - 0.5 ** math.sqrt(x)) / (1 - 0.5 ** math.sqrt(1 / x)),
        "smd": lambda x: math.exp(0.91 * x),
    }
    if scale not in conversions:
        raise InputError(f"scale must be one of {sorted(conversions)}, not {scale!r}.")
    given = [value for value in (ci_low, estimate, ci_high) if value is not None]
    if not all(math.isfinite(value) for value in given):
        raise InputError(f"the estimate and limits must be finite numbers; got {given}.")
    if scale != "smd" and any(value <= 0 for value in given):
        raise InputError(f"on the {scale} scale the estimate and limits must be positive ratios; got {given}.")
    if given != sorted(given):
        raise InputError(f"expected ci_low <= estimate <= ci_high, got {ci_low}, {estimate}, {ci_high}.")
    convert = conversions[scale]
    ratio = convert(estimate)
    low = None if ci_low is None else convert(ci_low)
    high = None if ci_high is None else convert(ci_high)
    e_ci = None
    if ratio > 1 and low is not None:
        e_ci = 1.0 if low <= 1 else _e_value_of_ratio(low)
    elif ratio < 1 and high is not None:
        e_ci = 1.0 if high >= 1 else _e_value_of_ratio(high)
    elif ratio == 1 and (low is not None or high is not None):
        e_ci = 1.0
    return EValueResult(estimate=estimate, ci_low=ci_low, ci_high=ci_high, scale=scale, risk_ratio=ratio,
                        risk_ratio_ci_low=low, risk_ratio_ci_high=high,
                        e_value_estimate=_e_value_of_ratio(ratio), e_value_ci=e_ci)
