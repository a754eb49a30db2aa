"""Analyses of the dynamic-mri chapter: crude vs matched vs weighted estimates side by side, the matched
estimate under several calipers, the weighted balance, the secondary outcomes and the power of the matched
arms, and the protocol's design beside what the chapter did.

A cohort may not support the match (the covariates separate the arms, too few pairs within the caliper) or
the weights: the functions that take a match accept the :class:`~helpers.validation.estimable.Skipped` of
one, and the tables that mix several analyses keep the rows that do not need the missing one (the crude
comparison, the protocol's power) and give the others no numbers and a ``method`` that says why.
"""

from __future__ import annotations

import warnings
from typing import Any, Literal, Mapping, Sequence

import pandas as pd

from helpers.chapters.dynamic_mri.published import PROTOCOL
from helpers.stats.balance import balance_table
from helpers.stats.matching import MatchResult, estimate_propensity, match_on_propensity
from helpers.stats.paired import compare_matched_pairs
from helpers.stats.power import detectable_difference, power_for_difference
from helpers.stats.two_groups import COMPARISON_COLUMNS, compare_two_groups
from helpers.stats.weighting import ipw_att_weights, weighted_mean_difference
from helpers.validation.checks import require_columns, two_levels
from helpers.validation.estimable import Skipped, attempt

POWER_METHOD = "pingouin power_ttest(2n)"
"""How the detectable differences and the power are computed (the ``method`` of their results rows)."""


# ------------------------------------------------------------------------------ side-by-side tables
def compare_adjustment_methods(df: pd.DataFrame, match: MatchResult | Skipped, *, outcome: str, group: str,
                               treatment: str, covariates: Sequence[str], reference: Any = None,
                               level: float = 0.95) -> pd.DataFrame:
    """Crude, matched (unpaired and paired) and inverse-probability-weighted (ATT) mean differences side by side.

    Parameters
    ----------
    df : DataFrame
        The full cohort, with the outcome (missing where undefined), ``group``, ``treatment`` (0/1) and
        the ``covariates``; not modified.
    match : MatchResult or Skipped
        The match of ``df`` (:func:`helpers.stats.matching.match_on_propensity`), or the
        :class:`~helpers.validation.estimable.Skipped` of a match this cohort could not support.
    outcome, group, treatment : str
        Outcome column, the two-group column used for display and the 0/1 treatment column.
    covariates : list of str
        The propensity-model covariates (for the weights: same model as the match).
    reference : optional
        Reference group of ``group``.
    level : float
        Confidence level of the intervals.

    Returns
    -------
    DataFrame
        Columns ``analysis`` ("crude", "matched", "matched, paired", "IPW (ATT)") followed by
        :data:`helpers.stats.two_groups.COMPARISON_COLUMNS`; every row a mean difference (other minus
        reference) with its own interval and test. A row this cohort cannot support (no match, scores of
        0 or 1, too few values) has no estimate and a ``method`` starting "not estimated for this cohort"
        that says why; the other rows are still computed (the crude one needs no model).

    Notes
    -----
    The table varies the adjustment, not the test, so every row estimates the same quantity, the
    difference in means (the only one inverse-probability weighting gives, and the simulation's true
    effect): crude and matched by Welch's t-test (:func:`helpers.stats.two_groups.compare_two_groups`
    with ``normality="normal"``), the pairs by the paired t-test (:func:`compare_matched_pairs` with
    ``normality="normal"``), IPW by :func:`weighted_mean_difference` (Wald z, sandwich SE) with weights
    e / (1 - e) for controls and 1 for treated (:func:`helpers.stats.weighting.ipw_att_weights`), the score
    estimated on the full cohort as in the match. The rank-based analysis that the test-choice rule may
    pick for the primary outcome is reported by ``compare_two_groups`` itself.
    """
    require_columns(df, [outcome, group, treatment, *covariates])
    reference_level, other_level = two_levels(df, group, reference)
    weights = attempt("inverse-probability weights (ATT)", _att_weights, df, treatment=treatment,
                      covariates=covariates, display=False)
    options = {"outcome": outcome, "group": group, "reference": reference, "level": level}
    rows = {
        "crude": attempt("crude comparison", compare_two_groups, df, normality="normal", display=False, **options),
        "matched": attempt("matched comparison", compare_two_groups, match.matched, normality="normal",
                           display=False, **options),
        "matched, paired": attempt("paired comparison of the matched pairs", compare_matched_pairs, match.matched,
                                   normality="normal", display=False, **options),
        "IPW (ATT)": attempt("inverse-probability weighted comparison", weighted_mean_difference, df,
                             weights=weights, display=False, **options),
    }
    contrast = f"{other_level} - {reference_level}"
    table = pd.concat([pd.DataFrame([frame.row("mean difference", contrast)], columns=COMPARISON_COLUMNS)
                       .assign(analysis=name) if isinstance(frame, Skipped) else frame.iloc[[0]].assign(analysis=name)
                       for name, frame in rows.items()], ignore_index=True)
    return table[["analysis", *COMPARISON_COLUMNS]]


