"""Treatment-effect estimates after propensity-score matching or weighting, their sensitivity and power.

* :func:`compare_matched_pairs`: the paired analysis of a 1:1 matched sample (paired t-test or
  Wilcoxon signed-rank test, chosen by the normality of the within-pair differences);
* :func:`weighted_mean_difference`: a (weighted) difference in means or risks with a sandwich CI,
  for inverse-probability weighting or pair-clustered matched data;
* :func:`compare_adjustment_methods` and :func:`compare_calipers`: crude vs matched vs weighted
  estimates, and the matched estimate under several calipers, side by side;
* :func:`e_value_for_mean_difference`: the E-value of a difference in means;
* :func:`detectable_difference` and :func:`power_for_difference`: two-sample and paired power (pingouin).
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Literal, Sequence

import numpy as np
import pandas as pd
import pingouin
import statsmodels.api as sm
from scipy import stats

from helpers.io import InputError
from helpers.sensitivity import EValueResult, e_value
from helpers.balance import _weights_array, ipw_att_weights
from helpers.correlation import wilcoxon_signed_rank
from helpers.matching import MatchResult, estimate_propensity, match_on_propensity
from helpers.tables import COMPARISON_COLUMNS, compare_two_groups

__all__ = ["summarise_balance", "compare_matched_pairs", "weighted_mean_difference", "compare_adjustment_methods",
           "compare_calipers", "pooled_standard_deviation", "e_value_for_mean_difference", "detectable_difference",
           "power_for_difference"]


def _require(df: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [column for column in columns if column not in df.columns]
    if missing:
        raise InputError(f"column(s) {missing} not found; the data have {list(df.columns)}. "
                         "Rename the columns or pass the right names.")


def _two_levels(df: pd.DataFrame, group: str, reference: Any) -> tuple[Any, Any]:
    levels = sorted(df[group].dropna().unique(), key=str)
    if len(levels) != 2:
        raise InputError(f"'{group}' must have exactly two groups; found {levels}.")
    if reference is None:
        reference = levels[0]
    if reference not in levels:
        raise InputError(f"reference={reference!r} is not a value of '{group}' ({levels}).")
    return reference, next(level for level in levels if level != reference)


def _level(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise InputError(f"confidence={confidence!r}: give a level between 0 and 1, e.g. 0.95.")
    return confidence


# ------------------------------------------------------------------------------------------ balance
def summarise_balance(match: MatchResult, *, threshold: float = 0.1) -> pd.DataFrame:
    """Largest absolute SMD over the covariates before and after matching, and those still above a threshold.

    Parameters
    ----------
    match : MatchResult
        From :func:`helpers.matching.match_on_propensity`.
    threshold : float
        |SMD| above which a covariate counts as imbalanced (0.1 by convention, Austin 2011).

    Returns
    -------
    DataFrame
        Two rows (``sample`` "before matching", "after matching") with ``smd_max`` (largest |SMD| over
        the covariates; the propensity score itself, row ``distance``, excluded), ``covariate`` (where it
        occurs), ``n_above_threshold`` and ``above_threshold`` (comma-separated names, "none").
        ``attrs["denominator"]`` repeats the SD used (MatchIt's: treated arm, full sample).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> generator = np.random.default_rng(1)
    >>> df = pd.DataFrame({"age": generator.normal(60, 10, 200)})
    >>> df["dynamic"] = (generator.random(200) < 1 / (1 + np.exp(-(df["age"] - 65) / 10))).astype(int)
    >>> summarise_balance(match_on_propensity(df, treatment="dynamic", covariates=["age"]))["smd_max"].round(3).tolist()
    [0.648, 0.035]
    """
    table = match.balance[match.balance["covariate"] != "distance"]
    rows = []
    for sample, column in (("before matching", "smd_before"), ("after matching", "smd_after")):
        size = table[column].abs()
        above = table.loc[size > threshold, "covariate"].tolist()
        rows.append({"sample": sample, "smd_max": float(size.max()), "covariate": table.loc[size.idxmax(), "covariate"],
                     "n_above_threshold": len(above), "above_threshold": ", ".join(above) or "none"})
    frame = pd.DataFrame(rows)
    frame.attrs["denominator"] = match.settings.get("smd_denominator")
    return frame


# ----------------------------------------------------------------------------------- paired analysis
def compare_matched_pairs(matched: pd.DataFrame, *, outcome: str, group: str, pair: str = "pair_id",
                          reference: Any = None, normality: Literal["shapiro", "normal", "nonnormal"] = "shapiro",
                          alpha: float = 0.05, confidence: float = 0.95) -> pd.DataFrame:
    """Paired comparison of a 1:1 matched sample: paired t-test or Wilcoxon signed-rank test.

    Parameters
    ----------
    matched : DataFrame
        Two rows per pair (e.g. ``MatchResult.matched``), one in each group; not modified.
    outcome : str
        Continuous outcome. Pairs in which either member's outcome is missing are left out (counted
        in ``method``).
    group : str
        Column with the two groups.
    pair : str
        Column identifying the pair (``pair_id`` in a :class:`helpers.matching.MatchResult`).
    reference : optional
        Reference group; the within-pair difference is other minus reference (default: first sorted).
    normality : {"shapiro", "normal", "nonnormal"}
        ``"shapiro"``: the paired t-test if the Shapiro-Wilk test of the within-pair differences does
        not reject normality at ``alpha``, otherwise the Wilcoxon signed-rank test; the others impose
        the choice.
    alpha : float
        Level of the Shapiro-Wilk test.
    confidence : float
        Level of the confidence interval.

    Returns
    -------
    DataFrame
        One row with columns :data:`helpers.tables.COMPARISON_COLUMNS`: ``quantity`` ("mean paired
        difference"), ``group`` ("other - reference"), ``estimate`` (mean of the within-pair
        differences), ``ci_low``, ``ci_high`` (t interval of that mean), ``p_value`` (of the chosen
        test), ``method`` (test, why it was chosen, pairs left out), ``n`` (complete pairs), ``test``
        ("paired t-test" or "Wilcoxon signed-rank"), ``statistic`` (t, or V = sum of positive ranks as
        R prints it). ``attrs["differences"]`` holds the within-pair differences.

    Raises
    ------
    InputError
        Missing columns, a pair without exactly one member of each group, or fewer than 3 complete pairs.

    Notes
    -----
    Paired t: t = mean(d) / (sd(d) / sqrt(n)) on n - 1 df (R ``t.test(x, y, paired = TRUE)``).
    Wilcoxon signed-rank: zero differences dropped; exact p-value when n < 50 and there are no ties,
    otherwise the normal approximation with tie and continuity corrections, as R's
    ``wilcox.test(x, y, paired = TRUE)``. The CI is always the t interval of the mean difference
    (valid for moderate n by the central limit theorem), so the estimate reads the same whichever
    test gives the p-value. Matched pairs are not independent samples: Austin (2011, Stat Med
    30:1292-1301) argues for paired methods after matching; Stuart (2010, Stat Sci 25:1-21) and
    MatchIt's authors accept the unpaired analysis. The chapter reports both.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"pair_id": [1, 1, 2, 2, 3, 3, 4, 4], "arm": ["a", "b"] * 4,
    ...                   "y": [10, 12, 8, 11, 9, 9.5, 7, 10]})
    >>> row = compare_matched_pairs(d, outcome="y", group="arm", normality="normal")
    >>> float(row.loc[0, "estimate"]), row.loc[0, "test"]
    (2.125, 'paired t-test')
    """
    if normality not in ("shapiro", "normal", "nonnormal"):
        raise InputError(f"normality={normality!r}; use 'shapiro', 'normal' or 'nonnormal'.")
    _level(confidence)
    _require(matched, [outcome, group, pair])
    reference, other = _two_levels(matched, group, reference)
    counts = matched.groupby([pair, group], observed=True).size().unstack(fill_value=0)
    bad = counts.index[(counts.reindex(columns=[reference, other], fill_value=0) != 1).any(axis=1)]
    if len(bad):
        raise InputError(f"pairs {list(bad[:5])} do not have exactly one '{reference}' and one '{other}' row; "
                         "pass the matched cohort of a 1:1 match.")
    wide = matched.pivot(index=pair, columns=group, values=outcome)
    complete = wide.dropna()
    dropped = len(wide) - len(complete)
    if len(complete) < 3:
        raise InputError(f"only {len(complete)} pair(s) have '{outcome}' for both members; at least 3 are needed.")
    differences = (complete[other] - complete[reference]).to_numpy(dtype=float)
    n = differences.size
    mean = float(differences.mean())
    half = stats.t.ppf(0.5 + confidence / 2, n - 1) * differences.std(ddof=1) / math.sqrt(n)
    if normality == "shapiro":
        shapiro = stats.shapiro(differences)
        normal = bool(shapiro.pvalue >= alpha)
        why = (f"Shapiro-Wilk {'did not reject' if normal else 'rejected'} normality of the within-pair "
               f"differences at {alpha} (W = {shapiro.statistic:.3f}, p = {shapiro.pvalue:.3g})")
    else:
        normal = normality == "normal"
        why = f"normality={normality!r} requested"
    left_out = f"; {dropped} pair(s) without the outcome for both members left out" if dropped else ""
    if normal:
        result = stats.ttest_rel(complete[other], complete[reference])
        test, statistic, p_value = "paired t-test", float(result.statistic), float(result.pvalue)
    else:
        signed_rank = wilcoxon_signed_rank(differences)
        test, statistic, p_value = "Wilcoxon signed-rank", signed_rank.statistic, signed_rank.p_value
        why += f"; {signed_rank.method}"
    frame = pd.DataFrame([{
        "quantity": "mean paired difference", "group": f"{other} - {reference}", "estimate": mean,
        "ci_low": mean - half, "ci_high": mean + half, "p_value": p_value,
        "method": f"{test} on {n} matched pairs; {why}; t CI of the mean difference{left_out}", "n": n,
        "test": test, "statistic": statistic}], columns=COMPARISON_COLUMNS)
    frame.attrs["differences"] = differences
    frame.attrs["pairs_left_out"] = dropped
    return frame


# ------------------------------------------------------------------------- weighted mean difference
def weighted_mean_difference(df: pd.DataFrame, *, outcome: str, group: str, reference: Any = None,
                             weights: str | pd.Series | np.ndarray | None = None, cluster: str | None = None,
                             cov_type: Literal["HC0", "HC1"] = "HC0", confidence: float = 0.95,
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
        Per-row weights (e.g. :func:`helpers.balance.ipw_att_weights`); unweighted when omitted.
    cluster : str, optional
        Column of clusters (``pair_id`` of a matched cohort): cluster-robust variance instead of ``cov_type``.
    cov_type : {"HC0", "HC1"}
        Heteroscedasticity-consistent variance when ``cluster`` is not given.
    confidence : float
        Level of the confidence interval.
    label : str
        Value of the ``quantity`` column.

    Returns
    -------
    DataFrame
        One row with columns :data:`helpers.tables.COMPARISON_COLUMNS`: ``quantity`` (``label``),
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
    _level(confidence)
    if cov_type not in ("HC0", "HC1"):
        raise InputError(f"cov_type={cov_type!r}; use 'HC0' or 'HC1'.")
    _require(df, [outcome, group] + ([cluster] if cluster else []) + ([weights] if isinstance(weights, str) else []))
    w = _weights_array(df, weights)
    reference, other = _two_levels(df, group, reference)
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
    z = stats.norm.ppf(0.5 + confidence / 2)
    statistic = estimate / standard_error if standard_error > 0 else np.nan
    weighting = "unweighted" if weights is None else "weighted"
    return pd.DataFrame([{
        "quantity": label, "group": f"{other} - {reference}", "estimate": estimate,
        "ci_low": estimate - z * standard_error, "ci_high": estimate + z * standard_error,
        "p_value": float(2 * stats.norm.sf(abs(statistic))) if np.isfinite(statistic) else np.nan,
        "method": f"{weighting} least squares difference; {variance}; normal-theory CI", "n": int(keep.sum()),
        "test": "Wald z (robust SE)", "statistic": statistic}], columns=COMPARISON_COLUMNS)


# ------------------------------------------------------------------------------ side-by-side tables
def compare_adjustment_methods(df: pd.DataFrame, match: MatchResult, *, outcome: str, group: str, treatment: str,
                               covariates: Sequence[str], reference: Any = None, alpha: float = 0.05,
                               confidence: float = 0.95) -> pd.DataFrame:
    """Crude, matched (unpaired and paired) and inverse-probability-weighted (ATT) estimates side by side.

    Parameters
    ----------
    df : DataFrame
        The full cohort, with the outcome (missing where undefined), ``group``, ``treatment`` (0/1) and
        the ``covariates``; not modified.
    match : MatchResult
        The match of ``df`` (:func:`helpers.matching.match_on_propensity`).
    outcome, group, treatment : str
        Outcome column, the two-group column used for display and the 0/1 treatment column.
    covariates : list of str
        The propensity-model covariates (for the weights: same model as the match).
    reference : optional
        Reference group of ``group``.
    alpha : float
        Level of the Shapiro-Wilk tests that choose each comparison's test.
    confidence : float
        Level of the confidence intervals.

    Returns
    -------
    DataFrame
        Columns ``analysis`` ("crude", "matched", "matched, paired", "IPW (ATT)") followed by
        :data:`helpers.tables.COMPARISON_COLUMNS`.

    Notes
    -----
    Crude and matched: :func:`helpers.tables.compare_two_groups` (its mean-difference row; Welch CI);
    paired: :func:`compare_matched_pairs`; IPW: :func:`weighted_mean_difference` with weights
    e / (1 - e) for controls and 1 for treated (:func:`helpers.balance.ipw_att_weights`), the score
    estimated on the full cohort as in the match.
    """
    _require(df, [outcome, group, treatment, *covariates])
    scores = estimate_propensity(df, treatment=treatment, covariates=covariates)
    weights = ipw_att_weights(df, treatment=treatment, propensity=scores["propensity"])
    rows = [
        ("crude", compare_two_groups(df, outcome=outcome, group=group, reference=reference, alpha=alpha,
                                     confidence=confidence)),
        ("matched", compare_two_groups(match.matched, outcome=outcome, group=group, reference=reference, alpha=alpha,
                                       confidence=confidence)),
        ("matched, paired", compare_matched_pairs(match.matched, outcome=outcome, group=group, reference=reference,
                                                  alpha=alpha, confidence=confidence)),
        ("IPW (ATT)", weighted_mean_difference(df, outcome=outcome, group=group, reference=reference,
                                               weights=weights, confidence=confidence)),
    ]
    table = pd.concat([frame.iloc[[0]].assign(analysis=name) for name, frame in rows], ignore_index=True)
    return table[["analysis", *COMPARISON_COLUMNS]]


def compare_calipers(df: pd.DataFrame, *, outcome: str, group: str, treatment: str, covariates: Sequence[str],
                     calipers: Sequence[float | None] = (0.1, 0.2, None),
                     caliper_scale: Literal["logit", "propensity"] = "logit", reference: Any = None,
                     alpha: float = 0.05, confidence: float = 0.95, **matching_options: Any) -> pd.DataFrame:
    """The matched estimate under several calipers: pairs, balance and the difference in means.

    Parameters
    ----------
    df : DataFrame
        The full cohort; not modified.
    outcome, group, treatment, covariates, reference, alpha, confidence
        As in :func:`compare_adjustment_methods`.
    calipers : sequence of float or None
        Calipers in SDs of the score on ``caliper_scale``; None for no caliper.
    caliper_scale : {"logit", "propensity"}
        Scale of the caliper (see :func:`helpers.matching.match_on_propensity`).
    **matching_options
        Passed to :func:`helpers.matching.match_on_propensity` (``order``, ``exact``, ``rng``).

    Returns
    -------
    DataFrame
        One row per caliper: ``caliper`` ("none" or the number), ``caliper_width`` (absolute width on
        the matching scale), ``pairs``, ``unmatched_treated``, ``smd_max_after`` (largest |SMD| over the
        covariates, the score excluded), then the mean-difference row of
        :func:`helpers.tables.compare_two_groups` on the matched sample (``estimate``, ``ci_low``,
        ``ci_high``, ``p_value``, ``test``, ``n``).
    """
    rows = []
    for caliper in calipers:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # the imbalance is reported in smd_max_after
            match = match_on_propensity(df, treatment=treatment, covariates=covariates, caliper=caliper,
                                        caliper_scale=caliper_scale, **matching_options)
        balance = match.balance[match.balance["covariate"] != "distance"]
        comparison = compare_two_groups(match.matched, outcome=outcome, group=group, reference=reference,
                                        alpha=alpha, confidence=confidence).iloc[0]
        rows.append({"caliper": "none" if caliper is None else f"{caliper:g}",
                     "caliper_width": match.caliper_width, "pairs": match.n_pairs,
                     "unmatched_treated": match.unmatched["treated"],
                     "smd_max_after": float(balance["smd_after"].abs().max()),
                     **{key: comparison[key] for key in ("estimate", "ci_low", "ci_high", "p_value", "test", "n")}})
    return pd.DataFrame(rows)


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
    _require(df, [outcome, group])
    data = df[[outcome, group]].dropna()
    _two_levels(data, group, None)
    parts = data.groupby(group)[outcome]
    sizes, variances = parts.count(), parts.var(ddof=1)
    if (sizes < 2).any():
        raise InputError(f"each group of '{group}' needs at least 2 values of '{outcome}' for a standard deviation.")
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
        From :func:`helpers.sensitivity.e_value` with ``scale="smd"``: the estimate and limits are the
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
