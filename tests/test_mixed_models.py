"""Tests of helpers.stats.mixed_models (the vectorised profiled-deviance engine behind fit_mixed_model).

References: lme4's published sleepstudy output (R calls in the comments) and statsmodels ``MixedLM``, an
independent implementation (it maximises the likelihood over the variance parameters directly and loops
over groups), on simulated data with one to three random effects and on the paraspinal-imf chapter's data.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from helpers.chapters.paraspinal_imf import analysis as paraspinal_imf_analysis
from helpers.chapters.paraspinal_imf.simulate import simulate as simulate_paraspinal_imf
from helpers.stats.mixed_models import (
    GRADIENT_TOLERANCE,
    OPTIMIZERS,
    _evaluate,
    _group_sums,
    _scaled_gradient,
    fit_mixed_model,
    fit_profiled,
)


@pytest.fixture(scope="module")
def sleepstudy(reference_data) -> pd.DataFrame:
    return pd.read_csv(reference_data / "sleepstudy.csv")


def _arrays(sleepstudy: pd.DataFrame, slope: bool):
    y = sleepstudy["Reaction"].to_numpy(float)
    X = np.column_stack([np.ones(len(y)), sleepstudy["Days"].to_numpy(float)])
    return y, X, (X if slope else X[:, :1]), sleepstudy["Subject"].to_numpy()


# R's values: tests/r/results/lme4.json (tests/r/lme4.R, lme4 run to full convergence). Tolerances: the
# criterion 1e-8 relative, fixed effects 1e-6, variance parameters and SEs 1e-5 (see test_r_parity.py).
def test_random_intercept_matches_lme4(sleepstudy, r_reference):
    # R: fm <- lmer(Reaction ~ Days + (1 | Subject), sleepstudy)   # REML
    r = lambda quantity: r_reference("lme4", "sleepstudy", f"(1 | Subject) REML: {quantity}")  # noqa: E731
    fit = fit_profiled(*_arrays(sleepstudy, slope=False))
    assert fit.converged and fit.n_groups == 18
    assert -2 * fit.log_likelihood == pytest.approx(r("REMLcrit"), rel=1e-8)
    assert np.sqrt(fit.random_covariance[0, 0]) == pytest.approx(r("sd[(Intercept)]"), rel=1e-5)
    assert np.sqrt(fit.residual_variance) == pytest.approx(r("sd[Residual]"), rel=1e-5)
    assert fit.beta == pytest.approx([r("fixef[(Intercept)]"), r("fixef[Days]")], rel=1e-6)
    assert np.sqrt(np.diag(fit.beta_covariance)) == pytest.approx([r("se[(Intercept)]"), r("se[Days]")], rel=1e-5)


def test_random_slope_maximum_likelihood_matches_lme4(sleepstudy, r_reference):
    # R: fm <- lmer(Reaction ~ Days + (Days | Subject), sleepstudy, REML = FALSE)
    r = lambda quantity: r_reference("lme4", "sleepstudy", f"(Days | Subject) ML: {quantity}")  # noqa: E731
    fit = fit_profiled(*_arrays(sleepstudy, slope=True), reml=False)
    assert fit.converged
    assert fit.log_likelihood == pytest.approx(r("logLik"), rel=1e-8)
    sd = np.sqrt(np.diag(fit.random_covariance))
    assert sd == pytest.approx([r("sd[(Intercept)]"), r("sd[Days]")], rel=1e-5)
    assert fit.random_covariance[0, 1] / (sd[0] * sd[1]) == pytest.approx(r("correlation[(Intercept):Days]"), rel=1e-5)
    assert np.sqrt(fit.residual_variance) == pytest.approx(r("sd[Residual]"), rel=1e-5)
    assert np.sqrt(np.diag(fit.beta_covariance)) == pytest.approx([r("se[(Intercept)]"), r("se[Days]")], rel=1e-5)


def test_theta_is_lme4s_relative_factor(sleepstudy, r_reference):
    # R: getME(lmer(Reaction ~ Days + (Days | Subject), sleepstudy), "theta")
    fit = fit_profiled(*_arrays(sleepstudy, slope=True))
    expected = [r_reference("lme4", "sleepstudy", f"(Days | Subject) REML: theta[theta{k}]") for k in (1, 2, 3)]
    assert fit.theta == pytest.approx(expected, rel=1e-5)
    assert fit.relative_factor == pytest.approx(np.array([[fit.theta[0], 0.0], [fit.theta[1], fit.theta[2]]]))
    assert fit.random_covariance == pytest.approx(fit.residual_variance * fit.relative_factor @ fit.relative_factor.T)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_every_optimiser_reaches_the_same_optimum(sleepstudy, optimizer):
    reference = fit_profiled(*_arrays(sleepstudy, slope=True))
    fit = fit_profiled(*_arrays(sleepstudy, slope=True), optimizers=(optimizer,))
    assert fit.converged and fit.optimizer == optimizer
    assert fit.log_likelihood == pytest.approx(reference.log_likelihood, abs=1e-6)
    assert fit.beta == pytest.approx(reference.beta, rel=1e-6)


def test_gradient_check_accepts_the_optimum_and_rejects_the_start(sleepstudy):
    y, X, Z, groups = _arrays(sleepstudy, slope=True)
    fit = fit_profiled(y, X, Z, groups)
    sums = _group_sums(y, X, Z, pd.factorize(groups)[0])
    deviance = lambda theta: _evaluate(theta, sums, True).deviance  # noqa: E731
    free = np.ones(3, dtype=bool)
    assert _scaled_gradient(deviance, fit.theta, free) < GRADIENT_TOLERANCE
    assert _scaled_gradient(deviance, np.array([1.0, 0.0, 1.0]), free) > GRADIENT_TOLERANCE
    assert _scaled_gradient(deviance, fit.theta, np.zeros(3, dtype=bool)) == 0.0


def _simulate(n_groups: int, q: int, seed: int) -> pd.DataFrame:
    """Unbalanced long data (1 to 7 rows per group) with q correlated random effects."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 8, n_groups)
    group = np.repeat(np.arange(n_groups), sizes)
    n = len(group)
    data = pd.DataFrame({"g": group, "t": rng.uniform(0, 5, n), "s": rng.normal(0, 1, n),
                         "arm": rng.choice(["a", "b"], n)})
    covariance = np.array([[4.0, 0.6, -0.4], [0.6, 1.0, 0.2], [-0.4, 0.2, 0.5]])[:q, :q]
    effects = rng.multivariate_normal(np.zeros(q), covariance, n_groups)[group]
    design = np.column_stack([np.ones(n), data["t"], data["s"]])[:, :q]
    data["y"] = 3 + 0.5 * data["t"] - data["s"] + (data["arm"] == "b") + (design * effects).sum(1) + rng.normal(0, 1, n)
    return data


