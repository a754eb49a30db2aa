"""Tests of helpers.stats.longitudinal: lme4 reference values, hand-written likelihoods, seeded simulations."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from helpers.stats import mixed_models
from helpers.stats.gee import gee_sensitivity
from helpers.stats.longitudinal import fit_trajectory_models
from helpers.stats.mixed_models import fit_mixed_model
from helpers.validation.errors import InputError
from helpers.validation.estimable import NotEstimable

VISITS = (0, 3, 12, 24, 60)
BASELINE = (8.0, 12.0, 13.0, 13.5, 13.5)   # mean JOA score of the low-fat group at each visit
EFFECT = (0.0, -1.0, -1.5, -2.0, -2.0)     # high-fat minus low-fat at each visit


def simulate_long(n: int = 300, seed: int = 1, visits=VISITS, slope_sd: float = 0.0, dropout: str = "mcar",
                  units_per_year: float = 12.0, effect=EFFECT, baseline=BASELINE) -> pd.DataFrame:
    """Long data, one row per patient per attended visit, with drop-out (seeded)."""
    rng = np.random.default_rng(seed)
    high = rng.integers(0, 2, n)
    age = rng.normal(65, 8, n)
    intercept, slope = rng.normal(0, 2, n), rng.normal(0, slope_sd, n)
    rows = []
    for i in range(n):
        for k, visit in enumerate(visits):
            mean = (baseline[k] + effect[k] * high[i] - 0.05 * (age[i] - 65) + intercept[i]
                    + slope[i] * visit / units_per_year)
            score = mean + rng.normal(0, 1.5)
            rows.append({"patient": i, "month": visit, "joa": score, "fat": "high" if high[i] else "low",
                         "age": age[i]})
            if k > 0 and dropout == "mar" and score < baseline[k] - 0.5 and rng.random() < 0.6:
                break  # drop-out after a poor observed score: missing at random, not completely at random
            if k > 0 and dropout == "mcar" and rng.random() < 0.15:
                break
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def sleepstudy(reference_data) -> pd.DataFrame:
    return pd.read_csv(reference_data / "sleepstudy.csv")


@pytest.fixture(scope="module")
def long_data() -> pd.DataFrame:
    return simulate_long()


@pytest.fixture(scope="module")
def trajectory(long_data):
    return fit_trajectory_models(long_data, outcome="joa", exposure="fat", visit="month", subject="patient",
                                 confounders=["age"], exposure_reference="low")


# ------------------------------------------------------------------------------- fit_mixed_model
def test_sleepstudy_random_slope_matches_lme4(sleepstudy, r_reference):
    # R: fm <- lmer(Reaction ~ Days + (Days | Subject), sleepstudy)   # REML; values from tests/r/results/lme4.json
    #    Tolerances as in test_r_parity.py: REMLcrit 1e-8, fixed effects 1e-6, SDs, correlation and SEs 1e-5.
    r = lambda quantity: r_reference("lme4", "sleepstudy", f"(Days | Subject) REML: {quantity}")  # noqa: E731
    fit = fit_mixed_model(sleepstudy, formula="Reaction ~ Days", group="Subject", re_formula="~Days")
    assert fit.converged and not fit.singular
    assert fit.reml_criterion == pytest.approx(r("REMLcrit"), rel=1e-8)
    fixed = fit.fixed_effects.set_index("term")
    assert fixed.loc["Intercept", "estimate"] == pytest.approx(r("fixef[(Intercept)]"), rel=1e-6)
    assert fixed.loc["Days", "estimate"] == pytest.approx(r("fixef[Days]"), rel=1e-6)
    assert fixed.loc["Intercept", "standard_error"] == pytest.approx(r("se[(Intercept)]"), rel=1e-5)
    assert fixed.loc["Days", "standard_error"] == pytest.approx(r("se[Days]"), rel=1e-5)
    random = fit.random_effects.set_index("term")["sd"]
    assert random["(Intercept)"] == pytest.approx(r("sd[(Intercept)]"), rel=1e-5)
    assert random["Days"] == pytest.approx(r("sd[Days]"), rel=1e-5)
    assert fit.random_correlation.loc["(Intercept)", "Days"] == pytest.approx(r("correlation[(Intercept):Days]"),
                                                                              rel=1e-5)
    assert fit.residual_sd == pytest.approx(r("sd[Residual]"), rel=1e-5)
    assert (fixed["ci_low"] < fixed["estimate"]).all() and (fixed["estimate"] < fixed["ci_high"]).all()
    assert fit.n_observations == 180 and fit.n_groups == 18


def _random_intercept_criterion(log_variances, y, X, groups, reml=True):
    """-2 log-likelihood (REML or ML) of y = X b + u_group + e, written out (lme4's constants)."""
    residual_variance, group_variance = np.exp(log_variances)
    blocks = [np.flatnonzero(groups == g) for g in np.unique(groups)]
    inverses, log_det = [], 0.0
    for rows in blocks:
        V = residual_variance * np.eye(len(rows)) + group_variance * np.ones((len(rows), len(rows)))
        inverses.append(np.linalg.inv(V))
        log_det += np.linalg.slogdet(V)[1]
    information = sum(X[r].T @ W @ X[r] for r, W in zip(blocks, inverses))
    beta = np.linalg.solve(information, sum(X[r].T @ W @ y[r] for r, W in zip(blocks, inverses)))
    quadratic = sum((y[r] - X[r] @ beta) @ W @ (y[r] - X[r] @ beta) for r, W in zip(blocks, inverses))
    n, p = X.shape
    if reml:
        return (n - p) * np.log(2 * np.pi) + log_det + np.linalg.slogdet(information)[1] + quadratic, beta
    return n * np.log(2 * np.pi) + log_det + quadratic, beta


@pytest.mark.parametrize("reml", [True, False])
def test_random_intercept_matches_handwritten_likelihood(sleepstudy, reml):
    # Independent check: maximise the likelihood written out above with scipy and compare.
    fit = fit_mixed_model(sleepstudy, formula="Reaction ~ Days", group="Subject", reml=reml)
    y = sleepstudy["Reaction"].to_numpy(float)
    X = np.column_stack([np.ones(len(y)), sleepstudy["Days"].to_numpy(float)])
    groups = sleepstudy["Subject"].to_numpy()
    best = optimize.minimize(lambda v: _random_intercept_criterion(v, y, X, groups, reml)[0],
                             x0=np.log([900.0, 1000.0]), method="Nelder-Mead",
                             options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 5000})
    criterion, beta = _random_intercept_criterion(best.x, y, X, groups, reml)
    assert -2 * fit.log_likelihood == pytest.approx(criterion, abs=1e-6)
    if reml:
        assert fit.reml_criterion == pytest.approx(criterion, abs=1e-6)
    else:
        assert np.isnan(fit.reml_criterion)
    assert fit.residual_sd == pytest.approx(np.sqrt(np.exp(best.x[0])), rel=1e-4)
    assert fit.random_effects["sd"].iloc[0] == pytest.approx(np.sqrt(np.exp(best.x[1])), rel=1e-4)
    assert fit.fixed_effects["estimate"].to_numpy() == pytest.approx(beta, rel=1e-6)
    # ML variance components are smaller than REML ones (REML corrects for estimating beta).
    other = fit_mixed_model(sleepstudy, formula="Reaction ~ Days", group="Subject", reml=not reml)
    smaller, larger = (other, fit) if reml else (fit, other)
    assert smaller.residual_sd < larger.residual_sd


