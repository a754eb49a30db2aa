"""Figure of the dynamic-mri chapter: time to first complication in the matched sample."""

from __future__ import annotations

from typing import Any

from helpers.presentation.figures.survival import plot_kaplan_meier


def plot_complication_curves(km: Any, log_rank: Any):
    """Kaplan-Meier curves of complication-free probability by imaging, with the log-rank test in a corner.

    Parameters
    ----------
    km : helpers.stats.survival.KaplanMeierResult
        Curves of the matched sample by ``imaging`` (:func:`helpers.stats.survival.kaplan_meier`).
    log_rank : helpers.stats.survival.LogrankResult
        The log-rank test of the same patients (:func:`helpers.stats.survival.logrank`).

    Returns
    -------
    matplotlib.figure.Figure
        As :func:`helpers.presentation.figures.survival.plot_kaplan_meier` draws it, the vertical axis from
        0.5 to 1 to make the curves readable.
    """
    test = log_rank.test.iloc[0]
    return plot_kaplan_meier(
        km, ylabel="Complication-free probability", time_unit="months", time_label="Time since surgery (months)",
        title="Time to first complication, matched sample", ylim=(0.5, 1.0),
        group_labels={"conventional": "conventional MRI", "dynamic": "dynamic MRI"},
        annotation=f"log-rank chi-squared = {test['statistic']:.2f}, df = {test['df']}, p = {test['p_value']:.3f}")
