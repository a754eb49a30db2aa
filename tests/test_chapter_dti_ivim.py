"""Chapter dti-ivim: the synthetic cohort reproduces the paper's headline numbers, the generator is
deterministic and valid, the figures draw, and the chapter runs end to end on a user's file."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest

from helpers.chapters import common, registry
from helpers.chapters.dti_ivim import figures as dti_ivim_figures
from helpers.chapters.dti_ivim import simulate as dti_ivim
from helpers.chapters.dti_ivim.published import PUBLISHED
from helpers.chapters.dti_ivim.simulate import simulate as simulate_dti_ivim
from helpers.presentation import figures
from helpers.stats import correlation, descriptive, logistic, outcomes, prediction, roc
from helpers.validation import results, schema
from helpers.validation.errors import InputError
from helpers.validation.files import write_csv
from helpers.validation.results import RESULT_COLUMNS

matplotlib.use("Agg")

CHAPTER = "dti-ivim"
OUTCOME = "good_recovery"


def prepare(data: pd.DataFrame, cutoff: float = dti_ivim.GOOD_RECOVERY_CUTOFF) -> pd.DataFrame:
    """The chapter's derived columns: recovery rate and good recovery."""
    rate = outcomes.recovery_rate(data["mjoa_pre"], data["mjoa_post"])
    return data.assign(recovery_rate=rate, good_recovery=(rate >= cutoff).astype(int))[rate.notna()]


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    """The committed synthetic file, read and validated as the chapter reads it."""
    return prepare(registry.load_data(CHAPTER))


def reproduced_results(cohort: pd.DataFrame) -> pd.DataFrame:
    """The headline quantities, computed by the helpers the notebook calls (not by the notebook)."""
    directions = {"fa": "<", "adc": ">", "f": "<"}
    described = descriptive.describe_columns(cohort, columns=["mjoa_pre", "mjoa_post"])
    pearson = correlation.correlation_table(cohort, outcome="recovery_rate", variables=list(directions),
                                            methods=["pearson"])
    aucs = pd.concat([roc.roc_auc(cohort, outcome=OUTCOME, predictor=name, direction=direction)
                      for name, direction in directions.items()], ignore_index=True)
    model = logistic.logistic_regression(cohort, outcome=OUTCOME, predictors=["fa", "f"])
    thresholds = pd.concat([roc.youden_threshold(cohort, outcome=OUTCOME, predictor=name) for name in ("fa", "f")],
                           ignore_index=True)
    return pd.concat([
        results.as_results(described, quantity="mean", columns={"group": "variable", "estimate": "mean"}),
        results.as_results(described, quantity="sd", columns={"group": "variable", "estimate": "sd"}),
        results.as_results(pearson, quantity="correlation", columns={"group": "variable"}),
        results.as_results(aucs, quantity="auc", columns={"group": "predictor"}),
        results.as_results(roc.roc_auc(cohort, outcome=OUTCOME, predictor=model), quantity="auc", group="fa+f"),
        results.as_results(thresholds, quantity="youden_threshold",
                             columns={"group": "predictor", "estimate": "threshold"}),
    ], ignore_index=True)


# ----------------------------------------------------------------------------- published vs reproduced
def test_published_numbers_are_reproduced_within_tolerance(cohort):
    table = common.compare_with_published(reproduced_results(cohort), PUBLISHED)
    tested = table[table["tolerance"] != ""]
    assert len(tested) == 10  # 2 means, 3 correlations, 3 AUCs, 2 thresholds
    outside = tested[~tested["within_tolerance"].astype(bool)]
    assert outside.empty, f"outside tolerance:\n{outside.to_string()}"
    # the tolerances are the issue's: means 2 % relative, correlations and AUCs 0.03, thresholds 5 %
    kinds = {(item.quantity, item.tolerance, item.kind) for item in PUBLISHED if item.tolerance}
    assert kinds == {("mean", 0.02, "relative"), ("correlation", 0.03, "absolute"), ("auc", 0.03, "absolute"),
                     ("youden_threshold", 0.05, "relative")}


def test_published_values_are_the_abstracts():
    values = {(item.quantity, item.group): item.value for item in PUBLISHED}
    assert values == {("mean", "mjoa_pre"): 10.4, ("sd", "mjoa_pre"): 2.3, ("mean", "mjoa_post"): 14.9,
                      ("sd", "mjoa_post"): 1.8, ("correlation", "fa"): 0.68, ("correlation", "adc"): -0.59,
                      ("correlation", "f"): 0.53, ("auc", "fa"): 0.86, ("auc", "f"): 0.78, ("auc", "fa+f"): 0.90,
                      ("youden_threshold", "fa"): 0.41, ("youden_threshold", "f"): 9.5}


def test_a_shifted_cohort_fails_the_comparison(cohort):
    # the comparison can fail: FA lowered by 0.05 moves the FA threshold far outside 5 %
    shifted = cohort.assign(fa=cohort["fa"] - 0.05)
    table = common.compare_with_published(reproduced_results(shifted), PUBLISHED).set_index("label")
    assert not table.loc["Youden threshold, FA", "within_tolerance"]
    assert table.loc["AUC, FA for good recovery", "within_tolerance"]  # ranks, so the AUC is unchanged


# ----------------------------------------------------------------------------- generator
def test_generator_is_deterministic_and_matches_the_committed_file(tmp_path, repo):
    first, again = write_csv(simulate_dti_ivim(), tmp_path / "a.csv"), write_csv(simulate_dti_ivim(), tmp_path / "b.csv")
    assert first.read_bytes() == again.read_bytes()
    seeded = write_csv(simulate_dti_ivim(rng=np.random.default_rng(dti_ivim.SEED)), tmp_path / "c.csv")
    assert seeded.read_bytes() == first.read_bytes()
    other = write_csv(simulate_dti_ivim(rng=1), tmp_path / "d.csv")
    assert other.read_bytes() != first.read_bytes()
    committed = repo / "data" / "synthetic" / registry.get_chapter(CHAPTER).data_file
    assert hashlib.sha256(committed.read_bytes()).hexdigest() == hashlib.sha256(first.read_bytes()).hexdigest()


