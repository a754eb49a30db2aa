"""Propensity-score matching: the propensity model, greedy 1:1 nearest-neighbour matching with a caliper
(MatchIt's rule), and the balance summary of a match.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Literal, Sequence

import numpy as np
import pandas as pd
from scipy.special import expit

from helpers.stats.balance import (
    SMD_THRESHOLD,
    as_list,
    balance_statistics,
    check_frame,
    covariate_design,
    treatment_indicator,
)
from helpers.stats.logistic import fit_logistic_arrays
from helpers.validation.errors import InputError
from helpers.validation.estimable import NotEstimable

MIN_PAIRS = 3
"""Fewest matched pairs a match must form (:func:`match_on_propensity`). The comparisons of a matched
sample need at least 3 patients per arm (:func:`helpers.stats.two_groups.compare_two_groups`: a standard
deviation per arm and the Shapiro-Wilk test of the test-choice rule) and 3 complete pairs
(:func:`helpers.stats.paired.compare_matched_pairs`); with fewer there is nothing to compare."""


# ------------------------------------------------------------------------------------------ balance
def summarise_balance(match: MatchResult, *, threshold: float = 0.1) -> pd.DataFrame:
    """Largest absolute SMD over the covariates before and after matching, and those still above a threshold.

    Parameters
    ----------
    match : MatchResult
        From :func:`helpers.stats.matching.match_on_propensity`.
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

# ---------------------------------------------------------------------------------- score model


def estimate_propensity(df: pd.DataFrame, *, treatment: str, covariates: Sequence[str]) -> pd.DataFrame:
    """Estimate each patient's propensity score by unpenalised logistic regression.

    Parameters
    ----------
    df : DataFrame
        One row per patient; not modified.
    treatment : str
        Column coded 1 (treated, e.g. dynamic MRI) / 0 (control), or True/False.
    covariates : list of str
        Columns entering the model additively. Text, categorical and other non-numeric columns are
        expanded into indicator columns with the first level (sorted, or the categorical's order) as
        reference, as R's ``glm`` does for a factor.

    Returns
    -------
    DataFrame
        Indexed like ``df``: ``propensity`` (P(treated | covariates)) and ``propensity_logit``
        (the linear predictor, log(p / (1 - p))).

    Raises
    ------
    InputError
        Unknown column, missing values, or a treatment column not coded 0/1.
    NotEstimable
        The covariates separate the two arms completely (every score 0 or 1: no patient has a comparable
        patient in the other arm, so neither matching nor weighting is possible), or the model cannot be
        fitted at all.

    Notes
    -----
    logit P(T = 1 | X) = b0 + b'X by maximum likelihood (:func:`helpers.stats.logistic.fit_logistic_arrays`,
    the package's one logistic fitter; R's ``glm(treat ~ ..., family = binomial)``, MatchIt's
    ``distance = "glm"``). A covariate with one value in every row (all patients with two compressed
    segments), or one that is a combination of the others, cannot add to the model: it is left out with a
    warning, as R's ``glm`` gives it no coefficient (NA) and the same scores. Complete separation (a
    combination of the covariates puts every treated patient above every control; the maximum likelihood
    estimate is then infinite, Albert and Anderson 1984) raises
    :class:`~helpers.validation.estimable.NotEstimable`; scores within 1e-8 of 0 or 1 short of that
    (quasi-complete separation) give a warning.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"dynamic": [1, 1, 0, 0, 1, 0], "age": [50, 60, 55, 65, 70, 45]})
    >>> scores = estimate_propensity(df, treatment="dynamic", covariates=["age"])
    >>> list(scores.columns)
    ['propensity', 'propensity_logit']
    """
    covariates = as_list(covariates)
    check_frame(df, [treatment, *covariates])
    treated = treatment_indicator(df, treatment)
    design, _ = covariate_design(df, covariates, drop_first=True)
    design = design.loc[:, design.ne(0).any()]  # unused category levels (all zero) would be aliased
    design = _without_aliased_columns(design)
    design.insert(0, "intercept", 1.0)
    fit = fit_logistic_arrays(design.to_numpy(), treated.astype(float))
    if not np.all(np.isfinite(fit.coef)):
        raise NotEstimable(f"the propensity model on {', '.join(covariates)} could not be fitted to these patients "
                           f"(singular information: {', '.join(fit.problems)})")
    logit = design.to_numpy() @ fit.coef
    if logit[treated].min() > logit[~treated].max():
        raise NotEstimable(_separation_message(treatment, covariates, treated))
    if not fit.converged:
        warnings.warn("the propensity model did not converge in 100 iterations; check for separation "
                      "or rescale the covariates.", stacklevel=2)
    propensity = expit(logit)
    if np.any((propensity < 1e-8) | (propensity > 1 - 1e-8)):
        warnings.warn("some propensity scores are within 1e-8 of 0 or 1 (separation): a covariate almost "
                      "determines the treatment, so those patients have no comparable counterpart.",
                      stacklevel=2)
    return pd.DataFrame({"propensity": propensity, "propensity_logit": logit}, index=df.index)


