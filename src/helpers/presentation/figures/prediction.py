"""Figures of prediction and ROC analysis: before/after scores, scatter matrix, ROC curves, calibration
and decision curves. They draw what :mod:`helpers.stats.roc` and :mod:`helpers.stats.prediction` return.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

COLOURS = ("#1b5e20", "#c62828", "#1565c0", "#6a1b9a", "#ef6c00", "#37474f")

GROUP_COLOURS = {"good": "#1565c0", "poor": "#c62828"}




DENSE_POINTS = 500
"""Above this many patients the scatter matrix draws small, transparent points (density, not a block)."""


def plot_scatter_matrix(df: pd.DataFrame, *, columns: Sequence[str], labels: Mapping[str, str] | None = None,
                        group: str | None = None, title: str = "Imaging metrics and recovery rate"):
    """Scatter matrix of ``columns`` (histograms on the diagonal), points coloured by ``group``
    (values ``good`` / ``poor``) when given. ``labels`` name the axes, with units.

    Readable at any size: beyond :data:`DENSE_POINTS` patients the points shrink and turn transparent in
    proportion, so overlapping points show density instead of a solid block."""
    labels = dict(labels or {})
    dense = len(df) > DENSE_POINTS
    point_size = 2 if dense else 7
    point_alpha = max(0.04, 0.65 * DENSE_POINTS / len(df)) if dense else 0.65
    k = len(columns)
    figure, axes = plt.subplots(k, k, figsize=(1.75 * k, 1.75 * k))
    groups = [None] if group is None else [g for g in ("poor", "good") if (df[group] == g).any()]
    for i, row_column in enumerate(columns):
        for j, column in enumerate(columns):
            ax = axes[i, j]
            for name in groups:
                subset = df if name is None else df[df[group] == name]
                colour = "#37474f" if name is None else GROUP_COLOURS[name]
                if i == j:
                    ax.hist(subset[column].dropna(), bins=12, alpha=0.55, color=colour)
                else:
                    ax.scatter(subset[column], subset[row_column], s=point_size, alpha=point_alpha, color=colour,
                               rasterized=dense, linewidths=0, label=None if name is None else f"{name} recovery")
            ax.xaxis.set_major_locator(MaxNLocator(3))
            ax.yaxis.set_major_locator(MaxNLocator(3))
            if i == j:
                # the diagonal's height is a count of patients, not the row's variable: no y scale, and the
                # panel names its variable itself
                ax.set_yticks([])
                ax.set_title(labels.get(column, column), fontsize=9, pad=3)
            if i == k - 1:
                ax.set_xlabel(labels.get(column, column), fontsize=10)
            else:
                ax.set_xticklabels([])
            if j == 0 and i != j:
                ax.set_ylabel(labels.get(row_column, row_column), fontsize=10)
            elif i == 0 and j == k - 1:  # the first row's scale, on the right (its left panel is a histogram)
                ax.yaxis.tick_right()
                ax.yaxis.set_label_position("right")
                ax.set_ylabel(labels.get(row_column, row_column), fontsize=10)
            elif i != j:
                ax.set_yticklabels([])
            ax.tick_params(labelsize=9)
    if group is not None:
        handles, names = axes[0, 1].get_legend_handles_labels()
        for handle in handles:
            handle.set_alpha(1.0)
        figure.legend(handles, names, loc="upper right", fontsize=9, markerscale=2 if not dense else 5)
    figure.suptitle(title + " (diagonal: histograms)")
    figure.tight_layout(rect=(0, 0, 0.93, 0.97))
    return figure


def plot_roc_curves(curves: Mapping[str, pd.DataFrame], *, aucs: Mapping[str, float],
                    thresholds: Mapping[str, tuple[float, float]] | None = None,
                    title: str = "ROC curves for good recovery"):
    """ROC curves on one figure: sensitivity (%) against 1 - specificity (%), from
    :func:`helpers.stats.roc.roc_curve_points` tables; the legend gives each AUC. ``thresholds`` maps a
    curve to the (sensitivity, specificity) of its Youden point, marked with a dot."""
    figure, axes = plt.subplots(figsize=(6.8, 6.2))
    for (name, points), colour in zip(curves.items(), COLOURS):
        axes.step(100 * points["false_positive_rate"], 100 * points["sensitivity"], where="post", color=colour,
                  lw=2, label=f"{name} (AUC {aucs[name]:.2f})")
        if thresholds and name in thresholds:
            sensitivity, specificity = thresholds[name]
            axes.plot(100 * (1 - specificity), 100 * sensitivity, "o", color=colour, ms=7, mec="black")
    axes.plot([0, 100], [0, 100], color="grey", ls=":", lw=1, label="no discrimination (AUC 0.50)")
    axes.set_xlabel("1 - specificity (%)")
    axes.set_ylabel("Sensitivity (%)")
    axes.set_xlim(-1, 101)
    axes.set_ylim(-1, 101)
    axes.set_aspect("equal")
    axes.grid(alpha=0.3)
    axes.legend(loc="lower right", fontsize=8.5)
    axes.set_title(title + ("\n(dots: Youden-optimal thresholds)" if thresholds else ""))
    figure.tight_layout()
    return figure


def plot_calibration(bins: pd.DataFrame, *, intercept: float | None = None, slope: float | None = None,
                     line_label: str = "", outcome_label: str = "the outcome", title: str = "Calibration"):
    """Observed proportion (%) against mean predicted probability (%) per risk group with Wilson CIs,
    from :func:`helpers.stats.prediction.calibration`; the legend gives the calibration intercept and slope
    when given (e.g. the bootstrap-corrected ones of :func:`helpers.stats.prediction.bootstrap_validation`),
    prefixed by ``line_label``."""
    figure, axes = plt.subplots(figsize=(6.2, 6.0))
    x, y = 100 * bins["mean_predicted"], 100 * bins["observed"]
    error = np.vstack([y - 100 * bins["ci_low"], 100 * bins["ci_high"] - y])
    label = "risk groups (observed, 95% CI)"
    if intercept is not None and slope is not None:
        label += f"\n{line_label + ' ' if line_label else ''}calibration intercept {intercept:.2f}, slope {slope:.2f}"
    axes.errorbar(x, y, yerr=error, fmt="o", color="#1565c0", capsize=3, label=label)
    axes.plot([0, 100], [0, 100], color="grey", ls="--", lw=1, label="perfect calibration")
    axes.set_xlabel(f"Mean predicted probability of {outcome_label} (%)")
    axes.set_ylabel(f"Observed proportion with {outcome_label} (%)")
    axes.set_xlim(0, 100)
    axes.set_ylim(0, 102)
    axes.grid(alpha=0.3)
    axes.legend(loc="upper left", fontsize=8.5)
    axes.set_title(title)
    figure.tight_layout()
    return figure


def plot_decision_curve(curve: pd.DataFrame, *, model_label: str = "model", outcome_label: str = "the outcome",
                        title: str = "Decision curve: net benefit of acting on the model"):
    """Net benefit against threshold probability (%), from :func:`helpers.stats.prediction.decision_curve`:
    the model, treat all and treat none."""
    figure, axes = plt.subplots(figsize=(7.2, 4.6))
    t = 100 * curve["threshold"]
    axes.plot(t, curve["net_benefit_model"], color="#1565c0", lw=2, label=model_label)
    axes.plot(t, curve["net_benefit_treat_all"], color="#c62828", lw=1.5, ls="--", label="act on all patients")
    axes.plot(t, curve["net_benefit_treat_none"], color="black", lw=1.2, label="act on no patient")
    top = float(np.nanmax(curve[["net_benefit_model", "net_benefit_treat_all"]].to_numpy()))
    axes.set_ylim(-0.05, top + 0.05)
    axes.set_xlim(0, 100)
    axes.set_xlabel(f"Threshold probability of {outcome_label} (%)")
    axes.set_ylabel("Net benefit (true positives per patient)")
    axes.grid(alpha=0.3)
    axes.legend(fontsize=9)
    axes.set_title(title)
    figure.tight_layout()
    return figure
