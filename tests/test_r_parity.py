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
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

from conftest import R_RESULTS, REFERENCE_DATA, REPO, read_r_results
from helpers.chapters import registry
from helpers.chapters.dti_ivim.simulate import GOOD_RECOVERY_CUTOFF
from helpers.chapters.dynamic_mri.published import MATCHING_COVARIATES
from helpers.chapters.mscc_separation.analysis import add_analysis_columns
from helpers.chapters.paraspinal_imf import analysis as paraspinal_imf
from helpers.stats import prediction
from helpers.stats.cox import cox_model
from helpers.stats.gee import gee_sensitivity
from helpers.stats.logistic import logistic_regression
from helpers.stats.longitudinal import fit_trajectory_models
from helpers.stats.matching import estimate_propensity, match_on_propensity
from helpers.stats.mixed_models import fit_mixed_model
from helpers.stats.outcomes import recovery_rate
from helpers.stats.roc import compare_auc, roc_auc, youden_threshold
from helpers.stats.survival import kaplan_meier, landmark_cohort, logrank, rmst_difference

COMMITTED = read_r_results(R_RESULTS)
R_PACKAGES = ("pROC", "survival", "lme4", "geepack", "rms", "MatchIt", "jsonlite")


# ------------------------------------------------------------------------------------------ comparison
def r_term(term: str) -> str:
    """A helper's (patsy) term name as R labels it: 'Intercept' -> '(Intercept)', 'sex[T.male]' -> 'sexmale',
    'visit_month[T.3.0]:group[T.b]' -> 'visit_month3:groupb'."""
    if term == "Intercept":
        return "(Intercept)"
    parts = []
    for part in term.split(":"):
        match = re.fullmatch(r"(.+)\[T\.(.+)\]", part)
        if match:
            level = match.group(2)
            parts.append(match.group(1) + (level[:-2] if re.fullmatch(r"-?\d+\.0", level) else level))
        else:
            parts.append(part)
    return ":".join(parts)


def compare(family: str, dataset: str, computed: dict[str, float], *, rel: float, abs: float = 0.0,
            tolerances: dict[str, tuple[float, float]] | None = None, prefix: str = "",
            not_compared: dict[str, str] | None = None) -> None:
    """Assert that ``computed`` (quantity -> helper value) equals every committed R record of ``family`` and
    ``dataset`` whose quantity starts with ``prefix``, within ``rel``/``abs`` (``tolerances``: a quantity
    containing the key gets that (rel, abs) instead). ``not_compared``: quantity -> reason it is left out."""
    records = {quantity: record for (name, quantity), record in COMMITTED[family].items()
               if name == dataset and quantity.startswith(prefix)}
    assert records, f"no R records for {family} / {dataset} / {prefix!r}"
    left_out = set(not_compared or {})
    assert not left_out - set(records), f"not_compared names unknown records: {left_out - set(records)}"
    assert set(computed) <= set(records), f"no R value for {sorted(set(computed) - set(records))}"
    missing = set(records) - set(computed) - left_out
    assert not missing, f"R records of {family} / {dataset} not compared with the helpers: {sorted(missing)}"
    failures = []
    for quantity, value in computed.items():
        record = records[quantity]
        expected = math.nan if record["value"] is None else record["value"]
        relative, absolute = next((tolerance for key, tolerance in (tolerances or {}).items() if key in quantity),
                                  (rel, abs))
        if math.isnan(expected) or math.isnan(value):
            agrees = math.isnan(expected) and math.isnan(value)
        else:
            agrees = math.isclose(value, expected, rel_tol=relative, abs_tol=absolute)
        if not agrees:
            failures.append(f"{quantity}: helper {value!r}, R {expected!r} (rel {relative:g}, abs {absolute:g}); "
                            f"R: {record['r_call']}")
    assert not failures, "\n".join(failures)


def named(prefix: str, values: dict) -> dict[str, float]:
    """{'s100b': 0.73} with prefix 'auc' -> {'auc[s100b]': 0.73}."""
    return {f"{prefix}[{key}]": float(value) for key, value in values.items()}


