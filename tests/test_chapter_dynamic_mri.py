"""The dynamic-mri chapter: its synthetic cohort, what the default data must show, its figures, end to end.

The protocol publishes no results, so "published vs reproduced" means: the protocol's design numbers
(``PROTOCOL``, one place in the package) are met by the data, and the analysis recovers the generator's
assumed effects (``TRUE_EFFECTS``) where the crude comparison does not.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from helpers.chapters import registry
from helpers.chapters.dynamic_mri import analysis as dynamic_mri_analysis
from helpers.chapters.dynamic_mri.analysis import protocol_comparison
from helpers.chapters.dynamic_mri.published import MATCHING_COVARIATES, PROTOCOL
from helpers.chapters.dynamic_mri.simulate import TRUE_EFFECTS
from helpers.chapters.dynamic_mri.simulate import simulate as simulate_dynamic_mri
from helpers.presentation import figures
from helpers.stats import cox, matching, outcomes, survival, two_groups
from helpers.validation import files, schema
from helpers.validation.errors import InputError
from helpers.validation.estimable import NOT_ESTIMATED, Skipped
from helpers.validation.results import RESULT_COLUMNS  # noqa: E402

CHAPTER = "dynamic-mri"
COVARIATES = list(MATCHING_COVARIATES)
TRUTH = TRUE_EFFECTS["recovery_rate_difference"]


def prepare(frame: pd.DataFrame) -> pd.DataFrame:
    """The two columns the notebook adds: the 0/1 treatment and the recovery rate (quietly)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        rate = outcomes.recovery_rate(frame["mjoa_pre"], frame["mjoa_6m"])
    return frame.assign(dynamic=(frame["imaging"] == "dynamic").astype(int), recovery_rate=rate)


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    """The committed default data, read and validated as the chapter reads it."""
    return prepare(registry.load_data(CHAPTER))


@pytest.fixture(scope="module")
def match(cohort) -> matching.MatchResult:
    return matching.match_on_propensity(cohort, treatment="dynamic", covariates=COVARIATES)  # the chapter's defaults


# ------------------------------------------------------------------------------------------ generator
def test_generator_is_deterministic_and_matches_the_committed_file(tmp_path: Path, repo: Path):
    first = files.write_csv(simulate_dynamic_mri(), tmp_path / "a.csv").read_bytes()
    second = files.write_csv(simulate_dynamic_mri(), tmp_path / "b.csv").read_bytes()
    other = files.write_csv(simulate_dynamic_mri(rng=1), tmp_path / "c.csv").read_bytes()
    assert first == second
    assert first != other
    assert first == registry.synthetic_data_path(CHAPTER, repo).read_bytes()


def test_generator_output_passes_the_schema_with_the_protocols_design():
    frame = simulate_dynamic_mri()
    checked = schema.validate(frame, registry.get_chapter(CHAPTER).schema)
    assert len(checked) == PROTOCOL["patients"]
    assert checked["imaging"].value_counts().to_dict() == {"dynamic": PROTOCOL["dynamic"],
                                                           "conventional": PROTOCOL["conventional"]}
    assert checked["patient_id"].is_unique
    assert set(MATCHING_COVARIATES) <= set(checked.columns)
    assert (checked["compressed_segments"] >= 1).all()
    assert checked["complication_months"].gt(0).all()
    assert (checked["mjoa_pre"] == 18).any(), "some patients should start at the ceiling (excluded and counted)"


def test_generator_uses_a_generator_and_not_global_state():
    np.random.seed(0)
    before = np.random.random()
    np.random.seed(0)
    simulate_dynamic_mri(rng=np.random.default_rng(5))
    assert np.random.random() == before


def test_generator_rejects_impossible_designs():
    with pytest.raises(ValueError, match="n_dynamic"):
        simulate_dynamic_mri(n=10, n_dynamic=10)
    with pytest.raises(ValueError, match="hazard_ratio"):
        simulate_dynamic_mri(complication_hazard_ratio=0)


def test_the_effect_parameters_drive_the_outcomes():
    # A large cohort without confounding: the crude differences estimate the generator's parameters.
    big = prepare(simulate_dynamic_mri(4000, 2000, confounding=0.0, recovery_rate_difference=15.0, ndi_difference=-8.0,
                                       rng=3))
    recovery = two_groups.compare_two_groups(big, outcome="recovery_rate", group="imaging", reference="conventional",
                                         normality="normal").iloc[0]
    ndi = two_groups.compare_two_groups(big, outcome="ndi_6m", group="imaging", reference="conventional",
                                    normality="normal").iloc[0]
    assert recovery["ci_low"] < 15.0 < recovery["ci_high"]
    assert ndi["ci_low"] < -8.0 < ndi["ci_high"]
    cox_fit = cox.cox_model(big, time="complication_months", event="complication", covariates=["imaging"],
                             reference={"imaging": "conventional"})
    hazard = TRUE_EFFECTS["complication_hazard_ratio"]
    # marginal and conditional hazard ratios differ a little (covariates also act on the hazard)
    assert cox_fit.table.loc[0, "ci_low"] < hazard * 1.15 and cox_fit.table.loc[0, "ci_high"] > hazard * 0.85


