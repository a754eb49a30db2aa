"""helpers.presentation.privacy: small counts are masked in displayed tables and in results.csv; nothing else changes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.presentation import privacy
from helpers.validation.results import results_frame


def test_counts_below_the_threshold_are_masked():
    table = pd.DataFrame({"group": ["a", "b", "c"], "n": [3, 12, 0], "events": [1, 7, 0],
                          "mean_age": [61.2, 3.0, 4.0], "Bilsky 3, n (%)": ["2 (66.7)", "10 (83.3)", "0 (0.0)"]})
    before = table.copy()
    masked = privacy.suppress_small_cells(table, 5)
    pd.testing.assert_frame_equal(table, before)  # input unchanged
    assert masked["n"].tolist() == ["<5", 12, 0]
    assert masked["events"].tolist() == ["<5", 7, 0]
    assert masked["mean_age"].tolist() == [61.2, 3.0, 4.0]  # not a count column: left alone
    assert masked["Bilsky 3, n (%)"].tolist() == ["<5 (suppressed)", "10 (83.3)", "0 (0.0)"]
    pd.testing.assert_frame_equal(privacy.suppress_small_cells(table, 0), table)


def test_results_rows_with_small_counts_or_n_lose_their_numbers():
    results = results_frame([
        {"quantity": "true_positive", "group": "data", "estimate": 3, "method": "count", "n": 40},
        {"quantity": "true_negative", "group": "data", "estimate": 27, "method": "count", "n": 40},
        {"quantity": "sensitivity", "group": "data", "estimate": 0.75, "ci_low": 0.3, "ci_high": 0.95,
         "method": "Wilson score interval", "n": 4},
        {"quantity": "specificity", "group": "data", "estimate": 0.9, "ci_low": 0.74, "ci_high": 0.97,
         "method": "Wilson score interval", "n": 30},
    ])
    masked = privacy.suppress_small_results(results, 5).set_index("quantity")
    assert np.isnan(masked.loc["true_positive", "estimate"]) and "suppressed" in masked.loc["true_positive", "method"]
    assert np.isnan(masked.loc["sensitivity", "ci_low"]) and pd.isna(masked.loc["sensitivity", "n"])
    assert masked.loc["true_negative", "estimate"] == 27
    assert masked.loc["specificity", "estimate"] == 0.9 and masked.loc["specificity", "n"] == 30
    assert list(privacy.suppress_small_results(results, 5).columns) == list(results.columns)


def test_display_hook_is_off_without_a_threshold_or_outside_ipython():
    assert privacy.enable_small_cell_suppression(0) is False
    assert privacy.enable_small_cell_suppression(5) is False  # no IPython shell in pytest


def test_displayed_results_tables_hide_small_counts_in_the_estimate_column():
    table = results_frame([{"quantity": "false_negative", "group": "data", "estimate": 2, "method": "count", "n": 40},
                           {"quantity": "ppv", "group": "data", "estimate": 0.6, "method": "Wilson", "n": 3}])
    shown = privacy.suppress_small_cells(table[["quantity", "estimate", "method", "n"]], 5)
    assert shown.loc[0, "estimate"] == "suppressed (<5)" and shown.loc[1, "estimate"] == "suppressed (<5)"
    assert list(shown.columns) == ["quantity", "estimate", "method", "n"]


def test_styled_tables_are_masked_and_keep_a_hidden_index():
    table = pd.DataFrame({"quantity": ["true_positive", "true_negative"], "estimate": [3.0, 30.0],
                          "method": ["count", "count"], "n": [40, 40]})
    html = privacy.styler_to_html(table.style.format({"estimate": "{:.3f}"}).hide(axis="index"), 5)
    assert "30" in html and ">3.000<" not in html and ">3<" not in html
    assert "row_heading" not in html  # the index stays hidden


def test_a_masked_cell_of_the_two_by_two_grid_cannot_be_recovered_from_the_totals():
    from itertools import product

    from helpers.presentation.privacy import suppress_with_totals
    from helpers.presentation.tables import two_by_two_grid

    for cells in product([0, 1, 3, 6, 27], repeat=4):
        a, b, c, d = cells
        grid = two_by_two_grid({"true_positive": a, "false_positive": b, "false_negative": c, "true_negative": d})
        shown = suppress_with_totals(grid, 5)
        hidden = shown.map(lambda v: isinstance(v, str)).to_numpy()
        small = [(i, j) for i, j in product(range(2), range(2)) if 0 < grid.iat[i, j] < 5]
        assert all(shown.iat[i, j] == "<5" for i, j in small)
        assert shown.iat[2, 2] == grid.iat[2, 2]                       # the cohort's size stays
        # No line (row or column with its total) has exactly one hidden entry: none follows by subtraction.
        assert all(hidden[i].sum() != 1 for i in range(3)) and all(hidden[:, j].sum() != 1 for j in range(3))
        if not small:
            assert not hidden.any()


def test_propensity_histogram_masks_bins_of_few_patients(monkeypatch):
    import matplotlib.pyplot as plt

    from helpers.presentation.figures.matching import plot_score_overlap

    scores = pd.DataFrame({"treated": [True] * 12 + [False] * 12,
                           "propensity": [0.62] * 10 + [0.93, 0.94] + [0.31] * 10 + [0.05, 0.64],
                           "pair_id": pd.array(list(range(10)) + [pd.NA] * 2 + list(range(10)) + [pd.NA] * 2,
                                               dtype="Int64")})

    def heights(figure):
        return sorted({round(abs(patch.get_height()), 6) for axes in figure.axes for patch in axes.patches
                       if patch.get_height() != 0})

    monkeypatch.setitem(privacy.ACTIVE, "threshold", 0)
    open_figure = plot_score_overlap(scores)
    assert 1 in heights(open_figure) and 2 in heights(open_figure)      # exact small bins without suppression
    plt.close(open_figure)
    monkeypatch.setitem(privacy.ACTIVE, "threshold", 5)
    masked = plot_score_overlap(scores)
    assert heights(masked) == [4, 10]                                    # small bins drawn up to K - 1 only
    legends = [text.get_text() for axes in masked.axes for text in axes.get_legend().get_texts()]
    assert "fewer than 5 patients (masked)" in legends
    plt.close(masked)
