"""The mscc-separation chapter: published vs reproduced, the synthetic generator, the schema, end to end."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.chapters import registry
from helpers.chapters.mscc_separation.analysis import (
    NONNORMAL_OUTCOMES,
    add_analysis_columns,
    published_vs_reproduced,
)
from helpers.chapters.mscc_separation.published import PUBLISHED
from helpers.chapters.mscc_separation.schema import BILSKY_GRADES, NON_SEPARATED
from helpers.chapters.mscc_separation.schema import SCHEMA as MSCC_SEPARATION
from helpers.chapters.mscc_separation.simulate import CALIBRATED_SEED, LANDMARK_MONTHS, product_limit_median
from helpers.chapters.mscc_separation.simulate import simulate as simulate_mscc_separation
from helpers.stats.descriptive import describe_by_group
from helpers.stats.survival import kaplan_meier
from helpers.stats.two_groups import compare_two_groups
from helpers.validation import schema
from helpers.validation.errors import InputError
from helpers.validation.files import write_csv
from helpers.validation.results import RESULT_COLUMNS

CHAPTER = "mscc-separation"


@pytest.fixture(scope="module")
def default_data() -> pd.DataFrame:
    """The committed synthetic file, read and validated as the chapter reads it."""
    return registry.load_data(CHAPTER)


@pytest.fixture(scope="module")
def comparison(default_data) -> pd.DataFrame:
    return published_vs_reproduced(default_data)


# --- published vs reproduced ---------------------------------------------------------------------

def test_every_published_number_is_compared(comparison):
    assert len(comparison) == len(PUBLISHED)
    assert list(zip(comparison["quantity"], comparison["group"])) == [(p.quantity, p.group) for p in PUBLISHED]
    np.testing.assert_array_equal(comparison["published"], [p.value for p in PUBLISHED])
    assert comparison["reproduced"].notna().all()


def test_default_data_reproduce_the_paper_within_tolerance(comparison):
    failures = comparison.loc[~comparison["agrees"], ["quantity", "group", "published", "reproduced",
                                                      "p_published", "p_reproduced"]]
    assert failures.empty, f"outside tolerance:\n{failures}"


@pytest.mark.parametrize("published", PUBLISHED, ids=lambda p: f"{p.quantity}-{p.group}")
def test_issue_tolerances_checked_independently(comparison, published):
    """The issue's rules, written out here again (not through PublishedValue.agrees)."""
    row = comparison.set_index(["quantity", "group"]).loc[(published.quantity, published.group)]
    value, target = row["reproduced"], published.value
    if published.quantity.endswith("patients"):
        assert value == target
    elif published.quantity.endswith("_mean"):
        assert abs(value - target) <= 0.02 * target
    elif published.quantity.startswith("median"):
        assert abs(value - target) <= 0.05 * target
    else:
        assert abs(value - target) <= 0.10 * target
        if published.ci_low is not None:
            assert published.ci_low <= value <= published.ci_high
    if published.p_value is not None:
        assert (row["p_reproduced"] < 0.05) == (published.p_value < 0.05)


def test_published_numbers_are_consistent_with_the_abstract():
    values = {(p.quantity, p.group): p.value for p in PUBLISHED}
    assert values[("patients", "separated")] + values[("patients", "non_separated")] == 59
    # 92.3% and 69.7% walking; 44.1% separated
    assert round(100 * values[("ambulatory_post_patients", "separated")] / 26, 1) == 92.3
    assert round(100 * values[("ambulatory_post_patients", "non_separated")] / 33, 1) == 69.7
    assert round(100 * 26 / 59, 1) == 44.1
    odds = next(p for p in PUBLISHED if p.quantity == "odds_ratio")
    assert odds.ci_low < odds.value < odds.ci_high  # and the published Wald interval is centred on it (log scale)
    assert np.sqrt(odds.ci_low * odds.ci_high) == pytest.approx(odds.value, rel=0.01)
    assert all(p.rule for p in PUBLISHED)


def test_comparison_uses_the_test_that_matches_the_paper(comparison):
    # The 2 x 2 p-values equal Pearson's chi-squared without continuity correction on the published counts.
    rows = comparison.set_index(["quantity", "group"])
    assert rows.loc[("bilsky_3_patients", "separated"), "p_reproduced"] == pytest.approx(0.041, abs=5e-4)
    assert rows.loc[("ambulatory_post_patients", "separated"), "p_reproduced"] == pytest.approx(0.032, abs=5e-4)


