"""Tests for helpers.stats.matching: MatchIt's lalonde output, invariants of greedy matching, E-values.

Reference values come from R; the R call is in a comment above each block. MatchIt's values are
recomputed by tests/r/matching.R (tests/r/results/matching.json); the ATE-pooled and WeightIt numbers, whose
packages (optmatch, WeightIt, cobalt) are not in Debian's R here, are the published ones, quoted to four
(or three) decimals and checked to within half a unit of the last printed digit.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from helpers.stats.balance import balance_table
from helpers.stats.matching import MIN_PAIRS, MatchResult, estimate_propensity, match_on_propensity
from helpers.stats.weighting import ipw_att_weights
from helpers.validation.errors import InputError
from helpers.validation.estimable import NotEstimable

COVARIATES = ["age", "educ", "race", "married", "nodegree", "re74", "re75"]
ROWS = ["distance", "age", "educ", "raceblack", "racehispan", "racewhite", "married", "nodegree",
        "re74", "re75"]


@pytest.fixture(scope="module")
def lalonde(reference_data) -> pd.DataFrame:
    return pd.read_csv(reference_data / "lalonde.csv", index_col="id")


def quiet_match(df, **options) -> MatchResult:
    """Match without the post-matching imbalance warning (tested separately)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return match_on_propensity(df, **options)


def smd_after(result: MatchResult) -> dict[str, float]:
    return dict(zip(result.balance["covariate"], result.balance["smd_after"]))


def confounded_cohort(n: int, seed: int) -> pd.DataFrame:
    """Synthetic cohort in which older, male, high-BMI patients more often get dynamic MRI."""
    generator = np.random.default_rng(seed)
    df = pd.DataFrame({
        "age": generator.normal(60, 10, n).round(),
        "sex": generator.choice(["female", "male"], n),
        "level": generator.choice(["cervical", "lumbar", "thoracic"], n, p=[0.3, 0.6, 0.1]),
        "bmi": generator.normal(28, 4, n),
    })
    linear = -1.0 + 0.06 * (df["age"] - 60) + 0.8 * (df["sex"] == "male") + 0.08 * (df["bmi"] - 28)
    df["dynamic"] = (generator.random(n) < 1 / (1 + np.exp(-linear))).astype(int)
    return df


def matchit_scan(score, treated, caliper=None):
    """Literal port of MatchIt 4.7's find_control_vec for 1:1 matching without replacement.

    O(n^2) on purpose: the oracle for the union-find implementation. Units sorted by (score, data
    order); from the treated unit, step one place left, then one right, alternately, to the first
    available control on each side (a side stops when the caliper is exceeded or its candidate is
    farther than one already found); the nearer wins, the first found on a tie.
    """
    n = len(score)
    order = sorted(range(n), key=lambda i: (score[i], i))
    where = {unit: place for place, unit in enumerate(order)}
    available = [not t for t in treated]
    treated_units = [i for i in range(n) if treated[i]]
    processing = sorted(treated_units, key=lambda i: (-score[i], i))
    pairs = {}
    for t in processing:
        left_place = right_place = where[t]
        found, stopped = [], {"left": False, "right": False}
        side = "right"
        while not (stopped["left"] and stopped["right"]):
            side = "left" if stopped["right"] else "right" if stopped["left"] else (
                "left" if side == "right" else "right")
            if side == "left":
                if left_place == 0:
                    stopped["left"] = True
                    continue
                left_place -= 1
                unit = order[left_place]
            else:
                if right_place == n - 1:
                    stopped["right"] = True
                    continue
                right_place += 1
                unit = order[right_place]
            if not available[unit]:
                continue
            gap = abs(score[t] - score[unit])
            if (caliper is not None and gap > caliper) or (found and found[0][1] < gap):
                stopped[side] = True
                continue
            found.append((unit, gap))
            stopped[side] = True
        if found:
            unit = min(found, key=lambda pair: pair[1])[0]  # min() keeps the first of equal gaps
            pairs[t] = unit
            available[unit] = False
    return pairs


