"""Kaplan-Meier curves with a number-at-risk table, drawn from :func:`helpers.survival.kaplan_meier`.

Nothing is estimated here: the curves, bands and numbers at risk come from the
:class:`helpers.survival.KaplanMeierResult` passed in.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

PALETTE = ("#1f78b4", "#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#66a61e")

CENSOR_TICK_LIMIT = 500
"""Above this many patients in a group, censoring is not marked patient by patient (the ticks would
merge into a bar); the number-at-risk table carries that information instead."""


def _risk_times(maximum: float, count: int = 6) -> np.ndarray:
    """Round, evenly spaced times from 0 to about ``maximum`` (1, 2, 2.5 or 5 times a power of ten)."""
    raw = maximum / max(count - 1, 1)
    magnitude = 10 ** np.floor(np.log10(raw)) if raw > 0 else 1.0
    step = min((m * magnitude for m in (1, 2, 2.5, 5, 10)), key=lambda candidate: abs(candidate - raw))
    return np.arange(0.0, maximum + 1e-9, step)


def plot_kaplan_meier(km_result, *, time_label: str = "Time since surgery (months)",
                      survival_label: str = "Survival probability", title: str = "Kaplan-Meier estimate",
                      labels: Mapping[object, str] | None = None, colours: Mapping[object, str] | None = None,
                      risk_times: Sequence[float] | None = None, show_ci: bool = True,
                      censor_ticks: bool | None = None, ylim: tuple[float, float] = (0.0, 1.0),
                      annotation: str | None = None):
    """Kaplan-Meier step curves, pointwise confidence bands, censoring ticks and a number-at-risk table.

    Parameters
    ----------
    km_result : helpers.survival.KaplanMeierResult
        Output of :func:`helpers.survival.kaplan_meier` (one curve per group).
    time_label, survival_label, title : str
        Axis labels (with units) and title.
    labels, colours : mapping, optional
        Display name and colour per group value.
    risk_times : sequence of float, optional
        Times of the number-at-risk table (and the x ticks); default about six round times up to the
        last follow-up.
    show_ci : bool
        Shade the pointwise confidence band (its type is ``km_result.conf_type``).
    censor_ticks : bool, optional
        Mark censored patients on the curves; default only when every group has at most
        :data:`CENSOR_TICK_LIMIT` patients.
    ylim : tuple of float
        Limits of the survival axis (zoom in when the curves stay high, and say so in the text).
    annotation : str, optional
        Text in the lower left corner (e.g. the log-rank p-value).

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: the curves and, below, the number at risk per group (patients followed up to at least
        each time, as R's ``summary(fit, times)``).
    """
    table = km_result.table
    groups = list(dict.fromkeys(table["group"]))
    sizes = km_result.medians.set_index("group")["n"]
    if censor_ticks is None:
        censor_ticks = bool((sizes <= CENSOR_TICK_LIMIT).all())
    times = np.asarray(risk_times if risk_times is not None else _risk_times(float(table["time"].max())), dtype=float)
    names = {group: dict(labels or {}).get(group, str(group)) for group in groups}
    colour = {group: dict(colours or {}).get(group, PALETTE[i % len(PALETTE)]) for i, group in enumerate(groups)}

    figure, (axes, risk) = plt.subplots(2, 1, figsize=(9, 5.2 + 0.35 * len(groups)), sharex=True,
                                        gridspec_kw={"height_ratios": [4, 0.5 + 0.3 * len(groups)]})
    for group in groups:
        part = table[table["group"] == group]
        x = np.r_[0.0, part["time"].to_numpy()]
        y = np.r_[1.0, part["survival"].to_numpy()]
        axes.step(x, y, where="post", color=colour[group], linewidth=2,
                  label=f"{names[group]} (n = {int(sizes[group])})")
        if show_ci:
            low = np.r_[1.0, part["ci_low"].to_numpy()]
            high = np.r_[1.0, part["ci_high"].to_numpy()]
            axes.fill_between(x, low, high, step="post", color=colour[group], alpha=0.15, linewidth=0)
        if censor_ticks:
            censored = part[part["n_censored"] > 0]
            axes.plot(censored["time"], censored["survival"], linestyle="none", marker="|", markersize=8,
                      color=colour[group])
    axes.set_ylim(*ylim)
    right = max(times.max(), float(table["time"].max())) * 1.02
    axes.set_xlim(-0.04 * right, right)  # room between the risk table's labels and its first column
    axes.set_ylabel(survival_label)
    axes.set_title(title)
    axes.grid(alpha=0.3)
    band = f"{km_result.level:.0%} CI ({km_result.conf_type})" if show_ci else None
    handles, texts = axes.get_legend_handles_labels()
    if band:
        handles.append(plt.Rectangle((0, 0), 1, 1, color="#999999", alpha=0.3))
        texts.append(f"shaded: pointwise {band}")
    if censor_ticks:
        handles.append(plt.Line2D([], [], color="#555555", marker="|", linestyle="none", markersize=8))
        texts.append("censored")
    axes.legend(handles, texts, loc="lower left" if annotation is None else "upper right", fontsize=9)
    if annotation:
        axes.text(0.01, 0.03, annotation, transform=axes.transAxes, fontsize=9, va="bottom",
                  bbox={"facecolor": "white", "edgecolor": "#cccccc", "alpha": 0.9})

    at_risk = km_result.number_at_risk(times)
    for row, group in enumerate(groups):
        counts = at_risk[at_risk["group"] == group]
        for when, count in zip(counts["time"], counts["n_at_risk"]):
            risk.text(when, len(groups) - 1 - row, f"{int(count)}", ha="center", va="center", fontsize=9,
                      color=colour[group])
    risk.set_yticks(range(len(groups)), [names[group] for group in reversed(groups)])
    risk.set_ylim(-0.6, len(groups) - 0.4)
    risk.set_xticks(times)
    risk.set_xlabel(time_label)
    risk.set_title("Number at risk", fontsize=10, loc="left")
    risk.tick_params(axis="y", length=0)
    for side in ("top", "right", "left"):
        risk.spines[side].set_visible(False)
    figure.tight_layout()
    return figure