@pytest.mark.parametrize("q, re_formula", [(1, None), (2, "~t"), (3, "~t + s")])
def test_agrees_with_statsmodels_mixedlm(q, re_formula):
    # statsmodels: smf.mixedlm("y ~ t + s + arm", data, groups="g", re_formula=...).fit(reml=True)
    data = _simulate(120, q, seed=q)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = smf.mixedlm("y ~ t + s + arm", data, groups="g", re_formula=re_formula).fit(reml=True, method=["lbfgs"])
    ours = fit_mixed_model(data, formula="y ~ t + s + arm", group="g", re_formula=re_formula)
    assert ours.converged and theirs.converged
    assert ours.log_likelihood == pytest.approx(theirs.llf, abs=1e-4)
    fixed = ours.fixed_effects.set_index("term")
    assert fixed["estimate"].to_numpy() == pytest.approx(theirs.fe_params.to_numpy(), rel=1e-4, abs=1e-6)
    # statsmodels' SEs come from the observed information, lme4's (and ours) from X'WX (expected
    # information): a few parts in a thousand apart, most for the coefficient that carries a random slope.
    assert fixed["standard_error"].to_numpy() == pytest.approx(theirs.bse_fe.to_numpy(), rel=5e-3)
    assert ours.random_effects["variance"].to_numpy() == pytest.approx(np.diag(theirs.cov_re), rel=2e-3)
    assert ours.residual_sd ** 2 == pytest.approx(theirs.scale, rel=1e-4)


