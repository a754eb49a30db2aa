"""Tests of helpers.stats.cox (Cox models, Schoenfeld test) against R's survival package on lung and by hand.

Moved from test_survival.py when the Cox model and the proportional-hazards test moved to helpers.stats.cox.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter
from lifelines.statistics import proportional_hazard_test

from helpers.stats.cox import _time_transform, cox_model, proportional_hazards_test, smooth_schoenfeld_residuals
from helpers.validation.errors import InputError
from helpers.validation.estimable import NotEstimable


@pytest.fixture(scope="module")
def lung(reference_data) -> pd.DataFrame:
    """R's survival::lung with status recoded: dead = 1 when status == 2 (R's 1 = censored, 2 = dead)."""
    frame = pd.read_csv(reference_data / "lung.csv")
    return frame.assign(dead=frame["status"].eq(2).astype(int))


# --- R reference values (tests/r/results/survival.json, from tests/r/survival.R) ----------------------
# Tolerance 5e-4 relative: lifelines' default stopping rule leaves the coefficients up to 5e-5 relative
# from coxph's optimum (p-values 2e-4); see test_r_parity.py::test_cox_model_converges_as_coxph.
COX_REL = 5e-4


def test_cox_sex_matches_r(lung, r_reference):
    # R: coxph(Surv(time, status) ~ sex, data = lung): coef, se, Wald p, HR CI, LR test, concordance
    fit = cox_model(lung, time="time", event="dead", covariates=["sex"])
    row = fit.table.iloc[0]
    r = lambda quantity: r_reference("survival", "lung", f"sex: {quantity}")  # noqa: E731
    assert row["coef"] == pytest.approx(r("coef[sex]"), rel=COX_REL)
    assert row["hazard_ratio"] == pytest.approx(np.exp(r("coef[sex]")), rel=COX_REL)
    assert row["standard_error"] == pytest.approx(r("se[sex]"), rel=COX_REL)
    assert row["p_value"] == pytest.approx(r("p[sex]"), rel=COX_REL)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((r("hr_ci_low[sex]"), r("hr_ci_high[sex]")), rel=COX_REL)
    assert fit.likelihood_ratio == pytest.approx(r("lr_statistic"), rel=1e-8)
    assert fit.concordance == pytest.approx(r("concordance"), rel=1e-12)
    assert fit.likelihood_ratio_df == 1
    assert row["z"] == pytest.approx(row["coef"] / row["standard_error"])
    assert row["ci_low"] < row["hazard_ratio"] < row["ci_high"]
    assert np.log(row["ci_high"]) - row["coef"] == pytest.approx(1.959964 * row["standard_error"], rel=1e-6)


def test_cox_sex_age_matches_r(lung, r_reference):
    # R: coxph(Surv(time, status) ~ sex + age, data = lung)
    fit = cox_model(lung, time="time", event="dead", covariates=["sex", "age"])
    table = fit.table.set_index("term")
    r = lambda quantity: r_reference("survival", "lung", f"sex + age: {quantity}")  # noqa: E731
    for term in ("sex", "age"):
        assert table.loc[term, "coef"] == pytest.approx(r(f"coef[{term}]"), rel=COX_REL)
        assert table.loc[term, "standard_error"] == pytest.approx(r(f"se[{term}]"), rel=COX_REL)
        assert table.loc[term, "p_value"] == pytest.approx(r(f"p[{term}]"), rel=COX_REL)
    assert fit.concordance == pytest.approx(r("concordance"), rel=1e-12)
    assert fit.likelihood_ratio == pytest.approx(r("lr_statistic"), rel=1e-8)
    assert fit.likelihood_ratio_df == 2 and fit.n == 228 and fit.n_event == 165


def test_cox_categorical_covariate_states_reference(lung, r_reference):
    labelled = lung.assign(sex_label=lung["sex"].map({1: "male", 2: "female"}))
    fit = cox_model(labelled, time="time", event="dead", covariates=["sex_label"], reference={"sex_label": "male"})
    row = fit.table.iloc[0]
    assert (row["term"], row["level"], row["reference"]) == ("sex_label[T.female]", "female", "male")
    assert row["coef"] == pytest.approx(r_reference("survival", "lung", "sex: coef[sex]"), rel=5e-4)  # R's 1/2 coding
    flipped = cox_model(labelled, time="time", event="dead", covariates=["sex_label"])  # sorted: female first
    assert flipped.table.iloc[0]["reference"] == "female"
    assert flipped.table.iloc[0]["coef"] == pytest.approx(-row["coef"], rel=1e-5)


# --- Schoenfeld test ----------------------------------------------------------------------------

def test_time_transforms_follow_r():
    durations, events = np.array([1.0, 2.0, 2.0, 3.0, 4.0]), np.array([1, 1, 1, 0, 1])
    # left-continuous KM: S(1-) = 1, S(2-) = 4/5, S(4-) = 4/5 * 2/4
    np.testing.assert_allclose(_time_transform(durations, events, "km")[events == 1], [0, 0.2, 0.2, 0.6])
    np.testing.assert_allclose(_time_transform(durations, events, "rank")[events == 1], [1, 2.5, 2.5, 4])
    np.testing.assert_allclose(_time_transform(durations, events, "log"), np.log(durations))
    with pytest.raises(InputError, match="transform"):
        _time_transform(durations, events, "square")


def test_proportional_hazards_test_formula(lung):
    fit = cox_model(lung, time="time", event="dead", covariates=["sex", "age"])
    result = proportional_hazards_test(fit, transform="km")
    # Hand computation of R (< 3.0) cox.zph: z_k = (g' r2)_k^2 / (V_kk D g'g), r2 = s V D.
    schoenfeld = fit.schoenfeld
    g = pd.Series(_time_transform(fit.data["time"], fit.data["dead"], "km"), index=fit.data.index)
    g = g.loc[schoenfeld.index] - g.loc[schoenfeld.index].mean()
    variance, deaths = fit.variance.to_numpy(), len(schoenfeld)
    scaled = schoenfeld.to_numpy() @ variance * deaths
    per_term = (g.to_numpy() @ scaled) ** 2 / (np.diag(variance) * deaths * np.sum(g ** 2))
    table = result.table.set_index("term")
    np.testing.assert_allclose(table.loc[["sex", "age"], "statistic"], per_term, rtol=1e-8)
    assert table.loc["GLOBAL", "df"] == 2 and 0 < table.loc["GLOBAL", "p_value"] < 1
    # lifelines' own "km" (right-continuous) gives a different statistic with tied death times.
    fitter = CoxPHFitter().fit(fit.data, duration_col="time", event_col="dead")
    own = proportional_hazard_test(fitter, fit.data, time_transform="km").summary
    assert abs(own.loc["sex", "test_statistic"] - table.loc["sex", "statistic"]) > 1e-4
    # Plot data: one row per term and death, beta(t) = coef + scaled residual.
    residuals = result.residuals
    assert len(residuals) == 2 * fit.n_event
    sex = residuals.loc[residuals["term"] == "sex"]
    np.testing.assert_allclose(sex["beta_t"] - sex["scaled_residual"], fit.table.iloc[0]["coef"])


def test_global_equals_single_term_test(lung):
    fit = cox_model(lung, time="time", event="dead", covariates=["age"])
    table = proportional_hazards_test(fit, transform="rank").table.set_index("term")
    assert table.loc["GLOBAL", "statistic"] == pytest.approx(table.loc["age", "statistic"], rel=1e-8)
    assert (table["transform"] == "rank").all()


def test_smooth_of_linear_residuals_is_the_line(lung):
    fit = cox_model(lung, time="time", event="dead", covariates=["sex", "age"])
    result = proportional_hazards_test(fit)
    # Replace beta(t) by an exact line in transformed time: local linear fits must return it unchanged.
    line = result.residuals.assign(beta_t=lambda r: 0.3 - 1.7 * r["transformed_time"])
    smooth = smooth_schoenfeld_residuals(type(result)(table=result.table, residuals=line), fraction=0.5)
    assert len(smooth) == len(result.residuals) and set(smooth["term"]) == {"sex", "age"}
    np.testing.assert_allclose(smooth["beta_t_smooth"], 0.3 - 1.7 * smooth["transformed_time"], atol=1e-8)
    actual = smooth_schoenfeld_residuals(result)
    sex = actual.loc[actual["term"] == "sex"]
    assert sex["transformed_time"].is_monotonic_increasing and np.isfinite(sex["beta_t_smooth"]).all()
    assert result.residuals.loc[result.residuals["term"] == "sex", "beta_t"].min() <= sex["beta_t_smooth"].min()
    with pytest.raises(InputError, match="fraction"):
        smooth_schoenfeld_residuals(result, fraction=0)


# --- Inputs -------------------------------------------------------------------------------------

def test_input_frame_unchanged(lung):
    before = lung.copy()
    fit = cox_model(lung, time="time", event="dead", covariates=["sex", "age"])
    proportional_hazards_test(fit)
    pd.testing.assert_frame_equal(lung, before)


def test_input_errors(lung):
    with pytest.raises(InputError, match="ph.ecog"):
        cox_model(lung, time="time", event="dead", covariates=["ph.ecog"])
    with pytest.raises(InputError, match="efron"):
        cox_model(lung, time="time", event="dead", covariates=["sex"], ties="breslow")
    with pytest.warns(UserWarning, match="1 of 228 rows dropped"):
        fit = cox_model(lung, time="time", event="dead", covariates=["ph.ecog"], missing="drop")
    assert fit.n == 227
    with pytest.raises(InputError, match="transform"):
        proportional_hazards_test(fit, transform="square")


def test_few_events_warn():
    data = pd.DataFrame({"t": [2, 3, 5, 7, 9, 11, 4, 6], "e": [1, 0, 1, 1, 0, 1, 1, 1],
                         "age": [70, 62, 75, 50, 58, 66, 80, 55]})
    with pytest.warns(UserWarning, match="events per parameter"):
        cox_model(data, time="t", event="e", covariates=["age"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cox_model(pd.concat([data] * 2, ignore_index=True), time="t", event="e", covariates=["age"])


# --- Six decimals against R, and at registry scale ----------------------------------------------

def test_cox_lung_three_covariates_matches_r_to_six_decimals(lung):
    # R: f <- coxph(Surv(time, status) ~ sex + age + ph.ecog, data = lung)
    #    print(coef(f), digits = 12); sqrt(diag(vcov(f))); f$loglik; f$concordance["concordance"]
    with pytest.warns(UserWarning, match="dropped"):
        fit = cox_model(lung, time="time", event="dead", covariates=["sex", "age", "ph.ecog"], missing="drop")
    np.testing.assert_allclose(fit.table["coef"], [-0.5526123957036, 0.0110667645601, 0.4637284753704], atol=1e-8)
    np.testing.assert_allclose(fit.table["standard_error"], [0.1677390537873, 0.0092674110137, 0.1135772661620],
                               atol=1e-8)
    assert fit.log_likelihood == pytest.approx(-729.230121375, abs=1e-6)
    assert fit.likelihood_ratio == pytest.approx(2 * (-729.230121375 + 744.480455761), abs=1e-6)
    assert fit.concordance == pytest.approx(0.637135493, abs=1e-8)


def test_cox_pbc_matches_r_to_six_decimals(reference_data):
    # R: f <- coxph(Surv(time, status == 2) ~ age + edema + log(bili) + albumin, data = pbc)
    pbc = pd.read_csv(reference_data / "pbc.csv")
    pbc = pbc.assign(dead=pbc["status"].eq(2).astype(int), log_bili=np.log(pbc["bili"]))
    fit = cox_model(pbc, time="time", event="dead", covariates=["age", "edema", "log_bili", "albumin"])
    np.testing.assert_allclose(fit.table["coef"], [0.0396251903586, 1.0453342185515, 0.8935062478526,
                                                   -0.7898003530513], atol=1e-8)
    np.testing.assert_allclose(fit.table["standard_error"], [0.00774725631029, 0.26925742081192,
                                                             0.08226730762703, 0.20894199559250], atol=1e-8)
    assert fit.log_likelihood == pytest.approx(-761.203018831, abs=1e-6)
    assert fit.likelihood_ratio == pytest.approx(2 * (-761.203018831 + 873.472056160), abs=1e-6)
    assert fit.concordance == pytest.approx(0.833119677685, abs=1e-9)


def test_cox_registry_scale_with_ties_matches_r():
    from simulated_registry import registry

    # R: d <- read.csv("registry100k.csv")  (tests/simulated_registry.py)
    #    f <- coxph(Surv(months, dead) ~ age + female + score + group, data = d)
    #    coef(f); sqrt(diag(vcov(f))); f$loglik; f$concordance
    fit = cox_model(registry(), time="months", event="dead", covariates=["age", "female", "score", "group"])
    np.testing.assert_allclose(fit.table["coef"], [0.0303629527167, -0.3896952886305, 0.2574389978920,
                                                   0.1947990554092], atol=1e-9)
    np.testing.assert_allclose(fit.table["standard_error"], [0.000458098135565, 0.008986571230229,
                                                             0.004505160975684, 0.005504844229096], atol=1e-10)
    assert fit.log_likelihood == pytest.approx(-538048.922732, abs=1e-5)
    assert fit.likelihood_ratio == pytest.approx(2 * (-538048.922732 + 543128.698358), abs=1e-4)
    # concordant 1798001834, discordant 1063920870, tied.x 36888: (C + T / 2) / (C + D + T)
    assert fit.concordance == pytest.approx(0.628247960952, abs=1e-11)
    assert fit.n_event == 50330


def test_cox_zph_per_term_matches_r_before_3_on_lung(lung):
    # The statistic is R survival < 3.0's cox.zph (see proportional_hazards_test); the Schoenfeld residuals
    # are R's residuals(fit, "schoenfeld"): each column sums to the score at the estimate, 0.
    fit = cox_model(lung, time="time", event="dead", covariates=["sex", "age"])
    np.testing.assert_allclose(fit.schoenfeld.sum(axis=0), 0.0, atol=1e-8)
    assert len(fit.schoenfeld) == fit.n_event and fit.schoenfeld.index.isin(fit.data.index).all()
    # R: residuals(coxph(Surv(time, status) ~ sex + age, data = lung), "schoenfeld")[1:3, ]
    #    (first three deaths in time order: days 5, 11, 11)
    #            sex             age
    #    5   0.727079613965  0.935464711892
    #    11 -0.272302937094 10.005229931886
    #    11 -0.272302937094 17.005229931886
    #    11 -0.272302937094  3.005229931886
    np.testing.assert_allclose(fit.schoenfeld.iloc[:4].to_numpy(),
                               [[0.727079613965, 0.935464711892], [-0.272302937094, 10.005229931886],
                                [-0.272302937094, 17.005229931886], [-0.272302937094, 3.005229931886]], atol=1e-7)


# --- cohorts a Cox model cannot describe ---------------------------------------------------------------

def _monotone_cohort() -> pd.DataFrame:
    """Eight patients; nobody in arm b dies, so the hazard ratio of b vs a is 0 (monotone likelihood)."""
    return pd.DataFrame({"months": [2, 3, 5, 7, 9, 11, 4, 6, 8, 10], "dead": [1, 1, 1, 0, 1, 0, 0, 0, 0, 0],
                         "arm": ["a", "a", "a", "a", "a", "a", "b", "b", "b", "b"]})


def _r_cox_warnings(frame: pd.DataFrame, rscript) -> str:
    # R: coxph(Surv(months, dead) ~ arm, d), printing its warnings
    code = (f"library(survival); d <- data.frame(months = c({', '.join(map(str, frame['months']))}), "
            f"dead = c({', '.join(map(str, frame['dead']))}), arm = c({', '.join(repr(a) for a in frame['arm'])})); "
            "invisible(withCallingHandlers(coxph(Surv(months, dead) ~ arm, d), warning = function(w) "
            "{cat('WARNING:', conditionMessage(w)); invokeRestart('muffleWarning')}))")
    return rscript(code)


@pytest.mark.filterwarnings("ignore:.*events per parameter")
def test_monotone_likelihood_is_not_estimable_as_r_warns(rscript):
    from helpers.validation.estimable import NotEstimable

    frame = _monotone_cohort()
    with pytest.raises(NotEstimable, match=r"'arm' \(b vs a\).*monotone likelihood"):
        cox_model(frame, time="months", event="dead", covariates=["arm"])
    assert "coefficient may be infinite" in _r_cox_warnings(frame, rscript)
    # One death in arm b: finite here, and no such warning in R.
    frame.loc[7, "dead"] = 1
    fit = cox_model(frame, time="months", event="dead", covariates=["arm"])
    assert np.isfinite(fit.table["hazard_ratio"]).all()
    assert "coefficient may be infinite" not in _r_cox_warnings(frame, rscript)


def test_collinear_covariates_are_not_estimable_and_name_the_redundant_term():
    from helpers.validation.estimable import NotEstimable

    frame = _monotone_cohort().assign(dead=[1, 1, 0, 1, 0, 1, 1, 0, 1, 0])
    frame["b"] = (frame["arm"] == "b").astype(int)
    with pytest.raises(NotEstimable, match=r"'b' is fully determined by 'arm' \(b vs a\)"):
        cox_model(frame, time="months", event="dead", covariates=["arm", "b"])


@pytest.mark.filterwarnings("ignore:.*events per parameter")
def test_monotone_likelihood_note_counts_the_events_of_each_level():
    frame = _monotone_cohort()
    with pytest.raises(NotEstimable, match=r"^0 of the 4 patients with arm 'b' and 4 of the 6 with arm 'a' had an "
                                           r"event \('dead' = 1\): the likelihood keeps increasing"):
        cox_model(frame, time="months", event="dead", covariates=["arm"])
    # A numeric term (every death in the oldest patient at risk): no counts, the rule's words only.
    ordered = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6, 7, 8], "e": [1, 1, 1, 0, 1, 0, 0, 0],
                            "age": [80, 75, 70, 40, 65, 60, 50, 45]})
    with pytest.raises(NotEstimable, match=r"^the likelihood keeps increasing as the hazard ratio of 'age'"):
        cox_model(ordered, time="t", event="e", covariates=["age"])


def test_no_events_at_all_is_not_estimable():
    frame = _monotone_cohort().assign(dead=0)
    with pytest.raises(NotEstimable, match=r"no events in column 'dead' \(all 10 patients censored\)"):
        cox_model(frame, time="months", event="dead", covariates=["arm"])


def test_pair_counts_equal_brute_force_counts():
    # Harrell's counts by rank digits against every pair, with ties in the score and in the times
    from helpers.stats.cox import _later_pairs_by_rank

    rng = np.random.default_rng(12)
    for n in (1, 2, 3, 8, 40, 257):
        for _ in range(10):
            rank = rng.integers(0, max(1, n // 3), n)
            key = np.sort(rng.integers(0, 7, n))
            asking = rng.random(n) < 0.6
            lower = sum(1 for i in range(n) if asking[i] for j in range(n) if key[j] > key[i] and rank[j] < rank[i])
            equal = sum(1 for i in range(n) if asking[i] for j in range(n) if key[j] > key[i] and rank[j] == rank[i])
            assert _later_pairs_by_rank(rank, key, asking) == (lower, equal)
    shuffled = rng.permutation(40)  # the key need not be sorted
    rank, key, asking = rng.integers(0, 9, 40), rng.integers(0, 5, 40), rng.random(40) < 0.5
    assert _later_pairs_by_rank(rank[shuffled], key[shuffled], asking[shuffled]) == _later_pairs_by_rank(rank, key, asking)
