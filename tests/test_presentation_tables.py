"""Tests of helpers.presentation.tables: what a reader sees in a displayed table."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from helpers.chapters.dynamic_mri.labels import LABELS as DYNAMIC_LABELS
from helpers.chapters.dynamic_mri.labels import REFERENCES as DYNAMIC_REFERENCES
from helpers.chapters.paraspinal_imf.labels import LABELS as PARASPINAL_LABELS
from helpers.presentation import privacy
from helpers.presentation.tables import (
    format_estimate,
    format_p,
    format_percent,
    show,
    term_label,
    text_label,
    two_by_two_grid,
)


@pytest.mark.parametrize("value, expected", [(9.2e-42, "<0.001"), (0.0, "<0.001"), (0.00099, "<0.001"),
                                             (0.0039, "0.004"), (0.0456, "0.046"), (0.5, "0.50"), (1.0, "1.00")])
def test_p_values_read_as_a_reader_expects(value, expected):
    assert format_p(value) == expected


@pytest.mark.parametrize("value, expected", [(39.164491, "39.2"), (0.23294008488947307, "0.233"), (62.0, "62"),
                                             (-0.0001, "0"), (-0.0004, "0"), (4.5, "4.50"), (1234.5, "1,234"),
                                             (-2.345, "-2.35"), (0.0123, "0.012")])
def test_estimates_have_three_significant_digits_and_no_minus_zero(value, expected):
    assert format_estimate(value) == expected


def test_percentages():
    assert format_percent(0.123) == "12.3%" and format_percent(-0.0001) == "0%"


def test_model_terms_read_as_words():
    assert term_label("imaging[T.dynamic]", DYNAMIC_LABELS, DYNAMIC_REFERENCES) == "Imaging: dynamic vs conventional"
    assert term_label("visit_month[T.3.0]:group_multifidus_right[T.non-severe]", PARASPINAL_LABELS) == \
        "3 months x non-severe right multifidus"
    assert term_label("C(sex)[T.female]", {"sex": "Sex"}) == "Sex: female"
    assert text_label("sexfemale", DYNAMIC_LABELS) == "Sex: female"
    assert text_label("distance", DYNAMIC_LABELS) == "Propensity score"
    assert text_label("some_unlisted_name", {}) == "Some unlisted name"
    assert text_label("True", {}) == "yes" and text_label("nan", {}) == ""


def _cells(styler) -> list[str]:
    html = styler.to_html()
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", html, re.S)]


def test_show_labels_formats_and_hides_raw_values():
    table = pd.DataFrame({"term": ["imaging[T.dynamic]", "Intercept"], "odds_ratio": [2.345678, 1.06e-06],
                          "p_value": [9.2e-42, np.nan], "n": [62.0, 40.0], "matched": [True, None],
                          "caliper_width": [0.23294008488947307, np.nan]})
    cells = _cells(show(table, DYNAMIC_LABELS, references=DYNAMIC_REFERENCES))
    assert cells[:6] == ["Term", "Odds ratio", "p", "n", "Matched", "Caliper width"]
    assert cells[6:12] == ["Imaging: dynamic vs conventional", "2.35", "&lt;0.001", "62", "yes", "0.233"]
    assert cells[12:] == ["Intercept", "&lt;0.001", "", "40", "", ""]  # a positive ratio never reads 0
    for cell in cells:
        assert not re.search(r"nan|None|True|False|\[T\.|\d\.\d{5,}|e-\d", cell), cell


def test_show_keeps_code_columns_verbatim_and_pads_cells():
    html = show(pd.DataFrame({"column": ["mjoa_pre"], "description": ["baseline"]}), code=["column"]).to_html()
    assert "<code>mjoa_pre</code>" in html and "padding" in html


def test_show_masks_small_counts_when_suppression_is_on(monkeypatch):
    counts = {"true_positive": 3, "false_positive": 10, "false_negative": 0, "true_negative": 27}
    monkeypatch.setitem(privacy.ACTIVE, "threshold", 5)
    cells = _cells(show(two_by_two_grid(counts), index=True))
    assert "3" not in cells and cells.count("&lt;5") == 2  # the true positives and their column total
    # ... and what would give them away: the false positives (13 - 10 = 3) and their column total
    assert "10" not in cells and "37" not in cells and cells.count("suppressed") == 2
    assert "27" in cells and "0" in cells and "40" in cells  # zero identifies nobody; the cohort's size stays
    monkeypatch.setitem(privacy.ACTIVE, "threshold", 0)
    assert "3" in _cells(show(two_by_two_grid(counts), index=True))


def test_two_by_two_grid_has_totals():
    grid = two_by_two_grid({"true_positive": 9, "false_positive": 3, "false_negative": 1, "true_negative": 27})
    assert grid.loc["Total", "Total"] == 40 and grid.loc["Test positive", "Total"] == 12
    assert list(grid.columns) == ["Disease present", "Disease absent", "Total"]


def test_bilsky_figure_masks_small_counts_when_suppression_is_on(monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    from helpers.chapters.mscc_separation.figures import plot_bilsky_distribution

    data = pd.DataFrame({"group": ["a"] * 12 + ["b"] * 11,
                         "bilsky_grade": ["3"] * 10 + ["2"] * 2 + ["3"] * 8 + ["1c"] * 3})

    def printed(figure):
        return [text.get_text() for text in figure.axes[0].texts]

    shown = printed(plot_bilsky_distribution(data, group="group"))
    assert "2" in shown and "3" in shown and "10" in shown
    monkeypatch.setitem(privacy.ACTIVE, "threshold", 5)
    figure = plot_bilsky_distribution(data, group="group")
    masked = printed(figure)
    assert "2" not in masked and "3" not in masked and masked.count("<5") == 2 and "10" in masked
    heights = sorted(round(bar.get_height(), 6) for bar in figure.axes[0].patches if bar.get_height() > 0)
    assert round(100 * 2 / 12, 6) not in heights and round(100 * 3 / 11, 6) not in heights  # heights hide them too
