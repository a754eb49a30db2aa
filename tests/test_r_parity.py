"""The helpers against R, value by value, on the reference data sets and on the chapters' default data.

R's values are computed by the scripts in ``tests/r`` (one per method family: pROC, survival, lme4, geepack,
glm, rms, MatchIt's matching rule) and committed as ``tests/r/results/<family>.json``: flat records
``{family, dataset, quantity, r_call, value}`` (``make r-reference`` regenerates them). Every test here
compares the helpers with the committed values, always; ``test_live_r_reproduces_the_committed_values``
reruns the R scripts when ``Rscript`` and the packages are installed and fails if live R differs from the
committed copy (so a wrong copy cannot stand). Without R that test is skipped, unless
``SPINEBOOK_REQUIRE_R=1`` (set by ``.ci/run``), which makes it fail.

Each test compares *every* record of its family and data set (or names the ones it leaves out and why), with
the tolerance stated beside it; a failure lists the quantity, both values and the R call.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

from conftest import R_RESULTS, REPO
from helpers.book import parity
from helpers.book.parity import cox_values, matching_values, named, read_r_results
from helpers.stats import prediction
from helpers.stats.cox import cox_model
from helpers.stats.gee import fit_gaussian_gee
from helpers.stats.matching import match_on_propensity

COMMITTED = read_r_results(R_RESULTS)
R_PACKAGES = ("pROC", "survival", "lme4", "geepack", "rms", "MatchIt", "jsonlite")


# ------------------------------------------------------------------------------------------ comparison
def compare(family: str, dataset: str, computed: dict[str, float], *, rel: float, abs: float = 0.0,
            tolerances: dict[str, tuple[float, float]] | None = None, prefix: str = "",
            not_compared: dict[str, str] | None = None) -> None:
    """Assert that ``computed`` (quantity -> helper value) equals every committed R record of ``family`` and
    ``dataset`` whose quantity starts with ``prefix`` (:func:`helpers.book.parity.compare`)."""
    check = parity.Check(family, dataset, lambda data: computed, rel=rel, abs=abs, tolerances=tolerances or {},
                         prefix=prefix, not_compared=not_compared or {})
    assert_agrees(check, computed)


def assert_agrees(check: parity.Check, computed: dict[str, float]) -> None:
    records = [quantity for (name, quantity) in COMMITTED[check.family]
               if name == check.dataset and quantity.startswith(check.prefix)]
    assert records, f"no R records for {check.name}"
    unknown = set(check.not_compared) - set(records)
    assert not unknown, f"not_compared names unknown records: {unknown}"
    rows = parity.compare(check, computed, COMMITTED)
    failures = rows[~rows["agrees"]]
    assert failures.empty, "\n".join(
        f"{row.quantity}: helper {getattr(row, 'helper_value', None)!r}, R {getattr(row, 'r_value', None)!r} "
        f"{row.problem}; R: {getattr(row, 'r_call', '')}" for row in failures.itertuples())


@pytest.fixture(scope="module")
def data() -> parity.Data:
    return parity.Data(REPO)


@pytest.mark.parametrize("check", parity.CHECKS, ids=lambda check: check.name)
def test_helpers_match_r(data, check):
    # Each check's R calls are in its records (tests/r/results/<family>.json) and its tolerance, with the
    # reason, beside CHECKS in helpers/book/parity.py; the same rows make the book's validation page.
    assert_agrees(check, check.compute(data))


# ------------------------------------------------------------------------------------------------ data





















# ------------------------------------------------------------------------------------------------ pROC


# -------------------------------------------------------------------------------------------- survival
def test_cox_model_converges_as_coxph(data):
    lung, mscc = data.lung, data.mscc
    # R: coxph(..., control = coxph.control(eps = 1e-11)): the optimum of the partial likelihood; the helper's
    # Newton-Raphson converges as far (1e-8 relative).
    compare("survival", "lung", cox_values(cox_model(lung, time="time", event="dead", covariates=["sex", "age"]),
                                           "sex + age"), rel=1e-8, abs=1e-10, prefix="sex + age")
    covariates = ["group", "bilsky_3", "age", "radiotherapy"]
    compare("survival", "mscc-separation",
            cox_values(cox_model(mscc, time="survival_months", event="death", covariates=covariates,
                                 reference={"group": "separated"}), "group + bilsky_3 + age + radiotherapy"),
            rel=1e-8, abs=1e-10, prefix="group + bilsky_3")


# ------------------------------------------------------------------------------------------------ lme4
# --------------------------------------------------------------------------------------------- geepack
def test_gee_denominators_are_geepacks(data):
    sleepstudy = data.sleepstudy
    # R: geeglm(Reaction ~ Days, id = Subject, corstr = "exchangeable"): alpha 0.5760 with N denominators, as
    # helpers.stats.gee.fit_gaussian_gee; statsmodels' GEE by default (ddof_scale = the number of
    # coefficients) gives 0.5710. The model has no group, so it is fitted here with the helper's fitter.
    data = sleepstudy.sort_values(["Subject", "Days"])
    X = np.column_stack([np.ones(len(data)), data["Days"].to_numpy(float)])
    fit = fit_gaussian_gee(data["Reaction"].to_numpy(float), X, data["Subject"].to_numpy())
    label = "Reaction ~ Days"
    terms = ["(Intercept)", "Days"]
    computed = (named(f"{label}: coef", dict(zip(terms, fit.params)))
                | named(f"{label}: robust_se", dict(zip(terms, np.sqrt(np.diag(fit.covariance)))))
                | {f"{label}: alpha": fit.working_correlation, f"{label}: scale": fit.scale})
    compare("geepack", "sleepstudy", computed, rel=1e-8, abs=1e-10, prefix=label + ":")
    structure = sm.cov_struct.Exchangeable()
    smf.gee("Reaction ~ Days", groups="Subject", data=data, cov_struct=structure,
            family=sm.families.Gaussian()).fit()
    default = float(np.ravel(structure.dep_params)[0])
    assert not math.isclose(default, fit.working_correlation, rel_tol=1e-3)  # the default is not geepack's


# ------------------------------------------------------------------------------------------------- glm
# glm is run to epsilon 1e-14 (its default 1e-8 leaves its SEs ~1e-5 from the optimum's); the helpers'
# statsmodels fits stop at their default tolerance: coefficients agree to ~1e-14, SEs to ~4e-9, p-values and
# interval limits to ~5e-7 relative. Tolerance 1e-6 relative, 1e-9 absolute.
GLM_TOLERANCE = dict(rel=1e-6, abs=1e-9)


# ------------------------------------------------------------------------------------------------- rms
class ReplayedResamples:
    """Stands in for the numpy Generator of bootstrap_validation and hands out R's resamples in order."""

    def __init__(self, rows: list[list[int]]):
        self._rows = iter(rows)

    def integers(self, low: int, high: int, size: int) -> np.ndarray:
        rows = np.asarray(next(self._rows))
        assert (low, high, size) == (0, len(rows), len(rows)) and rows.max() < high
        return rows