# ------------------------------------------------------------------------------------------------ data
@pytest.fixture(scope="module")
def asah() -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DATA / "aSAH.csv")


@pytest.fixture(scope="module")
def lung() -> pd.DataFrame:
    frame = pd.read_csv(REFERENCE_DATA / "lung.csv")
    return frame.assign(dead=frame["status"].eq(2).astype(int))


@pytest.fixture(scope="module")
def sleepstudy() -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DATA / "sleepstudy.csv")


@pytest.fixture(scope="module")
def lalonde() -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DATA / "lalonde.csv", index_col="id")


@pytest.fixture(scope="module")
def dti_ivim() -> pd.DataFrame:
    """The dti-ivim chapter's cohort: recovery rate, good recovery (>= 50 %), FA per 0.01 (as the notebook)."""
    data = registry.load_data("dti-ivim")
    rate = recovery_rate(data["mjoa_pre"], data["mjoa_post"])
    return data.assign(recovery_rate=rate, good_recovery=(rate >= GOOD_RECOVERY_CUTOFF).astype(int),
                       fa_x100=100 * data["fa"])[rate.notna()]


@pytest.fixture(scope="module")
def mscc() -> pd.DataFrame:
    """The mscc-separation chapter's survival cohort (landmark 0.7 months, the chapter's default)."""
    data = add_analysis_columns(registry.load_data("mscc-separation"))
    return landmark_cohort(data, time="survival_months", event="death", landmark=0.7).data


@pytest.fixture(scope="module")
def paraspinal() -> pd.DataFrame:
    return paraspinal_imf.prepare_cohort(registry.load_data("paraspinal-imf"))


# ------------------------------------------------------------------------------------------------ pROC
POOR = dict(outcome="outcome", positive="Poor")  # roc(aSAH$outcome, x, levels = c("Good", "Poor"))
DTI_DIRECTIONS = {"fa": "<", "adc": ">", "d": ">", "d_star": "<", "f": "<"}  # the chapter's stated directions


def auc_values(row: pd.Series, name: str) -> dict[str, float]:
    return {f"auc[{name}]": row["estimate"], f"auc_variance[{name}]": row["variance"],
            f"auc_ci_low[{name}]": row["ci_low"], f"auc_ci_high[{name}]": row["ci_high"]}


def youden_values(row: pd.Series, name: str) -> dict[str, float]:
    return {f"youden_threshold[{name}]": row["threshold"], f"youden_specificity[{name}]": row["specificity"],
            f"youden_sensitivity[{name}]": row["sensitivity"]}


def delong_values(row: pd.Series, label: str) -> dict[str, float]:
    return {f"delong_z[{label}]": row["statistic"], f"delong_p[{label}]": row["p_value"],
            f"delong_difference[{label}]": row["estimate"], f"delong_ci_low[{label}]": row["ci_low"],
            f"delong_ci_high[{label}]": row["ci_high"]}


def test_roc_matches_proc_on_asah(asah):
    # R (tests/r/proc.R): roc(aSAH$outcome, x, levels = c("Good", "Poor"), direction = "<"); auc, var (DeLong),
    # ci.auc(method = "delong"); coords(r, "best", best.method = "youden"); roc.test(r1, r2, method = "delong").
    # Tolerance 1e-10 relative (1e-12 absolute): the same closed forms (Mann-Whitney AUC, DeLong's structural
    # components, normal quantiles), so agreement is to rounding (observed: about 1e-14).
    computed = {}
    for name in ("s100b", "ndka", "wfns"):
        computed |= auc_values(roc_auc(asah, predictor=name, direction="<", **POOR).iloc[0], name)
    for name in ("s100b", "ndka"):
        computed |= youden_values(youden_threshold(asah, predictor=name, **POOR).iloc[0], name)
    for first, second in (("ndka", "s100b"), ("wfns", "s100b"), ("wfns", "ndka")):
        computed |= delong_values(compare_auc(asah, predictors=(first, second), **POOR).iloc[0], f"{first}-{second}")
    compare("proc", "aSAH", computed, rel=1e-10, abs=1e-12)


