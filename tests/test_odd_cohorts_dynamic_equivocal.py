"""Valid but odd cohorts of the dynamic-mri and equivocal-mri chapters (issue 18, item 5): the analyses such
a cohort cannot support are skipped with a note on the page and a results row that says why; everything else
is reported and the run exits 0.

The cohorts are committed under tests/data/odd/ and written from the synthetic files by
tests/data/odd/make_odd_cohorts_dynamic_equivocal.py (its docstring says what is odd about each):

* dynamic_mri_twelve_patients (the issue's): 6 patients per arm, 6 covariates: the propensity model separates
  the arms, so the match and everything that needs it is skipped; the crude comparison is reported;
* dynamic_mri_no_complications_dynamic (ours): no dynamic-MRI patient had a complication, so the hazard
  ratio is 0 (monotone likelihood) and only the Cox model is skipped;
* dynamic_mri_two_segments (ours): every patient has 2 compressed segments; the covariate is left out of the
  propensity model with a warning (R's glm gives it NA) and everything is estimated (this used to stop);
* equivocal_mri_never_positive / _always_positive (ours): the PPV, LR+ and the post-test probability after a
  positive result (or the NPV, LR- and after a negative result) are 0/0.

Each cohort runs once (module-scoped fixture, about 5-10 s each).
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from helpers.validation.estimable import NOT_ESTIMATED, listed

pytestmark = pytest.mark.book
ODD = Path(__file__).resolve().parent / "data" / "odd"

MATCH_SEPARATED = "the propensity model separates the two groups perfectly: with 12 patients"
MATCHED = ("recovery_rate_difference", "recovery_rate_difference_paired", "vas_6m_difference", "ndi_6m_difference",
           "reoperation_risk_difference", "recovery_rate_difference_caliper_0.1",
           "recovery_rate_difference_caliper_0.2", "recovery_rate_difference_caliper_none")
EXPECTED = {  # cohort -> (chapter, {(quantity, group): words the row's method must contain})
    "dynamic_mri_twelve_patients": ("dynamic-mri", {
        ("matched_pairs", "matched"): MATCH_SEPARATED, ("unmatched_dynamic", "dynamic"): MATCH_SEPARATED,
        ("unmatched_conventional", "conventional"): MATCH_SEPARATED,
        ("smd_max_before", ""): "balance summary: it needs the propensity-score matching",
        ("smd_max_after", ""): "balance summary: it needs the propensity-score matching",
        ("complication_logrank", "dynamic vs conventional"): "it needs the propensity-score matching",
        ("e_value", "recovery_rate_difference"): "E-value: it needs the propensity-score matching",
        ("e_value_ci", "recovery_rate_difference"): "E-value: it needs the propensity-score matching",
        **{(quantity, "dynamic - conventional"): MATCH_SEPARATED for quantity in MATCHED},
        ("recovery_rate_difference_ipw", "dynamic - conventional"): "it needs the inverse-probability weights",
        ("complication_hazard_ratio", "dynamic / conventional"): "Cox model of complications: it needs the propensity",
        ("detectable_difference", "matched arms"): "power of the matched arms: it needs the propensity",
        ("power_assumed_difference", "matched arms, assumed difference"): "power of the matched arms",
    }),
    "dynamic_mri_no_complications_dynamic": ("dynamic-mri", {
        ("complication_hazard_ratio", "dynamic / conventional"):
            "Cox model of complications: 0 of the 16 patients with imaging 'dynamic' and 3 of the 16 with imaging "
            "'conventional' had an event ('complication' = 1)",
    }),
    "dynamic_mri_two_segments": ("dynamic-mri", {}),
    "equivocal_mri_never_positive": ("equivocal-mri", {
        ("ppv", "data"): "positive predictive value: the test was positive in none of the 20 patients",
        ("lr_positive", "data"): "sensitivity and 1 - specificity are both 0 and their ratio is 0/0",
        ("post_test_probability_positive", "data"): "it needs the positive likelihood ratio, which is 0/0 here",
    }),
    "equivocal_mri_always_positive": ("equivocal-mri", {
        ("npv", "data"): "negative predictive value: the test was negative in none of the 20 patients",
        ("lr_negative", "data"): "1 - sensitivity and specificity are both 0 and their ratio is 0/0",
        ("post_test_probability_negative", "data"): "it needs the negative likelihood ratio, which is 0/0 here",
    }),
}


@pytest.fixture(scope="module")
def runs(repo, tmp_path_factory):
    """cohort -> (finished command, run folder): every cohort through ``spinebook run``, once."""
    done = {}
    for cohort, (chapter, _) in EXPECTED.items():
        out = tmp_path_factory.mktemp(cohort) / "run"
        finished = subprocess.run([sys.executable, "-m", "helpers.book.cli", "run", chapter, "--data",
                                   str(ODD / f"{cohort}.csv"), "--out", str(out)],
                                  cwd=repo, capture_output=True, text=True, timeout=600)
        done[cohort] = (finished, out)
    return done


def test_the_committed_cohorts_are_what_the_script_writes(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("make_odd_cohorts_dynamic_equivocal", ODD / "make_odd_cohorts_dynamic_equivocal.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    monkeypatch.setattr(script, "HERE", tmp_path)
    script.main()
    for cohort in EXPECTED:
        assert (tmp_path / f"{cohort}.csv").read_bytes() == (ODD / f"{cohort}.csv").read_bytes(), cohort


@pytest.mark.parametrize("cohort", list(EXPECTED))
def test_odd_cohort_runs_to_the_end_and_says_what_it_skipped(runs, cohort):
    chapter, expected = EXPECTED[cohort]
    finished, run = runs[cohort]
    assert finished.returncode == 0, finished.stdout + finished.stderr
    results = pd.read_csv(run / "results.csv", keep_default_na=False, na_values=[""])
    results["group"] = results["group"].fillna("")
    missing = results[results["method"].fillna("").str.startswith(NOT_ESTIMATED)]
    assert set(zip(missing["quantity"], missing["group"])) == set(expected)
    for (quantity, group), cause in expected.items():
        row = missing[(missing["quantity"] == quantity) & (missing["group"] == group)].iloc[0]
        assert cause in row["method"], row["method"]
        assert pd.isna(row["estimate"]) and pd.isna(row["ci_low"]) and pd.isna(row["p_value"])
        assert listed(row["method"]) in finished.stdout   # the command lists the skipped analysis
    # Every quantity of the chapter has its row, and every row not skipped has its estimate (as on the default data).
    glossary = importlib.import_module(f"helpers.chapters.{chapter.replace('-', '_')}.glossary").QUANTITIES
    assert set(results["quantity"]) == set(glossary)
    estimated = results.drop(missing.index)
    assert estimated["estimate"].notna().all(), estimated[estimated["estimate"].isna()]
    provenance = json.loads((run / "provenance.json").read_text(encoding="utf-8"))
    assert provenance.get("not_estimated", []) == list(missing["method"].drop_duplicates())
    notebook = json.loads((run / f"{chapter}.ipynb").read_text(encoding="utf-8"))
    outputs = [output for cell in notebook["cells"] for output in cell.get("outputs", [])]
    text = json.dumps(outputs)
    assert not [output for output in outputs if output.get("output_type") == "error"]
    assert "Traceback" not in text and "ipykernel" not in text
    if expected:
        assert "not estimated for this cohort" in finished.stdout
        assert "Not estimated for this cohort" in text and "spinebook-skipped" in text   # the note's box
        for method in missing["method"].unique():   # each skipped analysis is named on the page
            assert method.split(": ", 2)[1].lower() in text.lower(), method
    else:
        assert "not estimated" not in finished.stdout and "Not estimated for this cohort" not in text


def test_notes_read_as_words(runs):
    """The reasons say what is wrong in words and counts: no numpy reprs, no Python objects."""
    for cohort in EXPECTED:
        finished, run = runs[cohort]
        methods = pd.read_csv(run / "results.csv")["method"].dropna()
        for method in methods[methods.str.startswith(NOT_ESTIMATED)]:
            assert "np.float" not in method and "np.int" not in method and "<" not in method, method
            assert "Skipped" not in method and "object at 0x" not in method, method


def test_a_constant_covariate_is_left_out_of_the_score_with_a_warning_on_the_page(runs):
    finished, run = runs["dynamic_mri_two_segments"]
    notebook = json.loads((run / "dynamic-mri.ipynb").read_text(encoding="utf-8"))
    streams = "".join("".join(output.get("text", "")) for cell in notebook["cells"] for output in cell.get("outputs", [])
                      if output.get("output_type") == "stream")
    assert "'compressed_segments' has the same value (2) for every patient" in streams
    pairs = pd.read_csv(run / "results.csv").set_index("quantity").loc["matched_pairs", "estimate"]
    assert pairs >= 3


def test_the_crude_comparison_survives_a_cohort_that_cannot_be_matched(runs):
    finished, run = runs["dynamic_mri_twelve_patients"]
    results = pd.read_csv(run / "results.csv").set_index("quantity")
    crude = results.loc["recovery_rate_difference_crude"]
    assert crude["n"] == 12 and crude["ci_low"] < crude["estimate"] < crude["ci_high"]
    assert crude["method"].startswith("Welch's t-test")
    protocol_power = results.loc["detectable_difference"]
    assert protocol_power[protocol_power["group"] == "protocol, 150 per arm"]["estimate"].notna().all()