def test_optimizer_fallback_is_reported(sleepstudy, monkeypatch, r_reference):
    # L-BFGS-B made to stop at its start (as an optimiser can on a flat or ragged deviance): lme4's
    # gradient check must reject that point, Nelder-Mead take over and reach lme4's optimum, and the
    # attempts table say so.
    real_minimize = mixed_models.optimize.minimize

    def failing_lbfgs(fun, x0, method=None, **kwargs):
        result = real_minimize(fun, x0, method=method, **kwargs)
        if method == "L-BFGS-B":
            result.x, result.fun = x0.copy(), fun(x0)
            result.success, result.message = False, "ABNORMAL (simulated)"
        return result

    monkeypatch.setattr(mixed_models.optimize, "minimize", failing_lbfgs)
    fit = fit_mixed_model(sleepstudy, formula="Reaction ~ Days", group="Subject", re_formula="~Days",
                          optimizers=("L-BFGS-B", "Nelder-Mead"))
    assert list(fit.attempts["optimizer"]) == ["L-BFGS-B", "Nelder-Mead"]
    assert list(fit.attempts["converged"]) == [False, True]
    assert fit.attempts["warnings"].iloc[0].startswith("L-BFGS-B stopped: ABNORMAL (simulated); scaled gradient")
    assert fit.optimizer == "Nelder-Mead" and fit.converged
    assert fit.reml_criterion == pytest.approx(r_reference("lme4", "sleepstudy", "(Days | Subject) REML: REMLcrit"),
                                               rel=1e-8)
    with pytest.raises(ValueError, match="bfgs"):
        fit_mixed_model(sleepstudy, formula="Reaction ~ Days", group="Subject", optimizers=("bfgs",))