def test_bootstrap_validation_matches_rms_validate_on_the_same_resamples(data, monkeypatch):
    dti_ivim = data.dti_ivim
    # R (tests/r/rms.R): fit <- lrm(good_recovery ~ fa_x100 + f, x = TRUE, y = TRUE); set.seed(20240601);
    # validate(fit, B = 50); the 50 resamples predab.resample drew are in rms_resamples.json and are replayed
    # here. AUC = Dxy / 2 + 0.5 (exact rank statistics: 1e-10); calibration slope: 1e-6 relative (rms's
    # lrm.fit stops at a change of ~1e-8 in the slope); the calibration-in-the-large intercept (the helper's
    # intercept row) against the same resamples refitted with glm(y ~ 1, offset = lp): 1e-6 (observed 2e-9).
    resamples = json.loads((R_RESULTS / "rms_resamples.json").read_text())
    assert resamples["n"] == len(dti_ivim)
    monkeypatch.setattr(prediction, "as_rng", lambda rng: ReplayedResamples(resamples["rows"]))
    table = prediction.bootstrap_validation(dti_ivim, outcome="good_recovery", predictors=["fa_x100", "f"],
                                            n_boot=resamples["B"], rng=None).set_index("quantity")
    computed = {"auc_apparent": table.loc["auc", "apparent"], "auc_optimism": table.loc["auc", "optimism"],
                "auc_corrected": table.loc["auc", "corrected"],
                "calibration_slope_optimism": table.loc["calibration_slope", "optimism"],
                "calibration_slope_corrected": table.loc["calibration_slope", "corrected"],
                "calibration_in_the_large_optimism": table.loc["calibration_intercept", "optimism"],
                "resamples_used": table.loc["auc", "n_boot"]}
    compare("rms", "dti-ivim", computed, rel=1e-10, abs=1e-12,
            tolerances={"calibration": (1e-6, 1e-9)},
            not_compared={"recalibration_intercept_corrected": "rms::validate's Intercept (slope free) is not "
                                                                "the helper's calibration-in-the-large intercept"})
    assert "not rms::validate's Intercept" in table.loc["calibration_intercept", "method"]


