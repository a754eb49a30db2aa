"""Multi-centre studies: site summaries (spinebook run --site), their checks and pooling (spinebook pool), and the
multi-site chapter; pooled numbers against R's metafor 3.8-1 on the chapter's sites."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.book import pool
from helpers.book.cli import main
from helpers.chapters.common import PoolableQuantity, site_summary
from helpers.chapters.multi_site import analysis
from helpers.chapters.multi_site.simulate import DIFFERENT_SITE, SITES, simulate
from helpers.stats.cox import cox_model

ROOT = Path(__file__).resolve().parents[1]
COVARIATES = ["bilsky_3", "age", "radiotherapy"]
MSCC_PARAMETERS = {"landmark_months": 0.7, "rmst_tau_months": 12.0, "level": 0.95, "conf_type": "log",
                   "logistic_predictors": "bilsky_3,sins,age", "cox_covariates": "bilsky_3,age,radiotherapy"}
"""The defaults of the mscc-separation notebook's parameters cell as ``spinebook run`` records them (the book test
checks that an end-to-end run records exactly these)."""


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    return simulate()


@pytest.fixture(scope="module")
def site_results(cohort) -> dict[str, pd.DataFrame]:
    """Each hospital's mscc-separation hazard-ratio rows, computed in-process by the helper the chapter uses."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {site: analysis.site_results(part, covariates=COVARIATES)
                for site, part in cohort.groupby("site", sort=False)}


def mscc_summaries(site_results, threshold: int = 0) -> dict[str, dict]:
    return {site: pool.summary_from_results("mscc-separation", results, site=site, parameters=MSCC_PARAMETERS,
                                            small_cell_threshold=threshold)
            for site, results in site_results.items()}