def test_singular_fit_is_flagged():
    # Group means made identical: the between-patient variance estimate is zero (boundary).
    rng = np.random.default_rng(0)
    data = pd.DataFrame({"id": np.repeat(np.arange(20), 5), "t": np.tile(np.arange(5.0), 20)})
    data["y"] = rng.normal(0, 1, 100)
    data["y"] -= data.groupby("id")["y"].transform("mean")
    with pytest.warns(UserWarning, match="singular fit"):
        fit = fit_mixed_model(data, formula="y ~ t", group="id")
    assert fit.singular
    assert fit.random_effects["sd"].iloc[0] < 1e-3 * fit.residual_sd


def test_mixed_model_input_errors_and_unchanged_input(sleepstudy):
    before = sleepstudy.copy()
    fit_mixed_model(sleepstudy, formula="Reaction ~ Days", group="Subject")
    pd.testing.assert_frame_equal(sleepstudy, before)
    broken = sleepstudy.copy()
    broken.loc[[3, 7], "Subject"] = np.nan
    with pytest.raises(InputError, match=r"Subject.*rows 3, 7"):
        fit_mixed_model(broken, formula="Reaction ~ Days", group="Subject")
    with pytest.raises(InputError, match="patient_id"):
        fit_mixed_model(sleepstudy, formula="Reaction ~ Days", group="patient_id")
    gaps = sleepstudy.copy()
    gaps.loc[[0, 1], "Reaction"] = np.nan
    with pytest.warns(UserWarning, match="2 row"):
        fit = fit_mixed_model(gaps, formula="Reaction ~ Days", group="Subject")
    assert fit.n_observations == 178


# -------------------------------------------------------------------------- fit_trajectory_models
def test_trajectory_structure_and_interaction(trajectory, long_data):
    assert trajectory.visits == VISITS
    assert trajectory.exposure_levels == ("low", "high")
    assert trajectory.n_subjects == 300 and trajectory.n_observations == len(long_data)
    test = trajectory.interaction_test.iloc[0]
    assert test["df"] == len(VISITS) - 1
    assert test["p_value"] < 1e-6  # the simulated groups diverge after surgery
    # The Wald statistic is b' V^-1 b over the interaction terms.
    fixed = trajectory.model.fixed_effects.set_index("term")
    terms = [t for t in fixed.index if ":" in t]
    b = fixed.loc[terms, "estimate"].to_numpy()
    V = trajectory.model.fixed_effects_covariance.loc[terms, terms].to_numpy()
    assert test["statistic"] == pytest.approx(b @ np.linalg.solve(V, b), rel=1e-8)
    assert test["p_value"] == pytest.approx(stats.chi2.sf(test["statistic"], len(terms)), rel=1e-8)