@pytest.mark.parametrize("seed", [None, 1, 2024])
def test_generator_output_passes_the_schema_and_invariants(seed):
    frame = simulate_dti_ivim(rng=seed)
    validated = schema.validate(frame, registry.get_chapter(CHAPTER).schema)
    assert len(validated) == 105 and validated["patient_id"].is_unique
    assert (validated["mjoa_pre"] < 18).all()  # every patient has a defined recovery rate
    assert validated[["mjoa_pre", "mjoa_post"]].stack().between(0, 18).all()
    assert (validated["d"] < validated["adc"]).all()  # D leaves out the perfusion part of ADC
    assert validated["f"].between(1, 30).all()  # a percentage, not a fraction
    assert set(validated["sex"]) == {"female", "male"}
    assert len(simulate_dti_ivim(40, rng=seed)) == 40


def test_schema_rejects_a_fraction_for_f_and_out_of_range_mjoa():
    frame = simulate_dti_ivim().head(5).copy()
    frame.loc[0, "mjoa_post"] = 19
    frame.loc[1, "fa"] = 1.2
    with pytest.raises(InputError) as raised:
        schema.validate(frame, registry.get_chapter(CHAPTER).schema)
    assert "'mjoa_post', line 2" in str(raised.value) and "'fa', line 3" in str(raised.value)


# ----------------------------------------------------------------------------- figures
def test_figures_draw_with_titles_and_labelled_axes(cohort):
    directions = {"fa": "<", "f": "<"}
    frame = cohort.assign(recovery_group=np.where(cohort[OUTCOME] == 1, "good", "poor"))
    curves = {name: roc.roc_curve_points(cohort, outcome=OUTCOME, predictor=name) for name in directions}
    model = logistic.logistic_regression(cohort, outcome=OUTCOME, predictors=["fa", "f"])
    calibrated = prediction.calibration(cohort[OUTCOME], model.predicted_probability, n_bins=5)
    drawn = [
        dti_ivim_figures.plot_recovery(cohort, before="mjoa_pre", after="mjoa_post", recovery="recovery_rate", cutoff=50),
        figures.plot_scatter_matrix(frame, columns=["recovery_rate", "fa", "f"], group="recovery_group"),
        figures.plot_roc_curves(curves, aucs={"fa": 0.85, "f": 0.77}, thresholds={"fa": (0.7, 0.9)}),
        figures.plot_calibration(calibrated.bins, intercept=0.0, slope=0.95, line_label="bootstrap-corrected"),
        figures.plot_decision_curve(prediction.decision_curve(cohort[OUTCOME], model.predicted_probability)),
    ]
    import matplotlib.pyplot as plt

    for figure in drawn:
        labelled = [axes for axes in figure.axes if axes.get_xlabel() and axes.get_ylabel()]
        assert labelled, "every figure has labelled axes"
        assert any(axes.get_title() for axes in figure.axes) or figure._suptitle is not None
        plt.close(figure)


# ----------------------------------------------------------------------------- end to end
@pytest.mark.book
def test_chapter_runs_end_to_end_on_a_user_file(tmp_path, repo):
    source = repo / "data" / "synthetic" / registry.get_chapter(CHAPTER).data_file
    user_file = tmp_path / "my cohort.csv"
    shutil.copy2(source, user_file)
    before = hashlib.sha256(user_file.read_bytes()).hexdigest()
    out = tmp_path / "run"
    environment = {**os.environ, "SPINEBOOK_ROOT": str(repo)}
    finished = subprocess.run([sys.executable, "-m", "helpers.book.cli", "run", CHAPTER, "--data", str(user_file),
                               "--out", str(out)], cwd=repo, env=environment, capture_output=True, text=True,
                              timeout=600)
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{CHAPTER}.ipynb", "report.html", "results.csv", "provenance.json"])
    assert hashlib.sha256(user_file.read_bytes()).hexdigest() == before
    results = pd.read_csv(out / "results.csv")
    assert list(results.columns) == RESULT_COLUMNS
    required = {("auc", group) for group in ("fa", "adc", "d", "d_star", "f", "fa+f")} | {
        ("auc_optimism_corrected", "fa+f"), ("youden_threshold", "fa"), ("youden_threshold", "f"),
        ("correlation", "fa"), ("correlation", "adc"), ("correlation", "f"), ("delong_difference", "fa-f"),
        ("delong_difference", "fa+f-fa")}
    present = set(zip(results["quantity"], results["group"]))
    assert required <= present, required - present
    correlations = results[results["quantity"] == "correlation"]
    assert correlations["method"].str.contains("Pearson").all()
    row = results.set_index(["quantity", "group"]).loc[("auc_optimism_corrected", "fa+f")]
    assert row["estimate"] <= results.set_index(["quantity", "group"]).loc[("auc", "fa+f"), "estimate"]
    # the page's own numbers pass the same published-vs-reproduced comparison
    table = common.compare_with_published(results, PUBLISHED)
    assert table.loc[table["tolerance"] != "", "within_tolerance"].astype(bool).all(), table.to_string()


def test_cutoff_parameter_changes_the_outcome(cohort):
    # a stricter definition of good recovery gives fewer cases
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        strict = prepare(registry.load_data(CHAPTER), cutoff=70.0)
    assert strict[OUTCOME].sum() < cohort[OUTCOME].sum()