# ------------------------------------------------------------------------- MatchIt on lalonde
# R's values: tests/r/results/matching.json (tests/r/matching.R): MatchIt's greedy rule written out in R
# (Debian's MatchIt 4.5.1 ignores calipers and does not always take the nearest control, issue 163), balance
# by MatchIt's summary() of the rule's pairs. They equal the MatchIt "Getting Started" vignette's tables
# (also in tests/data/README.md). Tolerance 1e-8 relative (two logistic fits agreeing to ~1e-9).
def r_balance(r_reference, label: str, quantity: str) -> list[float]:
    return [r_reference("matching", "lalonde", f"{label}: {quantity}[{row}]") for row in ROWS]


def test_nearest_without_caliper_reproduces_matchit(lalonde, r_reference):
    # R: matchit(treat ~ age + educ + race + married + nodegree + re74 + re75, data = lalonde,
    #            method = "nearest", distance = "glm"); summary(m.out1)   (the rule's pairs, see above)
    with pytest.warns(UserWarning, match="SMD"):
        result = match_on_propensity(lalonde, treatment="treat", covariates=COVARIATES, caliper=None,
                                     caliper_scale="propensity")
    assert result.n_pairs == 185
    assert result.unmatched == {"treated": 0, "control": 244}
    balance = result.balance.set_index("covariate")
    assert list(balance.index) == ROWS
    for column in ("smd_before", "smd_after", "mean_treated_after", "mean_control_before", "mean_control_after",
                   "variance_ratio_before", "variance_ratio_after"):
        assert balance[column].to_numpy() == pytest.approx(r_balance(r_reference, "no caliper", column), rel=1e-8,
                                                           abs=1e-10, nan_ok=True), column
    assert balance.loc["married", "variance_ratio_after"] != balance.loc["married", "variance_ratio_after"]
    assert balance.loc["age", "smd_after"] == pytest.approx(0.0718, abs=5e-5)  # the vignette's printed value
    assert set(balance["denominator"]) == {"treated"} and result.balance.attrs["denominator"] == "treated"
    assert result.caliper_width is None


def test_caliper_on_propensity_scale_reproduces_matchit(lalonde, r_reference):
    # R: matchit(treat ~ age + educ + race + married + nodegree + re74 + re75, data = lalonde,
    #            method = "nearest", distance = "glm", caliper = 0.2)   (std.caliper = TRUE; the rule's pairs)
    result = quiet_match(lalonde, treatment="treat", covariates=COVARIATES, caliper=0.2,
                         caliper_scale="propensity")
    assert result.n_pairs == 113 == r_reference("matching", "lalonde", "caliper 0.2 propensity: n_pairs")
    assert result.unmatched == {"treated": 72, "control": 316}
    for column in ("smd_before", "smd_after"):
        assert result.balance[column].to_numpy() == pytest.approx(
            r_balance(r_reference, "caliper 0.2 propensity", column), rel=1e-8, abs=1e-10)
    # caliper = 0.2 x sd(distance) over all 614 units, as MatchIt's std.caliper does
    propensity = estimate_propensity(lalonde, treatment="treat", covariates=COVARIATES)["propensity"]
    assert result.caliper_width == pytest.approx(0.2 * propensity.std(ddof=1), rel=1e-12)
    assert result.caliper_width == pytest.approx(
        r_reference("matching", "lalonde", "caliper 0.2 propensity: caliper_width"), rel=1e-8)
    assert result.settings["caliper_scale"] == "propensity"


def test_summary_counts(lalonde):
    result = quiet_match(lalonde, treatment="treat", covariates=COVARIATES, caliper=0.2,
                         caliper_scale="propensity")
    summary = result.summary().set_index("arm")
    assert summary.loc["treated"].tolist() == [185, 113, 72]
    assert summary.loc["control"].tolist() == [429, 113, 316]


def test_pooled_denominator_reproduces_matchit(lalonde):
    # R: summary(matchit(treat ~ age + educ + race + married + nodegree + re74 + re75, data = lalonde,
    #            method = "full", estimand = "ATE")), "Summary of Balance for All Data": MatchIt uses
    #    sqrt((s1^2 + s0^2) / 2) for the ATE (values from a public knitted MatchIt analysis).
    scores = estimate_propensity(lalonde, treatment="treat", covariates=COVARIATES)
    data = lalonde.join(scores)
    table = balance_table(data, treatment="treat", covariates=["propensity", *COVARIATES],
                          denominator="pooled")
    expected = [1.7569, -0.2419, 0.0448, 1.6708, -0.2774, -1.4080, -0.7208, 0.2355, -0.5958, -0.2870]
    assert table["smd"].to_numpy() == pytest.approx(expected, abs=1e-4)
    assert table.attrs["denominator"] == "pooled" and set(table["denominator"]) == {"pooled"}


