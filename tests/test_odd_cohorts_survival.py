"""Valid but odd cohorts of the survival chapters (issue 18, item 5): the analyses such a cohort cannot
support are skipped with a note on the page and a results row that says why; everything else is reported
and the run exits 0.

Each cohort is made here from the chapter's synthetic file, deterministically:
* Bilsky grade 3 exactly when not separated (the issue's cohort): the adjusted Cox model has a covariate
  collinear with the group, and the maximum likelihood odds ratio of Bilsky 3 is infinite (separation);
* no deaths among separated patients (ours): the hazard ratio is not finite (monotone likelihood; R's
  coxph warns "coefficient may be infinite"), so both Cox models and the check of the adjusted one are
  skipped while the log-rank test and the RMST difference, which need no hazard ratio, are reported.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from helpers.chapters.mscc_separation.glossary import QUANTITIES
from helpers.validation.estimable import NOT_ESTIMATED, listed

pytestmark = pytest.mark.book
CHAPTER = "mscc-separation"


def _bilsky_is_non_separation(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame.loc[frame["separated"] == 0, "bilsky_grade"] = "3"
    frame.loc[(frame["separated"] == 1) & (frame["bilsky_grade"] == "3"), "bilsky_grade"] = "2"
    return frame


def _no_deaths_when_separated(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(death=frame["death"].where(frame["separated"] == 0, 0))


COHORTS = {"bilsky-is-non-separation": _bilsky_is_non_separation, "no-deaths-separated": _no_deaths_when_separated}


def run_chapter(repo: Path, chapter: str, data: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "helpers.book.cli", "run", chapter, "--data", str(data),
                           "--out", str(out)], cwd=repo, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def runs(repo, tmp_path_factory):
    source = pd.read_csv(repo / "data" / "synthetic" / "mscc_separation.csv", dtype={"bilsky_grade": str})
    done = {}
    for name, make in COHORTS.items():
        folder = tmp_path_factory.mktemp(name)
        data = folder / f"{name}.csv"
        make(source).to_csv(data, index=False)
        finished = run_chapter(repo, CHAPTER, data, folder / "run")
        done[name] = (finished, folder / "run")
    return done


def skipped(results: pd.DataFrame) -> pd.DataFrame:
    return results[results["method"].fillna("").str.startswith(NOT_ESTIMATED)]


def page_text(run: Path) -> tuple[str, list[dict]]:
    notebook = json.loads((run / f"{CHAPTER}.ipynb").read_text(encoding="utf-8"))
    outputs = [output for cell in notebook["cells"] for output in cell.get("outputs", [])]
    return json.dumps(outputs), outputs


@pytest.mark.parametrize("name, expected", [
    ("bilsky-is-non-separation", {
        ("hazard_ratio", "non_separated_vs_separated_adjusted"): "'bilsky_3' is fully determined by 'group' (non_separated vs separated)",
        ("odds_ratio", "bilsky_3"): "separation of 'separated' by 'bilsky_3'",
        ("odds_ratio", "bilsky_3_unadjusted"): "separation of 'separated' by 'bilsky_3'",
        ("proportional_hazards_global", "adjusted_model"): "it needs the adjusted Cox model"}),
    ("no-deaths-separated", {
        ("hazard_ratio", "non_separated_vs_separated_unadjusted"): "monotone likelihood",
        ("hazard_ratio", "non_separated_vs_separated_adjusted"): "monotone likelihood",
        ("proportional_hazards_global", "adjusted_model"): "it needs the adjusted Cox model"}),
])
def test_odd_cohort_runs_to_the_end_and_says_what_it_skipped(runs, repo, name, expected):
    finished, run = runs[name]
    assert finished.returncode == 0, finished.stderr
    results = pd.read_csv(run / "results.csv")
    missing = skipped(results)
    assert set(zip(missing["quantity"], missing["group"])) == set(expected)
    for (quantity, group), cause in expected.items():
        row = missing[(missing["quantity"] == quantity) & (missing["group"] == group)].iloc[0]
        assert cause in row["method"] and pd.isna(row["estimate"])
        assert listed(row["method"]) in finished.stdout      # the command lists the skipped analysis
    # Every other row is estimated (a median may be "not reached": no deaths), and every quantity is there.
    estimated = results.drop(missing.index)
    if name == "no-deaths-separated":
        estimated = estimated[~((estimated["quantity"] == "median_survival_months")
                                & (estimated["group"] == "separated"))]
    assert estimated["estimate"].notna().all(), estimated[estimated["estimate"].isna()]
    assert set(results["quantity"]) == set(QUANTITIES)
    provenance = json.loads((run / "provenance.json").read_text(encoding="utf-8"))
    assert len(provenance["not_estimated"]) == len(missing["method"].unique())
    text, outputs = page_text(run)
    assert text.count("Not estimated for this cohort") >= len(expected) - 1
    assert not [output for output in outputs if output.get("output_type") == "error"]
    assert "Traceback" not in text and "ipykernel" not in text   # warnings read as plain lines



# --- multi-site: one hospital only (ours) ---------------------------------------------------------------

def test_multi_site_with_one_hospital_reports_it_and_skips_the_pooling(repo, tmp_path):
    source = pd.read_csv(repo / "data" / "synthetic" / "multi_site.csv", dtype={"bilsky_grade": str})
    data = tmp_path / "one hospital.csv"
    source[source["site"] == "Alpha"].to_csv(data, index=False)
    finished = run_chapter(repo, "multi-site", data, tmp_path / "run")
    assert finished.returncode == 0, finished.stderr
    results = pd.read_csv(tmp_path / "run" / "results.csv")
    missing = skipped(results)
    assert set(missing["quantity"]) == {"pooled_hazard_ratio", "prediction_interval", "tau2", "i2", "q"}
    assert missing["method"].str.contains(r"at least two hospitals; 1 \(Alpha\)").all()
    assert missing["estimate"].isna().all()
    site = results[(results["quantity"] == "site_hazard_ratio") & (results["group"] == "Alpha")]
    assert site["estimate"].notna().all()                                     # the hospital's own estimate
    assert results[results["quantity"] == "one_stage_hazard_ratio"]["estimate"].notna().all()
    notebook = json.loads((tmp_path / "run" / "multi-site.ipynb").read_text(encoding="utf-8"))
    text = json.dumps([output for cell in notebook["cells"] for output in cell.get("outputs", [])])
    assert "Leave-one-out analysis</strong>: leaving one hospital out needs at least three" in text
    assert '"output_type": "error"' not in text
    assert "two-stage pooling of the adjusted hazard ratios" in finished.stdout