def test_confounding_is_built_in(cohort):
    # sicker patients get dynamic MRI: more segments, longer history, lower baseline mJOA
    by_arm = cohort.groupby("imaging")[["compressed_segments", "duration_months", "mjoa_pre"]].mean()
    assert by_arm.loc["dynamic", "compressed_segments"] > by_arm.loc["conventional", "compressed_segments"]
    assert by_arm.loc["dynamic", "duration_months"] > by_arm.loc["conventional", "duration_months"]
    assert by_arm.loc["dynamic", "mjoa_pre"] < by_arm.loc["conventional", "mjoa_pre"]


# ------------------------------------------------------------------- what the default data must show
def test_matched_difference_recovers_the_true_effect_and_the_crude_one_is_biased(cohort, match):
    # The assumed effect is a difference in means: the Welch analyses.
    matched = two_groups.compare_two_groups(match.matched, outcome="recovery_rate", group="imaging",
                                            reference="conventional", normality="normal").iloc[0]
    crude = two_groups.compare_two_groups(cohort, outcome="recovery_rate", group="imaging",
                                          reference="conventional", normality="normal").iloc[0]
    assert matched["group"] == "dynamic - conventional"
    assert matched["ci_low"] < TRUTH < matched["ci_high"]
    # visibly biased: the crude interval excludes the truth, and the crude estimate is under half of it
    assert crude["ci_high"] < TRUTH
    assert crude["estimate"] < TRUTH / 2
    assert abs(matched["estimate"] - TRUTH) < abs(crude["estimate"] - TRUTH)
    # The rule's own analysis (skewed arms: Mann-Whitney and the Hodges-Lehmann shift) contains the assumed
    # effect too, and its second, descriptive row is the Welch analysis above.
    primary = two_groups.compare_two_groups(match.matched, outcome="recovery_rate", group="imaging",
                                            reference="conventional")
    assert list(primary["quantity"]) == ["Hodges-Lehmann shift", "mean difference"]
    assert primary.loc[0, "ci_low"] <= TRUTH <= primary.loc[0, "ci_high"]
    assert primary.loc[1, ["estimate", "p_value"]].tolist() == pytest.approx([matched["estimate"], matched["p_value"]])


def test_paired_and_weighted_estimates_also_contain_the_true_effect(cohort, match):
    table = dynamic_mri_analysis.compare_adjustment_methods(cohort, match, outcome="recovery_rate", group="imaging",
                                               treatment="dynamic", covariates=COVARIATES,
                                               reference="conventional").set_index("analysis")
    for analysis in ("matched", "matched, paired", "IPW (ATT)"):
        assert table.loc[analysis, "ci_low"] < TRUTH < table.loc[analysis, "ci_high"], analysis
    assert table.loc["crude", "ci_high"] < TRUTH


def test_matching_balances_the_six_covariates(match):
    summary = matching.summarise_balance(match).set_index("sample")
    assert summary.loc["before matching", "smd_max"] > 0.3
    assert summary.loc["after matching", "smd_max"] < 0.1
    assert summary.loc["after matching", "above_threshold"] == "none"
    assert match.n_pairs + match.unmatched["treated"] == PROTOCOL["dynamic"]
    assert match.pairs["treated_index"].is_unique and match.pairs["control_index"].is_unique
    assert (match.pairs["distance"] <= match.caliper_width).all()


def test_exclusions_at_the_mjoa_ceiling_are_counted(cohort):
    assert cohort["recovery_rate"].isna().sum() == (cohort["mjoa_pre"] == 18).sum() > 0