# -------------------------------------------------------------------------------------------- matching
LALONDE_COVARIATES = ["age", "educ", "race", "married", "nodegree", "re74", "re75"]


def r_pairs(label: str) -> dict[str, str]:
    return json.loads((R_RESULTS / "matching_pairs.json").read_text())[label]


# The pairs must be identical; SMDs and means are closed forms of the same matched rows. Tolerance 1e-8
# relative: the propensity scores come from two logistic fits agreeing to ~1e-9 (observed 1.4e-9 in the
# caliper width).
MATCHING_TOLERANCE = dict(rel=1e-8, abs=1e-9)


@pytest.mark.parametrize("caliper, label", [(None, "no caliper"), (0.2, "caliper 0.2 propensity")])
def test_matching_follows_matchits_greedy_rule_on_lalonde(data, caliper, label):
    lalonde = data.lalonde
    # R (tests/r/matching.R): ps <- fitted(glm(treat ~ ..., binomial)); greedy 1:1 rule (largest ps first,
    # nearest available control, within caliper x sd(ps), no replacement) written out in R, because Debian's
    # MatchIt 4.5.1 ignores calipers and does not always take the nearest control (kosukeimai/MatchIt issue
    # 163: 6 of its 185 pairs differ from the rule); balance by MatchIt's own summary() of the rule's pairs.
    # Exact ties in distance (identical controls) follow MatchIt 4.7's find_control_vec, as the helper.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        result = match_on_propensity(lalonde, treatment="treat", covariates=LALONDE_COVARIATES, caliper=caliper,
                                     caliper_scale="propensity")
    assert dict(zip(result.pairs["treated_index"], result.pairs["control_index"])) == r_pairs(f"lalonde, {label}")
    not_compared = {"no caliper: pairs differing from MatchIt 4.5.1's own matchit()":
                    "a fact about MatchIt 4.5.1, not a helper value"} if caliper is None else None
    compare("matching", "lalonde", matching_values(result, label), prefix=f"{label}:" if caliper else "no caliper",
            not_compared=not_compared, **MATCHING_TOLERANCE)


def test_matching_follows_the_greedy_rule_on_the_dynamic_mri_chapter(data):
    # R (tests/r/matching.R): ps <- fitted(glm(dynamic ~ age + sex + bmi + duration_months + mjoa_pre +
    # compressed_segments, binomial)); the greedy rule on qlogis(ps) with caliper 0.2 x sd(qlogis(ps)) (the
    # chapter's default, Austin's caliper); balance by MatchIt's summary() of the rule's pairs.
    cohort = data.dynamic
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        result = match_on_propensity(cohort, treatment="dynamic", covariates=list(parity.MATCHING_COVARIATES),
                                     caliper=0.2, caliper_scale="logit")
    ids = cohort["patient_id"]
    pairs = dict(zip(ids.loc[result.pairs["treated_index"]], ids.loc[result.pairs["control_index"]]))
    assert pairs == r_pairs("dynamic-mri, caliper 0.2 logit")
    compare("matching", "dynamic-mri", matching_values(result, "caliper 0.2 logit"), **MATCHING_TOLERANCE)


