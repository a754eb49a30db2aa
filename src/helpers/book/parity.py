"""The helpers against R: every comparison of the book's numbers with R's, as data.

R's values are computed by the scripts in ``tests/r`` (one per method family) and committed as
``tests/r/results/<family>.json``: flat records ``{family, dataset, quantity, r_call, value}``
(``make r-reference`` regenerates them). :data:`CHECKS` lists, for each family and data set, how the
helpers compute the same quantities and the tolerance that holds them; :func:`evaluate` computes every
helper value and sets it beside R's. The tests (``tests/test_r_parity.py``) assert on it, and the book's
"How we know the numbers are right" page is generated from it at build time, so a wrong helper both fails
the tests and turns its row red and fails the build.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from helpers.chapters import registry
from helpers.chapters.dti_ivim.simulate import GOOD_RECOVERY_CUTOFF
from helpers.chapters.dynamic_mri.published import MATCHING_COVARIATES
from helpers.chapters.mscc_separation.analysis import add_analysis_columns
from helpers.chapters.paraspinal_imf.analysis import prepare_cohort
from helpers.stats.cox import cox_model
from helpers.stats.gee import gee_sensitivity
from helpers.stats.logistic import logistic_regression
from helpers.stats.longitudinal import fit_trajectory_models
from helpers.stats.matching import estimate_propensity, match_on_propensity
from helpers.stats.mixed_models import fit_mixed_model
from helpers.stats.outcomes import recovery_rate
from helpers.stats.roc import compare_auc, roc_auc, youden_threshold
from helpers.stats.survival import kaplan_meier, landmark_cohort, logrank, rmst_difference

FAMILIES = {"proc": "ROC analysis (R's pROC)", "survival": "Survival analysis (R's survival)",
            "lme4": "Linear mixed models (R's lme4)", "geepack": "GEE (R's geepack)",
            "glm": "Logistic regression (R's glm)", "rms": "Bootstrap validation (R's rms)",
            "matching": "Propensity-score matching (MatchIt's greedy rule written out in R)"}
"""Method families, as the R scripts name them, with the words the validation page uses."""


def r_results_folder(root: Path) -> Path:
    """``tests/r/results`` of the book's repository."""
    return Path(root) / "tests" / "r" / "results"


def read_r_results(folder: Path) -> dict[str, dict[tuple[str, str], dict]]:
    """Records of every ``<family>.json`` in ``folder``: family -> (dataset, quantity) -> record.

    A record is ``{"family", "dataset", "quantity", "r_call", "value"}`` with ``value`` None where R gave NA;
    auxiliary files (not lists of records) are left out."""
    families = {}
    for path in sorted(Path(folder).glob("*.json")):
        content = json.loads(path.read_text())
        if isinstance(content, list):
            families[path.stem] = {(record["dataset"], record["quantity"]): record for record in content}
    return families


