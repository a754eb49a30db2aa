"""Tests of helpers.stats.longitudinal: per-visit logistic regression (hand-computed cross products, seeded simulations)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.stats.logistic import logistic_regression
from helpers.stats.longitudinal import (
    MEAN_DIFFERENCE_COLUMNS,
    fit_trajectory_models,
    logistic_by_visit,
    mean_difference_by_visit,
)
from helpers.validation.errors import InputError


# ------------------------------------------------------------------------------ logistic_by_visit
def simulate_binary(n: int = 1500, seed: int = 7, visits=(3, 12, 60), log_or: float = np.log(2.5)):
    rng = np.random.default_rng(seed)
    rows = []
    for visit in visits:
        exposed = rng.integers(0, 2, n)
        age = rng.normal(65, 8, n)
        linear = -0.5 + log_or * exposed + 0.04 * (age - 65)
        rows.append(pd.DataFrame({"visit": visit, "high_fat": exposed, "age": age,
                                  "recovered": rng.binomial(1, 1 / (1 + np.exp(-linear)))}))
    return pd.concat(rows, ignore_index=True)


def test_logistic_by_visit_recovers_known_odds_ratio():
    data = simulate_binary()
    before = data.copy()
    # 99.9 % intervals: the truth may fall outside one of three 95 % intervals by chance (5 % each).
    table = logistic_by_visit(data, outcome="recovered", exposure="high_fat", visit="visit", confounders=["age"],
                              level=0.999)
    pd.testing.assert_frame_equal(data, before)
    assert list(table.columns) == ["visit", "model", "term", "quantity", "estimate", "ci_low", "ci_high",
                                   "p_value", "n", "n_events", "method", "note"]
    assert sorted(table["visit"].unique()) == [3, 12, 60]
    adjusted = table[table["model"] == "adjusted"]
    assert len(adjusted) == 3
    assert ((adjusted["ci_low"] < 2.5) & (2.5 < adjusted["ci_high"])).all()
    for row in table.itertuples():
        at_visit = data[data["visit"] == row.visit]
        assert row.n == len(at_visit) and row.n_events == at_visit["recovered"].sum()


def test_logistic_by_visit_fits_only_the_models_asked_for():
    data = simulate_binary(n=400)
    both = logistic_by_visit(data, outcome="recovered", exposure="high_fat", visit="visit", confounders=["age"])
    adjusted = logistic_by_visit(data, outcome="recovered", exposure="high_fat", visit="visit", confounders=["age"],
                                 models=["adjusted"])
    pd.testing.assert_frame_equal(adjusted, both[both["model"] == "adjusted"].reset_index(drop=True))
    with pytest.raises(InputError, match="models"):
        logistic_by_visit(data, outcome="recovered", exposure="high_fat", visit="visit", models=["crude"])


def test_unadjusted_odds_ratio_equals_cross_product():
    data = simulate_binary(n=400, seed=3, visits=(1, 7, 30))  # days, not the default schedule
    table = logistic_by_visit(data, outcome="recovered", exposure="high_fat", visit="visit")
    assert set(table["model"]) == {"unadjusted"}
    for row in table.itertuples():
        at = data[data["visit"] == row.visit]
        a = ((at.high_fat == 1) & (at.recovered == 1)).sum()
        b = ((at.high_fat == 1) & (at.recovered == 0)).sum()
        c = ((at.high_fat == 0) & (at.recovered == 1)).sum()
        d = ((at.high_fat == 0) & (at.recovered == 0)).sum()
        odds_ratio = a * d / (b * c)
        se = np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
        assert row.estimate == pytest.approx(odds_ratio, rel=1e-6)
        assert row.ci_low == pytest.approx(odds_ratio * np.exp(-1.959963984540054 * se), rel=1e-5)
        assert row.ci_high == pytest.approx(odds_ratio * np.exp(1.959963984540054 * se), rel=1e-5)


def test_logistic_by_visit_categorical_exposure_and_problems():
    data = simulate_binary(n=300, seed=4)
    data["fat"] = np.where(data["high_fat"] == 1, "high", "low")
    table = logistic_by_visit(data, outcome="recovered", exposure="fat", visit="visit", exposure_reference="low")
    assert set(table["term"]) == {"fat[T.high]"}
    # The same odds ratio whether the exposure is coded 0/1 or as text.
    numeric = logistic_by_visit(data, outcome="recovered", exposure="high_fat", visit="visit")
    assert table["estimate"].to_numpy() == pytest.approx(numeric["estimate"].to_numpy(), rel=1e-6)
    bad = data.assign(recovered=data["recovered"] * 2)
    with pytest.raises(InputError, match="0/1"):
        logistic_by_visit(bad, outcome="recovered", exposure="fat", visit="visit")
    separated = data[data["visit"] == 3].assign(recovered=lambda d: d["high_fat"])
    with pytest.warns(UserWarning, match="visit 3, unadjusted model: complete separation"):
        result = logistic_by_visit(separated, outcome="recovered", exposure="high_fat", visit="visit")
    assert result["note"].iloc[0].startswith("complete separation")
    constant = data.assign(sex="female")  # a confounder with one value cannot be adjusted for
    with pytest.warns(UserWarning, match="adjusted model: not estimable.*'sex' has a single level"):
        result = logistic_by_visit(constant, outcome="recovered", exposure="high_fat", visit="visit",
                                   confounders=["sex"])
    adjusted = result[result["model"] == "adjusted"]
    assert (adjusted["method"] == "not estimable").all() and adjusted["estimate"].isna().all()


def test_logistic_by_visit_is_logistic_regression_per_visit():
    data = simulate_binary(n=120, seed=5)
    data["fat"] = np.where(data["high_fat"] == 1, "high", "low")
    table = logistic_by_visit(data, outcome="recovered", exposure="fat", visit="visit", confounders=["age"],
                              exposure_reference="low", level=0.9)
    for row in table.itertuples():
        at_visit = data[data["visit"] == row.visit]
        predictors = ["fat", "age"] if row.model == "adjusted" else ["fat"]
        fit = logistic_regression(at_visit, outcome="recovered", predictors=predictors, reference={"fat": "low"},
                                  level=0.9).table.set_index("term").loc["fat[T.high]"]
        assert (row.estimate, row.ci_low, row.ci_high, row.p_value) == \
            (fit["odds_ratio"], fit["ci_low"], fit["ci_high"], fit["p_value"])
        assert row.n_events == fit["n_events"] and row.n == fit["n"]


# ------------------------------------------------------------------------ mean_difference_by_visit
def simulate_groups(n: int = 200, seed: int = 2, visits=(0, 6, 18, 36)) -> pd.DataFrame:
    """Long data with two exposure groups diverging after the first visit (months 0, 6, 18, 36)."""
    rng = np.random.default_rng(seed)
    group = rng.choice(["lean", "fatty"], n)
    age = rng.normal(65, 9, n)
    level = rng.normal(0, 8, n)
    rows = []
    for i in range(n):
        for k, visit in enumerate(visits):
            mean = 45 - (20 if k else 0) + (6 if group[i] == "fatty" and k else 0) + 0.2 * (age[i] - 65)
            rows.append({"id": i, "month": visit, "odi": mean + level[i] + rng.normal(0, 6), "fat": group[i],
                         "age": age[i]})
    return pd.DataFrame(rows)


def test_mean_difference_by_visit_matches_the_model():
    data = simulate_groups()
    fit = fit_trajectory_models(data, outcome="odi", exposure="fat", visit="month", subject="id", confounders=["age"],
                                exposure_reference="lean", random_slope="never")
    table = mean_difference_by_visit(fit, exposure="fat", visit="month")
    assert list(table.columns) == MEAN_DIFFERENCE_COLUMNS
    assert list(table["visit"]) == [0, 6, 18, 36] and (table["contrast"] == "fatty - lean").all()
    # Equal to the difference of the two estimated means (no exposure x covariate terms)...
    means = fit.estimated_means.pivot(index="visit", columns="exposure", values="estimate")
    assert table["estimate"].to_numpy() == pytest.approx((means["fatty"] - means["lean"]).to_numpy(), abs=1e-9)
    # ...and at the reference visit to the exposure's main-effect coefficient and its standard error.
    fixed = fit.model.fixed_effects.set_index("term")
    main = fixed.loc["fat[T.fatty]"]
    assert table["estimate"].iloc[0] == pytest.approx(main["estimate"], rel=1e-10)
    assert table["standard_error"].iloc[0] == pytest.approx(main["standard_error"], rel=1e-10)
    assert table["p_value"].iloc[0] == pytest.approx(main["p_value"], rel=1e-8)
    # At a later visit: main effect + interaction, variance a'Va written out.
    terms = ["fat[T.fatty]", "month[T.18]:fat[T.fatty]"]
    covariance = fit.model.fixed_effects_covariance.loc[terms, terms].to_numpy()
    assert table["estimate"].iloc[2] == pytest.approx(fixed.loc[terms, "estimate"].sum(), rel=1e-10)
    assert table["standard_error"].iloc[2] == pytest.approx(np.sqrt(covariance.sum()), rel=1e-10)
    # The simulated truth: no difference before surgery, 6 points after (4 standard errors, two-sided).
    truth = np.array([0, 6, 6, 6])
    assert (np.abs(table["estimate"] - truth) < 4 * table["standard_error"]).all()
    assert (table["ci_low"] < table["estimate"]).all() and (table["estimate"] < table["ci_high"]).all()
    assert table["n_observed"].tolist() == [200] * 4
    with pytest.raises(InputError, match="group"):
        mean_difference_by_visit(fit, exposure="group", visit="month")