def _att_weights(df: pd.DataFrame, *, treatment: str, covariates: Sequence[str]) -> pd.Series:
    scores = estimate_propensity(df, treatment=treatment, covariates=covariates)
    return ipw_att_weights(df, treatment=treatment, propensity=scores["propensity"])


def weighted_balance(df: pd.DataFrame, *, treatment: str, covariates: Sequence[str]) -> pd.DataFrame:
    """Covariate balance of the cohort weighted for the treated (ATT), the third marker of the love plot.

    The propensity score is estimated on ``covariates`` over the whole cohort, as in the match
    (:func:`helpers.stats.matching.estimate_propensity`); the weights are 1 for treated patients and
    e / (1 - e) for controls (:func:`helpers.stats.weighting.ipw_att_weights`). Returns
    :func:`helpers.stats.balance.balance_table` of the weighted cohort. Raises
    :class:`~helpers.validation.estimable.NotEstimable` when the score cannot be estimated or is 0 or 1.
    """
    weights = _att_weights(df, treatment=treatment, covariates=covariates)
    return balance_table(df, treatment=treatment, covariates=covariates, weights=weights)


def compare_secondary_outcomes(matched: pd.DataFrame, *, group: str, continuous: Sequence[str],
                               binary: Sequence[str], reference: Any = None, normality_alpha: float = 0.05,
                               level: float = 0.95) -> pd.DataFrame:
    """The secondary outcomes of the matched sample, one row each: the continuous ones by the test-choice
    rule of :func:`helpers.stats.two_groups.compare_two_groups` (its first row, the chosen test's own
    analysis), the binary ones by the risk difference (chi-squared or Fisher's test by the expected counts).

    Returns
    -------
    DataFrame
        ``outcome`` and :data:`helpers.stats.two_groups.COMPARISON_COLUMNS`, continuous outcomes first.
    """
    rows = [compare_two_groups(matched, outcome=outcome, group=group, reference=reference,
                               normality_alpha=normality_alpha, level=level).iloc[[0]].assign(outcome=outcome)
            for outcome in continuous]
    rows += [compare_two_groups(matched, outcome=outcome, group=group, reference=reference, kind="binary",
                                level=level).assign(outcome=outcome) for outcome in binary]
    return pd.concat(rows, ignore_index=True)


def power_scenarios(matched_n: pd.Series | Skipped, *, treated: str, control: str, sd: float, power: float,
                    alpha: float, assumed_difference: float) -> pd.DataFrame:
    """Detectable difference of the protocol's arms and of the matched arms, and the matched arms' power for
    an assumed difference.

    Parameters
    ----------
    matched_n : Series or Skipped
        Patients with the outcome per arm of the matched sample (indexed by ``treated`` and ``control``),
        or the :class:`~helpers.validation.estimable.Skipped` of a match this cohort could not support.
    treated, control : str
        The arms' labels (``PROTOCOL`` gives the planned size of each).
    sd, power, alpha, assumed_difference
        Planning SD, target power, two-sided level and the difference whose power is computed.

    Returns
    -------
    DataFrame
        Three rows, ``scenario`` "protocol, 150 per arm", "matched arms", "matched arms, assumed
        difference", with the columns of :func:`helpers.stats.power.detectable_difference` and ``method``
        (:data:`POWER_METHOD`). Without a match the two matched rows have no numbers and a ``method``
        saying why (a note is shown where they would be).
    """
    planned = detectable_difference(PROTOCOL[treated], PROTOCOL[control], sd=sd, power=power, alpha=alpha) \
        .assign(scenario=f"protocol, {PROTOCOL[treated]} per arm", method=POWER_METHOD)
    scenarios = ["matched arms", "matched arms, assumed difference"]
    matched = attempt("power of the matched arms", _matched_power, matched_n, treated=treated, control=control,
                      sd=sd, power=power, alpha=alpha, assumed_difference=assumed_difference)
    if isinstance(matched, Skipped):
        matched = pd.DataFrame({"scenario": scenarios, "sd": sd, "alpha": alpha, "method": matched.method})
    else:
        matched = matched.assign(scenario=scenarios, method=POWER_METHOD)
    return pd.concat([planned, matched], ignore_index=True)