def test_roc_matches_proc_on_the_dti_ivim_chapter(dti_ivim):
    # R (tests/r/proc.R): roc(good_recovery, x, levels = c(0, 1), direction = <the chapter's direction>) for the
    # five metrics and for fitted(glm(good_recovery ~ fa_x100 + f, binomial)); roc.test(fa, f) and
    # roc.test(model, fa_x100), paired DeLong. Tolerance 1e-10 relative (1e-12 absolute): closed forms of
    # the ranks (the model's scores come from a logistic fit, but only their order enters); observed
    # agreement about 1e-14.
    computed = {}
    for name, direction in DTI_DIRECTIONS.items():
        computed |= auc_values(roc_auc(dti_ivim, outcome="good_recovery", predictor=name, direction=direction).iloc[0],
                               name)
        computed |= youden_values(youden_threshold(dti_ivim, outcome="good_recovery", predictor=name,
                                                   direction=direction).iloc[0], name)
    model = logistic_regression(dti_ivim, outcome="good_recovery", predictors=["fa_x100", "f"])
    computed |= auc_values(roc_auc(dti_ivim, outcome="good_recovery", predictor=model).iloc[0], "fa+f")
    computed |= delong_values(compare_auc(dti_ivim, outcome="good_recovery", predictors=("fa", "f")).iloc[0], "fa-f")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*Demler.*")  # nested models: the helper warns, as it should
        nested = compare_auc(dti_ivim, outcome="good_recovery", predictors=(model, "fa_x100")).iloc[0]
    computed |= delong_values(nested, "fa+f-fa")
    compare("proc", "dti-ivim", computed, rel=1e-10, abs=1e-12)


# -------------------------------------------------------------------------------------------- survival
def median_values(fit, labels: dict, suffix: str) -> dict[str, float]:
    medians = fit.medians.set_index("group")
    values = {}
    for group, label in labels.items():
        values[f"median{suffix}[{label}]"] = medians.loc[group, "estimate"]
        values[f"median_ci_low{suffix}[{label}]"] = medians.loc[group, "ci_low"]
        values[f"median_ci_high{suffix}[{label}]"] = medians.loc[group, "ci_high"]
    return values


def cox_values(fit, model: str) -> dict[str, float]:
    table = fit.table.assign(r_name=fit.table["term"].map(r_term)).set_index("r_name")
    values = {f"{model}: lr_statistic": fit.likelihood_ratio, f"{model}: concordance": fit.concordance}
    for column, name in (("coef", "coef"), ("standard_error", "se"), ("p_value", "p"), ("ci_low", "hr_ci_low"),
                         ("ci_high", "hr_ci_high")):
        values |= named(f"{model}: {name}", table[column].to_dict())
    return values


def survival_values(data: pd.DataFrame, *, time: str, event: str, group: str, labels: dict, tau: float,
                    models: dict[str, list[str]], reference: dict | None = None) -> dict[str, float]:
    computed = {}
    for conf_type, suffix in (("log", ""), ("log-log", "_loglog")):
        computed |= median_values(kaplan_meier(data, time=time, event=event, group=group, conf_type=conf_type),
                                  labels, suffix)
    test = logrank(data, time=time, event=event, group=group)
    computed |= {"logrank_chisq": test.test["statistic"].iloc[0], "logrank_p": test.test["p_value"].iloc[0]}
    computed |= named("logrank_expected", dict(zip(test.groups["group"].map(labels), test.groups["expected"])))
    rmst = rmst_difference(data, time=time, event=event, group=group, tau=tau).groups
    tag = f"{tau:g}"
    computed |= named(f"rmst_tau{tag}", dict(zip(rmst["group"].map(labels), rmst["rmst"])))
    computed |= named(f"rmst_se_tau{tag}", dict(zip(rmst["group"].map(labels), rmst["standard_error"])))
    for model, covariates in models.items():
        computed |= cox_values(cox_model(data, time=time, event=event, covariates=covariates,
                                         reference=reference), model)
    return computed


# lifelines' Newton-Raphson stops early (see the xfail below): coefficients within 5e-5 relative of coxph's
# optimum, Wald p-values within 2e-4 relative; 5e-4 relative holds every Cox quantity.
COX_TOLERANCE = (5e-4, 1e-9)


