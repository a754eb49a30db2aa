"""Tests of helpers.stats.survival against R's survival package (lung data) and hand calculations.

Cox models and the proportional-hazards test are tested in test_cox.py."""

from __future__ import annotations

import warnings
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from lifelines.utils import median_survival_times

from helpers.stats.survival import (
    _rmst_variance,
    _survival_quantile,
    kaplan_meier,
    landmark_cohort,
    logrank,
    rmst_difference,
)
from helpers.validation.errors import InputError
from helpers.validation.estimable import NotEstimable


@pytest.fixture(scope="module")
def lung(reference_data) -> pd.DataFrame:
    """R's survival::lung with status recoded: dead = 1 when status == 2 (R's 1 = censored, 2 = dead)."""
    frame = pd.read_csv(reference_data / "lung.csv")
    return frame.assign(dead=frame["status"].eq(2).astype(int))


@pytest.fixture
def small() -> pd.DataFrame:
    """Five patients: events at 2, 5, 7; censored at 3 and 9."""
    return pd.DataFrame({"time": [2.0, 3.0, 5.0, 7.0, 9.0], "event": [1, 0, 1, 1, 0]})


# --- R reference values (tests/r/results/survival.json, from tests/r/survival.R) ----------------------

def test_logrank_matches_r_survdiff(lung, r_reference):
    # R: survdiff(Surv(time, status) ~ sex, data = lung)   (1e-10 relative: the same closed form)
    result = logrank(lung, time="time", event="dead", group="sex")
    test = result.test.iloc[0]
    assert test["statistic"] == pytest.approx(r_reference("survival", "lung", "logrank_chisq"), rel=1e-10)
    assert test["df"] == 1
    assert test["p_value"] == pytest.approx(r_reference("survival", "lung", "logrank_p"), rel=1e-10)
    groups = result.groups.set_index("group")
    assert groups.loc[1, "observed"] == 112 and groups.loc[2, "observed"] == 53
    for group in (1, 2):
        assert groups.loc[group, "expected"] == pytest.approx(
            r_reference("survival", "lung", f"logrank_expected[{group}]"), rel=1e-10)
    assert groups["expected"].sum() == pytest.approx(groups["observed"].sum())


@pytest.mark.parametrize("conf_type, suffix", [("log", ""), ("log-log", "_loglog")])
def test_kaplan_meier_medians_match_r(lung, r_reference, conf_type, suffix):
    # R: quantile(survfit(Surv(time, status) ~ sex, data = lung, conf.type = conf_type), 0.5)
    #    ("log" is R's default; "log-log" is lifelines' default). Medians are observed times: exact.
    medians = kaplan_meier(lung, time="time", event="dead", group="sex", conf_type=conf_type).medians
    medians = medians.set_index("group")
    for group in (1, 2):
        for column, quantity in (("estimate", "median"), ("ci_low", "median_ci_low"), ("ci_high", "median_ci_high")):
            assert medians.loc[group, column] == r_reference("survival", "lung", f"{quantity}{suffix}[{group}]")
    assert medians.loc[1, "n"] == 138 and medians.loc[1, "n_event"] == 112
    assert conf_type in medians.loc[1, "method"]


def test_lifelines_default_median_interval_is_log_log(lung):
    # Evidence for the method column: lifelines' own median CI uses its log(-log) band, not R's default.
    males = lung.loc[lung["sex"] == 1]
    fitter = KaplanMeierFitter().fit(males["time"], males["dead"])
    assert median_survival_times(fitter.confidence_interval_).to_numpy().ravel().tolist() == [210.0, 306.0]


def test_log_log_band_equals_lifelines(lung):
    table = kaplan_meier(lung, time="time", event="dead", group="sex", conf_type="log-log").table
    males = lung.loc[lung["sex"] == 1]
    band = KaplanMeierFitter().fit(males["time"], males["dead"]).confidence_interval_
    mine = table.loc[table["group"] == 1].set_index("time")
    theirs = band.loc[mine.index]
    defined = mine["ci_low"].notna()
    np.testing.assert_allclose(mine.loc[defined, "ci_low"], theirs.loc[defined].iloc[:, 0], rtol=1e-9)
    np.testing.assert_allclose(mine.loc[defined, "ci_high"], theirs.loc[defined].iloc[:, 1], rtol=1e-9)


# --- Kaplan-Meier invariants and R's conventions -----------------------------------------------

