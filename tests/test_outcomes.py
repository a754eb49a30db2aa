"""Tests of helpers.stats.outcomes: the Hirabayashi / mJOA recovery rate, by hand-computed values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.stats.outcomes import recovery_rate
from helpers.validation.errors import InputError


def test_hand_computed_values():
    # (15 - 10) / (18 - 10) = 62.5 %; (9 - 12) / (18 - 12) = -50 %; (18 - 6) / 12 = 100 %; unchanged = 0 %
    rates = recovery_rate([10, 12, 6, 14], [15, 9, 18, 14])
    assert rates.tolist() == pytest.approx([62.5, -50.0, 100.0, 0.0])
    assert rates.name == "recovery_rate"


def test_original_joa_maximum():
    # JOA (maximum 17): (14 - 8) / (17 - 8) = 66.67 %
    assert recovery_rate([8], [14], maximum=17).iloc[0] == pytest.approx(600 / 9)


def test_undefined_at_maximum_is_missing_and_counted():
    pre = pd.Series([18, 10, 18], index=[7, 8, 9])
    post = pd.Series([17, 14, 18], index=[7, 8, 9])
    with pytest.warns(UserWarning, match=r"2 patient\(s\) scored the maximum"):
        rates = recovery_rate(pre, post)
    assert rates.index.tolist() == [7, 8, 9]
    assert rates.isna().tolist() == [True, False, True]
    assert rates.loc[8] == pytest.approx(50.0)


def test_missing_values_propagate_and_input_unchanged():
    frame = pd.DataFrame({"pre": [10.0, np.nan], "post": [12.0, 15.0]})
    before = frame.copy()
    rates = recovery_rate(frame["pre"], frame["post"])
    assert rates.iloc[0] == pytest.approx(25.0) and np.isnan(rates.iloc[1])
    pd.testing.assert_frame_equal(frame, before)


@pytest.mark.parametrize("pre, post, kwargs, message", [
    ([10, 19], [12, 18], {}, "pre: scores outside 0-18 in rows 1"),
    ([10, 12], [12, -1], {}, "post: scores outside"),
    ([10, 12], [12], {}, "one pair per patient"),
    ([10], [12], {"maximum": 0}, "maximum=0"),
    (["a"], [12], {}, "must be numbers"),
])
def test_input_errors(pre, post, kwargs, message):
    with pytest.raises(InputError, match=message):
        recovery_rate(pre, post, **kwargs)


def test_misaligned_series_rejected():
    with pytest.raises(InputError, match="indexed differently"):
        recovery_rate(pd.Series([10, 12], index=[0, 1]), pd.Series([12, 14], index=[1, 2]))