def _without_aliased_columns(design: pd.DataFrame) -> pd.DataFrame:
    """The columns that add to the intercept and the columns before them, with a warning naming the others
    (a covariate with one value, or a combination of other covariates): R's ``glm`` gives these no
    coefficient (NA) and fits the rest, so the scores are the same."""
    values = np.column_stack([np.ones(len(design)), design.to_numpy(dtype=float)])
    if np.linalg.matrix_rank(values) == values.shape[1]:
        return design
    kept: list[int] = [0]
    reasons = []
    for k, name in enumerate(design.columns, start=1):
        if np.linalg.matrix_rank(values[:, kept + [k]]) == len(kept) + 1:
            kept.append(k)
        elif design[name].nunique() == 1:
            reasons.append(f"'{name}' has the same value ({design[name].iloc[0]:g}) for every patient, so it cannot "
                           "differ between the groups")
        else:
            others = [f"'{design.columns[j - 1]}'" for j in kept[1:]]
            reasons.append(f"'{name}' is determined by {', '.join(others) or 'the others'} (collinear)")
    warnings.warn("; ".join(reasons) + ": left out of the propensity model (as R's glm: coefficient NA).",
                  stacklevel=3)
    return design.iloc[:, [k - 1 for k in kept[1:]]]


def _separation_message(treatment: str, covariates: Sequence[str], treated: np.ndarray) -> str:
    n_treated, n_control = int(treated.sum()), int((~treated).sum())
    return (f"the propensity model separates the two groups perfectly: with {n_treated + n_control} patients "
            f"({n_treated} with '{treatment}' = 1, {n_control} with '{treatment}' = 0) and {len(covariates)} "
            f"covariates ({', '.join(covariates)}), every patient's propensity score is 0 or 1, so no patient has a "
            "comparable patient in the other group to be matched or weighted with")

# ------------------------------------------------------------------------------------- matching
def _too_few_pairs_message(n_pairs: int, min_pairs: int, treatment: str, n_treated: int, n_control: int,
                           caliper: float | None, caliper_scale: str, width: float | None,
                           exact: Sequence[str]) -> str:
    scale = "logit of the propensity score" if caliper_scale == "logit" else "propensity score"
    where = ("" if caliper is None
             else f" within the caliper ({caliper:g} SD of the {scale}, a width of {width:.3g})")
    if exact:
        where += f" and with the same {', '.join(exact)}"
    formed = "no pair" if n_pairs == 0 else "only 1 pair" if n_pairs == 1 else f"only {n_pairs} pairs"
    return (f"{formed} could be matched{where} among {n_treated} patients with '{treatment}' = 1 and {n_control} "
            f"with '{treatment}' = 0; at least {min_pairs} are needed to compare the matched groups"
            + ("" if caliper is None else " (a wider caliper, or none, may find more)"))



def _find(parent: list[int], node: int) -> int:
    root = node
    while parent[root] != root:
        root = parent[root]
    while parent[node] != root:
        parent[node], node = root, parent[node]
    return root