# ------------------------------------------------------------------------------------------------ live R
def r_status() -> str | None:
    """None when Rscript and every package the scripts load are installed, else the reason they cannot run."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        return "Rscript not found"
    check = "for (p in c({})) if (!requireNamespace(p, quietly = TRUE)) cat(p, '')".format(
        ", ".join(f"'{p}'" for p in R_PACKAGES))
    finished = subprocess.run([rscript, "-e", check], capture_output=True, text=True, timeout=300)
    if finished.returncode != 0 or finished.stdout.strip():
        return f"R packages missing: {finished.stdout.strip() or finished.stderr.strip()[-500:]}"
    return None


@pytest.fixture(scope="module")
def live_results(tmp_path_factory) -> Path:
    reason = r_status()
    if reason is not None:
        message = (f"live R parity not run: {reason} (install R and the packages {', '.join(R_PACKAGES)}, e.g. "
                   "Debian's r-base-core r-cran-proc r-cran-survival r-cran-lme4 r-cran-geepack r-cran-rms "
                   "r-cran-matchit r-cran-jsonlite); the helpers were still compared with the committed R values")
        if os.environ.get("SPINEBOOK_REQUIRE_R") == "1":
            pytest.fail(f"SPINEBOOK_REQUIRE_R=1 but {message}")
        pytest.skip(message)
    folder = tmp_path_factory.mktemp("r-results")
    finished = subprocess.run(["Rscript", str(REPO / "tests" / "r" / "run_all.R"), str(folder)], cwd=REPO,
                              capture_output=True, text=True, timeout=1200)
    assert finished.returncode == 0, f"the R scripts failed:\n{finished.stdout[-3000:]}\n{finished.stderr[-3000:]}"
    return folder


def test_live_r_reproduces_the_committed_values(live_results):
    # Every committed file must come out of live R with the same records, R calls and values (1e-10
    # relative, 1e-12 absolute; the JSON keeps 15 significant digits), and the auxiliary files (resamples,
    # pairs) identical.
    committed_files = sorted(path.name for path in R_RESULTS.glob("*.json"))
    assert sorted(path.name for path in live_results.glob("*.json")) == committed_files
    live = read_r_results(live_results)
    assert set(live) == set(COMMITTED)
    differences = []
    for family, records in COMMITTED.items():
        assert list(live[family]) == list(records), f"{family}: the records differ in name or order"
        for key, record in records.items():
            fresh = live[family][key]
            assert fresh["r_call"] == record["r_call"], (family, key)
            if (record["value"] is None) != (fresh["value"] is None) or (
                    record["value"] is not None
                    and not math.isclose(fresh["value"], record["value"], rel_tol=1e-10, abs_tol=1e-12)):
                differences.append(f"{family} / {key}: committed {record['value']!r}, live R {fresh['value']!r}")
    assert not differences, "committed R values differ from live R (run make r-reference):\n" + "\n".join(differences)
    for name in committed_files:
        if name.removesuffix(".json") not in COMMITTED:
            assert json.loads((live_results / name).read_text()) == json.loads((R_RESULTS / name).read_text()), name


def test_every_record_names_its_r_call():
    for family, records in COMMITTED.items():
        for (dataset, quantity), record in records.items():
            assert set(record) == {"family", "dataset", "quantity", "r_call", "value"}, record
            assert record["r_call"] and dataset and quantity
            assert record["value"] is None or isinstance(record["value"], (int, float))


# ------------------------------------------------------------------------------------- validation page
def test_the_validation_page_lists_every_comparison_and_a_wrong_helper_fails_the_build(tmp_path, monkeypatch):
    from helpers.book import build
    from helpers.stats import roc

    page = tmp_path / "validation.md"
    build._write_validation_page(REPO, page, echo=lambda message: None)
    text = page.read_text()
    records = sum(len(records) for records in COMMITTED.values())
    assert "How we know the numbers are right" in text and "parity-fail" not in text
    assert text.count("<tr><td>") >= 0.9 * records  # every compared record is a row (rms replay and a few left out)
    # Break one helper constant (the DeLong variance, by 1 %): its rows turn red and the build fails.
    real = roc.delong_auc

    def wrong(*args, **kwargs):
        result = real(*args, **kwargs)
        return type(result)(**{**result.__dict__, "covariance": result.covariance * 1.01})

    monkeypatch.setattr(roc, "delong_auc", wrong)
    with pytest.raises(build.ChapterFailure, match="disagree with R"):
        build._write_validation_page(REPO, page, echo=lambda message: None)
    assert 'class="parity-fail"' in page.read_text() and "auc_variance" in page.read_text()