def test_survival_matches_r_on_lung(lung):
    # R (tests/r/survival.R): quantile(survfit(Surv(time, status) ~ sex, conf.type = "log" / "log-log"), 0.5);
    # survdiff(Surv(time, status) ~ sex); summary(survfit(...), rmean = 365); coxph(Surv(time, status) ~ sex)
    # and ~ sex + age (Efron ties): coef, se, Wald p, HR CI, LR test, concordance.
    # Tolerance: medians and their limits are observed times (exact, 1e-12); the log-rank, RMST and its SE
    # are closed forms (1e-10); the Cox models COX_TOLERANCE (see test_cox_model_converges_as_coxph).
    computed = survival_values(lung, time="time", event="dead", group="sex", labels={1: "1", 2: "2"}, tau=365,
                               models={"sex": ["sex"], "sex + age": ["sex", "age"]})
    compare("survival", "lung", computed, rel=1e-10, abs=1e-12, tolerances={"sex": COX_TOLERANCE})


def test_survival_matches_r_on_the_mscc_separation_chapter(mscc):
    # R (tests/r/survival.R): the same calls on the chapter's landmark cohort, group separated / non_separated
    # (reference: separated), RMST to 12 months, Cox ~ group and ~ group + bilsky_3 + age + radiotherapy.
    # Tolerances as for lung.
    labels = {"separated": "separated", "non_separated": "non_separated"}
    computed = survival_values(mscc, time="survival_months", event="death", group="group", labels=labels, tau=12,
                               models={"group": ["group"],
                                       "group + bilsky_3 + age + radiotherapy": ["group", "bilsky_3", "age",
                                                                                 "radiotherapy"]},
                               reference={"group": "separated"})
    compare("survival", "mscc-separation", computed, rel=1e-10, abs=1e-12, tolerances={"group": COX_TOLERANCE})


@pytest.mark.xfail(strict=True, reason="cox_model fits with lifelines' default stopping rule (precision 1e-7): "
                   "coefficients 3e-6 to 5e-5 relative from coxph's optimum; lifelines' fit_options="
                   "{'precision': 1e-12} reaches it to 1e-9 (a one-line change in helpers/stats/cox.py)")
def test_cox_model_converges_as_coxph(lung, mscc):
    # R: coxph(..., control = coxph.control(eps = 1e-11)): the optimum of the partial likelihood. Once the
    # helper converges as far, COX_TOLERANCE can drop to 1e-8 and this xfail must go (strict).
    compare("survival", "lung", cox_values(cox_model(lung, time="time", event="dead", covariates=["sex", "age"]),
                                           "sex + age"), rel=1e-8, abs=1e-10, prefix="sex + age")
    covariates = ["group", "bilsky_3", "age", "radiotherapy"]
    compare("survival", "mscc-separation",
            cox_values(cox_model(mscc, time="survival_months", event="death", covariates=covariates,
                                 reference={"group": "separated"}), "group + bilsky_3 + age + radiotherapy"),
            rel=1e-8, abs=1e-10, prefix="group + bilsky_3")


def test_median_of_a_curve_ending_flat_at_one_half_follows_quantile_survfit():
    # R: fit <- survfit(Surv(c(23, 6, 1, 8, 5, 7, 3), c(0, 1, 0, 0, 1, 0, 1)) ~ 1); quantile(fit, 0.5)
    #    -> 14.5 (lower 5, upper NA). The curve is exactly 0.5 from 6 to 23 (print(fit) shows 6, by another
    #    rule). Exact: the median is an observed time or the midpoint of two.
    data = pd.DataFrame({"time": [23, 6, 1, 8, 5, 7, 3], "status": [0, 1, 0, 0, 1, 0, 1]})
    medians = kaplan_meier(data, time="time", event="status").medians.iloc[0]
    assert kaplan_meier(data, time="time", event="status").table["survival"].iloc[-1] == 0.5  # exactly, as R
    compare("survival", "flat-at-half", {"median": medians["estimate"], "median_ci_low": medians["ci_low"],
                                         "median_ci_high": medians["ci_high"]}, rel=0, abs=1e-12)