def test_ipw_att_weights_reproduce_weightit(lalonde):
    # R: W.out <- weightit(treat ~ age + educ + race + married + nodegree + re74 + re75, data = lalonde,
    #                      estimand = "ATT", method = "glm"); bal.tab(W.out, stats = c("m", "v"))
    #    (WeightIt vignette). cobalt reports raw differences for binary covariates.
    data = lalonde.join(estimate_propensity(lalonde, treatment="treat", covariates=COVARIATES))
    weights = ipw_att_weights(data, treatment="treat", propensity="propensity")
    assert (weights[data["treat"] == 1] == 1).all()
    control = weights[data["treat"] == 0]
    assert control.sum() ** 2 / (control ** 2).sum() == pytest.approx(99.82, abs=0.005)  # ESS
    assert control.min() == pytest.approx(0.009, abs=5e-4) and control.max() == pytest.approx(3.743, abs=5e-4)
    table = balance_table(data, treatment="treat", covariates=["propensity", *COVARIATES],
                          weights=weights).set_index("covariate")
    continuous = {"propensity": (-0.021, 1.032), "age": (0.119, 0.458), "educ": (-0.028, 0.664),
                  "re74": (-0.002, 1.321), "re75": (0.011, 1.394)}
    for name, (smd, ratio) in continuous.items():
        assert table.loc[name, "smd"] == pytest.approx(smd, abs=5e-4)
        assert table.loc[name, "variance_ratio"] == pytest.approx(ratio, abs=5e-4)
    binary = {"raceblack": -0.002, "racehispan": 0.000, "racewhite": 0.002, "married": 0.019,
              "nodegree": 0.018}
    for name, difference in binary.items():
        raw = table.loc[name, "mean_treated"] - table.loc[name, "mean_control"]
        assert raw == pytest.approx(difference, abs=5e-4)


def test_balance_table_with_reference_shares_the_denominator(lalonde):
    result = quiet_match(lalonde, treatment="treat", covariates=COVARIATES, caliper=0.2,
                         caliper_scale="propensity")
    after = balance_table(result.matched, treatment="treat", covariates=COVARIATES, reference=lalonde)
    assert after["smd"].to_numpy() == pytest.approx(result.balance["smd_after"].to_numpy()[1:], rel=1e-12)
    # Without the reference the SD of the 113 matched treated is used, and the numbers change.
    own = balance_table(result.matched, treatment="treat", covariates=COVARIATES)
    assert not np.allclose(own["smd"], after["smd"])


# ------------------------------------------------------------------------------- invariants
def test_greedy_matching_equals_a_literal_port_of_matchit_with_ties():
    # A coarse covariate gives many identical scores, so the tie rules decide most pairs.
    generator = np.random.default_rng(7)
    n = 300
    df = pd.DataFrame({"grade": generator.integers(0, 6, n), "sex": generator.choice(["f", "m"], n)})
    df["dynamic"] = (generator.random(n) < 0.15 + 0.08 * df["grade"]).astype(int)
    scores = estimate_propensity(df, treatment="dynamic", covariates=["grade", "sex"])
    for caliper in (None, 0.05):
        result = quiet_match(df, treatment="dynamic", covariates=["grade", "sex"], caliper=caliper,
                             caliper_scale="propensity")
        width = result.caliper_width
        expected = matchit_scan(scores["propensity"].tolist(), (df["dynamic"] == 1).tolist(), width)
        assert dict(zip(result.pairs["treated_index"], result.pairs["control_index"])) == expected


