"""Tests of helpers.stats.correlation: R reference values, scipy, hand-computed Fisher z and Walsh averages."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpers.stats.correlation import correlation_table
from helpers.stats.paired import paired_comparison
from helpers.validation.errors import InputError
from helpers.validation.estimable import NotEstimable

Z95 = 1.959963984540054

# R's ?cor.test example (Hollander & Wolfe 1973, p. 187)
HOLLANDER = pd.DataFrame({"x": [44.4, 45.9, 41.9, 53.3, 44.7, 44.1, 50.7, 45.2, 60.1],
                          "y": [2.6, 3.1, 2.5, 5.0, 3.6, 4.0, 5.2, 2.8, 3.8]})
# R's sleep data: extra hours of sleep with drug 1 and drug 2 in the same 10 patients
SLEEP = pd.DataFrame({"drug_1": [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0],
                      "drug_2": [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]})


@pytest.fixture()
def cohort():
    rng = np.random.default_rng(42)
    n = 80
    recovery = rng.normal(60, 20, n)
    return pd.DataFrame({"recovery": recovery, "fa": 0.45 + 0.002 * (recovery - 60) + rng.normal(0, 0.04, n),
                         "adc": 1.1 - 0.004 * (recovery - 60) + rng.normal(0, 0.12, n),
                         "noise": rng.normal(size=n)})


def test_pearson_matches_r_cor_test():
    # R: cor.test(x, y)  -> t = 1.8411, df = 7, p-value = 0.1082, 95% CI -0.1497426 0.8955795, cor 0.5711816
    with pytest.warns(UserWarning, match="9 complete pairs"):
        row = correlation_table(HOLLANDER, outcome="y", variables=["x"], methods=["pearson"]).iloc[0]
    assert row["estimate"] == pytest.approx(0.5711816, abs=5e-7)
    assert row["p_value"] == pytest.approx(0.1082, abs=5e-5)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((-0.1497426, 0.8955795), abs=5e-7)
    assert row["n"] == 9 and row["correlation"] == "pearson"


def test_values_match_scipy_and_hand_computed_fisher_interval(cohort):
    table = correlation_table(cohort, outcome="recovery", variables=["fa", "adc", "noise"]).set_index(
        ["variable", "correlation"])
    n = len(cohort)
    for variable in ("fa", "adc", "noise"):
        pearson, spearman = table.loc[(variable, "pearson")], table.loc[(variable, "spearman")]
        expected = stats.pearsonr(cohort[variable], cohort["recovery"])
        assert pearson["estimate"] == pytest.approx(expected.statistic, abs=1e-12)
        assert pearson["p_value"] == pytest.approx(expected.pvalue, rel=1e-6)
        expected_rho = stats.spearmanr(cohort[variable], cohort["recovery"])
        assert spearman["estimate"] == pytest.approx(expected_rho.statistic, abs=1e-12)
        assert spearman["p_value"] == pytest.approx(expected_rho.pvalue, rel=1e-6)
        for row in (pearson, spearman):  # Fisher z by hand: tanh(atanh(r) -/+ z / sqrt(n - 3))
            r = row["estimate"]
            low, high = np.tanh(np.arctanh(r) - Z95 / np.sqrt(n - 3)), np.tanh(np.arctanh(r) + Z95 / np.sqrt(n - 3))
            assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high), abs=1e-12)
            assert row["ci_low"] < r < row["ci_high"]
    assert table.loc[("fa", "pearson"), "estimate"] > 0.5 and table.loc[("adc", "pearson"), "estimate"] < -0.3
    wider = correlation_table(cohort, outcome="recovery", variables=["fa"], methods=["pearson"], level=0.99).iloc[0]
    assert wider["ci_low"] < table.loc[("fa", "pearson"), "ci_low"]
    assert wider["ci_high"] > table.loc[("fa", "pearson"), "ci_high"]


def test_pairwise_complete_cases_and_input_unchanged(cohort):
    frame = cohort.copy()
    frame.loc[[0, 5, 9], "fa"] = np.nan
    before = frame.copy()
    table = correlation_table(frame, outcome="recovery", variables=["fa", "adc"], methods=["pearson"])
    assert table["n"].tolist() == [77, 80]
    expected = stats.pearsonr(frame["fa"].dropna(), frame.loc[frame["fa"].notna(), "recovery"]).statistic
    assert table["estimate"].iloc[0] == pytest.approx(expected)
    pd.testing.assert_frame_equal(frame, before)


def test_perfect_correlation_has_degenerate_interval():
    frame = pd.DataFrame({"x": np.arange(12.0), "y": 2 * np.arange(12.0) + 1})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        row = correlation_table(frame, outcome="y", variables=["x"], methods=["pearson"]).iloc[0]
    assert (row["estimate"], row["ci_low"], row["ci_high"]) == pytest.approx((1.0, 1.0, 1.0))


def test_a_constant_variable_or_too_few_pairs_are_not_estimable():
    frame = pd.DataFrame({"rate": np.arange(12.0), "f": np.full(12, 9.0), "fa": np.linspace(0.3, 0.5, 12)})
    with pytest.raises(NotEstimable, match=r"'f' has the same value \(9.0\) in all 12 complete pairs, so its "
                                           r"correlation with 'rate' is undefined"):
        correlation_table(frame, outcome="rate", variables=["fa", "f"])
    with pytest.raises(NotEstimable, match=r"'rate' has the same value \(1.0\).*correlation with 'fa'"):
        correlation_table(frame.assign(rate=1.0), outcome="rate", variables=["fa"])
    with pytest.raises(NotEstimable, match="3 complete pairs"):
        correlation_table(frame.head(3), outcome="rate", variables=["fa"])
    assert len(correlation_table(frame, outcome="rate", variables=["fa"])) == 2  # the others are estimated


@pytest.mark.parametrize("kwargs, message", [
    (dict(outcome="nope", variables=["fa"]), "column 'nope' not found"),
    (dict(outcome="recovery", variables="fa"), "give a list"),
    (dict(outcome="recovery", variables=["fa"], methods=["kendall"]), "choose from"),
    (dict(outcome="recovery", variables=["fa"], level=95), "confidence level"),
])
def test_correlation_input_errors(cohort, kwargs, message):
    with pytest.raises(InputError, match=message):
        correlation_table(cohort, **kwargs)


def test_paired_t_matches_r_on_sleep():
    # R: t.test(sleep$extra[11:20], sleep$extra[1:10], paired = TRUE)
    #    -> t = 4.0621, df = 9, p-value = 0.002833, 95% CI 0.7001142 2.4598858, mean difference 1.58
    row = paired_comparison(SLEEP, before="drug_1", after="drug_2", normality="normal").iloc[0]
    assert row["statistic"] == pytest.approx(4.0621, abs=5e-5)
    assert row["df"] == 9 and row["p_value"] == pytest.approx(0.002833, abs=5e-7)
    assert (row["estimate"], row["ci_low"], row["ci_high"]) == pytest.approx((1.58, 0.7001142, 2.4598858), abs=5e-7)
    assert row["effect_size"] == pytest.approx(1.58 / np.std(SLEEP["drug_2"] - SLEEP["drug_1"], ddof=1))


def test_wilcoxon_matches_r_on_sleep():
    # R: wilcox.test(sleep$extra[1:10], sleep$extra[11:20], paired = TRUE)
    #    -> V = 0, p-value = 0.009091 (ties and a zero: normal approximation with continuity correction)
    # R: wilcox.test(sleep$extra[11:20], sleep$extra[1:10], paired = TRUE, conf.int = TRUE)
    #    -> 95 percent CI 1.050018 2.949921 (uniroot, tol 1e-4), (pseudo)median 1.400021: the zero dropped,
    #    the CI ends are Walsh averages 1.05 and 2.95; the pseudo-median of the 9 non-zero differences is 1.4
    row = paired_comparison(SLEEP, before="drug_1", after="drug_2", normality="nonnormal").iloc[0]
    assert row["p_value"] == pytest.approx(0.009091, abs=5e-7)
    assert row["quantity"] == "Hodges-Lehmann pseudo-median"
    assert (row["estimate"], row["ci_low"], row["ci_high"]) == pytest.approx((1.4, 1.05, 2.95), abs=1e-4)
    assert row["statistic"] == 45  # V of after - before: all 9 non-zero differences are positive (R's V = 0 for x - y)
    assert "continuity correction" in row["method"]
    assert np.isnan(row["df"])


def test_hodges_lehmann_by_hand():
    # differences 1, 2, 4: Walsh averages 1, 1.5, 2, 2.5, 3, 4 -> pseudo-median 2.25
    # R: wilcox.test(c(1, 2, 4), conf.int = TRUE) -> 2.25, CI 1 4, warning "requested conf.level not
    #    achievable" and conf.level 0.75 (3 differences allow no better than 1 - 2/8)
    frame = pd.DataFrame({"pre": [10, 10, 10], "post": [11, 12, 14]})
    with pytest.warns(UserWarning, match="not achievable"):
        row = paired_comparison(frame, before="pre", after="post", normality="nonnormal").iloc[0]
    assert row["estimate"] == pytest.approx(2.25)
    assert (row["ci_low"], row["ci_high"]) == (1.0, 4.0) and "level 0.75" in row["method"]
    assert row["p_value"] == pytest.approx(0.25)  # exact: 1 of 8 equally likely sign patterns each side
    assert "exact" in row["method"]


def test_rule_picks_the_test_and_reports_it():
    rng = np.random.default_rng(3)
    pre = rng.normal(10, 2, 60)
    normal = pd.DataFrame({"pre": pre, "post": pre + rng.normal(4, 1.5, 60)})
    skewed = pd.DataFrame({"pre": pre, "post": pre + rng.exponential(1.0, 60) ** 3})
    row = paired_comparison(normal, before="pre", after="post").iloc[0]
    assert stats.shapiro(normal["post"] - normal["pre"]).pvalue >= 0.05
    assert row["test"] == "paired t-test" and "did not reject normality" in row["rule"]
    row = paired_comparison(skewed, before="pre", after="post").iloc[0]
    assert row["test"] == "Wilcoxon signed-rank" and "rejected normality" in row["rule"]
    assert row["normality_p_value"] == pytest.approx(stats.shapiro(skewed["post"] - skewed["pre"]).pvalue)
    assert row["before_mean"] == pytest.approx(pre.mean()) and row["n"] == 60


def test_paired_input_errors_and_missing_rows():
    with pytest.raises(InputError, match="'shapiro'"):
        paired_comparison(SLEEP, before="drug_1", after="drug_2", normality="sign")
    with pytest.raises(InputError, match="column 'x' not found"):
        paired_comparison(SLEEP, before="x", after="drug_2")
    frame = SLEEP.copy()
    frame.loc[[0, 1], "drug_2"] = np.nan
    before = frame.copy()
    assert paired_comparison(frame, before="drug_1", after="drug_2", normality="normal")["n"].iloc[0] == 8
    pd.testing.assert_frame_equal(frame, before)
    with pytest.raises(InputError, match="nothing to test"):
        paired_comparison(pd.DataFrame({"a": [1, 2, 3], "b": [1, 2, 3]}), before="a", after="b",
                          normality="nonnormal")


def test_describe_columns_by_hand():
    from helpers.stats.descriptive import describe_columns

    frame = pd.DataFrame({"a": [9.0, 11, 10, 12, 8], "b": [14.0, 15, 13, 16, np.nan]})
    before = frame.copy()
    table = describe_columns(frame, columns=["a", "b"]).set_index("variable")
    # a: mean 10, SD sqrt(2.5); CI 10 -/+ t(0.975, 4) * sqrt(2.5) / sqrt(5), t(0.975, 4) = 2.776445
    half = 2.7764451051977987 * np.sqrt(2.5) / np.sqrt(5)
    assert table.loc["a", ["mean", "sd", "mean_ci_low", "mean_ci_high"]].tolist() == \
        pytest.approx([10, np.sqrt(2.5), 10 - half, 10 + half])
    assert table.loc["a", ["median", "q1", "q3", "minimum", "maximum"]].tolist() == [10, 9, 11, 8, 12]
    assert (table.loc["b", "n"], table.loc["b", "n_missing"], table.loc["b", "mean"]) == (4, 1, 14.5)
    pd.testing.assert_frame_equal(frame, before)
    with pytest.raises(InputError, match="not numeric"):
        describe_columns(pd.DataFrame({"s": ["x", "y"]}), columns=["s"])