# ------------------------------------------------------------------------------------------------ lme4
def mixed_values(fit, label: str) -> dict[str, float]:
    """lme4's quantities from a helper fit: fixef, SEs, SDs, correlation, REMLcrit, logLik and theta (the
    Cholesky factor of the random-effect covariance over the residual variance, lme4's column order)."""
    fixed = fit.fixed_effects.assign(r_name=fit.fixed_effects["term"].map(r_term)).set_index("r_name")
    random = fit.random_effects.set_index("term")
    values = named(f"{label}: fixef", fixed["estimate"].to_dict()) | named(f"{label}: se",
                                                                           fixed["standard_error"].to_dict())
    values |= named(f"{label}: sd", {**random["sd"].to_dict(), "Residual": fit.residual_sd})
    terms = list(random.index)
    correlation = fit.random_correlation.loc[terms, terms].to_numpy() if len(terms) > 1 else np.ones((1, 1))
    for i, first in enumerate(terms):
        for second in terms[i + 1:]:
            values[f"{label}: correlation[{first}:{second}]"] = fit.random_correlation.loc[first, second]
    covariance = correlation * np.outer(random["sd"], random["sd"])
    factor = np.linalg.cholesky(covariance / fit.residual_sd ** 2)
    theta = np.concatenate([factor[j:, j] for j in range(len(terms))])  # column by column, as lme4
    values |= {f"{label}: theta[theta{k + 1}]": value for k, value in enumerate(theta)}
    if fit.reml:
        values[f"{label}: REMLcrit"] = fit.reml_criterion
    values[f"{label}: logLik"] = fit.log_likelihood
    return values


def test_mixed_models_match_lme4_on_sleepstudy(sleepstudy):
    # R (tests/r/lme4.R): lmer(Reaction ~ Days + (Days | Subject)) and (1 | Subject), REML and ML: fixef,
    # sqrt(diag(vcov)), VarCorr SDs and correlation, REMLcrit, logLik, getME(fit, "theta").
    # lme4 is run to full convergence (tight nloptwrap tolerances, see tests/r/common.R); the helper stops at
    # lme4's gradient criterion. Tolerance: REMLcrit and logLik 1e-8 relative (observed 1e-14: the optimum
    # is flat); fixed effects 1e-6 (observed 1e-13); variance parameters, correlation, theta and SEs 1e-5
    # (observed up to 8e-7 for the random-slope correlation).
    computed = {}
    for label, re_formula, reml in (("(Days | Subject) REML", "~Days", True), ("(Days | Subject) ML", "~Days", False),
                                    ("(1 | Subject) REML", None, True), ("(1 | Subject) ML", None, False)):
        fit = fit_mixed_model(sleepstudy, formula="Reaction ~ Days", group="Subject", re_formula=re_formula, reml=reml)
        computed |= mixed_values(fit, label)
    compare("lme4", "sleepstudy", computed, rel=1e-5, abs=1e-8,
            tolerances={"REMLcrit": (1e-8, 0), "logLik": (1e-8, 0), "fixef": (1e-6, 1e-8)})


@pytest.mark.parametrize("outcome", ["disability", "leg_pain", "back_pain"])
def test_mixed_models_match_lme4_on_the_paraspinal_imf_chapter(paraspinal, outcome):
    # R (tests/r/lme4.R): lmer(outcome ~ factor(visit_month) * group_multifidus_right + age + sex + bmi +
    # (1 | patient_id)) (REML; reference group severe), the chapter's model for its headline muscle; the joint
    # Wald test of the visit x group terms from lme4's vcov. Tolerances as for sleepstudy.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*(singular|mixed model).*")
        fit = fit_trajectory_models(paraspinal, outcome=outcome, exposure="group_multifidus_right",
                                    visit="visit_month", subject="patient_id", confounders=["age", "sex", "bmi"],
                                    exposure_reference="severe", random_slope="never")
    label = f"{outcome} REML"
    computed = mixed_values(fit.model, label)
    computed |= {f"{label}: interaction_wald_chisq": fit.interaction_test["statistic"].iloc[0],
                 f"{label}: interaction_wald_p": fit.interaction_test["p_value"].iloc[0]}
    compare("lme4", "paraspinal-imf", computed, rel=1e-5, abs=1e-8, prefix=label,
            tolerances={"REMLcrit": (1e-8, 0), "logLik": (1e-8, 0), "fixef": (1e-6, 1e-8)})


