"""helpers.stats.sensitivity: E-values against hand-computed values (VanderWeele & Ding 2017, Ann Intern Med)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from helpers.stats.sensitivity import e_value, pooled_standard_deviation
from helpers.validation.errors import InputError
from helpers.validation.estimable import NotEstimable


def test_e_value_of_a_risk_ratio():
    # VanderWeele & Ding 2017, Ann Intern Med 167:268: RR 3.9 (95% CI 1.8 to 8.7) -> E-values 7.2 and 3.0
    result = e_value(3.9, 1.8, 8.7)
    assert result.e_value_estimate == pytest.approx(3.9 + math.sqrt(3.9 * 2.9))  # 7.2587
    assert round(result.e_value_estimate, 2) == 7.26
    assert result.e_value_ci == pytest.approx(1.8 + math.sqrt(1.8 * 0.8))  # 3.0
    assert result.to_frame().shape == (1, 9)


def test_e_value_of_a_protective_estimate_is_inverted():
    result = e_value(0.8, 0.7, 0.95)
    assert result.e_value_estimate == pytest.approx(1.25 + math.sqrt(1.25 * 0.25))  # 1.8090
    inverted = 1 / 0.95
    assert result.e_value_ci == pytest.approx(inverted + math.sqrt(inverted * (inverted - 1)))


def test_e_value_is_one_when_the_interval_includes_the_null():
    assert e_value(1.5, 0.9, 2.5).e_value_ci == 1.0
    assert e_value(0.7, 0.4, 1.2).e_value_ci == 1.0
    assert e_value(1.5).e_value_ci is None


def test_e_value_conversions():
    # SMD d: RR ~ exp(0.91 d); d = 0.5 -> RR 1.5757, E 2.5287
    rr = math.exp(0.91 * 0.5)
    result = e_value(0.5, 0.2, 0.8, scale="smd")
    assert result.risk_ratio == pytest.approx(rr)
    assert result.e_value_estimate == pytest.approx(rr + math.sqrt(rr * (rr - 1)))
    low = math.exp(0.91 * 0.2)
    assert result.e_value_ci == pytest.approx(low + math.sqrt(low * (low - 1)))
    # common outcome: RR ~ sqrt(OR)
    assert e_value(4.0, scale="or_common").risk_ratio == pytest.approx(2.0)
    assert e_value(4.0, scale="or_rare").e_value_estimate == pytest.approx(4 + math.sqrt(12))
    hr = 2.0
    expected = (1 - 0.5 ** math.sqrt(hr)) / (1 - 0.5 ** math.sqrt(1 / hr))
    assert e_value(hr, scale="hr_common").risk_ratio == pytest.approx(expected)


def test_pooled_standard_deviation_needs_two_values_per_group():
    data = pd.DataFrame({"arm": ["a", "a", "b"], "y": [1.0, 2.0, 3.0]})
    with pytest.raises(NotEstimable, match=r"at least 2 values of 'y' for a standard deviation; found 2 \(a\), 1 \(b\)"):
        pooled_standard_deviation(data, outcome="y", group="arm")


def test_e_value_rejects_bad_input():
    with pytest.raises(InputError, match="positive"):
        e_value(-1.2)
    with pytest.raises(InputError, match="ci_low <= estimate"):
        e_value(2.0, 2.5, 3.0)
    with pytest.raises(InputError, match="scale"):
        e_value(2.0, scale="beta")