def test_estimated_means_recover_the_truth(trajectory, long_data):
    means = trajectory.estimated_means
    assert list(means.columns) == ["exposure", "visit", "visit_years", "estimate", "standard_error", "ci_low",
                                   "ci_high", "n_observed", "observed_mean"]
    assert len(means) == 2 * len(VISITS)
    for row in means.itertuples():
        k = VISITS.index(row.visit)
        truth = BASELINE[k] + (EFFECT[k] if row.exposure == "high" else 0.0)
        truth -= 0.05 * (long_data.drop_duplicates("patient")["age"].mean() - 65)
        assert abs(row.estimate - truth) < 4 * row.standard_error
        assert row.ci_low < row.estimate < row.ci_high
        assert row.visit_years == pytest.approx(row.visit / 12)
    # By hand: low-fat group, first visit = intercept + age coefficient x mean age.
    fixed = trajectory.model.fixed_effects.set_index("term")["estimate"]
    first = means.iloc[0]
    mean_age = long_data.drop_duplicates("patient")["age"].mean()
    assert first["estimate"] == pytest.approx(fixed["Intercept"] + fixed["age"] * mean_age, rel=1e-10)
    observed = long_data.groupby(["fat", "month"]).size()
    assert means.set_index(["exposure", "visit"])["n_observed"].to_dict() == observed.to_dict()


def _average_design_means(data, model, visit, exposure):
    """The estimated means by their definition: every patient's design row with the group and visit set,
    averaged, times the coefficients (one full design per group and visit)."""
    import patsy

    names = list(model.estimates.index)
    means = {}
    for level in data.exposure_levels:
        for time in data.visits:
            grid = data.baseline.copy()
            grid[visit] = pd.Categorical([time] * len(grid), categories=list(data.visits))
            grid[exposure] = pd.Categorical([level] * len(grid), categories=list(data.exposure_levels))
            design = patsy.build_design_matrices([model.design_info], grid, return_type="dataframe")[0][names]
            means[(level, time)] = float(design.mean(axis=0).to_numpy() @ model.estimates.to_numpy())
    return means


@pytest.mark.parametrize("extra", ["", " + fat:age"])
def test_estimated_means_average_every_patients_design_row(long_data, extra):
    # The helper builds the patients' design once when no term crosses the group or visit with a
    # confounder (extra = ""), and for every group and visit otherwise (" + fat:age"): both equal the
    # definition, to the last bit when nothing is crossed.
    from helpers.stats.longitudinal import estimated_means, prepare_long

    data = prepare_long(long_data, outcome="joa", exposure="fat", visit="month", subject="patient",
                        confounders=["age"], exposure_reference="low", visit_unit="months")
    model = fit_mixed_model(data.frame, formula=data.formula + extra, group="patient")
    means = estimated_means(data, model_spec=model.design_info, params=model.estimates,
                            covariance=model.fixed_effects_covariance, visit="month", exposure="fat",
                            outcome="joa", level=0.95)
    expected = _average_design_means(data, model, "month", "fat")
    for row in means.itertuples():
        if extra:
            assert row.estimate == pytest.approx(expected[(row.exposure, row.visit)], rel=1e-12)
        else:
            assert row.estimate == expected[(row.exposure, row.visit)]


def test_covariate_changing_within_patients_is_reported(long_data):
    from helpers.stats.longitudinal import prepare_long

    arguments = dict(outcome="joa", exposure="fat", visit="month", subject="patient", confounders=["age"],
                     exposure_reference="low", visit_unit="months")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        prepare_long(long_data, **arguments)  # age and fat are constant within each patient
    drifting = long_data.assign(age=long_data["age"] + long_data["month"] / 12)
    with pytest.warns(UserWarning, match="'age' changes within patients"):
        data = prepare_long(drifting, **arguments)
    first = drifting.sort_values(["patient", "month"]).drop_duplicates("patient")
    assert list(data.baseline.index) == list(first.index)  # each patient's first visit


def test_mixed_model_corrects_missing_at_random_dropout():
    # Patients with poor scores drop out: observed means at 5 years are too high, model means are not.
    data = simulate_long(n=400, dropout="mar")
    fit = fit_trajectory_models(data, outcome="joa", exposure="fat", visit="month", subject="patient",
                                confounders=["age"], exposure_reference="low", random_slope="never")
    last = fit.estimated_means.query("visit == 60 and exposure == 'low'").iloc[0]
    truth = BASELINE[-1] - 0.05 * (data.drop_duplicates("patient")["age"].mean() - 65)
    assert abs(last["estimate"] - truth) < 3 * last["standard_error"]
    assert last["observed_mean"] - truth > 3 * last["standard_error"]


