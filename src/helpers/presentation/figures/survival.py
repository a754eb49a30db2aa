"""Figures for survival analysis: Kaplan-Meier curves with a number-at-risk table, Schoenfeld residuals,
and a forest plot of ratios on a log scale.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from helpers.presentation.privacy import count_text

PALETTE = ("#1f5fa8", "#c0392b", "#2e7d32", "#8e44ad", "#d35400", "#00838f")
"""Colours of successive groups (colour-blind-safe enough for two to four groups, and distinct in grey)."""

CENSOR_MARK_LIMIT = 500
"""Above this many patients, censoring ticks are left off the curves (they merge into a smear)."""


def group_label(labels: Mapping[Any, str] | None, group: Any) -> str:
    return str(labels.get(group, group)) if labels else str(group)


def plot_kaplan_meier(km, *, title: str, time_unit: str, time_label: str | None = None,
                      group_labels: Mapping[Any, str] | None = None, colors: Sequence[str] | None = None,
                      risk_times: Sequence[float] | None = None, bands: bool = True,
                      censor_marks: bool | None = None, max_time: float | None = None,
                      ylabel: str = "Survival probability", ylim: tuple[float, float] = (0.0, 1.03),
                      annotation: str | None = None):
    """Kaplan-Meier curves by group, with pointwise confidence bands and a number-at-risk table below.

    Parameters
    ----------
    km : helpers.stats.survival.KaplanMeierResult
        From :func:`helpers.stats.survival.kaplan_meier` (any number of groups; one curve when ungrouped).
    title : str
        Figure title.
    time_unit : str
        Unit of the time axis ("months", "days", ...), shown in the axis label.
    time_label : str, optional
        Axis label; default ``"Time (<time_unit>)"``. Say where the clock starts, e.g.
        ``"Time since surgery (months)"``.
    group_labels : mapping, optional
        Display name per group value.
    colors : sequence of str, optional
        One colour per group, in the order of ``km.medians``.
    risk_times : sequence of float, optional
        Times of the number-at-risk table; default the x-axis ticks.
    bands : bool
        Shade the pointwise confidence band of each curve (the level and type ``km`` was fitted with).
    censor_marks : bool, optional
        Tick censored times on the curves; default only when there are at most
        :data:`CENSOR_MARK_LIMIT` patients.
    max_time : float, optional
        Right end of the time axis; default the longest follow-up.
    ylabel : str
        Label of the survival axis.
    ylim : tuple of float
        Range of the survival axis (zoom in when events are rare, and say so in the text).
    annotation : str, optional
        A line of text in the lower left of the curves (for example the log-rank test).

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: the curves, and the number-at-risk table (``n_at_risk`` from ``km.number_at_risk``: patients
        still followed at each time, as R's ``summary(fit, times)``).
    """
    groups = list(km.medians["group"])
    counts = km.medians.set_index("group")
    colors = list(colors or PALETTE)
    if censor_marks is None:
        censor_marks = int(counts["n"].sum()) <= CENSOR_MARK_LIMIT
    last = float(km.table["time"].max()) if max_time is None else float(max_time)
    height = 0.3 + 0.3 * len(groups)
    figure, (axes, table_axes) = plt.subplots(
        2, 1, figsize=(8.5, 5.6 + height), sharex=True, gridspec_kw={"height_ratios": [5.0, height], "hspace": 0.32})
    level = int(round(100 * km.level))
    for index, group in enumerate(groups):
        part = km.table.loc[km.table["group"] == group]
        colour = colors[index % len(colors)]
        times = np.r_[0.0, part["time"].to_numpy(dtype=float)]
        label = (f"{group_label(group_labels, group)} (n = {count_text(counts.loc[group, 'n'])}, "
                 f"{count_text(counts.loc[group, 'n_event'])} events)")
        axes.step(times, np.r_[1.0, part["survival"].to_numpy()], where="post", color=colour, lw=2, label=label)
        if bands:
            axes.fill_between(times, np.r_[1.0, part["ci_low"].to_numpy()], np.r_[1.0, part["ci_high"].to_numpy()],
                              step="post", color=colour, alpha=0.15, lw=0)
        if censor_marks:
            censored = part.loc[part["n_censored"] > 0]
            axes.plot(censored["time"], censored["survival"], ls="none", marker="|", markersize=9,
                      markeredgewidth=1.5, color=colour)
    axes.set_xlim(0, last * 1.02)
    axes.set_ylim(*ylim)
    if annotation:
        axes.text(0.02, 0.04, annotation, transform=axes.transAxes, fontsize=9, ha="left", va="bottom")
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    axes.grid(alpha=0.3)
    note = f"shaded: pointwise {level}% CI ({km.conf_type})" + ("; ticks: censored" if censor_marks else "")
    handles, labels = axes.get_legend_handles_labels()
    axes.legend(handles, labels, loc="upper right", fontsize=9, title=note, title_fontsize=8)
    axes.xaxis.set_major_locator(MaxNLocator(nbins=8, steps=[1, 2, 3, 5, 6, 10]))
    axes.tick_params(labelbottom=True)
    if risk_times is None:
        risk_times = [tick for tick in axes.get_xticks() if 0 <= tick <= last]
    at_risk = km.number_at_risk(list(risk_times))
    for row, group in enumerate(groups):
        y = len(groups) - 1 - row
        values = at_risk.loc[at_risk["group"] == group]
        for when, n in zip(values["time"], values["n_at_risk"]):
            table_axes.text(when, y, count_text(n), ha="center", va="center", fontsize=9,
                            color=colors[row % len(colors)])
    table_axes.set_ylim(-0.6, len(groups) - 0.4)
    table_axes.set_yticks(range(len(groups)))
    table_axes.set_yticklabels([group_label(group_labels, group) for group in reversed(groups)], fontsize=9)
    for tick, group in zip(table_axes.get_yticklabels(), reversed(groups)):
        tick.set_color(colors[groups.index(group) % len(colors)])
    table_axes.set_title("Number at risk", fontsize=9, loc="left")
    table_axes.tick_params(axis="y", length=0, pad=14)
    table_axes.tick_params(axis="x", labelbottom=False, length=0)
    for side in ("top", "right", "left", "bottom"):
        table_axes.spines[side].set_visible(False)
    axes.set_xlabel(time_label or f"Time ({time_unit})")
    figure.subplots_adjust(left=0.17, right=0.97, top=0.94, bottom=0.04)
    return figure


def plot_schoenfeld_residuals(residuals: pd.DataFrame, *, term: str, time_unit: str, title: str,
                              smooth: pd.DataFrame | None = None, term_label: str | None = None,
                              time_label: str | None = None):
    """Scaled Schoenfeld residuals of one Cox-model term against time, as R's ``plot(cox.zph(fit))``.

    Parameters
    ----------
    residuals : DataFrame
        ``proportional_hazards_test(...).residuals`` (columns ``term``, ``time``, ``beta_t``,
        ``scaled_residual``).
    term : str
        The model term to draw (e.g. ``"group[T.non_separated]"``).
    time_unit, title : str
        Unit of the time axis and figure title.
    smooth : DataFrame, optional
        ``smooth_schoenfeld_residuals(...)`` output; its curve for ``term`` is drawn over the points.
    term_label, time_label : str, optional
        Readable name of the term (y-axis label) and time-axis label.

    Returns
    -------
    matplotlib.figure.Figure
        Points: ``beta(t)`` = coefficient + scaled residual at each event time. Dashed line: the model's
        constant coefficient (``beta_t - scaled_residual``). Under proportional hazards the points scatter
        around it with no trend.
    """
    part = residuals.loc[residuals["term"] == term]
    if part.empty:
        raise ValueError(f"term {term!r} not in the residuals; terms: {sorted(residuals['term'].unique())}")
    coefficient = float((part["beta_t"] - part["scaled_residual"]).iloc[0])
    figure, axes = plt.subplots(figsize=(8, 4.8))
    axes.scatter(part["time"], part["beta_t"], s=22, color=PALETTE[0], alpha=0.75, label="scaled Schoenfeld residual + coefficient")
    axes.axhline(coefficient, color="black", ls="--", lw=1.2,
                 label=f"constant coefficient of the model ({coefficient:.2f}; HR {np.exp(coefficient):.2f})")
    axes.axhline(0, color="grey", lw=0.8)
    if smooth is not None:
        curve = smooth.loc[smooth["term"] == term].sort_values("time")
        axes.plot(curve["time"], curve["beta_t_smooth"], color=PALETTE[1], lw=2, label="lowess smooth (visual guide)")
    axes.set_xlabel(time_label or f"Time ({time_unit})")
    axes.set_ylabel(f"beta(t) for {term_label or term}\n(log hazard ratio)")
    axes.set_title(title)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8.5, loc="best")
    figure.tight_layout()
    return figure


def plot_forest(table: pd.DataFrame, *, label: str, estimate: str, ci_low: str = "ci_low", ci_high: str = "ci_high",
                model: str | None = None, measure: str = "Odds ratio", title: str, reference_value: float = 1.0,
                annotate: bool = True):
    """Forest plot of ratios (odds or hazard ratios) with confidence intervals on a log axis.

    Parameters
    ----------
    table : DataFrame
        One row per estimate; rows are drawn top to bottom in table order.
    label, estimate, ci_low, ci_high : str
        Columns: row label, ratio, lower and upper confidence limits.
    model : str, optional
        Column naming the model of each row (e.g. univariable / multivariable / Firth); rows of the same
        label from different models are drawn side by side, one colour per model.
    measure : str
        Name of the ratio, used in the axis label ("Odds ratio", "Hazard ratio").
    title : str
    reference_value : float
        Position of the line of no effect.
    annotate : bool
        Print "ratio (low-high)" at the right of each row.

    Returns
    -------
    matplotlib.figure.Figure
    """
    labels = list(dict.fromkeys(table[label]))
    models = list(dict.fromkeys(table[model])) if model else [None]
    spacing = 0.8 / max(len(models), 1)
    rows = len(labels) * len(models)
    height = 1.6 + 0.42 * rows
    figure, axes = plt.subplots(figsize=(8.5, height))
    for m_index, name in enumerate(models):
        part = table if name is None else table.loc[table[model] == name]
        colour = PALETTE[m_index % len(PALETTE)]
        for position, (_, row) in enumerate(part.iterrows()):
            y = len(labels) - 1 - labels.index(row[label]) + (len(models) - 1) / 2 * spacing - m_index * spacing
            axes.plot([row[ci_low], row[ci_high]], [y, y], color=colour, lw=2)
            axes.plot(row[estimate], y, marker="s", color=colour, markersize=7,
                      label=name if name is not None and position == 0 else None)
            if annotate:
                axes.annotate(f"{row[estimate]:.2f} ({row[ci_low]:.2f}-{row[ci_high]:.2f})", xy=(1.01, y),
                              xycoords=("axes fraction", "data"), va="center", fontsize=8.5, color=colour)
    axes.axvline(reference_value, color="grey", ls="--", lw=1)
    axes.set_xscale("log")
    low = min(float(table[ci_low].min()), reference_value)
    high = max(float(table[ci_high].max()), reference_value)
    ticks = [t for t in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100) if low / 1.5 <= t <= high * 1.5]
    axes.set_xticks(ticks)
    axes.set_xticklabels([f"{t:g}" for t in ticks])
    axes.minorticks_off()
    axes.set_yticks(range(len(labels)))
    axes.set_yticklabels(list(reversed(labels)))
    axes.set_ylim(-0.7, len(labels) - 0.3)
    axes.set_xlabel(f"{measure} (log scale; 95% CI)")
    axes.set_title(title)
    axes.grid(alpha=0.3, axis="x")
    if model:
        axes.legend(fontsize=8.5, loc="best")
    figure.subplots_adjust(left=0.3, right=0.78, bottom=0.75 / height, top=1 - 0.45 / height)
    return figure
