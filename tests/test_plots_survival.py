"""Tests of helpers.plots.survival: the figures draw exactly what the statistics helpers return."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from helpers.chapters.mscc_separation.figures import plot_bilsky_distribution  # noqa: E402
from helpers.presentation.figures.survival import (  # noqa: E402
    CENSOR_MARK_LIMIT,
    plot_forest,
    plot_kaplan_meier,
    plot_schoenfeld_residuals,
)
from helpers.stats.cox import cox_model, proportional_hazards_test, smooth_schoenfeld_residuals  # noqa: E402
from helpers.stats.survival import kaplan_meier  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def lung(reference_data) -> pd.DataFrame:
    frame = pd.read_csv(reference_data / "lung.csv")
    return frame.assign(dead=frame["status"].eq(2).astype(int), sex=frame["sex"].map({1: "male", 2: "female"}))


def test_kaplan_meier_figure(lung):
    km = kaplan_meier(lung, time="time", event="dead", group="sex")
    figure = plot_kaplan_meier(km, title="Lung", time_unit="days", group_labels={"male": "Men", "female": "Women"},
                               risk_times=[0, 200, 400, 600])
    curves, table = figure.axes
    assert curves.get_xlabel() == "Time (days)" and curves.get_title() == "Lung"
    steps = [line for line in curves.get_lines() if line.get_linestyle() == "-"]
    assert len(steps) == 2
    for line, group in zip(steps, km.medians["group"]):  # each curve is the helper's table, from (0, 1)
        part = km.table.loc[km.table["group"] == group]
        np.testing.assert_allclose(line.get_ydata(), np.r_[1.0, part["survival"]])
    assert [t.get_text() for t in curves.get_legend().get_texts()][0].startswith("Women (n = 90, 53 events)")
    printed = sorted((text.get_position()[0], int(text.get_text())) for text in table.texts)
    expected = km.number_at_risk([0, 200, 400, 600])
    assert printed == sorted(zip(expected["time"], expected["n_at_risk"].astype(int)))
    assert [label.get_text() for label in table.get_yticklabels()] == ["Men", "Women"]  # female first (sorted)
    assert any(line.get_marker() == "|" for line in curves.get_lines())  # 228 <= limit: censoring ticks


def test_kaplan_meier_general_time_unit_and_no_ticks_for_large_cohorts():
    rng = np.random.default_rng(7)
    n = CENSOR_MARK_LIMIT + 100
    frame = pd.DataFrame({"weeks": rng.exponential(20, n).round(1) + 0.1, "event": rng.integers(0, 2, n)})
    km = kaplan_meier(frame, time="weeks", event="event")
    figure = plot_kaplan_meier(km, title="One group", time_unit="weeks", time_label="Weeks since enrolment")
    curves = figure.axes[0]
    assert curves.get_xlabel() == "Weeks since enrolment"
    assert not any(line.get_marker() == "|" for line in curves.get_lines())
    assert figure.axes[1].texts  # default risk times: the axis ticks


def test_schoenfeld_figure(lung):
    fit = cox_model(lung, time="time", event="dead", covariates=["sex", "age"])
    result = proportional_hazards_test(fit)
    figure = plot_schoenfeld_residuals(result.residuals, term="age", time_unit="days", title="PH",
                                       smooth=smooth_schoenfeld_residuals(result))
    axes = figure.axes[0]
    points = axes.collections[0].get_offsets()
    assert len(points) == fit.n_event
    coefficient = fit.table.set_index("term").loc["age", "coef"]
    assert any(np.allclose(line.get_ydata(), coefficient) for line in axes.get_lines())
    assert axes.get_xlabel() == "Time (days)"
    with pytest.raises(ValueError, match="terms"):
        plot_schoenfeld_residuals(result.residuals, term="weight", time_unit="days", title="PH")


def test_forest_figure():
    table = pd.DataFrame({"label": ["A", "B", "A", "B"], "odds_ratio": [0.25, 1.5, 0.3, 1.4],
                          "ci_low": [0.07, 0.9, 0.08, 0.8], "ci_high": [0.9, 2.5, 1.1, 2.4],
                          "model": ["crude", "crude", "adjusted", "adjusted"]})
    figure = plot_forest(table, label="label", estimate="odds_ratio", model="model", title="ORs")
    axes = figure.axes[0]
    assert axes.get_xscale() == "log" and "Odds ratio" in axes.get_xlabel()
    markers = [line for line in axes.get_lines() if line.get_marker() == "s"]
    assert sorted(float(line.get_xdata()[0]) for line in markers) == sorted(table["odds_ratio"])
    assert [t.get_text() for t in axes.get_legend().get_texts()] == ["crude", "adjusted"]
    assert "0.25 (0.07-0.90)" in [text.get_text() for text in axes.texts]


def test_bilsky_figure_heights_are_percent_of_group():
    frame = pd.DataFrame({"arm": ["s"] * 4 + ["n"] * 5, "bilsky_grade": ["3", "3", "2", "1c", "3", "3", "3", "3", "2"]})
    figure = plot_bilsky_distribution(frame, group="arm")
    heights = [bar.get_height() for bar in figure.axes[0].patches]
    # groups in sorted order (n, s), grades 0 ... 3
    assert heights == pytest.approx([0, 0, 0, 0, 20, 80] + [0, 0, 0, 25, 25, 50])
