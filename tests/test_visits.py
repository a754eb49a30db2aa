"""Tests of helpers.visits: per-visit logistic regression (hand-computed cross products, seeded simulations)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.io import InputError
from helpers.visits import logistic_by_visit


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
                              confidence=0.999)
    pd.testing.assert_frame_equal(data, before)
    assert list(table.columns) == ["visit", "model", "term", "quantity", "estimate", "ci_low", "ci_high",
                                   "p_value", "n", "events", "method", "note"]
    assert sorted(table["visit"].unique()) == [3, 12, 60]
    adjusted = table[table["model"] == "adjusted"]
    assert len(adjusted) == 3
    assert ((adjusted["ci_low"] < 2.5) & (2.5 < adjusted["ci_high"])).all()
    for row in table.itertuples():
        at_visit = data[data["visit"] == row.visit]
        assert row.n == len(at_visit) and row.events == at_visit["recovered"].sum()


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
    assert set(table["term"]) == {"C(fat)[T.high]"}
    # The same odds ratio whether the exposure is coded 0/1 or as text.
    numeric = logistic_by_visit(data, outcome="recovered", exposure="high_fat", visit="visit")
    assert table["estimate"].to_numpy() == pytest.approx(numeric["estimate"].to_numpy(), rel=1e-6)
    bad = data.assign(recovered=data["recovered"] * 2)
    with pytest.raises(InputError, match="0/1"):
        logistic_by_visit(bad, outcome="recovered", exposure="fat", visit="visit")
    separated = data[data["visit"] == 3].assign(recovered=lambda d: d["high_fat"])
    with pytest.warns(UserWarning, match="separation"):
        result = logistic_by_visit(separated, outcome="recovered", exposure="high_fat", visit="visit")
    assert "separation" in result["note"].iloc[0]