def _nearest_control_distance(score: np.ndarray, treated: np.ndarray, strata: np.ndarray) -> np.ndarray:
    """Per treated unit (data order), the distance to the nearest control of its stratum (inf if none);
    one sort and a binary search per stratum, O(n log n)."""
    nearest = np.full(int(treated.sum()), np.inf)
    treated_positions = np.flatnonzero(treated)
    rank_among_treated = np.empty(len(score), dtype=np.int64)
    rank_among_treated[treated_positions] = np.arange(len(treated_positions))
    for stratum in np.unique(strata):
        in_stratum = strata == stratum
        controls = np.sort(score[in_stratum & ~treated])
        units = np.flatnonzero(in_stratum & treated)
        if controls.size == 0 or units.size == 0:
            continue
        values = score[units]
        right = np.clip(np.searchsorted(controls, values), 0, controls.size - 1)
        left = np.clip(right - 1, 0, controls.size - 1)
        nearest[rank_among_treated[units]] = np.minimum(np.abs(controls[right] - values),
                                                       np.abs(controls[left] - values))
    return nearest


def _greedy_nearest(score: np.ndarray, treated: np.ndarray, order: np.ndarray,
                    caliper: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Greedy 1:1 nearest neighbour without replacement within one stratum (MatchIt 4.7 rules).

    ``order``: treated units (positions among the treated) in processing order. Returns per treated
    unit the position of its control (-1 if none) and the distance. Units are sorted once by (score,
    data order); the nearest available control on each side is found with two union-find "next
    available" arrays (path compression: O(n log n) overall). MatchIt scans both sides one place at a
    time, left first, so an exact tie goes to the candidate fewer places away, the left one if equal.
    """
    n = score.size
    sorted_units = np.lexsort((np.arange(n), score))
    position, insertion = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    position[sorted_units] = np.arange(n)
    is_control = ~treated[sorted_units]
    insertion[sorted_units] = np.cumsum(is_control) - is_control  # controls sorted before each unit
    controls = sorted_units[is_control]
    n_controls = controls.size
    treated_units = np.flatnonzero(treated)
    control_score, control_position = score[controls].tolist(), position[controls].tolist()
    unit_score, unit_insertion = score[treated_units].tolist(), insertion[treated_units].tolist()
    unit_position = position[treated_units].tolist()
    # right[j] == j: control j (sorted) still available; index n_controls is the "none" sentinel.
    # left[j + 1] == j + 1: control j still available; index 0 is the "none" sentinel.
    right, left = list(range(n_controls + 1)), list(range(n_controls + 1))
    match, distance = np.full(treated_units.size, -1, dtype=np.int64), np.full(treated_units.size, np.nan)
    limit = math.inf if caliper is None else caliper
    for k in order.tolist():
        value, q, here = unit_score[k], unit_insertion[k], unit_position[k]
        r = _find(right, q)
        lft = _find(left, q) - 1
        d_right = abs(value - control_score[r]) if r < n_controls else math.inf
        d_left = abs(value - control_score[lft]) if lft >= 0 else math.inf
        if d_left < d_right or (d_left == d_right and lft >= 0
                                and here - control_position[lft] <= control_position[r] - here):
            chosen, best = lft, d_left
        else:
            chosen, best = r, d_right
        if best == math.inf or best > limit:
            continue
        match[k], distance[k] = controls[chosen], best
        right[chosen], left[chosen + 1] = chosen + 1, chosen
    return match, distance


@dataclass(frozen=True)
class MatchResult:
    """Result of :func:`match_on_propensity`.

    Attributes
    ----------
    matched : DataFrame
        The matched cohort: the input rows that were matched, ordered by pair (treated row first), with
        ``pair_id`` (1, 2, ... in the order the pairs were formed), ``propensity`` and
        ``propensity_logit`` added.
    pairs : DataFrame
        ``pair_id``, ``treated_index``, ``control_index`` (index labels of ``df``) and ``distance``
        (|difference| in the score on the scale used for matching).
    unmatched : dict
        ``{"treated": n, "control": n}`` patients left without a partner.
    balance : DataFrame
        Per covariate (``distance`` = the propensity score first): ``covariate``,
        ``mean_treated_before``, ``mean_control_before``, ``smd_before``, ``variance_ratio_before``,
        ``mean_treated_after``, ``mean_control_after``, ``smd_after``, ``variance_ratio_after``,
        ``sd_denominator`` (shared before and after, full sample), ``binary``, ``denominator``.
    caliper_width : float or None
        Absolute caliper on the matching scale (None: no caliper).
    settings : dict
        ``caliper``, ``caliper_scale``, ``distance_scale``, ``caliper_sd`` (how the SD was taken),
        ``order``, ``exact``, ``smd_denominator``, ``replacement``, ``ratio``, ``ties``.
    scores : DataFrame
        Every input row: ``treated`` (bool), ``propensity``, ``propensity_logit``, ``pair_id``
        (<NA> when unmatched), indexed like the input.
    """

    matched: pd.DataFrame
    pairs: pd.DataFrame
    unmatched: dict[str, int]
    balance: pd.DataFrame
    caliper_width: float | None
    settings: dict[str, Any]
    scores: pd.DataFrame = field(repr=False)

    @property
    def n_pairs(self) -> int:
        """Number of matched pairs."""
        return len(self.pairs)

    def settings_table(self) -> pd.DataFrame:
        """The settings and the caliper's absolute width, one per row: columns ``setting`` and ``value``."""
        return pd.DataFrame({"setting": [*self.settings, "caliper_width"],
                             "value": [*self.settings.values(), self.caliper_width]}).astype({"value": object})

    def summary(self) -> pd.DataFrame:
        """Sample sizes as MatchIt prints them: columns ``arm`` (treated, control), ``all``,
        ``matched``, ``unmatched``."""
        all_treated = int(self.scores["treated"].sum())
        return pd.DataFrame({"arm": ["treated", "control"], "all": [all_treated, len(self.scores) - all_treated],
                             "matched": [self.n_pairs, self.n_pairs],
                             "unmatched": [self.unmatched["treated"], self.unmatched["control"]]})


def _match_within_strata(score: np.ndarray, treated: np.ndarray, strata: np.ndarray, processing: np.ndarray,
                         width: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Run :func:`_greedy_nearest` in each stratum, keeping the global processing order within it.

    Returns, per treated unit (data order), the row of its control (-1 if none) and the distance.
    """
    n_treated = processing.size
    rank = np.empty(n_treated, dtype=np.int64)
    rank[processing] = np.arange(n_treated)
    treated_position = np.cumsum(treated) - 1
    control_of, distance_of = np.full(n_treated, -1, dtype=np.int64), np.full(n_treated, np.nan)
    by_stratum = np.argsort(strata, kind="stable")  # each stratum's rows stay in data order
    for units in np.split(by_stratum, np.flatnonzero(np.diff(strata[by_stratum])) + 1):
        local_treated = treated[units]
        if local_treated.all() or not local_treated.any():
            continue
        global_treated = treated_position[units[local_treated]]
        local_order = np.argsort(rank[global_treated], kind="stable")
        match, distance = _greedy_nearest(score[units], local_treated, local_order, width)
        found = match >= 0
        control_of[global_treated[found]] = units[match[found]]
        distance_of[global_treated[found]] = distance[found]
    return control_of, distance_of


def _balance_before_after(design: pd.DataFrame, treated: np.ndarray, rows: np.ndarray) -> pd.DataFrame:
    """MatchIt-style balance of the full sample and of ``rows``, both standardised by the full sample."""
    statistics = ["mean_treated", "mean_control", "smd", "variance_ratio"]
    before = balance_statistics(design, treated, np.ones(len(design)), design, treated, "treated")
    if rows.size:
        after = balance_statistics(design.iloc[rows], treated[rows], np.ones(rows.size), design, treated, "treated")
    else:
        after = before.assign(**{name: np.nan for name in statistics})
    balance = pd.concat([before[["covariate"]], before[statistics].add_suffix("_before"),
                         after[statistics].add_suffix("_after"),
                         before[["sd_denominator", "binary", "denominator"]]], axis=1)
    balance.attrs["denominator"] = "treated"
    return balance


def match_on_propensity(df: pd.DataFrame, *, treatment: str, covariates: Sequence[str],
                        caliper: float | None = 0.2,
                        caliper_scale: Literal["logit", "propensity"] = "logit",
                        order: Literal["largest", "closest", "random"] = "largest",
                        exact: str | Sequence[str] | None = None,
                        rng: int | np.random.Generator | None = None,
                        smd_threshold: float = SMD_THRESHOLD, min_pairs: int = MIN_PAIRS) -> MatchResult:
    """1:1 greedy nearest-neighbour propensity-score matching without replacement.

    Parameters
    ----------
    df : DataFrame
        One row per patient with a unique index; not modified.
    treatment : str
        Column coded 1 (treated) / 0 (control), or True/False.
    covariates : list of str
        Columns of the propensity model (see :func:`estimate_propensity`) and of the balance table.
    caliper : float or None
        Caliper in standard deviations of the score on ``caliper_scale``; None for no caliper.
    caliper_scale : {"logit", "propensity"}
        ``"logit"`` (Austin 2011): match on the logit of the score, width = caliper x SD(logit).
        ``"propensity"`` (MatchIt's ``caliper`` with ``std.caliper = TRUE``): match on the score,
        width = caliper x SD(score). Both SDs are over all patients (n - 1 denominator).
    order : {"largest", "closest", "random"}
        Treated patients are matched in descending order of the score, ties in data order
        (MatchIt's ``m.order = "largest"``); or those closest to a control first, by the distance to their
        nearest control (within their exact stratum) before any matching, ties in data order (MatchIt's
        ``m.order = "closest"``), which usually gives better balance; or in a random order drawn from ``rng``.
    exact : str or list of str, optional
        Columns on which pairs must agree (matching within strata); strata without controls leave
        their treated patients unmatched.
    rng : int or numpy.random.Generator, optional
        Seed or generator for ``order="random"``; global random state is never used.
    smd_threshold : float
        Warn when any |SMD| after matching exceeds it (default 0.1).
    min_pairs : int
        Fewest pairs the match must form (default :data:`MIN_PAIRS`, 3: what the matched comparisons
        need); 0 returns any match, even an empty one (with a warning), e.g. to inspect the scores.

    Returns
    -------
    MatchResult
        Matched cohort, pairs, unmatched counts, balance before and after, caliper width, settings.

    Raises
    ------
    InputError
        Unknown column, missing values, a treatment column not coded 0/1, or invalid options.
    NotEstimable
        Fewer than ``min_pairs`` pairs could be formed, or the propensity model cannot be estimated
        (complete separation, collinear covariates; see :func:`estimate_propensity`).

    Notes
    -----
    Treated patients are taken one at a time; each receives the nearest control not yet used,
    |e_t - e_c| on the matching scale, if it lies within the caliper (|e_t - e_c| <= width); otherwise
    it stays unmatched. As in MatchIt 4.7 (``find_control_vec``), all patients are sorted once by
    score (ties in data order) and the candidates are the nearest available control on each side of
    the treated patient; on an exact tie in distance the one fewer places away in that order wins,
    the lower one if equally far (MatchIt 4.5 always took the lower one, MatchIt < 4.5 the first in
    data order). The balance table standardises before and after by the treated SD of the full
    sample, as MatchIt does for the ATT.
    Austin PC. Optimal caliper widths for propensity-score matching when estimating differences in
    means and differences in proportions in observational studies. Pharm Stat 2011;10:150-161.
    Ho DE, Imai K, King G, Stuart EA. MatchIt. J Stat Softw 2011;42(8).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> generator = np.random.default_rng(1)
    >>> df = pd.DataFrame({"age": generator.normal(60, 10, 200)})
    >>> df["dynamic"] = (generator.random(200) < 1 / (1 + np.exp(-(df["age"] - 65) / 10))).astype(int)
    >>> result = match_on_propensity(df, treatment="dynamic", covariates=["age"])
    >>> result.summary()
           arm  all  matched  unmatched
    0  treated   77       71          6
    1  control  123       71         52
    >>> result.balance[["covariate", "smd_before", "smd_after"]].round(3)
      covariate  smd_before  smd_after
    0  distance       0.598      0.036
    1       age       0.648      0.035
    """
    covariates, exact_columns = as_list(covariates), as_list(exact)
    check_frame(df, [treatment, *covariates, *exact_columns])
    if caliper_scale not in ("logit", "propensity"):
        raise InputError(f"caliper_scale must be 'logit' or 'propensity', not {caliper_scale!r}.")
    if order not in ("largest", "closest", "random"):
        raise InputError(f"order must be 'largest', 'closest' or 'random', not {order!r}.")
    if caliper is not None and not (np.isfinite(caliper) and caliper > 0):
        raise InputError(f"caliper must be a positive number of SDs or None, not {caliper!r}.")
    if not (isinstance(min_pairs, (int, np.integer)) and min_pairs >= 0):
        raise InputError(f"min_pairs must be a whole number of at least 0, not {min_pairs!r}.")
    for name in ("pair_id", "propensity", "propensity_logit"):
        if name in df.columns:
            raise InputError(f"the data already have a column '{name}', which the matched cohort adds. "
                             f"Fix: rename it, e.g. df.rename(columns={{'{name}': '{name}_input'}}).")
    treated = treatment_indicator(df, treatment)
    n_treated, n_control = int(treated.sum()), int((~treated).sum())
    if n_control < n_treated:
        warnings.warn("fewer control than treated patients: not all treated patients can be matched.",
                      stacklevel=2)
    scores = estimate_propensity(df, treatment=treatment, covariates=covariates)
    score = scores["propensity_logit" if caliper_scale == "logit" else "propensity"].to_numpy()
    width = None if caliper is None else caliper * float(np.std(score, ddof=1))
    strata = (df.groupby(exact_columns, sort=True, observed=True).ngroup().to_numpy()
              if exact_columns else np.zeros(len(df), dtype=np.int64))
    if order == "largest":
        processing = np.lexsort((np.arange(n_treated), -score[treated]))
    elif order == "closest":
        processing = np.lexsort((np.arange(n_treated), _nearest_control_distance(score, treated, strata)))
    else:
        generator = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        processing = generator.permutation(n_treated)
    control_of, distance_of = _match_within_strata(score, treated, strata, processing, width)

    made = [k for k in processing.tolist() if control_of[k] >= 0]  # pairs in the order they were formed
    if len(made) < min_pairs:
        raise NotEstimable(_too_few_pairs_message(len(made), min_pairs, treatment, n_treated, n_control, caliper,
                                                  caliper_scale, width, exact_columns))
    pair_treated, pair_control = np.flatnonzero(treated)[made], control_of[made]
    pair_id = np.arange(1, len(made) + 1)
    pairs = pd.DataFrame({"pair_id": pair_id, "treated_index": df.index[pair_treated],
                          "control_index": df.index[pair_control], "distance": distance_of[made]})
    rows = np.column_stack([pair_treated, pair_control]).ravel().astype(np.int64)
    matched = df.iloc[rows].copy()
    matched["pair_id"] = np.repeat(pair_id, 2)
    matched["propensity"] = scores["propensity"].to_numpy()[rows]
    matched["propensity_logit"] = scores["propensity_logit"].to_numpy()[rows]
    pair_of_row = pd.Series(pd.NA, index=df.index, dtype="Int64")
    pair_of_row.iloc[rows] = np.repeat(pair_id, 2)
    score_table = scores.assign(treated=treated, pair_id=pair_of_row)[
        ["treated", "propensity", "propensity_logit", "pair_id"]]

    design, _ = covariate_design(df, covariates, drop_first=False)
    design.insert(0, "distance", scores["propensity"].to_numpy())
    balance = _balance_before_after(design, treated, rows)
    if not made:
        warnings.warn("no treated patient has a control within the caliper; widen the caliper or check "
                      "the overlap of the propensity scores.", stacklevel=2)
    imbalanced = balance.loc[balance["smd_after"].abs() > smd_threshold, ["covariate", "smd_after"]]
    if len(imbalanced):
        listed = ", ".join(f"{name} {value:+.3f}" for name, value in imbalanced.itertuples(index=False))
        warnings.warn(f"|SMD| after matching exceeds {smd_threshold} for {listed}. Consider a narrower "
                      "caliper, exact matching on these covariates, a richer propensity model, or "
                      "adjusting for them in the outcome model.", stacklevel=2)
    settings = {
        "caliper": caliper, "caliper_scale": caliper_scale,
        "distance_scale": "logit of the propensity score" if caliper_scale == "logit" else "propensity score",
        "caliper_sd": "SD of the matching score over all patients (n - 1)", "order": order,
        "exact": exact_columns or None, "smd_denominator": "treated (SD of the treated arm, full sample)",
        "replacement": False, "ratio": 1, "ties": "MatchIt 4.7 (find_control_vec)",
    }
    return MatchResult(matched=matched, pairs=pairs,
                       unmatched={"treated": n_treated - len(made), "control": n_control - len(made)},
                       balance=balance, caliper_width=width, settings=settings, scores=score_table)
