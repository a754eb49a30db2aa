"""Inverse-probability weighting: ATT weights and the weighted difference in means or risks with a sandwich CI."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from helpers.stats.balance import check_frame, treatment_indicator, weights_array
from helpers.stats.two_groups import COMPARISON_COLUMNS
from helpers.validation.checks import check_level, require_columns, rows_label, two_levels
from helpers.validation.errors import InputError
from helpers.validation.estimable import NotEstimable


# ------------------------------------------------------------------------- weighted mean difference
def weighted_mean_difference(df: pd.DataFrame, *, outcome: str, group: str, reference: Any = None,
                             weights: str | pd.Series | np.ndarray | None = None, cluster: str | None = None,
                             cov_type: Literal["HC0", "HC1"] = "HC0", level: float = 0.95,
                             label: str = "mean difference") -> pd.DataFrame:
    """Difference in (weighted) means between two groups with a sandwich (robust) confidence interval.

    Parameters
    ----------
    df : DataFrame
        One row per patient; not modified. Rows with a missing outcome are left out.
    outcome : str
        Outcome column; for a 0/1 outcome the estimate is a risk difference.
    group : str
        Column with the two groups.
    reference : optional
        Reference group; the estimate is other minus reference (default: first sorted value).
    weights : str, Series or array, optional
        Per-row weights (e.g. :func:`helpers.stats.weighting.ipw_att_weights`); unweighted when omitted.
    cluster : str, optional
        Column of clusters (``pair_id`` of a matched cohort): cluster-robust variance instead of ``cov_type``.
    cov_type : {"HC0", "HC1"}
        Heteroscedasticity-consistent variance when ``cluster`` is not given.
    level : float
        Confidence level of the interval.
    label : str
        Value of the ``quantity`` column.

    Returns
    -------
    DataFrame
        One row with columns :data:`helpers.stats.two_groups.COMPARISON_COLUMNS`: ``quantity`` (``label``),
        ``group`` ("other - reference"), ``estimate`` (weighted mean of other minus reference),
        ``ci_low``, ``ci_high`` (normal-theory interval with the sandwich standard error), ``p_value``
        (Wald z test), ``method``, ``n`` (rows used), ``test`` ("Wald z (robust SE)"), ``statistic`` (z).

    Raises
    ------
    InputError
        Missing columns, not exactly two groups, or invalid weights.

    Notes
    -----
    Weighted least squares of the outcome on an intercept and a group indicator; the slope is the
    difference in weighted means. Variance: the sandwich (X'WX)^-1 X'W diag(e^2) W X (X'WX)^-1 (HC0;
    HC1 multiplies it by n / (n - 2)), or with ``cluster`` the CR1 estimator with G / (G - 1) and
    (n - 1) / (n - 2) corrections. R: ``lm(y ~ group, weights = w)`` with
    ``sandwich::vcovHC(fit, type = "HC0")`` or ``sandwich::vcovCL(fit, cluster = ~pair_id)``, the
    analysis MatchIt's vignette "Estimating effects after matching" recommends. With weights from an
    estimated propensity score the interval ignores the estimation of the score; for the ATT this can
    make it slightly too wide or too narrow (Reifeis and Hudgens, Am J Epidemiol 2022;191:1092-1097).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"arm": ["a"] * 3 + ["b"] * 3, "y": [1.0, 2.0, 3.0, 3.0, 4.0, 8.0]})
    >>> round(float(weighted_mean_difference(d, outcome="y", group="arm").loc[0, "estimate"]), 6)
    3.0
    """
    import statsmodels.api as sm

    level = check_level(level)
    if cov_type not in ("HC0", "HC1"):
        raise InputError(f"cov_type={cov_type!r}; use 'HC0' or 'HC1'.")
    require_columns(df, [outcome, group] + ([cluster] if cluster else []) + ([weights] if isinstance(weights, str) else []))
    w = weights_array(df, weights)
    reference, other = two_levels(df, group, reference)
    keep = df[outcome].notna().to_numpy() & df[group].notna().to_numpy() & (w > 0)
    data = df.loc[keep]
    y = data[outcome].to_numpy(dtype=float)
    indicator = (data[group] == other).to_numpy(dtype=float)
    design = np.column_stack([np.ones(len(data)), indicator])
    model = sm.WLS(y, design, weights=w[keep])
    if cluster:
        codes = pd.factorize(data[cluster])[0]
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": codes, "use_correction": True})
        variance = f"cluster-robust SE by '{cluster}' (CR1)"
    else:
        fit = model.fit(cov_type=cov_type)
        variance = f"robust sandwich SE ({cov_type})"
    estimate, standard_error = float(fit.params[1]), float(fit.bse[1])
    z = stats.norm.ppf(0.5 + level / 2)
    statistic = estimate / standard_error if standard_error > 0 else np.nan
    weighting = "unweighted" if weights is None else "weighted"
    return pd.DataFrame([{
        "quantity": label, "group": f"{other} - {reference}", "estimate": estimate,
        "ci_low": estimate - z * standard_error, "ci_high": estimate + z * standard_error,
        "p_value": float(2 * stats.norm.sf(abs(statistic))) if np.isfinite(statistic) else np.nan,
        "method": f"{weighting} least squares difference; {variance}; normal-theory CI", "n": int(keep.sum()),
        "test": "Wald z (robust SE)", "statistic": statistic}], columns=COMPARISON_COLUMNS)


def ipw_att_weights(df: pd.DataFrame, *, treatment: str, propensity: str | pd.Series) -> pd.Series:
    """Inverse-probability weights for the average treatment effect in the treated (ATT).

    Parameters
    ----------
    df : DataFrame
        One row per patient; not modified.
    treatment : str
        Column coded 1 / 0 (or True/False).
    propensity : str or Series
        Column name of the propensity score, or a Series on ``df``'s index
        (``estimate_propensity(...)["propensity"]``).

    Returns
    -------
    Series
        ``weight``, indexed like ``df``: 1 for treated patients, e / (1 - e) for controls.

    Raises
    ------
    InputError
        A score missing or outside [0, 1].
    NotEstimable
        A score of exactly 0 or 1 (separation in the propensity model): a valid cohort that weighting
        cannot use.

    Notes
    -----
    Weighting controls by the odds of treatment makes their covariate distribution resemble the treated
    one (Hirano, Imbens, Ridder. Econometrica 2003;71:1161-1189). Use the weights with
    ``balance_table(..., weights=w)``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"dynamic": [1, 0], "ps": [0.6, 0.2]})
    >>> ipw_att_weights(df, treatment="dynamic", propensity="ps").tolist()
    [1.0, 0.25]
    """
    check_frame(df, [treatment] + ([propensity] if isinstance(propensity, str) else []))
    treated = treatment_indicator(df, treatment)
    score = df[propensity] if isinstance(propensity, str) else propensity.reindex(df.index)
    values = score.to_numpy(dtype=float)
    bad = df.index[~((values >= 0) & (values <= 1))]
    if len(bad):
        raise InputError(f"propensity scores must lie strictly between 0 and 1; rows {rows_label(bad)} do not. "
                         "Fix: re-estimate the scores or trim these patients.")
    certain = df.index[(values == 0) | (values == 1)]
    if len(certain):
        raise NotEstimable(f"the propensity scores of rows {rows_label(certain)} are exactly 0 or 1 (their group "
                           "is certain from the covariates), so their weights are infinite or undefined: "
                           "propensity scores must lie strictly between 0 and 1 for weighting")
    return pd.Series(np.where(treated, 1.0, values / (1.0 - values)), index=df.index, name="weight")
