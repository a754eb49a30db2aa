"""Analyses of the dynamic-mri chapter: crude vs matched vs weighted estimates side by side, the matched
estimate under several calipers, and the protocol's design beside what the chapter did.
"""

from __future__ import annotations

import warnings
from typing import Any, Literal, Mapping, Sequence

import pandas as pd

from helpers.chapters.dynamic_mri.published import PROTOCOL
from helpers.stats.matching import MatchResult, estimate_propensity, match_on_propensity
from helpers.stats.paired import compare_matched_pairs
from helpers.stats.two_groups import COMPARISON_COLUMNS, compare_two_groups
from helpers.stats.weighting import ipw_att_weights, weighted_mean_difference
from helpers.validation.checks import require_columns


# ------------------------------------------------------------------------------ side-by-side tables
def compare_adjustment_methods(df: pd.DataFrame, match: MatchResult, *, outcome: str, group: str, treatment: str,
                               covariates: Sequence[str], reference: Any = None, level: float = 0.95) -> pd.DataFrame:
    """Crude, matched (unpaired and paired) and inverse-probability-weighted (ATT) mean differences side by side.

    Parameters
    ----------
    df : DataFrame
        The full cohort, with the outcome (missing where undefined), ``group``, ``treatment`` (0/1) and
        the ``covariates``; not modified.
    match : MatchResult
        The match of ``df`` (:func:`helpers.stats.matching.match_on_propensity`).
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
        reference) with its own interval and test.

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
    scores = estimate_propensity(df, treatment=treatment, covariates=covariates)
    weights = ipw_att_weights(df, treatment=treatment, propensity=scores["propensity"])
    rows = [
        ("crude", compare_two_groups(df, outcome=outcome, group=group, reference=reference, normality="normal",
                                     level=level)),
        ("matched", compare_two_groups(match.matched, outcome=outcome, group=group, reference=reference,
                                       normality="normal", level=level)),
        ("matched, paired", compare_matched_pairs(match.matched, outcome=outcome, group=group, reference=reference,
                                                  normality="normal", level=level)),
        ("IPW (ATT)", weighted_mean_difference(df, outcome=outcome, group=group, reference=reference,
                                               weights=weights, level=level)),
    ]
    table = pd.concat([frame.iloc[[0]].assign(analysis=name) for name, frame in rows], ignore_index=True)
    return table[["analysis", *COMPARISON_COLUMNS]]


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
    """
    rows = []
    for caliper in calipers:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # the imbalance is reported in smd_max_after
            match = match_on_propensity(df, treatment=treatment, covariates=covariates, caliper=caliper,
                                        caliper_scale=caliper_scale, **matching_options)
        balance = match.balance[match.balance["covariate"] != "distance"]
        comparison = compare_two_groups(match.matched, outcome=outcome, group=group, reference=reference,
                                        normality=normality, normality_alpha=normality_alpha, level=level).iloc[0]
        rows.append({"caliper": "none" if caliper is None else f"{caliper:g}",
                     "caliper_width": match.caliper_width, "pairs": match.n_pairs,
                     "unmatched_treated": match.unmatched["treated"],
                     "smd_max_after": float(balance["smd_after"].abs().max()),
                     **{key: comparison[key] for key in ("quantity", "estimate", "ci_low", "ci_high", "p_value",
                                                         "test", "method", "n")}})
    return pd.DataFrame(rows)


def protocol_comparison(data: pd.DataFrame, match: Any, *, covariates: Sequence[str], tests: Mapping[str, str],
                        n_excluded: int, alpha: float) -> pd.DataFrame:
    """The protocol's design (:data:`PROTOCOL`) beside what the chapter did on ``data``.

    Parameters
    ----------
    data : DataFrame
        The analysed cohort (column ``imaging``: dynamic / conventional).
    match : MatchResult
        The match used (:func:`helpers.stats.matching.match_on_propensity`).
    covariates : list of str
        The propensity-model covariates used.
    tests : mapping
        Test actually used per outcome: keys ``primary``, ``vas``, ``ndi``, ``reoperation``,
        ``complication``.
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
    settings = match.settings
    caliper = ("no caliper" if settings["caliper"] is None
               else f"caliper {settings['caliper']:g} SD of the {settings['distance_scale']}")
    planned_tests = f"{PROTOCOL['continuous_tests']}; {PROTOCOL['categorical_tests']}; {PROTOCOL['time_to_event']}"
    rows = [
        ("Design", PROTOCOL["design"], "synthetic cohort (see 'The data'); no real patients", None),
        ("Patients", str(PROTOCOL["patients"]), str(len(data)), len(data) == PROTOCOL["patients"]),
        ("Dynamic / conventional MRI", f"{PROTOCOL['dynamic']} / {PROTOCOL['conventional']}",
         f"{arms.get('dynamic', 0)} / {arms.get('conventional', 0)}",
         (arms.get("dynamic", 0), arms.get("conventional", 0)) == (PROTOCOL["dynamic"], PROTOCOL["conventional"])),
        ("Matching", PROTOCOL["matching"],
         f"1:1 greedy nearest neighbour without replacement, {caliper}, order '{settings['order']}'"
         + (f", exact on {', '.join(settings['exact'])}" if settings["exact"] else "")
         + f": {match.n_pairs} pairs", None),
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