@pytest.mark.parametrize("conf_type", ["log", "log-log"])
def test_kaplan_meier_invariants(lung, conf_type):
    table = kaplan_meier(lung, time="time", event="dead", group="sex", conf_type=conf_type).table
    for _, curve in table.groupby("group"):
        assert (np.diff(curve["survival"]) <= 0).all()
        assert curve["survival"].between(0, 1).all()
        defined = curve["ci_low"].notna()
        assert (curve.loc[defined, "ci_low"] <= curve.loc[defined, "survival"] + 1e-12).all()
        assert (curve.loc[defined, "survival"] <= curve.loc[defined, "ci_high"] + 1e-12).all()
        assert curve.loc[defined, ["ci_low", "ci_high"]].stack().between(0, 1).all()
        assert curve.loc[~defined, "survival"].eq(0).all()  # undefined only where S = 0, as R
        assert curve["n_at_risk"].iloc[0] == len(lung.loc[lung["sex"] == curve["group"].iloc[0]])


def test_kaplan_meier_without_censoring_is_empirical_survival():
    rng = np.random.default_rng(20240611)
    times = rng.exponential(10.0, size=40).round(1)
    table = kaplan_meier(pd.DataFrame({"t": times, "e": 1}), time="t", event="e").table
    empirical = np.array([(times > when).mean() for when in table["time"]])
    np.testing.assert_allclose(table["survival"], empirical, atol=1e-12)
    assert (table["group"] == "all").all()


def test_greenwood_standard_error_by_hand(small):
    # S = 4/5 at 2, 8/15 at 5, 4/15 at 7; Greenwood sum 1/20, 1/20 + 1/6, + 1/2.
    table = kaplan_meier(small, time="time", event="event").table.set_index("time")
    assert table.loc[5.0, "survival"] == pytest.approx(8 / 15)
    assert table.loc[5.0, "standard_error"] == pytest.approx(8 / 15 * np.sqrt(1 / 20 + 1 / 6))
    z = 1.959963984540054
    se_log = np.sqrt(1 / 20 + 1 / 6 + 1 / 2)
    assert table.loc[7.0, "ci_low"] == pytest.approx(4 / 15 * np.exp(-z * se_log))
    assert table.loc[7.0, "ci_high"] == pytest.approx(min(1, 4 / 15 * np.exp(z * se_log)))


def test_median_of_curve_flat_at_half_is_midpoint_as_r():
    # R: survfit(Surv(1:4, rep(1, 4)) ~ 1) prints median 2.5 (S = 0.5 on [2, 3)); lifelines says 2.
    data = pd.DataFrame({"t": [1.0, 2.0, 3.0, 4.0], "e": 1})
    assert kaplan_meier(data, time="t", event="e").medians.loc[0, "estimate"] == 2.5
    assert KaplanMeierFitter().fit(data["t"], data["e"]).median_survival_time_ == 2.0
    # Curve ending flat at 0.5 (last two censored): midpoint of its start and the last time.
    ending = pd.DataFrame({"t": [1.0, 2.0, 3.0, 4.0], "e": [1, 1, 0, 0]})
    assert kaplan_meier(ending, time="t", event="e").medians.loc[0, "estimate"] == 3.0


def test_median_of_curve_ending_flat_at_exactly_half_as_quantile_survfit(r_reference):
    # R: quantile(survfit(Surv(c(23, 6, 1, 8, 5, 7, 3), c(0, 1, 0, 0, 1, 0, 1)) ~ 1), 0.5) -> 14.5 (5, NA):
    # S = 5/6 * 4/5 * 3/4 is exactly 0.5 from 6 to 23 (lifelines' exp(sum(log)) gives 0.5000000000000001,
    # which would make the median "not reached"). print(fit) shows 6, by print.survfit's other rule.
    data = pd.DataFrame({"t": [23, 6, 1, 8, 5, 7, 3], "e": [0, 1, 0, 0, 1, 0, 1]})
    fit = kaplan_meier(data, time="t", event="e")
    assert fit.table["survival"].iloc[-4:].tolist() == [0.5] * 4
    row = fit.medians.iloc[0]
    assert row["estimate"] == r_reference("survival", "flat-at-half", "median") == 14.5
    assert row["ci_low"] == r_reference("survival", "flat-at-half", "median_ci_low")
    assert np.isnan(row["ci_high"]) and np.isnan(r_reference("survival", "flat-at-half", "median_ci_high"))


def test_survival_quantile_not_reached_and_tolerance():
    assert np.isnan(_survival_quantile([1, 2, 3], [0.9, 0.8, 0.7]))
    assert _survival_quantile([1, 2, 3], [0.9, 0.5 + 1e-12, 0.2]) == 2.5  # within R's tolerance: flat at 0.5
    assert _survival_quantile([1, 2, 3], [0.9, 0.5 + 1e-6, 0.2]) == 3.0
    assert _survival_quantile([1, 2, 3], [0.9, 0.4, np.nan]) == 2.0