def test_outcome_table_and_effect_sizes_give_one_answer(default_data, comparison):
    # The chapter's outcome Table 1 and its effect-size table: the same test and p for each outcome, and each
    # effect-size row is one analysis. Motor grade: the rule picks Mann-Whitney (p 0.012, not Welch's 0.004).
    # R (ties: normal approximation; limits by uniroot, tol 1e-4):
    #    wilcox.test(motor[separated], motor[non_separated], conf.int = TRUE) -> W = 582, p-value = 0.01203,
    #    95 percent CI 1.54e-05 1.000024, difference in location 0.99996
    #    wilcox.test(los[separated], los[non_separated], conf.int = TRUE) -> W = 280.5, p-value = 0.02370,
    #    95 percent CI -14.99996 -0.99996, difference in location -6.99998
    frame = add_analysis_columns(default_data).astype({"group": str})
    table = describe_by_group(frame, group="group", continuous=["motor_grade_post", "los_days"],
                              nonnormal=list(NONNORMAL_OUTCOMES)).tests.set_index("variable")
    expected = {"motor_grade_post": (1.0, 0.0, 1.0, 0.01203, 582.0), "los_days": (-7.0, -15.0, -1.0, 0.02370, 280.5)}
    for column, (estimate, low, high, p_value, statistic) in expected.items():
        rows = compare_two_groups(frame, outcome=column, group="group", reference=NON_SEPARATED,
                                  normality="nonnormal" if column in NONNORMAL_OUTCOMES else "shapiro")
        first = rows.iloc[0]
        assert (table.loc[column, "test"], first["test"]) == ("Mann-Whitney U", "Mann-Whitney U")
        assert table.loc[column, "p_value"] == pytest.approx(first["p_value"], rel=1e-12)
        assert first["quantity"] == "Hodges-Lehmann shift" and first["statistic"] == statistic
        assert (first["estimate"], first["ci_low"], first["ci_high"]) == pytest.approx((estimate, low, high), abs=1e-4)
        assert first["p_value"] == pytest.approx(p_value, abs=5e-5)
        described = rows.iloc[1]  # the descriptive mean difference carries Welch's own p, and says so
        assert described["test"] == "Welch's t-test" and "descriptive" in described["method"]
        assert described["p_value"] != pytest.approx(first["p_value"], rel=1e-3)
        reproduced = comparison.set_index(["quantity", "group"]).loc[(f"{column}_mean", "separated"), "p_reproduced"]
        assert reproduced == pytest.approx(first["p_value"], rel=1e-12)


def test_comparison_can_fail():
    worse = simulate_mscc_separation(CALIBRATED_SEED)
    worse.loc[worse.index[:3], "ambulatory_post"] = 1 - worse.loc[worse.index[:3], "ambulatory_post"]
    result = published_vs_reproduced(schema.validate(worse, MSCC_SEPARATION))
    assert not result.loc[result["quantity"] == "ambulatory_post_patients", "agrees"].all()


# --- the generator ----------------------------------------------------------------------------------

def test_committed_file_is_the_generator_output(tmp_path, repo):
    written = write_csv(simulate_mscc_separation(), tmp_path / "again.csv")
    assert written.read_bytes() == (repo / "data" / "synthetic" / "mscc_separation.csv").read_bytes()


def test_generator_is_deterministic(tmp_path):
    first = write_csv(simulate_mscc_separation(11), tmp_path / "a.csv").read_bytes()
    second = write_csv(simulate_mscc_separation(np.random.default_rng(11)), tmp_path / "b.csv").read_bytes()
    other = write_csv(simulate_mscc_separation(12), tmp_path / "c.csv").read_bytes()
    assert first == second and first != other


@pytest.mark.parametrize("seed", [CALIBRATED_SEED, 1, 2])
def test_published_counts_hold_for_any_seed(seed):
    cohort = schema.validate(simulate_mscc_separation(seed), MSCC_SEPARATION)
    frame = add_analysis_columns(cohort)
    assert len(frame) == 59 and frame["patient_id"].is_unique
    by_group = frame.groupby("separated")
    assert by_group.size().to_dict() == {0: 33, 1: 26}
    assert by_group["bilsky_3"].sum().to_dict() == {0: 28, 1: 16}
    assert by_group["ambulatory_post"].sum().to_dict() == {0: 23, 1: 24}
    assert by_group["motor_grade_post"].sum().to_dict() == {0: 121, 1: 118}
    assert by_group["los_days"].sum().to_dict() == {0: 790, 1: 411}
    medians = kaplan_meier(frame, time="survival_months", event="death", group="group").medians.set_index("group")
    assert medians.loc["separated", "estimate"] == pytest.approx(13.31, abs=0.005)
    assert medians.loc["non_separated", "estimate"] == pytest.approx(6.02, abs=0.005)
    # Everybody lived to the separation MRI; walking needs motor grade >= 3; grades are valid.
    assert (frame["survival_months"] > LANDMARK_MONTHS).all()
    assert (frame.loc[frame["ambulatory_post"] == 1, "motor_grade_post"] >= 3).all()
    assert set(frame["bilsky_grade"]) <= set(BILSKY_GRADES)