def test_singular_random_slope_model_reaches_lme4s_criterion(paraspinal):
    # R: lmer(disability ~ factor(visit_month) * group_multifidus_right + age + sex + bmi + (visit_years |
    # patient_id)); REMLcrit(fit): a singular fit (the reason the chapter drops the slope). At a boundary the
    # parameters are poorly determined, so only the criterion is compared: within 1e-6 relative.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*(singular|mixed model).*")
        fit = fit_trajectory_models(paraspinal, outcome="disability", exposure="group_multifidus_right",
                                    visit="visit_month", subject="patient_id", confounders=["age", "sex", "bmi"],
                                    exposure_reference="severe", random_slope="try")
    assert fit.slope_model is not None and fit.slope_model.singular
    compare("lme4", "paraspinal-imf", {"disability, random slope REML: REMLcrit": fit.slope_model.reml_criterion},
            rel=1e-6, prefix="disability, random slope")


# --------------------------------------------------------------------------------------------- geepack
def gee_values(result, label: str) -> dict[str, float]:
    table = result.coefficients.assign(r_name=result.coefficients["term"].map(r_term)).set_index("r_name")
    return (named(f"{label}: coef", table["estimate"].to_dict())
            | named(f"{label}: robust_se", table["standard_error"].to_dict())
            | {f"{label}: alpha": result.working_correlation, f"{label}: scale": result.fit.scale})


def test_gee_matches_geepack_on_sleepstudy(sleepstudy):
    # R (tests/r/geepack.R): geeglm(Reaction ~ factor(Days) * half, id = Subject, corstr = "exchangeable")
    # with half = first nine subjects vs the other nine (gee_sensitivity's visit x group model form).
    # Tolerance 1e-8 relative: both solve the same estimating equations (geepack run to epsilon 1e-12) with
    # the same moment estimators of the scale and the working correlation (N denominators); observed 1e-13.
    data = sleepstudy.assign(half=np.where(sleepstudy["Subject"] <= 335, "first", "second"))
    result = gee_sensitivity(data, outcome="Reaction", exposure="half", visit="Days", subject="Subject",
                             exposure_reference="first")
    label = "Reaction ~ factor(Days) * half"
    compare("geepack", "sleepstudy", gee_values(result, label), rel=1e-8, abs=1e-10, prefix=label)


def test_gee_denominators_are_geepacks(sleepstudy):
    # R: geeglm(Reaction ~ Days, id = Subject, corstr = "exchangeable"): alpha 0.5760 with N denominators.
    # gee_sensitivity fits statsmodels GEE with ddof_scale=0 for this reason; statsmodels' default (N - p)
    # gives 0.5710. The model has no group, so it is fitted here with the helper's settings.
    data = sleepstudy.sort_values(["Subject", "Days"])
    fits = {}
    for ddof in (0, None):
        structure = sm.cov_struct.Exchangeable()
        result = smf.gee("Reaction ~ Days", groups="Subject", data=data, cov_struct=structure,
                         family=sm.families.Gaussian()).fit(ddof_scale=ddof)
        fits[ddof] = (result, float(np.ravel(structure.dep_params)[0]))
    result, alpha = fits[0]
    label = "Reaction ~ Days"
    computed = (named(f"{label}: coef", {r_term(k): v for k, v in result.params.items()})
                | named(f"{label}: robust_se", {r_term(k): v for k, v in result.bse.items()})
                | {f"{label}: alpha": alpha, f"{label}: scale": result.scale})
    compare("geepack", "sleepstudy", computed, rel=1e-8, abs=1e-10, prefix=label + ":")
    assert not math.isclose(fits[None][1], alpha, rel_tol=1e-3)  # the default convention is not geepack's