def test_random_slope_kept_only_when_it_helps():
    with_slope = simulate_long(n=150, seed=5, slope_sd=1.0)
    kept = fit_trajectory_models(with_slope, outcome="joa", exposure="fat", visit="month", subject="patient")
    assert kept.random_effects == "intercept + slope" and "kept" in kept.random_effects_reason
    assert kept.model.re_formula == "~visit_years"
    assert kept.slope_test["p_value"].iloc[0] < 0.05
    assert kept.model.random_effects["sd"].iloc[1] == pytest.approx(1.0, rel=0.3)
    without = simulate_long(n=150, seed=5, slope_sd=0.0)
    dropped = fit_trajectory_models(without, outcome="joa", exposure="fat", visit="month", subject="patient")
    assert dropped.random_effects == "intercept" and "dropped" in dropped.random_effects_reason
    assert dropped.model is dropped.intercept_model
    never = fit_trajectory_models(with_slope, outcome="joa", exposure="fat", visit="month", subject="patient",
                                  random_slope="never")
    assert never.slope_model is None and never.random_effects == "intercept"


def test_other_visit_schedule_three_groups_and_lrt():
    # Visits in weeks (not the default schedule) and three exposure groups.
    rng = np.random.default_rng(11)
    data = simulate_long(n=240, seed=11, visits=(0, 6, 26, 52), units_per_year=52.0,
                         effect=(0, -1, -1.5, -2), baseline=(8, 11, 12, 12.5))
    data["fat"] = data["patient"].map(dict(enumerate(rng.choice(["grade 1", "grade 2", "grade 3"], 240))))
    wald = fit_trajectory_models(data, outcome="joa", exposure="fat", visit="month", subject="patient",
                                 visit_unit="weeks", random_slope="never")
    assert wald.visits == (0, 6, 26, 52)
    assert wald.exposure_levels == ("grade 1", "grade 2", "grade 3")
    assert wald.interaction_test["df"].iloc[0] == 3 * 2
    assert set(wald.estimated_means["visit"]) == {0, 6, 26, 52}
    assert wald.estimated_means["visit_years"].max() == pytest.approx(52 * 7 / 365.25)  # weeks -> years
    lrt = fit_trajectory_models(data, outcome="joa", exposure="fat", visit="month", subject="patient",
                                visit_unit="weeks", random_slope="never", interaction_test="lrt")
    assert "likelihood-ratio" in lrt.interaction_test["method"].iloc[0]
    assert lrt.interaction_test["df"].iloc[0] == 6
    # Groups were assigned at random: no interaction; Wald and LR statistics are close.
    assert lrt.interaction_test["statistic"].iloc[0] == pytest.approx(wald.interaction_test["statistic"].iloc[0],
                                                                      rel=0.1)


def test_trajectory_input_checks(long_data):
    before = long_data.copy()
    fit_trajectory_models(long_data, outcome="joa", exposure="fat", visit="month", subject="patient",
                          random_slope="never")
    pd.testing.assert_frame_equal(long_data, before)
    duplicated = pd.concat([long_data, long_data.iloc[[0]]])
    with pytest.raises(InputError, match="more than once"):
        fit_trajectory_models(duplicated, outcome="joa", exposure="fat", visit="month", subject="patient")
    labelled = long_data.assign(month=long_data["month"].map(lambda m: f"{m} months"))
    with pytest.raises(InputError, match="numeric time"):
        fit_trajectory_models(labelled, outcome="joa", exposure="fat", visit="month", subject="patient")
    with pytest.raises(InputError, match="random_slope"):
        fit_trajectory_models(long_data, outcome="joa", exposure="fat", visit="month", subject="patient",
                              random_slope="maybe")
    with pytest.raises(InputError, match="bmi"):
        fit_trajectory_models(long_data, outcome="joa", exposure="fat", visit="month", subject="patient",
                              confounders=["bmi"])
    # No high-fat patient seen at 60 months: that visit's interaction term cannot be estimated.
    unseen = long_data[~((long_data["month"] == 60) & (long_data["fat"] == "high"))]
    with pytest.raises(InputError, match=r"\['month\[T.60\]:fat\[T.high\]'\] cannot be estimated"):
        fit_trajectory_models(unseen, outcome="joa", exposure="fat", visit="month", subject="patient",
                              exposure_reference="low", random_slope="never")