def test_add_analysis_columns_leaves_input_unchanged(default_data):
    before = default_data.copy()
    frame = add_analysis_columns(default_data)
    pd.testing.assert_frame_equal(default_data, before)
    assert list(frame["group"].cat.categories) == ["separated", "non_separated"]
    assert (frame["bilsky_3"] == (frame["bilsky_grade"] == "3")).all()


def test_schema_reports_bad_values(default_data):
    bad = default_data.copy().astype({"bilsky_grade": object})
    bad.loc[0, "bilsky_grade"] = "4"
    bad.loc[1, "sins"] = 19
    bad.loc[2, "death"] = 2
    with pytest.raises(InputError) as error:
        schema.validate(bad, MSCC_SEPARATION, source="cohort.csv")
    message = str(error.value)
    for word in ("bilsky_grade", "sins", "death", "line 2", "line 3", "line 4"):
        assert word in message
    with pytest.raises(InputError, match="missing column"):
        schema.validate(default_data.drop(columns="survival_months"), MSCC_SEPARATION)


# --- end to end -------------------------------------------------------------------------------------

@pytest.mark.book
def test_run_on_a_copy_of_the_data_writes_the_required_results(tmp_path, repo):
    data = tmp_path / "cohort copy.csv"
    shutil.copy(repo / "data" / "synthetic" / "mscc_separation.csv", data)
    out = tmp_path / "run"
    finished = subprocess.run([sys.executable, "-m", "helpers.book.cli", "run", CHAPTER, "--data", str(data),
                               "--out", str(out)], cwd=repo, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stderr
    assert sorted(path.name for path in out.iterdir()) == sorted(
        [f"{CHAPTER}.ipynb", "report.html", "results.csv", "provenance.json"])
    results = pd.read_csv(out / "results.csv")
    assert list(results.columns) == RESULT_COLUMNS
    assert not results["method"].str.startswith("not estimated").any()   # the default data supports every analysis
    assert "not estimated" not in finished.stdout
    present = set(zip(results["quantity"], results["group"]))
    for required in [("median_survival_months", "separated"), ("median_survival_months", "non_separated"),
                     ("logrank", "non_separated_vs_separated"),
                     ("hazard_ratio", "non_separated_vs_separated_unadjusted"),
                     ("hazard_ratio", "non_separated_vs_separated_adjusted"), ("odds_ratio", "bilsky_3"),
                     ("rmst_difference", "separated_minus_non_separated"),
                     ("ambulation_difference", "separated_minus_non_separated")]:
        assert required in present, f"{required} missing from results.csv"
    table = results.set_index(["quantity", "group"])
    reference = published_vs_reproduced(registry.load_data(CHAPTER, data)).set_index(["quantity", "group"])
    assert table.loc[("odds_ratio", "bilsky_3"), "estimate"] == pytest.approx(
        reference.loc[("odds_ratio", "bilsky_3"), "reproduced"], rel=1e-8)
    assert table.loc[("hazard_ratio", "non_separated_vs_separated_adjusted"), "estimate"] == pytest.approx(
        reference.loc[("hazard_ratio", "non_separated_vs_separated_adjusted"), "reproduced"], rel=1e-8)
    assert table.loc[("median_survival_months", "separated"), "estimate"] == pytest.approx(13.31)
    assert Path(data).read_bytes() == (repo / "data" / "synthetic" / "mscc_separation.csv").read_bytes()


def test_generator_median_rule_equals_the_kaplan_meier_helper():
    # The generator places deaths with its own product-limit median (a generator imports no estimator);
    # on random samples with ties, censoring and curves flat at exactly 0.5 it must equal the helper's.
    rng = np.random.default_rng(7)
    cases = [(np.array([1.0, 2, 3, 4]), np.array([1, 1, 1, 1])),      # flat at 0.5 from 2 to 3: 2.5
             (np.array([1.0, 2, 3]), np.array([0, 0, 0])),            # no deaths: NaN
             (np.array([23.0, 6, 1, 8, 5, 7, 3]), np.array([0, 1, 0, 0, 1, 0, 1]))]  # flat at 0.5 to the end: 14.5
    for _ in range(300):
        n = int(rng.integers(2, 40))
        cases.append((np.round(rng.exponential(10, n), int(rng.integers(0, 2))), rng.integers(0, 2, n)))
    for times, events in cases:
        expected = kaplan_meier(pd.DataFrame({"t": times, "d": events}), time="t", event="d").medians.loc[0, "estimate"]
        assert product_limit_median(times, events) == pytest.approx(expected, nan_ok=True), (times, events)