def _matched_power(matched_n: pd.Series, *, treated: str, control: str, sd: float, power: float, alpha: float,
                   assumed_difference: float) -> pd.DataFrame:
    return pd.concat([
        detectable_difference(matched_n[treated], matched_n[control], sd=sd, power=power, alpha=alpha),
        power_for_difference(assumed_difference, matched_n[treated], matched_n[control], sd=sd, alpha=alpha),
    ], ignore_index=True)


def compare_calipers(df: pd.DataFrame, *, outcome: str, group: str, treatment: str, covariates: Sequence[str],
                     calipers: Sequence[float | None] = (0.1, 0.2, None),
                     caliper_scale: Literal["logit", "propensity"] = "logit", reference: Any = None,
                     normality: Literal["shapiro", "normal", "nonnormal"] = "shapiro", normality_alpha: float = 0.05,
                     level: float = 0.95, **matching_options: Any) -> pd.DataFrame:
    """The primary analysis under several calipers: pairs, balance and the matched comparison.

    Parameters
    ----------
    df : DataFrame
        The full cohort; not modified.
    outcome, group, treatment, covariates, reference, level
        As in :func:`compare_adjustment_methods`.
    calipers : sequence of float or None
        Calipers in SDs of the score on ``caliper_scale``; None for no caliper.
    caliper_scale : {"logit", "propensity"}
        Scale of the caliper (see :func:`helpers.stats.matching.match_on_propensity`).
    normality, normality_alpha
        The test-choice rule of :func:`helpers.stats.two_groups.compare_two_groups`; pass what the primary
        analysis uses so the row of its caliper repeats it.
    **matching_options
        Passed to :func:`helpers.stats.matching.match_on_propensity` (``order``, ``exact``, ``rng``).

    Returns
    -------
    DataFrame
        One row per caliper: ``caliper`` ("none" or the number), ``caliper_width`` (absolute width on
        the matching scale), ``pairs``, ``unmatched_treated``, ``smd_max_after`` (largest |SMD| over the
        covariates, the score excluded), then the first row of
        :func:`helpers.stats.two_groups.compare_two_groups` on the matched sample, the chosen test's own
        analysis (``quantity``, ``estimate``, ``ci_low``, ``ci_high``, ``p_value``, ``test``, ``method``,
        ``n``). The rule runs in each matched sample, so ``test`` and ``quantity`` can differ by caliper.
        A caliper this cohort cannot support (too few pairs, no propensity model) gives a row without
        numbers whose ``method`` starts "not estimated for this cohort" and says why (and a note where
        the table is shown).
    """
    rows = []
    for caliper in calipers:
        label = "none" if caliper is None else f"{caliper:g}"
        words = "without a caliper" if caliper is None else f"with a caliper of {label} SD"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # the imbalance is reported in smd_max_after
            match = attempt(f"matching {words}", match_on_propensity, df, treatment=treatment,
                            covariates=covariates, caliper=caliper, caliper_scale=caliper_scale, display=False,
                            **matching_options)
        comparison = attempt(f"matched comparison {words}", compare_two_groups, match.matched,
                             outcome=outcome, group=group, reference=reference, normality=normality,
                             normality_alpha=normality_alpha, level=level)  # a note, since the table has no method
        if isinstance(comparison, Skipped):
            rows.append({"caliper": label, "method": comparison.method})
            continue
        balance = match.balance[match.balance["covariate"] != "distance"]
        comparison = comparison.iloc[0]
        rows.append({"caliper": label, "caliper_width": match.caliper_width, "pairs": match.n_pairs,
                     "unmatched_treated": match.unmatched["treated"],
                     "smd_max_after": float(balance["smd_after"].abs().max()),
                     **{key: comparison[key] for key in ("quantity", "estimate", "ci_low", "ci_high", "p_value",
                                                         "test", "method", "n")}})
    return pd.DataFrame(rows, columns=["caliper", "caliper_width", "pairs", "unmatched_treated", "smd_max_after",
                                       "quantity", "estimate", "ci_low", "ci_high", "p_value", "test", "method", "n"])


