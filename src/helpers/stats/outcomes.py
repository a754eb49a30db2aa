"""Clinical outcome scores derived from questionnaire scores (e.g. the mJOA recovery rate)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from helpers.validation.errors import InputError

MJOA_MAXIMUM = 18.0
"""Maximum (normal function) of the modified Japanese Orthopaedic Association score (Benzel 1991)."""


def _as_series(values: Any, name: str, index: pd.Index | None) -> pd.Series:
    if isinstance(values, pd.Series):
        series = values
    else:
        array = np.asarray(values)
        if array.ndim != 1:
            raise InputError(f"{name}: expected one score per patient (one-dimensional), got shape {array.shape}.")
        series = pd.Series(array, index=index)
    try:
        return series.astype(float)
    except (TypeError, ValueError):
        raise InputError(f"{name}: scores must be numbers (got dtype {series.dtype}); convert the column first.") \
            from None


def recovery_rate(pre: Any, post: Any, *, maximum: float = MJOA_MAXIMUM) -> pd.Series:
    """Recovery rate (%) of a score from before to after surgery (Hirabayashi's formula).

    Parameters
    ----------
    pre, post : array-like or Series of numbers
        Scores before and after surgery, one per patient, in [0, ``maximum``]. Series must share
        their index; missing values give a missing recovery rate.
    maximum : float
        Score of normal function: 18 for the mJOA (default), 17 for the original JOA score.

    Returns
    -------
    Series
        ``recovery_rate`` in percent, on the index of ``pre`` (a RangeIndex for arrays). Missing
        (NaN) where ``pre`` equals ``maximum`` (the formula is undefined: nothing left to recover);
        those patients are counted in a warning so that their exclusion can be reported.

    Raises
    ------
    InputError
        Scores outside [0, ``maximum``], unequal lengths or differently indexed Series.

    Notes
    -----
    recovery rate = (post - pre) / (maximum - pre) x 100: the share of the possible improvement that
    was achieved; 100 = full recovery, 0 = unchanged, negative = worse (Hirabayashi et al. 1981, Spine
    6:354-364, for the JOA score with maximum 17; Benzel et al. 1991, J Spinal Disord 4:286-295, for
    the mJOA with maximum 18).

    Examples
    --------
    >>> recovery_rate([10, 12, 18], [15, 12, 18]).round(1).tolist()  # warns: 1 patient at the maximum
    [62.5, 0.0, nan]
    """
    try:
        maximum = float(maximum)
    except (TypeError, ValueError):
        raise InputError(f"maximum={maximum!r}: give the score's maximum, e.g. 18 for the mJOA.") from None
    if not np.isfinite(maximum) or maximum <= 0:
        raise InputError(f"maximum={maximum!r}: give the score's maximum, e.g. 18 for the mJOA.")
    before = _as_series(pre, "pre", None)
    if np.ndim(post) == 1 and len(post) != len(before):
        raise InputError(f"pre has {len(before)} scores and post {len(post)}; give one pair per patient.")
    after = _as_series(post, "post", None if isinstance(post, pd.Series) else before.index)
    if not before.index.equals(after.index):
        raise InputError("pre and post are indexed differently; take both columns from the same data frame.")
    for name, series in (("pre", before), ("post", after)):
        outside = (series < 0) | (series > maximum)
        if outside.any():
            rows = ", ".join(map(str, series.index[outside][:10]))
            raise InputError(f"{name}: scores outside 0-{maximum:g} in rows {rows}; check the scale (mJOA: "
                             "0-18, original JOA: 0-17, set maximum=17).")
    at_maximum = before == maximum
    if at_maximum.any():
        warnings.warn(f"{int(at_maximum.sum())} patient(s) scored the maximum ({maximum:g}) before surgery: the "
                      "recovery rate is undefined for them (left missing); report how many were excluded.",
                      stacklevel=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = (after - before) / (maximum - before) * 100.0
    return rate.where(~at_maximum).rename("recovery_rate")
