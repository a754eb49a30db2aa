"""Tests of helpers.stats.two_groups: R tableone reference values, scipy p-values, hand-computed intervals."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpers.stats.descriptive import describe_by_group
from helpers.stats.two_groups import (
    COMPARISON_COLUMNS,
    choose_two_group_test,
    compare_two_groups,
    contingency_tests,
    fisher_exact_table,
    hodges_lehmann_shift,
    normality_rule,
    two_group_test,
)
from helpers.validation.errors import InputError
from helpers.validation.estimable import NotEstimable
from helpers.validation.results import RESULT_COLUMNS

PBC_CONTINUOUS = ["time", "age", "bili", "chol", "albumin", "copper", "alk.phos", "ast", "trig", "platelet",
                  "protime"]
PBC_CATEGORICAL = ["status", "sex", "ascites", "hepato", "spiders", "edema", "stage"]  # 0/1 variables included
PBC_BIOMARKERS = ["bili", "chol", "copper", "alk.phos", "trig"]

# R: library(survival); library(tableone)
#    vars <- c("time","status","age","sex","ascites","hepato","spiders","edema","bili","chol","albumin",
#              "copper","alk.phos","ast","trig","platelet","protime","stage")
#    t1 <- CreateTableOne(vars, strata = "trt", data = pbc, factorVars = c("status","edema","stage"))
#    print(t1, nonnormal = biomarkers, exact = "stage", smd = TRUE)   # absolute SMDs, trt present
# The fixture keeps R tableone's convention for the other continuous variables (normality="normal": t-test
# unless listed); its non-normal variables get the Mann-Whitney test of compare_two_groups (R wilcox.test),
# where R tableone uses kruskal.test (the same test without the continuity correction).
R_SMD = {"time": 0.017, "status": 0.054, "age": 0.270, "sex": 0.111, "ascites": 0.089, "hepato": 0.207,
         "spiders": 0.016, "edema": 0.058, "bili": 0.171, "chol": 0.038, "albumin": 0.018, "alk.phos": 0.037,
         "ast": 0.084, "trig": 0.017, "platelet": 0.067, "protime": 0.146, "stage": 0.246}


@pytest.fixture(scope="module")
def pbc(reference_data) -> pd.DataFrame:
    return pd.read_csv(reference_data / "pbc.csv")


@pytest.fixture(scope="module")
def pbc_table(pbc):
    with pytest.warns(UserWarning, match="106 row"):  # the 106 patients not randomised (trt empty)
        return describe_by_group(pbc, group="trt", continuous=PBC_CONTINUOUS, categorical=PBC_CATEGORICAL,
                                 nonnormal=PBC_BIOMARKERS, exact=["stage"], normality="normal")


def _enumerated_fisher(table: np.ndarray) -> float:
    """Fisher's exact p for an r x 2 table by brute force with scipy's multivariate hypergeometric."""
    rows, first = table.sum(axis=1), int(table[:, 0].sum())
    candidates = np.array([x for x in itertools.product(*[range(r + 1) for r in rows[:-1]])])
    last = first - candidates.sum(axis=1)
    keep = (last >= 0) & (last <= rows[-1])
    candidates = np.column_stack([candidates[keep], last[keep]])
    distribution = stats.multivariate_hypergeom(m=rows, n=first)
    probabilities = distribution.pmf(candidates)
    observed = distribution.pmf(table[:, 0])
    return float(probabilities[probabilities <= observed * (1 + 1e-7)].sum())


# ---------------------------------------------------------------------------- describe_by_group
def test_pbc_smd_match_r_tableone(pbc_table):
    smd = pbc_table.smd.iloc[:, 0]
    for variable, expected in R_SMD.items():
        assert abs(smd[variable] - expected) <= 0.0005 + 1e-12, variable
    assert smd["copper"] < 0.001
    # The display shows the same rounded absolute values as R's print().
    shown = pbc_table.table.iloc[:, list(pbc_table.table.columns).index("SMD (1.0,2.0)")]
    first_rows = shown[shown != ""]
    assert sorted(first_rows) == sorted([f"{v:.3f}" for v in R_SMD.values()] + ["<0.001"])


def test_pbc_tests_follow_the_rule_and_match_scipy(pbc_table, pbc):
    data = pbc[pbc["trt"].notna()]
    one, two = (data[data["trt"] == level] for level in (1.0, 2.0))
    tests = pbc_table.tests.set_index("variable")
    assert list(tests.index) == PBC_CONTINUOUS + PBC_CATEGORICAL
    for variable in PBC_CONTINUOUS:
        x, y = one[variable].dropna(), two[variable].dropna()
        if variable in PBC_BIOMARKERS:  # R: wilcox.test(x, y) (ties: normal approximation, continuity corrected)
            assert tests.loc[variable, "test"] == "Mann-Whitney U"
            expected = stats.mannwhitneyu(x, y, alternative="two-sided", use_continuity=True,
                                          method="asymptotic").pvalue
            assert expected != pytest.approx(stats.kruskal(x, y).pvalue, rel=1e-6)  # R tableone's kruskal.test
        else:
            assert tests.loc[variable, "test"] == "Welch's t-test"
            expected = stats.ttest_ind(x, y, equal_var=False).pvalue
        assert tests.loc[variable, "p_value"] == pytest.approx(expected, rel=1e-10)
    for variable in PBC_CATEGORICAL:
        counts = pd.crosstab(data[variable], data["trt"]).to_numpy()
        if variable == "stage":  # requested exact, as R's print(..., exact = "stage")
            assert tests.loc[variable, "test"] == "Fisher's exact"
            assert tests.loc[variable, "p_value"] == pytest.approx(_enumerated_fisher(counts), rel=1e-9)
        else:  # every expected count >= 5 in pbc
            assert tests.loc[variable, "test"] == "Chi-squared"
            assert stats.contingency.expected_freq(counts).min() >= 5
            expected = stats.chi2_contingency(counts, correction=True).pvalue
            assert tests.loc[variable, "p_value"] == pytest.approx(expected, rel=1e-10)
    assert "expected count is < 5" in pbc_table.rules
    assert pbc_table.groups == (1.0, 2.0) and pbc_table.n_excluded == 106
    assert {"Overall", "1.0", "2.0", "P-Value", "Test"} <= {str(c) for c in pbc_table.table.columns}


def test_describe_switches_to_fisher_on_small_expected_counts():
    rng = np.random.default_rng(2)
    data = pd.DataFrame({"arm": ["A"] * 30 + ["B"] * 30,
                         "dural_tear": [1] * 2 + [0] * 28 + [1] * 7 + [0] * 23,
                         "level": rng.choice(["L3-4", "L4-5", "L5-S1"], 60, p=[0.1, 0.5, 0.4]),
                         "smoker": rng.choice(["no", "yes"], 60),
                         "age": rng.normal(65, 9, 60)})
    before = data.copy()
    out = describe_by_group(data, group="arm", continuous=["age"], categorical=["dural_tear", "level", "smoker"],
                            equal_variance=True)
    pd.testing.assert_frame_equal(data, before)
    tests = out.tests.set_index("variable")
    counts = pd.crosstab(data["dural_tear"], data["arm"]).to_numpy()
    assert stats.contingency.expected_freq(counts).min() < 5
    assert tests.loc["dural_tear", "test"] == "Fisher's exact"
    assert tests.loc["dural_tear", "p_value"] == pytest.approx(stats.fisher_exact(counts).pvalue, rel=1e-12)
    levels = pd.crosstab(data["level"], data["arm"]).to_numpy()
    assert stats.contingency.expected_freq(levels).min() < 5
    assert tests.loc["level", "test"] == "Fisher's exact"  # 3 x 2: Python tableone alone would keep chi-squared
    assert tests.loc["level", "p_value"] == pytest.approx(_enumerated_fisher(levels), rel=1e-9)
    assert "< 5" in tests.loc["level", "reason"]
    smoker = pd.crosstab(data["smoker"], data["arm"]).to_numpy()
    assert tests.loc["smoker", "test"] == "Chi-squared"
    assert tests.loc["smoker", "p_value"] == pytest.approx(stats.chi2_contingency(smoker).pvalue, rel=1e-12)
    pooled = stats.ttest_ind(data.loc[data.arm == "A", "age"], data.loc[data.arm == "B", "age"], equal_var=True)
    assert tests.loc["age", "p_value"] == pytest.approx(pooled.pvalue, rel=1e-10)
    assert "pooled-variance" in out.rules


def test_missing_categories_are_excluded_like_r():
    # R tableone (includeNA = FALSE): missing values are counted apart, not as a level, and not in the SMD.
    rng = np.random.default_rng(0)
    data = pd.DataFrame({"arm": rng.integers(0, 2, 80), "sex": rng.choice(["f", "m", None], 80)})
    out = describe_by_group(data, group="arm", categorical=["sex"])
    known = data.dropna()
    share = pd.crosstab(known["sex"], known["arm"], normalize="columns").loc["m"]
    yang_dalton = abs(share[1] - share[0]) / np.sqrt((share[0] * (1 - share[0]) + share[1] * (1 - share[1])) / 2)
    assert out.smd.iloc[0, 0] == pytest.approx(yang_dalton, rel=1e-9)
    assert list(out.table.loc["sex, n (%)"].index) == ["f", "m"]
    assert str(out.table.loc[("sex, n (%)", "f"), "Missing"]) == str(data["sex"].isna().sum())


def test_a_variable_with_one_value_is_described_without_an_smd_or_a_warning():
    # every patient had the same perfusion fraction: summarised, its SMD blank, and no numpy warning on the page
    rng = np.random.default_rng(1)
    data = pd.DataFrame({"arm": rng.integers(0, 2, 40), "f": 9.0, "age": rng.normal(60, 9, 40)})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = describe_by_group(data, group="arm", continuous=["f", "age"])
    assert np.isnan(out.smd.loc["f"].iloc[0]) and np.isfinite(out.smd.loc["age"].iloc[0])


def test_describe_input_errors():
    data = pd.DataFrame({"arm": list("ABAB"), "age": [1.0, 2, 3, 4], "sex": list("fmmf")})
    with pytest.raises(InputError, match="both continuous and categorical"):
        describe_by_group(data, group="arm", continuous=["age"], categorical=["age"])
    with pytest.raises(InputError, match="nonnormal"):
        describe_by_group(data, group="arm", continuous=["age"], categorical=["sex"], nonnormal=["sex"])
    with pytest.raises(InputError, match="bmi"):
        describe_by_group(data, group="arm", continuous=["bmi"])
    with pytest.raises(InputError, match="not numeric"):
        describe_by_group(data, group="arm", continuous=["sex"])


def test_fisher_exact_table_paths():
    table = np.array([[3, 9], [8, 2], [4, 5]])
    p_value, method = fisher_exact_table(table)
    assert method == "Fisher's exact" and p_value == pytest.approx(_enumerated_fisher(table), rel=1e-9)
    assert fisher_exact_table(table.T)[0] == pytest.approx(p_value, rel=1e-12)
    two_by_two = np.array([[1, 9], [7, 3]])
    assert fisher_exact_table(two_by_two)[0] == pytest.approx(stats.fisher_exact(two_by_two).pvalue, rel=1e-12)
    three_by_three = np.array([[3, 1, 4], [1, 5, 2], [0, 2, 6]])
    first, method = fisher_exact_table(three_by_three)
    assert "Monte Carlo" in method and fisher_exact_table(three_by_three)[0] == first  # seeded: reproducible
    # Exhaustive check of the Monte Carlo p: all 3 x 3 tables with these margins.
    rows, columns = three_by_three.sum(axis=1), three_by_three.sum(axis=0)
    def probability(first_row, second_row):  # rows drawn one after the other without replacement
        return (stats.multivariate_hypergeom(m=columns, n=rows[0]).pmf(first_row)
                * stats.multivariate_hypergeom(m=columns - np.asarray(first_row), n=rows[1]).pmf(second_row))

    observed = probability(three_by_three[0], three_by_three[1])
    total = 0.0
    for a in itertools.product(*[range(c + 1) for c in columns]):
        rest = columns - np.array(a)
        for b in itertools.product(*[range(c + 1) for c in rest]):
            if sum(a) == rows[0] and sum(b) == rows[1] and probability(a, b) <= observed * (1 + 1e-7):
                total += probability(a, b)
    assert first == pytest.approx(total, abs=0.01)


# ---------------------------------------------------------------------------- compare_two_groups
def _wilson(events: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = events / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return centre - half, centre + half


def test_normal_data_get_welch_and_scipy_p():
    rng = np.random.default_rng(10)
    data = pd.DataFrame({"fat": ["low"] * 40 + ["high"] * 40,
                         "odi": np.r_[rng.normal(30, 8, 40), rng.normal(36, 8, 40)]})
    before = data.copy()
    row = compare_two_groups(data, outcome="odi", group="fat", reference="low")
    pd.testing.assert_frame_equal(data, before)
    assert list(row.columns) == COMPARISON_COLUMNS and COMPARISON_COLUMNS[:len(RESULT_COLUMNS)] == RESULT_COLUMNS
    low, high = data.loc[data.fat == "low", "odi"], data.loc[data.fat == "high", "odi"]
    assert min(stats.shapiro(low).pvalue, stats.shapiro(high).pvalue) >= 0.05  # the rule's premise
    assert len(row) == 1 and row.loc[0, "test"] == "Welch's t-test"
    welch = stats.ttest_ind(high, low, equal_var=False)
    assert row.loc[0, "p_value"] == pytest.approx(welch.pvalue, rel=1e-12)
    assert row.loc[0, "estimate"] == pytest.approx(high.mean() - low.mean(), rel=1e-12)
    assert row.loc[0, "ci_low"] == pytest.approx(welch.confidence_interval().low, rel=1e-12)
    assert row.loc[0, "group"] == "high - low" and row.loc[0, "n"] == 80
    assert "Shapiro-Wilk did not reject" in row.loc[0, "method"]
    flipped = compare_two_groups(data, outcome="odi", group="fat", reference="high")
    assert flipped.loc[0, "estimate"] == pytest.approx(-row.loc[0, "estimate"], rel=1e-12)


def test_skewed_data_get_mann_whitney_rows_each_from_one_analysis():
    rng = np.random.default_rng(11)
    reference, other = rng.lognormal(0, 1.5, 40), rng.lognormal(0, 1.5, 45) + 3.0  # true shift 3
    data = pd.DataFrame({"arm": ["A"] * 40 + ["B"] * 45, "los": np.r_[reference, other]})
    rows = compare_two_groups(data, outcome="los", group="arm")
    assert min(stats.shapiro(reference).pvalue, stats.shapiro(other).pvalue) < 0.05  # the rule's premise
    # First row: the chosen test's own analysis (Hodges-Lehmann shift, its interval, the Mann-Whitney p).
    shift = rows.iloc[0]
    assert (shift["quantity"], shift["test"]) == ("Hodges-Lehmann shift", "Mann-Whitney U")
    mwu = stats.mannwhitneyu(other, reference, alternative="two-sided", method="exact")  # < 50 each, no ties
    assert shift["p_value"] == pytest.approx(mwu.pvalue, rel=1e-12) and shift["statistic"] == mwu.statistic
    differences = np.subtract.outer(other, reference).ravel()
    assert shift["estimate"] == pytest.approx(np.median(differences), rel=1e-12)
    assert shift["ci_low"] in differences and shift["ci_high"] in differences
    assert shift["ci_low"] < 3.0 < shift["ci_high"]
    assert "rejected normality" in shift["method"] and "distribution-free CI" in shift["method"]
    assert "can touch the estimate" in shift["method"]
    # Second row: descriptive mean difference with its own Welch interval and Welch p, and it says so.
    mean = rows.iloc[1]
    welch = stats.ttest_ind(other, reference, equal_var=False)
    assert (mean["quantity"], mean["test"]) == ("mean difference", "Welch's t-test")
    assert mean["estimate"] == pytest.approx(other.mean() - reference.mean(), rel=1e-12)
    assert mean["p_value"] == pytest.approx(welch.pvalue, rel=1e-12)
    assert mean["ci_low"] == pytest.approx(welch.confidence_interval().low, rel=1e-12)
    assert "descriptive, not the rule's test" in mean["method"]
    forced = compare_two_groups(data, outcome="los", group="arm", normality="normal")
    assert forced.loc[0, "test"] == "Welch's t-test" and len(forced) == 1


def test_hodges_lehmann_shift_matches_r_exact():
    # R: wilcox.test(c(5.1, 6.3, 7.2, 8.8), c(1.2, 2.5, 3.1, 4), conf.int = TRUE)
    #    -> W = 16, p-value = 0.02857, 95 percent CI 1.1 7.6, difference in location 4 (exact: no ties)
    other, reference = [5.1, 6.3, 7.2, 8.8], [1.2, 2.5, 3.1, 4.0]
    shift = hodges_lehmann_shift(other, reference)
    assert shift.exact and (shift.estimate, shift.ci_low, shift.ci_high) == pytest.approx((4.0, 1.1, 7.6))
    assert two_group_test("Mann-Whitney U", other, reference) == pytest.approx((16.0, 0.0285714), abs=1e-7)
    # R: wilcox.test(c(5.1, 6.3), c(1.2, 2.5, 3.1), conf.int = TRUE) -> warning "Requested conf.level not
    #    achievable", CI 2.0 5.1 with attr(, "conf.level") 0.8
    with pytest.warns(UserWarning, match="not achievable"):
        small = hodges_lehmann_shift([5.1, 6.3], [1.2, 2.5, 3.1])
    assert (small.ci_low, small.ci_high) == pytest.approx((2.0, 5.1)) and "level 0.8" in small.method


def test_hodges_lehmann_shift_matches_r_with_ties():
    # Hollander and Wolfe's depression scores as two independent groups (a tie at 1.29):
    # R: x <- c(1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30)
    #    y <- c(0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29)
    #    wilcox.test(x, y, conf.int = TRUE) -> W = 58, p-value = 0.1329,
    #    95 percent CI -0.3699774 1.1829708, difference in location 0.5600562
    #    wilcox.test(x, y, conf.int = TRUE, conf.level = 0.9) -> 90 percent CI -0.09805066 1.01004363
    # R finds the limits with uniroot (tol = 1e-4); the exact limits are pairwise differences.
    x = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
    y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]
    differences = np.sort(np.subtract.outer(x, y).ravel())
    shift = hodges_lehmann_shift(x, y)
    assert not shift.exact and "normal approximation" in shift.method
    assert (shift.ci_low, shift.ci_high) == pytest.approx((-0.3699774, 1.1829708), abs=1e-4)
    assert shift.ci_low in differences and shift.ci_high in differences
    narrower = hodges_lehmann_shift(x, y, level=0.9)
    assert (narrower.ci_low, narrower.ci_high) == pytest.approx((-0.09805066, 1.01004363), abs=1e-4)
    # The estimate is the median of the 81 differences; R's root (0.5600562) lies on the same middle one.
    assert shift.estimate == np.median(differences) == pytest.approx(0.5600562, abs=1e-4)
    assert two_group_test("Mann-Whitney U", x, y) == pytest.approx((58.0, 0.1329195), abs=1e-7)


def test_hodges_lehmann_shift_matches_live_r(rscript):
    # Seeded cases on both sides of R's exact / normal-approximation switch (ties, n >= 50, discrete scores),
    # each sent to R: wilcox.test(x, y, conf.int = TRUE, conf.level = level).
    rng = np.random.default_rng(2024)
    cases = [(rng.normal(5, 2, 12), rng.normal(3, 2, 15), 0.95), (rng.normal(0, 1, 30), rng.normal(0.5, 1, 20), 0.9),
             (rng.integers(0, 6, 26).astype(float), rng.integers(0, 5, 33).astype(float), 0.95),
             (np.round(rng.exponential(10, 60), 1), np.round(rng.exponential(7, 55), 1), 0.95),
             (rng.normal(2, 1, 49), rng.normal(0, 1, 10), 0.99)]
    code = "".join(f"r <- suppressWarnings(wilcox.test(c({', '.join(repr(float(v)) for v in x)}), "
                   f"c({', '.join(repr(float(v)) for v in y)}), conf.int = TRUE, conf.level = {level}))\n"
                   "cat(sprintf('%.17g', c(r$estimate, r$conf.int, r$statistic, r$p.value)), '\\n')\n"
                   for x, y, level in cases)
    lines = [line.split() for line in rscript(code).strip().splitlines()]
    for (x, y, level), line in zip(cases, lines, strict=True):
        estimate, low, high, statistic, p_value = map(float, line)
        shift = hodges_lehmann_shift(x, y, level=level)
        assert (shift.ci_low, shift.ci_high) == pytest.approx((low, high), abs=1e-4)
        differences = np.sort(np.subtract.outer(x, y).ravel())
        if shift.exact:
            assert shift.estimate == pytest.approx(estimate, abs=1e-12)
        else:  # R: a root between the two middle differences; here their midpoint
            middle = differences[(differences.size - 1) // 2], differences[differences.size // 2]
            assert middle[0] - 1e-4 <= estimate <= middle[1] + 1e-4
        assert two_group_test("Mann-Whitney U", x, y) == pytest.approx((statistic, p_value), rel=1e-6, abs=1e-12)


def test_hodges_lehmann_interval_coverage():
    # 400 seeded samples with a known shift: the 95 % interval covers it about 95 % of the time.
    rng = np.random.default_rng(12)
    covered = 0
    for _ in range(400):
        data = pd.DataFrame({"arm": ["A"] * 25 + ["B"] * 25,
                             "y": np.r_[rng.exponential(2.0, 25), rng.exponential(2.0, 25) + 1.0]})
        shift = compare_two_groups(data, outcome="y", group="arm", normality="nonnormal").iloc[0]
        assert shift["quantity"] == "Hodges-Lehmann shift"
        covered += shift["ci_low"] <= 1.0 <= shift["ci_high"]
    assert 0.92 <= covered / 400 <= 0.98


def test_one_rule_for_table_one_and_compare_two_groups():
    # The same variable, the same choice: Table 1 and compare_two_groups give the same test and p-value.
    rng = np.random.default_rng(5)
    data = pd.DataFrame({"arm": ["A"] * 35 + ["B"] * 30,
                         "age": rng.normal(65, 9, 65),                       # normal: Welch
                         "los": np.round(rng.lognormal(2, 0.8, 65)),          # skewed: Shapiro -> Mann-Whitney
                         "score": rng.normal(50, 10, 65)})                    # listed as non-normal
    before = data.copy()
    table = describe_by_group(data, group="arm", continuous=["age", "los", "score"], nonnormal=["score"])
    pd.testing.assert_frame_equal(data, before)
    tests = table.tests.set_index("variable")
    for variable, normality in (("age", "shapiro"), ("los", "shapiro"), ("score", "nonnormal")):
        row = compare_two_groups(data, outcome=variable, group="arm", normality=normality).iloc[0]
        assert tests.loc[variable, "test"] == row["test"], variable
        assert tests.loc[variable, "p_value"] == pytest.approx(row["p_value"], rel=1e-12), variable
    assert list(tests["test"]) == ["Welch's t-test", "Mann-Whitney U", "Mann-Whitney U"]
    assert tests.loc["score", "reason"] == "listed in nonnormal" and "rejected" in tests.loc["los", "reason"]
    assert "median [Q1,Q3]" in " ".join(table.table.index.get_level_values(0)[table.table.index.get_level_values(0)
                                                                               .str.startswith("los")])
    assert "Shapiro-Wilk" in table.rules and "compare_two_groups" in table.rules
    # R tableone's convention (t-test unless listed) is one argument away.
    convention = describe_by_group(data, group="arm", continuous=["los"], normality="normal").tests
    assert convention.loc[0, "test"] == "Welch's t-test"
    welch = compare_two_groups(data, outcome="los", group="arm", normality="normal").iloc[0]
    assert convention.loc[0, "p_value"] == pytest.approx(welch["p_value"], rel=1e-12)


def test_normality_rule_and_choice():
    assert choose_two_group_test({"a": [1.0, 2, 3, 4, 5], "b": [2.0, 3, 4, 5, 6]}).test == "Welch's t-test"
    skewed = {"a": [1.0, 1.1, 1.2, 1.3, 9.0, 1.05], "b": [2.0, 3, 4, 5, 6, 7]}
    assert choose_two_group_test(skewed).test == "Mann-Whitney U"
    assert choose_two_group_test(skewed, normality="normal").test == "Welch's t-test"
    assert choose_two_group_test(skewed, normality_alpha=1e-9).test == "Welch's t-test"
    assert not normality_rule({"a": [1.0, 1.0, 1.0, 1.0]}).normal  # no spread: cannot be tested, rank test
    assert "cannot test" in normality_rule({"a": [1.0, 2.0]}).reason
    with pytest.raises(InputError, match="normality="):
        normality_rule({"a": [1.0, 2.0, 3.0]}, normality="maybe")
    with pytest.raises(InputError, match="normality_alpha"):
        normality_rule({"a": [1.0, 2.0, 3.0]}, normality_alpha=5)
    with pytest.raises(InputError, match="exactly two"):
        choose_two_group_test({"a": [1.0, 2.0, 3.0]})


def test_binary_outcome_fisher_or_chi_squared():
    small = pd.DataFrame({"arm": ["A"] * 10 + ["B"] * 10, "reop": [1] * 2 + [0] * 8 + [1] * 7 + [0] * 3})
    counts = np.array([[2, 8], [7, 3]])
    assert stats.contingency.expected_freq(counts).min() < 5
    row = compare_two_groups(small, outcome="reop", group="arm", kind="binary")
    assert row.loc[0, "test"] == "Fisher's exact"
    assert row.loc[0, "p_value"] == pytest.approx(stats.fisher_exact(counts).pvalue, rel=1e-12)
    large = pd.DataFrame({"arm": ["A"] * 100 + ["B"] * 100,
                          "reop": [1] * 30 + [0] * 70 + [1] * 45 + [0] * 55})
    row = compare_two_groups(large, outcome="reop", group="arm", kind="binary")
    counts = np.array([[30, 70], [45, 55]])
    assert row.loc[0, "test"] == "Chi-squared (Yates)"
    assert row.loc[0, "p_value"] == pytest.approx(stats.chi2_contingency(counts, correction=True).pvalue,
                                                  rel=1e-12)
    assert row.loc[0, "estimate"] == pytest.approx(0.15) and row.loc[0, "n"] == 200


def test_risk_difference_newcombe_interval():
    # Hand-computed Newcombe hybrid score interval (method 10) from Wilson intervals.
    data = pd.DataFrame({"arm": ["A"] * 80 + ["B"] * 70, "improved": [1] * 48 + [0] * 32 + [1] * 56 + [0] * 14})
    row = compare_two_groups(data, outcome="improved", group="arm", kind="binary")
    p1, p2 = 56 / 70, 48 / 80
    (l1, u1), (l2, u2) = _wilson(56, 70), _wilson(48, 80)
    low = (p1 - p2) - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = (p1 - p2) + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    assert row.loc[0, "estimate"] == pytest.approx(p1 - p2, rel=1e-12)
    assert row.loc[0, "ci_low"] == pytest.approx(low, rel=1e-9)
    assert row.loc[0, "ci_high"] == pytest.approx(high, rel=1e-9)
    # Newcombe (1998, Stat Med 17:873, Table II, example 56/70 vs 48/80, method 10): 0.0524 to 0.3339.
    assert (round(row.loc[0, "ci_low"], 4), round(row.loc[0, "ci_high"], 4)) == (0.0524, 0.3339)
    assert "Newcombe" in row.loc[0, "method"]


def test_compare_input_errors():
    data = pd.DataFrame({"arm": list("ABCABC"), "y": [1.0, 2, 3, 4, 5, 6]})
    with pytest.raises(InputError, match="exactly two groups"):
        compare_two_groups(data, outcome="y", group="arm")
    two = pd.DataFrame({"arm": list("AABB"), "y": [1.0, 2, 3, 4]})
    with pytest.raises(NotEstimable, match=r"each group of 'arm' needs at least 3 values of 'y'; found 2 \(A\) and "
                                           r"2 \(B\)"):  # a valid cohort too small for the comparison
        compare_two_groups(two, outcome="y", group="arm")
    coded = pd.DataFrame({"arm": list("AABB"), "y": [1, 2, 2, 1]})
    with pytest.raises(InputError, match="0/1"):
        compare_two_groups(coded, outcome="y", group="arm", kind="binary")
    with pytest.raises(InputError, match="kind"):
        compare_two_groups(two, outcome="y", group="arm", kind="ordinal")


# ---------------------------------------------------------------------------- contingency_tests
def _two_by_two(a: int, b: int, c: int, d: int) -> pd.DataFrame:
    """Patients of a 2 x 2 table: group x (outcome 1, outcome 0) = [[a, b], [c, d]]."""
    return pd.DataFrame({"group": ["x"] * (a + b) + ["y"] * (c + d),
                         "outcome": [1] * a + [0] * b + [1] * c + [0] * d})


def test_contingency_tests_by_hand_and_r():
    # The paper's Bilsky 3 table (16/26 vs 28/33). R equivalents (R was not available to run; the values
    # follow from the closed forms below, which are the formulas chisq.test and fisher.test use):
    #    chisq.test(matrix(c(16, 28, 10, 5), 2), correct = FALSE)   X-squared = 4.1676, p = 0.04121
    #    chisq.test(matrix(c(16, 28, 10, 5), 2))                    X-squared = 3.0288, p = 0.08180
    #    fisher.test(matrix(c(16, 28, 10, 5), 2))$p.value           0.06934
    table = contingency_tests(_two_by_two(16, 10, 28, 5), outcome="outcome", group="group").set_index("test")
    a, b, c, d, n = 16, 10, 28, 5, 59
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    pearson = n * (a * d - b * c) ** 2 / margins                    # shortcut formula for a 2 x 2 table
    yates = n * (abs(a * d - b * c) - n / 2) ** 2 / margins
    assert table.loc["Pearson chi-squared", "statistic"] == pytest.approx(pearson, rel=1e-12)
    assert table.loc["Pearson chi-squared", "p_value"] == pytest.approx(stats.chi2.sf(pearson, 1), rel=1e-12)
    assert table.loc["Pearson chi-squared", "p_value"] == pytest.approx(0.04121, abs=5e-6)
    assert table.loc["Pearson chi-squared, Yates' correction", "statistic"] == pytest.approx(yates, rel=1e-12)
    assert table.loc["Pearson chi-squared, Yates' correction", "p_value"] == pytest.approx(0.08180, abs=5e-6)
    assert table.loc["Fisher's exact", "p_value"] == pytest.approx(0.06934, abs=5e-6)
    assert table["min_expected"].iloc[0] == pytest.approx(26 * 15 / 59)
    assert (table["n"] == 59).all() and (table.loc[table["df"].notna(), "df"] == 1).all()


def test_contingency_tests_larger_table_has_no_yates_row():
    frame = pd.DataFrame({"grade": list("AABBCCABCA") * 3, "arm": list("xyxyxyxyyy") * 3})
    table = contingency_tests(frame, outcome="grade", group="arm")
    assert table["test"].tolist() == ["Pearson chi-squared", "Fisher's exact"]
    counts = pd.crosstab(frame["grade"], frame["arm"]).to_numpy()
    assert table.loc[0, "p_value"] == pytest.approx(stats.chi2_contingency(counts).pvalue)
    assert table.loc[0, "df"] == 2
    assert table.loc[1, "p_value"] == pytest.approx(fisher_exact_table(counts)[0])


def test_contingency_tests_input():
    frame = _two_by_two(3, 4, 5, 6)
    before = frame.copy()
    contingency_tests(frame, outcome="outcome", group="group")
    pd.testing.assert_frame_equal(frame, before)
    with pytest.raises(InputError, match="two observed levels"):
        contingency_tests(frame.assign(outcome=1), outcome="outcome", group="group")
    with pytest.raises(InputError, match="not found"):
        contingency_tests(frame, outcome="walks", group="group")


def test_a_variable_with_one_value_is_not_tested():
    # Every patient female, and one value of f for everyone: tableone would print p = 1.000 for both;
    # a test of a variable that does not vary says nothing, so the row has no p and says why.
    frame = pd.DataFrame({"group": ["a"] * 6 + ["b"] * 6, "age": [61, 64, 58, 70, 66, 59, 72, 68, 75, 63, 69, 71],
                          "f": [9.0] * 12, "sex": ["female"] * 12})
    described = describe_by_group(frame, group="group", continuous=["age", "f"], categorical=["sex"])
    tests = described.tests.set_index("variable")
    assert tests.loc[["f", "sex"], "test"].tolist() == ["not tested", "not tested"]
    assert tests.loc[["f", "sex"], "p_value"].isna().all() and tests.loc["age", "p_value"] > 0
    assert tests.loc["f", "reason"] == "one value for every patient: not tested"
    shown = described.table.reset_index()
    untested = shown[shown.iloc[:, 0].str.startswith(("f,", "sex,"))]
    assert (untested["P-Value"] == "").all() and (untested["Test"] == "").all()