def protocol_comparison(data: pd.DataFrame, match: Any, *, covariates: Sequence[str], tests: Mapping[str, str],
                        n_excluded: int, alpha: float) -> pd.DataFrame:
    """The protocol's design (:data:`PROTOCOL`) beside what the chapter did on ``data``.

    Parameters
    ----------
    data : DataFrame
        The analysed cohort (column ``imaging``: dynamic / conventional).
    match : MatchResult or Skipped
        The match used (:func:`helpers.stats.matching.match_on_propensity`), or the
        :class:`~helpers.validation.estimable.Skipped` of a match this cohort could not support (the
        "Matching" row then says so and why).
    covariates : list of str
        The propensity-model covariates used.
    tests : mapping
        Test actually used per outcome: keys ``primary``, ``vas``, ``ndi``, ``reoperation``,
        ``complication``; a :class:`~helpers.validation.estimable.Skipped` reads "not estimated".
    n_excluded : int
        Patients excluded from the primary analysis (baseline mJOA at the maximum, 18).
    alpha : float
        Two-sided significance level used.

    Returns
    -------
    DataFrame
        ``item``, ``protocol`` (from :data:`PROTOCOL`), ``this_chapter``, ``same`` (True where the chapter
        follows the protocol's number or choice exactly; None where there is nothing to compare).
    """
    arms = data["imaging"].value_counts()
    used = tuple(covariates)
    tests = {name: "not estimated" if isinstance(test, Skipped) else test for name, test in tests.items()}
    if isinstance(match, Skipped):
        matching = "not estimated for this cohort (see the note under the matching)"
    else:
        settings = match.settings
        caliper = ("no caliper" if settings["caliper"] is None
                   else f"caliper {settings['caliper']:g} SD of the {settings['distance_scale']}")
        matching = (f"1:1 greedy nearest neighbour without replacement, {caliper}, order '{settings['order']}'"
                    + (f", exact on {', '.join(settings['exact'])}" if settings["exact"] else "")
                    + f": {match.n_pairs} pairs")
    planned_tests = f"{PROTOCOL['continuous_tests']}; {PROTOCOL['categorical_tests']}; {PROTOCOL['time_to_event']}"
    rows = [
        ("Design", PROTOCOL["design"], "synthetic cohort (see 'The data'); no real patients", None),
        ("Patients", str(PROTOCOL["patients"]), str(len(data)), len(data) == PROTOCOL["patients"]),
        ("Dynamic / conventional MRI", f"{PROTOCOL['dynamic']} / {PROTOCOL['conventional']}",
         f"{arms.get('dynamic', 0)} / {arms.get('conventional', 0)}",
         (arms.get("dynamic", 0), arms.get("conventional", 0)) == (PROTOCOL["dynamic"], PROTOCOL["conventional"])),
        ("Matching", PROTOCOL["matching"], matching, None),
        ("Matching covariates", ", ".join(PROTOCOL["matching_covariates"]), ", ".join(used),
         used == PROTOCOL["matching_covariates"]),
        ("Primary outcome", PROTOCOL["primary_outcome"],
         f"(mJOA 6 m - mJOA pre) / (18 - mJOA pre) x 100; {n_excluded} patient(s) with mJOA pre = 18 excluded",
         None),
        ("Secondary outcomes", ", ".join(PROTOCOL["secondary_outcomes"]),
         "VAS and NDI at 6 months, reoperation, time to first complication", None),
        ("Tests", planned_tests,
         f"primary: {tests['primary']}; VAS: {tests['vas']}; NDI: {tests['ndi']}; reoperation: "
         f"{tests['reoperation']}; complication: {tests['complication']}", None),
        ("Significance", f"two-sided P < {PROTOCOL['alpha']:g}", f"two-sided P < {alpha:g}",
         alpha == PROTOCOL["alpha"]),
        ("Software", PROTOCOL["software"], "Python helpers of this book, checked against R (MatchIt, survival)", None),
        ("Results", "none published (protocol)", "computed on synthetic data; true effects known", None),
    ]
    return pd.DataFrame(rows, columns=["item", "protocol", "this_chapter", "same"])