def test_a_confounder_with_one_value_is_not_estimable_not_dropped(long_data):
    # Every patient female: the model cannot be adjusted for sex. The formula would silently leave a one-level
    # category out (patsy codes it with no column), so the fit would claim an adjustment it did not make.
    female = long_data.assign(sex="female")
    for fit in (fit_trajectory_models, gee_sensitivity):
        with pytest.raises(NotEstimable, match=r"the confounder 'sex' has a single value \('female'\) for every "
                                               r"patient analysed, so the model cannot be adjusted for it"):
            fit(female, outcome="joa", exposure="fat", visit="month", subject="patient", confounders=["age", "sex"])
    fit_trajectory_models(female, outcome="joa", exposure="fat", visit="month", subject="patient",
                          confounders=["age"], random_slope="never")  # without it, the model is fitted


# ------------------------------------------------------------------------------------------ GEE
def test_gee_agrees_with_mixed_model_under_mcar(trajectory, long_data):
    gee = gee_sensitivity(long_data, outcome="joa", exposure="fat", visit="month", subject="patient",
                          confounders=["age"], exposure_reference="low", compare_with=trajectory)
    assert 0 < gee.working_correlation < 1
    comparison = gee.comparison.set_index("term")
    assert (comparison["difference"].abs() < 0.5 * comparison["mixed_standard_error"]).all()
    assert gee.interaction_test["df"].iloc[0] == len(VISITS) - 1
    assert gee.interaction_test["p_value"].iloc[0] < 1e-6
    assert list(gee.coefficients.columns) == ["term", "estimate", "standard_error", "statistic", "ci_low",
                                              "ci_high", "p_value"]
    assert "exchangeable" in gee.method
    independence = gee_sensitivity(long_data, outcome="joa", exposure="fat", visit="month", subject="patient",
                                   correlation="independence")
    assert np.isnan(independence.working_correlation)


@pytest.mark.parametrize("correlation", ["exchangeable", "independence"])
def test_gaussian_gee_equals_statsmodels(correlation):
    # statsmodels' GEE (an independent implementation that loops over patients), with N denominators
    # (ddof_scale=0, geepack's convention), on unbalanced data with drop-out and rows out of order.
    import statsmodels.api as sm

    from helpers.stats.gee import fit_gaussian_gee

    data = simulate_long(n=200, seed=4, dropout="mar").sample(frac=1.0, random_state=2)
    X = np.column_stack([np.ones(len(data)), data["month"] / 12, data["fat"] == "high", data["age"]]).astype(float)
    structure = sm.cov_struct.Exchangeable() if correlation == "exchangeable" else sm.cov_struct.Independence()
    theirs = sm.GEE(data["joa"].to_numpy(), X, groups=data["patient"].to_numpy(), cov_struct=structure,
                    family=sm.families.Gaussian()).fit(ddof_scale=0)
    ours = fit_gaussian_gee(data["joa"].to_numpy(), X, data["patient"].to_numpy(), correlation=correlation)
    assert ours.converged
    np.testing.assert_allclose(ours.params, theirs.params, rtol=1e-10)
    np.testing.assert_allclose(ours.covariance, theirs.cov_params(), rtol=1e-8)
    np.testing.assert_allclose(ours.naive_covariance, theirs.cov_naive, rtol=1e-8)
    assert ours.scale == pytest.approx(theirs.scale, rel=1e-10)
    if correlation == "exchangeable":
        assert ours.working_correlation == pytest.approx(float(np.ravel(structure.dep_params)[0]), rel=1e-10)
    else:
        assert np.isnan(ours.working_correlation)