def test_number_at_risk_and_survival_at(small):
    fit = kaplan_meier(small, time="time", event="event")
    risk = fit.number_at_risk([0, 2, 2.5, 5, 9, 10])
    assert risk["n_at_risk"].tolist() == [5, 5, 4, 3, 1, 0]
    assert risk["n_event_cumulative"].tolist() == [0, 1, 1, 2, 3, 3]
    assert risk["n_censored_cumulative"].tolist() == [0, 0, 0, 1, 2, 2]
    at = fit.survival_at([1, 2, 6, 9, 10])
    np.testing.assert_allclose(at["survival"], [1, 0.8, 8 / 15, 4 / 15, np.nan])
    assert at["ci_low"].iloc[1] < 0.8 < at["ci_high"].iloc[1]


# --- RMST ---------------------------------------------------------------------------------------

def test_rmst_variance_by_hand(small):
    # tau = 8: S = 1 on [0,2), 4/5 on [2,5), 8/15 on [5,7), 4/15 on [7,8)
    # A(2) = 3*4/5 + 2*8/15 + 1*4/15 = 56/15; A(5) = 20/15; A(7) = 4/15
    # Var = A(2)^2/(5*4) + A(5)^2/(3*2) + A(7)^2/(2*1)
    expected = (Fraction(56, 15) ** 2 / 20 + Fraction(20, 15) ** 2 / 6 + Fraction(4, 15) ** 2 / 2)
    table = kaplan_meier(small, time="time", event="event").table
    assert _rmst_variance(table["time"], table["n_at_risk"], table["n_event"], table["survival"], 8.0) == \
        pytest.approx(float(expected), rel=1e-12)
    two = pd.concat([small.assign(arm="a"), small.assign(arm="b", time=small["time"] * 1.0)], ignore_index=True)
    groups = rmst_difference(two, time="time", event="event", group="arm", tau=8.0).groups
    assert groups["rmst"].iloc[0] == pytest.approx(2 + 3 * 4 / 5 + 2 * 8 / 15 + 4 / 15)
    assert groups["standard_error"].iloc[0] == pytest.approx(np.sqrt(float(expected)), rel=1e-12)


def test_rmst_beyond_last_event_is_area_under_curve(lung):
    females = lung.loc[lung["sex"] == 2]
    last_event, last_time = females.loc[females["dead"] == 1, "time"].max(), females["time"].max()
    tau = (last_event + last_time) / 2
    assert last_event < tau < last_time
    curve = kaplan_meier(lung, time="time", event="dead", group="sex").table
    curve = curve.loc[curve["group"] == 2]
    steps = np.r_[0.0, curve["time"].to_numpy()]
    levels = np.r_[1.0, curve["survival"].to_numpy()]
    inside = steps <= tau
    area = np.sum(np.diff(np.r_[steps[inside], tau]) * levels[inside])
    result = rmst_difference(lung, time="time", event="dead", group="sex", tau=tau)
    assert result.groups.set_index("group").loc[2, "rmst"] == pytest.approx(area, rel=1e-10)
    difference = result.difference.iloc[0]
    groups = result.groups.set_index("group")
    assert difference["estimate"] == pytest.approx(groups.loc[2, "rmst"] - groups.loc[1, "rmst"])
    assert difference["standard_error"] == pytest.approx(np.hypot(*groups["standard_error"]))
    assert difference["ci_low"] < difference["estimate"] < difference["ci_high"]


def test_rmst_tau_beyond_follow_up_raises(lung):
    with pytest.raises(InputError, match="tau"):
        rmst_difference(lung, time="time", event="dead", group="sex", tau=5000)


# --- Landmark cohort ----------------------------------------------------------------------------

def test_landmark_cohort_excludes_and_resets(small):
    # small: events at 2, 5, 7; censored at 3 and 9. Landmark 3: the event at 2 and the censoring at 3 go.
    cohort = landmark_cohort(small.assign(arm="a"), time="time", event="event", landmark=3.0)
    assert cohort.data["time"].tolist() == [5.0, 7.0, 9.0] and list(cohort.data.columns) == ["time", "event", "arm"]
    assert dict(zip(cohort.excluded["reason"], cohort.excluded["n"])) == {
        "event at or before the landmark": 1, "censored at or before the landmark": 1}
    reset = landmark_cohort(small, time="time", event="event", landmark=3.0, reset_clock=True)
    assert reset.data["time"].tolist() == [2.0, 4.0, 6.0] and reset.reset_clock and reset.landmark == 3.0