def write(folder: Path, summaries: dict[str, dict]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for site, summary in summaries.items():
        path = folder / f"{site}.json"
        path.write_text(json.dumps(summary), encoding="utf-8")
        paths.append(path)
    return paths


# ------------------------------------------------------------------------------------------ summaries

def test_the_summary_se_is_the_cox_se_recovered_from_the_interval(cohort, site_results):
    part = analysis.add_group(cohort[cohort["site"] == "Alpha"])
    fit = cox_model(part, time="survival_months", event="death", covariates=["group"],
                    reference={"group": "separated"}).table.iloc[0]
    entry = mscc_summaries(site_results)["Alpha"]["quantities"]["log_hazard_ratio_unadjusted"]
    assert entry["estimate"] == pytest.approx(fit["coef"], abs=1e-8)
    assert entry["standard_error"] == pytest.approx(fit["standard_error"], rel=1e-6)


def test_a_paired_t_interval_gives_back_its_se():
    from scipy import stats

    n, se = 30, 1.7
    half = stats.t.ppf(0.975, n - 1) * se
    results = pd.DataFrame({"quantity": ["d"], "group": ["g"], "estimate": [4.0], "ci_low": [4.0 - half],
                            "ci_high": [4.0 + half], "p_value": [0.01], "method": ["paired t"], "n": [n]})
    item = PoolableQuantity("d", "d", "g", "identity", "difference", se_from="t_n_minus_1")
    summary = site_summary(results, chapter="x", site="A", parameters={"level": 0.95}, poolable=[item])
    assert summary["quantities"]["d"]["standard_error"] == pytest.approx(se)


def test_the_summary_holds_only_aggregates_and_suppresses_small_counts(site_results):
    summary = mscc_summaries(site_results, threshold=20)["Hotel"]
    assert set(summary) == pool.SUMMARY_KEYS
    assert summary["quantities"]["log_hazard_ratio_unadjusted"]["n"] is None  # 12 patients < 20
    assert summary["quantities"]["log_hazard_ratio_unadjusted"]["estimate"] is None  # an arm without deaths
    assert "column_map" not in summary["parameters"] and "suppress_small_cells" not in summary["parameters"]
    assert pool.summary_problems(summary, "mscc-separation") == []
    text = json.dumps(summary)
    assert "H0" not in text and "patient" not in text  # no identifier (the cohort's ids start with the site letter)


def test_a_chapter_without_a_pooling_declaration_is_refused():
    with pytest.raises(Exception, match="declares no poolable quantities"):
        pool.pooling_declaration("dti-ivim")


# ------------------------------------------------------------------------------------------ refusals

def tamper(summary: dict, how: str) -> dict:
    summary = json.loads(json.dumps(summary))
    if how == "patient-level column":
        summary["survival_months"] = list(np.round(np.linspace(1, 30, 40), 2))
    elif how == "patient-level list in a quantity":
        summary["quantities"]["log_hazard_ratio_adjusted"]["times"] = [1.0] * 50
    elif how == "mismatched parameter":
        summary["parameters"]["cox_covariates"] = "age"
    elif how == "count below threshold":
        summary["small_cell_threshold"] = 5
        summary["quantities"]["log_hazard_ratio_adjusted"]["n"] = 3
    return summary


@pytest.mark.parametrize("how, needle", [
    ("patient-level column", "key 'survival_months' is not in the site-summary schema"),
    ("patient-level list in a quantity", "key 'times' is not in the site-summary schema"),
    ("mismatched parameter", "parameter(s) cox_covariates differ"),
    ("count below threshold", "n = 3 is below the site's small-cell threshold 5"),
    ("duplicate site", "duplicate site 'Alpha'"),
])
def test_pool_refuses_naming_the_file_and_the_problem_and_writes_nothing(tmp_path, site_results, capsys, how,
                                                                         needle):
    summaries = {site: mscc_summaries(site_results)[site] for site in ("Alpha", "Bravo", "Charlie")}
    paths = write(tmp_path / "in", summaries)
    bad = tmp_path / "in" / "bad.json"
    if how == "duplicate site":
        shutil.copy(paths[0], bad)
    else:
        bad.write_text(json.dumps(tamper(summaries["Bravo"] if how != "mismatched parameter" else summaries["Charlie"],
                                         how)))
        paths = paths[:1] + paths[2:] if how != "mismatched parameter" else paths[:2]
    out = tmp_path / "pooled"
    status = main(["pool", "mscc-separation", *map(str, paths), str(bad), "--out", str(out)])
    error = capsys.readouterr().err
    assert status == 2
    assert needle in error and str(bad) in error, error
    assert not out.exists()


def test_pool_refuses_another_chapter_and_an_existing_folder(tmp_path, site_results, capsys):
    paths = write(tmp_path / "in", {site: mscc_summaries(site_results)[site] for site in ("Alpha", "Bravo")})
    assert main(["pool", "dynamic-mri", *map(str, paths), "--out", str(tmp_path / "x")]) == 2
    assert "chapter 'mscc-separation', not 'dynamic-mri'" in capsys.readouterr().err
    (tmp_path / "exists").mkdir()
    assert main(["pool", "mscc-separation", *map(str, paths), "--out", str(tmp_path / "exists")]) == 2
    assert "already exists" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------ pooling

# R 4.2, metafor 3.8-1, on the log HRs and SEs of the estimable sites of the default multi-site cohort (as
# mscc-separation summaries; unadjusted: 7 sites, adjusted: 6):
#   r <- rma(yi, sei = sei, method = m, test = t); p <- predict(r)
#   c(r$b, r$se, r$ci.lb, r$ci.ub, r$pval, r$tau2, r$I2, r$QE, r$QEp, p$pi.lb, p$pi.ub)
# with yi <- c(0.9304541024, 0.7527434270, 0.8395632394, -0.7941427567, 0.2338859295, 0.9164703879, 1.3252488704)
#      sei <- c(0.2035968344, 0.2170295282, 0.2632585975, 0.2961412817, 0.3150132479, 0.4457934106, 0.5858915300)
# and  yi <- c(0.9573827987, 0.6906375647, 0.8729295668, -0.8843027701, 0.2989309287, 0.8517348497)
#      sei <- c(0.2070372756, 0.2339947758, 0.2704536425, 0.3210277451, 0.3263353000, 0.4876787840)
# (the sites' Cox fits from the package's Newton-Raphson engine, converged as R's coxph)
METAFOR_SITES = {
    ("unadjusted", "DL", False): (0.560843, 0.248866, 0.073075, 1.048611, 0.024222, 0.324800, 79.654665, 29.490790, 0.000049, -0.658019, 1.779705),
    ("unadjusted", "DL", True): (0.560843, 0.258795, -0.072406, 1.194092, 0.073352, 0.324800, 79.654665, 29.490790, 0.000049, -0.970727, 2.092413),
    ("unadjusted", "REML", False): (0.562668, 0.259451, 0.054153, 1.071182, 0.030106, 0.361352, 81.328416, 29.490790, 0.000049, -0.720573, 1.845908),
    ("unadjusted", "REML", True): (0.562668, 0.259135, -0.071413, 1.196748, 0.072928, 0.361352, 81.328416, 29.490790, 0.000049, -1.039085, 2.164420),
    ("adjusted", "DL", False): (0.471869, 0.270913, -0.059109, 1.002848, 0.081547, 0.345273, 81.179765, 26.567150, 0.000069, -0.796315, 1.740054),
    ("adjusted", "DL", True): (0.471869, 0.284842, -0.260339, 1.204078, 0.158501, 0.345273, 81.179765, 26.567150, 0.000069, -1.206718, 2.150457),
    ("adjusted", "REML", False): (0.470670, 0.285029, -0.087977, 1.029317, 0.098676, 0.391710, 83.032310, 26.567150, 0.000069, -0.877226, 1.818566),
    ("adjusted", "REML", True): (0.470670, 0.285091, -0.262180, 1.203520, 0.159661, 0.391710, 83.032310, 26.567150, 0.000069, -1.297223, 2.238563),
}
FIELDS = ("estimate", "standard_error", "ci_low", "ci_high", "p_value", "tau2", "i2", "q", "q_p_value", "pi_low",
          "pi_high")


@pytest.mark.parametrize("knha", [False, True])
def test_pooled_sites_match_metafor_to_4_decimals(site_results, knha):
    summaries = list(mscc_summaries(site_results).values())
    _, details = pool.pool_summaries("mscc-separation", summaries, knha=knha)
    for model in ("unadjusted", "adjusted"):
        fits = details[f"log_hazard_ratio_{model}"]["fits"]
        for method in ("DL", "REML"):
            for field, expected in zip(FIELDS, METAFOR_SITES[(model, method, knha)]):
                assert getattr(fits[method], field) == pytest.approx(expected, abs=5e-5), (model, method, field)
    assert details["log_hazard_ratio_adjusted"]["skipped"] == ["Golf", "Hotel"]
    assert details["log_odds_ratio_bilsky_3"]["fits"] == {}  # not in these in-process results: nothing pooled


def test_pool_writes_results_provenance_and_a_report_and_agrees_with_the_one_stage_model(tmp_path, cohort,
                                                                                            site_results, capsys):
    paths = write(tmp_path / "in", mscc_summaries(site_results))
    out = tmp_path / "pooled"
    assert main(["pool", "mscc-separation", *map(str, paths), "--out", str(out), "--knha"]) == 0
    results = pd.read_csv(out / "results.csv")
    provenance = json.loads((out / "provenance.json").read_text())
    report = (out / "report.html").read_text()
    assert provenance["knha"] is True and provenance["sites"] == list(SITES)
    assert report.count("<img") == 2  # one forest plot per pooled quantity (the two hazard ratios)
    one_stage = analysis.one_stage(cohort, covariates=COVARIATES)
    for model in ("unadjusted", "adjusted"):
        reference = one_stage[(one_stage["model"] == model) & one_stage["stratified"]].iloc[0]
        rows = results[results["quantity"] == f"log_hazard_ratio_{model}"].set_index("group")
        for name in ("fixed_effect", "random_effects_REML", "random_effects_DL"):
            assert np.log(reference["ci_low"]) <= rows.loc[name, "estimate"] <= np.log(reference["ci_high"]), (model,
                                                                                                             name)
        assert rows.loc["fixed_effect", "estimate"] == pytest.approx(reference["coef"], abs=0.05)


def test_the_different_site_is_where_the_heterogeneity_comes_from(site_results):
    summaries = mscc_summaries(site_results)
    everyone = pool.pool_summaries("mscc-separation", list(summaries.values()))[1]
    without = pool.pool_summaries("mscc-separation", [s for site, s in summaries.items() if site != DIFFERENT_SITE])[1]
    assert everyone["log_hazard_ratio_adjusted"]["fits"]["REML"].q_p_value < 0.05
    assert without["log_hazard_ratio_adjusted"]["fits"]["REML"].tau2 < everyone["log_hazard_ratio_adjusted"]["fits"][
        "REML"].tau2 / 4


def test_bench_pools_many_summaries(site_results):
    from helpers.book.bench import pool_benchmark_summaries

    summaries = pool_benchmark_summaries(site_results["Alpha"], 12)
    assert len({summary["site"] for summary in summaries}) == 12
    table, details = pool.pool_summaries("mscc-separation", summaries)
    assert details["log_hazard_ratio_adjusted"]["fits"]["REML"].k == 12


# ------------------------------------------------------------------------------------------ the chapter

def test_the_chapter_results_hold_sites_pooled_and_one_stage(cohort):
    from helpers.chapters.multi_site.results import results

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        summaries = analysis.site_summaries(cohort, covariates=COVARIATES)
    table = analysis.site_table(summaries)
    pooled = analysis.pool(table)
    frame = results(sites=table, pooled=pooled, one_stage=analysis.one_stage(cohort, covariates=COVARIATES),
                    n_patients=len(cohort))
    rows = frame.set_index(["quantity", "group"])
    assert rows.loc[("sites", "all"), "estimate"] == len(SITES)
    assert np.isnan(rows.loc[("site_hazard_ratio", "Hotel"), "estimate"])
    assert rows.loc[("site_hazard_ratio", DIFFERENT_SITE), "ci_high"] < 1 < rows.loc[("site_hazard_ratio", "Alpha"),
                                                                                       "ci_low"]
    reml = rows.loc[("prediction_interval", "random_effects_REML")]
    assert reml["ci_low"] < 1 < reml["ci_high"]  # a new hospital may see no harm
    assert rows.loc[("pooled_hazard_ratio", "random_effects_REML_knha"), "ci_high"] > rows.loc[
        ("pooled_hazard_ratio", "random_effects_REML"), "ci_high"]


# R 4.2, survival: coxph(Surv(survival_months, death) ~ I(separated == 0) + strata(site), data = cohort)
# on data/synthetic/multi_site.csv: coef 0.598604, se 0.104705 (ties = "efron")
def test_the_stratified_cox_model_matches_r(cohort):
    row = analysis.one_stage(cohort, covariates=COVARIATES).iloc[0]
    assert row["model"] == "unadjusted" and row["stratified"]
    assert row["coef"] == pytest.approx(0.598604, abs=5e-5)
    assert row["standard_error"] == pytest.approx(0.104705, abs=5e-5)


@pytest.mark.skipif(shutil.which("Rscript") is None, reason="Rscript not installed")
def test_the_stratified_cox_model_matches_live_r(cohort):
    script = ("suppressMessages(library(survival)); d <- read.csv('" + str(ROOT / "data" / "synthetic" / "multi_site.csv")
              + "'); f <- coxph(Surv(survival_months, death) ~ I(separated == 0) + bilsky_grade3 + age + radiotherapy"
              " + strata(site), data = transform(d, bilsky_grade3 = as.integer(bilsky_grade == '3')));"
              " cat(coef(f)[1], sqrt(diag(vcov(f)))[1])")
    coef, se = map(float, subprocess.run(["Rscript", "-e", script], capture_output=True, text=True, timeout=120,
                                         check=True).stdout.split())
    row = analysis.one_stage(cohort, covariates=COVARIATES).iloc[2]
    assert row["model"] == "adjusted" and row["stratified"]
    assert row["coef"] == pytest.approx(coef, abs=5e-5) and row["standard_error"] == pytest.approx(se, abs=5e-5)


def test_the_synthetic_file_is_the_generator_output():
    from helpers.chapters.multi_site.schema import SCHEMA

    stored = pd.read_csv(ROOT / "data" / "synthetic" / "multi_site.csv")
    assert len(stored) == sum(spec[0] for spec in SITES.values())
    SCHEMA.validate(stored)
    assert simulate().equals(simulate())


# ------------------------------------------------------------------------------------------ end to end

@pytest.mark.book
def test_sites_run_end_to_end_and_pool(tmp_path, cohort, site_results):
    """Two hospitals run the mscc-separation chapter with --site on their own files (slow: a notebook each); the
    other hospitals' summaries come in-process from the same helper; all are pooled by the command line."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    paths = []
    for site in ("Alpha", "Bravo"):
        data = tmp_path / f"{site}.csv"
        cohort[cohort["site"] == site].drop(columns="site").to_csv(data, index=False)
        run = tmp_path / f"run-{site}"
        subprocess.run([sys.executable, "-m", "helpers.book.cli", "run", "mscc-separation", "--data", str(data),
                        "--site", site, "--out", str(run), "--suppress-small-cells", "5"], check=True, cwd=ROOT,
                       env=env, capture_output=True, timeout=600)
        summary = json.loads((run / "site-summary.json").read_text())
        assert summary["parameters"] == MSCC_PARAMETERS and summary["small_cell_threshold"] == 5
        in_process = mscc_summaries(site_results)[site]["quantities"]
        for name in ("log_hazard_ratio_unadjusted", "log_hazard_ratio_adjusted"):
            assert summary["quantities"][name]["estimate"] == pytest.approx(in_process[name]["estimate"], abs=1e-6)
        assert summary["quantities"]["log_odds_ratio_bilsky_3"]["standard_error"] > 0
        assert 0 <= summary["diagnostics"]["proportional_hazards_p"] <= 1
        paths.append(run / "site-summary.json")
    others = {site: summary for site, summary in mscc_summaries(site_results).items() if site not in ("Alpha", "Bravo")}
    paths += write(tmp_path / "others", others)
    out = tmp_path / "pooled"
    completed = subprocess.run([sys.executable, "-m", "helpers.book.cli", "pool", "mscc-separation", *map(str, paths),
                                "--out", str(out)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    rows = pd.read_csv(out / "results.csv").set_index(["quantity", "group"])
    one_stage = analysis.one_stage(cohort, covariates=COVARIATES)
    reference = one_stage[(one_stage["model"] == "adjusted") & one_stage["stratified"]].iloc[0]
    pooled = rows.loc[("log_hazard_ratio_adjusted", "random_effects_REML"), "estimate"]
    assert np.log(reference["ci_low"]) <= pooled <= np.log(reference["ci_high"])
    odds = rows.loc["log_odds_ratio_bilsky_3"]
    assert odds.loc["random_effects_REML", "method"].endswith("2 sites; log scale")  # only the two real runs have it


def test_the_forest_plot_shows_sites_weights_diamonds_and_the_prediction_interval():
    import matplotlib.pyplot as plt

    from helpers.presentation.figures.meta_analysis import plot_meta_forest

    sites = pd.DataFrame({"site": ["A", "B"], "estimate": [0.9, -0.8], "ci_low": [0.5, -1.4], "ci_high": [1.3, -0.2],
                          "weight": [60.0, 40.0]})
    figure = plot_meta_forest(sites, [{"label": "Random effects", "estimate": 0.2, "ci_low": -0.5, "ci_high": 0.9,
                                       "pi_low": -1.5, "pi_high": 1.9}], title="t", xlabel="HR", exponentiate=True)
    axis = figure.axes[0]
    assert [label.get_text() for label in axis.get_yticklabels()] == ["A  (60.0%)", "B  (40.0%)", "Random effects",
                                                                       "  prediction interval"]
    assert axis.get_xscale() == "log" and len(axis.patches) == 1  # one diamond
    assert axis.get_xlim()[0] < np.exp(-1.5) and axis.get_xlim()[1] > np.exp(1.9)
    plt.close(figure)


def test_dynamic_mri_declares_its_matched_difference_and_hazard_ratio():
    from scipy import stats

    rows = pd.DataFrame([  # rows as the dynamic-mri chapter writes them (its results.csv on the synthetic data)
        ("matched_pairs", "matched", 104, None, None, None, "1:1 nearest neighbour", 300),
        ("smd_max_after", "compressed_segments", 0.0834, None, None, None, "largest |SMD|", None),
        ("recovery_rate_difference_paired", "dynamic - conventional", 8.926237162, 3.554552978, 14.29792134,
         0.00135208018, "paired t-test on 102 matched pairs", 102),
        ("complication_hazard_ratio", "dynamic / conventional", 0.5474503101, 0.281576872, 1.064369527, 0.0757,
         "Cox", 208)], columns=["quantity", "group", "estimate", "ci_low", "ci_high", "p_value", "method", "n"])
    summary = pool.summary_from_results("dynamic-mri", rows, site="A", parameters={"level": 0.95})
    difference = summary["quantities"]["matched_mean_difference"]
    assert difference["standard_error"] == pytest.approx((14.29792134 - 3.554552978) / (2 * stats.t.ppf(0.975, 101)))
    hazard = summary["quantities"]["log_hazard_ratio_complication"]
    assert hazard["estimate"] == pytest.approx(np.log(0.5474503101))
    assert hazard["standard_error"] == pytest.approx(np.log(1.064369527 / 0.281576872) / (2 * stats.norm.ppf(0.975)))
    assert summary["diagnostics"] == {"largest_abs_smd_after_matching": 0.0834, "largest_abs_smd_before_matching": None,
                                      "matched_pairs": 104}


def test_run_with_site_refuses_a_chapter_without_a_declaration_before_running(tmp_path, capsys):
    assert main(["run", "dti-ivim", "--site", "A", "--out", str(tmp_path / "run")]) == 2
    assert "declares no poolable quantities" in capsys.readouterr().err
    assert main(["run", "mscc-separation", "--site", "../etc", "--out", str(tmp_path / "run")]) == 2
    assert "--site '../etc'" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