def test_pairs_are_valid_and_input_is_unchanged():
    df = confounded_cohort(2000, seed=11)
    original = df.copy()
    result = quiet_match(df, treatment="dynamic", covariates=["age", "sex", "level", "bmi"])
    pd.testing.assert_frame_equal(df, original)
    pairs = result.pairs
    assert pairs["control_index"].is_unique and pairs["treated_index"].is_unique
    assert (df.loc[pairs["treated_index"], "dynamic"] == 1).all()
    assert (df.loc[pairs["control_index"], "dynamic"] == 0).all()
    logit = result.scores["propensity_logit"]
    gaps = (logit.loc[pairs["treated_index"]].to_numpy() - logit.loc[pairs["control_index"]].to_numpy())
    assert np.abs(gaps) == pytest.approx(pairs["distance"].to_numpy(), rel=1e-12)
    assert (pairs["distance"] <= result.caliper_width).all()
    assert len(result.matched) == 2 * result.n_pairs
    assert result.matched.groupby("pair_id")["dynamic"].sum().eq(1).all()
    assert result.unmatched["treated"] + result.n_pairs == df["dynamic"].sum()


def test_each_match_is_the_nearest_available_control():
    df = confounded_cohort(400, seed=3)
    result = quiet_match(df, treatment="dynamic", covariates=["age", "sex", "bmi"], caliper=None,
                         caliper_scale="propensity")
    score = result.scores["propensity"]
    available = set(df.index[df["dynamic"] == 0])
    for treated, control, distance in result.pairs[["treated_index", "control_index", "distance"]].itertuples(
            index=False):
        nearest = min(abs(score[treated] - score[c]) for c in available)
        assert distance == nearest
        available.remove(control)
    processed = score.loc[result.pairs["treated_index"]].to_numpy()
    assert (np.diff(processed) <= 0).all()  # largest score first


def test_logit_caliper_width_is_two_tenths_of_the_sd_of_the_logit():
    df = confounded_cohort(1000, seed=5)
    result = quiet_match(df, treatment="dynamic", covariates=["age", "sex", "bmi"], caliper=0.2,
                         caliper_scale="logit")
    logit = estimate_propensity(df, treatment="dynamic", covariates=["age", "sex", "bmi"])["propensity_logit"]
    assert result.caliper_width == pytest.approx(0.2 * np.std(logit.to_numpy(), ddof=1), rel=1e-12)
    assert result.settings["caliper_scale"] == "logit"
    assert (result.pairs["distance"] <= result.caliper_width).all()
    wider = quiet_match(df, treatment="dynamic", covariates=["age", "sex", "bmi"], caliper=1.0)
    assert wider.n_pairs >= result.n_pairs


def test_balance_improves_on_confounded_data():
    df = confounded_cohort(3000, seed=2024)
    result = quiet_match(df, treatment="dynamic", covariates=["age", "sex", "level", "bmi"])
    balance = result.balance.set_index("covariate")
    assert balance["smd_before"].abs().max() > 0.3
    assert balance.drop(index="distance")["smd_after"].abs().max() < 0.1
    assert abs(balance.loc["distance", "smd_after"]) < abs(balance.loc["distance", "smd_before"]) / 4
    assert (balance["smd_after"].abs() <= balance["smd_before"].abs() + 0.02).all()
    assert {"sexfemale", "sexmale", "levelcervical", "levellumbar", "levelthoracic"} <= set(balance.index)


def test_random_order_is_reproducible_from_the_seed():
    df = confounded_cohort(1500, seed=8)
    options = dict(treatment="dynamic", covariates=["age", "sex", "bmi"], caliper=0.1, order="random")
    first = quiet_match(df, rng=42, **options)
    again = quiet_match(df, rng=np.random.default_rng(42), **options)
    pd.testing.assert_frame_equal(first.pairs, again.pairs)
    other = quiet_match(df, rng=43, **options)
    assert not first.pairs.equals(other.pairs)
    assert first.settings["order"] == "random"