class Data:
    """The data sets the comparisons use, read once: R's reference data (``tests/data``) and the chapters'
    default synthetic data, prepared as the chapters prepare them."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.reference = self.root / "tests" / "data"

    @cached_property
    def asah(self) -> pd.DataFrame:
        return pd.read_csv(self.reference / "aSAH.csv")

    @cached_property
    def lung(self) -> pd.DataFrame:
        frame = pd.read_csv(self.reference / "lung.csv")
        return frame.assign(dead=frame["status"].eq(2).astype(int))

    @cached_property
    def sleepstudy(self) -> pd.DataFrame:
        return pd.read_csv(self.reference / "sleepstudy.csv")

    @cached_property
    def lalonde(self) -> pd.DataFrame:
        return pd.read_csv(self.reference / "lalonde.csv", index_col="id")

    @cached_property
    def dti_ivim(self) -> pd.DataFrame:
        """The dti-ivim cohort: recovery rate, good recovery (>= 50 %), FA per 0.01 (as the notebook)."""
        data = registry.load_data("dti-ivim", registry.synthetic_data_path("dti-ivim", self.root))
        rate = recovery_rate(data["mjoa_pre"], data["mjoa_post"])
        return data.assign(recovery_rate=rate, good_recovery=(rate >= GOOD_RECOVERY_CUTOFF).astype(int),
                           fa_x100=100 * data["fa"])[rate.notna()]

    @cached_property
    def mscc(self) -> pd.DataFrame:
        """The mscc-separation survival cohort (landmark 0.7 months, the chapter's default)."""
        data = add_analysis_columns(registry.load_data("mscc-separation",
                                                       registry.synthetic_data_path("mscc-separation", self.root)))
        return landmark_cohort(data, time="survival_months", event="death", landmark=0.7).data

    @cached_property
    def paraspinal(self) -> pd.DataFrame:
        return prepare_cohort(registry.load_data("paraspinal-imf",
                                                 registry.synthetic_data_path("paraspinal-imf", self.root)))

    @cached_property
    def dynamic(self) -> pd.DataFrame:
        data = registry.load_data("dynamic-mri", registry.synthetic_data_path("dynamic-mri", self.root))
        return data.assign(dynamic=(data["imaging"] == "dynamic").astype(int))


@dataclass(frozen=True)
class Check:
    """One comparison: the helpers' values of ``family``/``dataset`` (``compute``) against R's records.

    ``rel``/``abs`` is the tolerance; ``tolerances`` gives (rel, abs) to quantities containing a key;
    ``prefix`` restricts the R records compared; ``not_compared`` names records left out, with the reason."""

    family: str
    dataset: str
    compute: Callable[[Data], dict[str, float]]
    rel: float
    abs: float = 0.0
    tolerances: dict[str, tuple[float, float]] = field(default_factory=dict)
    prefix: str = ""
    not_compared: dict[str, str] = field(default_factory=dict)
    note: str = ""

    @property
    def name(self) -> str:
        return f"{self.family}/{self.dataset}" + (f"/{self.prefix.rstrip(':')}" if self.prefix else "")


def compare(check: Check, computed: dict[str, float], records: dict[str, dict[tuple[str, str], dict]]) -> pd.DataFrame:
    """Every R record of the check beside the helper's value: one row per quantity with ``r_value``,
    ``helper_value``, ``rel``, ``abs``, ``agrees`` and ``digits`` (significant digits in common), and a
    ``problem`` for records without a helper value or values without an R record."""
    family = {quantity: record for (name, quantity), record in records[check.family].items()
              if name == check.dataset and quantity.startswith(check.prefix)}
    rows = []
    for quantity in sorted(set(computed) - set(family)):
        rows.append({"quantity": quantity, "problem": "no R value (run make r-reference)", "agrees": False})
    for quantity, record in family.items():
        if quantity in check.not_compared:
            continue
        expected = math.nan if record["value"] is None else float(record["value"])
        if quantity not in computed:
            rows.append({"quantity": quantity, "r_value": expected, "r_call": record["r_call"], "agrees": False,
                         "problem": "R record not compared with the helpers"})
            continue
        value = float(computed[quantity])
        relative, absolute = next((tolerance for key, tolerance in check.tolerances.items() if key in quantity),
                                  (check.rel, check.abs))
        if math.isnan(expected) or math.isnan(value):
            agrees, digits = math.isnan(expected) and math.isnan(value), math.nan
        else:
            agrees = math.isclose(value, expected, rel_tol=relative, abs_tol=absolute)
            difference = abs(value - expected)
            digits = 15.0 if difference == 0 else min(15.0, -math.log10(difference / max(abs(expected), 1e-300)))
        rows.append({"quantity": quantity, "r_value": expected, "helper_value": value, "rel": relative,
                     "abs": absolute, "agrees": bool(agrees), "digits": digits, "r_call": record["r_call"],
                     "problem": ""})
    frame = pd.DataFrame(rows)
    return frame.assign(family=check.family, dataset=check.dataset, check=check.name)


# ------------------------------------------------------------------------------------------ quantities
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


def named(prefix: str, values: dict) -> dict[str, float]:
    """{'s100b': 0.73} with prefix 'auc' -> {'auc[s100b]': 0.73}."""
    return {f"{prefix}[{key}]": float(value) for key, value in values.items()}


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


def gee_values(result, label: str) -> dict[str, float]:
    table = result.coefficients.assign(r_name=result.coefficients["term"].map(r_term)).set_index("r_name")
    return (named(f"{label}: coef", table["estimate"].to_dict())
            | named(f"{label}: robust_se", table["standard_error"].to_dict())
            | {f"{label}: alpha": result.working_correlation, f"{label}: scale": result.scale})


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


# ----------------------------------------------------------------------------------------- computations
def _proc_asah(data: Data) -> dict[str, float]:
    poor = dict(outcome="outcome", positive="Poor")  # roc(aSAH$outcome, x, levels = c("Good", "Poor"))
    computed = {}
    for name in ("s100b", "ndka", "wfns"):
        computed |= auc_values(roc_auc(data.asah, predictor=name, direction="<", **poor).iloc[0], name)
    for name in ("s100b", "ndka"):
        computed |= youden_values(youden_threshold(data.asah, predictor=name, **poor).iloc[0], name)
    for first, second in (("ndka", "s100b"), ("wfns", "s100b"), ("wfns", "ndka")):
        computed |= delong_values(compare_auc(data.asah, predictors=(first, second), **poor).iloc[0],
                                  f"{first}-{second}")
    return computed


DTI_DIRECTIONS = {"fa": "<", "adc": ">", "d": ">", "d_star": "<", "f": "<"}  # the chapter's stated directions


def _proc_dti_ivim(data: Data) -> dict[str, float]:
    cohort, computed = data.dti_ivim, {}
    for name, direction in DTI_DIRECTIONS.items():
        computed |= auc_values(roc_auc(cohort, outcome="good_recovery", predictor=name, direction=direction).iloc[0],
                               name)
        computed |= youden_values(youden_threshold(cohort, outcome="good_recovery", predictor=name,
                                                   direction=direction).iloc[0], name)
    model = logistic_regression(cohort, outcome="good_recovery", predictors=["fa_x100", "f"])
    computed |= auc_values(roc_auc(cohort, outcome="good_recovery", predictor=model).iloc[0], "fa+f")
    computed |= delong_values(compare_auc(cohort, outcome="good_recovery", predictors=("fa", "f")).iloc[0], "fa-f")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*Demler.*")  # nested models: the helper warns, as it should
        nested = compare_auc(cohort, outcome="good_recovery", predictors=(model, "fa_x100")).iloc[0]
    return computed | delong_values(nested, "fa+f-fa")


def _survival_lung(data: Data) -> dict[str, float]:
    return survival_values(data.lung, time="time", event="dead", group="sex", labels={1: "1", 2: "2"}, tau=365,
                           models={"sex": ["sex"], "sex + age": ["sex", "age"]})


def _survival_mscc(data: Data) -> dict[str, float]:
    labels = {"separated": "separated", "non_separated": "non_separated"}
    return survival_values(data.mscc, time="survival_months", event="death", group="group", labels=labels, tau=12,
                           models={"group": ["group"],
                                   "group + bilsky_3 + age + radiotherapy": ["group", "bilsky_3", "age",
                                                                             "radiotherapy"]},
                           reference={"group": "separated"})


def _survival_flat_at_half(data: Data) -> dict[str, float]:
    frame = pd.DataFrame({"time": [23, 6, 1, 8, 5, 7, 3], "status": [0, 1, 0, 0, 1, 0, 1]})
    medians = kaplan_meier(frame, time="time", event="status").medians.iloc[0]
    return {"median": medians["estimate"], "median_ci_low": medians["ci_low"], "median_ci_high": medians["ci_high"]}


def _lme4_sleepstudy(data: Data) -> dict[str, float]:
    computed = {}
    for label, re_formula, reml in (("(Days | Subject) REML", "~Days", True), ("(Days | Subject) ML", "~Days", False),
                                    ("(1 | Subject) REML", None, True), ("(1 | Subject) ML", None, False)):
        fit = fit_mixed_model(data.sleepstudy, formula="Reaction ~ Days", group="Subject", re_formula=re_formula,
                              reml=reml)
        computed |= mixed_values(fit, label)
    return computed


def _lme4_paraspinal(outcome: str) -> Callable[[Data], dict[str, float]]:
    def compute(data: Data) -> dict[str, float]:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*(singular|mixed model).*")
            fit = fit_trajectory_models(data.paraspinal, outcome=outcome, exposure="group_multifidus_right",
                                        visit="visit_month", subject="patient_id", confounders=["age", "sex", "bmi"],
                                        exposure_reference="severe", random_slope="never")
        label = f"{outcome} REML"
        return mixed_values(fit.model, label) | {
            f"{label}: interaction_wald_chisq": fit.interaction_test["statistic"].iloc[0],
            f"{label}: interaction_wald_p": fit.interaction_test["p_value"].iloc[0]}
    return compute


def _lme4_singular_slope(data: Data) -> dict[str, float]:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*(singular|mixed model).*")
        fit = fit_trajectory_models(data.paraspinal, outcome="disability", exposure="group_multifidus_right",
                                    visit="visit_month", subject="patient_id", confounders=["age", "sex", "bmi"],
                                    exposure_reference="severe", random_slope="try")
    return {"disability, random slope REML: REMLcrit": fit.slope_model.reml_criterion}


GEE_SLEEPSTUDY = "Reaction ~ factor(Days) * half"
GEE_PARASPINAL = "disability ~ visit_month * group_multifidus_right + age + sex + bmi"


def _geepack_sleepstudy(data: Data) -> dict[str, float]:
    frame = data.sleepstudy.assign(half=np.where(data.sleepstudy["Subject"] <= 335, "first", "second"))
    result = gee_sensitivity(frame, outcome="Reaction", exposure="half", visit="Days", subject="Subject",
                             exposure_reference="first")
    return gee_values(result, GEE_SLEEPSTUDY)


def _geepack_paraspinal(data: Data) -> dict[str, float]:
    result = gee_sensitivity(data.paraspinal, outcome="disability", exposure="group_multifidus_right",
                             visit="visit_month", subject="patient_id", confounders=["age", "sex", "bmi"],
                             exposure_reference="severe")
    return gee_values(result, GEE_PARASPINAL) | {
        f"{GEE_PARASPINAL}: interaction_wald_chisq": result.interaction_test["statistic"].iloc[0],
        f"{GEE_PARASPINAL}: interaction_wald_p": result.interaction_test["p_value"].iloc[0]}


LALONDE_COVARIATES = ["age", "educ", "race", "married", "nodegree", "re74", "re75"]


def _glm_lalonde(data: Data) -> dict[str, float]:
    label = "treat ~ age + educ + race + married + nodegree + re74 + re75"
    computed = logistic_values(data.lalonde, label, outcome="treat", predictors=LALONDE_COVARIATES)
    scores = estimate_propensity(data.lalonde, treatment="treat", covariates=LALONDE_COVARIATES)["propensity"]
    return computed | predicted_values(scores, label, [1, 2, 186, 300, 614])


def _glm_asah(data: Data) -> dict[str, float]:
    frame = data.asah.assign(poor=data.asah["outcome"].eq("Poor").astype(int))
    label = "poor ~ age + s100b + ndka"
    computed = logistic_values(frame, label, outcome="poor", predictors=["age", "s100b", "ndka"])
    model = logistic_regression(frame, outcome="poor", predictors=["age", "s100b", "ndka"])
    return computed | predicted_values(model.predicted_probability, label, [1, 2, 50, 113])


def _glm_dti_ivim(data: Data) -> dict[str, float]:
    label = "good_recovery ~ fa_x100 + f"
    computed = logistic_values(data.dti_ivim, label, outcome="good_recovery", predictors=["fa_x100", "f"])
    model = logistic_regression(data.dti_ivim, outcome="good_recovery", predictors=["fa_x100", "f"])
    return computed | predicted_values(model.predicted_probability, label, [1, 2, 3, 50, len(data.dti_ivim)])


def _glm_mscc(data: Data) -> dict[str, float]:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*events per (variable|parameter).*")
        return logistic_values(data.mscc, "separated ~ bilsky_3 + sins + age", outcome="separated",
                               predictors=["bilsky_3", "sins", "age"])


def _matching_lalonde(caliper: float | None, label: str) -> Callable[[Data], dict[str, float]]:
    def compute(data: Data) -> dict[str, float]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            result = match_on_propensity(data.lalonde, treatment="treat", covariates=LALONDE_COVARIATES,
                                         caliper=caliper, caliper_scale="propensity")
        return matching_values(result, label)
    return compute


def _matching_dynamic(data: Data) -> dict[str, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        result = match_on_propensity(data.dynamic, treatment="dynamic", covariates=list(MATCHING_COVARIATES),
                                     caliper=0.2, caliper_scale="logit")
    return matching_values(result, "caliper 0.2 logit")


# Tolerances, and why (the R calls are in each record):
# - pROC: the same closed forms (Mann-Whitney AUC, DeLong's components): 1e-10 relative (observed ~1e-14).
# - survival: medians are observed times (exact); log-rank, RMST and its SE are closed forms (1e-10); the Cox
#   models 1e-7 relative: the helper's Newton-Raphson and coxph(eps = 1e-11) reach the same optimum (observed
#   ~1e-10; tests/test_r_parity.py::test_cox_model_converges_as_coxph holds 1e-8).
# - lme4: criterion and log-likelihood 1e-8 (a flat optimum), fixed effects 1e-6, variance parameters, SEs and
#   theta 1e-5 (lme4 run to full convergence; observed up to 8e-7).
# - geepack: the same estimating equations and moment estimators (N denominators): 1e-8 (observed 1e-13).
# - glm: statsmodels stops at its default tolerance, glm is run to epsilon 1e-14: 1e-6 relative, 1e-9 absolute.
# - matching: identical pairs; SMDs and means are closed forms of the same matched rows: 1e-8 relative.
COX_TOLERANCE = (1e-7, 1e-10)
MIXED = dict(rel=1e-5, abs=1e-8, tolerances={"REMLcrit": (1e-8, 0), "logLik": (1e-8, 0), "fixef": (1e-6, 1e-8)})
GLM = dict(rel=1e-6, abs=1e-9)
MATCHING = dict(rel=1e-8, abs=1e-9)

CHECKS: tuple[Check, ...] = (
    Check("proc", "aSAH", _proc_asah, rel=1e-10, abs=1e-12),
    Check("proc", "dti-ivim", _proc_dti_ivim, rel=1e-10, abs=1e-12),
    Check("survival", "lung", _survival_lung, rel=1e-10, abs=1e-12, tolerances={"sex": COX_TOLERANCE}),
    Check("survival", "mscc-separation", _survival_mscc, rel=1e-10, abs=1e-12, tolerances={"group": COX_TOLERANCE}),
    Check("survival", "flat-at-half", _survival_flat_at_half, rel=0.0, abs=1e-12,
          note="a curve exactly at 0.5 to the end: quantile.survfit's midpoint rule"),
    Check("lme4", "sleepstudy", _lme4_sleepstudy, **MIXED),
    *(Check("lme4", "paraspinal-imf", _lme4_paraspinal(outcome), prefix=f"{outcome} REML", **MIXED)
      for outcome in ("disability", "leg_pain", "back_pain")),
    Check("lme4", "paraspinal-imf", _lme4_singular_slope, rel=1e-6, prefix="disability, random slope",
          note="a singular fit: only the criterion is determined"),
    Check("geepack", "sleepstudy", _geepack_sleepstudy, rel=1e-8, abs=1e-10, prefix=GEE_SLEEPSTUDY),
    Check("geepack", "paraspinal-imf", _geepack_paraspinal, rel=1e-8, abs=1e-10),
    Check("glm", "lalonde", _glm_lalonde, **GLM),
    Check("glm", "aSAH", _glm_asah, **GLM),
    Check("glm", "dti-ivim", _glm_dti_ivim, **GLM),
    Check("glm", "mscc-separation", _glm_mscc, **GLM),
    Check("matching", "lalonde", _matching_lalonde(None, "no caliper"), prefix="no caliper",
          not_compared={"no caliper: pairs differing from MatchIt 4.5.1's own matchit()":
                        "a fact about MatchIt 4.5.1, not a helper value"}, **MATCHING),
    Check("matching", "lalonde", _matching_lalonde(0.2, "caliper 0.2 propensity"), prefix="caliper 0.2 propensity:",
          **MATCHING),
    Check("matching", "dynamic-mri", _matching_dynamic, **MATCHING),
)
"""Every comparison of the helpers with R's committed records (the rms bootstrap, which replays R's
resamples, and the direct GEE-denominator check stay in tests/test_r_parity.py)."""


def evaluate(root: Path, checks: tuple[Check, ...] | None = None) -> pd.DataFrame:
    """Every check's rows (:func:`compare`; default :data:`CHECKS`), the helpers' values computed now on the
    data of ``root``."""
    data, records = Data(root), read_r_results(r_results_folder(root))
    return pd.concat([compare(check, check.compute(data), records) for check in (checks or CHECKS)],
                     ignore_index=True)


def _number(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "NA"
    return f"{value:.10g}"


def validation_markdown(rows: pd.DataFrame) -> str:
    """The book's "How we know the numbers are right" page (MyST markdown) from :func:`evaluate`'s rows: one
    table per method family and data set, each helper value beside R's with the digits they share (values in
    full precision, as code: the point of the page is to compare them digit by digit); a row
    that disagrees is marked (class ``parity-fail``, shown red) and listed first."""
    failing = rows[~rows["agrees"]]
    lines = [
        "# How we know the numbers are right", "",
        "Every statistical helper of this book is compared with R, the reference software, on R's own example",
        "data sets and on the chapters' synthetic data. The R values come from scripts in the repository",
        "(`tests/r/*.R`, run with `make r-reference`; CI runs them live); the helper values on this page were",
        "computed when this page was built. Each row gives both values and the number of significant digits",
        "they share; the build fails if any row falls outside its stated tolerance.", "",
        f"**{int(rows['agrees'].sum())} of {len(rows)} comparisons agree** "
        f"({len(rows.groupby(['family', 'dataset']))} method and data-set pairs).", "",
        "Tolerances and why they differ by method are stated in `helpers/book/parity.py`: closed forms "
        "(ROC, log-rank, Kaplan-Meier, matching balance) agree to rounding; iterative fits (mixed models, GEE, "
        "logistic and Cox regression) agree to the precision at which the two optimisers stop.", "",
        "<style>.parity-wrapper { overflow-x: auto; max-width: 100%; } .parity { border-collapse: collapse; }",
        ".parity th, .parity td { padding: 0.25em 0.9em; text-align: right; white-space: nowrap; }",
        ".parity th:first-child, .parity td:first-child { text-align: left; white-space: normal; }</style>", "",
    ]
    if len(failing):
        lines += ["```{error}", f"{len(failing)} comparison(s) disagree with R:", ""]
        lines += [f"- {row.check}: {row.quantity} ({row.problem or 'outside the tolerance'})"
                  for row in failing.itertuples()]
        lines += ["```", ""]
    for (family, dataset), part in rows.groupby(["family", "dataset"], sort=False):
        lines += [f"## {FAMILIES.get(family, family)}: {dataset}", ""]
        calls = list(dict.fromkeys(part["r_call"].dropna()))
        more = [f"# ... and {len(calls) - 12} more"] if len(calls) > 12 else []
        lines += ["R calls:", "", "```text", *calls[:12], *more, "```", ""]
        lines += ['<div class="parity-wrapper"><table class="parity">',
                  "<thead><tr><th>quantity</th><th>R</th><th>helper</th><th>digits in common</th></tr></thead><tbody>"]
        for row in part.itertuples():
            css = "" if row.agrees else ' class="parity-fail" style="background-color: #f8d7da; color: #58151c"'
            digits = "all" if getattr(row, "digits", math.nan) >= 15 else (
                "" if math.isnan(getattr(row, "digits", math.nan)) else f"{row.digits:.0f}")
            lines.append(f"<tr{css}><td><code>{_escape(row.quantity)}</code></td>"
                         f"<td><code>{_number(getattr(row, 'r_value', math.nan))}</code></td>"
                         f"<td><code>{_number(getattr(row, 'helper_value', math.nan))}</code></td><td>{digits}</td></tr>")
        lines += ["</tbody></table></div>", ""]
    return "\n".join(lines) + "\n"


def _escape(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
