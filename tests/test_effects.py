"""Tests for helpers.stats.matching: paired comparisons, robust weighted differences, E-values and power.

Reference values come from R (the call in a comment) or from the formula computed by hand in the test.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.power import TTestIndPower, TTestPower

from helpers.chapters.dynamic_mri.analysis import compare_adjustment_methods, compare_calipers
from helpers.stats.matching import match_on_propensity
from helpers.stats.paired import compare_matched_pairs, paired_comparison
from helpers.stats.power import detectable_difference, power_for_difference
from helpers.stats.sensitivity import e_value_for_mean_difference
from helpers.stats.two_groups import COMPARISON_COLUMNS, compare_two_groups
from helpers.stats.weighting import weighted_mean_difference
from helpers.validation.errors import InputError

# Hollander and Wolfe (1973), depression scale before (y) and after (x) therapy: R's ?wilcox.test data.
X = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
Y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]


def pairs_frame(treated, control) -> pd.DataFrame:
    n = len(treated)
    return pd.DataFrame({"pair_id": np.repeat(np.arange(1, n + 1), 2), "arm": ["after", "before"] * n,
                         "y": np.column_stack([treated, control]).ravel()})


# ----------------------------------------------------------------------------------- paired tests
def test_paired_t_matches_r():
    # R: t.test(x, y, paired = TRUE) -> t = 3.0354, df = 8, p-value = 0.01618,
    #    95 percent CI 0.1037787 0.7599991, mean difference 0.4318889
    row = compare_matched_pairs(pairs_frame(X, Y), outcome="y", group="arm", reference="before",
                                normality="normal").iloc[0]
    assert row["test"] == "paired t-test" and row["group"] == "after - before" and row["n"] == 9
    assert row["statistic"] == pytest.approx(3.0354, abs=1e-4)
    assert row["p_value"] == pytest.approx(0.01618, abs=1e-5)
    assert (row["ci_low"], row["estimate"], row["ci_high"]) == pytest.approx((0.1037787, 0.4318889, 0.7599991),
                                                                             abs=1e-7)


def test_wilcoxon_exact_matches_r():
    # R: wilcox.test(x, y, paired = TRUE, conf.int = TRUE) -> V = 40, p-value = 0.03906,
    #    95 percent CI 0.010 0.786, (pseudo)median 0.46 (exact: n = 9, no ties)
    row = compare_matched_pairs(pairs_frame(X, Y), outcome="y", group="arm", reference="before",
                                normality="nonnormal").iloc[0]
    assert row["test"] == "Wilcoxon signed-rank" and row["quantity"] == "Hodges-Lehmann pseudo-median"
    assert (row["estimate"], row["ci_low"], row["ci_high"]) == pytest.approx((0.46, 0.010, 0.786), abs=1e-12)
    assert row["statistic"] == 40
    assert row["p_value"] == pytest.approx(0.0390625, abs=1e-7)
    assert "exact" in row["method"]


def test_wilcoxon_with_ties_uses_rs_normal_approximation():
    # Ties and a zero: R drops the zero and uses the normal approximation with tie and continuity
    # corrections: z = (V - n(n+1)/4 - 0.5 sign) / sqrt(n(n+1)(2n+1)/24 - sum(t^3 - t)/48).
    differences = np.array([3, 3, -1, 2, 2, 2, 5, 0, -2, 4, 1, 1])
    control = np.full(differences.size, 10.0)
    row = compare_matched_pairs(pairs_frame(control + differences, control), outcome="y", group="arm",
                                reference="before", normality="nonnormal").iloc[0]
    nonzero = differences[differences != 0]
    ranks = stats.rankdata(np.abs(nonzero))
    n, v = nonzero.size, ranks[nonzero > 0].sum()
    _, ties = np.unique(np.abs(nonzero), return_counts=True)
    sigma = math.sqrt(n * (n + 1) * (2 * n + 1) / 24 - np.sum(ties ** 3 - ties) / 48)
    centre = v - n * (n + 1) / 4
    z = (centre - 0.5 * np.sign(centre)) / sigma
    assert row["statistic"] == v
    assert row["p_value"] == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-10)
    assert "normal approximation" in row["method"]


def test_a_zero_difference_without_ties_still_uses_rs_normal_approximation():
    # R: d <- c(1, 2, 0, 3, -1.5, 4, 5); wilcox.test(d) -> V = 19, p-value = 0.09349 ("cannot compute
    # exact p-value with zeroes"). By hand: n = 6 non-zero, z = (19 - 10.5 - 0.5) / sqrt(22.75).
    # An exact p on the non-zero differences would be 0.09375; both paired helpers must give R's.
    differences = np.array([1.0, 2.0, 0.0, 3.0, -1.5, 4.0, 5.0])
    expected = 2 * stats.norm.sf(8 / math.sqrt(22.75))
    assert expected == pytest.approx(0.09349, abs=5e-6)
    base = np.full(differences.size, 10.0)
    # R: wilcox.test(d, conf.int = TRUE) also warns "requested conf.level not achievable" (6 differences)
    with pytest.warns(UserWarning, match="not achievable"):
        row = compare_matched_pairs(pairs_frame(base + differences, base), outcome="y", group="arm",
                                    reference="before", normality="nonnormal").iloc[0]
    with pytest.warns(UserWarning, match="not achievable"):
        other = paired_comparison(pd.DataFrame({"pre": base, "post": base + differences}), before="pre",
                                  after="post", normality="nonnormal").iloc[0]
    for result in (row, other):
        assert result["statistic"] == 19
        assert result["p_value"] == pytest.approx(expected, rel=1e-10)
        assert "normal approximation" in result["method"]


def test_shapiro_rule_picks_the_test_from_the_paired_differences():
    generator = np.random.default_rng(3)
    control = generator.normal(50, 10, 60)
    normal = compare_matched_pairs(pairs_frame(control + generator.normal(5, 4, 60), control), outcome="y",
                                   group="arm", reference="before").iloc[0]
    skewed = compare_matched_pairs(pairs_frame(control + generator.exponential(5, 60) ** 2, control), outcome="y",
                                   group="arm", reference="before").iloc[0]
    assert normal["test"] == "paired t-test" and "did not reject" in normal["method"]
    assert skewed["test"] == "Wilcoxon signed-rank" and "rejected normality" in skewed["method"]


def test_incomplete_pairs_are_dropped_and_counted_and_input_unchanged():
    frame = pairs_frame(X, Y)
    frame.loc[0, "y"] = np.nan  # pair 1 loses its treated outcome
    before = frame.copy()
    row = compare_matched_pairs(frame, outcome="y", group="arm", reference="before", normality="normal").iloc[0]
    pd.testing.assert_frame_equal(frame, before)
    assert row["n"] == 8 and "1 pair(s)" in row["method"]
    expected = stats.ttest_rel(X[1:], Y[1:])
    assert row["p_value"] == pytest.approx(expected.pvalue)


def test_paired_input_errors():
    frame = pairs_frame(X, Y)
    with pytest.raises(InputError, match="exactly one"):
        compare_matched_pairs(frame.iloc[1:], outcome="y", group="arm")
    with pytest.raises(InputError, match="not found"):
        compare_matched_pairs(frame, outcome="nope", group="arm")
    with pytest.raises(InputError, match="normality"):
        compare_matched_pairs(frame, outcome="y", group="arm", normality="maybe")


# -------------------------------------------------------------------------- weighted differences
def test_weighted_difference_matches_the_closed_form_sandwich():
    # With one binary regressor the HC0 sandwich is sum_g sum_i w_i^2 e_i^2 / (sum_i w_i)^2 per group.
    generator = np.random.default_rng(11)
    frame = pd.DataFrame({"arm": np.repeat(["control", "treated"], [40, 30]),
                          "y": np.r_[generator.normal(0, 1, 40), generator.normal(1, 2, 30)],
                          "w": np.r_[generator.uniform(0.1, 3, 40), np.ones(30)]})
    row = weighted_mean_difference(frame, outcome="y", group="arm", reference="control", weights="w").iloc[0]
    variance, means = 0.0, {}
    for arm, part in frame.groupby("arm"):
        means[arm] = np.average(part["y"], weights=part["w"])
        variance += np.sum(part["w"] ** 2 * (part["y"] - means[arm]) ** 2) / part["w"].sum() ** 2
    assert row["estimate"] == pytest.approx(means["treated"] - means["control"])
    se = math.sqrt(variance)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((row["estimate"] - 1.959964 * se,
                                                             row["estimate"] + 1.959964 * se), abs=1e-5)
    assert row["p_value"] == pytest.approx(2 * stats.norm.sf(abs(row["estimate"] / se)))
    hc1 = weighted_mean_difference(frame, outcome="y", group="arm", reference="control", weights="w",
                                   cov_type="HC1").iloc[0]
    assert (hc1["ci_high"] - hc1["estimate"]) == pytest.approx(1.959964 * se * math.sqrt(70 / 68), rel=1e-5)


def test_cluster_robust_variance_by_pair():
    # CR1: V = G/(G-1) (n-1)/(n-k) (X'X)^-1 [sum_g X_g' e_g e_g' X_g] (X'X)^-1, as sandwich::vcovCL(type = "HC1").
    generator = np.random.default_rng(5)
    n_pairs = 25
    shared = np.repeat(generator.normal(0, 2, n_pairs), 2)
    frame = pd.DataFrame({"pair_id": np.repeat(np.arange(n_pairs), 2), "arm": ["t", "c"] * n_pairs})
    frame["y"] = shared + (frame["arm"] == "t") * 1.5 + generator.normal(0, 1, 2 * n_pairs)
    row = weighted_mean_difference(frame, outcome="y", group="arm", reference="c", cluster="pair_id").iloc[0]
    design = np.column_stack([np.ones(len(frame)), (frame["arm"] == "t").to_numpy(float)])
    bread = np.linalg.inv(design.T @ design)
    beta = bread @ design.T @ frame["y"].to_numpy()
    residual = frame["y"].to_numpy() - design @ beta
    meat = sum(np.outer(design[g].T @ residual[g], design[g].T @ residual[g])
               for g in np.split(np.arange(len(frame)), n_pairs))
    n, k = len(frame), 2
    variance = n_pairs / (n_pairs - 1) * (n - 1) / (n - k) * (bread @ meat @ bread)
    se = math.sqrt(variance[1, 1])
    assert row["estimate"] == pytest.approx(beta[1])
    assert row["ci_high"] - row["estimate"] == pytest.approx(stats.norm.ppf(0.975) * se, rel=1e-8)
    assert "cluster" in row["method"]


def test_weighted_difference_of_a_binary_outcome_is_a_risk_difference():
    frame = pd.DataFrame({"arm": ["a"] * 10 + ["b"] * 10, "event": [1] * 2 + [0] * 8 + [1] * 5 + [0] * 5})
    row = weighted_mean_difference(frame, outcome="event", group="arm", label="risk difference").iloc[0]
    assert row["estimate"] == pytest.approx(0.3) and row["quantity"] == "risk difference"
    # HC0 variance of a difference in proportions: p1(1-p1)/n1 + p0(1-p0)/n0
    se = math.sqrt(0.5 * 0.5 / 10 + 0.2 * 0.8 / 10)
    assert row["ci_high"] - row["estimate"] == pytest.approx(stats.norm.ppf(0.975) * se)


def test_weighted_difference_rejects_bad_weights():
    frame = pd.DataFrame({"arm": ["a", "a", "b", "b"], "y": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(InputError, match="weights"):
        weighted_mean_difference(frame, outcome="y", group="arm", weights=[1, 1, -1, 1])
    with pytest.raises(InputError, match="two groups"):
        weighted_mean_difference(frame.assign(arm=["a", "b", "c", "a"]), outcome="y", group="arm")


# ------------------------------------------------------------------------------------ E-value, power
def test_e_value_for_a_mean_difference_by_hand():
    # d = 10 / 20 = 0.5 -> RR = exp(0.91 x 0.5) = 1.5762 -> E = RR + sqrt(RR (RR - 1)) = 2.529;
    # lower limit d = 0.2 -> RR = exp(0.182) = 1.1996 -> E = 1.6858.
    result = e_value_for_mean_difference(10.0, 4.0, 16.0, sd=20.0)
    rr = math.exp(0.91 * 0.5)
    assert result.risk_ratio == pytest.approx(rr)
    assert result.e_value_estimate == pytest.approx(rr + math.sqrt(rr * (rr - 1)))
    assert result.e_value_estimate == pytest.approx(2.529, abs=1e-3)
    low = math.exp(0.91 * 0.2)
    assert result.e_value_ci == pytest.approx(low + math.sqrt(low * (low - 1)))
    assert e_value_for_mean_difference(10.0, -2.0, 22.0, sd=20.0).e_value_ci == 1.0
    with pytest.raises(InputError):
        e_value_for_mean_difference(10.0, sd=0.0)


def test_power_matches_r_pwr_and_statsmodels():
    # R: pwr.t.test(n = 150, power = 0.8, sig.level = 0.05)$d = 0.3245
    row = detectable_difference(150, sd=20.0).iloc[0]
    assert row["effect_size_d"] == pytest.approx(0.3245, abs=1e-4)
    assert row["difference"] == pytest.approx(20.0 * row["effect_size_d"])
    unequal = detectable_difference(100, 140, sd=1.0).iloc[0]
    assert unequal["effect_size_d"] == pytest.approx(
        TTestIndPower().solve_power(nobs1=100, ratio=1.4, power=0.8, alpha=0.05), rel=1e-3)
    paired = detectable_difference(100, sd=15.0, paired=True).iloc[0]
    assert paired["effect_size_d"] == pytest.approx(TTestPower().solve_power(nobs=100, power=0.8, alpha=0.05),
                                                    rel=1e-3)
    power = power_for_difference(5.0, 150, sd=20.0).iloc[0]["power"]
    assert power == pytest.approx(TTestIndPower().power(effect_size=0.25, nobs1=150, ratio=1, alpha=0.05), rel=1e-4)
    # more patients, more power; the detectable difference at the computed power is the difference itself
    assert power_for_difference(5.0, 300, sd=20.0).iloc[0]["power"] > power
    assert detectable_difference(150, sd=20.0, power=power).iloc[0]["difference"] == pytest.approx(5.0, rel=1e-3)
    with pytest.raises(InputError):
        detectable_difference(1, sd=20.0)


# ------------------------------------------------------------------------- side-by-side tables
@pytest.fixture(scope="module")
def confounded() -> pd.DataFrame:
    generator = np.random.default_rng(2)
    n = 400
    frame = pd.DataFrame({"age": generator.normal(60, 10, n), "segments": generator.integers(1, 5, n)})
    linear = 0.08 * (frame["age"] - 60) + 0.5 * (frame["segments"] - 2.5)
    frame["treat"] = (generator.random(n) < 1 / (1 + np.exp(-linear))).astype(int)
    frame["arm"] = np.where(frame["treat"] == 1, "new", "old")
    frame["y"] = 50 + 5 * frame["treat"] - 1.0 * (frame["age"] - 60) - 4 * frame["segments"] + generator.normal(0, 8, n)
    return frame


def test_adjustment_methods_side_by_side(confounded):
    before = confounded.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # residual imbalance in this small example is expected
        match = match_on_propensity(confounded, treatment="treat", covariates=["age", "segments"])
    table = compare_adjustment_methods(confounded, match, outcome="y", group="arm", treatment="treat",
                                       covariates=["age", "segments"], reference="old")
    pd.testing.assert_frame_equal(confounded, before)
    assert list(table["analysis"]) == ["crude", "matched", "matched, paired", "IPW (ATT)"]
    assert list(table.columns) == ["analysis", *COMPARISON_COLUMNS]
    # one quantity, the mean difference, each row with its own test (the table varies the adjustment)
    assert (table["quantity"] == "mean difference").all()
    assert list(table["test"]) == ["Welch's t-test", "Welch's t-test", "paired t-test", "Wald z (robust SE)"]
    crude = compare_two_groups(confounded, outcome="y", group="arm", reference="old", normality="normal").iloc[0]
    assert table.loc[0, ["estimate", "ci_low", "ci_high", "p_value"]].tolist() == pytest.approx(
        crude[["estimate", "ci_low", "ci_high", "p_value"]].tolist(), rel=1e-12)
    assert (table["ci_low"] <= table["estimate"]).all() and (table["estimate"] <= table["ci_high"]).all()
    # confounding pushes the crude estimate far below the true +5; matching and weighting come back
    assert table.loc[0, "ci_high"] < 5
    for analysis in ("matched", "matched, paired", "IPW (ATT)"):
        row = table.set_index("analysis").loc[analysis]
        assert row["ci_low"] < 5 < row["ci_high"], analysis


def test_calipers_trade_pairs_for_balance(confounded):
    table = compare_calipers(confounded, outcome="y", group="arm", treatment="treat", covariates=["age", "segments"],
                             reference="old")
    assert list(table["caliper"]) == ["0.1", "0.2", "none"]
    assert table["pairs"].is_monotonic_increasing
    n_treated = int(confounded["treat"].sum())
    assert table.loc[2, "pairs"] == min(n_treated, len(confounded) - n_treated)
    assert np.isnan(table.loc[2, "caliper_width"]) or table.loc[2, "caliper_width"] is None
    assert table.loc[0, "caliper_width"] == pytest.approx(table.loc[1, "caliper_width"] / 2)
    assert (table["pairs"] + table["unmatched_treated"] == n_treated).all()
    # each row is the primary analysis (the rule's first row): estimate, interval and p of one test
    pairing = {"Welch's t-test": "mean difference", "Mann-Whitney U": "Hodges-Lehmann shift"}
    assert (table["quantity"] == table["test"].map(pairing)).all()
    assert all(method.startswith(test) for method, test in zip(table["method"], table["test"]))