def test_exact_matching_never_crosses_strata():
    df = confounded_cohort(1500, seed=9)
    result = quiet_match(df, treatment="dynamic", covariates=["age", "bmi"], exact=["sex", "level"])
    treated = df.loc[result.pairs["treated_index"], ["sex", "level"]].to_numpy()
    control = df.loc[result.pairs["control_index"], ["sex", "level"]].to_numpy()
    assert (treated == control).all()
    assert result.settings["exact"] == ["sex", "level"]
    # A stratum without controls leaves its treated patients unmatched.
    lonely = df.copy()
    lonely.loc[(lonely["level"] == "thoracic"), "dynamic"] = 1
    alone = quiet_match(lonely, treatment="dynamic", covariates=["age"], exact="level", caliper=None)
    assert not lonely.loc[alone.pairs["treated_index"], "level"].eq("thoracic").any()
    thoracic = int((lonely["level"] == "thoracic").sum())
    assert alone.unmatched["treated"] >= thoracic


def test_imbalance_after_matching_warns():
    df = confounded_cohort(300, seed=1)
    with pytest.warns(UserWarning, match=r"\|SMD\| after matching exceeds 0.0001"):
        match_on_propensity(df, treatment="dynamic", covariates=["age", "sex"], smd_threshold=1e-4)


def test_thirty_thousand_patients_are_matched():
    # Performance check (no timing assertion): the matcher is O(n log n), so this takes well under 1 s.
    df = confounded_cohort(30_000, seed=30)
    result = quiet_match(df, treatment="dynamic", covariates=["age", "sex", "level", "bmi"])
    assert result.pairs["control_index"].is_unique
    assert result.n_pairs > 0.9 * min(df["dynamic"].sum(), (df["dynamic"] == 0).sum())


# ----------------------------------------------------------------------------- score model
def test_propensity_scores_and_logits_agree(lalonde, r_reference):
    scores = estimate_propensity(lalonde, treatment="treat", covariates=COVARIATES)
    assert scores.index.equals(lalonde.index)
    p = scores["propensity"]
    assert ((p > 0) & (p < 1)).all()
    assert np.log(p / (1 - p)).to_numpy() == pytest.approx(scores["propensity_logit"].to_numpy(), rel=1e-9)
    # R: summary(m.out1): means of the distance (the glm propensity score) in treated and controls
    assert p[lalonde["treat"] == 1].mean() == pytest.approx(
        r_reference("matching", "lalonde", "no caliper: mean_treated_after[distance]"), rel=1e-8)  # all treated
    assert p[lalonde["treat"] == 0].mean() == pytest.approx(
        r_reference("matching", "lalonde", "no caliper: mean_control_before[distance]"), rel=1e-8)


def test_boolean_treatment_is_accepted(lalonde):
    data = lalonde.assign(treat=lalonde["treat"] == 1)
    scores = estimate_propensity(data, treatment="treat", covariates=COVARIATES)
    reference = estimate_propensity(lalonde, treatment="treat", covariates=COVARIATES)
    assert scores["propensity"].to_numpy() == pytest.approx(reference["propensity"].to_numpy(), rel=1e-9)


# ------------------------------------------------------------------------------------ errors
def test_missing_covariate_values_are_reported_with_rows():
    df = confounded_cohort(50, seed=4)
    df.loc[[3, 17], "bmi"] = np.nan
    with pytest.raises(InputError, match=r"'bmi'.*rows 3, 17.*dropna"):
        match_on_propensity(df, treatment="dynamic", covariates=["age", "bmi"])


def test_bad_treatment_coding_is_reported():
    df = confounded_cohort(50, seed=4)
    df["dynamic"] = np.where(df["dynamic"] == 1, "dynamic", "conventional")
    with pytest.raises(InputError, match=r"'dynamic' must be coded 1 = treated"):
        estimate_propensity(df, treatment="dynamic", covariates=["age"])


def test_other_input_errors():
    df = confounded_cohort(50, seed=4)
    with pytest.raises(InputError, match="not found"):
        match_on_propensity(df, treatment="dynamic", covariates=["weight"])
    with pytest.raises(InputError, match="caliper_scale"):
        match_on_propensity(df, treatment="dynamic", covariates=["age"], caliper_scale="sd")
    with pytest.raises(InputError, match="duplicate"):
        match_on_propensity(pd.concat([df, df]), treatment="dynamic", covariates=["age"])
    with pytest.raises(InputError, match="denominator"):
        balance_table(df, treatment="dynamic", covariates=["age"], denominator="control")
    with pytest.raises(InputError, match="strictly between 0 and 1"):
        ipw_att_weights(df.assign(ps=1.0), treatment="dynamic", propensity="ps")