def test_protocol_comparison_takes_its_numbers_from_protocol(cohort, match):
    tests_used = {key: "t" for key in ("primary", "vas", "ndi", "reoperation", "complication")}
    table = protocol_comparison(cohort, match, covariates=COVARIATES, tests=tests_used, n_excluded=4,
                                alpha=0.05).set_index("item")
    assert table.loc["Patients", "protocol"] == str(PROTOCOL["patients"])
    assert table.loc["Dynamic / conventional MRI", "protocol"] == f"{PROTOCOL['dynamic']} / {PROTOCOL['conventional']}"
    for item in ("Patients", "Dynamic / conventional MRI", "Matching covariates", "Significance"):
        assert bool(table.loc[item, "same"]), item
    assert f"{match.n_pairs} pairs" in table.loc["Matching", "this_chapter"]
    # a smaller cohort is reported as different from the protocol
    half = cohort.iloc[::2]
    smaller = protocol_comparison(half, match, covariates=COVARIATES[:5], tests=tests_used, n_excluded=0,
                                  alpha=0.01).set_index("item")
    assert not smaller.loc["Patients", "same"] and not smaller.loc["Matching covariates", "same"]
    assert not smaller.loc["Significance", "same"]


def test_schema_rejects_values_outside_the_scales():
    frame = simulate_dynamic_mri()
    frame.loc[0, "mjoa_pre"] = 19
    frame.loc[1, "imaging"] = "static"
    with pytest.raises(InputError) as error:
        schema.validate(frame, registry.get_chapter(CHAPTER).schema)
    assert "mjoa_pre" in str(error.value) and "imaging" in str(error.value)



# ------------------------------------------------------------------------- a cohort that cannot be matched
def test_without_a_match_the_crude_rows_stay_and_the_others_say_why(cohort):
    skipped = Skipped("propensity-score matching", "only 2 pairs could be matched")
    table = dynamic_mri_analysis.compare_adjustment_methods(cohort, skipped, outcome="recovery_rate", group="imaging",
                                                            treatment="dynamic", covariates=COVARIATES,
                                                            reference="conventional").set_index("analysis")
    crude = two_groups.compare_two_groups(cohort, outcome="recovery_rate", group="imaging", reference="conventional",
                                          normality="normal").iloc[0]
    assert table.loc["crude", "estimate"] == crude["estimate"]
    assert np.isfinite(table.loc["IPW (ATT)", "estimate"])                  # weighting needs no match
    for analysis in ("matched", "matched, paired"):
        assert np.isnan(table.loc[analysis, "estimate"])
        assert table.loc[analysis, "method"].startswith(f"{NOT_ESTIMATED}: ")
        assert "it needs the propensity-score matching" in table.loc[analysis, "method"]
        assert table.loc[analysis, "group"] == "dynamic - conventional"
    design = protocol_comparison(cohort, skipped, covariates=COVARIATES, n_excluded=4, alpha=0.05,
                                 tests={"primary": skipped, "vas": "t", "ndi": "t", "reoperation": "t",
                                        "complication": "log-rank"}).set_index("item")
    assert design.loc["Matching", "this_chapter"].startswith("not estimated for this cohort")
    assert "primary: not estimated; VAS: t" in design.loc["Tests", "this_chapter"]
    power = dynamic_mri_analysis.power_scenarios(skipped, treated="dynamic", control="conventional", sd=20.0,
                                                 power=0.8, alpha=0.05, assumed_difference=10.0)
    assert power["difference"].notna().tolist() == [True, False, False]     # the protocol's row needs no match
    assert power["method"].str.startswith(NOT_ESTIMATED).tolist() == [False, True, True]


def test_calipers_too_narrow_for_three_pairs_give_a_row_that_says_why(cohort):
    small = cohort.groupby("imaging").head(15)
    table = dynamic_mri_analysis.compare_calipers(small, outcome="recovery_rate", group="imaging",
                                                  treatment="dynamic", covariates=COVARIATES,
                                                  calipers=(1e-6, None), reference="conventional")
    assert table["caliper"].tolist() == ["1e-06", "none"]
    assert np.isnan(table.loc[0, "estimate"]) and "could be matched within the caliper" in table.loc[0, "method"]
    assert "at least 3 are needed" in table.loc[0, "method"]
    assert np.isfinite(table.loc[1, "estimate"]) and table.loc[1, "pairs"] == 15


def test_forest_plot_labels_the_rows_that_were_not_estimated():
    table = pd.DataFrame({"analysis": ["crude", "matched"], "estimate": [2.0, np.nan], "ci_low": [-1.0, np.nan],
                          "ci_high": [5.0, np.nan]})
    figure = figures.plot_effect_estimates(table)
    texts = [text.get_text().strip() for text in figure.axes[0].texts]
    assert texts == ["2.0 (-1.0 to 5.0)", "not estimated for this cohort"]
    plt.close(figure)


