"""Tests of helpers.stats.logistic: maximum likelihood against statsmodels, Firth against its definition."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import optimize, special, stats

from helpers.stats.design import design_matrix
from helpers.stats.logistic import (
    _detect_separation,
    _firth_derivatives,
    logistic_regression,
    univariable_logistic_regression,
)
from helpers.validation.errors import InputError


def penalised_loglik(beta: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    """Firth's l*(b) = l(b) + log det(X'WX) / 2, written independently of the module."""
    eta = x @ beta
    loglik = np.sum(y * eta - np.logaddexp(0, eta))  # sum y log(pi) + (1 - y) log(1 - pi), stable
    prob = special.expit(eta)
    return loglik + 0.5 * np.linalg.slogdet(x.T @ np.diag(prob * (1 - prob)) @ x)[1]


def profile_maximum(x: np.ndarray, y: np.ndarray, index: int, value: float, start: np.ndarray) -> float:
    """max over the other coefficients of l*(b) with b[index] = value (scipy, independent of the module)."""
    others = [k for k in range(x.shape[1]) if k != index]

    def negative(free: np.ndarray) -> float:
        beta = np.empty(x.shape[1])
        beta[index], beta[others] = value, free
        return -penalised_loglik(beta, x, y)

    start = start.copy()
    if index != 0:  # keep the mean linear predictor where it was, so that the start is feasible
        start[0] -= (value - start[index]) * x[:, index].mean()
    found = optimize.minimize(negative, start[others], method="Nelder-Mead",
                              options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000})
    return -found.fun


@pytest.fixture
def cohort() -> pd.DataFrame:
    rng = np.random.default_rng(20240611)
    n = 400
    age = rng.normal(65, 10, n)
    grade = rng.choice(["A", "B", "C"], n, p=[0.5, 0.3, 0.2])
    smoker = rng.random(n) < 0.3
    logit = -8 + 0.11 * age + np.select([grade == "B", grade == "C"], [0.6, 1.1], 0) + 0.5 * smoker
    return pd.DataFrame({"complication": (rng.random(n) < special.expit(logit)).astype(int),
                         "age": age, "grade": grade, "smoker": smoker})


@pytest.fixture
def separated() -> pd.DataFrame:
    return pd.DataFrame({"dead": [0, 0, 0, 0, 1, 1, 1, 1], "age": [50, 55, 60, 62, 65, 70, 75, 80.0]})


# --- maximum likelihood -------------------------------------------------------------------------

def test_odds_ratios_equal_exp_of_statsmodels_coefficients(cohort):
    fit = logistic_regression(cohort, outcome="complication", predictors=["age", "grade", "smoker"])
    reference = smf.logit("complication ~ age + C(grade) + smoker", data=cohort.assign(
        smoker=cohort["smoker"].astype(int))).fit(disp=0)
    names = {"Intercept": "Intercept", "age": "age", "grade[T.B]": "C(grade)[T.B]",
             "grade[T.C]": "C(grade)[T.C]", "smoker": "smoker"}
    table = fit.table.set_index("term")
    for ours, theirs in names.items():
        assert table.loc[ours, "odds_ratio"] == pytest.approx(np.exp(reference.params[theirs]), rel=1e-6)
        assert table.loc[ours, "standard_error"] == pytest.approx(reference.bse[theirs], rel=1e-6)
        assert table.loc[ours, "p_value"] == pytest.approx(reference.pvalues[theirs], rel=1e-5)
        low, high = np.exp(reference.conf_int().loc[theirs])
        assert (table.loc[ours, "ci_low"], table.loc[ours, "ci_high"]) == pytest.approx((low, high), rel=1e-6)
        assert table.loc[ours, "ci_low"] < table.loc[ours, "odds_ratio"] < table.loc[ours, "ci_high"]
    assert table.loc["grade[T.B]", "reference"] == "A" and table.loc["grade[T.C]", "level"] == "C"
    assert fit.separation == "none" and fit.converged and not fit.firth


def test_matches_r_glm_on_lalonde_with_predictions(reference_data):
    # R: d <- read.csv("lalonde.csv")
    #    fit <- glm(treat ~ age + educ + race + married + re74, family = binomial, data = d)
    #    se <- function(fit) { X <- model.matrix(fit); m <- fitted(fit)
    #                           sqrt(diag(solve(t(X) %*% (X * (m * (1 - m)))))) }
    #    s <- se(fit); z <- qnorm(0.975)
    #    cbind(coef(fit), s, 2 * pnorm(-abs(coef(fit) / s)), exp(coef(fit) - z * s), exp(coef(fit) + z * s))
    #    fitted(fit)[c(1, 2, 200, 614)]    # = predict(fit, type = "response")
    #    new <- data.frame(age = c(25, 40), educ = c(12, 8), race = c("white", "hispan"), married = c(0, 1),
    #                      re74 = c(0, 5000))
    #    predict(fit, newdata = new, type = "response")
    # (summary(fit)'s standard errors use the working weights of the last IRLS iteration and differ from
    # se(), the inverse information at the estimate, by ~1e-5 relative here.)
    data = pd.read_csv(reference_data / "lalonde.csv", index_col="id")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 185 treated for 6 parameters: no EPV or separation warning
        fit = logistic_regression(data, outcome="treat", predictors=["age", "educ", "race", "married", "re74"])
    r = pd.DataFrame({
        "coef": [-5.40737734439003e-02, 1.05450457153623e-02, 6.77246316466126e-02, -2.07235586894681e+00,
                 -3.10312255668694e+00, -7.50490604156451e-01, -5.70362379512904e-05],
        "standard_error": [0.631082370222119, 0.0133895586789417, 0.0472847674458963, 0.362971062859685,
                           0.286112710537551, 0.279108605978084, 2.3338727780734e-05],
        "p_value": [9.31717480874437e-01, 4.30955654306411e-01, 1.52066094704922e-01, 1.13358848322828e-08,
                    2.08790534477069e-27, 7.16913736835236e-03, 1.45316600438082e-02],
        "ci_low": [0.2750032150322818, 0.9844245644344136, 0.9753569137700575, 0.0618053048267408,
                   0.0256325265696471, 0.2732048443261296, 0.9998972259777652],
        "ci_high": [3.2635806237285516, 1.0374731554210153, 1.1739816287484097, 0.2564181782823714,
                    0.0786811280390821, 0.8159128031079195, 0.9999887068917116]},
        index=["Intercept", "age", "educ", "race[T.hispan]", "race[T.white]", "married", "re74"])
    table = fit.table.set_index("term")
    assert list(table.index) == list(r.index)
    for column in r.columns:
        np.testing.assert_allclose(table[column], r[column], rtol=1e-6, err_msg=column)
    np.testing.assert_allclose(table["odds_ratio"], np.exp(r["coef"]), rtol=1e-6)
    probability = fit.predicted_probability
    assert probability.index.equals(data.index) and probability.name == "predicted_probability"
    np.testing.assert_allclose(probability.iloc[[0, 1, 199, 613]],
                               [0.5818988537714224, 0.2167144120454541, 0.5824607562294096, 0.0847917089339975],
                               rtol=1e-6)
    new = pd.DataFrame({"age": [25, 40], "educ": [12, 8], "race": ["white", "hispan"], "married": [0, 1],
                        "re74": [0.0, 5000.0]}, index=["a", "b"])
    predicted = fit.predict(new)
    np.testing.assert_allclose(predicted, [0.1109696526069084, 0.0998850408355218], rtol=1e-6)
    assert list(predicted.index) == ["a", "b"]
    pd.testing.assert_series_equal(fit.predict(data), probability)
    assert fit.label == "logistic(age + educ + race + married + re74)"


def test_predict_checks_new_data(cohort):
    fit = logistic_regression(cohort, outcome="complication", predictors=["age", "grade"])
    with pytest.raises(InputError, match=r"'grade' has levels \['D'\] in rows 1"):
        fit.predict(pd.DataFrame({"age": [60, 70], "grade": ["A", "D"]}))
    with pytest.raises(InputError, match=r"missing values in 'age' in rows 0"):
        fit.predict(pd.DataFrame({"age": [np.nan], "grade": ["A"]}))
    with pytest.raises(InputError, match="not found"):
        fit.predict(pd.DataFrame({"age": [60]}))
    with pytest.raises(InputError, match="must be numeric"):
        fit.predict(pd.DataFrame({"age": ["sixty"], "grade": ["A"]}))
    reference_c = logistic_regression(cohort, outcome="complication", predictors=["age", "grade"],
                                      reference={"grade": "C"})  # same model, other coding: same predictions
    np.testing.assert_allclose(reference_c.predicted_probability, fit.predicted_probability, rtol=1e-8)


def test_predicted_probability_covers_the_rows_used(cohort):
    holes = cohort.copy()
    holes.loc[[3, 17], "age"] = np.nan
    with pytest.warns(UserWarning, match="2 of 400 rows dropped"):
        fit = logistic_regression(holes, outcome="complication", predictors=["age"], missing="drop")
    assert fit.predicted_probability.index.equals(holes.index.drop([3, 17]))
    # the fitted probabilities average to the observed proportion (score equation of the intercept)
    assert fit.predicted_probability.mean() == pytest.approx(holes["complication"].drop([3, 17]).mean(), rel=1e-8)


def test_events_per_variable_reported_and_warned(cohort):
    events = int(cohort["complication"].sum())
    rarer = min(events, len(cohort) - events)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = logistic_regression(cohort, outcome="complication", predictors=["age"])
    assert fit.events_per_variable == rarer and fit.n_parameters == 1 and fit.n_events == events
    small = cohort.head(60)
    with pytest.warns(UserWarning, match="events per variable"):
        fit = logistic_regression(small, outcome="complication", predictors=["age", "grade", "smoker"])
    assert fit.events_per_variable == pytest.approx(min(small["complication"].sum(), 60 - small["complication"].sum()) / 4)


def test_univariable_fits_match_single_models(cohort):
    table = univariable_logistic_regression(cohort, outcome="complication", predictors=["age", "grade"])
    assert table["model"].tolist() == ["age", "grade", "grade"]
    alone = logistic_regression(cohort, outcome="complication", predictors=["grade"]).table.set_index("term")
    np.testing.assert_allclose(table.set_index("term").loc[["grade[T.B]", "grade[T.C]"], "odds_ratio"],
                               alone.loc[["grade[T.B]", "grade[T.C]"], "odds_ratio"])


# --- separation ---------------------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore:.*events per variable")
def test_separation_detected(separated):
    x = np.column_stack([np.ones(8), separated["age"]])
    y = separated["dead"].to_numpy()
    kind, direction = _detect_separation(x, y)
    assert kind == "complete" and direction[1] > 0
    quasi = y.copy()
    x_quasi = np.column_stack([np.ones(9), np.r_[separated["age"], 62.0]])
    assert _detect_separation(x_quasi, np.r_[quasi, 1])[0] == "quasi-complete"   # tie at 62 in both classes
    overlapping = np.array([0, 0, 1, 0, 1, 0, 1, 1])
    assert _detect_separation(x, overlapping)[0] == "none"
    with pytest.warns(UserWarning, match="complete separation.*firth=True"):
        fit = logistic_regression(separated, outcome="dead", predictors=["age"])
    assert fit.separation == "complete" and fit.separation_terms == ("age",)
    # the likelihood has no maximum: no term has an estimate, the intercept included (only where the optimiser
    # stopped), and each row says why
    table = fit.table.set_index("term")
    assert table[["coef", "standard_error", "odds_ratio", "ci_low", "ci_high", "p_value"]].isna().all().all()
    assert (table["method"] == "not estimated for this cohort: maximum likelihood logistic regression: complete "
                               "separation of 'dead' by 'age' (a cut-off on it predicts every patient's outcome "
                               "exactly), so the likelihood has no maximum and no term of the model, the intercept "
                               "included, has an estimate (Firth's estimates stay finite)").all()


@pytest.mark.filterwarnings("ignore:.*events per variable")
def test_a_converged_fit_spares_the_linear_programme(separated, monkeypatch):
    # Without separation, the maximum likelihood fit's score equations bound the programme's optimum and
    # the programme is not solved; under separation the fitted coefficients prove nothing and it decides.
    x = np.column_stack([np.ones(8), separated["age"]])
    overlapping = np.array([0, 0, 1, 0, 1, 0, 1, 1])
    coef = smf.logit("y ~ age", pd.DataFrame({"y": overlapping, "age": separated["age"]})).fit(disp=0).params
    solved = []
    real = optimize.linprog
    monkeypatch.setattr(optimize, "linprog", lambda *a, **k: solved.append(1) or real(*a, **k))
    assert _detect_separation(x, overlapping, coef=coef.to_numpy()) == ("none", pytest.approx([0.0, 0.0]))
    assert not solved
    y = separated["dead"].to_numpy()
    diverged = np.array([-300.0, 5.0])  # where Newton's method drifts under complete separation
    kind, direction = _detect_separation(x, y, coef=diverged)
    assert solved and kind == "complete" and direction[1] > 0
    assert (kind, list(direction)) == (_detect_separation(x, y)[0], list(_detect_separation(x, y)[1]))


def test_quasi_separation_by_a_category_warns(cohort):
    data = cohort.copy()
    data.loc[data["grade"] == "C", "complication"] = 1  # every grade C patient has the event
    with pytest.warns(UserWarning, match=r"quasi-complete separation.*grade\[T.C\]"):
        fit = logistic_regression(data, outcome="complication", predictors=["age", "grade"])
    assert fit.separation == "quasi-complete"


# --- Firth --------------------------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore:.*events per variable")
def test_firth_finite_under_complete_separation(separated):
    with pytest.warns(UserWarning, match="separation"):
        fit = logistic_regression(separated, outcome="dead", predictors=["age"], firth=True)
    assert np.isfinite(fit.table[["coef", "standard_error", "ci_low", "ci_high", "p_value"]].to_numpy()).all()
    assert fit.converged and fit.firth
    assert fit.table["method"].str.contains("profile penalised-likelihood").all()


@pytest.mark.parametrize("data_name", ["separated", "cohort"])
def test_firth_maximises_penalised_likelihood(request, data_name):
    data = request.getfixturevalue(data_name)
    outcome, predictors = ("dead", ["age"]) if data_name == "separated" else ("complication", ["age", "grade"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = logistic_regression(data, outcome=outcome, predictors=predictors, firth=True)
    x = np.column_stack([np.ones(len(data)), design_matrix(data, predictors=predictors).matrix])
    y = data[outcome].to_numpy(dtype=float)
    beta = fit.table["coef"].to_numpy()
    # Central differences along each coefficient in steps of 1e-4 standard errors: d l* / d(b_k / SE_k).
    steps = 1e-4 * fit.table["standard_error"].to_numpy()
    gradient = [(penalised_loglik(beta + h * e, x, y) - penalised_loglik(beta - h * e, x, y)) / 2e-4
                for h, e in zip(steps, np.eye(len(beta)))]
    np.testing.assert_allclose(gradient, 0, atol=1e-6)
    moved = beta + np.r_[0.0, 0.05 * steps[1:] / 1e-4]  # 0.05 SE away: the penalised likelihood is lower
    assert penalised_loglik(moved, x, y) < penalised_loglik(beta, x, y)
    assert fit.log_likelihood == pytest.approx(penalised_loglik(beta, x, y), rel=1e-10)


def test_firth_close_to_maximum_likelihood_in_large_sample():
    rng = np.random.default_rng(7)
    n = 5000
    data = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n)})
    data["y"] = (rng.random(n) < special.expit(-0.5 + 0.8 * data["x1"] - 0.4 * data["x2"])).astype(int)
    ml = logistic_regression(data, outcome="y", predictors=["x1", "x2"]).table
    firth = logistic_regression(data, outcome="y", predictors=["x1", "x2"], firth=True).table
    assert np.all(np.abs(firth["coef"] - ml["coef"]) < 0.02 * ml["standard_error"] + 1e-3)
    np.testing.assert_allclose(firth["standard_error"], ml["standard_error"], rtol=0.01)
    np.testing.assert_allclose(np.log(firth["ci_low"]), np.log(ml["ci_low"]), atol=0.1 * ml["standard_error"].max())


def test_firth_two_by_two_table_adds_one_half_to_each_cell():
    # In a saturated model Firth's estimate equals the log odds ratio with 1/2 added to every cell
    # (Firth 1993; Heinze & Schemper 2002), here with an empty cell: exposed 6/6 events, unexposed 2/10.
    data = pd.DataFrame({"exposed": [1] * 6 + [0] * 10, "event": [1] * 6 + [1] * 2 + [0] * 8})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = logistic_regression(data, outcome="event", predictors=["exposed"], firth=True)
    table = fit.table.set_index("term")
    assert table.loc["exposed", "odds_ratio"] == pytest.approx((6.5 / 0.5) / (2.5 / 8.5), rel=1e-8)
    assert table.loc["Intercept", "odds_ratio"] == pytest.approx(2.5 / 8.5, rel=1e-8)
    # Intercept-only analogue: pi = (events + 1/2) / (n + 1), checked through the 2x2 intercept above.


def test_firth_profile_limits_and_penalised_lr_test(separated):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = logistic_regression(separated, outcome="dead", predictors=["age"], firth=True)
    x = np.column_stack([np.ones(8), separated["age"]])
    y = separated["dead"].to_numpy(dtype=float)
    beta = fit.table["coef"].to_numpy()
    maximum = penalised_loglik(beta, x, y)
    critical = stats.chi2.ppf(0.95, 1)
    row = fit.table.iloc[1]
    for bound in (np.log(row["ci_low"]), np.log(row["ci_high"])):
        deviance = 2 * (maximum - profile_maximum(x, y, 1, bound, beta))
        assert deviance == pytest.approx(critical, abs=1e-4)
    at_zero = profile_maximum(x, y, 1, 0.0, beta)
    assert row["p_value"] == pytest.approx(stats.chi2.sf(2 * (maximum - at_zero), 1), rel=1e-4)


def test_firth_hessian_matches_numerical_derivative(cohort):
    x = np.column_stack([np.ones(len(cohort)), design_matrix(cohort, predictors=["age", "grade"]).matrix])
    y = cohort["complication"].to_numpy(dtype=float)
    beta = np.array([-7.0, 0.1, 0.5, 1.0])
    score, _, hessian = _firth_derivatives(beta, x, y)
    step = 1e-6
    numerical = np.array([(_firth_derivatives(beta + step * e, x, y)[0] - _firth_derivatives(beta - step * e, x, y)[0])
                          / (2 * step) for e in np.eye(4)])
    np.testing.assert_allclose(hessian, numerical, rtol=1e-4, atol=1e-4)
    gradient = [(penalised_loglik(beta + step * e, x, y) - penalised_loglik(beta - step * e, x, y)) / (2 * step)
                for e in np.eye(4)]
    np.testing.assert_allclose(score, gradient, rtol=1e-4, atol=1e-4)


# --- inputs -------------------------------------------------------------------------------------

def test_input_unchanged(cohort):
    before = cohort.copy()
    logistic_regression(cohort, outcome="complication", predictors=["age", "grade"], firth=True)
    univariable_logistic_regression(cohort, outcome="complication", predictors=["age", "smoker"])
    pd.testing.assert_frame_equal(cohort, before)


def test_input_errors(cohort):
    with pytest.raises(InputError, match="'grade'.*1 = event"):
        logistic_regression(cohort, outcome="grade", predictors=["age"])
    with pytest.raises(InputError, match="both outcomes"):
        logistic_regression(cohort.assign(complication=0), outcome="complication", predictors=["age"])
    with pytest.raises(InputError, match="not found"):
        logistic_regression(cohort, outcome="complication", predictors=["weight"])
    with pytest.raises(InputError, match="collinear"):
        logistic_regression(cohort.assign(age2=cohort["age"] * 2), outcome="complication", predictors=["age", "age2"])
    with pytest.raises(InputError, match="reference level 'D'"):
        logistic_regression(cohort, outcome="complication", predictors=["grade"], reference={"grade": "D"})
    holes = cohort.copy()
    holes.loc[[3, 17], "age"] = np.nan
    with pytest.raises(InputError, match=r"'age' in rows 3, 17"):
        logistic_regression(holes, outcome="complication", predictors=["age"])
    with pytest.warns(UserWarning, match="2 of 400 rows dropped"):
        assert logistic_regression(holes, outcome="complication", predictors=["age"], missing="drop").n == 398