def test_landmark_clock_leaves_logrank_unchanged_and_shifts_medians(lung):
    kept = landmark_cohort(lung, time="time", event="dead", landmark=60).data
    reset = landmark_cohort(lung, time="time", event="dead", landmark=60, reset_clock=True).data
    assert len(kept) == len(reset) < len(lung) and (kept["time"] > 60).all()
    first = logrank(kept, time="time", event="dead", group="sex").test.loc[0, "statistic"]
    second = logrank(reset, time="time", event="dead", group="sex").test.loc[0, "statistic"]
    assert first == pytest.approx(second, rel=1e-12)
    medians = kaplan_meier(kept, time="time", event="dead", group="sex").medians["estimate"]
    shifted = kaplan_meier(reset, time="time", event="dead", group="sex").medians["estimate"]
    np.testing.assert_allclose(medians - shifted, 60.0)


def test_landmark_cohort_input(lung):
    before = lung.copy()
    landmark_cohort(lung, time="time", event="dead", landmark=30, reset_clock=True)
    pd.testing.assert_frame_equal(lung, before)
    with pytest.raises(InputError, match="landmark"):
        landmark_cohort(lung, time="time", event="dead", landmark=-1)
    with pytest.raises(InputError, match="earlier landmark"):
        landmark_cohort(lung, time="time", event="dead", landmark=1e6)
    with pytest.raises(InputError, match="eq\\(2\\)"):
        landmark_cohort(lung, time="time", event="status", landmark=30)


# --- Inputs -------------------------------------------------------------------------------------

def test_input_frame_unchanged(lung):
    before = lung.copy()
    kaplan_meier(lung, time="time", event="dead", group="sex")
    logrank(lung, time="time", event="dead", group="sex")
    rmst_difference(lung, time="time", event="dead", group="sex", tau=365)
    pd.testing.assert_frame_equal(lung, before)


def test_input_errors(lung):
    with pytest.raises(InputError, match=r"status.*eq\(2\)"):
        kaplan_meier(lung, time="time", event="status")
    with pytest.raises(InputError, match="'time'"):
        kaplan_meier(pd.DataFrame({"time": [1, -2], "e": [1, 0]}), time="time", event="e")
    with pytest.raises(InputError, match="not found"):
        logrank(lung, time="time", event="dead", group="gender")
    with pytest.raises(InputError, match="conf_type"):
        kaplan_meier(lung, time="time", event="dead", conf_type="plain")
    with pytest.raises(InputError, match="ph.ecog"):
        kaplan_meier(lung, time="time", event="dead", group="ph.ecog")
    with pytest.warns(UserWarning, match="1 of 228 rows dropped"):
        fit = kaplan_meier(lung, time="time", event="dead", group="ph.ecog", missing="drop")
    assert fit.medians["n"].sum() == 227


def test_logrank_without_events_is_not_estimable():
    data = pd.DataFrame({"t": [2, 3, 5, 7], "e": [0, 0, 0, 0], "arm": ["a", "b", "a", "b"]})
    with pytest.raises(NotEstimable, match=r"no events in column 'e' \(all 4 patients censored\)"):
        logrank(data, time="t", event="e", group="arm")
    assert kaplan_meier(data, time="t", event="e", group="arm").medians["n"].sum() == 4  # the curves still exist


def test_kaplan_meier_does_not_warn_on_few_events():
    data = pd.DataFrame({"t": [2, 3, 5, 7, 9, 11, 4, 6], "e": [1, 0, 1, 1, 0, 1, 1, 1]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kaplan_meier(data, time="t", event="e")


def test_logrank_registry_scale_matches_r_survdiff():
    from simulated_registry import registry

    # R: d <- read.csv("registry100k.csv")  (tests/simulated_registry.py)
    #    s <- survdiff(Surv(months, dead) ~ group, data = d); s$chisq; s$exp; s$obs
    #    1057.05089567; E 17760.1705892 16920.9153498 15648.9140610; O 14870 16842 18618
    result = logrank(registry(), time="months", event="dead", group="group")
    test = result.test.iloc[0]
    assert test["statistic"] == pytest.approx(1057.05089567, abs=1e-7) and test["df"] == 2
    np.testing.assert_allclose(result.groups["expected"], [17760.1705892, 16920.9153498, 15648.9140610], atol=1e-6)
    assert result.groups["observed"].tolist() == [14870, 16842, 18618]
