"""Power and detectable differences of two-sample and paired comparisons of means (pingouin)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from helpers.validation.errors import InputError


# --------------------------------------------------------------------------------------------- power
def _power_row(design: str, n1: float, n2: float | None, sd: float, alpha: float, power: float, d: float) -> dict:
    return {"design": design, "n1": n1, "n2": n2, "sd": sd, "alpha": alpha, "power": power, "effect_size_d": d,
            "difference": d * sd}


def detectable_difference(n1: int, n2: int | None = None, *, sd: float, power: float = 0.8, alpha: float = 0.05,
                          paired: bool = False) -> pd.DataFrame:
    """Smallest true difference in means detected with the given power by a two-sided t-test.

    Parameters
    ----------
    n1 : int
        Patients in the first group, or the number of pairs when ``paired``.
    n2 : int, optional
        Patients in the second group (default ``n1``); ignored when ``paired``.
    sd : float
        Standard deviation of the outcome (two-sample) or of the within-pair differences (paired).
    power, alpha : float
        Power and two-sided significance level.
    paired : bool
        Paired t-test on ``n1`` pairs instead of the two-sample test.

    Returns
    -------
    DataFrame
        One row: ``design`` ("two-sample t-test" or "paired t-test"), ``n1``, ``n2``, ``sd``, ``alpha``,
        ``power``, ``effect_size_d`` (Cohen's d, or d_z for paired data) and ``difference`` (d x sd).

    Notes
    -----
    Noncentral t computations of pingouin ``power_ttest`` / ``power_ttest2n`` (as R's ``pwr.t.test``
    and ``pwr.t2n.test``). R: ``pwr.t.test(n = 150, power = 0.8, sig.level = 0.05)`` gives d = 0.3245.

    Examples
    --------
    >>> round(float(detectable_difference(150, sd=20).loc[0, "effect_size_d"]), 4)
    0.3245
    """
    import pingouin

    _check_power_inputs(n1, n2, sd, alpha, power)
    if paired:
        d = float(pingouin.power_ttest(n=n1, power=power, alpha=alpha, contrast="paired"))
        return pd.DataFrame([_power_row("paired t-test", n1, None, sd, alpha, power, d)])
    n2 = n1 if n2 is None else n2
    d = float(pingouin.power_ttest(n=n1, power=power, alpha=alpha) if n1 == n2
              else pingouin.power_ttest2n(nx=n1, ny=n2, power=power, alpha=alpha))
    return pd.DataFrame([_power_row("two-sample t-test", n1, n2, sd, alpha, power, d)])


def power_for_difference(difference: float, n1: int, n2: int | None = None, *, sd: float, alpha: float = 0.05,
                         paired: bool = False) -> pd.DataFrame:
    """Power of a two-sided t-test to detect a true difference in means.

    Parameters
    ----------
    difference : float
        True difference in means (outcome units).
    n1, n2, sd, alpha, paired
        As in :func:`detectable_difference`.

    Returns
    -------
    DataFrame
        The columns of :func:`detectable_difference`, with ``power`` computed.

    Examples
    --------
    >>> round(float(power_for_difference(5, 150, sd=20).loc[0, "power"]), 3)
    0.579
    """
    import pingouin

    _check_power_inputs(n1, n2, sd, alpha, 0.5)
    d = difference / sd
    if paired:
        power = float(pingouin.power_ttest(d=d, n=n1, alpha=alpha, contrast="paired"))
        return pd.DataFrame([_power_row("paired t-test", n1, None, sd, alpha, power, d)])
    n2 = n1 if n2 is None else n2
    power = float(pingouin.power_ttest(d=d, n=n1, alpha=alpha) if n1 == n2
                  else pingouin.power_ttest2n(nx=n1, ny=n2, d=d, alpha=alpha))
    return pd.DataFrame([_power_row("two-sample t-test", n1, n2, sd, alpha, power, d)])


def _check_power_inputs(n1: Any, n2: Any, sd: float, alpha: float, power: float) -> None:
    for name, value in (("n1", n1), ("n2", n2)):
        if value is not None and not (np.isfinite(value) and value >= 2):
            raise InputError(f"{name}={value!r}: give a sample size of at least 2.")
    if not (np.isfinite(sd) and sd > 0):
        raise InputError(f"sd={sd!r}: give a positive standard deviation.")
    if not 0 < alpha < 1 or not 0 < power < 1:
        raise InputError(f"alpha={alpha!r} and power={power!r} must lie between 0 and 1.")
