"""Tests of helpers.chapters.common: tidy results rows and the published-vs-reproduced comparison."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.chapters.common import PublishedValue, compare_with_published
from helpers.validation.errors import InputError
from helpers.validation.results import RESULT_COLUMNS, as_results

RESULTS = pd.DataFrame({"quantity": ["auc", "auc", "mean", "youden_threshold"],
                        "group": ["fa", "f", "mjoa_pre", "f"], "estimate": [0.874, 0.70, 10.0, 9.9]})


def test_tolerances_absolute_and_relative():
    published = [PublishedValue("auc", "fa", 0.86, "AUC FA", 0.03),
                 PublishedValue("auc", "f", 0.78, "AUC f", 0.03),
                 PublishedValue("mean", "mjoa_pre", 10.4, "mean", 0.02, "relative"),
                 PublishedValue("youden_threshold", "f", 9.5, "threshold", 0.05, "relative"),
                 PublishedValue("mean", "mjoa_pre", 10.4, "shown only")]
    table = compare_with_published(RESULTS, published).set_index("label")
    assert table.loc["AUC FA", "within_tolerance"] and not table.loc["AUC f", "within_tolerance"]
    # |10.0 - 10.4| = 0.4 > 2 % of 10.4 = 0.208; |9.9 - 9.5| = 0.4 <= 5 % of 9.5 = 0.475
    assert not table.loc["mean", "within_tolerance"] and table.loc["threshold", "within_tolerance"]
    assert pd.isna(table.loc["shown only", "within_tolerance"]) and table.loc["shown only", "tolerance"] == ""
    assert table.loc["AUC FA", "difference"] == pytest.approx(0.014)
    assert table.loc["mean", "relative_difference"] == pytest.approx(-0.4 / 10.4)
    assert table.loc["threshold", "tolerance"] == "+/- 5%" and table.loc["AUC FA", "tolerance"] == "+/- 0.03"


def test_a_quantity_not_estimated_for_the_cohort_is_neither_within_nor_outside_tolerance():
    results = RESULTS.assign(estimate=[0.874, float("nan"), 10.0, 9.9],
                             method=["DeLong", "not estimated for this cohort: ROC analysis of f: ...", "", ""])
    table = compare_with_published(results, [PublishedValue("auc", "fa", 0.86, "AUC FA", 0.03),
                                             PublishedValue("auc", "f", 0.78, "AUC f", 0.03)]).set_index("label")
    assert pd.isna(table.loc["AUC f", "reproduced"]) and pd.isna(table.loc["AUC f", "within_tolerance"])
    assert table.loc["AUC FA", "within_tolerance"]


def test_missing_or_duplicated_rows_are_errors():
    with pytest.raises(InputError, match="no row with quantity 'auc' and group 'adc'"):
        compare_with_published(RESULTS, [PublishedValue("auc", "adc", 0.8, "AUC ADC", 0.03)])
    doubled = pd.concat([RESULTS, RESULTS.head(1)])
    with pytest.raises(InputError, match="2 rows"):
        compare_with_published(doubled, [PublishedValue("auc", "fa", 0.86, "AUC FA", 0.03)])
    with pytest.raises(ValueError, match="kind"):
        PublishedValue("auc", "fa", 0.86, "AUC FA", 0.03, "percent")


def test_as_results_maps_columns_and_constants():
    table = pd.DataFrame({"predictor": ["fa", "f"], "threshold": [0.41, 9.5], "ci_low": [0.38, 8.9],
                          "ci_high": [0.43, 10.1], "n": [105, 105], "method": ["Youden", "Youden"],
                          "other": [1, 2]})
    before = table.copy()
    rows = as_results(table, quantity="youden_threshold", columns={"group": "predictor", "estimate": "threshold"})
    assert list(rows.columns) == RESULT_COLUMNS
    assert rows["group"].tolist() == ["fa", "f"] and rows["estimate"].tolist() == [0.41, 9.5]
    assert (rows["quantity"] == "youden_threshold").all() and rows["p_value"].isna().all()
    assert rows["n"].tolist() == [105, 105] and rows["method"].tolist() == ["Youden", "Youden"]
    relabelled = as_results(table, quantity="x", group="all", method="stated", columns={"estimate": "threshold"})
    assert (relabelled["group"] == "all").all() and (relabelled["method"] == "stated").all()
    pd.testing.assert_frame_equal(table, before)
    with pytest.raises(ValueError, match="unknown result columns"):
        as_results(table, columns={"value": "threshold"})
    with pytest.raises(ValueError, match="not in the table"):
        as_results(table, columns={"estimate": "missing"})
    assert as_results(table, quantity="x", columns={"estimate": "threshold"})["ci_low"].tolist() == [0.38, 8.9]