def test_caliper_boundary_is_inclusive_and_ties_follow_matchit():
    from helpers.stats.matching import _greedy_nearest

    # scores: control 0.0, treated 0.5, control 1.0 -- both controls 0.5 away, equally far in the sort:
    # MatchIt takes the left (lower) one; a caliper of exactly 0.5 still allows the match.
    score = np.array([0.0, 0.5, 1.0])
    treated = np.array([False, True, False])
    match, distance = _greedy_nearest(score, treated, np.array([0]), caliper=0.5)
    assert match.tolist() == [0] and distance.tolist() == [0.5]
    match, _ = _greedy_nearest(score, treated, np.array([0]), caliper=0.4999)
    assert match.tolist() == [-1]
    # With another treated unit in between on the left, the right control is fewer places away.
    score = np.array([0.0, 0.2, 0.5, 1.0])
    treated = np.array([False, True, True, False])
    match, _ = _greedy_nearest(score, treated, np.array([1, 0]), caliper=None)
    assert match.tolist() == [0, 3]


def test_no_match_within_a_tiny_caliper_warns_and_reports_nan_balance():
    df = confounded_cohort(200, seed=12)
    with pytest.warns(UserWarning, match="no treated patient"):  # min_pairs=0: the empty match, to inspect it
        result = match_on_propensity(df, treatment="dynamic", covariates=["age", "bmi"], caliper=1e-12, min_pairs=0)
    assert result.n_pairs == 0 and result.matched.empty
    assert result.balance["smd_after"].isna().all()
    assert result.unmatched["treated"] == df["dynamic"].sum()


# ------------------------------------------------------------------- cohorts that cannot be matched
def test_fewer_pairs_than_the_matched_comparisons_need_is_not_estimable():
    df = confounded_cohort(200, seed=12)
    with pytest.raises(NotEstimable, match=r"^no pair could be matched within the caliper \(1e-12 SD of the logit "
                                           r".*at least 3 are needed.*wider caliper"):
        match_on_propensity(df, treatment="dynamic", covariates=["age", "bmi"], caliper=1e-12)
    # Two treated patients have a close control, three have none within 0.2 SD of the logit: 2 pairs.
    two = pd.DataFrame({"dynamic": [1] * 5 + [0] * 5, "age": [50, 60, 90, 95, 99, 50.5, 60.5, 20, 25, 30]})
    assert match_on_propensity(two, treatment="dynamic", covariates=["age"], min_pairs=0).n_pairs == 2 < MIN_PAIRS
    with pytest.raises(NotEstimable, match=r"^only 2 pairs could be matched within the caliper \(0.2 SD of the logit "
                                           r"of the propensity score, a width of 0.\d+\) among 5 patients with "
                                           r"'dynamic' = 1 and 5 with 'dynamic' = 0; at least 3 are needed"):
        match_on_propensity(two, treatment="dynamic", covariates=["age"])
    assert match_on_propensity(two, treatment="dynamic", covariates=["age"], min_pairs=2).n_pairs == 2
    with pytest.raises(InputError, match="min_pairs"):
        match_on_propensity(df, treatment="dynamic", covariates=["age"], min_pairs=-1)


def test_complete_separation_is_not_estimable_in_words():
    # Every treated patient older than every control: the scores are 0 or 1, nobody has a counterpart.
    df = pd.DataFrame({"dynamic": [1] * 6 + [0] * 6, "age": [70, 72, 75, 71, 80, 77, 50, 55, 52, 60, 58, 49],
                       "sex": ["female", "male"] * 6})
    message = (r"^the propensity model separates the two groups perfectly: with 12 patients \(6 with 'dynamic' = 1, "
               r"6 with 'dynamic' = 0\) and 2 covariates \(age, sex\), every patient's propensity score is 0 or 1, "
               r"so no patient has a comparable patient")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the reason is the error, not a convergence warning before it
        with pytest.raises(NotEstimable, match=message):
            estimate_propensity(df, treatment="dynamic", covariates=["age", "sex"])
    with pytest.raises(NotEstimable, match=message):
        match_on_propensity(df, treatment="dynamic", covariates=["age", "sex"])
    # Overlapping ages (one treated patient younger than one control): estimable as before.
    overlapping = df.assign(age=df["age"].where(df.index != 0, 51))
    assert estimate_propensity(overlapping, treatment="dynamic", covariates=["age"])["propensity"].between(0, 1).all()


