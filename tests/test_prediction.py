"""Tests of helpers.stats.prediction: scikit-learn and naive-loop references, reference strategies, invariants."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import brentq
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from helpers.stats.logistic import logistic_regression
from helpers.stats.prediction import bootstrap_validation, calibration, decision_curve
from helpers.stats.roc import roc_auc
from helpers.validation.errors import InputError
from helpers.validation.estimable import NotEstimable


def test_decision_curve_reference_strategies():
    rng = np.random.default_rng(9)
    p = rng.uniform(0.02, 0.98, 400)
    y = rng.random(400) < p
    curve = decision_curve(y, p, thresholds=[0.0, 0.1, 0.25, 0.5, 0.8])
    prevalence = y.mean()
    t = curve["threshold"]
    assert (curve["net_benefit_treat_none"] == 0).all()
    np.testing.assert_allclose(curve["net_benefit_treat_all"], prevalence - (1 - prevalence) * t / (1 - t))
    assert curve["net_benefit_model"].iloc[0] == pytest.approx(prevalence)  # t = 0: the model treats everyone
    tp = ((p >= 0.25) & y).sum()
    fp = ((p >= 0.25) & ~y).sum()
    assert curve["net_benefit_model"].iloc[2] == pytest.approx(tp / 400 - fp / 400 * 0.25 / 0.75)
    with pytest.raises(InputError, match=r"\[0, 1\)"):
        decision_curve(y, p, thresholds=[1.0])


def test_calibration_of_true_probabilities():
    rng = np.random.default_rng(2024)
    p = 1 / (1 + np.exp(-rng.normal(-0.5, 1.2, 20_000)))
    y = rng.random(20_000) < p
    result = calibration(y, p)
    summary = result.summary.set_index("quantity")
    assert summary.loc["calibration_intercept", "estimate"] == pytest.approx(0, abs=0.05)
    assert summary.loc["calibration_slope", "estimate"] == pytest.approx(1, abs=0.05)
    for quantity, ideal in (("calibration_intercept", 0), ("calibration_slope", 1)):
        row = summary.loc[quantity]
        assert abs(row["estimate"] - ideal) < 3 * row["standard_error"]
        assert row["ci_low"] < row["estimate"] < row["ci_high"]
    assert len(result.bins) == 10 and result.bins["n"].sum() == 20_000
    np.testing.assert_allclose(result.bins["observed"], result.bins["mean_predicted"], atol=0.04)
    overfitted = calibration(y, 1 / (1 + np.exp(-2 * np.log(p / (1 - p)))))  # too extreme: slope near 1/2
    assert overfitted.summary.set_index("quantity").loc["calibration_slope", "estimate"] == pytest.approx(0.5, abs=0.05)


def test_calibration_matches_r_glm(reference_data):
    # R: d <- read.csv("aSAH.csv"); d$poor <- as.integer(d$outcome == "Poor"); p <- plogis(-1.5 + 4 * d$s100b)
    #    a <- glm(poor ~ 1, offset = qlogis(p), family = binomial, data = d)   # calibration intercept
    #    b <- glm(poor ~ qlogis(p), family = binomial, data = d)               # calibration slope
    #    se <- function(fit) { X <- model.matrix(fit); m <- fitted(fit)
    #                           sqrt(diag(solve(t(X) %*% (X * (m * (1 - m)))))) }
    #    coef(a); se(a); coef(b); se(b)
    # (summary.glm's standard errors use the working weights of the last IRLS iteration, off by ~1e-7 here;
    # se() is the inverse information at the estimate.)
    data = pd.read_csv(reference_data / "aSAH.csv")
    poor = (data["outcome"] == "Poor").astype(int)
    summary = calibration(poor, expit(-1.5 + 4 * data["s100b"])).summary.set_index("quantity")
    assert summary.loc["calibration_intercept", "estimate"] == pytest.approx(-0.0476888187605521, rel=1e-7)
    assert summary.loc["calibration_intercept", "standard_error"] == pytest.approx(0.213342283893034, rel=1e-7)
    assert summary.loc["calibration_slope", "estimate"] == pytest.approx(1.2260802443343628, rel=1e-7)
    assert summary.loc["calibration_slope", "standard_error"] == pytest.approx(0.299331216436082, rel=1e-7)


def test_logistic_model_matches_sklearn(roc_cohort):
    model = logistic_regression(roc_cohort, outcome="good", predictors=["fa", "f"])
    reference = LogisticRegression(C=np.inf, tol=1e-10, max_iter=10_000).fit(roc_cohort[["fa", "f"]], roc_cohort["good"])
    table = model.table.set_index("term")
    np.testing.assert_allclose(table["coef"], [reference.intercept_[0], *reference.coef_[0]], rtol=1e-4)
    np.testing.assert_allclose(table["odds_ratio"], np.exp(table["coef"]))
    assert (table["ci_low"] < table["odds_ratio"]).all() and (table["odds_ratio"] < table["ci_high"]).all()
    np.testing.assert_allclose(model.predicted_probability, reference.predict_proba(roc_cohort[["fa", "f"]])[:, 1],
                               rtol=1e-4)
    assert model.predicted_probability.index.equals(roc_cohort.index)
    pd.testing.assert_series_equal(model.predict(roc_cohort), model.predicted_probability)


def test_bootstrap_optimism_of_an_overfitted_model(roc_cohort):
    table = bootstrap_validation(roc_cohort, outcome="good", predictors=["fa", "f", "noise"], n_boot=60,
                                 rng=1).set_index("quantity")
    model = logistic_regression(roc_cohort, outcome="good", predictors=["fa", "f", "noise"])
    apparent = roc_auc(roc_cohort, outcome="good", predictor=model)["estimate"].iloc[0]
    auc = table.loc["auc"]
    assert auc["apparent"] == pytest.approx(apparent)
    assert auc["optimism"] > 0  # a noise predictor in 300 patients: the apparent AUC is optimistic
    assert auc["corrected"] == pytest.approx(auc["apparent"] - auc["optimism"])
    assert auc["n_boot"] + auc["n_failed"] == 60
    again = bootstrap_validation(roc_cohort, outcome="good", predictors=["fa", "f", "noise"], n_boot=60, rng=1)
    pd.testing.assert_frame_equal(again.set_index("quantity"), table)


def test_bootstrap_validation_matches_naive_loop(roc_cohort):
    table = bootstrap_validation(roc_cohort, outcome="good", predictors=["fa", "f"], n_boot=20, rng=8).set_index("quantity")
    # naive: the same draws (one row index vector per resample), sklearn refits, AUCs by sklearn; test
    # calibration of each refit on the original data, written independently: the slope by sklearn, the
    # offset intercept by solving sum(y - expit(a + lp)) = 0
    generator = np.random.default_rng(8)
    x, y = roc_cohort[["fa", "f"]].to_numpy(), roc_cohort["good"].to_numpy()
    optimism, intercepts, slopes = [], [], []
    for _ in range(20):
        draw = generator.integers(0, len(y), len(y))
        fit = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(x[draw], y[draw])
        lp = fit.decision_function(x)
        optimism.append(roc_auc_score(y[draw], fit.decision_function(x[draw])) - roc_auc_score(y, lp))
        slopes.append(LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(lp[:, None], y).coef_[0, 0])
        intercepts.append(brentq(lambda a, lp=lp: np.sum(y - expit(a + lp)), -10, 10, xtol=1e-12))
    assert table.loc["auc", "n_boot"] == 20
    assert table.loc["auc", "optimism"] == pytest.approx(np.mean(optimism), abs=1e-6)
    assert table.loc["calibration_slope", "corrected"] == pytest.approx(np.mean(slopes), abs=1e-5)
    assert table.loc["calibration_intercept", "corrected"] == pytest.approx(np.mean(intercepts), abs=1e-5)
    assert table.loc["calibration_slope", "apparent"] == 1 and table.loc["calibration_intercept", "apparent"] == 0


def test_bootstrap_leaves_out_separated_resamples():
    # 10 events among 40 patients, x splits them but for two overlapping patients: many resamples miss
    # the overlap and are completely separated (no maximum likelihood estimate), and are left out.
    x = np.r_[np.arange(30.0), np.arange(28.0, 38.0)]
    frame = pd.DataFrame({"event": np.r_[np.zeros(30, int), np.ones(10, int)], "x": x})
    with pytest.warns(UserWarning, match="resamples had one class, separation or no convergence"):
        table = bootstrap_validation(frame, outcome="event", predictors=["x"], n_boot=30, rng=3)
    row = table.iloc[0]
    assert row["n_failed"] > 0 and row["n_boot"] + row["n_failed"] == 30


@pytest.mark.filterwarnings("ignore:.*events per variable")
def test_a_completely_separated_model_has_no_optimism_calibration_or_decision_curve():
    # 8 poor and 22 good recoveries, FA below 0.40 in every poor and above 0.42 in every good one
    frame = pd.DataFrame({"good": np.r_[np.zeros(8, int), np.ones(22, int)],
                          "fa": np.r_[np.linspace(0.30, 0.39, 8), np.linspace(0.43, 0.55, 22)]})
    with pytest.warns(UserWarning, match="complete separation"):
        model = logistic_regression(frame, outcome="good", predictors=["fa"])
    assert model.table[["coef", "odds_ratio"]].isna().all().all()  # no term, the intercept included, is estimated
    assert model.table["method"].str.contains("complete separation of .good. by .fa.").all()
    with pytest.raises(NotEstimable, match=r"model of 'good' on 'fa' has no maximum likelihood fit in these 30 "
                                           r"patients \(the predictors separate the outcome perfectly"):
        bootstrap_validation(frame, outcome="good", predictors=["fa"], n_boot=20, rng=1)
    for analysis in (calibration, decision_curve):
        with pytest.raises(NotEstimable, match=r"of the 30 predicted probabilities are exactly 0 or 1"):
            analysis(frame["good"], model.predicted_probability)
    with pytest.raises(InputError, match="between 0 and 1") as raised:  # outside [0, 1] is an invalid input
        calibration(frame["good"], np.full(30, 1.5))
    assert not isinstance(raised.value, NotEstimable)


def test_apparent_calibration_is_ideal_and_overfitting_shrinks_the_slope(roc_cohort):
    # the apparent values bootstrap_validation assumes: intercept 0 and slope 1 in the development data
    model = logistic_regression(roc_cohort, outcome="good", predictors=["fa", "f"])
    summary = calibration(roc_cohort["good"], model.predicted_probability).summary.set_index("quantity")
    assert summary.loc["calibration_intercept", "estimate"] == pytest.approx(0, abs=1e-6)
    assert summary.loc["calibration_slope", "estimate"] == pytest.approx(1, abs=1e-6)
    rng = np.random.default_rng(4)
    small = roc_cohort.iloc[:80].assign(**{f"noise_{i}": rng.normal(size=80) for i in range(6)})
    predictors = ["fa", "f", *(f"noise_{i}" for i in range(6))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = bootstrap_validation(small, outcome="good", predictors=predictors, n_boot=40, rng=2)
    slope = table.set_index("quantity").loc["calibration_slope", "corrected"]
    assert slope < 0.9  # six noise predictors in 80 patients: predictions too extreme in new patients


def test_input_frame_unchanged(roc_cohort):
    before = roc_cohort.copy(deep=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = logistic_regression(roc_cohort, outcome="good", predictors=["fa", "f"])
        bootstrap_validation(roc_cohort, outcome="good", predictors=["fa", "f"], n_boot=5, rng=1)
        calibration(roc_cohort["good"], model.predicted_probability)
        decision_curve(roc_cohort["good"], model.predicted_probability)
    pd.testing.assert_frame_equal(roc_cohort, before)