def test_gee_matches_geepack_on_the_paraspinal_imf_chapter(paraspinal):
    # R (tests/r/geepack.R): geeglm(disability ~ factor(visit_month) * group_multifidus_right + age + sex + bmi,
    # id = patient_id, corstr = "exchangeable"): the chapter's GEE sensitivity analysis; robust Wald test of
    # the visit x group terms from vcov(fit). Tolerance 1e-8 relative, as for sleepstudy (observed 2e-12).
    result = gee_sensitivity(paraspinal, outcome="disability", exposure="group_multifidus_right", visit="visit_month",
                             subject="patient_id", confounders=["age", "sex", "bmi"], exposure_reference="severe")
    label = "disability ~ visit_month * group_multifidus_right + age + sex + bmi"
    computed = gee_values(result, label) | {
        f"{label}: interaction_wald_chisq": result.interaction_test["statistic"].iloc[0],
        f"{label}: interaction_wald_p": result.interaction_test["p_value"].iloc[0]}
    compare("geepack", "paraspinal-imf", computed, rel=1e-8, abs=1e-10)
    assert "geepack" in result.method


# ------------------------------------------------------------------------------------------------- glm
def logistic_values(data: pd.DataFrame, label: str, *, outcome: str, predictors: list[str]) -> dict[str, float]:
    fit = logistic_regression(data, outcome=outcome, predictors=predictors)
    table = fit.table.assign(r_name=fit.table["term"].map(r_term)).set_index("r_name")
    return (named(f"{label}: coef", table["coef"].to_dict()) | named(f"{label}: se", table["standard_error"].to_dict())
            | named(f"{label}: p", table["p_value"].to_dict())
            | named(f"{label}: or_ci_low", table["ci_low"].to_dict())
            | named(f"{label}: or_ci_high", table["ci_high"].to_dict())
            | {f"{label}: logLik": fit.log_likelihood})


def predicted_values(probabilities: pd.Series, label: str, rows: list[int]) -> dict[str, float]:
    """R's predict(fit, type = "response")[rows] (1-based positions)."""
    return {f"{label}: predicted[{row}]": float(probabilities.iloc[row - 1]) for row in rows}


# glm is run to epsilon 1e-14 (its default 1e-8 leaves its SEs ~1e-5 from the optimum's); the helpers'
# statsmodels fits stop at their default tolerance: coefficients agree to ~1e-14, SEs to ~4e-9, p-values and
# interval limits to ~5e-7 relative. Tolerance 1e-6 relative, 1e-9 absolute.
GLM_TOLERANCE = dict(rel=1e-6, abs=1e-9)


def test_logistic_regression_matches_glm_on_lalonde(lalonde):
    # R (tests/r/glm.R): glm(treat ~ age + educ + race + married + nodegree + re74 + re75, binomial, lalonde):
    # coef, SE, Wald p, exp(confint.default), logLik, predict(type = "response"); the propensity model of
    # MatchIt's distance = "glm", so the predictions are compared with estimate_propensity.
    covariates = ["age", "educ", "race", "married", "nodegree", "re74", "re75"]
    label = "treat ~ age + educ + race + married + nodegree + re74 + re75"
    computed = logistic_values(lalonde, label, outcome="treat", predictors=covariates)
    scores = estimate_propensity(lalonde, treatment="treat", covariates=covariates)["propensity"]
    computed |= predicted_values(scores, label, [1, 2, 186, 300, 614])
    compare("glm", "lalonde", computed, **GLM_TOLERANCE)


def test_logistic_regression_matches_glm_on_asah(asah):
    # R (tests/r/glm.R): glm(outcome == "Poor" ~ age + s100b + ndka, binomial, aSAH). Tolerance as above.
    data = asah.assign(poor=asah["outcome"].eq("Poor").astype(int))
    label = "poor ~ age + s100b + ndka"
    computed = logistic_values(data, label, outcome="poor", predictors=["age", "s100b", "ndka"])
    model = logistic_regression(data, outcome="poor", predictors=["age", "s100b", "ndka"])
    computed |= predicted_values(model.predicted_probability, label, [1, 2, 50, 113])
    compare("glm", "aSAH", computed, **GLM_TOLERANCE)