def test_a_covariate_with_one_value_is_left_out_of_the_score_with_a_warning():
    df = confounded_cohort(300, seed=3).assign(segments=2)
    with pytest.warns(UserWarning, match=r"'segments' has the same value \(2\) for every patient.*left out"):
        scores = estimate_propensity(df, treatment="dynamic", covariates=["age", "segments", "sex"])
    without = estimate_propensity(df, treatment="dynamic", covariates=["age", "sex"])
    assert scores["propensity"].to_numpy() == pytest.approx(without["propensity"].to_numpy(), rel=1e-10)
    result = quiet_match(df, treatment="dynamic", covariates=["age", "segments", "sex"])
    assert result.balance.set_index("covariate").loc["segments", "smd_after"] == 0.0


def test_a_covariate_determined_by_another_is_left_out_of_the_score_with_a_warning():
    df = confounded_cohort(100, seed=5)
    df["age_months"] = df["age"] * 12
    with pytest.warns(UserWarning, match=r"'age_months' is determined by 'age' \(collinear\): left out"):
        scores = estimate_propensity(df, treatment="dynamic", covariates=["age", "age_months"])
    without = estimate_propensity(df, treatment="dynamic", covariates=["age"])
    assert scores["propensity"].to_numpy() == pytest.approx(without["propensity"].to_numpy(), rel=1e-10)


def test_scores_of_exactly_0_or_1_cannot_be_weighted():
    df = pd.DataFrame({"dynamic": [1, 1, 0, 0], "ps": [0.5, 1.0, 0.0, 0.3]})
    with pytest.raises(NotEstimable, match=r"rows 1, 2 are exactly 0 or 1"):
        ipw_att_weights(df, treatment="dynamic", propensity="ps")
    with pytest.raises(InputError, match="strictly between") as raised:  # outside [0, 1]: an invalid input
        ipw_att_weights(df.assign(ps=[0.5, 1.2, 0.2, 0.3]), treatment="dynamic", propensity="ps")
    assert not isinstance(raised.value, NotEstimable)


def test_unused_category_levels_are_tolerated():
    df = confounded_cohort(500, seed=13)
    df["level"] = pd.Categorical(df["level"], categories=["cervical", "lumbar", "thoracic", "sacral"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no rank-deficiency warning from the propensity model
        scores = estimate_propensity(df, treatment="dynamic", covariates=["age", "level"])
    assert scores["propensity"].between(0, 1).all()
    table = balance_table(df, treatment="dynamic", covariates=["level"]).set_index("covariate")
    assert table.loc["levelsacral", "smd"] == 0.0


def test_closest_order_matches_closest_pairs_first_and_balances_at_least_as_well():
    # MatchIt's m.order = "closest": treated units nearest to a control are matched first
    rng = np.random.default_rng(11)
    n = 3000
    age = rng.normal(60, 10, n)
    bmi = rng.normal(27, 4, n)
    treated = (rng.random(n) < 1 / (1 + np.exp(-(-1.0 + 0.06 * (age - 60) + 0.1 * (bmi - 27))))).astype(int)
    frame = pd.DataFrame({"treat": treated, "age": age, "bmi": bmi})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        closest = match_on_propensity(frame, treatment="treat", covariates=["age", "bmi"], caliper=None,
                                      order="closest")
        largest = match_on_propensity(frame, treatment="treat", covariates=["age", "bmi"], caliper=None)
    first_distances = closest.pairs["distance"].to_numpy()[:50]
    assert np.all(first_distances <= np.quantile(closest.pairs["distance"], 0.5))
    assert closest.settings["order"] == "closest"
    assert closest.pairs["control_index"].is_unique
    after = lambda result: result.balance.set_index("covariate").loc[["age", "bmi"], "smd_after"].abs().mean()
    assert after(closest) <= after(largest) + 0.01