# -------------------------------------------------------------------------------------------- figures
def test_love_and_overlap_plots_draw_every_covariate(match):
    figure = figures.plot_love(match.balance)
    labels = [tick.get_text() for tick in figure.axes[0].get_yticklabels()]
    assert set(labels) == set(match.balance["covariate"]) - {"distance"}
    assert figure.axes[0].get_xlabel() and figure.axes[0].get_title()
    plt.close(figure)
    figure = figures.plot_score_overlap(match.scores, treated_label="dynamic MRI", control_label="conventional MRI")
    legends = [text.get_text() for axes in figure.axes for text in axes.get_legend().get_texts()]
    assert f"dynamic MRI (n = {PROTOCOL['dynamic']})" in legends and f"dynamic MRI (n = {match.n_pairs})" in legends
    plt.close(figure)


def test_kaplan_meier_plot_has_a_number_at_risk_table_and_limits_censor_ticks(match):
    km = survival.kaplan_meier(match.matched, time="complication_months", event="complication", group="imaging")
    figure = figures.plot_kaplan_meier(km, title="Complications", time_unit="months", risk_times=[0, 12, 24, 36])
    curves, risk = figure.axes
    expected = km.number_at_risk([0, 12, 24, 36])
    shown = sorted(int(text.get_text()) for text in risk.texts)
    assert shown == sorted(expected["n_at_risk"].astype(int).tolist())
    assert any(line.get_marker() == "|" for line in curves.lines)  # censor ticks for small groups
    plt.close(figure)
    generator = np.random.default_rng(1)
    large = pd.DataFrame({"months": generator.exponential(30, 1200).round(1) + 0.1,
                          "event": (generator.random(1200) < 0.5).astype(int),
                          "arm": np.repeat(["a", "b"], 600)})
    figure = figures.plot_kaplan_meier(survival.kaplan_meier(large, time="months", event="event", group="arm"),
                                     title="Large", time_unit="months")
    assert not any(line.get_marker() == "|" for line in figure.axes[0].lines)
    plt.close(figure)


# ------------------------------------------------------------------------------------------ end to end
@pytest.mark.book
def test_run_on_a_copy_of_the_synthetic_file_writes_the_required_results(tmp_path: Path, repo: Path):
    data = tmp_path / "cohort.csv"
    shutil.copy2(registry.synthetic_data_path(CHAPTER, repo), data)
    out = tmp_path / "run"
    environment = {**os.environ, "SPINEBOOK_ROOT": str(repo)}
    finished = subprocess.run([sys.executable, "-m", "helpers.book.cli", "run", CHAPTER, "--data", str(data),
                               "--out", str(out)], cwd=repo, env=environment, capture_output=True, text=True,
                              timeout=600)
    assert finished.returncode == 0, finished.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{CHAPTER}.ipynb", "report.html", "results.csv", "provenance.json"])
    results = pd.read_csv(out / "results.csv")
    assert list(results.columns) == RESULT_COLUMNS
    rows = results.set_index("quantity")
    required = ["matched_pairs", "smd_max_before", "smd_max_after", "recovery_rate_difference",
                "recovery_rate_difference_crude", "reoperation_risk_difference", "complication_logrank", "e_value"]
    assert set(required) <= set(rows.index)
    primary = rows.loc["recovery_rate_difference"]
    assert primary["ci_low"] < TRUTH < primary["ci_high"] and 0 < primary["p_value"] < 1
    assert rows.loc["recovery_rate_difference_crude", "ci_high"] < TRUTH
    assert rows.loc["smd_max_after", "estimate"] < 0.1 < rows.loc["smd_max_before", "estimate"]
    assert rows.loc["e_value", "estimate"] > 1
    assert 0 <= rows.loc["complication_logrank", "p_value"] <= 1
    assert json.loads((out / "provenance.json").read_text())["parameters"]["caliper"] == 0.2


def test_schema_needs_both_arms():
    frame = simulate_dynamic_mri().assign(imaging="dynamic")
    with pytest.raises(InputError, match="each arm"):
        schema.validate(frame, registry.get_chapter(CHAPTER).schema)


@pytest.mark.parametrize("overrides, words", [
    ({"caliper": -0.2}, "caliper"), ({"caliper_scale": "probability"}, "caliper_scale"),
    ({"matching_order": "smallest"}, "matching_order"), ({"level": 95}, "level"), ({"planning_sd": 0}, "planning_sd"),
])
def test_parameters_are_checked_before_execution(overrides, words):
    from helpers.book import build

    with pytest.raises(InputError, match=words):
        build.check_chapter_parameters(registry.get_chapter(CHAPTER), overrides)
    build.check_chapter_parameters(registry.get_chapter(CHAPTER), {"caliper": 0, "caliper_scale": "propensity"})  # valid: no error