def test_logistic_regression_matches_glm_on_the_chapters(dti_ivim, mscc):
    # R (tests/r/glm.R): glm(good_recovery ~ fa_x100 + f, binomial) on dti-ivim (the chapter's combined model)
    # and glm(separated ~ bilsky_3 + sins + age, binomial) on mscc-separation. Tolerance as above.
    label = "good_recovery ~ fa_x100 + f"
    computed = logistic_values(dti_ivim, label, outcome="good_recovery", predictors=["fa_x100", "f"])
    model = logistic_regression(dti_ivim, outcome="good_recovery", predictors=["fa_x100", "f"])
    computed |= predicted_values(model.predicted_probability, label, [1, 2, 3, 50, len(dti_ivim)])
    compare("glm", "dti-ivim", computed, **GLM_TOLERANCE)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*events per (variable|parameter).*")
        computed = logistic_values(mscc, "separated ~ bilsky_3 + sins + age", outcome="separated",
                                   predictors=["bilsky_3", "sins", "age"])
    compare("glm", "mscc-separation", computed, **GLM_TOLERANCE)


# ------------------------------------------------------------------------------------------------- rms
class ReplayedResamples:
    """Stands in for the numpy Generator of bootstrap_validation and hands out R's resamples in order."""

    def __init__(self, rows: list[list[int]]):
        self._rows = iter(rows)

    def integers(self, low: int, high: int, size: int) -> np.ndarray:
        rows = np.asarray(next(self._rows))
        assert (low, high, size) == (0, len(rows), len(rows)) and rows.max() < high
        return rows


def test_bootstrap_validation_matches_rms_validate_on_the_same_resamples(dti_ivim, monkeypatch):
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


def matching_values(result, label: str) -> dict[str, float]:
    balance = result.balance.set_index("covariate")
    return ({f"{label}: n_pairs": result.n_pairs,
             f"{label}: caliper_width": math.nan if result.caliper_width is None else result.caliper_width}
            | named(f"{label}: smd_before", balance["smd_before"].to_dict())
            | named(f"{label}: smd_after", balance["smd_after"].to_dict())
            | named(f"{label}: mean_control_before", balance["mean_control_before"].to_dict())
            | named(f"{label}: mean_treated_after", balance["mean_treated_after"].to_dict())
            | named(f"{label}: mean_control_after", balance["mean_control_after"].to_dict())
            | named(f"{label}: variance_ratio_before", balance["variance_ratio_before"].to_dict())
            | named(f"{label}: variance_ratio_after", balance["variance_ratio_after"].to_dict()))


def r_pairs(label: str) -> dict[str, str]:
    return json.loads((R_RESULTS / "matching_pairs.json").read_text())[label]


# The pairs must be identical; SMDs and means are closed forms of the same matched rows. Tolerance 1e-8
# relative: the propensity scores come from two logistic fits agreeing to ~1e-9 (observed 1.4e-9 in the
# caliper width).
MATCHING_TOLERANCE = dict(rel=1e-8, abs=1e-9)


@pytest.mark.parametrize("caliper, label", [(None, "no caliper"), (0.2, "caliper 0.2 propensity")])
def test_matching_follows_matchits_greedy_rule_on_lalonde(lalonde, caliper, label):
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


def test_matching_follows_the_greedy_rule_on_the_dynamic_mri_chapter():
    # R (tests/r/matching.R): ps <- fitted(glm(dynamic ~ age + sex + bmi + duration_months + mjoa_pre +
    # compressed_segments, binomial)); the greedy rule on qlogis(ps) with caliper 0.2 x sd(qlogis(ps)) (the
    # chapter's default, Austin's caliper); balance by MatchIt's summary() of the rule's pairs.
    data = registry.load_data("dynamic-mri")
    data = data.assign(dynamic=(data["imaging"] == "dynamic").astype(int))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        result = match_on_propensity(data, treatment="dynamic", covariates=list(MATCHING_COVARIATES), caliper=0.2,
                                     caliper_scale="logit")
    ids = data["patient_id"]
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