def test_agrees_with_statsmodels_on_the_chapter_data():
    # The chapter's headline model (right multifidus, disability) on the default synthetic data with its
    # drop-out. Random intercept: the same optimum. Random intercept and slope: the fit is singular (slope
    # variance ~0) and statsmodels stops short of the boundary; ours must be at least as good, and lme4's
    # gradient check must hold there.
    cohort = paraspinal_imf_analysis.prepare_cohort(simulate_paraspinal_imf())
    data = cohort.dropna(subset=["disability"]).assign(years=lambda d: d["visit_month"] / 12)
    formula = "disability ~ C(visit_month) * C(group_multifidus_right) + age + C(sex) + bmi"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = {re: smf.mixedlm(formula, data, groups="patient_id", re_formula=re).fit(reml=True)
                  for re in (None, "~years")}
        ours = {re: fit_mixed_model(data, formula=formula, group="patient_id", re_formula=re) for re in theirs}
    intercept = ours[None]
    assert intercept.converged and not intercept.singular
    assert intercept.log_likelihood == pytest.approx(theirs[None].llf, abs=1e-4)
    fixed = intercept.fixed_effects.set_index("term")
    assert fixed["estimate"].to_numpy() == pytest.approx(theirs[None].fe_params.to_numpy(), rel=1e-5, abs=1e-6)
    assert fixed["standard_error"].to_numpy() == pytest.approx(theirs[None].bse_fe.to_numpy(), rel=5e-3)
    slope = ours["~years"]
    assert slope.converged and slope.singular
    assert slope.log_likelihood >= theirs["~years"].llf - 1e-6


def test_row_order_and_group_labels_do_not_matter(sleepstudy):
    y, X, Z, groups = _arrays(sleepstudy, slope=True)
    order = np.random.default_rng(3).permutation(len(y))
    relabelled = np.array([f"patient {g}" for g in groups])
    base = fit_profiled(y, X, Z, groups)
    shuffled = fit_profiled(y[order], X[order], Z[order], relabelled[order])
    assert shuffled.log_likelihood == pytest.approx(base.log_likelihood, abs=1e-8)
    assert shuffled.beta == pytest.approx(base.beta, rel=1e-6)


def test_inputs_are_checked(sleepstudy):
    with pytest.raises(ValueError, match="bfgs"):
        fit_profiled(*_arrays(sleepstudy, slope=False), optimizers=("bfgs",))
    with pytest.raises(ValueError, match="use one or more"):
        fit_profiled(*_arrays(sleepstudy, slope=False), optimizers=())


@pytest.mark.parametrize("q", [1, 2, 3])
@pytest.mark.parametrize("reml", [True, False])
def test_exact_gradient_equals_central_differences(q, reml):
    # The optimiser's gradient of the profiled deviance (closed form in _evaluate) against central
    # differences at an arbitrary point, for 1 to 3 random effects (q = 3 uses the general inverse).
    rng = np.random.default_rng(7 + q)
    groups = np.repeat(np.arange(40), 5)
    time = np.tile(np.arange(5.0), 40)
    Z = np.column_stack([np.ones(200), time, time ** 2 / 4])[:, :q]
    X = np.column_stack([np.ones(200), time, rng.normal(size=200)])
    b = rng.normal(size=(40, q))
    y = X @ [3.0, 1.0, -0.5] + np.sum(Z * b[groups], axis=1) + rng.normal(size=200)
    sums = _group_sums(y, X, Z, groups)
    theta = rng.uniform(0.2, 1.0, q * (q + 1) // 2)
    exact = _evaluate(theta, sums, reml, gradient=True).gradient
    step = 1e-5
    numeric = [(_evaluate(theta + step * unit, sums, reml).deviance
                - _evaluate(theta - step * unit, sums, reml).deviance) / (2 * step) for unit in np.eye(len(theta))]
    np.testing.assert_allclose(exact, numeric, rtol=1e-5, atol=1e-6)
    assert _evaluate(theta, sums, reml).gradient is None
