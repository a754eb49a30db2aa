"""Valid but odd cohorts of dti-ivim and paraspinal-imf (issue 18, item 5): each chapter runs to the end on
them (exit 0), skips what the cohort cannot support with a note on the page and results rows that say why,
and reports everything else.

The cohorts are in tests/data/odd/, made by tests/data/odd/make_odd_cohorts_dti_paraspinal.py (which says what
is odd about each); the first test checks that the committed files are what the script makes.
"""

from __future__ import annotations

import json
import runpy
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from helpers.validation.estimable import NOT_ESTIMATED, listed

pytestmark = pytest.mark.book

ODD = Path(__file__).resolve().parent / "data" / "odd"
SCRIPT = ODD / "make_odd_cohorts_dti_paraspinal.py"
MUSCLES = ("multifidus_left", "multifidus_right", "erector_left", "erector_right")
VISITS = (3, 12, 24, 60)
ACCURACY = ("sensitivity", "specificity", "positive_predictive_value", "negative_predictive_value",
            "positive_likelihood_ratio", "negative_likelihood_ratio", "true_positives", "false_positives",
            "false_negatives", "true_negatives")


def _rows(quantities, groups):
    return {(quantity, group) for quantity in quantities for group in groups}


# (chapter, rows of results.csv on the default data, {(quantity, group): words the reason must contain},
#  texts the page must show)
COHORTS = {
    "dti_ivim_constant_f": ("dti-ivim", 86, {
        **dict.fromkeys(_rows(["correlation", "spearman_correlation"], ["f"]), "'f' has the same value (9.0)"),
        ("auc", "f"): "its AUC would be 0.5 by construction",
        ("youden_threshold", "f"): "no threshold on it separates them",
        **dict.fromkeys(_rows(ACCURACY, ["f"]), "it needs the Youden threshold of 'f'"),
        **dict.fromkeys(_rows(["odds_ratio"], ["Intercept", "fa_x100", "f"]), "predictor 'f' has a single value"),
        ("auc", "fa+f"): "it needs the combined FA + f model",
        **dict.fromkeys(_rows(["auc_optimism_corrected", "calibration_intercept", "calibration_slope"], ["fa+f"]),
                        "predictor 'f' has a single value"),
        ("delong_difference", "fa-f"): "it has no AUC to compare",
        ("delong_difference", "fa+f-fa"): "it needs the combined FA + f model"},
        ["Calibration of the FA + f model", "Decision curve of the FA + f model"]),
    "dti_ivim_separated": ("dti-ivim", 86, {
        **dict.fromkeys(_rows(["odds_ratio"], ["Intercept", "fa_x100", "f"]),
                        "complete separation of 'good_recovery' by 'fa_x100' and 'f'"),
        **dict.fromkeys(_rows(["auc_optimism_corrected", "calibration_intercept", "calibration_slope"], ["fa+f"]),
                        "no maximum likelihood fit in these 30 patients")},
        ["Odds ratios of the FA + f model", "predicted probabilities are exactly 0 or 1"]),
    "paraspinal_imf_all_female": ("paraspinal-imf", 189, {
        **dict.fromkeys(_rows(["odds_ratio", "odds_ratio_per_10_less_imf"],
                              [f"{m}/{o}/{v}" for m in MUSCLES for o in ("recovery", "success") for v in VISITS]),
                        "predictor 'sex' has a single level (female)"),
        **dict.fromkeys(_rows(["group_by_time_p"],
                              [f"{m}/{o}" for m in MUSCLES for o in ("leg_pain", "back_pain", "disability")]),
                        "the confounder 'sex' has a single value ('female')"),
        **dict.fromkeys(_rows(["mean_difference"], [f"{m}/{o}/{v}" for m in MUSCLES
                                                    for o in ("leg_pain", "back_pain", "disability")
                                                    for v in (0, *VISITS)]),
                        "the confounder 'sex' has a single value ('female')"),
        ("gee_group_by_time_p", "multifidus_right/disability"): "it needs the mixed models of pain and disability"},
        ["Figure of the model-estimated course"]),
    "paraspinal_imf_all_recovered_3_months": ("paraspinal-imf", 189, dict.fromkeys(
        _rows(["odds_ratio", "odds_ratio_unadjusted", "odds_ratio_per_10_less_imf"],
              [f"{m}/recovery/3" for m in MUSCLES]),
        "every one of the 147 patients seen at this visit had 'recovery'"), []),
}


def test_the_committed_cohorts_are_what_the_script_makes():
    make = runpy.run_path(str(SCRIPT))["make"]
    for name in COHORTS:
        assert (ODD / f"{name}.csv").read_text(encoding="utf-8") == make(name), f"rerun {SCRIPT.name}"


@pytest.fixture(scope="module")
def runs(repo, tmp_path_factory):
    """Each chapter run once on each odd cohort through the command line: name -> (process, run folder)."""
    done = {}
    for name, (chapter, *_) in COHORTS.items():
        out = tmp_path_factory.mktemp(name) / "run"
        done[name] = (subprocess.run([sys.executable, "-m", "helpers.book.cli", "run", chapter, "--data",
                                      str(ODD / f"{name}.csv"), "--out", str(out)], cwd=repo, capture_output=True,
                                     text=True, timeout=600, check=False), out)
    return done


@pytest.mark.parametrize("name", list(COHORTS))
def test_odd_cohort_runs_to_the_end_and_says_what_it_skipped(runs, name):
    chapter, n_rows, expected, texts = COHORTS[name]
    finished, run = runs[name]
    assert finished.returncode == 0, finished.stderr[-3000:]
    results = pd.read_csv(run / "results.csv")
    assert len(results) == n_rows and not results.duplicated(["quantity", "group"]).any()  # the usual rows
    skipped = results[results["method"].fillna("").str.startswith(NOT_ESTIMATED)]
    assert set(zip(skipped["quantity"], skipped["group"])) == set(expected)
    for row in skipped.itertuples():
        assert expected[(row.quantity, row.group)] in row.method and pd.isna(row.estimate), row
        assert listed(row.method) in finished.stdout  # spinebook run lists the skipped analysis
    assert results.drop(skipped.index)["estimate"].notna().all()  # every other row is estimated
    provenance = json.loads((run / "provenance.json").read_text(encoding="utf-8"))
    assert sorted(provenance["not_estimated"]) == sorted(skipped["method"].unique())
    notebook = json.loads((run / f"{chapter}.ipynb").read_text(encoding="utf-8"))
    outputs = [output for cell in notebook["cells"] for output in cell.get("outputs", [])]
    page = json.dumps(outputs)
    assert page.count("Not estimated for this cohort") >= 2
    for text in texts:
        assert text in page
    assert not [output for output in outputs if output["output_type"] == "error"]
    assert "Traceback" not in page and "np.float64" not in page and "[T." not in page
